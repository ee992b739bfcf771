"""ctypes binding of firmware/build/libchorus.so: the device's feature provider and recognizer, driven from Python.

The structs mirror firmware/src/chorus_features.h and chorus_recognizer.h field for field; the configurations are
filled from kws.firmware.features_config / recognizer_config, the same values the generated header carries.
"""
from __future__ import annotations

import ctypes
from ctypes import POINTER, c_float, c_int, c_int8, c_int16, c_int32, c_size_t, c_uint8, c_uint32
from pathlib import Path

import numpy as np

from kws.recognizer import Detection

CHORUS_OK = 0
ERR_ORDER = -3


class FeaturesConfig(ctypes.Structure):
    _fields_ = [
        ("sample_rate", c_int32), ("clip_samples", c_int32), ("window_samples", c_int32), ("hop_samples", c_int32),
        ("n_fft", c_int32), ("n_mels", c_int32), ("n_mfcc", c_int32), ("mel_htk", c_int32), ("mel_norm_slaney", c_int32),
        ("fmin", c_float), ("fmax", c_float), ("power", c_float), ("log_offset", c_float), ("norm_mean", c_float),
        ("norm_std", c_float), ("input_scale", c_float), ("input_zero_point", c_int32),
    ]


class FeaturesState(ctypes.Structure):
    _fields_ = [
        ("config", FeaturesConfig), ("frames", c_int32), ("channels", c_int32), ("first_bin", c_int32), ("last_bin", c_int32),
        ("fft_table", POINTER(c_float)), ("window", POINTER(c_float)), ("mel_weight", POINTER(c_float)),
        ("mel_band", POINTER(c_uint8)), ("mel_norm", POINTER(c_float)), ("dct", POINTER(c_float)), ("fft", POINTER(c_float)),
        ("log_mel", POINTER(c_float)), ("out", POINTER(c_float)), ("pending", POINTER(c_int16)), ("pending_count", c_int32),
        ("matrix", POINTER(c_int8)), ("frames_total", c_uint32), ("samples_total", c_uint32),
    ]


class RecognizerConfig(ctypes.Structure):
    _fields_ = [
        ("label_count", c_int32), ("average_window_ms", c_int32), ("detection_threshold", c_float), ("suppression_ms", c_int32),
        ("minimum_count", c_int32), ("silence_index", c_int32), ("unknown_index", c_int32),
    ]


class DetectionStruct(ctypes.Structure):
    _fields_ = [("label", c_int32), ("score", c_float), ("time_ms", c_int32)]


class RecognizerState(ctypes.Structure):
    _fields_ = [
        ("config", RecognizerConfig), ("scores", POINTER(c_float)), ("times", POINTER(c_int32)), ("capacity", c_int32),
        ("head", c_int32), ("count", c_int32), ("has_detection", c_int32), ("last_detection_ms", c_int32), ("dropped", c_uint32),
    ]


def load(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    lib.chorus_features_workspace_floats.argtypes = [POINTER(FeaturesConfig)]
    lib.chorus_features_workspace_floats.restype = c_size_t
    lib.chorus_features_init.argtypes = [POINTER(FeaturesState), POINTER(FeaturesConfig), POINTER(c_float), c_size_t]
    lib.chorus_features_init.restype = c_int
    lib.chorus_features_reset.argtypes = [POINTER(FeaturesState)]
    lib.chorus_features_frame.argtypes = [POINTER(FeaturesState), POINTER(c_int16), POINTER(c_float)]
    lib.chorus_features_quantize.argtypes = [POINTER(FeaturesConfig), c_float]
    lib.chorus_features_quantize.restype = c_int8
    lib.chorus_round_half_even.argtypes = [c_float]
    lib.chorus_round_half_even.restype = c_int32
    lib.chorus_features_push.argtypes = [POINTER(FeaturesState), POINTER(c_int16), c_size_t]
    lib.chorus_features_push.restype = c_int32
    lib.chorus_features_ready.argtypes = [POINTER(FeaturesState)]
    lib.chorus_features_ready.restype = c_int
    lib.chorus_features_matrix.argtypes = [POINTER(FeaturesState)]
    lib.chorus_features_matrix.restype = POINTER(c_int8)
    lib.chorus_features_window_end_ms.argtypes = [POINTER(FeaturesState)]
    lib.chorus_features_window_end_ms.restype = c_int32
    lib.chorus_recognizer_init.argtypes = [POINTER(RecognizerState), POINTER(RecognizerConfig), POINTER(c_float), POINTER(c_int32), c_int32]
    lib.chorus_recognizer_init.restype = c_int
    lib.chorus_recognizer_process.argtypes = [POINTER(RecognizerState), POINTER(c_float), c_int32, POINTER(DetectionStruct)]
    lib.chorus_recognizer_process.restype = c_int
    return lib


def _int16(samples: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(samples, dtype=np.int16)


class Features:
    """The C feature provider for one configuration (a dict from kws.firmware.features_config)."""

    def __init__(self, lib: ctypes.CDLL, config: dict):
        self.lib = lib
        self.config = FeaturesConfig(**config)
        floats = lib.chorus_features_workspace_floats(ctypes.byref(self.config))
        self.workspace = (c_float * floats)()
        self.state = FeaturesState()
        rc = lib.chorus_features_init(ctypes.byref(self.state), ctypes.byref(self.config), self.workspace, floats)
        if rc != CHORUS_OK:
            raise ValueError(f"chorus_features_init: {rc}")
        self.frames, self.channels = self.state.frames, self.state.channels

    def frame(self, samples: np.ndarray) -> np.ndarray:
        """n_fft int16 samples -> the frame's float features."""
        x = _int16(samples)
        assert x.shape == (self.config.n_fft,)
        out = np.zeros(self.channels, np.float32)
        self.lib.chorus_features_frame(ctypes.byref(self.state), x.ctypes.data_as(POINTER(c_int16)), out.ctypes.data_as(POINTER(c_float)))
        return out

    def log_mel(self, clip: np.ndarray) -> np.ndarray:
        """(frames, channels) float features of one int16 clip (zero-padded to clip_samples), frame by frame."""
        x = np.zeros(self.config.clip_samples, np.int16)
        x[: min(len(clip), len(x))] = clip[: len(x)]
        hop = self.config.hop_samples
        return np.stack([self.frame(x[t * hop : t * hop + self.config.n_fft]) for t in range(self.frames)])

    def reset(self) -> None:
        self.lib.chorus_features_reset(ctypes.byref(self.state))

    def push(self, samples: np.ndarray) -> int:
        x = _int16(samples)
        return self.lib.chorus_features_push(ctypes.byref(self.state), x.ctypes.data_as(POINTER(c_int16)), len(x))

    @property
    def ready(self) -> bool:
        return bool(self.lib.chorus_features_ready(ctypes.byref(self.state)))

    @property
    def frames_total(self) -> int:
        return self.state.frames_total

    def matrix(self) -> np.ndarray:
        pointer = self.lib.chorus_features_matrix(ctypes.byref(self.state))
        return np.ctypeslib.as_array(pointer, shape=(self.frames * self.channels,)).reshape(self.frames, self.channels).copy()

    def window_end_ms(self) -> int:
        return self.lib.chorus_features_window_end_ms(ctypes.byref(self.state))

    def int8(self, clip: np.ndarray) -> np.ndarray:
        """The model input of one int16 clip, through the streaming provider from a reset."""
        x = np.zeros(self.config.clip_samples, np.int16)
        x[: min(len(clip), len(x))] = clip[: len(x)]
        self.reset()
        self.push(x)
        return self.matrix()

    def quantize(self, feature: float) -> int:
        return self.lib.chorus_features_quantize(ctypes.byref(self.config), feature)


class Recognizer:
    """The C recognizer; `process` answers a kws.recognizer.Detection or None, like the Python one."""

    def __init__(self, lib: ctypes.CDLL, labels: list[str], config: dict, capacity: int = 64):
        self.lib = lib
        self.labels = list(labels)
        self.config = RecognizerConfig(**config)
        self.scores = (c_float * (capacity * len(labels)))()
        self.times = (c_int32 * capacity)()
        self.state = RecognizerState()
        rc = lib.chorus_recognizer_init(ctypes.byref(self.state), ctypes.byref(self.config), self.scores, self.times, capacity)
        if rc != CHORUS_OK:
            raise ValueError(f"chorus_recognizer_init: {rc}")

    def process(self, scores: np.ndarray, time_ms: int) -> Detection | None:
        x = np.ascontiguousarray(scores, dtype=np.float32)
        assert x.shape == (len(self.labels),)
        found = DetectionStruct()
        rc = self.lib.chorus_recognizer_process(ctypes.byref(self.state), x.ctypes.data_as(POINTER(c_float)), int(time_ms), ctypes.byref(found))
        if rc == ERR_ORDER:
            raise ValueError(f"results must come in time order: {time_ms} ms")
        if rc == 0:
            return None
        return Detection(time_ms=found.time_ms, label=self.labels[found.label], score=found.score)

    @property
    def dropped(self) -> int:
        return self.state.dropped
