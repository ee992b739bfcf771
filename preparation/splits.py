"""Which split a prepared clip is used in: its speaker's split, except synthetic voices when people are there."""

from __future__ import annotations

TESTING, TRAINING = "testing", "training"


def split_used(split: str, *, synthetic: bool, has_recorded_voices: bool) -> str:
    """With recorded voices in the data, synthetic voices never test: test figures are about people. Their
    test-split clips train instead. Without recorded voices, held-out synthetic voices are the test set."""
    if synthetic and has_recorded_voices and split == TESTING:
        return TRAINING
    return split
