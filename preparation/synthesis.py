"""Starter voices for a campaign: synthetic clips (collector.synthesis) plus noise beds to cut silence from."""

from __future__ import annotations

from collections.abc import Callable

from collector.models import Campaign
from collector.synthesis import DEFAULT_TAKES, DEFAULT_VOICES, SynthesisReport, campaign_synthesize
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
