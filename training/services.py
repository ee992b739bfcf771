"""Writes of the preparation pipeline."""
from __future__ import annotations

import io
import logging

import soundfile as sf
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from collector.models import Clip
from collector.storage_paths import derived_name
from kws import cleaning
from kws.audio import encode_wav
from training.models import PreparedClip

logger = logging.getLogger(__name__)


def preparation_trigger(*, clip: Clip) -> PreparedClip | None:
    """Called in the transaction that makes a clip valid: queue it for preparation exactly once."""
    preparation, created = PreparedClip.objects.get_or_create(clip=clip)
    if not created:
        return None
    from training.tasks import prepare_clip

    transaction.on_commit(lambda: prepare_clip.delay(preparation.id))
    return preparation


def clip_prepare(*, preparation_id: int) -> PreparedClip | None:
    """Clean one valid clip into its derived 1 s file. Claims the row first, so a redelivery does nothing."""
    claimed = PreparedClip.objects.filter(id=preparation_id, state=PreparedClip.State.QUEUED).update(
        state=PreparedClip.State.RUNNING, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    preparation = PreparedClip.objects.select_related("clip").get(id=preparation_id)
    params = cleaning.CleaningParams()
    with preparation.clip.audio.open("rb") as f:
        samples, rate = sf.read(io.BytesIO(f.read()), dtype="float32", always_2d=True)
    fields = {"finished_at": timezone.now(), "cleaning_params": params.as_dict()}
    try:
        cleaned = cleaning.clean(samples, rate, params)
    except cleaning.TooQuiet as exc:
        fields.update(state=PreparedClip.State.DROPPED, error=str(exc))
    else:
        name = default_storage.save(derived_name(preparation.clip_id, "clean.wav"), ContentFile(encode_wav(cleaned, params.sample_rate)))
        fields.update(state=PreparedClip.State.DONE, cleaned_audio=name, error="")
    PreparedClip.objects.filter(id=preparation_id).update(**fields)
    preparation.refresh_from_db()
    return preparation
