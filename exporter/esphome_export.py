"""A wake-word job as the package ESPHome's micro_wake_word loads: manifest, streaming model, model card, YAML."""

from __future__ import annotations

import io
import math
import zipfile
from typing import BinaryIO

from core.errors import Conflict
from exporter.model_package import _stored, quality_warning, withdrawn_warning
from kws.esphome import WakeWordModel, esphome_package
from kws.package import STAGES
from training.models import TrainingJob

# ESP-NN's optimized kernels take scratch buffers the reference kernels measured here do not: leave headroom.
ARENA_HEADROOM = 1.15


def esphome_package_filename(job: TrainingJob) -> str:
    marked = "-FAILED-QUALITY-CHECK" if job.state == TrainingJob.State.FAILED_QUALITY else ""
    return f"chorus-{job.campaign.slug}-job-{job.id}-esphome{marked}.zip"


def esphome_model(job: TrainingJob) -> WakeWordModel:
    if not job.is_wake_word:
        raise Conflict(
            f"training job {job.id} is a commands model: only a wake-word campaign's jobs export to ESPHome "
            "(use the Arduino package, target=arduino)",
            code="wrong_target",
        )
    if not job.finished_with_model:
        raise Conflict(
            f"training job {job.id} is {job.state}: only a finished job has a model to export",
            code="job_not_succeeded",
        )
    chosen = job.metrics["wake_word"]["chosen"]
    return WakeWordModel(
        wake_word=job.metrics["phrase"].title(),
        model_bytes=_stored(job, "model_int8"),
        probability_cutoff=chosen["probability_cutoff"],
        sliding_window_size=chosen["sliding_window_size"],
        tensor_arena_size=int(math.ceil(job.arena_bytes * ARENA_HEADROOM / 16) * 16),
        trained_languages=[job.campaign.language.code],
        author=f"Chorus: {job.campaign.name}",
    )


def write_esphome_package(job: TrainingJob, fileobj: BinaryIO, *, on_progress=None) -> list[str]:
    """Write the package and return its entry names; `on_progress(done, total)` as the Arduino writer calls it."""
    report = on_progress or (lambda done, total: None)
    model = esphome_model(job)
    report(1, len(STAGES))
    data = esphome_package(model, model_card=quality_warning(job) + withdrawn_warning(job) + job.model_card)
    fileobj.write(data)
    report(len(STAGES), len(STAGES))
    return zipfile.ZipFile(io.BytesIO(data)).namelist()
