"""The ESPHome package writer, proven with OHF's runtime: pymicro-wakeword loads the manifest Chorus writes and
runs the model it names. The model here is microWakeWord's hey_jarvis, shipped with pymicro-wakeword, until
Chorus trains streaming models of its own."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from kws.esphome import WakeWordModel, esphome_manifest, esphome_package
from kws.micro_frontend import micro_features
from kws.quantize import tflm_smallest_arena
from tests.kws.test_micro_wake_word import spoken_in_noise
from tests.services import require_espeak

pymicro_wakeword = pytest.importorskip("pymicro_wakeword")
from pymicro_wakeword import MicroWakeWord, Model  # noqa: E402

BUNDLED = Path(pymicro_wakeword.__file__).parent / "models"


def hey_jarvis() -> WakeWordModel:
    model_bytes = (BUNDLED / "hey_jarvis.tflite").read_bytes()
    return WakeWordModel(
        wake_word="Hey Jarvis",
        model_bytes=model_bytes,
        probability_cutoff=0.97,
        sliding_window_size=5,
        tensor_arena_size=tflm_smallest_arena(model_bytes, (3, 40)),
        website="https://chorus.example.org/models/1/",
    )


def test_the_manifest_has_every_field_esphome_reads():
    model = hey_jarvis()
    manifest = esphome_manifest(model)
    assert manifest == {
        "type": "micro",
        "wake_word": "Hey Jarvis",
        "author": "Chorus",
        "website": "https://chorus.example.org/models/1/",
        "model": "hey_jarvis.tflite",
        "trained_languages": ["en"],
        "version": 2,
        "micro": {
            "probability_cutoff": 0.97,
            "feature_step_size": 10,
            "sliding_window_size": 5,
            "tensor_arena_size": model.tensor_arena_size,
            "minimum_esphome_version": "2024.7.0",
        },
    }
    # measured in the TFLM interpreter: within what microWakeWord states for this model on the ESP32
    assert (
        0
        < model.tensor_arena_size
        <= json.loads((BUNDLED / "hey_jarvis.json").read_text())["micro"]["tensor_arena_size"]
    )
    with pytest.raises(ValueError, match="probability_cutoff"):
        esphome_manifest(WakeWordModel("x", b"", 1.5, 5, 1))


def test_pymicro_wakeword_loads_the_package_and_runs_its_model_as_the_bundled_one(tmp_path):
    require_espeak()
    package = esphome_package(
        hey_jarvis(), model_card="# Hey Jarvis\n", manifest_url="http://homeassistant.local:8123/local/hey_jarvis.json"
    )
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert sorted(archive.namelist()) == [
            "README.md",
            "esphome.yaml",
            "hey_jarvis.json",
            "hey_jarvis.tflite",
            "model_card.md",
        ]
        archive.extractall(tmp_path)
    assert yaml.safe_load((tmp_path / "esphome.yaml").read_text()) == {
        "micro_wake_word": {"models": [{"model": "http://homeassistant.local:8123/local/hey_jarvis.json"}]}
    }
    assert "hey_jarvis.json" in (tmp_path / "README.md").read_text()

    loaded = MicroWakeWord.from_config(tmp_path / "hey_jarvis.json")
    bundled = MicroWakeWord.from_builtin(Model.HEY_JARVIS)
    assert (loaded.wake_word, loaded.probability_cutoff, loaded.sliding_window_size) == ("Hey Jarvis", 0.97, 5)
    features = micro_features(np.concatenate([spoken_in_noise("hey jarvis", seed=s) for s in range(2)]))
    ours = [loaded.process_streaming_prob(frame[None, None]) for frame in features]
    theirs = [bundled.process_streaming_prob(frame[None, None]) for frame in features]
    assert ours == theirs and max(ours) > 0.5
