"""Seeded training augmentation: time shift and background noise on audio, SpecAugment masks on features.

Every function takes the numpy Generator it draws from, so a run with the same seed augments the same way.
Inputs are never modified.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MAX_SHIFT_SAMPLES = 1_600  # +-100 ms at 16 kHz: Speech Commands' time_shift_ms default
BACKGROUND_PROBABILITY = 0.8  # Speech Commands' background_frequency
BACKGROUND_MAX_VOLUME = 0.1  # Speech Commands' background_volume


@dataclass(frozen=True)
class AugmentParams:
    max_shift_samples: int = MAX_SHIFT_SAMPLES  # each clip moves by uniform [-max, +max] samples, zero-filled
    background_probability: float = BACKGROUND_PROBABILITY  # chance that a clip gets background noise
    background_max_volume: float = BACKGROUND_MAX_VOLUME  # noise gain is uniform [0, max]
    # Whole-clip level after mixing, dB relative to the cleaned clip (peak 0.95). Off by default: -30..0 dB cost the
    # starter set 5 points of clip accuracy in 30 epochs (benchmarks/README.md); a job may turn it on.
    min_level_db: float = 0.0
    max_level_db: float = 0.0
    time_masks: int = 2  # SpecAugment: masked runs of frames
    max_time_width: int = 5  # frames per time mask, uniform [0, max]
    freq_masks: int = 2  # SpecAugment: masked runs of channels
    max_freq_width: int = 4  # channels per frequency mask, uniform [0, max]

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_AUGMENT = AugmentParams()
DEVICE_LEVELS = AugmentParams(min_level_db=-30.0, max_level_db=0.0)  # how loud a device hears speech, roughly


def _shift_rows(batch: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Row i moved later by shifts[i] samples (earlier when negative); vacated samples are zero."""
    n = batch.shape[-1]
    source = np.arange(n)[None, :] - shifts[:, None]
    inside = (source >= 0) & (source < n)
    moved = np.take_along_axis(batch, np.clip(source, 0, n - 1), axis=1)
    return np.where(inside, moved, 0).astype(batch.dtype, copy=False)


def time_shift(
    audio: np.ndarray, rng: np.random.Generator, *, max_shift_samples: int = MAX_SHIFT_SAMPLES
) -> np.ndarray:
    x = np.asarray(audio, dtype=np.float32)
    shift = rng.integers(-max_shift_samples, max_shift_samples + 1, size=1)
    return _shift_rows(x[None, :], shift)[0]


def _usable(noises: list[np.ndarray], samples: int) -> list[np.ndarray]:
    return [np.asarray(n, dtype=np.float32) for n in noises if len(n) >= samples]


def _noise_window(usable: list[np.ndarray], samples: int, rng: np.random.Generator) -> np.ndarray:
    noise = usable[rng.integers(len(usable))]
    start = rng.integers(0, len(noise) - samples + 1)
    return noise[start : start + samples]


def mix_background(
    audio: np.ndarray,
    noises: list[np.ndarray],
    rng: np.random.Generator,
    *,
    probability: float = BACKGROUND_PROBABILITY,
    max_volume: float = BACKGROUND_MAX_VOLUME,
) -> np.ndarray:
    """With `probability`, add a random clip-long window of a random noise at gain uniform [0, max_volume].

    The sum is clipped to [-1, 1]. Noises shorter than the clip are skipped; with none usable the audio comes back
    unchanged (as a copy).
    """
    x = np.array(audio, dtype=np.float32)
    if rng.random() >= probability:  # drawn first so the decision does not depend on which noises exist
        return x
    usable = _usable(noises, len(x))
    if not usable:
        return x
    window = _noise_window(usable, len(x), rng)
    return np.clip(x + window * np.float32(rng.uniform(0, max_volume)), -1.0, 1.0)


def augment_batch(
    audio_batch: np.ndarray, noises: list[np.ndarray], rng: np.random.Generator, params: AugmentParams = DEFAULT_AUGMENT
) -> np.ndarray:
    """(N, samples) -> (N, samples) float32: each clip time-shifted, mixed with background noise as above, then
    set to a random capture level."""
    batch = np.atleast_2d(np.asarray(audio_batch, dtype=np.float32))
    count, samples = batch.shape
    shifts = rng.integers(-params.max_shift_samples, params.max_shift_samples + 1, size=count)
    out = _shift_rows(batch, shifts)
    noisy = np.flatnonzero(rng.random(count) < params.background_probability)
    usable = _usable(noises, samples)
    if usable and len(noisy):
        gains = rng.uniform(0, params.background_max_volume, size=len(noisy)).astype(np.float32)
        # windows are sliced one by one: gathering them with an index array would cost N x samples int64s
        windows = np.stack([_noise_window(usable, samples, rng) for _ in noisy])
        out[noisy] = np.clip(out[noisy] + windows * gains[:, None], -1.0, 1.0)
    return capture_level(out, rng, params)


def capture_level(batch: np.ndarray, rng: np.random.Generator, params: AugmentParams = DEFAULT_AUGMENT) -> np.ndarray:
    """Each clip, noise and all, at a level drawn uniformly in dB from [min_level_db, max_level_db]: cleaned clips
    are peak-normalized, but a device hears speech at whatever level it arrives."""
    if params.min_level_db == params.max_level_db == 0:
        return batch
    levels = rng.uniform(params.min_level_db, params.max_level_db, size=len(batch))
    return (batch * (10 ** (levels / 20)).astype(np.float32)[:, None]).astype(np.float32, copy=False)


def _mask_runs(length: int, masks: int, max_width: int, rng: np.random.Generator) -> list[slice]:
    runs = []
    for _ in range(masks):
        width = int(rng.integers(0, min(max_width, length) + 1))
        start = int(rng.integers(0, length - width + 1))
        runs.append(slice(start, start + width))
    return runs


def spec_augment(
    features: np.ndarray,
    rng: np.random.Generator,
    *,
    time_masks: int = 2,
    max_time_width: int = 5,
    freq_masks: int = 2,
    max_freq_width: int = 4,
    fill: float | None = None,
) -> np.ndarray:
    """SpecAugment (Park et al. 2019) on a (frames, channels) matrix: runs of whole frames and channels set to `fill`.

    `fill` defaults to the matrix mean, which for log-mel features is a neutral level rather than a loud zero.
    """
    out = np.array(features, copy=True)
    frames, channels = out.shape
    value = out.mean() if fill is None else fill
    for run in _mask_runs(frames, time_masks, max_time_width, rng):
        out[run, :] = value
    for run in _mask_runs(channels, freq_masks, max_freq_width, rng):
        out[:, run] = value
    return out


def spec_augment_batch(
    features: np.ndarray, rng: np.random.Generator, params: AugmentParams = DEFAULT_AUGMENT
) -> np.ndarray:
    """(N, frames, channels): spec_augment on each example with the masks from `params`, each filled with its mean."""
    out = np.array(features, copy=True)
    for i in range(len(out)):
        out[i] = spec_augment(
            out[i],
            rng,
            time_masks=params.time_masks,
            max_time_width=params.max_time_width,
            freq_masks=params.freq_masks,
            max_freq_width=params.max_freq_width,
        )
    return out
