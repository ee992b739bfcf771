from celery import shared_task
from django.core.files.storage import default_storage

from collector.services import STORAGE_DELETE_TASK


@shared_task(name=STORAGE_DELETE_TASK, bind=True, max_retries=10, acks_late=True)
def storage_delete(self, name: str) -> None:
    """Finish an erasure whose immediate storage delete failed (e.g. S3 unreachable)."""
    try:
        default_storage.delete(name)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc
