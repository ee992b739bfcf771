"""Reads for the collector: no writes here."""

from __future__ import annotations

import random
from collections import Counter

from django.db.models import Count, Q, QuerySet

from collector.consent import consent_document
from collector.models import Campaign, Clip, Consent, Contributor, Keyword
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
    document = consent_document(campaign)
    return (
        Consent.objects.filter(
            contributor=contributor, campaign=campaign, version=document.version, text_sha256=document.sha256
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
    key = (contributor.id, campaign.id, consent_document(campaign).sha256)
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
    """Steer toward the campaign's targets: the core word with the fewest usable clips, fillers ~10%.

    Never the previous word again, unless it is the only word there is.
    """
    rng = rng or random.Random()
    keywords = list(
        Keyword.objects.filter(campaign=campaign).annotate(
            n_clips=Count("clips", filter=~Q(clips__status=Clip.Status.INVALID))
        )
    )
    if campaign.kind == Campaign.Kind.WAKE_WORD:
        return _wake_word_prompt(keywords, previous_keyword_id, rng)
    candidates = [k for k in keywords if k.id != previous_keyword_id] or keywords
    if not candidates:
        return None
    core = [k for k in candidates if not k.is_filler]
    fillers = [k for k in candidates if k.is_filler]
    if fillers and (not core or rng.random() < FILLER_SHARE):
        return rng.choice(fillers)
    mine = Counter()
    if contributor is not None:
        mine.update(
            Clip.objects.filter(contributor=contributor, campaign=campaign).values_list("keyword_id", flat=True)
        )
    target = campaign.target_clips_per_keyword
    return min(core, key=lambda k: (k.n_clips >= target, k.n_clips, mine[k.id], rng.random()))


def _wake_word_prompt(keywords: list[Keyword], previous_keyword_id: int | None, rng: random.Random) -> Keyword | None:
    """The phrase most of the time, again and again if need be; a confusable otherwise, never the same one twice
    in a row."""
    phrases = [k for k in keywords if not k.is_filler]
    confusables = [k for k in keywords if k.is_filler and k.id != previous_keyword_id]
    if phrases and (not confusables or rng.random() < WAKE_PHRASE_SHARE):
        return phrases[0]
    return min(confusables, key=lambda k: (k.n_clips, rng.random())) if confusables else None


def clips_of_contributor(*, contributor: Contributor) -> QuerySet[Clip]:
    return Clip.objects.filter(contributor=contributor).select_related("keyword", "campaign").order_by("-created_at")


def campaigns_active() -> QuerySet[Campaign]:
    return Campaign.objects.filter(active=True).select_related("language")
