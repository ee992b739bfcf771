"""The features ESPHome's micro_wake_word computes: the TFLite Micro audio frontend, through pymicro-features.

pymicro-features binds the same C frontend (40 channels, 30 ms window, 10 ms step, noise reduction, PCAN, log)
that ESP32 firmware runs, so training, evaluation and the device compute one set of numbers. The frontend has
state (its noise estimate and gain control adapt), so a recording is featurized in one pass, 10 ms at a time,
as the device hears it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np

MICRO_FEATURES_FORMAT_VERSION = 1


@dataclass(frozen=True)
class MicroFrontendParams:
    """The frontend's fixed configuration (compiled into pymicro-features and ESPHome alike), recorded so that
    a model says which features it expects."""

    kind: str = "tflm_micro_frontend"
    sample_rate: int = 16_000  # Hz, 16-bit mono PCM in
    window_ms: int = 30
    step_ms: int = 10  # one feature frame per 10 ms of audio
    channels: int = 40
    noise_reduction: bool = True
    pcan: bool = True  # per-channel amplitude normalization
    log_scale: bool = True

    @property
    def step_samples(self) -> int:
        return self.sample_rate * self.step_ms // 1000

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def hash(self) -> str:
        canonical = json.dumps({"v": MICRO_FEATURES_FORMAT_VERSION, **self.as_dict()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


MICRO_PARAMS = MicroFrontendParams()


def pcm16(samples: np.ndarray) -> bytes:
    """Float audio in [-1, 1] (or int16) as the little-endian 16-bit PCM a microphone driver hands the frontend."""
    x = np.asarray(samples)
    if x.dtype != np.int16:
        x = np.clip(np.round(x.astype(np.float64) * 32767), -32768, 32767).astype(np.int16)
    return x.astype("<i2").tobytes()


def micro_features(samples: np.ndarray, params: MicroFrontendParams = MICRO_PARAMS) -> np.ndarray:
    """(frames, 40) float32: the recording through a fresh frontend, fed 10 ms at a time as ESPHome feeds it.
    The first frame comes once a whole 30 ms window has arrived."""
    from pymicro_features import MicroFrontend

    audio = pcm16(samples)
    frontend = MicroFrontend()
    chunk = params.step_samples * 2
    frames, offset = [], 0
    while offset + chunk <= len(audio):
        result = frontend.process_samples(audio[offset : offset + chunk])
        offset += result.samples_read * 2
        if result.features:
            frames.append(result.features)
    if not frames:
        return np.zeros((0, params.channels), np.float32)
    return np.asarray(frames, dtype=np.float32)
