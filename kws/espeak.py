"""espeak-ng speech, from the libespeak-ng that the `espeakng-loader` wheel bundles (so only Python is needed),
else from the `espeak-ng` program. Both give the same voices; `engine()` says which one runs.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakMissing(RuntimeError):
    pass


class _Library:
    """libespeak-ng in this process. It keeps global state, so one synthesis at a time.

    What it says depends on everything it said before in the process (its pitch flutter, noise and filter states
    carry over) and on a random seed it otherwise takes from the clock: `restart` loads it afresh with a fixed
    seed, so a batch of speech that starts with a restart comes out the same in any process, in any order."""

    def __init__(self, library_path: str, data_path: str):
        self.library_path, self.data_path = library_path, data_path
        self.lock = threading.Lock()
        self._load(seed=0)

    def _load(self, seed: int) -> None:
        self.lib = ctypes.CDLL(self.library_path)
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_path.encode(), 0)
        if self.rate <= 0:
            raise EspeakMissing(f"libespeak-ng did not start (data at {self.data_path})")
        self.chunks: list[np.ndarray] = []
        self.callback = _CALLBACK(self._collect)  # kept referenced: the library calls it later
        self.lib.espeak_SetSynthCallback(self.callback)
        self.lib.espeak_ng_SetRandSeed(seed)

    def restart(self, seed: int) -> None:
        """Unload the library (its static state goes with it) and load it again, seeded: about 7 ms."""
        import _ctypes

        with self.lock:
            self.lib.espeak_Terminate()
            _ctypes.dlclose(self.lib._handle)
            self._load(seed)

    def _collect(self, wav, count, _events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def say(self, text: str, voice: str, pitch: int, speed: int) -> tuple[np.ndarray, int]:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_PITCH, pitch, 0)
            self.lib.espeak_SetParameter(_RATE, speed, 0)
            self.chunks = []
            data = text.encode("utf-8") + b"\0"
            if self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None) != 0:
                raise RuntimeError(f"espeak-ng could not say {text!r}")
            self.lib.espeak_Synchronize()
            samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return (samples.astype(np.float32) / 32768.0), self.rate


@cache
def _library() -> _Library | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    return _Library(espeakng_loader.get_library_path(), espeakng_loader.get_data_path())


def restart(seed: int = 0) -> None:
    """Start the engine afresh, so that what follows does not depend on what was said before in this process.
    The espeak-ng program starts afresh at every call anyway (but seeds itself from the clock)."""
    library = _library()
    if library is not None:
        library.restart(seed)


def engine() -> str:
    """'libespeak-ng (espeakng-loader)' or 'espeak-ng program'; raises EspeakMissing if neither is here."""
    if _library() is not None:
        return "libespeak-ng (espeakng-loader)"
    if shutil.which("espeak-ng"):
        return "espeak-ng program"
    raise EspeakMissing("no espeak-ng: pip install espeakng-loader (in requirements.txt), or apt install espeak-ng")


def say(text: str, *, voice: str, pitch: int, speed: int) -> tuple[np.ndarray, int]:
    """`text` spoken by `voice` (e.g. 'en-gb+m3'), pitch 0..99, speed in words per minute: (float32 mono, rate)."""
    library = _library()
    if library is not None:
        return library.say(text, voice, pitch, speed)
    engine()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "say.wav"
        command = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(path), text]
        subprocess.run(command, check=True, capture_output=True)
        audio, rate = sf.read(path, dtype="float32")
    return audio, rate
