"""Which split a prepared clip is used in: its speaker's split, except synthetic voices when people are there."""

from __future__ import annotations

TESTING, TRAINING = "testing", "training"


def split_used(split: str, *, synthetic: bool, has_recorded_voices: bool) -> str:
    """With recorded voices in the data, synthetic voices never test: test figures are about people. Their
    test-split clips train instead. Without recorded voices, held-out synthetic voices are the test set."""
    if synthetic and has_recorded_voices and split == TESTING:
        return TRAINING
    return split


def recorded_voices_present(prepared) -> bool:
    """Whether a PreparedClip queryset holds any recorded (not synthetic) voice: the `has_recorded_voices` above."""
    return prepared.filter(clip__synthetic=False).exists()


def usable_clips_kind(*, include_synthetic: bool) -> str:
    """The clips a job or a release can use, in words, for refusals: 'no {kind} clips yet'."""
    return "prepared valid" if include_synthetic else "prepared valid recorded (not synthetic)"
