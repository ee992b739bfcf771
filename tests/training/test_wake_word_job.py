"""A wake-word campaign end to end: imported as a Speech Commands tree, trained by the job path into a streaming
int8 model, exported for ESPHome, and run by ESPHome's own runtime (pymicro-wakeword) on voices it never heard."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from collector.models import Campaign
from kws import espeak, negatives, synthetic, wake_word_eval
from kws.micro_frontend import micro_features
from kws.micro_wake_word import streaming_probabilities
from kws.streaming_model import ESPHOME_OPS
from preparation import services
from tests import wake_runtime
from tests.audio_factory import wav_bytes
from tests.services import require_espeak
from training import jobs

pytest.importorskip("pymicro_wakeword")

pytestmark = pytest.mark.django_db
PHRASE = "hey jarvis"
CONFUSABLES = ["hey travis", "jarvis", "hey marvin", "harvest"]


def wake_word_tree(root: Path, voices: int) -> None:
    rng = np.random.default_rng(0)
    beds = synthetic.noise_beds(rng)
    for n, speaker in enumerate(synthetic.speakers(voices, seed=11)):
        espeak.restart(seed=n)  # the same tree in any process: the model trained on it is the same
        for phrase, takes in [(PHRASE, 3), *((c, 1) for c in CONFUSABLES)]:
            folder = root / phrase.replace(" ", "_")
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(takes):
                clip = synthetic.take(phrase, speaker, rng, beds=beds, seconds=2.0)
                (folder / f"{speaker.id}_nohash_{n}.wav").write_bytes(wav_bytes(clip))
    (root / "_background_noise_").mkdir()
    (root / "_background_noise_" / "pink.wav").write_bytes(wav_bytes(synthetic.noise("pink", 20, rng)))
    (root / "_negative_").mkdir()
    speech = negatives.synthetic_negatives(root / ".cache", [PHRASE, "jarvis"], 180, seed=8_500)
    for i, piece in enumerate(speech):
        (root / "_negative_" / f"speech_{i}.wav").write_bytes(wav_bytes(piece))


def test_a_wake_word_campaign_trains_a_streaming_model_that_esphomes_runtime_runs(tmp_path, settings, staff_client):
    require_espeak()
    wake_word_tree(tmp_path / "tree", voices=48)
    call_command(
        "import_dataset",
        str(tmp_path / "tree"),
        "--campaign",
        "hey-jarvis",
        "--wake-word",
        PHRASE,
        "--validated",
        "--source",
        "synthetic",
        stdout=io.StringIO(),
    )
    campaign = Campaign.objects.get(slug="hey-jarvis")
    Campaign.objects.filter(id=campaign.id).update(accuracy_floor=0.5)  # a small test set: a floor it can pass
    while claims := services.preparation_claim(limit=500):
        services.preparation_run(claims=claims)

    from collector.models import Contributor, Demographics

    for i, speaker in enumerate(Contributor.objects.order_by("external_key")):
        Demographics.objects.create(contributor=speaker, gender=["female", "male"][i % 2])
    job = jobs.job_launch(campaign=campaign, keywords=["ignored: a wake word trains its phrase"], epochs=10)
    assert job.keywords == [PHRASE] and job.feature_params["kind"] == "tflm_micro_frontend"
    job = jobs.job_run(job_id=job.id)
    assert job.state == "succeeded", (job.error, job.quality_gate)
    m = job.metrics
    assert m["kind"] == "wake_word" and set(job.ops) <= ESPHOME_OPS and not m["unsupported_ops"]
    assert m["model_bytes"] <= 60_000 and job.arena_bytes <= 30_000
    assert [h["epoch"] for h in job.history] == list(range(1, job.epochs + 1))
    wake = m["wake_word"]
    assert wake["phrases"] == m["test_utterances"] > 0 and wake["negative_hours"] > 0.03
    assert wake["chosen"]["frr"] < 0.5, wake["chosen"]  # a never-waking detector misses every one
    assert "Model card: wake word" in job.model_card
    # per group, the share of the group's test utterances heard, published only for 5 or more test speakers
    gender = m["groups"]["gender"]["groups"]
    assert all(g["speakers"] >= 5 for g in gender.values()) and set(gender) <= {"female", "male"}
    assert sum(g["examples"] for g in gender.values()) <= m["test_utterances"]
    assert "## Per group: the share of utterances heard" in job.model_card

    out = tmp_path / "hey_jarvis.zip"
    call_command("export_model", str(job.id), "--target", "esphome", "--out", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        archive.extractall(tmp_path / "esphome")
        names = set(archive.namelist())
    assert names == {"hey_jarvis.json", "hey_jarvis.tflite", "model_card.md", "esphome.yaml", "README.md"}
    manifest = tmp_path / "esphome" / "hey_jarvis.json"
    config = json.loads(manifest.read_text())
    assert config["micro"]["probability_cutoff"] == wake["chosen"]["probability_cutoff"]
    assert config["micro"]["sliding_window_size"] == wake["chosen"]["sliding_window_size"]
    assert config["micro"]["tensor_arena_size"] >= job.arena_bytes and config["micro"]["feature_step_size"] == 10
    assert config["trained_languages"] == ["en"] and config["version"] == 2

    stream, ends = wake_runtime.held_out_stream(PHRASE)
    wakes, runtime_means = wake_runtime.runtime_wakes(manifest, stream)
    heard = wake_runtime.heard(wakes, ends)
    assert sum(heard) >= 6, (heard, wakes, ends)  # of 8 voices it never heard
    elsewhere = wake_runtime.elsewhere(wakes, ends)
    assert len(elsewhere) <= 1, elsewhere  # and barely anything else in 30 s

    negative = next(negatives.synthetic_negatives(tmp_path / "held-out", [PHRASE, "jarvis"], 60, seed=9_300))
    assert wake_runtime.runtime_wakes(manifest, negative)[0] == []  # a minute of other people talking: silent

    # Chorus's own streaming evaluator computes what the runtime computes, within quantization: TFLM here,
    # TensorFlow Lite's C library there, whose kernels round intermediate layers differently (measured: 95% of
    # window means within 3 output steps of 1/256; the largest gap 0.034, where the probability climbs)
    ours = streaming_probabilities((tmp_path / "esphome" / "hey_jarvis.tflite").read_bytes(), micro_features(stream))
    n, cutoff = config["micro"]["sliding_window_size"], config["micro"]["probability_cutoff"]
    our_means = np.convolve(ours, np.ones(n) / n, mode="valid")
    gap = np.abs(our_means - runtime_means[n - 1 : n - 1 + len(our_means)])
    assert np.mean(gap <= 3 / 256 + 1e-9) >= 0.9 and gap.max() <= 0.1, (np.percentile(gap, 95), gap.max())
    our_wakes = wake_word_eval.wakes(ours, cutoff, n) * 480  # steps of 30 ms, in samples
    assert wake_runtime.heard(our_wakes, ends) == heard

    # the Arduino package: the same model and operating point, in a sketch that computes the frontend in C
    arduino = tmp_path / "arduino.zip"
    call_command("export_model", str(job.id), "--target", "arduino", "--out", str(arduino), stdout=io.StringIO())
    with zipfile.ZipFile(arduino) as archive:
        sketch_names = set(archive.namelist())
        header = archive.read("chorus_wake_word/model_settings.h").decode()
        assert archive.read("hey_jarvis.tflite") == (tmp_path / "esphome" / "hey_jarvis.tflite").read_bytes()
        assert json.loads(archive.read("metrics.json"))["wake_word"]["chosen"] == wake["chosen"]
    assert {"README.md", "model_card.md", "chorus_wake_word/chorus_wake_word.ino"} <= sketch_names
    assert {
        "chorus_wake_word/src/chorus_micro_frontend.c",
        "chorus_wake_word/src/chorus_wake_detector.c",
    } <= sketch_names
    cutoff_macro = re.search(r"#define CHORUS_PROBABILITY_CUTOFF (\S+)f", header).group(1)
    assert np.float32(cutoff_macro) == np.float32(wake["chosen"]["probability_cutoff"])
    assert f"#define CHORUS_SLIDING_WINDOW {wake['chosen']['sliding_window_size']}\n" in header
    assert '#define CHORUS_PHRASE "hey jarvis"' in header

    # the API and the job page hand out the same package; a wrong or unknown target is refused with the reason
    api = staff_client.get(f"/api/training/jobs/{job.id}/package/?target=esphome")
    assert api.status_code == 200 and f"-job-{job.id}-esphome" in api["Content-Disposition"]
    served = zipfile.ZipFile(io.BytesIO(b"".join(api.streaming_content)))
    assert served.read("hey_jarvis.tflite") == (tmp_path / "esphome" / "hey_jarvis.tflite").read_bytes()
    assert json.loads(served.read("hey_jarvis.json")) == config
    default = staff_client.get(f"/api/training/jobs/{job.id}/package/")  # a wake-word job defaults to ESPHome
    assert default.status_code == 200 and "esphome" in default["Content-Disposition"]
    served_arduino = staff_client.get(f"/api/training/jobs/{job.id}/package/?target=arduino")
    assert served_arduino.status_code == 200 and f"-job-{job.id}-arduino" in served_arduino["Content-Disposition"]
    assert b"".join(served_arduino.streaming_content) == arduino.read_bytes()  # the same bytes, export after export
    unknown = staff_client.get(f"/api/training/jobs/{job.id}/package/?target=esp8266")
    assert unknown.status_code == 400 and "esp8266" in str(unknown.json())
    page = staff_client.get(f"/training/jobs/{job.id}/").content.decode()
    assert f"/training/jobs/{job.id}/package.zip?target=esphome" in page and "Download ESPHome wake word" in page
    assert f"/training/jobs/{job.id}/package.zip?target=arduino" in page and "Download Arduino sketch" in page
    assert "Model card: wake word" in page

    # published, it is listed for developers as an ESPHome wake word, judged by its misses at its false-wake rate
    from django.contrib.auth import get_user_model
    from django.test import Client

    from training.publishing import model_publish

    model_publish(job=job, user=get_user_model().objects.get(username="staff"))
    listed = Client().get("/api/models/").json()
    chosen = wake["chosen"]
    assert [(m["id"], m["kind"], m["keywords"]) for m in listed] == [(job.id, "wake_word", [PHRASE])]
    assert listed[0]["quality"] == (
        f"misses {chosen['frr']:.1%} of held-out phrases at {chosen['fa_per_hour']:g} false wakes per hour"
    )
    assert "ESP32-S3" in listed[0]["target_boards"][0]
    assert "Download ESPHome wake word" in Client().get(f"/models/{job.id}/").content.decode()
