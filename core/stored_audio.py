"""Audio held in the project's storage (local disk or S3), read back as float32 mono."""

from __future__ import annotations

import numpy as np
from django.core.files.storage import default_storage

from kws.audio import read_wav


def stored_audio_load(name: str) -> tuple[np.ndarray, int]:
    """A stored recording as float32 mono samples and their rate (raises what soundfile raises on bad data)."""
    with default_storage.open(name, "rb") as f:
        return read_wav(f.read())
