from celery import shared_task

from labeling.services import REEVALUATE_REVIEWER_TASK, reviewer_reevaluate


@shared_task(name=REEVALUATE_REVIEWER_TASK, acks_late=True)
def reevaluate_reviewer(reviewer_id: str) -> int:
    """Re-decide a reviewer's clips after their weight changed (safe to run twice)."""
    return reviewer_reevaluate(reviewer_id=reviewer_id)
