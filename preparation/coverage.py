"""Where a campaign's data is thin: recorded clips per keyword x demographic group x split, against its targets.

A group is a value of one field (accent, gender, age bracket), counted over the speakers who have usable recorded
clips in the campaign. Under the rule of five (kws.anonymity, as releases and model cards apply it) a value fewer
than five of those speakers share is not shown on its own: its clips count in "other/undisclosed", with those of
speakers who preferred not to say or answered "another". A speaker's split is the one preparation gives all their
clips (kws.splits.which_set of the speaker hash), so clips still waiting for review have one too. A cell's target is
its keyword x group target (collector/targets.py) times the split's share of speakers. Synthetic voices are left
out: coverage, like targets, is about people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from collector.models import GROUP_FIELDS, Campaign, Clip, Keyword
from collector.targets import OTHER_GROUP, Targets, campaign_targets, is_group
from core.pseudonyms import speaker_hash
from kws import anonymity, splits
from preparation.models import PreparedClip

SPLITS = ("training", "validation", "testing")
SPLIT_SHARES = {
    "training": 1 - (splits.VALIDATION_PERCENTAGE + splits.TESTING_PERCENTAGE) / 100,
    "validation": splits.VALIDATION_PERCENTAGE / 100,
    "testing": splits.TESTING_PERCENTAGE / 100,
}
ALL = ""  # the field and group of a keyword's cells over every group, the split of cells over every split
NOT_TRAINING_DATA = (PreparedClip.State.DROPPED, PreparedClip.State.FAILED)


@dataclass
class Cell:
    validated: int = 0  # valid clips that preparation kept (not dropped as too quiet, not failed)
    pending: int = 0  # waiting for review
    seconds: float = 0.0  # of the validated clips
    speaker_ids: set = field(default_factory=set)  # speakers of validated or pending clips
    target: int | None = None  # None: the other/undisclosed bucket, which has no target

    @property
    def speakers(self) -> int:
        return len(self.speaker_ids)

    @property
    def share(self) -> float | None:
        """Validated clips as a share of the target; None where there is no target."""
        return None if not self.target else self.validated / self.target


@dataclass
class Coverage:
    campaign: Campaign
    keywords: list[Keyword]
    groups: dict[str, list[str]]  # field -> the groups shown, OTHER_GROUP last where it has speakers
    speakers: dict[str, dict[str, int]]  # field -> group -> speakers
    cells: dict[tuple[int, str, str, str], Cell]  # (keyword id, field, group, split) -> cell; ALL for totals
    targets: Targets

    def cell(self, keyword_id: int, field_name: str = ALL, group: str = ALL, split: str = ALL) -> Cell:
        return self.cells.get((keyword_id, field_name, group, split)) or Cell(
            target=self._target(keyword_id, field_name, group, split)
        )

    def _target(self, keyword_id: int, field_name: str, group: str, split: str) -> int | None:
        whole = (
            self.targets.keyword(keyword_id) if field_name == ALL else self.targets.group(keyword_id, field_name, group)
        )
        if whole is None or split == ALL:
            return whole
        return max(1, round(whole * SPLIT_SHARES[split]))


def campaign_coverage(*, campaign: Campaign) -> Coverage:
    """The campaign's coverage in one aggregate over its recorded clips (plus the targets' two small queries)."""
    rows = list(
        Clip.objects.filter(campaign=campaign, synthetic=False, status__in=[Clip.Status.VALID, Clip.Status.PENDING])
        .values(
            "keyword_id",
            "contributor_id",
            "status",
            "preparation__state",
            *(f"contributor__demographics__{f}" for f in GROUP_FIELDS),
        )
        .annotate(n=Count("id"), seconds=Sum("duration_s"))
        .order_by()
    )
    speakers = {r["contributor_id"]: {f: r[f"contributor__demographics__{f}"] for f in GROUP_FIELDS} for r in rows}
    shown = _shown_groups(speakers)
    split_of = {s: splits.which_set(speaker_hash(s)) for s in speakers}
    coverage = Coverage(
        campaign=campaign,
        keywords=list(Keyword.objects.filter(campaign=campaign)),
        groups={},
        speakers={},
        cells={},
        targets=campaign_targets(campaign=campaign),
    )
    for f in GROUP_FIELDS:
        per_group = defaultdict(int)
        for s in speakers:
            per_group[shown[s][f]] += 1
        named = sorted(g for g in per_group if g != OTHER_GROUP)
        coverage.groups[f] = named + ([OTHER_GROUP] if OTHER_GROUP in per_group else [])
        coverage.speakers[f] = dict(per_group)
    for r in rows:
        speaker = r["contributor_id"]
        validated = r["status"] == Clip.Status.VALID and r["preparation__state"] not in NOT_TRAINING_DATA
        if r["status"] == Clip.Status.VALID and not validated:
            continue  # valid, but preparation dropped it: not training data, and not waiting for anything
        cells = [(ALL, ALL)] + [(f, shown[speaker][f]) for f in GROUP_FIELDS]
        for field_name, group in cells:
            for split in (ALL, split_of[speaker]):
                key = (r["keyword_id"], field_name, group, split)
                cell = coverage.cells.get(key)
                if cell is None:
                    cell = coverage.cells[key] = Cell(target=coverage._target(*key))
                cell.speaker_ids.add(speaker)
                if validated:
                    cell.validated += r["n"]
                    cell.seconds += r["seconds"] or 0.0
                else:
                    cell.pending += r["n"]
    return coverage


def _shown_groups(speakers: dict) -> dict:
    """speaker -> field -> the group the speaker is shown in: their own value where it names a group at least five
    of these speakers share, OTHER_GROUP otherwise."""
    shown = {s: {} for s in speakers}
    for f in GROUP_FIELDS:
        values = {s: {f: v[f]} for s, v in speakers.items() if is_group(v[f])}
        published = anonymity.publishable(values, [f])
        for s in speakers:
            shown[s][f] = (published.get(s) or {}).get(f) or OTHER_GROUP
    return shown
