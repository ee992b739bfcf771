"""Which package a job exports to: the Arduino (TFLM) package, or ESPHome's micro_wake_word package."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import ApplicationError, Conflict
from exporter.esphome_export import esphome_package_filename, write_esphome_package
from exporter.model_package import model_package_filename, write_model_package
from training.models import TrainingJob

ARDUINO, ESPHOME = "arduino", "esphome"
TARGETS = (ARDUINO, ESPHOME)


def default_target(job: TrainingJob) -> str:
    return ESPHOME if job.is_wake_word else ARDUINO


def package_writer(job: TrainingJob, target: str = "") -> tuple[Callable, str]:
    """(write(job, fileobj), file name) for the target; a wake-word job defaults to ESPHome, commands to Arduino."""
    target = target or default_target(job)
    if target not in TARGETS:
        raise ApplicationError(f"target must be one of {', '.join(TARGETS)}, not {target!r}", code="bad_value")
    if target == ESPHOME:
        return write_esphome_package, esphome_package_filename(job)
    if job.is_wake_word:
        raise Conflict(
            f"training job {job.id} is a wake-word model for ESPHome (target=esphome): its features are the TFLite "
            "Micro frontend's, which the Arduino sketch does not compute",
            code="wrong_target",
        )
    return write_model_package, model_package_filename(job)
