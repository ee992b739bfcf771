"""Silence examples cut from long background-noise recordings."""

from __future__ import annotations

import numpy as np


def cut_silence(
    noises: list[np.ndarray],
    count: int,
    rng: np.random.Generator,
    *,
    clip_samples: int = 16_000,
    max_volume: float = 1.0,
) -> np.ndarray:
    """`count` clips of `clip_samples`, each a random window of a random noise at a random volume in [0, max_volume].

    Files shorter than one clip are skipped; with no usable noise the clips are digital silence.
    """
    usable = [n for n in noises if len(n) >= clip_samples]
    out = np.zeros((count, clip_samples), dtype=np.float32)
    if not usable:
        return out
    for i in range(count):
        noise = usable[rng.integers(len(usable))]
        start = rng.integers(0, len(noise) - clip_samples + 1)
        out[i] = noise[start : start + clip_samples] * rng.uniform(0, max_volume)
    return out
