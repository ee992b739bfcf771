"""Test data built through the same service functions the product uses."""

from __future__ import annotations

from collector import services
from collector.consent import consent_document
from collector.models import Campaign, Clip, Contributor
from tests.audio_factory import tone, wav_bytes

_seed = iter(range(10**9))


def contributor_with_consent(campaign: Campaign) -> Contributor:
    contributor, _ = services.contributor_create()
    services.consent_give(
        contributor=contributor,
        campaign=campaign,
        text_sha256=consent_document(campaign).sha256,
        is_adult=True,
        licence_accepted=True,
    )
    return contributor


def voter_in_good_standing(campaign: Campaign) -> Contributor:
    """A volunteer whose votes count: an admin trusts them (labeling/standing.py)."""
    from labeling.services import reviewer_trust_set

    voter = contributor_with_consent(campaign)
    reviewer_trust_set(reviewer_id=voter.id, trusted=True)
    return voter


def clip_recorded(
    campaign: Campaign, contributor: Contributor | None = None, keyword: str = "yes", **tone_args
) -> Clip:
    contributor = contributor or contributor_with_consent(campaign)
    audio = wav_bytes(tone(1.0, seed=next(_seed), **tone_args))
    return services.clip_create(
        contributor=contributor, campaign=campaign, keyword_text=keyword, audio=audio, max_bytes=10**7
    )


def clip_validated(
    campaign: Campaign, contributor: Contributor | None = None, keyword: str = "yes", **tone_args
) -> Clip:
    """A clip that two reviewers in good standing accepted: it is valid and queued for preparation."""
    from labeling.services import vote_cast

    clip = clip_recorded(campaign, contributor, keyword, **tone_args)
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(campaign), clip_id=clip.id, kind="valid")
    clip.refresh_from_db()
    return clip


def gold_clips(campaign: Campaign, n: int, answer: str = "valid") -> list[Clip]:
    from labeling.services import clip_mark_gold

    return [clip_mark_gold(clip_id=clip_recorded(campaign).id, answer=answer) for _ in range(n)]


def answer_gold(voter: Contributor, golds: list[Clip], correct: int) -> None:
    """The first `correct` gold clips answered right, the rest wrong."""
    from labeling.services import vote_cast

    for i, gold in enumerate(golds):
        right = i < correct
        vote_cast(
            voter=voter, clip_id=gold.id, kind=gold.gold_answer if right else "invalid", reason="" if right else "noisy"
        )
