import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError

from preparation import services, synthesis
from preparation.heartbeat import leases_kept

logger = logging.getLogger(__name__)
TRANSIENT = (DatabaseError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(name=services.PREPARE_BATCH_TASK, bind=True, acks_late=True, max_retries=8)
def prepare_batch(self) -> dict:
    """Drain the preparation queue in chunks. Safe to run twice: rows are claimed before work."""
    cache.delete(services.BATCH_SCHEDULED_KEY)  # clips turning valid from now on schedule another run
    totals = {"done": 0, "dropped": 0, "failed": 0, "fenced_out": 0}
    while claims := services.preparation_claim(limit=settings.CHORUS_PREPARE_BATCH):
        try:
            with leases_kept(claims=claims):  # a short lease, renewed while this worker lives
                result = services.preparation_run(claims=claims)
        except TRANSIENT as exc:
            services.preparation_release(claims=claims)
            raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
        for key in totals:
            totals[key] += getattr(result, key)
    # Claims still held elsewhere may belong to a worker that died: look again when their lease ends.
    if (wait := services.preparation_next_lease_expiry_s()) is not None:
        prepare_batch.apply_async(countdown=wait)
    return totals


@shared_task(name=services.SWEEP_DERIVED_TASK, acks_late=True)
def sweep_derived() -> int:
    """Periodic (config.celery's beat schedule): derived files left by clips erased while being written."""
    return services.derived_orphans_sweep()


@worker_ready.connect
def _take_over_unfinished_work(sender=None, **kwargs) -> None:
    """A starting worker picks up what dead workers left queued or half-done."""
    prepare_batch.apply_async()


@shared_task(name=synthesis.SYNTHESIZE_TASK)
def synthesize(run_id: int) -> dict:
    """The admin's "synthesize starter voices" action, off the request; progress goes on the run."""
    run = synthesis.synthesis_run(run_id=run_id)
    logger.info("synthesized %d clips from %d voices for %s", run.clips_created, run.voices, run.campaign.slug)
    return {"created": run.clips_created, "voices": run.voices}
