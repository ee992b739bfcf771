from celery import shared_task

from labeling.services import reviewer_reevaluate


@shared_task(name="labeling.reevaluate_reviewer", acks_late=True)
def reevaluate_reviewer(reviewer_id: str) -> int:
    """Re-decide a reviewer's clips after their weight changed (safe to run twice)."""
    return reviewer_reevaluate(reviewer_id=reviewer_id)
