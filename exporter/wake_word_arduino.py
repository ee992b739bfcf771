"""A wake-word job as an Arduino package: the sketch that computes the TFLite Micro frontend's features in C and
runs the streaming model as ESPHome does, with the model, its card and its metrics."""

from __future__ import annotations

import json
from typing import BinaryIO

from exporter.esphome_export import esphome_model
from exporter.model_package import metrics_json, quality_warning, withdrawn_warning, write_deterministic_zip
from kws import wake_word_firmware
from kws.package import STAGES
from training.models import TrainingJob


def wake_word_arduino_filename(job: TrainingJob) -> str:
    marked = "-FAILED-QUALITY-CHECK" if job.state == TrainingJob.State.FAILED_QUALITY else ""
    return f"chorus-{job.campaign.slug}-job-{job.id}-arduino{marked}.zip"


def wake_word_arduino_entries(job: TrainingJob) -> dict[str, bytes]:
    model = esphome_model(job)  # the same model, cutoff and window ESPHome gets; refuses what has none
    sketch = wake_word_firmware.render_wake_word_sketch(
        model_int8=model.model_bytes,
        phrase=job.metrics["phrase"],
        probability_cutoff=model.probability_cutoff,
        sliding_window_size=model.sliding_window_size,
        arena_bytes=job.arena_bytes,
    )
    warning = quality_warning(job) + withdrawn_warning(job)
    sketch_readme = sketch.pop(f"{wake_word_firmware.WAKE_SKETCH_NAME}/README.md")
    return {
        "README.md": warning.encode() + sketch_readme,
        "model_card.md": (warning + job.model_card).encode(),
        "metrics.json": (json.dumps(metrics_json(job), indent=2, sort_keys=True) + "\n").encode(),
        f"{model.name}.tflite": model.model_bytes,
        **dict(sorted(sketch.items())),
    }


def write_wake_word_arduino_package(job: TrainingJob, fileobj: BinaryIO, *, on_progress=None) -> list[str]:
    """Write the package and return its entry names; `on_progress(done, total)` as the other writers call it."""
    report = on_progress or (lambda done, total: None)
    report(1, len(STAGES))
    entries = wake_word_arduino_entries(job)
    write_deterministic_zip(entries, fileobj)
    report(len(STAGES), len(STAGES))
    return list(entries)
