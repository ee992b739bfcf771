"""Who may download, and the recorded download itself: shared by the API and the pages."""
from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse

from collector.errors import ApplicationError, Conflict
from exporter.models import Download, Release, TermsAcceptance
from exporter.terms import TERMS_VERSION
from training.models import TrainingJob


class LoginRequired(ApplicationError):
    status_code = 401
    code = "login_required"


class TermsRequired(ApplicationError):
    status_code = 403
    code = "terms_required"


class Withdrawn(ApplicationError):
    status_code = 410
    code = "withdrawn"


def terms_accepted(user) -> bool:
    return bool(user and user.is_authenticated) and TermsAcceptance.objects.filter(user=user, version=TERMS_VERSION).exists()


def terms_accept(*, user) -> TermsAcceptance:
    acceptance, _ = TermsAcceptance.objects.get_or_create(user=user, version=TERMS_VERSION)
    return acceptance


def check_may_download(user) -> None:
    if not (user and user.is_authenticated):
        raise LoginRequired("log in to download: datasets and models go to accounts that accepted the dataset terms (sign up at /accounts/signup/)")
    if not terms_accepted(user):
        raise TermsRequired(f"accept the dataset terms (version {TERMS_VERSION}) first: POST /api/dataset-terms/ or visit /releases/terms/")


def check_release_downloadable(release: Release) -> None:
    """`release` must carry the `withdrawn` annotation (exporter.releases.with_withdrawn_counts)."""
    if release.state != Release.State.SUCCEEDED:
        raise Conflict(f"release {release.name} is {release.state} ({release.progress:.0%} built): try again when it has succeeded", code="not_ready")
    if release.withdrawn:
        newer = (Release.objects.filter(campaign=release.campaign, state=Release.State.SUCCEEDED, created_at__gt=release.created_at)
                 .order_by("-created_at").values_list("name", flat=True).first())
        hint = f"download release {newer} instead" if newer else "a new release without them is needed"
        raise Withdrawn(f"release {release.name} holds {release.withdrawn} clips whose speakers withdrew consent, so it is no longer served: {hint}")


def release_download(*, user, release: Release) -> FileResponse:
    check_may_download(user)
    check_release_downloadable(release)
    Download.objects.create(user=user, release=release)
    return FileResponse(default_storage.open(release.archive.name, "rb"), as_attachment=True,
                        filename=f"{release.campaign.slug}-{release.name}.tar.gz", content_type="application/gzip")


def model_package_download(*, user, job: TrainingJob) -> FileResponse:
    """Staff may always fetch a package; others need the terms, and no package of a model trained on withdrawn data."""
    from exporter.model_package import model_package_filename, write_model_package

    if not user.is_staff:
        check_may_download(user)
        if job.trained_on_withdrawn_data:
            hint = f"use job {job.retrained_as.order_by('-id').first().id}" if job.retrained_as.exists() else "it must be retrained first"
            raise Withdrawn(f"job {job.id} was trained on {job.withdrawn_clips} clips whose speakers withdrew consent: {hint}")
    scratch = Path(settings.VAR_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    package = tempfile.TemporaryFile(dir=scratch)
    try:
        write_model_package(job, package)
    except Exception:
        package.close()
        raise
    package.seek(0)
    if user.is_authenticated:
        Download.objects.create(user=user, job=job)
    return FileResponse(package, as_attachment=True, filename=model_package_filename(job), content_type="application/zip")

