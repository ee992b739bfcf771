"""Trying a published wake-word model through the try page's API: the same wakes and probabilities as the kws
scoring on the same audio, bad takes refused with their reason and nothing stored, and the per-address throttle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from kws.audio import read_wav
from kws.micro_frontend import micro_features
from kws.micro_wake_word import streaming_probabilities
from kws.wake_word_eval import wakes
from tests.audio_factory import wav_bytes
from tests.services import require_espeak
from tests.training.tried import PHRASE, bundled_hey_jarvis, published_wake_word_job, spoken, wake_word_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(demo_campaign):
    return published_wake_word_job(wake_word_campaign(demo_campaign))


def score(client: Client, job_id: int, data: bytes, name: str = "take.wav"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/api/models/{job_id}/try/", {"audio": SimpleUploadedFile(name, data)})


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_take_is_scored_as_the_wake_word_evaluation_scores_it(job):
    require_espeak()
    model, micro = bundled_hey_jarvis()
    cutoff, window = micro["probability_cutoff"], micro["sliding_window_size"]
    for text, seed in ((PHRASE, 2), (PHRASE, 0), ("the weather is nice", 1)):
        take = wav_bytes(spoken(text, seed=seed))
        response = score(Client(), job.id, take)
        assert response.status_code == 200, response.content
        body = response.json()

        samples, _ = read_wav(take)  # what the server decodes: the 16-bit take
        probabilities = streaming_probabilities(model, micro_features(samples))
        expected = wakes(probabilities, cutoff, window)
        assert body["kind"] == "wake_word" and body["threshold"] == cutoff
        assert body["settings"] == {"probability_cutoff": cutoff, "sliding_window_size": window}
        np.testing.assert_allclose(body["series"][PHRASE], probabilities, atol=1e-4)
        assert len(body["times_ms"]) == len(probabilities)
        # a wake at step s is reported when the audio behind that step's last feature frame has been heard
        assert [d["time_ms"] for d in body["detections"]] == [(s * 3 + 2) * 10 + 30 for s in expected]
        means = np.convolve(probabilities, np.ones(window) / window, mode="valid")
        assert [d["score"] for d in body["detections"]] == pytest.approx(
            [means[s - window + 1] for s in expected], abs=1e-4
        )
        assert all(d["label"] == PHRASE and d["score"] > cutoff for d in body["detections"])
        print(text, seed, [(d["time_ms"], d["score"]) for d in body["detections"]])
        if text == PHRASE and seed == 2:
            assert expected.size == 1  # this espeak voice wakes the bundled model (another, seed 0, is missed)
        if text != PHRASE:
            assert expected.size == 0


def test_bad_takes_are_refused_with_the_reason_and_nothing_is_stored(job, settings):
    before = stored_files(settings)
    client = Client()
    long_take = wav_bytes(np.zeros(int(10.5 * 16_000), np.float32))
    cases = [
        (long_take, "bad_duration", "10.0 s"),
        (wav_bytes(np.zeros(4_000, np.float32)), "bad_duration", "0.5"),
        (b"this is not audio at all" * 20, "not_audio", "not audio"),
        (long_take[: len(long_take) // 2], "truncated", "truncated"),
    ]
    for data, code, words in cases:
        response = score(client, job.id, data)
        assert response.status_code == 400, response.content
        assert response.json()["error"] == code and words in response.json()["detail"], response.json()
    empty = score(client, job.id, b"")
    assert empty.status_code == 400 and empty.json()["detail"]
    assert score(client, 987654, wav_bytes(np.zeros(16_000, np.float32))).status_code == 404
    assert stored_files(settings) == before  # only the model itself
    assert Client().get(f"/models/{job.id}/try/").status_code == 200


def test_an_unpublished_or_withdrawn_model_cannot_be_tried(job):
    from training.models import TrainingJob
    from training.publishing import model_unpublish

    take = wav_bytes(np.zeros(16_000, np.float32))
    TrainingJob.objects.filter(id=job.id).update(withdrawn_clips=1)
    gone = score(Client(), job.id, take)
    assert gone.status_code == 410 and "withdrawn" in gone.json()["detail"]
    TrainingJob.objects.filter(id=job.id).update(withdrawn_clips=0)
    model_unpublish(job=job)
    assert score(Client(), job.id, take).status_code == 404
    assert Client().get(f"/models/{job.id}/try/").status_code == 404


def test_scoring_is_throttled_per_address(job, settings):
    settings.CHORUS_TRY_RATE_ADDRESS = "2/min"
    take = wav_bytes(np.zeros(16_000, np.float32))
    assert [score(Client(), job.id, take).status_code for _ in range(2)] == [200, 200]
    refused = score(Client(), job.id, take)  # a fresh client: the address counts, not a cookie
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]
