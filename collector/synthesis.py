"""Synthetic starter voices: espeak-ng speaks every keyword of a campaign, over background noise at varied SNR.

A synthetic clip needs no review (it is valid at once, reason 'synthetic'), names its voice instead of a
person, and belongs to a pseudo-contributor per voice so that splits still go by speaker.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Count
from django.utils import timezone

from collector.clip_rows import audio_sha256, clip_batch
from collector.models import Campaign, Clip, Contributor, Keyword
from core.errors import ApplicationError
from core.pseudonyms import new_token, token_sha256
from kws import audio as kws_audio
from kws import espeak, synthetic

ENGINE = "espeak-ng"
SOURCE = f"synthetic:{ENGINE}"
LICENCE = "CC0-1.0"  # no person's voice: nothing to license but the engine's output
DEFAULT_VOICES = 200  # the `make run` starter set: a passing default model (93% int8) in about 6 min on 2 cores
DEFAULT_TAKES = 3
MAX_VOICES = 500
MAX_DRAWS_PER_TAKE = 5
SYNTHETIC_NAMESPACE = uuid.UUID("3b0c6a0e-8f3c-4f0e-9a7d-2d9f61c7b5a4")


@dataclass
class SynthesisReport:
    voices: int = 0
    created: int = 0
    already_present: int = 0


def voice_contributor(speaker: synthetic.Speaker) -> Contributor:
    """The pseudo-contributor of one synthetic voice: the same voice maps to the same row everywhere."""
    key = f"{SOURCE}:{hashlib.sha1(speaker.descriptor.encode()).hexdigest()[:16]}"
    contributor, _ = Contributor.objects.get_or_create(
        external_key=key,
        defaults={"id": uuid.uuid5(SYNTHETIC_NAMESPACE, key), "token_sha256": token_sha256(new_token())},
    )
    return contributor


def synthesis_check(*, campaign: Campaign, voices: int, takes: int, keywords: list[str] | None = None) -> list[Keyword]:
    """The keywords a synthesis would speak, or an ApplicationError saying what is wrong with the request."""
    if not 1 <= voices <= MAX_VOICES:
        raise ApplicationError(f"voices must be between 1 and {MAX_VOICES}", code="bad_value")
    if not 1 <= takes <= 20:
        raise ApplicationError("takes must be between 1 and 20", code="bad_value")
    targets = list(campaign.keywords.order_by("id"))
    if keywords:
        unknown = sorted(set(keywords) - {k.text for k in targets})
        if unknown:
            raise ApplicationError(
                f"not keywords of campaign '{campaign.name}': {', '.join(unknown)}", code="unknown_keyword"
            )
        targets = [k for k in targets if k.text in keywords]
    if not targets:
        raise ApplicationError(f"campaign '{campaign.name}' has no keywords to synthesize", code="no_keywords")
    try:
        espeak.engine()
    except espeak.EspeakMissing as exc:
        raise ApplicationError(str(exc), code="no_engine", status_code=503) from exc
    return targets


def campaign_synthesize(
    *,
    campaign: Campaign,
    voices: int = DEFAULT_VOICES,
    takes: int = DEFAULT_TAKES,
    keywords: list[str] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SynthesisReport:
    """`takes` clips of each keyword (every keyword unless named) by each of `voices` voices (derived from `seed`).
    Running it again only tops up what is missing."""
    targets = synthesis_check(campaign=campaign, voices=voices, takes=takes, keywords=keywords)
    report = SynthesisReport()
    speakers = synthetic.speakers(voices, seed=seed)
    for n, speaker in enumerate(speakers):
        _voice_clips(campaign, speaker, targets, takes, (seed, n), report)
        report.voices += 1
        if progress:
            progress(n + 1, len(speakers))
    return report


def _voice_clips(
    campaign: Campaign,
    speaker: synthetic.Speaker,
    keywords: list[Keyword],
    takes: int,
    voice_seed: tuple[int, int],
    report: SynthesisReport,
) -> None:
    contributor = voice_contributor(speaker)
    beds = synthetic.noise_beds(np.random.default_rng(voice_seed))
    espeak.restart(seed=voice_seed[1])  # a voice's takes are the same in any process, after any other speech
    held = Clip.objects.filter(campaign=campaign, contributor=contributor)
    held_count = dict(held.values("keyword_id").annotate(n=Count("id")).values_list("keyword_id", "n"))
    # A top-up never repeats a stored take: audio is unique per contributor, and an earlier run (another
    # version, other takes) may hold any draw.
    held_audio = set(held.values_list("sha256", flat=True))
    with clip_batch() as stored:
        for keyword in keywords:
            have = held_count.get(keyword.id, 0)
            report.already_present += min(have, takes)
            for take_index in range(have, takes):
                decoded = _new_take(
                    keyword.text, speaker, beds, (*voice_seed, take_index), held_audio, seconds=campaign.take_seconds
                )
                if decoded is None:
                    continue
                held_audio.add(audio_sha256(decoded))
                stored.add(
                    campaign=campaign,
                    keyword=keyword,
                    contributor=contributor,
                    decoded=decoded,
                    consent_version=SOURCE,
                    source=SOURCE,
                    synthetic=True,
                    voice=speaker.descriptor,
                    licence=LICENCE,
                    status=Clip.Status.VALID,  # valid at once: no person to review
                    status_reason="synthetic",
                    decided_at=timezone.now(),
                )
    report.created += len(stored.rows)


def _new_take(
    text: str,
    speaker: synthetic.Speaker,
    beds: list[np.ndarray],
    take_seed: tuple[int, int, int],
    held_audio: set[str],
    *,
    seconds: float = 1.0,
) -> kws_audio.DecodedAudio | None:
    """One take drawn from its own seed (so a top-up draws fresh takes, not the first ones again), redrawn
    when its audio is already held; None when every attempt repeats held audio."""
    for attempt in range(MAX_DRAWS_PER_TAKE):
        rng = np.random.default_rng([*take_seed, zlib.crc32(text.encode()), attempt])
        decoded = _as_decoded(synthetic.take(text, speaker, rng, beds=beds, seconds=seconds))
        if audio_sha256(decoded) not in held_audio:
            return decoded
    return None


def _as_decoded(samples: np.ndarray) -> kws_audio.DecodedAudio:
    return kws_audio.DecodedAudio(
        samples=samples,
        wav_bytes=kws_audio.encode_wav(samples),
        original_sample_rate=kws_audio.TARGET_SAMPLE_RATE,
        original_channels=1,
        original_format="WAV/PCM_16",
    )


def synthetic_share_sentence(*, total: int, voices_by_source: dict[str, set[str]], synthetic: int) -> str:
    """'N of M clips are synthetic (espeak-ng: K voices)': the line datasheets and model cards share."""
    if not synthetic:
        return f"None of the {total} clips is synthetic: every one is a recorded voice."
    engines = ", ".join(
        f"{source.removeprefix('synthetic:')}: {len(voices)} voices"
        for source, voices in sorted(voices_by_source.items())
    )
    return (
        f"{synthetic} of {total} clips are synthetic ({engines}); each synthetic voice is an espeak-ng voice "
        "varied in accent, variant, pitch, speed and vocal-tract warp, named in the manifest's `voice` column."
    )
