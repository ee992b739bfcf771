"""A speaker erased while a real worker cleans their clips: no derived file of theirs survives the batch."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from collector import services as collector_services
from collector.models import Clip, Contributor
from core.storage_paths import derived_name
from kws import cleaning
from kws.audio import encode_wav, read_wav
from preparation import services
from preparation.models import PreparedClip
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_import_dataset import run
from tests.factories import clip_validated
from tests.fixtures.worker import start_worker, stop_worker
from tests.preparation.test_worker_crash import wait_for
from tests.services import require_redis
from tests.storage_scan import left_behind, sha256

LEAVING, STAYING = 300, 30


def two_speakers(root):
    for i in range(LEAVING + STAYING):
        speaker = "s0000" if i < LEAVING else "s0001"
        word = ["yes", "no", "up"][i % 3]
        (root / word).mkdir(parents=True, exist_ok=True)
        (root / word / f"{speaker}_nohash_{i}.wav").write_bytes(wav_bytes(tone(1.0, seed=i)))
    return root


def cleaned_bytes(raw: bytes) -> bytes:
    """What the pipeline stores for this upload (derived/<clip>/clean.wav), computed here."""
    params = cleaning.CleaningParams()
    samples, rate = read_wav(raw)
    return encode_wav(cleaning.clean(samples, rate, params), params.sample_rate)


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as f:
        return f.read()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_speaker_erased_mid_batch_leaves_no_derived_file(demo_campaign, settings, tmp_path):
    require_redis()
    queue = f"prepare-erase-{uuid.uuid4().hex[:8]}"
    settings.CHORUS_PREPARE_QUEUE = queue
    settings.MEDIA_ROOT = str(tmp_path / "media")
    run(str(two_speakers(tmp_path / "sc")), "--campaign", demo_campaign.slug, "--validated", "--source", "race")
    leaving = Contributor.objects.get(external_key__endswith="s0000")
    raw = [stored(name) for name in Clip.objects.filter(contributor=leaving).values_list("audio", flat=True)]
    voice = {sha256(b) for b in raw} | {sha256(cleaned_bytes(b)) for b in raw}
    assert len(voice) == 2 * LEAVING
    staying = PreparedClip.objects.exclude(clip__contributor=leaving)

    worker = start_worker(
        media_root=tmp_path / "media",
        log_path=tmp_path / "worker.log",
        queues=queue,
        extra_env={"CHORUS_PREPARE_QUEUE": queue, "CHORUS_PREPARE_BATCH": "400", "CHORUS_PREPARE_LEASE_S": "60"},
    )
    try:
        # one batch holds every clip: erase while the worker has claimed it and is cleaning
        assert wait_for(lambda: PreparedClip.objects.filter(state="running").exists(), 90), worker.log()
        assert collector_services.contributor_erase(contributor=leaving) == LEAVING
        assert wait_for(lambda: staying.filter(state="done").count() == STAYING, 120, 0.2), worker.log()
    finally:
        stop_worker(worker)

    assert left_behind(settings.MEDIA_ROOT, voice) == {}
    assert not PreparedClip.objects.filter(clip__contributor_id=leaving.id).exists()
    for prepared in staying.select_related("clip"):  # the scan would have seen them: the same bytes as computed
        assert stored(prepared.cleaned_audio.name) == cleaned_bytes(stored(prepared.clip.audio.name))


@pytest.mark.django_db(transaction=True)
def test_the_periodic_sweep_deletes_derived_files_whose_clip_is_gone(demo_campaign):
    from config.celery import app

    kept = clip_validated(demo_campaign)
    services.preparation_run(claims=services.preparation_claim(limit=5))
    kept_name = PreparedClip.objects.get(clip=kept).cleaned_audio.name
    orphan_id = uuid.uuid4()  # a clip erased while a worker (of an older version, or crashed) was writing
    orphan = {default_storage.save(derived_name(orphan_id, n), ContentFile(b"RIFF" + n.encode())) for n in ("a", "b")}

    assert services.derived_orphans_sweep() == 2
    assert not any(default_storage.exists(n) for n in orphan) and default_storage.exists(kept_name)
    assert services.derived_orphans_sweep() == 0
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert services.SWEEP_DERIVED_TASK in scheduled and services.SWEEP_DERIVED_TASK in app.tasks
