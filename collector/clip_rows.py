"""Clips that arrive in bulk (dataset imports, synthetic voices): each stored and measured, then all written at once.

One place decides which Clip fields follow from decoded audio, and that no audio file outlives a failed write.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from collector.models import Campaign, Clip, Contributor, Keyword
from collector.signals import clips_validated_statements
from core.rows import statements_run
from core.storage_paths import clip_name
from kws import audio as kws_audio
from kws import quality


def audio_sha256(decoded: kws_audio.DecodedAudio) -> str:
    return hashlib.sha256(decoded.wav_bytes).hexdigest()


class ClipBatch:
    """Rows whose audio is already in storage, written together by `write()`; `discard()` deletes their files."""

    def __init__(self) -> None:
        self.rows: list[Clip] = []

    def add(
        self,
        *,
        campaign: Campaign,
        keyword: Keyword,
        contributor: Contributor,
        decoded: kws_audio.DecodedAudio,
        metrics: quality.QualityMetrics | None = None,
        **fields,
    ) -> Clip:
        """Store the clip's audio and hold its row; `fields` are the rest (source, licence, status, ...).
        `metrics` when the caller measured the audio already."""
        metrics = metrics or quality.measure(decoded.samples, kws_audio.TARGET_SAMPLE_RATE)
        clip_id = uuid.uuid4()
        name = default_storage.save(clip_name(campaign.slug, clip_id), ContentFile(decoded.wav_bytes))
        row = Clip(
            id=clip_id,
            campaign=campaign,
            keyword=keyword,
            contributor=contributor,
            consent=None,
            audio=name,
            sha256=audio_sha256(decoded),
            duration_s=round(decoded.duration_s, 4),
            sample_rate=kws_audio.TARGET_SAMPLE_RATE,
            num_samples=len(decoded.samples),
            original_sample_rate=decoded.original_sample_rate,
            original_channels=decoded.original_channels,
            original_format=decoded.original_format,
            **metrics.as_dict(),
            **fields,
        )
        self.rows.append(row)
        return row

    def write(self) -> None:
        """Insert every row in one transaction and queue the later stages' work on the valid ones (their
        preparation) in it too."""
        with transaction.atomic():
            Clip.objects.bulk_create(self.rows)
            valid = [r.id for r in self.rows if r.status == Clip.Status.VALID]
            if valid:
                statements_run(clips_validated_statements(clip_ids=valid))

    def discard(self) -> None:
        for row in self.rows:  # no file without its row
            default_storage.delete(row.audio.name)
        self.rows = []


@contextmanager
def clip_batch() -> Iterator[ClipBatch]:
    """`with clip_batch() as batch: batch.add(...)`: the rows are written when the block ends; if anything
    fails, in the block or in the write, every file it stored is deleted."""
    batch = ClipBatch()
    try:
        yield batch
        batch.write()
    except BaseException:
        batch.discard()
        raise
