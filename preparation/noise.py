"""Background noise: long recordings of a campaign's rooms, from which training cuts silence examples."""

from __future__ import annotations

import uuid

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.errors import ApplicationError
from kws import features, synthetic
from kws.audio import AudioRejected, decode_any, encode_wav
from preparation.models import BackgroundNoise


def background_noise_decoded(*, name: str, data: bytes) -> np.ndarray:
    """The recording's samples, if it can be background noise (audio, at least a second long), or a clear error."""
    try:
        samples, _, _, _ = decode_any(data)
    except AudioRejected as exc:
        raise ApplicationError(f"{name}: {exc}", code="not_audio") from None
    if len(samples) < features.DEFAULT_PARAMS.clip_samples:
        raise ApplicationError(f"{name}: background noise must last at least one second", code="bad_duration")
    return samples


def background_noise_add(*, campaign, name: str, data: bytes, skip_existing: bool = False):
    """Store a long background-noise recording (16 kHz mono WAV) for a campaign; silence is cut from it."""
    if skip_existing and BackgroundNoise.objects.filter(campaign=campaign, name=name).exists():
        return None
    samples = background_noise_decoded(name=name, data=data)
    stored = default_storage.save(f"noise/{campaign.slug}/{uuid.uuid4()}.wav", ContentFile(encode_wav(samples)))
    try:
        return BackgroundNoise.objects.create(
            campaign=campaign, name=name, audio=stored, duration_s=len(samples) / 16_000, sample_rate=16_000
        )
    except BaseException:
        default_storage.delete(stored)
        raise


SYNTHETIC_NOISE_SECONDS = 30


def synthetic_noise_ensure(*, campaign) -> int:
    """White, pink, brown noise and mains hum for a campaign that has no recordings of its rooms yet, so that
    training on synthetic voices has silence to cut. Returns how many were added."""
    if BackgroundNoise.objects.filter(campaign=campaign).exists():
        return 0
    rng = np.random.default_rng(0)
    added = 0
    for kind in synthetic.NOISES:
        bed = synthetic.noise(kind, SYNTHETIC_NOISE_SECONDS, rng) * 0.3
        added += background_noise_add(campaign=campaign, name=f"synthetic-{kind}.wav", data=encode_wav(bed)) is not None
    return added
