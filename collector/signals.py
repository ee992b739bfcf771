"""Signals other apps listen to, so the collector need not know about training or releases."""
from django.dispatch import Signal

# Sent inside the erasure's transaction, after the clips are gone: kwargs campaign_id, clip_ids (list of UUID).
clips_erased = Signal()
