"""Where a clip's files live. Everything derived from a clip sits under one prefix, so erasure finds it all."""

import uuid


def clip_name(campaign_slug: str, clip_id: uuid.UUID) -> str:
    return f"clips/{campaign_slug}/{clip_id}.wav"


DERIVED_ROOT = "derived/"


def derived_prefix(clip_id) -> str:
    return f"{DERIVED_ROOT}{clip_id}/"


def derived_name(clip_id, filename: str) -> str:
    return f"{derived_prefix(clip_id)}{filename}"
