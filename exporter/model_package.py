"""A trained job as one model package: the zip a firmware engineer needs to put the model on a microcontroller.

The job's artefacts are gathered here and built into files by one function (kws.package.package_entries);
the README is a template (exporter/templates/exporter/package_README.md). The zip is deterministic (fixed
entry order, timestamps and permissions), so two exports of a job are the same bytes.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from django.template.loader import render_to_string

from core.errors import Conflict
from kws import anonymity, firmware
from kws.package import FIRMWARE_DIR, GOLDEN_VECTORS, STAGES, PackageArtefacts, ProgressCallback, package_entries
from training.models import TrainingJob

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no export time leaks into the bytes
ZIP_FILE_MODE = 0o100644


def model_package_filename(job: TrainingJob) -> str:
    marked = "-FAILED-QUALITY-CHECK" if job.state == TrainingJob.State.FAILED_QUALITY else ""
    return f"chorus-{job.campaign.slug}-job-{job.id}-model{marked}.zip"


def write_model_package(
    job: TrainingJob, fileobj: BinaryIO, *, on_progress: ProgressCallback | None = None
) -> list[str]:
    """Write the job's model package to a binary file object and return its entry names, in zip order.

    `on_progress(done, total)` is called after each of the STAGES. Refuses (Conflict) a job without a model; one
    that failed its quality check is exported marked so (who may fetch it is exporter.downloads' business).
    """
    if not job.finished_with_model:
        raise Conflict(
            f"training job {job.id} is {job.state}: only a finished job has a model to export",
            code="job_not_succeeded",
        )
    report = on_progress or (lambda done, total: None)
    entries = package_entries(job_artefacts(job), on_progress=report)
    write_deterministic_zip(entries, fileobj)
    report(len(STAGES), len(STAGES))
    return list(entries)


def write_deterministic_zip(entries: dict[str, bytes], fileobj: BinaryIO) -> None:
    """The entries in their order, with fixed timestamps and permissions: two exports are the same bytes."""
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ZIP_FILE_MODE << 16
            archive.writestr(info, data, compresslevel=9)


def job_artefacts(job: TrainingJob) -> PackageArtefacts:
    """What the job left in storage and in its row, ready for kws.package."""
    warning = quality_warning(job) + withdrawn_warning(job)
    readme = render_to_string(
        "exporter/package_README.md",
        {
            "job": job,
            "params": job.features,
            "warning": warning,
            "golden_vectors": GOLDEN_VECTORS,
            "firmware_dir": FIRMWARE_DIR,
            "sketch_name": firmware.SKETCH_NAME,
        },
    )
    return PackageArtefacts(
        model_int8=_stored(job, "model_int8"),
        model_float=_stored(job, "model_float"),
        labels=job.labels,
        feature_params=job.features,
        normalization=job.normalization,
        arena_bytes=job.arena_bytes,
        recognizer=job.recognizer_params,
        readme=readme,
        model_card=warning + job.model_card,
        metrics=metrics_json(job),
    )


def _stored(job: TrainingJob, field: str) -> bytes:
    file = getattr(job, field)
    if not file:
        raise Conflict(f"training job {job.id} has no stored {field}", code="missing_artifact")
    with file.open("rb") as f:
        return f.read()


def quality_warning(job: TrainingJob) -> str:
    """The paragraph heading the README and model card of a model that failed its quality gates ('' if passed)."""
    if job.state != TrainingJob.State.FAILED_QUALITY:
        return ""
    reasons = "; ".join(job.quality_gate.get("reasons", [])) or "see metrics.json"
    return (
        f"> **FAILED QUALITY CHECK: not for use.** {reasons}. Staff may study this package; it is not offered "
        "to developers.\n\n"
    )


def withdrawn_warning(job: TrainingJob) -> str:
    """The paragraph heading the README and the model card of a model trained on since-withdrawn clips ('' if none)."""
    if not job.trained_on_withdrawn_data:
        return ""
    return (
        f"> **WARNING: this model was trained on withdrawn data.** "
        f"{job.withdrawn_clips} of the {len(job.clip_ids)} clips it "
        "learned from have since been withdrawn by the people who recorded them. Do not ship or share this model; "
        "train a new one without them.\n\n"
    )


def metrics_json(job: TrainingJob) -> dict:
    return {
        **job.metrics,
        "groups": published_groups(job.metrics.get("groups", {})),
        "job_id": job.id,
        "campaign": job.campaign.slug,
        "architecture": job.architecture,
        "labels": job.labels,
        "feature_params_hash": job.feature_params_hash,
        "code_version": job.code_version,
        "arena_bytes": job.arena_bytes,
        "ops": job.ops,
        "trained_on_withdrawn_data": job.trained_on_withdrawn_data,
        "withdrawn_clips": job.withdrawn_clips,
    }


def published_groups(groups: dict) -> dict:
    """Per-group results under the rule of five: jobs evaluated before it was applied (kws.evaluation.per_group)
    stored groups of any size and no speaker count; only groups known to hold K or more speakers leave, and a
    best or worst naming another is dropped with the gap."""
    out = {}
    for field, result in groups.items():
        kept = {g: v for g, v in result.get("groups", {}).items() if v.get("speakers", 0) >= anonymity.K}
        named = {result.get("best"), result.get("worst")} - {None}
        ends = {} if named <= set(kept) else {"best": None, "worst": None, "gap": None}
        out[field] = {**result, "groups": kept, **ends}
    return out
