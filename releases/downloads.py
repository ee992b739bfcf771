"""Who may download (accounts that accepted the dataset terms), and the recorded release download itself:
shared by the API and the pages, and by the exporter's model packages."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse

from core.errors import ApplicationError, Conflict
from releases.models import Download, Release, TermsAcceptance
from releases.terms import TERMS_VERSION


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
    return (
        bool(user and user.is_authenticated)
        and TermsAcceptance.objects.filter(user=user, version=TERMS_VERSION).exists()
    )


def terms_accept(*, user) -> TermsAcceptance:
    acceptance, _ = TermsAcceptance.objects.get_or_create(user=user, version=TERMS_VERSION)
    return acceptance


def check_may_download(*, user) -> None:
    if not (user and user.is_authenticated):
        raise LoginRequired(
            "log in to download: datasets and models go to accounts that accepted the dataset terms "
            "(sign up at /accounts/signup/)"
        )
    if not terms_accepted(user):
        raise TermsRequired(
            f"accept the dataset terms (version {TERMS_VERSION}) first: "
            "POST /api/dataset-terms/ or visit /releases/terms/"
        )


def check_release_downloadable(*, release: Release) -> None:
    """`release` must carry the `withdrawn` annotation (releases.selectors.with_withdrawn_counts)."""
    if release.state != Release.State.SUCCEEDED:
        raise Conflict(
            f"release {release.name} is {release.state} ({release.progress:.0%} built): "
            "try again when it has succeeded",
            code="not_ready",
        )
    if release.withdrawn:
        newer = (
            Release.objects.filter(
                campaign=release.campaign, state=Release.State.SUCCEEDED, created_at__gt=release.created_at
            )
            .order_by("-created_at")
            .values_list("name", flat=True)
            .first()
        )
        hint = f"download release {newer} instead" if newer else "a new release without them is needed"
        raise Withdrawn(
            f"release {release.name} holds {release.withdrawn} clips whose speakers withdrew consent, "
            f"so it is no longer served: {hint}"
        )


def release_download(*, user, release: Release) -> FileResponse:
    check_may_download(user=user)
    check_release_downloadable(release=release)
    Download.objects.create(user=user, release=release)
    return FileResponse(
        default_storage.open(release.archive.name, "rb"),
        as_attachment=True,
        filename=f"{release.campaign.slug}-{release.name}.tar.gz",  # = build.release_folder: unpacks into that
        content_type="application/gzip",
    )
