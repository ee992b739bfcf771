"""A published wake-word model to try, without training one: OHF's hey_jarvis microWakeWord model (bundled with
pymicro-wakeword, the model the kws tests hold Chorus's scorer to) as a finished job of a wake-word campaign, at
its manifest's cutoff and window, published by staff as any job is."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from collector.models import Campaign, Keyword
from kws import synthetic
from kws.micro_frontend import MICRO_PARAMS
from training.models import TrainingJob
from training.publishing import model_publish

PHRASE = "hey jarvis"
SLUG = "hey-jarvis"


def bundled_hey_jarvis() -> tuple[bytes, dict]:
    pymicro_wakeword = pytest.importorskip("pymicro_wakeword")
    models = Path(pymicro_wakeword.__file__).parent / "models"
    config = json.loads((models / "hey_jarvis.json").read_text())
    return (models / config["model"]).read_bytes(), config["micro"]


def wake_word_campaign(demo_campaign) -> Campaign:
    campaign = Campaign.objects.create(slug=SLUG, name="Hey Jarvis", language=demo_campaign.language, kind="wake_word")
    Keyword.objects.create(campaign=campaign, text=PHRASE, language=demo_campaign.language)
    Keyword.objects.create(campaign=campaign, text="hey marvin", language=demo_campaign.language, is_filler=True)
    return campaign


def published_wake_word_job(campaign: Campaign) -> TrainingJob:
    model, micro = bundled_hey_jarvis()
    job = TrainingJob.objects.create(
        campaign=campaign,
        keywords=[PHRASE],
        architecture="streaming",
        epochs=1,
        feature_params=MICRO_PARAMS.as_dict(),
        feature_params_hash=MICRO_PARAMS.hash,
        code_version="test",
        labels=["not_hey_jarvis", PHRASE],
        metrics={
            "kind": "wake_word",
            "phrase": PHRASE,
            "wake_word": {
                "chosen": {
                    "probability_cutoff": micro["probability_cutoff"],
                    "sliding_window_size": micro["sliding_window_size"],
                    # not measured here: the Models pages' quality line reads them
                    "frr": 0.0,
                    "fa_per_hour": 0.0,
                }
            },
            "quality_gate": {"passed": True, "reasons": []},
        },
        state=TrainingJob.State.SUCCEEDED,
    )
    job.model_int8 = default_storage.save(f"models/job-{job.id}/model.tflite", ContentFile(model))
    job.save(update_fields=["model_int8"])
    staff, _ = get_user_model().objects.get_or_create(username="publisher", defaults={"is_staff": True})
    return model_publish(job=job, user=staff)


def spoken(text: str, *, seconds: float = 3.0, seed: int = 0, at_s: float = 0.8) -> np.ndarray:
    """`text` by an espeak-ng voice (kws.synthetic), `at_s` into `seconds` of quiet pink noise."""
    rng = np.random.default_rng(seed)
    speech = synthetic.say(text, synthetic.speakers(1, seed=seed)[0], rng)
    audio = synthetic.noise("pink", seconds, rng)
    audio = 0.02 * audio / np.sqrt(np.mean(audio**2))
    start = int(at_s * synthetic.SAMPLE_RATE)
    end = min(len(audio), start + len(speech))
    audio[start:end] += 0.3 * speech[: end - start] / np.abs(speech).max()
    return np.clip(audio, -1, 1).astype(np.float32)
