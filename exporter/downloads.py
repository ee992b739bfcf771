"""The recorded model-package download, behind the same gate as releases (releases.downloads)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse

from core.errors import NotFound
from core.permissions import is_staff_with
from exporter.models import PackageDownload
from exporter.targets import package_writer
from releases.downloads import Withdrawn, check_may_download
from training.models import TrainingJob


def model_package_download(*, user, job: TrainingJob, target: str = "") -> FileResponse:
    """Staff who may view training jobs fetch any finished job's package (one that failed its quality check
    comes marked so). Others need the terms and a published model, not trained on withdrawn data."""
    if not is_staff_with(user, "training.view_trainingjob"):
        if job.published_at is None or job.state != TrainingJob.State.SUCCEEDED:
            raise NotFound(f"no published model {job.id}: published models are listed at /models/")
        check_may_download(user=user)
        if job.trained_on_withdrawn_data:
            hint = (
                f"use job {job.retrained_as.order_by('-id').first().id}"
                if job.retrained_as.exists()
                else "it must be retrained first"
            )
            raise Withdrawn(
                f"job {job.id} was trained on {job.withdrawn_clips} clips whose speakers withdrew consent: {hint}"
            )
    write, filename = package_writer(job, target)
    scratch = Path(settings.VAR_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    package = tempfile.TemporaryFile(dir=scratch)
    try:
        write(job, package)
    except Exception:
        package.close()
        raise
    package.seek(0)
    if user.is_authenticated:
        PackageDownload.objects.create(user=user, job=job)
    return FileResponse(package, as_attachment=True, filename=filename, content_type="application/zip")
