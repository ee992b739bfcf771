"""The real path: web process -> broker (filesystem, or Redis under CI) -> a separate worker process."""

import time
from pathlib import Path

import pytest
from django.test import Client

from collector.models import Tombstone
from tests.audio_factory import tone, wav_bytes
from tests.collector.test_consent import upload
from tests.conftest import give_consent

pytestmark = pytest.mark.worker


def test_a_task_round_trips_through_the_broker_to_the_worker(worker):
    from config.celery import ping

    assert ping.delay().get(timeout=30) == "pong"


def test_an_erasure_whose_storage_delete_failed_is_finished_by_the_worker(worker, demo_campaign, monkeypatch):
    from django.core.files.storage import default_storage

    client = Client()
    give_consent(client)
    clip = upload(client, audio=wav_bytes(tone(1.0, seed=42))).json()
    path = Path(worker.media_root) / "clips" / demo_campaign.slug / f"{clip['id']}.wav"
    assert path.is_file()

    def unreachable(name):
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(default_storage, "delete", unreachable)  # this web process cannot delete; the worker can
    assert client.delete(f"/api/me/clips/{clip['id']}/").status_code == 204
    deadline = time.monotonic() + 30
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not path.exists(), worker.log()
    assert Tombstone.objects.get().clip_sha256 == clip["sha256"]
