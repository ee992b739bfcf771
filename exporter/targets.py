"""Which package a job exports to: the Arduino (TFLM) package, or ESPHome's micro_wake_word package."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import ApplicationError
from exporter.esphome_export import esphome_package_filename, write_esphome_package
from exporter.model_package import model_package_filename, write_model_package
from exporter.wake_word_arduino import wake_word_arduino_filename, write_wake_word_arduino_package
from training.models import TrainingJob

ARDUINO, ESPHOME = "arduino", "esphome"
TARGETS = (ARDUINO, ESPHOME)


def default_target(job: TrainingJob) -> str:
    return ESPHOME if job.is_wake_word else ARDUINO


def package_writer(job: TrainingJob, target: str = "") -> tuple[Callable, str]:
    """(write(job, fileobj), file name) for the target; a wake-word job defaults to ESPHome, commands to Arduino.
    A wake-word job exports to both; a commands job only to Arduino (esphome_model says why)."""
    target = target or default_target(job)
    if target not in TARGETS:
        raise ApplicationError(f"target must be one of {', '.join(TARGETS)}, not {target!r}", code="bad_value")
    if target == ESPHOME:
        return write_esphome_package, esphome_package_filename(job)
    if job.is_wake_word:
        return write_wake_word_arduino_package, wake_word_arduino_filename(job)
    return write_model_package, model_package_filename(job)
