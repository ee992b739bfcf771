"""The streaming command recognizer the firmware mirrors, and the numbers that judge it on long recordings.

Modelled on micro_speech's RecognizeCommands: the model scores the last second of audio every few tens of ms;
one inference is too jumpy to act on, so the recognizer averages the probabilities over a time window and
reports a command once the average is confident, then stays quiet for a while.

Where this differs from micro_speech, on purpose and for the firmware to copy:
- scores are float probabilities (0..1), not int8; the threshold test is `>=`, as is the suppression test;
- suppression holds after any detection, whatever the next label (micro_speech lets a different label fire at once,
  and a confident silence lifts it); `_silence_` and `_unknown_` are never reported and never start suppression;
- a timestamp earlier than the newest one is rejected (micro_speech compares with the oldest in the window).
Kept from micro_speech: the window keeps results no older than `average_window_ms` before the newest one
(boundary included), and it must hold `minimum_count` results spanning at least a quarter of the window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

SILENCE_LABEL = "_silence_"
UNKNOWN_LABEL = "_unknown_"
NOT_COMMANDS = frozenset({SILENCE_LABEL, UNKNOWN_LABEL})
MIN_SPAN_DIVISOR = 4  # the window's results must span at least average_window_ms // 4 (micro_speech)
MATCH_TOLERANCE_MS = 750  # a detection this close to a spoken command counts as hearing it
MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class RecognizerParams:
    average_window_ms: int = 1_000  # results at most this much older than the newest are averaged
    detection_threshold: float = 0.7  # the top label's average probability must reach this
    suppression_ms: int = 1_500  # after a detection, none other (any label) until this much later
    minimum_count: int = 3  # fewer results in the window: too few to trust

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_RECOGNIZER = RecognizerParams()


@dataclass(frozen=True)
class Detection:
    time_ms: int  # timestamp of the inference that confirmed it
    label: str
    score: float  # the label's average probability over the window


class Recognizer:
    """Feed it every inference in time order; it answers a Detection when a command is recognized, else None."""

    def __init__(self, labels: Sequence[str], params: RecognizerParams = DEFAULT_RECOGNIZER):
        self.labels = tuple(labels)
        self.params = params
        self.reset()

    def reset(self) -> None:
        self._results: deque[tuple[int, np.ndarray]] = deque()
        self._last_detection_ms: int | None = None

    def process(self, scores: np.ndarray, time_ms: int) -> Detection | None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != (len(self.labels),):
            raise ValueError(f"expected {len(self.labels)} scores, got shape {scores.shape}")
        if self._results and time_ms < self._results[-1][0]:
            raise ValueError(f"results must come in time order: {time_ms} ms is before {self._results[-1][0]} ms")
        self._results.append((time_ms, scores))
        while self._results[0][0] < time_ms - self.params.average_window_ms:
            self._results.popleft()

        span = time_ms - self._results[0][0]
        if len(self._results) < self.params.minimum_count or span < self.params.average_window_ms // MIN_SPAN_DIVISOR:
            return None
        average = np.mean([s for _, s in self._results], axis=0)
        top = int(np.argmax(average))  # first of equals, as the firmware's strict '>' scan picks
        label, score = self.labels[top], float(average[top])
        if label in NOT_COMMANDS or score < self.params.detection_threshold:
            return None
        if self._last_detection_ms is not None and time_ms - self._last_detection_ms < self.params.suppression_ms:
            return None
        self._last_detection_ms = time_ms
        return Detection(time_ms=time_ms, label=label, score=score)


def detections_over_stream(
    score_frames: np.ndarray,
    times_ms: Sequence[int] | np.ndarray,
    labels: Sequence[str],
    params: RecognizerParams = DEFAULT_RECOGNIZER,
) -> list[tuple[int, str]]:
    """(time_ms, label) of every detection a fresh Recognizer makes over a recording's (T, classes) inference scores."""
    if len(score_frames) != len(times_ms):
        raise ValueError(f"{len(score_frames)} score frames but {len(times_ms)} timestamps")
    recognizer = Recognizer(labels, params)
    found = (recognizer.process(scores, int(t)) for scores, t in zip(score_frames, times_ms))
    return [(d.time_ms, d.label) for d in found if d is not None]


def false_accepts_per_hour(detections: Sequence, duration_s: float) -> float:
    """Detections per hour on audio that holds no command: every one is a false accept."""
    if duration_s <= 0:
        raise ValueError("duration_s must be positive")
    return len(detections) * MS_PER_HOUR / (duration_s * 1_000)


def match_detections(
    detections: Sequence[tuple[int, str]], truth: Sequence[tuple[int, str]], *, tolerance_ms: int = MATCH_TOLERANCE_MS
) -> tuple[int, int, int]:
    """(hits, misses, false accepts): each spoken command pairs with at most one detection of its label in tolerance.

    A wrong label near a command is a miss and a false accept. Misses / len(truth) is the false-reject rate.
    Per label, commands in time order take the earliest free detection in reach: for equal-width windows that
    greedy pairing is a maximum matching, so no command is missed for want of a better assignment.
    """
    hits = 0
    for label in {lbl for _, lbl in truth}:
        free = sorted(t for t, lbl in detections if lbl == label)
        for spoken in sorted(t for t, lbl in truth if lbl == label):
            # detections before this command's reach can serve no later command either
            while free and free[0] < spoken - tolerance_ms:
                free.pop(0)
            if free and free[0] <= spoken + tolerance_ms:
                free.pop(0)
                hits += 1
    return hits, len(truth) - hits, len(detections) - hits
