from celery import shared_task


@shared_task(name="exporter.build_release", acks_late=True)
def build_release(release_id: int) -> str | None:
    """Builds one release archive; redelivered after a worker crash, it starts the archive over."""
    from exporter.releases import release_build

    release = release_build(release_id=release_id)
    return release.state if release else None
