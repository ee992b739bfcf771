"""Evaluation the way the device runs: the int8 model on a 1 s window every stride, over hours of audio that must
not trigger and over streams of held-out keywords placed in such audio, then the recognizer's settings swept
for false accepts per hour (FA/h) against false rejects (FRR), and an operating point chosen under a target.

Features are computed once per stream (a window's features are a slice of the stream's frames); the model's
RESHAPE fixes its batch at 1, so the interpreter is invoked once per window, as on the device.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from kws import features, firmware, operating_point, quantize, recognizer, streaming
from kws.operating_point import ScoredStream

KEYWORDS_PER_STREAM = 20
KEYWORD_GAP_S = 2.0  # between keywords in a stream, longer than any suppression swept
KEYWORD_SNR_DB = (5.0, 25.0)  # keyword over the background noise it is placed in
BED_GAIN = 0.5  # the bed under a keyword, quieter than where it is scored on its own


def int8_predictor(int8_bytes: bytes, normalization: dict) -> Callable[[np.ndarray], np.ndarray]:
    """(N, frames, channels) features -> (N, classes) probabilities, through the int8 model as the device runs it."""
    q_in, q_out = quantize.io_quantization(int8_bytes)

    def predict(windows: np.ndarray) -> np.ndarray:
        x = ((windows - normalization["mean"]) / normalization["std"]).astype(np.float32)
        return q_out.dequantize(quantize.tflite_run(int8_bytes, q_in.quantize(x)))

    return predict


def window_scores(
    audio: np.ndarray, predict, params: features.FeatureParams, stride_ms: int = streaming.STRIDE_MS
) -> tuple[np.ndarray, np.ndarray]:
    """(scores per window, window end times in ms) for 1 s windows every stride over `audio`."""
    frames = features.featurize_stream(audio, params)
    if len(frames) < params.frames:
        return np.zeros((0, 0)), np.zeros(0, np.int64)
    step = firmware.stride_frames(params, stride_ms)
    starts = np.arange(0, len(frames) - params.frames + 1, step)
    windows = np.lib.stride_tricks.sliding_window_view(frames, params.frames, axis=0)[starts].transpose(0, 2, 1)
    times = (starts * params.hop_samples + params.clip_samples) * 1000 // params.sample_rate
    return predict(np.ascontiguousarray(windows)), times.astype(np.int64)


def keyword_streams(
    clips: np.ndarray,
    labels: list[str],
    beds: Iterable[np.ndarray],
    rng: np.random.Generator,
    sample_rate: int = 16_000,
) -> Iterable[tuple[np.ndarray, list[tuple[int, str]]]]:
    """Held-out keyword clips, KEYWORDS_PER_STREAM to a stream, each over a background bed at an SNR drawn from
    KEYWORD_SNR_DB; truth is (end of the clip in ms, label)."""
    step = clips.shape[1] + int(KEYWORD_GAP_S * sample_rate)
    beds = iter(beds)
    for first in range(0, len(clips), KEYWORDS_PER_STREAM):
        batch = clips[first : first + KEYWORDS_PER_STREAM]
        total = step * len(batch) + sample_rate
        bed = np.resize(next(beds), total).astype(np.float32) * BED_GAIN
        audio, truth = bed.copy(), []
        for i, clip in enumerate(batch):
            start = int(KEYWORD_GAP_S * sample_rate / 2) + i * step
            local = bed[start : start + len(clip)]
            clip_power = float(np.mean(clip**2)) + 1e-12
            snr_db = float(rng.uniform(*KEYWORD_SNR_DB))
            gain = np.sqrt((float(np.mean(local**2)) + 1e-8) * 10 ** (snr_db / 10) / clip_power)
            audio[start : start + len(clip)] += clip * min(gain, 0.95 / (np.abs(clip).max() + 1e-9))
            truth.append(((start + len(clip)) * 1000 // sample_rate, labels[first + i]))
        yield np.clip(audio, -1, 1), truth


@dataclass
class DeviceEvaluation:
    points: list[operating_point.SweepPoint]
    chosen: operating_point.SweepPoint
    reached: bool
    target_fa_per_hour: float
    keyword_streams: list[ScoredStream]
    labels: list[str]
    stride_ms: int

    def as_dict(self) -> dict:
        chosen = self.chosen.params
        frr_05 = operating_point.frr_at(self.points, 0.5)
        frr_01 = operating_point.frr_at(self.points, 0.1)
        latencies = detection_latencies(self.keyword_streams, self.labels, chosen)
        return {
            "stride_ms": self.stride_ms,
            "target_fa_per_hour": self.target_fa_per_hour,
            "target_reached": self.reached,
            "chosen": self.chosen.as_dict(),
            "negative_hours": round(self.chosen.negative_hours, 4),
            "utterances": self.chosen.utterances,
            "frr_at_0.5_fa_per_hour": None if frr_05 is None else round(frr_05, 4),
            "frr_at_0.1_fa_per_hour": None if frr_01 is None else round(frr_01, 4),
            "latency_ms_p50": _percentile(latencies, 50),
            "latency_ms_p95": _percentile(latencies, 95),
            "per_keyword_frr": per_keyword_frr(self.keyword_streams, self.labels, chosen),
            "det_curve": operating_point.det_curve(self.points, chosen),
            "sweep": [p.as_dict() for p in self.points],
        }


def evaluate(
    *,
    predict,
    labels: list[str],
    keyword_clips: np.ndarray,
    keyword_labels: list[str],
    negatives: Iterable[np.ndarray],
    keyword_beds: list[np.ndarray],
    params: features.FeatureParams,
    rng: np.random.Generator,
    target_fa_per_hour: float = operating_point.DEFAULT_TARGET_FA_PER_HOUR,
    stride_ms: int = streaming.STRIDE_MS,
    on_progress: Callable[[float], None] | None = None,
) -> DeviceEvaluation:
    """Score every negative piece (each a stream of its own), and the keywords in streams over `keyword_beds`
    (background noise: a keyword is said over the room's sound, not over someone else's sentence)."""
    negative_streams = []
    for piece in negatives:
        scores, times = window_scores(piece, predict, params, stride_ms)
        negative_streams.append(ScoredStream(scores, times, [], len(piece) / params.sample_rate))
        if on_progress:
            on_progress(len(negative_streams))
    scored_keywords = []
    if keyword_beds:
        beds = itertools.cycle(keyword_beds)
        for audio, truth in keyword_streams(keyword_clips, keyword_labels, beds, rng, params.sample_rate):
            scores, times = window_scores(audio, predict, params, stride_ms)
            scored_keywords.append(ScoredStream(scores, times, truth, len(audio) / params.sample_rate))
    points = operating_point.sweep(scored_keywords, negative_streams, labels)
    chosen, reached = operating_point.choose(points, target_fa_per_hour)
    return DeviceEvaluation(points, chosen, reached, target_fa_per_hour, scored_keywords, labels, stride_ms)


def detection_latencies(streams: list[ScoredStream], labels: list[str], params) -> list[int]:
    """End of word to detection (ms) for every keyword heard, at these settings."""
    out = []
    for s in streams:
        found = operating_point.detections(s.scores, s.times_ms, labels, params)
        for end, label in s.truth:
            near = [t for t, lbl in found if lbl == label and abs(t - end) <= recognizer.MATCH_TOLERANCE_MS]
            if near:
                out.append(min(near) - end)
    return out


def per_keyword_frr(streams: list[ScoredStream], labels: list[str], params) -> dict[str, float]:
    misses: dict[str, int] = {}
    spoken: dict[str, int] = {}
    for s in streams:
        found = operating_point.detections(s.scores, s.times_ms, labels, params)
        for label in {lbl for _, lbl in s.truth}:
            truth = [(t, lbl) for t, lbl in s.truth if lbl == label]
            _, missed, _ = recognizer.match_detections([d for d in found if d[1] == label], truth)
            misses[label] = misses.get(label, 0) + missed
            spoken[label] = spoken.get(label, 0) + len(truth)
    return {label: round(misses[label] / spoken[label], 4) for label in sorted(spoken)}


def _percentile(values: list[int], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None
