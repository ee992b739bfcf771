"""The ESPHome wake-word package: the manifest (JSON, version 2) ESPHome's micro_wake_word loads, the model, a
YAML snippet and a README on hosting it.

ESPHome fetches the manifest by URL and the model named in it from beside it, so the two travel together.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

MANIFEST_VERSION = 2
FEATURE_STEP_MS = 10  # the frontend's step: ESPHome checks the model was trained on the same
MINIMUM_ESPHOME_VERSION = "2024.7.0"  # the first release that reads version 2 manifests
ESPHOME_BOARDS = ("ESP32-S3 with PSRAM running ESPHome's micro_wake_word (Home Assistant Voice PE, ESP32-S3-BOX-3)",)


@dataclass(frozen=True)
class WakeWordModel:
    wake_word: str  # the phrase, as people say it ("Hey Chorus")
    model_bytes: bytes  # streaming int8 TFLite, input [1, stride, 40]
    probability_cutoff: float  # from the job's chosen operating point
    sliding_window_size: int
    tensor_arena_size: int  # measured in the TFLM interpreter
    trained_languages: list[str] = field(default_factory=lambda: ["en"])
    author: str = "Chorus"
    website: str = ""

    @property
    def name(self) -> str:
        """File stem: the phrase in lower case, words joined by '_' ("hey_chorus")."""
        return re.sub(r"[^a-z0-9]+", "_", self.wake_word.lower()).strip("_") or "wake_word"


def esphome_manifest(model: WakeWordModel) -> dict:
    if not 0.0 < model.probability_cutoff < 1.0:
        raise ValueError(f"probability_cutoff must lie between 0 and 1, not {model.probability_cutoff}")
    if model.sliding_window_size < 1:
        raise ValueError("sliding_window_size must be at least 1")
    return {
        "type": "micro",
        "wake_word": model.wake_word,
        "author": model.author,
        "website": model.website,
        "model": f"{model.name}.tflite",
        "trained_languages": model.trained_languages,
        "version": MANIFEST_VERSION,
        "micro": {
            "probability_cutoff": round(model.probability_cutoff, 4),
            "feature_step_size": FEATURE_STEP_MS,
            "sliding_window_size": model.sliding_window_size,
            "tensor_arena_size": model.tensor_arena_size,
            "minimum_esphome_version": MINIMUM_ESPHOME_VERSION,
        },
    }


def esphome_yaml(model: WakeWordModel, manifest_url: str) -> str:
    return (
        "# The wake word for an ESPHome voice device (ESP32-S3, e.g. Home Assistant Voice PE).\n"
        "micro_wake_word:\n"
        "  models:\n"
        f"    - model: {manifest_url}\n"
    )


_README = """# {wake_word}: an ESPHome wake word

Made with Chorus. `{name}.json` is the manifest ESPHome's `micro_wake_word` reads, and `{name}.tflite` is the
streaming int8 model it names. `model_card.md` says what the model was trained on and how well it does.

1. Put `{name}.json` and `{name}.tflite` side by side at a URL your device can reach: a GitHub repository
   (use the raw file URL), a web server, or Home Assistant's `www` folder
   (`http://homeassistant.local:8123/local/{name}.json`).
2. Add `esphome.yaml`'s `micro_wake_word:` block to the device's configuration, with that URL, and install.

The model fires when the mean of its last {window} probabilities exceeds {cutoff}; raise the cutoff in the
manifest for fewer false wakes, lower it for fewer misses.
"""


def esphome_package(model: WakeWordModel, *, model_card: str, manifest_url: str = "") -> bytes:
    """A zip: `<name>.json`, `<name>.tflite`, `model_card.md`, `esphome.yaml` and `README.md`."""
    url = manifest_url or f"https://example.org/wake-words/{model.name}.json"
    manifest = esphome_manifest(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{model.name}.json", json.dumps(manifest, indent=2) + "\n")
        archive.writestr(f"{model.name}.tflite", model.model_bytes)
        archive.writestr("model_card.md", model_card)
        archive.writestr("esphome.yaml", esphome_yaml(model, url))
        archive.writestr(
            "README.md",
            _README.format(
                wake_word=model.wake_word,
                name=model.name,
                window=model.sliding_window_size,
                cutoff=manifest["micro"]["probability_cutoff"],
            ),
        )
    return buffer.getvalue()
