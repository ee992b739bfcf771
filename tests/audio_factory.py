"""Synthesize test audio in the tests themselves: espeak-ng speech and numpy signals. Nothing downloaded."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from kws.audio import TARGET_SAMPLE_RATE


def wav_bytes(samples: np.ndarray, sample_rate: int = TARGET_SAMPLE_RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def tone(
    duration_s: float = 1.0,
    *,
    freq: float = 440.0,
    amplitude: float = 0.3,
    sample_rate: int = TARGET_SAMPLE_RATE,
    seed: int = 0,
) -> np.ndarray:
    """A burst of tone in the middle of the clip with a little noise, so each seed gives different bytes."""
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    envelope = ((t > duration_s * 0.25) & (t < duration_s * 0.75)).astype(np.float64)
    noise = np.random.default_rng(seed).normal(0, 0.002, len(t))
    return (amplitude * envelope * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(word: str, *, voice: str = "en", speed: int = 150, pitch: int = 50) -> tuple[np.ndarray, int]:
    """espeak-ng says `word`; returns float32 mono samples and their sample rate."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "word.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), word],
            check=True,
            capture_output=True,
        )
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate
