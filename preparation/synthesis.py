"""Starter voices for a campaign: synthetic clips (collector.synthesis) plus noise beds to cut silence from."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from collector.models import Campaign
from collector.synthesis import (
    DEFAULT_TAKES,
    DEFAULT_VOICES,
    SynthesisReport,
    campaign_synthesize,
    synthesis_check,
)
from core.task_queue import task_enqueue
from preparation.models import SynthesisRun
from preparation.noise import synthetic_noise_ensure

SYNTHESIZE_TASK = "preparation.synthesize"


def starter_voices_add(
    *,
    campaign: Campaign,
    voices: int = DEFAULT_VOICES,
    takes: int = DEFAULT_TAKES,
    keywords: list[str] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[SynthesisReport, int]:
    """The synthetic clips, and the number of noise beds added (only for a campaign with no background noise)."""
    report = campaign_synthesize(
        campaign=campaign, voices=voices, takes=takes, keywords=keywords, seed=seed, progress=progress
    )
    return report, synthetic_noise_ensure(campaign=campaign)


def synthesis_queue(
    *,
    campaign: Campaign,
    voices: int = DEFAULT_VOICES,
    takes: int = DEFAULT_TAKES,
    keywords: list[str] | None = None,
) -> SynthesisRun:
    """A run for a worker, checked here so that bad input is refused before anything is queued; its progress
    shows on the training page while it goes."""
    synthesis_check(campaign=campaign, voices=voices, takes=takes, keywords=keywords)
    run = SynthesisRun.objects.create(campaign=campaign, voices=voices, takes=takes, keywords=keywords or [])
    transaction.on_commit(lambda: task_enqueue(SYNTHESIZE_TASK, args=[run.id]))
    return run


def synthesis_run(*, run_id: int) -> SynthesisRun:
    """Do a queued run, counting voices as they are made; a failure is kept on the run with its reason."""
    run = SynthesisRun.objects.select_related("campaign").get(id=run_id)
    SynthesisRun.objects.filter(id=run.id).update(state=SynthesisRun.State.RUNNING)

    def voice_done(done: int, total: int) -> None:
        SynthesisRun.objects.filter(id=run.id).update(voices_done=done)

    try:
        report, _ = starter_voices_add(
            campaign=run.campaign,
            voices=run.voices,
            takes=run.takes,
            keywords=run.keywords or None,
            progress=voice_done,
        )
    except Exception as exc:
        SynthesisRun.objects.filter(id=run.id).update(
            state=SynthesisRun.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    SynthesisRun.objects.filter(id=run.id).update(
        state=SynthesisRun.State.SUCCEEDED,
        clips_created=report.created,
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run
