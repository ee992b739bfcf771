"""A synthetic keyword corpus made here, from espeak-ng voices: benchmarks and tests need speakers
without downloading anyone's voice. Each speaker is an accent x voice variant x pitch x speed x a
vocal-tract warp (resampling), so the test split's speakers are new voices, not new clips of old ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import soxr

from kws import espeak

# Voice names as espeak-ng files them ("en" is British English).
ACCENTS = ["en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029"]
VARIANTS = [
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "klatt",
    "klatt2",
    "klatt3",
    "croak",
    "whisper",
    "adam",
    "Alex",
    "Andy",
    "aunty",
    "boris",
    "david",
    "ed",
    "edward",
    "john",
    "linda",
    "max",
    "Michael",
]
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Speaker:
    id: str
    accent: str
    variant: str
    pitch: int  # espeak -p, 0..99
    speed: int  # espeak -s, words per minute
    warp: float  # playback-rate factor: shifts pitch and formants together, like a longer or shorter vocal tract

    @property
    def descriptor(self) -> str:
        """What makes this voice, in words: stored with each clip instead of a person."""
        return f"{self.accent}+{self.variant} pitch {self.pitch} speed {self.speed} warp {self.warp:.2f}"

    @property
    def gender(self) -> str:
        return "female" if self.variant.startswith("f") or self.variant in {"Alex", "aunty", "linda"} else "male"


def speakers(count: int, seed: int = 0) -> list[Speaker]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        out.append(
            Speaker(
                id=f"{i:08x}",
                accent=ACCENTS[i % len(ACCENTS)],
                variant=VARIANTS[rng.integers(len(VARIANTS))],
                pitch=int(rng.integers(20, 80)),
                speed=int(rng.integers(120, 200)),
                warp=float(rng.uniform(0.88, 1.12)),
            )
        )
    return out


def say(word: str, speaker: Speaker, rng: np.random.Generator) -> np.ndarray:
    """One take of `word`: the speaker's voice with a little take-to-take jitter, at 16 kHz."""
    pitch = int(np.clip(speaker.pitch + rng.integers(-6, 7), 0, 99))
    speed = int(speaker.speed + rng.integers(-15, 16))
    audio, rate = espeak.say(word, voice=f"{speaker.accent}+{speaker.variant}", pitch=pitch, speed=speed)
    return soxr.resample(audio, rate * speaker.warp, SAMPLE_RATE).astype(np.float32)


def noise(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Background-noise recordings: white, pink, brown, and mains hum with harmonics."""
    n = int(seconds * SAMPLE_RATE)
    white = rng.normal(0, 1, n)
    if kind == "white":
        x = white
    elif kind in ("pink", "brown"):
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 1.0)
        x = np.fft.irfft(spectrum / (np.sqrt(f) if kind == "pink" else f), n)
    elif kind == "hum":
        t = np.arange(n) / SAMPLE_RATE
        x = sum(np.sin(2 * np.pi * 50 * h * t) / h for h in range(1, 8)) + 0.1 * white
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def place(
    take: np.ndarray,
    rng: np.random.Generator,
    *,
    noise_bed: np.ndarray | None,
    snr_db: float | None,
    seconds: float = 1.0,
) -> np.ndarray:
    """The take at a random place in a clip of `seconds` (1 s, or 2 s for a wake phrase), over noise at the
    given SNR (None: clean)."""
    samples = int(round(seconds * SAMPLE_RATE))
    clip = np.zeros(samples, np.float32)
    take = take[:samples]
    start = int(rng.integers(0, samples - len(take) + 1))
    clip[start : start + len(take)] = take / max(np.abs(take).max(), 1e-6) * rng.uniform(0.3, 0.9)
    if noise_bed is not None and snr_db is not None:
        offset = int(rng.integers(0, len(noise_bed) - samples))
        bed = noise_bed[offset : offset + samples]
        speech_power = float(np.mean(clip[start : start + len(take)] ** 2))
        bed = bed * np.sqrt(speech_power / (np.mean(bed**2) + 1e-12) / 10 ** (snr_db / 10))
        clip = clip + bed
    return np.clip(clip, -1, 1)


NOISES = ("white", "pink", "brown", "hum")


def take(
    word: str,
    speaker: Speaker,
    rng: np.random.Generator,
    *,
    beds: list[np.ndarray],
    noisy_share: float = 0.5,
    snr_db: tuple[float, float] = (5.0, 25.0),
    seconds: float = 1.0,
) -> np.ndarray:
    """One clip of `seconds` of `word` by `speaker`: over one of `beds` at an SNR drawn from `snr_db` for `noisy_share`
    of takes, clean otherwise. The one recipe benchmarks, tests and the `synthesize` command share."""
    noisy = bool(beds) and rng.random() < noisy_share
    return place(
        say(word, speaker, rng),
        rng,
        noise_bed=beds[int(rng.integers(len(beds)))] if noisy else None,
        snr_db=float(rng.uniform(*snr_db)) if noisy else None,
        seconds=seconds,
    )


def noise_beds(rng: np.random.Generator, seconds: float = 5.0) -> list[np.ndarray]:
    return [noise(kind, seconds, rng) for kind in NOISES]
