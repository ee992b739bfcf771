"""Turn a stored clip into a fixed window of training audio (one second for a command word, as the Speech Commands
cleaner does; two for a wake phrase), its loudest part kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import soxr

from kws.quality import TOO_QUIET_MEAN_ABS


@dataclass(frozen=True)
class CleaningParams:
    sample_rate: int = 16_000  # Hz of the cleaned clip
    clip_samples: int = 16_000  # exactly one second (32,000 for a wake phrase)
    peak: float = 0.95  # peak after normalization, below full scale to leave room for augmentation
    min_mean_abs: float = TOO_QUIET_MEAN_ABS  # loudest second quieter than this is dropped

    def as_dict(self) -> dict:
        return asdict(self)


class TooQuiet(ValueError):
    pass


def loudest_window_start(samples: np.ndarray, window: int) -> int:
    """Start of the window with the largest sum of |x| (sliding sum via cumulative sums)."""
    if len(samples) <= window:
        return 0
    cumulative = np.concatenate(([0.0], np.cumsum(np.abs(samples, dtype=np.float64))))
    return int(np.argmax(cumulative[window:] - cumulative[:-window]))


def clean(samples: np.ndarray, sample_rate: int, params: CleaningParams = CleaningParams()) -> np.ndarray:
    """Mono float32 in, params.clip_samples float32 out: resampled, DC removed, loudest window, peak-normalized."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sample_rate != params.sample_rate:
        x = soxr.resample(x, sample_rate, params.sample_rate, quality="HQ")
    x = x - x.mean()
    start = loudest_window_start(x, params.clip_samples)
    x = x[start : start + params.clip_samples]
    if len(x) < params.clip_samples:  # short clip: centre it in silence
        before = (params.clip_samples - len(x)) // 2
        x = np.pad(x, (before, params.clip_samples - len(x) - before))
    # the loudest second, whatever the window: a phrase's pauses must not make a loud take "too quiet"
    second = min(params.sample_rate, params.clip_samples)
    loudest = x[loudest_window_start(x, second) :][:second]
    mean_abs = float(np.abs(loudest).mean())
    if mean_abs < params.min_mean_abs:
        raise TooQuiet(f"loudest second has mean |x| {mean_abs:.5f}, below {params.min_mean_abs}")
    return (x * (params.peak / np.abs(x).max())).astype(np.float32)
