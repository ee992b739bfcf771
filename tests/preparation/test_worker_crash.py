"""A worker killed with SIGKILL in the middle of a batch loses nothing and nothing is done twice."""

import os
import re
import signal
import time
import uuid

import pytest

from preparation.models import ClipFeatures, PreparedClip
from tests.collector.test_import_dataset import run
from tests.fixtures.worker import start_worker, stop_worker
from tests.services import require_redis

pytestmark = pytest.mark.worker
CLIPS = 1500


def synthetic_dataset(root):
    from tests.audio_factory import tone, wav_bytes

    for i in range(CLIPS):
        word = ["yes", "no", "up"][i % 3]
        (root / word).mkdir(parents=True, exist_ok=True)
        (root / word / f"s{i % 97:04d}_nohash_{i}.wav").write_bytes(wav_bytes(tone(1.0, seed=i)))
    return root


def wait_for(condition, timeout, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_then_a_new_worker_finishes_every_clip_exactly_once(demo_campaign, settings, tmp_path):
    require_redis()
    queue = f"prepare-crash-{uuid.uuid4().hex[:8]}"
    settings.CHORUS_PREPARE_QUEUE = queue
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker_env = {"CHORUS_PREPARE_QUEUE": queue, "CHORUS_PREPARE_BATCH": "32", "CHORUS_PREPARE_LEASE_S": "3"}
    run(str(synthetic_dataset(tmp_path / "sc")), "--campaign", demo_campaign.slug, "--validated", "--source", "crash")
    assert PreparedClip.objects.filter(state="queued").count() == CLIPS

    first = start_worker(
        media_root=tmp_path / "media", log_path=tmp_path / "first.log", queues=queue, extra_env=worker_env
    )
    try:
        # Results are written per batch: right after one lands, the next may not be claimed yet. Kill
        # when some are done and a batch is in flight.
        in_flight = PreparedClip.objects.filter(state="running")
        assert wait_for(lambda: PreparedClip.objects.filter(state="done").count() >= 200 and in_flight.exists(), 90), (
            first.log()
        )
        os.killpg(first.process.pid, signal.SIGKILL)  # the worker and its pool children, with no chance to clean up
        first.process.wait()
        stop_worker(first)  # waits until the whole group is gone
    finally:
        if first.process.poll() is None:
            os.killpg(first.process.pid, signal.SIGKILL)
    claimed_by_the_dead = set(PreparedClip.objects.filter(state="running").values_list("id", flat=True))
    done_before = PreparedClip.objects.filter(state="done").count()
    assert claimed_by_the_dead, "the kill landed between batches; nothing was in flight"
    assert done_before < CLIPS

    second = start_worker(
        media_root=tmp_path / "media", log_path=tmp_path / "second.log", queues=queue, extra_env=worker_env
    )
    try:
        assert wait_for(lambda: PreparedClip.objects.filter(state="done").count() == CLIPS, 120, 0.2), second.log()
    finally:
        stop_worker(second)

    assert ClipFeatures.objects.count() == CLIPS  # one result per clip: nothing lost, nothing twice
    assert set(ClipFeatures.objects.values_list("preparation_id", flat=True)) == set(
        PreparedClip.objects.values_list("id", flat=True)
    )
    attempts = dict(PreparedClip.objects.values_list("id", "attempts"))
    assert {attempts[i] for i in claimed_by_the_dead} == {2}  # taken over once, after the dead worker's lease ended
    assert set(attempts.values()) <= {1, 2}
    assert sum(1 for a in attempts.values() if a == 2) == len(claimed_by_the_dead)


@pytest.mark.django_db(transaction=True)
def test_a_live_workers_batch_outlasting_its_lease_is_not_taken_over(demo_campaign, settings, tmp_path):
    """A lease far shorter than the batch: another worker looking for dead workers' claims finds none while the
    worker doing them lives, because its heartbeat renews them."""
    from preparation import services

    require_redis()
    queue = f"prepare-beat-{uuid.uuid4().hex[:8]}"
    settings.CHORUS_PREPARE_QUEUE = queue
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker_env = {"CHORUS_PREPARE_QUEUE": queue, "CHORUS_PREPARE_BATCH": str(CLIPS), "CHORUS_PREPARE_LEASE_S": "1"}
    run(str(synthetic_dataset(tmp_path / "sc")), "--campaign", demo_campaign.slug, "--validated", "--source", "beat")
    worker = start_worker(
        media_root=tmp_path / "media", log_path=tmp_path / "w.log", queues=queue, extra_env=worker_env
    )
    try:
        assert wait_for(lambda: PreparedClip.objects.filter(state="running").exists(), 60), worker.log()
        time.sleep(2.5)  # well past the 1 s lease the claim was made with
        assert PreparedClip.objects.filter(state="running").count() == CLIPS, "the batch ended too soon to prove it"
        assert services.preparation_claim(limit=CLIPS) == []  # what another worker would take over: nothing
        assert wait_for(lambda: PreparedClip.objects.filter(state="done").count() == CLIPS, 120, 0.2), worker.log()
    finally:
        stop_worker(worker)
    assert set(PreparedClip.objects.values_list("attempts", flat=True)) == {1}
    assert set(re.findall(r"'fenced_out': (\d+)", worker.log_path.read_text())) == {"0"}


@pytest.mark.django_db
def test_a_heartbeat_renews_only_the_claims_its_worker_still_holds(demo_campaign):
    from datetime import timedelta

    from django.utils import timezone

    from preparation import services
    from preparation.heartbeat import leases_renew
    from tests.factories import clip_validated

    for _ in range(3):
        clip_validated(demo_campaign)
    claims = services.preparation_claim(limit=3)
    lost = claims[0][0]
    PreparedClip.objects.filter(id=lost).update(attempts=5)  # taken over by another worker meanwhile
    expired = timezone.now() - timedelta(seconds=1)
    PreparedClip.objects.update(lease_until=expired)
    assert leases_renew(claims=claims) == 2
    leases = dict(PreparedClip.objects.values_list("id", "lease_until"))
    assert leases[lost] == expired and all(leases[i] > timezone.now() for i, _ in claims[1:])
