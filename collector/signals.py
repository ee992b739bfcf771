"""Signals later stages listen to, so that the collector and labeling need not know about them."""

from __future__ import annotations

from django.dispatch import Signal

from core.rows import Statement

# Sent inside the erasure's transaction, after the clips are gone: kwargs campaign_id, clip_ids (list of UUID).
clips_erased = Signal()

# Sent inside the transaction that makes clips valid (their rows locked): kwargs clip_ids. Each receiver
# returns a list of core.rows statements, which the sender runs with its own writes: a vote stays one
# round trip, and a clip is never valid without what the later stages need of it (its preparation row).
clips_validated = Signal()


def clips_validated_statements(*, clip_ids: list) -> list[Statement]:
    """What the later stages write when these clips become valid, for the caller to run in its transaction."""
    return [
        statement for _, statements in clips_validated.send(sender=None, clip_ids=clip_ids) for statement in statements
    ]


# Sent when a volunteer's clips are listed for them: kwargs clip_ids. Each receiver returns
# {clip_id: {field: value}}, what its stage adds to each clip's listing (labeling: why reviewers said no).
clips_listed = Signal()


def clips_listing_extras(*, clip_ids: list) -> dict:
    """clip id -> the fields later stages add to the volunteer's listing of that clip."""
    extras: dict = {}
    for _, contributed in clips_listed.send(sender=None, clip_ids=clip_ids):
        for clip_id, fields in contributed.items():
            extras.setdefault(clip_id, {}).update(fields)
    return extras
