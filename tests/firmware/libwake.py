"""ctypes binding of the wake detector in firmware/build/libchorus.so (firmware/src/chorus_wake_detector.h)."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_float, c_int, c_int32

import numpy as np

MAX_WINDOW = 32


class WakeConfig(ctypes.Structure):
    _fields_ = [
        ("window", c_int32),
        ("cutoff", c_float),
        ("refractory_steps", c_int32),
        ("output_scale", c_float),
        ("output_zero_point", c_int32),
    ]


class WakeState(ctypes.Structure):
    _fields_ = [
        ("config", WakeConfig),
        ("outputs", c_int32 * MAX_WINDOW),
        ("filled", c_int32),
        ("next", c_int32),
        ("sum", c_int32),
        ("step", c_int32),
        ("quiet_to", c_int32),
    ]


class WakeDetector:
    """The device's wake detector, one step at a time."""

    def __init__(self, lib: ctypes.CDLL, **config):
        lib.chorus_wake_detector_init.argtypes = [POINTER(WakeState), POINTER(WakeConfig)]
        lib.chorus_wake_detector_init.restype = c_int
        lib.chorus_wake_detector_process.argtypes = [POINTER(WakeState), c_int32, POINTER(c_float)]
        lib.chorus_wake_detector_process.restype = c_int
        lib.chorus_wake_detector_reset.argtypes = [POINTER(WakeState)]
        self.lib, self.state = lib, WakeState()
        rc = lib.chorus_wake_detector_init(ctypes.byref(self.state), ctypes.byref(WakeConfig(**config)))
        if rc != 0:
            raise ValueError(f"chorus_wake_detector_init: {rc}")

    def process(self, raw: int) -> tuple[bool, float]:
        mean = c_float()
        woke = self.lib.chorus_wake_detector_process(ctypes.byref(self.state), int(raw), ctypes.byref(mean))
        return bool(woke), mean.value

    def wakes(self, raw_outputs: np.ndarray) -> np.ndarray:
        """The steps at which it wakes over a whole stream of raw model outputs."""
        return np.asarray([i for i, raw in enumerate(raw_outputs) if self.process(raw)[0]], int)

    def reset(self) -> None:
        self.lib.chorus_wake_detector_reset(ctypes.byref(self.state))
