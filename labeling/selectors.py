"""Reads for review quality: per-reviewer gold accuracy and agreement, Cohen's and Fleiss' kappa."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from collector.models import Campaign, Clip
from labeling.agreement import cohen_kappa, fleiss_kappa
from labeling.models import ReviewerStats, Vote

MIN_SHARED_CLIPS = 5  # pairs of reviewers with fewer shared clips get no kappa
MAX_REVIEWERS_IN_PAIRS = 30


@dataclass(frozen=True)
class ReviewerQuality:
    reviewer_id: str
    label: str  # short pseudonym for the dashboard
    is_account: bool
    votes: int
    gold_answered: int
    gold_accuracy: float | None
    agreement: float | None  # share of votes on decided clips that match the decision
    counts: bool


def _votes(campaign: Campaign):
    return Vote.objects.filter(
        clip__campaign=campaign, kind__in=[Vote.Kind.VALID, Vote.Kind.INVALID], voter__isnull=False
    )


def reviewer_quality(*, campaign: Campaign) -> list[ReviewerQuality]:
    rows = _votes(campaign).values_list("voter_id", "voter__user__username", "kind", "clip__status", "clip__is_gold")
    per_voter: dict = defaultdict(lambda: {"votes": 0, "decided": 0, "agree": 0, "user": None})
    for voter_id, username, kind, status, is_gold in rows:
        entry = per_voter[voter_id]
        entry["user"] = username
        entry["votes"] += 1
        if not is_gold and status in (Clip.Status.VALID, Clip.Status.INVALID):
            entry["decided"] += 1
            entry["agree"] += kind == status
    stats = {s.reviewer_id: s for s in ReviewerStats.objects.filter(reviewer_id__in=per_voter)}
    result = []
    for voter_id, entry in per_voter.items():
        s = stats.get(voter_id)
        result.append(
            ReviewerQuality(
                reviewer_id=str(voter_id),
                label=entry["user"] or f"anon-{str(voter_id)[:6]}",
                is_account=entry["user"] is not None,
                votes=entry["votes"],
                gold_answered=s.gold_answered if s else 0,
                gold_accuracy=s.gold_accuracy if s else None,
                agreement=entry["agree"] / entry["decided"] if entry["decided"] else None,
                counts=s.counts if s else True,
            )
        )
    return sorted(result, key=lambda r: -r.votes)


def pairwise_cohen_kappa(*, campaign: Campaign) -> list[tuple[str, str, int, float | None]]:
    """(reviewer a, reviewer b, shared clips, kappa) for the most active reviewers."""
    labels: dict = defaultdict(dict)
    for voter_id, clip_id, kind in (
        _votes(campaign).filter(clip__is_gold=False).values_list("voter_id", "clip_id", "kind")
    ):
        labels[voter_id][clip_id] = kind
    active = sorted(labels, key=lambda v: -len(labels[v]))[:MAX_REVIEWERS_IN_PAIRS]
    pairs = []
    for a, b in itertools.combinations(active, 2):
        shared = sorted(labels[a].keys() & labels[b].keys())
        if len(shared) >= MIN_SHARED_CLIPS:
            kappa = cohen_kappa([labels[a][c] for c in shared], [labels[b][c] for c in shared])
            pairs.append((str(a), str(b), len(shared), kappa))
    return pairs


def keyword_fleiss_kappa(*, campaign: Campaign) -> list[tuple[str, int, float | None]]:
    """(keyword, clips with two or more votes, Fleiss' kappa) per keyword."""
    counts: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for keyword, clip_id, kind in (
        _votes(campaign).filter(clip__is_gold=False).values_list("clip__keyword__text", "clip_id", "kind")
    ):
        counts[keyword][clip_id][0 if kind == Vote.Kind.VALID else 1] += 1
    result = []
    for keyword in sorted(counts):
        matrix = np.array(list(counts[keyword].values()))
        rated = int((matrix.sum(axis=1) >= 2).sum())
        result.append((keyword, rated, fleiss_kappa(matrix)))
    return result


def review_reasons_listed(*, clip_ids: list, **_signal) -> dict:
    """Receiver of collector.signals.clips_listed: why reviewers said no to (or reported) each listed clip, counted."""
    labels = dict(Vote.Reason.choices)
    counts: dict = {}
    for clip_id, reason in (
        Vote.objects.filter(clip_id__in=clip_ids).exclude(reason="").order_by("id").values_list("clip_id", "reason")
    ):
        counts.setdefault(clip_id, Counter())[reason] += 1
    return {
        clip_id: {
            "review_reasons": [
                {"reason": reason, "label": str(labels[reason]), "count": n} for reason, n in by_reason.most_common()
            ]
        }
        for clip_id, by_reason in counts.items()
    }


GOLD_SHOWN_IN_STEPS_OF = 5  # a reviewer's gold figure moves only every 5 gold answers: it never marks one clip gold


@dataclass(frozen=True)
class ReviewSummary:
    """What a reviewer sees of their own reviewing in a campaign."""

    answered: int  # yes or no answers (skips and reports are not answers)
    gold_answered: int  # in steps of GOLD_SHOWN_IN_STEPS_OF, oldest first
    gold_accuracy: float | None  # over those gold answers
    decided: int  # answers on clips the crowd has since decided (gold aside)
    agreement: float | None  # share of those that match the decision


def voter_review_summary(*, voter, campaign: Campaign) -> ReviewSummary:
    rows = list(
        _votes(campaign)
        .filter(voter=voter)
        .order_by("created_at", "id")
        .values_list("kind", "clip__status", "clip__is_gold", "clip__gold_answer")
    )
    gold = [kind == answer for kind, _status, is_gold, answer in rows if is_gold and answer]
    shown = gold[: len(gold) - len(gold) % GOLD_SHOWN_IN_STEPS_OF]
    decided = [
        kind == status
        for kind, status, is_gold, _answer in rows
        if not is_gold and status in (Clip.Status.VALID, Clip.Status.INVALID)
    ]
    return ReviewSummary(
        answered=len(rows),
        gold_answered=len(shown),
        gold_accuracy=sum(shown) / len(shown) if shown else None,
        decided=len(decided),
        agreement=sum(decided) / len(decided) if decided else None,
    )
