"""Publishing: staff put a job's model on the public Models page. Only a model that passed its quality gates and
learned from no withdrawn data can be published; erasures later take it off the download list by themselves."""

from __future__ import annotations

from django.utils import timezone

from core.errors import Conflict
from training.models import TrainingJob


def model_publish(*, job: TrainingJob, user) -> TrainingJob:
    if job.state == TrainingJob.State.FAILED_QUALITY:
        reasons = "; ".join(job.quality_gate.get("reasons", []))
        raise Conflict(
            f"job {job.id} failed its quality check ({reasons}): it cannot be published", code="failed_quality"
        )
    if job.state != TrainingJob.State.SUCCEEDED:
        raise Conflict(
            f"job {job.id} is {job.state}: only a finished, passing job can be published", code="not_finished"
        )
    if job.trained_on_withdrawn_data:
        raise Conflict(
            f"job {job.id} learned from {job.withdrawn_clips} withdrawn clips: retrain it, then publish the new job",
            code="withdrawn",
        )
    if job.published_at is None:
        TrainingJob.objects.filter(id=job.id, published_at=None).update(published_at=timezone.now(), published_by=user)
        job.refresh_from_db()
    return job


def model_unpublish(*, job: TrainingJob) -> TrainingJob:
    TrainingJob.objects.filter(id=job.id).update(published_at=None, published_by=None)
    job.refresh_from_db()
    return job


def published_models():
    """Every published model, newest first, withdrawn ones included (they say so and are not downloadable)."""
    return (
        TrainingJob.objects.filter(published_at__isnull=False, state=TrainingJob.State.SUCCEEDED)
        .select_related("campaign")
        .defer("clip_ids", "history")
        .order_by("-published_at")
    )
