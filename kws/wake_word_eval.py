"""Scoring a wake-word model as ESPHome runs it: the frontend over whole streams, the int8 streaming model
every 30 ms in the TFLM interpreter, the mean of the last `sliding_window_size` probabilities against the
cutoff, and a refractory second after each wake (the device resets and ignores its buffers then).

False accepts per hour come from long negative audio; the false-reject rate from held-out utterances placed
in negative beds. Both are swept over cutoffs and window sizes, and the operating point is the setting with
the fewest misses at or under the target FA/h.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kws.micro_frontend import micro_features
from kws.micro_wake_word import streaming_probabilities
from kws.operating_point import poisson_rate_interval, wilson_interval
from kws.wake_word_data import SAMPLE_RATE, speech_span

STEP_S = 0.03  # one model step: 3 feature frames of 10 ms
REFRACTORY_S = 1.0
HEARD_WITHIN_S = 1.0  # a wake this soon after the phrase ends is hearing it
CUTOFFS = tuple(round(c, 3) for c in (*np.arange(0.30, 0.90, 0.05), *np.arange(0.90, 0.995, 0.01)))
SLIDING_WINDOWS = (3, 5, 7, 10)
UTTERANCE_GAP_S = 3.0
PHRASE_SNR_DB = (5.0, 25.0)
STEPS_PER_HOUR = 3600 / STEP_S


@dataclass(frozen=True)
class ScoredStream:
    probabilities: np.ndarray  # one per model step
    phrases: list[tuple[int, int]]  # (first, last) step of each phrase spoken in it; empty for negatives

    @property
    def hours(self) -> float:
        return len(self.probabilities) / STEPS_PER_HOUR


def scored(model_bytes: bytes, audio: np.ndarray, phrases_s: Iterable[tuple[float, float]] = ()) -> ScoredStream:
    """One stream through a fresh frontend and a fresh streaming interpreter, as a device just switched on."""
    probabilities = streaming_probabilities(model_bytes, micro_features(audio))
    steps = [(int(start / STEP_S), int(end / STEP_S)) for start, end in phrases_s]
    return ScoredStream(probabilities, steps)


def wakes(probabilities: np.ndarray, cutoff: float, window: int) -> np.ndarray:
    """Steps at which the detector wakes: the mean of the last `window` probabilities above the cutoff, no
    sooner than the refractory time after the previous wake."""
    p = np.asarray(probabilities, np.float64)
    if len(p) < window:
        return np.zeros(0, int)
    means = np.convolve(p, np.ones(window) / window, mode="valid")
    above = np.flatnonzero(means > cutoff) + window - 1
    refractory = int(REFRACTORY_S / STEP_S)
    out, next_allowed = [], -1
    while len(above):
        first = int(above[0])
        if first >= next_allowed:
            out.append(first)
            next_allowed = first + refractory
        above = above[np.searchsorted(above, next_allowed) :]
    return np.asarray(out, int)


def phrase_streams(
    phrases: list[np.ndarray], beds: list[np.ndarray], rng: np.random.Generator
) -> list[tuple[np.ndarray, list[tuple[float, float]], list[int]]]:
    """Held-out utterances placed every few seconds in negative beds at varied SNR and level: (audio, (start,
    end) seconds of each phrase's speech, the index in `phrases` of each)."""
    streams, gap = [], int(UTTERANCE_GAP_S * SAMPLE_RATE)
    beds = [b for b in beds if len(b) >= gap * 2] or [np.zeros(gap * 20, np.float32)]
    queue = list(enumerate(phrases))[::-1]
    while queue:
        bed = beds[len(streams) % len(beds)].astype(np.float32).copy()
        bed_power = float(np.mean(bed**2)) + 1e-12
        spans, placed, at = [], [], gap // 2
        while queue and at + gap <= len(bed):
            index, utterance = queue.pop()
            utterance = np.asarray(utterance, np.float32)[: 2 * gap]
            first, last = speech_span(utterance)
            speech_power = float(np.mean(utterance[first:last] ** 2)) + 1e-12
            gain = math.sqrt(bed_power * 10 ** (rng.uniform(*PHRASE_SNR_DB) / 10) / speech_power)
            end = min(at + len(utterance), len(bed))
            bed[at:end] += utterance[: end - at] * gain
            spans.append(((at + first) / SAMPLE_RATE, (at + last) / SAMPLE_RATE))
            placed.append(index)
            at += max(len(utterance), gap)
        peak = float(np.abs(bed).max()) or 1.0
        streams.append((bed * min(1.0, 0.9 / peak), spans, placed))
    return streams


@dataclass(frozen=True)
class Setting:
    cutoff: float
    window: int
    false_accepts: int
    hours: float
    misses: int
    phrases: int

    @property
    def fa_per_hour(self) -> float:
        return self.false_accepts / self.hours if self.hours else math.nan

    @property
    def frr(self) -> float:
        return self.misses / self.phrases if self.phrases else math.nan

    def as_dict(self) -> dict:
        fa_low, fa_high = poisson_rate_interval(self.false_accepts, self.hours)
        frr_low, frr_high = wilson_interval(self.misses, self.phrases)
        return {
            "probability_cutoff": self.cutoff,
            "sliding_window_size": self.window,
            "false_accepts": self.false_accepts,
            "fa_per_hour": round(self.fa_per_hour, 4),
            "fa_per_hour_95": [round(fa_low, 4), round(fa_high, 4)],
            "misses": self.misses,
            "phrases": self.phrases,
            "frr": round(self.frr, 4),
            "frr_95": [round(frr_low, 4), round(frr_high, 4)],
        }


def heard(stream: ScoredStream, cutoff: float, window: int) -> list[bool]:
    """For each phrase in the stream, whether the detector woke between its start and a second after its end."""
    found = wakes(stream.probabilities, cutoff, window)
    late = int(HEARD_WITHIN_S / STEP_S)
    return [bool(np.any((found >= first) & (found <= last + late))) for first, last in stream.phrases]


def _misses(stream: ScoredStream, cutoff: float, window: int) -> int:
    return sum(not h for h in heard(stream, cutoff, window))


def sweep(
    phrase_streams: list[ScoredStream],
    negative_streams: list[ScoredStream],
    *,
    cutoffs=CUTOFFS,
    sliding_windows=SLIDING_WINDOWS,
) -> list[Setting]:
    hours = sum(s.hours for s in negative_streams)
    phrases = sum(len(s.phrases) for s in phrase_streams)
    settings = []
    for window in sliding_windows:
        for cutoff in cutoffs:
            false_accepts = sum(len(wakes(s.probabilities, cutoff, window)) for s in negative_streams)
            misses = sum(_misses(s, cutoff, window) for s in phrase_streams)
            settings.append(Setting(float(cutoff), window, false_accepts, hours, misses, phrases))
    return settings


def choose(settings: list[Setting], target_fa_per_hour: float) -> tuple[Setting, bool]:
    """Fewest misses at or under the target (then fewer false accepts, then the higher cutoff), and whether the
    target was reached; otherwise the setting with the fewest false accepts."""
    under = [s for s in settings if s.fa_per_hour <= target_fa_per_hour]
    if under:
        return min(under, key=lambda s: (s.misses, s.false_accepts, -s.cutoff)), True
    return min(settings, key=lambda s: (s.false_accepts, s.misses, -s.cutoff)), False


def frr_at(settings: list[Setting], fa_per_hour: float) -> float | None:
    under = [s.frr for s in settings if s.fa_per_hour <= fa_per_hour]
    return min(under) if under else None


def det_curve(settings: list[Setting], window: int) -> list[dict]:
    return [
        {"probability_cutoff": s.cutoff, "fa_per_hour": round(s.fa_per_hour, 4), "frr": round(s.frr, 4)}
        for s in sorted((s for s in settings if s.window == window), key=lambda s: s.cutoff)
    ]
