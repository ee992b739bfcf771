"""Streaming evaluation: keywords inserted into background noise at known times, scored the way the device
will run (a 1 s window every STRIDE_MS, the recognizer's posterior smoothing on top)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kws import features, recognizer

STRIDE_MS = 100  # inference rate of the evaluation (micro_speech runs several per second)
GAP_S = 2.0  # silence between inserted keywords, so suppression never hides one


@dataclass(frozen=True)
class Stream:
    audio: np.ndarray
    truth: list[tuple[int, str]]  # (time_ms of the keyword's end, label)


def keyword_stream(
    clips: np.ndarray,
    labels: list[str],
    noise: np.ndarray,
    rng: np.random.Generator,
    *,
    noise_volume: float = 0.05,
    sample_rate: int = 16_000,
) -> Stream:
    """Clips laid one after another with GAP_S of noise between them; truth marks where each ends."""
    step = clips.shape[1] + int(GAP_S * sample_rate)
    total = step * len(clips) + sample_rate
    audio = _noise_bed(noise, total, rng) * noise_volume
    truth = []
    for i, (clip, label) in enumerate(zip(clips, labels)):
        start = int(GAP_S * sample_rate / 2) + i * step
        audio[start : start + len(clip)] += clip
        truth.append(((start + len(clip)) * 1000 // sample_rate, label))
    return Stream(np.clip(audio, -1, 1).astype(np.float32), truth)


def noise_stream(
    noise: np.ndarray, seconds: float, rng: np.random.Generator, *, noise_volume: float = 0.3, sample_rate: int = 16_000
) -> Stream:
    return Stream((_noise_bed(noise, int(seconds * sample_rate), rng) * noise_volume).astype(np.float32), [])


def _noise_bed(noise: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    if len(noise) == 0:
        return np.zeros(samples, np.float32)
    start = int(rng.integers(0, len(noise)))
    return np.resize(np.roll(noise, -start), samples).astype(np.float32)


def stream_scores(
    stream: Stream,
    predict: Callable[[np.ndarray], np.ndarray],
    *,
    params: features.FeatureParams = features.DEFAULT_PARAMS,
    stride_ms: int = STRIDE_MS,
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities per window, window end times in ms): windows of one clip length, every stride_ms."""
    hop = params.sample_rate * stride_ms // 1000
    starts = np.arange(0, len(stream.audio) - params.clip_samples + 1, hop)
    windows = np.lib.stride_tricks.sliding_window_view(stream.audio, params.clip_samples)[starts]
    probabilities = predict(np.ascontiguousarray(windows))
    return probabilities, (starts + params.clip_samples) * 1000 // params.sample_rate


@dataclass(frozen=True)
class StreamingMetrics:
    false_accepts_per_hour: float
    false_reject_rate: float
    keywords: int
    noise_seconds: float

    def as_dict(self) -> dict:
        return {
            "false_accepts_per_hour": self.false_accepts_per_hour,
            "false_reject_rate": self.false_reject_rate,
            "keywords": self.keywords,
            "noise_seconds": self.noise_seconds,
        }


def evaluate(
    keyword_streams: list[Stream],
    noise_streams: list[Stream],
    predict,
    labels: list[str],
    *,
    params: recognizer.RecognizerParams = recognizer.DEFAULT_RECOGNIZER,
) -> StreamingMetrics:
    misses = spoken = 0
    for stream in keyword_streams:
        scores, times = stream_scores(stream, predict)
        detections = recognizer.detections_over_stream(scores, times, labels, params)
        hits, missed, _ = recognizer.match_detections(detections, stream.truth)
        misses += missed
        spoken += len(stream.truth)
    false_accepts, seconds = 0, 0.0
    for stream in noise_streams:
        scores, times = stream_scores(stream, predict)
        false_accepts += len(recognizer.detections_over_stream(scores, times, labels, params))
        seconds += len(stream.audio) / 16_000
    return StreamingMetrics(
        false_accepts_per_hour=false_accepts * 3600 / seconds if seconds else float("nan"),
        false_reject_rate=misses / spoken if spoken else float("nan"),
        keywords=spoken,
        noise_seconds=seconds,
    )
