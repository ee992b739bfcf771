"""Audio that uploads must refuse or accept, synthesized in memory with numpy and soundfile. Nothing downloaded."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.audio_factory import tone

REPO_ROOT = Path(__file__).resolve().parent.parent


def encoded(
    seconds: float = 1.0, *, sample_rate: int = 16_000, channels: int = 1, format: str = "WAV", subtype: str = "PCM_16"
) -> bytes:
    """A 440 Hz tone burst in the given container and encoding, the same on every channel."""
    samples = np.repeat(tone(seconds, sample_rate=sample_rate)[:, None], channels, axis=1)
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format=format, subtype=subtype)
    return buffer.getvalue()


# name: (bytes, error code, words the message must contain)
REFUSED = {
    "mp3": (lambda: encoded(format="MP3", subtype="MPEG_LAYER_III"), "unsupported_format", "MPEG Layer III"),
    "aiff": (lambda: encoded(format="AIFF"), "unsupported_format", "AIFF"),
    "wav ima adpcm": (lambda: encoded(subtype="IMA_ADPCM"), "unsupported_format", "IMA ADPCM"),
    "wav ms adpcm": (lambda: encoded(subtype="MS_ADPCM"), "unsupported_format", "Microsoft ADPCM"),
    "wav a-law": (lambda: encoded(subtype="ALAW"), "unsupported_format", "A-Law"),
    "wav u-law": (lambda: encoded(subtype="ULAW"), "unsupported_format", "U-Law"),
    "wav unsigned 8 bit": (lambda: encoded(subtype="PCM_U8"), "unsupported_format", "Unsigned 8 bit PCM"),
    "ogg opus": (lambda: encoded(sample_rate=48_000, format="OGG", subtype="OPUS"), "unsupported_format", "Opus"),
    "32 channels": (lambda: encoded(channels=32), "too_many_channels", "32 channels"),
    "3 channels": (lambda: encoded(channels=3), "too_many_channels", "3 channels"),
    "96 kHz": (lambda: encoded(sample_rate=96_000), "bad_sample_rate", "96000 Hz"),
    "4 kHz": (lambda: encoded(sample_rate=4_000), "bad_sample_rate", "4000 Hz"),
    "0.2 s": (lambda: encoded(0.2), "bad_duration", "0.20 s"),
    "10 s": (lambda: encoded(10.0), "bad_duration", "10.00 s"),
}

# name: (bytes, original_format, original_sample_rate, original_channels, seconds)
ACCEPTED = {
    "wav pcm16": (lambda: encoded(), "WAV/PCM_16", 16_000, 1, 1.0),
    "wav pcm24": (lambda: encoded(subtype="PCM_24"), "WAV/PCM_24", 16_000, 1, 1.0),
    "wav pcm32": (lambda: encoded(subtype="PCM_32"), "WAV/PCM_32", 16_000, 1, 1.0),
    "wav float": (lambda: encoded(subtype="FLOAT"), "WAV/FLOAT", 16_000, 1, 1.0),
    "wav double": (lambda: encoded(subtype="DOUBLE"), "WAV/DOUBLE", 16_000, 1, 1.0),
    "flac": (lambda: encoded(format="FLAC"), "FLAC/PCM_16", 16_000, 1, 1.0),
    "flac 24 bit": (lambda: encoded(format="FLAC", subtype="PCM_24"), "FLAC/PCM_24", 16_000, 1, 1.0),
    "ogg vorbis": (lambda: encoded(format="OGG", subtype="VORBIS"), "OGG/VORBIS", 16_000, 1, 1.0),
    "stereo 44.1 kHz": (lambda: encoded(1.5, sample_rate=44_100, channels=2), "WAV/PCM_16", 44_100, 2, 1.5),
    "8 kHz": (lambda: encoded(sample_rate=8_000), "WAV/PCM_16", 8_000, 1, 1.0),
    "48 kHz 3 s": (lambda: encoded(3.0, sample_rate=48_000), "WAV/PCM_16", 48_000, 1, 3.0),
}


def _flac_of_silence(*, seconds: int, sample_rate: int, channels: int) -> bytes:
    buffer = io.BytesIO()
    block = np.zeros((sample_rate, channels), np.int16)  # written a second at a time: the whole would be ~1 GB
    with sf.SoundFile(buffer, "w", samplerate=sample_rate, channels=channels, format="FLAC", subtype="PCM_16") as f:
        for _ in range(seconds):
            f.write(block)
    return buffer.getvalue()


@functools.cache
def silence_bomb() -> bytes:
    """10 min x 8 channels x 96 kHz of silence: under 0.5 MB of FLAC, ~1.8 GB once decoded to float32."""
    return _flac_of_silence(seconds=600, sample_rate=96_000, channels=8)


def with_declared_frames(flac: bytes, frames: int) -> bytes:
    """The FLAC with its STREAMINFO total-samples field rewritten (0 means 'length not declared')."""
    assert flac[:4] == b"fLaC" and flac[4] & 0x7F == 0  # STREAMINFO is the first metadata block
    field = slice(8 + 10, 8 + 18)  # the last 36 bits of these 8 bytes hold the total samples
    value = int.from_bytes(flac[field], "big")
    value = (value & ~((1 << 36) - 1)) | frames
    return flac[: field.start] + value.to_bytes(8, "big") + flac[field.stop :]


@functools.cache
def undeclared_ten_minutes() -> bytes:
    """10 min of 48 kHz stereo silence whose header does not say how long it is (allowed rate and channels)."""
    return with_declared_frames(_flac_of_silence(seconds=600, sample_rate=48_000, channels=2), 0)


_PROBE = """
import json, resource, sys, time, tracemalloc
from kws.audio import AudioRejected, decode_upload
from tests.hostile_audio import encoded

def refuse(data):
    try:
        decode_upload(data, max_bytes=len(data))
    except AudioRejected as exc:
        return exc.code, str(exc)
    return None, "accepted"

refuse(encoded())  # a worker that has served a request before: libraries loaded, first-call costs paid
data = open(sys.argv[1], "rb").read()
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
code, message = refuse(data)
elapsed = time.perf_counter() - start
rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
refuse(data)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"code": code, "message": message, "ms": elapsed * 1000,
                  "rss_growth_mb": (rss_after - rss_before) / 1024, "traced_peak_mb": peak / 2**20}))
"""


def refusal_cost(data: bytes, tmp_path: Path) -> dict:
    """Refuse `data` in a fresh process and report what it cost: time, peak-RSS growth (C allocations included,
    which tracemalloc cannot see) and the tracemalloc peak. ru_maxrss is a high-water mark, hence the process."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
