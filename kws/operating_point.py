"""Choosing the recognizer's settings the way the field judges a spotter: false accepts per hour (FA/h) on audio
that holds no keyword, and the share of keywords missed (FRR) at that rate.

`detections` is recognizer.Recognizer run over a whole stream at once (same answers, tested against it), so a
sweep over thresholds, averaging windows and suppression costs numpy passes, not a Python call per inference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import product

import numpy as np

from kws import recognizer
from kws.recognizer import MIN_SPAN_DIVISOR, RecognizerParams

DEFAULT_TARGET_FA_PER_HOUR = 0.5  # openWakeWord's and microWakeWord's usual operating range
# Finer at the top, where low false-accept rates live.
THRESHOLDS = (*(round(t, 2) for t in np.arange(0.30, 0.901, 0.05)), 0.92, 0.94, 0.96, 0.98, 0.99)
AVERAGE_WINDOWS_MS = (300, 500, 750, 1_000)
SUPPRESSIONS_MS = (1_000, 1_500)


def detections(
    scores: np.ndarray, times_ms: np.ndarray, labels: list[str], params: RecognizerParams
) -> list[tuple[int, str]]:
    """(time_ms, label) of every detection a fresh Recognizer makes over (T, classes) scores at these times."""
    scores = np.asarray(scores, dtype=np.float64)
    times = np.asarray(times_ms, dtype=np.int64)
    if len(scores) == 0:
        return []
    # First result inside each window: the window keeps results no older than average_window_ms.
    first = np.searchsorted(times, times - params.average_window_ms, side="left")
    cumulative = np.vstack([np.zeros((1, scores.shape[1])), np.cumsum(scores, axis=0)])
    index = np.arange(len(times))
    count = index - first + 1
    average = (cumulative[index + 1] - cumulative[first]) / count[:, None]
    trusted = (count >= params.minimum_count) & (times - times[first] >= params.average_window_ms // MIN_SPAN_DIVISOR)
    top = np.argmax(average, axis=1)
    is_command = np.array([label not in recognizer.NOT_COMMANDS for label in labels])
    candidates = np.flatnonzero(trusted & is_command[top] & (average[index, top] >= params.detection_threshold))
    found, last = [], None
    for i in candidates:  # suppression is sequential, but only over the few confident frames
        t = int(times[i])
        if last is None or t - last >= params.suppression_ms:
            found.append((t, labels[top[i]]))
            last = t
    return found


@dataclass(frozen=True)
class ScoredStream:
    """A stream's inference scores, and the keywords spoken in it ((end time_ms, label); none for negatives)."""

    scores: np.ndarray  # (T, classes)
    times_ms: np.ndarray  # (T,)
    truth: list[tuple[int, str]]
    seconds: float


@dataclass(frozen=True)
class SweepPoint:
    params: RecognizerParams
    false_accepts: int
    negative_hours: float
    misses: int
    utterances: int

    @property
    def fa_per_hour(self) -> float:
        return self.false_accepts / self.negative_hours if self.negative_hours else math.nan

    @property
    def frr(self) -> float:
        return self.misses / self.utterances if self.utterances else math.nan

    def as_dict(self) -> dict:
        low, high = poisson_rate_interval(self.false_accepts, self.negative_hours)
        frr_low, frr_high = wilson_interval(self.misses, self.utterances)
        return {
            **self.params.as_dict(),
            "false_accepts": self.false_accepts,
            "fa_per_hour": round(self.fa_per_hour, 4),
            "fa_per_hour_95": [round(low, 4), round(high, 4)],
            "misses": self.misses,
            "utterances": self.utterances,
            "frr": round(self.frr, 4),
            "frr_95": [round(frr_low, 4), round(frr_high, 4)],
        }


def sweep(
    keyword_streams: list[ScoredStream],
    negative_streams: list[ScoredStream],
    labels: list[str],
    *,
    thresholds=THRESHOLDS,
    windows_ms=AVERAGE_WINDOWS_MS,
    suppressions_ms=SUPPRESSIONS_MS,
    minimum_count: int = recognizer.DEFAULT_RECOGNIZER.minimum_count,
) -> list[SweepPoint]:
    """FA/h on the negatives and FRR on the keyword streams for every combination of settings."""
    hours = sum(s.seconds for s in negative_streams) / 3600
    utterances = sum(len(s.truth) for s in keyword_streams)
    points = []
    for window, suppression, threshold in product(windows_ms, suppressions_ms, thresholds):
        params = RecognizerParams(
            average_window_ms=window,
            detection_threshold=float(threshold),
            suppression_ms=suppression,
            minimum_count=minimum_count,
        )
        false_accepts = sum(len(detections(s.scores, s.times_ms, labels, params)) for s in negative_streams)
        misses = 0
        for s in keyword_streams:
            _, missed, _ = recognizer.match_detections(detections(s.scores, s.times_ms, labels, params), s.truth)
            misses += missed
        points.append(SweepPoint(params, false_accepts, hours, misses, utterances))
    return points


def choose(points: list[SweepPoint], target_fa_per_hour: float = DEFAULT_TARGET_FA_PER_HOUR) -> tuple[SweepPoint, bool]:
    """The setting with the fewest misses at or under the target FA/h (then fewer false accepts, then the higher
    threshold), and whether the target was reached; when no setting reaches it, the one with the fewest false
    accepts."""
    under = [p for p in points if p.fa_per_hour <= target_fa_per_hour]
    if under:
        return min(under, key=lambda p: (p.misses, p.false_accepts, -p.params.detection_threshold)), True
    return min(points, key=lambda p: (p.false_accepts, p.misses, -p.params.detection_threshold)), False


def frr_at(points: list[SweepPoint], fa_per_hour: float) -> float | None:
    """The lowest FRR of any setting at or under this FA/h; None: not reached."""
    under = [p.frr for p in points if p.fa_per_hour <= fa_per_hour]
    return min(under) if under else None


def det_curve(points: list[SweepPoint], params: RecognizerParams) -> list[dict]:
    """(FA/h, FRR) over the threshold, at the window and suppression of `params`: the DET curve through it."""
    same = [p for p in points if p.params == replace(params, detection_threshold=p.params.detection_threshold)]
    return [
        {"threshold": p.params.detection_threshold, "fa_per_hour": round(p.fa_per_hour, 4), "frr": round(p.frr, 4)}
        for p in sorted(same, key=lambda p: p.params.detection_threshold)
    ]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k / n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_rate_interval(k: int, hours: float) -> tuple[float, float]:
    """95% exact (Garwood) interval of an event rate per hour, from k events in `hours`."""
    from scipy.stats import chi2

    if hours <= 0:
        return math.nan, math.nan
    low = 0.0 if k == 0 else chi2.ppf(0.025, 2 * k) / 2
    high = chi2.ppf(0.975, 2 * k + 2) / 2
    return low / hours, high / hours
