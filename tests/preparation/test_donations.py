"""Donating a take from a model's try page: as a clip of the word the volunteer said (into review, with its consent)
or as negative audio tied to the volunteer (in their export, and erased with them); never without consent."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from collector.consent import consent_document
from collector.models import Clip
from kws.audio import decode_upload, read_wav
from preparation.models import NegativeAudio
from tests.audio_factory import wav_bytes
from tests.conftest import give_consent
from tests.services import require_espeak
from tests.storage_scan import left_behind, sha256, stored_digests
from tests.training.tried import PHRASE, SLUG, published_wake_word_job, spoken, wake_word_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(demo_campaign):
    return published_wake_word_job(wake_word_campaign(demo_campaign))


def donate(client: Client, job_id: int, data: bytes, **fields):
    return client.post(f"/api/models/{job_id}/try/donate/", {"audio": SimpleUploadedFile("take.wav", data), **fields})


def stored(name: str) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(name, "rb") as f:
        return f.read()


def media(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def test_a_missed_phrase_donated_as_a_clip_is_stored_with_its_consent_and_served_for_review(job, settings):
    require_espeak()
    volunteer = Client()
    give_consent(volunteer, SLUG)
    take = wav_bytes(spoken(PHRASE, seed=0))  # a voice the model misses (tests/training/test_trying.py)
    assert (
        Client().post(f"/api/models/{job.id}/try/", {"audio": SimpleUploadedFile("t.wav", take)}).json()["detections"]
        == []
    )

    response = donate(volunteer, job.id, take, donate_as="clip", keyword=PHRASE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["donated_as"] == "clip" and body["clip"]["keyword"] == PHRASE
    clip = Clip.objects.select_related("consent", "campaign").get(id=body["clip"]["id"])
    canonical = decode_upload(take, max_bytes=settings.CHORUS_UPLOAD_MAX_BYTES).wav_bytes
    assert stored(clip.audio.name) == canonical and clip.sha256 == sha256(canonical)
    np.testing.assert_array_equal(
        read_wav(stored(clip.audio.name))[0], read_wav(take)[0]
    )  # the take, sample for sample
    document = consent_document(clip.campaign)
    assert (clip.consent_version, clip.consent.text_sha256, clip.licence) == (
        document.version,
        document.sha256,
        clip.campaign.licence,
    )
    assert clip.campaign.slug == SLUG and clip.status == "pending"

    reviewer = Client()
    give_consent(reviewer, SLUG)
    served = reviewer.get(f"/api/campaigns/{SLUG}/review/next/")
    assert served.status_code == 200 and served.json()["id"] == str(clip.id)
    audio = reviewer.get(f"/api/review/clips/{clip.id}/audio/", {"ticket": served.json()["ticket"]})
    assert audio.status_code == 200 and b"".join(audio.streaming_content if audio.streaming else [audio.content]) == (
        canonical
    )


def test_a_false_wake_donated_as_negative_audio_is_the_volunteers_until_they_erase_it(
    job, settings, django_capture_on_commit_callbacks
):
    require_espeak()
    volunteer = Client()
    give_consent(volunteer, SLUG)
    take = wav_bytes(spoken("the weather is nice today", seed=1))
    response = donate(volunteer, job.id, take, donate_as="negative", kind="speech")
    assert response.status_code == 201, response.content
    negative = NegativeAudio.objects.select_related("contributor", "consent").get(id=response.json()["negative"]["id"])
    canonical = decode_upload(take, max_bytes=settings.CHORUS_UPLOAD_MAX_BYTES, max_duration_s=10).wav_bytes
    assert stored(negative.audio.name) == canonical
    assert (negative.source, negative.kind, negative.campaign.slug) == ("donated", "speech", SLUG)
    assert negative.duration_s == pytest.approx(3.0) and negative.split in ("training", "validation", "testing")
    assert negative.consent.text_sha256 == consent_document(negative.campaign).sha256
    assert negative.consent.contributor_id == negative.contributor_id
    again = donate(volunteer, job.id, take, donate_as="negative", kind="speech")
    assert again.status_code == 409 and "already" in again.json()["detail"]

    export = volunteer.get("/api/me/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    data = json.loads(archive.read("data.json"))
    [listed] = data["donated_negative_audio"]
    assert listed["kind"] == "speech" and listed["campaign"] == SLUG
    assert archive.read(listed["audio"]) == canonical

    # My data lists it with a player that serves it to them, and to no one else
    page = volunteer.get("/my-data/").content.decode()
    audio_url = f"/my-data/donated/{negative.id}/audio/"
    assert f'data-negative-id="{negative.id}"' in page and f'src="{audio_url}"' in page
    assert b"".join(volunteer.get(audio_url).streaming_content) == canonical
    stranger = Client()
    give_consent(stranger, SLUG)
    assert stranger.get(audio_url).status_code == 404 and Client().get(audio_url).status_code == 404

    digest = sha256(canonical)
    assert digest in stored_digests(settings.MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        assert volunteer.delete("/api/me/").status_code == 200
    assert left_behind(settings.MEDIA_ROOT, {digest}) == {}
    assert not NegativeAudio.objects.filter(name=negative.name).exists()
    assert volunteer.get(audio_url).status_code == 404


def test_donating_needs_the_campaigns_current_consent_and_stores_nothing_without_it(job, settings):
    take = wav_bytes(np.random.default_rng(0).normal(0, 0.1, 3 * 16_000).astype(np.float32))
    before = media(settings)
    stranger = Client()  # never consented
    elsewhere = Client()
    give_consent(elsewhere)  # consented to the demo campaign, not to the model's
    for client in (stranger, elsewhere):
        for fields in ({"donate_as": "clip", "keyword": PHRASE}, {"donate_as": "negative", "kind": "speech"}):
            response = donate(client, job.id, take, **fields)
            assert response.status_code == 403, response.content
            assert f"/c/{SLUG}/consent/" in response.json()["detail"]
    assert media(settings) == before
    assert hashlib.sha256(take).hexdigest() not in stored_digests(settings.MEDIA_ROOT)

    volunteer = Client()
    give_consent(volunteer, SLUG)
    unknown = donate(volunteer, job.id, take, donate_as="clip", keyword="open the pod bay doors")
    assert unknown.status_code == 400 and "unknown keyword" in unknown.json()["detail"]
    bad_kind = donate(volunteer, job.id, take, donate_as="negative", kind="opera")
    assert bad_kind.status_code == 400
    not_audio = donate(volunteer, job.id, b"nope" * 100, donate_as="negative", kind="speech")
    assert not_audio.status_code == 400 and not_audio.json()["error"] == "not_audio"
    assert media(settings) == before
