from celery import shared_task

from releases.build import release_build
from releases.services import BUILD_RELEASE_TASK


@shared_task(name=BUILD_RELEASE_TASK, acks_late=True)
def build_release(release_id: int) -> str | None:
    """Builds one release archive; redelivered after a worker crash, it starts the archive over."""
    release = release_build(release_id=release_id)
    return release.state if release else None


@shared_task(name="exporter.build_release", acks_late=True)
def build_release_queued_before_the_move(release_id: int) -> str | None:
    """The name the build had while releases lived in exporter/: a build queued before an upgrade still runs."""
    return build_release(release_id)
