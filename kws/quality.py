"""Upload-time quality metrics of a mono clip."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# Speech Commands drops clips whose loudest second has a mean |x| below this.
TOO_QUIET_MEAN_ABS = 0.004
CLIP_LEVEL = 0.999
FRAME_S = 0.030
HOP_S = 0.010
# A frame is voiced when it is loud in absolute terms and stands out from the clip's noise floor;
# a clip with no quiet part at all (speech edge to edge) has no floor to stand out from, so a frame
# within VOICED_BELOW_PEAK_DB of the loudest one also counts.
VOICED_MIN_DBFS = -45.0
VOICED_ABOVE_FLOOR_DB = 12.0
VOICED_BELOW_PEAK_DB = 20.0
SILENCE_DBFS = -120.0


@dataclass(frozen=True)
class QualityMetrics:
    rms_dbfs: float
    peak: float
    clipped_ratio: float
    voiced_duration_s: float
    loudest_1s_mean_abs: float
    too_quiet: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _dbfs(rms: np.ndarray | float) -> np.ndarray | float:
    return 20.0 * np.log10(np.maximum(rms, 10 ** (SILENCE_DBFS / 20)))


def loudest_window_mean_abs(samples: np.ndarray, window: int) -> float:
    """Mean |x| over the loudest window (the whole clip when it is shorter), via a sliding sum."""
    magnitude = np.abs(samples.astype(np.float64))
    if len(magnitude) <= window:
        return float(magnitude.mean()) if len(magnitude) else 0.0
    cumulative = np.concatenate(([0.0], np.cumsum(magnitude)))
    sums = cumulative[window:] - cumulative[:-window]
    return float(sums.max() / window)


def voiced_duration(samples: np.ndarray, sample_rate: int) -> float:
    frame = int(FRAME_S * sample_rate)
    hop = int(HOP_S * sample_rate)
    if len(samples) < frame:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(samples.astype(np.float64), frame)[::hop]
    frame_dbfs = _dbfs(np.sqrt((frames**2).mean(axis=1)))
    noise_floor = np.percentile(frame_dbfs, 10)
    relative = min(noise_floor + VOICED_ABOVE_FLOOR_DB, frame_dbfs.max() - VOICED_BELOW_PEAK_DB)
    voiced = frame_dbfs > max(VOICED_MIN_DBFS, relative)
    return float(voiced.sum() * HOP_S)


def measure(samples: np.ndarray, sample_rate: int) -> QualityMetrics:
    x = samples.astype(np.float64)
    loudest = loudest_window_mean_abs(x, sample_rate)
    return QualityMetrics(
        rms_dbfs=round(float(_dbfs(np.sqrt((x**2).mean()))), 2),
        peak=round(float(np.abs(x).max()), 5),
        clipped_ratio=round(float((np.abs(x) >= CLIP_LEVEL).mean()), 5),
        voiced_duration_s=round(voiced_duration(x, sample_rate), 3),
        loudest_1s_mean_abs=round(loudest, 6),
        too_quiet=loudest < TOO_QUIET_MEAN_ABS,
    )
