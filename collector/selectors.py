"""Reads for the collector: no writes here."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from collector.consent import CONSENT_VERSION, consent_hashes
from collector.models import GROUP_FIELDS, Campaign, Clip, Consent, Contributor, Demographics, Keyword
from collector.targets import campaign_targets, is_group
from core.pseudonyms import token_sha256

FILLER_SHARE = 0.10
WAKE_PHRASE_SHARE = 0.7  # a wake-word model learns most from the phrase itself; confusables are the rest


def contributor_from_token(token: str | None) -> Contributor | None:
    if not token or len(token) > 200:
        return None
    return Contributor.objects.filter(token_sha256=token_sha256(token)).first()


def campaign_get(*, slug: str) -> Campaign:
    """Any campaign, active or not, by slug; NotFound (404) with the slug otherwise."""
    from core.errors import NotFound

    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise NotFound(f"no campaign {slug!r}")
    return campaign


def campaign_by_slug_or_name(value: str) -> Campaign | None:
    """What the management commands accept for --campaign."""
    return Campaign.objects.filter(slug=value).first() or Campaign.objects.filter(name=value).first()


def campaign_get_active(*, slug: str) -> Campaign | None:
    return Campaign.objects.select_related("language").filter(slug=slug, active=True).first()


def consent_current(*, contributor: Contributor | None, campaign: Campaign) -> Consent | None:
    """The contributor's consent to the text this campaign shows now, if any."""
    if contributor is None:
        return None
    return (
        Consent.objects.filter(
            contributor=contributor,
            campaign=campaign,
            version=CONSENT_VERSION,
            text_sha256__in=consent_hashes(campaign),  # the current text in any of its languages
        )
        .order_by("-accepted_at")
        .first()
    )


_CONSENTED: dict[tuple, bool] = {}  # positive answers only, so nothing here can go stale (see below)
_CONSENTED_MAX = 50_000


def consent_is_current(*, contributor: Contributor | None, campaign: Campaign) -> bool:
    """Whether the contributor accepted the text the campaign shows now; asked on every vote.

    A yes is remembered per process: it is keyed by the exact text's hash, so a new text or licence
    asks again, and consent is withdrawn only by erasing the contributor, who then cannot sign in.
    """
    if contributor is None:
        return False
    key = (contributor.id, campaign.id, consent_hashes(campaign))
    if key in _CONSENTED:
        return True
    if consent_current(contributor=contributor, campaign=campaign) is None:
        return False
    if len(_CONSENTED) >= _CONSENTED_MAX:
        _CONSENTED.clear()
    _CONSENTED[key] = True
    return True


def keyword_next_prompt(
    *,
    campaign: Campaign,
    contributor: Contributor | None,
    previous_keyword_id: int | None = None,
    rng: random.Random | None = None,
) -> Keyword | None:
    """Steer toward the campaign's targets (collector/targets.py): the core word whose clips from the volunteer's
    groups (accent, gender, age bracket, where they said) are furthest below their targets on average, then the
    word furthest below its own target; fillers ~10%. Never the previous word again, unless it is the only one.

    Four small queries whatever the number of words: the volunteer's groups, the targets and the boosts, and one
    aggregate over the campaign's clips that counts every word's usable recorded clips (synthetic voices do not
    count toward targets), those of each of the volunteer's groups and the volunteer's own.
    """
    rng = rng or random.Random()
    groups = _groups_of(contributor)
    targets = campaign_targets(campaign=campaign)
    usable = Q(clips__synthetic=False) & ~Q(clips__status=Clip.Status.INVALID)
    counts = {"n_clips": Count("clips", filter=usable)}
    if contributor is not None:
        counts["n_mine"] = Count("clips", filter=Q(clips__contributor=contributor))
    for field_name, value in groups.items():
        counts[f"n_{field_name}"] = Count(
            "clips", filter=usable & Q(**{f"clips__contributor__demographics__{field_name}": value})
        )
    keywords = list(Keyword.objects.filter(campaign=campaign).annotate(**counts))

    def need(k: Keyword) -> tuple:
        """Sorts the word most wanted first: below target at all, then the volunteer's groups' share of target,
        the word's share of its target, the volunteer's own clips of it, chance."""
        own = k.n_clips / max(1, targets.keyword(k.id))
        shares = [
            min(1.0, getattr(k, f"n_{field_name}") / max(1, target))
            for field_name, value in groups.items()
            if (target := targets.group(k.id, field_name, value)) is not None
        ]
        # the mean over the volunteer's groups: the word that takes all of them furthest toward their targets; a
        # group past its target makes up for none below it
        mean = sum(shares) / len(shares) if shares else min(1.0, own)
        return (own >= 1 and mean >= 1, mean, own, getattr(k, "n_mine", 0), rng.random())

    if campaign.kind == Campaign.Kind.WAKE_WORD:
        return _wake_word_prompt(keywords, previous_keyword_id, rng, need)
    candidates = [k for k in keywords if k.id != previous_keyword_id] or keywords
    if not candidates:
        return None
    core = [k for k in candidates if not k.is_filler]
    fillers = [k for k in candidates if k.is_filler]
    first = previous_keyword_id is None  # a session starts with a word the campaign is about, never a filler
    if fillers and (not core or (not first and rng.random() < FILLER_SHARE)):
        return rng.choice(fillers)
    return min(core, key=need)


def _groups_of(contributor: Contributor | None) -> dict[str, str]:
    """The volunteer's demographic groups, field by field, where they named one. Prompts steer by the volunteer's own
    answers, rule of five or not: nothing of them is shown to anyone."""
    if contributor is None:
        return {}
    row = Demographics.objects.filter(contributor=contributor).values(*GROUP_FIELDS).first() or {}
    return {field_name: value for field_name, value in row.items() if is_group(value)}


def _wake_word_prompt(
    keywords: list[Keyword], previous_keyword_id: int | None, rng: random.Random, need
) -> Keyword | None:
    """The phrase first and most of the time, again and again if need be; a confusable otherwise (the one most
    wanted), never the same one twice in a row."""
    phrases = [k for k in keywords if not k.is_filler]
    confusables = [k for k in keywords if k.is_filler and k.id != previous_keyword_id]
    if phrases and (not confusables or previous_keyword_id is None or rng.random() < WAKE_PHRASE_SHARE):
        return phrases[0]  # and always first: a session starts with the phrase itself
    return min(confusables, key=need) if confusables else None


def clips_of_contributor(*, contributor: Contributor) -> QuerySet[Clip]:
    return Clip.objects.filter(contributor=contributor).select_related("keyword", "campaign").order_by("-created_at")


def campaigns_active() -> QuerySet[Campaign]:
    return Campaign.objects.filter(active=True).select_related("language")


@dataclass(frozen=True)
class KeywordProgress:
    text: str
    is_filler: bool
    recorded: int
    validated: int
    target: int

    @property
    def share(self) -> float:
        """Validated clips as a share of the target, at most 1."""
        return min(1.0, self.validated / self.target) if self.target else 1.0


@dataclass(frozen=True)
class CampaignProgress:
    """What a campaign's public page shows, as Common Voice does: recorded and validated clips and hours, speakers,
    and each word's validated clips toward its target. People only: synthetic voices are not counted."""

    recorded_clips: int
    recorded_seconds: float
    validated_clips: int
    validated_seconds: float
    speakers: int
    keywords: list[KeywordProgress]

    @property
    def recorded_hours(self) -> float:
        return self.recorded_seconds / 3600

    @property
    def validated_hours(self) -> float:
        return self.validated_seconds / 3600

    @property
    def goal_clips(self) -> int:
        return sum(k.target for k in self.keywords if not k.is_filler)

    @property
    def goal_done(self) -> int:
        """Validated clips toward the goal: a word's clips beyond its target do not make up for another's."""
        return sum(min(k.validated, k.target) for k in self.keywords if not k.is_filler)

    @property
    def goal_share(self) -> float:
        return self.goal_done / self.goal_clips if self.goal_clips else 1.0


def campaign_progress(*, campaign: Campaign) -> CampaignProgress:
    """Two aggregates over the campaign's recorded clips (per word, and its speakers), plus the targets'."""
    recorded = Q(clips__synthetic=False)
    validated = recorded & Q(clips__status=Clip.Status.VALID)
    rows = list(
        Keyword.objects.filter(campaign=campaign).annotate(
            recorded=Count("clips", filter=recorded),
            validated=Count("clips", filter=validated),
            recorded_s=Sum("clips__duration_s", filter=recorded),
            validated_s=Sum("clips__duration_s", filter=validated),
        )
    )
    targets = campaign_targets(campaign=campaign)
    keywords = [KeywordProgress(k.text, k.is_filler, k.recorded, k.validated, targets.keyword(k.id)) for k in rows]
    speakers = Clip.objects.filter(campaign=campaign, synthetic=False).aggregate(n=Count("contributor", distinct=True))
    return CampaignProgress(
        recorded_clips=sum(k.recorded for k in rows),
        recorded_seconds=sum(k.recorded_s or 0.0 for k in rows),
        validated_clips=sum(k.validated for k in rows),
        validated_seconds=sum(k.validated_s or 0.0 for k in rows),
        speakers=speakers["n"],
        keywords=keywords,
    )
