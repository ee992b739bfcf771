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
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 48_000
MAX_CHANNELS = 2
# Containers and encodings (as libsndfile names them) that uploads may use; every other decoder stays unused.
ACCEPTED_SUBTYPES = {
    "WAV": {"PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"},
    "WAVEX": {"PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"},  # WAV with an extensible format header
    "FLAC": {"PCM_S8", "PCM_16", "PCM_24"},
    "OGG": {"VORBIS"},
}
ACCEPTED_DESCRIPTION = "WAV (16, 24 or 32-bit PCM, or float), FLAC or Ogg Vorbis"
_UNKNOWN_LENGTH = 2**63 - 1  # libsndfile's SF_COUNT_MAX: a stream (FLAC) whose header leaves the length out


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
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        # libsndfile's own message can hold memory addresses and internals: never pass it on.
        raise AudioRejected("not readable audio: the file is in no format Chorus can decode", "not_audio") from None
    mono = samples.mean(axis=1)
    if sample_rate != TARGET_SAMPLE_RATE:
        mono = soxr.resample(mono, sample_rate, TARGET_SAMPLE_RATE, quality="HQ").astype(np.float32)
    return np.clip(mono, -1.0, 1.0), int(sample_rate), f"{info.format}/{info.subtype}", int(samples.shape[1])


def _check_header(f: sf.SoundFile, *, min_duration_s: float, max_duration_s: float) -> None:
    """Refuse on what the header declares, before a single sample is decoded."""
    if f.subtype not in ACCEPTED_SUBTYPES.get(f.format, ()):
        raise AudioRejected(
            f"the file is {f.format_info} encoded as {f.subtype_info} ({f.format}/{f.subtype}), "
            f"which Chorus does not accept; send {ACCEPTED_DESCRIPTION}",
            "unsupported_format",
        )
    if not MIN_SAMPLE_RATE <= f.samplerate <= MAX_SAMPLE_RATE:
        raise AudioRejected(
            f"the audio is sampled at {f.samplerate} Hz; Chorus accepts {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz",
            "bad_sample_rate",
        )
    if f.channels > MAX_CHANNELS:
        raise AudioRejected(f"the audio has {f.channels} channels; Chorus accepts mono or stereo", "too_many_channels")
    if f.frames == 0:
        raise AudioRejected("the audio file contains no samples", "empty")
    if f.frames == _UNKNOWN_LENGTH:
        raise AudioRejected(
            "the audio file does not declare its length (a stream rather than a finished recording); "
            f"send a saved clip of {min_duration_s} to {max_duration_s} s",
            "bad_duration",
        )
    _check_duration(f.frames / f.samplerate, min_duration_s=min_duration_s, max_duration_s=max_duration_s)


def _check_duration(duration: float, *, min_duration_s: float, max_duration_s: float) -> None:
    if not min_duration_s <= duration <= max_duration_s:
        raise AudioRejected(
            f"the clip is {duration:.2f} s long; clips must last between {min_duration_s} and {max_duration_s} s",
            "bad_duration",
        )


def decode_upload(
    data: bytes, *, max_bytes: int, min_duration_s: float = MIN_DURATION_S, max_duration_s: float = MAX_DURATION_S
) -> DecodedAudio:
    """Parse bytes by content (never by name or Content-Type), validate, and canonicalize."""
    if len(data) == 0:
        raise AudioRejected("the uploaded file is empty", "empty")
    if len(data) > max_bytes:
        raise AudioRejected(f"the uploaded file is {len(data)} bytes; the limit is {max_bytes} bytes", "too_large")
    _check_riff_length(data)
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:  # opening parses the header only
            _check_header(f, min_duration_s=min_duration_s, max_duration_s=max_duration_s)
            max_frames = int(max_duration_s * f.samplerate)
            # Never more than the limit allows, whatever the header said: a lie cannot make it decode more.
            samples = f.read(frames=max_frames + 1, dtype="float32", always_2d=True)
            sample_rate, format_name = f.samplerate, f"{f.format}/{f.subtype}"
    except AudioRejected:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        # libsndfile's own message can hold memory addresses and internals: never pass it on.
        if data[:4] in (b"RIFF", b"RF64", b"fLaC", b"OggS"):
            raise AudioRejected("the audio file is corrupt and cannot be decoded", "corrupt") from None
        raise AudioRejected(
            f"the file is not audio Chorus can read (send {ACCEPTED_DESCRIPTION})", "not_audio"
        ) from None
    if samples.shape[0] == 0:
        raise AudioRejected("the audio file contains no samples", "empty")
    if samples.shape[0] > max_frames:
        raise AudioRejected(
            f"the clip is longer than {max_duration_s} s; clips must last between {min_duration_s} "
            f"and {max_duration_s} s",
            "bad_duration",
        )
    if not np.isfinite(samples).all():
        raise AudioRejected("the audio file contains invalid (NaN or infinite) samples", "corrupt")
    _check_duration(samples.shape[0] / sample_rate, min_duration_s=min_duration_s, max_duration_s=max_duration_s)
    mono = samples.mean(axis=1)
    if sample_rate != TARGET_SAMPLE_RATE:
        mono = soxr.resample(mono, sample_rate, TARGET_SAMPLE_RATE, quality="HQ").astype(np.float32)
    mono = np.clip(mono, -1.0, 1.0)
    return DecodedAudio(
        samples=mono,
        wav_bytes=encode_wav(mono),
        original_sample_rate=int(sample_rate),
        original_channels=int(samples.shape[1]),
        original_format=format_name,
    )


def encode_wav(samples: np.ndarray, sample_rate: int = TARGET_SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Read a stored clip back as float32 mono."""
    samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples.mean(axis=1), int(sample_rate)
