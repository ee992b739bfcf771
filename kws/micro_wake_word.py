"""A streaming wake-word model run the way ESPHome's micro_wake_word runs it, in the TFLite Micro interpreter.

The model takes `stride` feature frames at a time ([1, stride, 40] int8) and keeps its own past in resource
variables; it runs once every `stride` frames (no overlap). The detector averages the last
`sliding_window_size` probabilities and fires when the mean exceeds `probability_cutoff`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kws.quantize import tflm_interpreter

DEFAULT_ARENA = 1 << 18  # generous for scoring on a host; the package states the measured minimum


@dataclass(frozen=True)
class Detector:
    probability_cutoff: float
    sliding_window_size: int

    def fires(self, probabilities: np.ndarray) -> np.ndarray:
        """For each model step, whether the detector fires there (once the window is full)."""
        p = np.asarray(probabilities, dtype=np.float64)
        n = self.sliding_window_size
        fired = np.zeros(len(p), dtype=bool)
        if len(p) >= n:
            means = np.convolve(p, np.ones(n) / n, mode="valid")
            fired[n - 1 :] = means > self.probability_cutoff
        return fired


def _quantizer(details: dict) -> tuple[float, int]:
    q = details["quantization_parameters"]
    return float(q["scales"][0]), int(q["zero_points"][0])


def streaming_probabilities(model_bytes: bytes, features: np.ndarray, *, arena_size: int = DEFAULT_ARENA) -> np.ndarray:
    """The model's probability at each step over `features` (frames, channels), from a fresh interpreter."""
    return np.fromiter(_steps(model_bytes, features, arena_size), dtype=np.float32)


def _steps(model_bytes: bytes, features: np.ndarray, arena_size: int) -> Iterator[float]:
    interpreter = tflm_interpreter(model_bytes, arena_size)
    inputs, outputs = interpreter.get_input_details(0), interpreter.get_output_details(0)
    stride = int(inputs["shape"][1])
    in_scale, in_zero = _quantizer(inputs)
    out_scale, out_zero = _quantizer(outputs)
    limits = np.iinfo(inputs["dtype"])
    for start in range(0, len(features) - stride + 1, stride):
        block = np.round(features[start : start + stride] / in_scale + in_zero)
        interpreter.set_input(np.clip(block, limits.min, limits.max).astype(inputs["dtype"])[None], 0)
        interpreter.invoke()
        raw = interpreter.get_output(0).reshape(-1)[0]
        yield (float(raw) - out_zero) * out_scale
