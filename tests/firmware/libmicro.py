"""ctypes binding of the micro frontend in firmware/build/libchorus.so (firmware/src/chorus_micro_frontend.h): the
TFLite Micro audio frontend that ESPHome's micro_wake_word runs, in the device's C, driven from Python.

The state struct mirrors chorus_micro_frontend_state field for field; MicroFrontendC feeds it audio in any chunk
sizes, as a microphone driver would, and collects the frames.
"""
from __future__ import annotations

import ctypes
from ctypes import POINTER, c_float, c_int, c_int8, c_int16, c_int32, c_size_t, c_uint16, c_uint32
from pathlib import Path

import numpy as np

WINDOW_SAMPLES = 480
STEP_SAMPLES = 160
CHANNELS = 40
FFT_SIZE = 512
FEATURE_SCALE = 0.0390625  # float feature = uint16 value * this, as pymicro-features returns it


class MicroFrontendState(ctypes.Structure):
    _fields_ = [
        ("input", c_int16 * WINDOW_SAMPLES), ("fft", c_int16 * FFT_SIZE), ("noise_estimate", c_uint32 * CHANNELS),
        ("input_used", c_uint32), ("frames", c_uint32),
    ]


def load(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    state = POINTER(MicroFrontendState)
    lib.chorus_micro_frontend_init.argtypes = [state]
    lib.chorus_micro_frontend_init.restype = None
    lib.chorus_micro_frontend_process.argtypes = [
        state, POINTER(c_int16), c_size_t, POINTER(c_size_t), POINTER(c_uint16),
    ]
    lib.chorus_micro_frontend_process.restype = c_int
    lib.chorus_micro_frontend_to_float.argtypes = [POINTER(c_uint16), POINTER(c_float)]
    lib.chorus_micro_frontend_to_float.restype = None
    lib.chorus_micro_frontend_quantize.argtypes = [POINTER(c_uint16), c_float, c_int32, POINTER(c_int8)]
    lib.chorus_micro_frontend_quantize.restype = None
    return lib


class MicroFrontendC:
    """One frontend instance: `feed` int16 audio in chunks of `chunk` samples, get (frames, 40) uint16 back."""

    def __init__(self, lib: ctypes.CDLL):
        self.lib = lib
        self.state = MicroFrontendState()
        self.reset()

    def reset(self) -> None:
        self.lib.chorus_micro_frontend_init(ctypes.byref(self.state))

    def feed(self, samples: np.ndarray, chunk: int | list[int] = STEP_SAMPLES) -> np.ndarray:
        """Hand the audio over `chunk` samples per call (or the given sizes, cycled), each call repeated until
        its samples are all read, as a driver loop does. Every frame produced on the way, in order."""
        x = np.ascontiguousarray(samples, dtype=np.int16)
        sizes = [chunk] if isinstance(chunk, int) else list(chunk)
        frames, offset, turn = [], 0, 0
        while offset < len(x):
            end = min(len(x), offset + sizes[turn % len(sizes)])
            turn += 1
            while offset < end:
                made, read, frame = self.process(x[offset:end])
                if read == 0 and not made:
                    raise AssertionError("the frontend read nothing and made no frame")
                offset += read
                if made:
                    frames.append(frame)
        if not frames:
            return np.zeros((0, CHANNELS), np.uint16)
        return np.stack(frames)

    def process(self, samples: np.ndarray) -> tuple[bool, int, np.ndarray | None]:
        """One call of chorus_micro_frontend_process: (made a frame, samples read, the frame or None)."""
        x = np.ascontiguousarray(samples, dtype=np.int16)
        out = np.zeros(CHANNELS, np.uint16)
        read = c_size_t(0)
        made = self.lib.chorus_micro_frontend_process(
            ctypes.byref(self.state), x.ctypes.data_as(POINTER(c_int16)), len(x), ctypes.byref(read),
            out.ctypes.data_as(POINTER(c_uint16)),
        )
        return bool(made), read.value, (out if made else None)

    @property
    def frames(self) -> int:
        return self.state.frames

    @property
    def input_used(self) -> int:
        return self.state.input_used

    def to_float(self, frame: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(frame, dtype=np.uint16)
        out = np.zeros(CHANNELS, np.float32)
        self.lib.chorus_micro_frontend_to_float(
            x.ctypes.data_as(POINTER(c_uint16)), out.ctypes.data_as(POINTER(c_float))
        )
        return out

    def quantize(self, frame: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
        x = np.ascontiguousarray(frame, dtype=np.uint16)
        out = np.zeros(CHANNELS, np.int8)
        self.lib.chorus_micro_frontend_quantize(
            x.ctypes.data_as(POINTER(c_uint16)), scale, zero_point, out.ctypes.data_as(POINTER(c_int8))
        )
        return out
