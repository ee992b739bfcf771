"""Speech Commands' `which_set` rule, applied to the hashed speaker id.

A speaker's clips all land in one split, and a clip's split depends only on its speaker, so it never
changes as the dataset grows.
"""

from __future__ import annotations

import hashlib

MAX_NUM_WAVS_PER_CLASS = 2**27 - 1  # the constant Speech Commands uses, kept so splits agree with it
VALIDATION_PERCENTAGE = 10.0
TESTING_PERCENTAGE = 10.0


def which_set(
    speaker_id: str,
    validation_percentage: float = VALIDATION_PERCENTAGE,
    testing_percentage: float = TESTING_PERCENTAGE,
) -> str:
    """'training', 'validation' or 'testing' for everything this speaker recorded."""
    digest = hashlib.sha1(speaker_id.encode("utf-8")).hexdigest()
    percentage = (int(digest, 16) % (MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / MAX_NUM_WAVS_PER_CLASS)
    if percentage < validation_percentage:
        return "validation"
    if percentage < testing_percentage + validation_percentage:
        return "testing"
    return "training"
