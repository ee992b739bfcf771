"""Decode untrusted audio uploads into canonical 16 kHz mono 16-bit PCM WAV."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

TARGET_SAMPLE_RATE = 16_000
MIN_DURATION_S = 0.5
MAX_DURATION_S = 3.0


class AudioRejected(ValueError):
    """The upload is not acceptable audio; the message says why, for the person who sent it."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32 mono at TARGET_SAMPLE_RATE, in [-1, 1]
    wav_bytes: bytes  # canonical 16-bit PCM WAV, metadata stripped
    original_sample_rate: int
    original_channels: int
    original_format: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / TARGET_SAMPLE_RATE


def _check_riff_length(data: bytes) -> None:
    """libsndfile quietly reads a truncated WAV, so compare the declared data size with what came."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        return
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        if chunk_id == b"data":
            available = len(data) - offset - 8
            if size != 0xFFFFFFFF and size > available:
                raise AudioRejected(
                    f"the WAV file is truncated: its header declares {size} bytes of audio "
                    f"but only {available} arrived",
                    "truncated",
                )
            return
        offset += 8 + size + (size & 1)
    raise AudioRejected("the WAV file is truncated: it ends before its audio data begins", "truncated")


def decode_any(data: bytes) -> tuple[np.ndarray, int, str, int]:
    """Decode audio of any length to float32 mono at TARGET_SAMPLE_RATE: (samples, original rate, format, channels)."""
    try:
        info = sf.info(io.BytesIO(data))
        samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioRejected(f"not readable audio ({exc})", "not_audio") from None
    mono = samples.mean(axis=1)
    if sample_rate != TARGET_SAMPLE_RATE:
        mono = soxr.resample(mono, sample_rate, TARGET_SAMPLE_RATE, quality="HQ").astype(np.float32)
    return np.clip(mono, -1.0, 1.0), int(sample_rate), f"{info.format}/{info.subtype}", int(samples.shape[1])


def decode_upload(data: bytes, *, max_bytes: int, min_duration_s: float = MIN_DURATION_S) -> DecodedAudio:
    """Parse bytes by content (never by name or Content-Type), validate, and canonicalize."""
    if len(data) == 0:
        raise AudioRejected("the uploaded file is empty", "empty")
    if len(data) > max_bytes:
        raise AudioRejected(f"the uploaded file is {len(data)} bytes; the limit is {max_bytes} bytes", "too_large")
    _check_riff_length(data)
    try:
        info = sf.info(io.BytesIO(data))
        samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        if data[:4] in (b"RIFF", b"RF64", b"fLaC", b"OggS"):
            raise AudioRejected(f"the audio file is corrupt and cannot be decoded ({exc})", "corrupt") from None
        raise AudioRejected(
            "the file is not audio that can be read (send a WAV, FLAC or OGG file)", "not_audio"
        ) from None
    if samples.shape[0] == 0:
        raise AudioRejected("the audio file contains no samples", "empty")
    if not np.isfinite(samples).all():
        raise AudioRejected("the audio file contains invalid (NaN or infinite) samples", "corrupt")
    duration = samples.shape[0] / sample_rate
    if not min_duration_s <= duration <= MAX_DURATION_S:
        raise AudioRejected(
            f"the clip is {duration:.2f} s long; clips must last between {min_duration_s} and {MAX_DURATION_S} s",
            "bad_duration",
        )
    mono = samples.mean(axis=1)
    if sample_rate != TARGET_SAMPLE_RATE:
        mono = soxr.resample(mono, sample_rate, TARGET_SAMPLE_RATE, quality="HQ").astype(np.float32)
    mono = np.clip(mono, -1.0, 1.0)
    return DecodedAudio(
        samples=mono,
        wav_bytes=encode_wav(mono),
        original_sample_rate=int(sample_rate),
        original_channels=int(samples.shape[1]),
        original_format=f"{info.format}/{info.subtype}",
    )


def encode_wav(samples: np.ndarray, sample_rate: int = TARGET_SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Read a stored clip back as float32 mono."""
    samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples.mean(axis=1), int(sample_rate)
