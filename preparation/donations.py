"""Negative audio donated by a volunteer: a take a model woke or fired on though the volunteer did not say the word.

It is stored as any negative recording is (`negatives.negative_audio_add`), marked `donated`, tied to the volunteer
and the consent they gave, so that their erasure deletes it with its audio and their export holds it.
"""

from __future__ import annotations

import hashlib
import io

from collector.models import Campaign, Contributor
from collector.selectors import consent_current
from core.errors import ApplicationError, Conflict, ConsentRequired
from kws import audio as kws_audio
from preparation import negatives
from preparation.models import NegativeAudio


def negative_donate(
    *,
    contributor: Contributor | None,
    campaign: Campaign,
    audio: bytes,
    kind: str = NegativeAudio.Kind.SPEECH,
    max_bytes: int,
    max_seconds: float,
) -> NegativeAudio:
    """Validate the take as an upload is (at least 1 s, at most max_seconds), store it canonical and record it."""
    consent = consent_current(contributor=contributor, campaign=campaign)
    if consent is None:
        raise ConsentRequired(
            f"you have not accepted the current consent form for '{campaign.name}'; "
            f"accept it at /c/{campaign.slug}/consent/ before donating a recording"
        )
    if kind not in NegativeAudio.Kind.values:
        raise ApplicationError(
            f"kind {kind!r} is not one of {', '.join(NegativeAudio.Kind.values)}", code="unknown_negative_kind"
        )
    try:
        decoded = kws_audio.decode_upload(
            audio, max_bytes=max_bytes, min_duration_s=negatives.MIN_SECONDS, max_duration_s=max_seconds
        )
    except kws_audio.AudioRejected as exc:
        raise ApplicationError(str(exc), code=exc.code) from None
    name = f"donated-{hashlib.sha256(decoded.wav_bytes).hexdigest()[:20]}.wav"
    if NegativeAudio.objects.filter(campaign=campaign, name=name).exists():
        raise Conflict("you already donated this exact recording", code="duplicate")
    return negatives.negative_audio_add(
        campaign=campaign,
        name=name,
        fileobj=io.BytesIO(decoded.wav_bytes),
        kind=kind,
        source=NegativeAudio.Source.DONATED,
        contributor=contributor,
        consent=consent,
    )
