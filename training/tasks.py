from celery import shared_task

from training.services import clip_prepare


@shared_task(name="training.prepare_clip", acks_late=True)
def prepare_clip(preparation_id: int) -> str | None:
    preparation = clip_prepare(preparation_id=preparation_id)
    return preparation.state if preparation else None
