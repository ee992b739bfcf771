"""Training jobs end to end on a tiny synthetic campaign: frozen data, progress, int8 + TFLM proof, cancel."""

import io
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from collector.models import Clip
from kws import operating_point
from preparation import services
from preparation.models import PreparedClip
from tests.audio_factory import wav_bytes
from training import jobs
from training.models import TrainingJob

pytestmark = pytest.mark.django_db
WORDS = ["yes", "no", "up", "bed", "cat"]


def synthetic_campaign(root: Path, campaign, speakers: int = 40) -> None:
    """Tone 'words' (a pitch per word, varied per speaker) in Speech Commands layout, imported as valid and prepared."""
    tone_corpus(root, speakers)
    corpus_import_prepared(root, campaign)


def tone_corpus(root: Path, speakers: int) -> None:
    """The tone 'words' of synthetic_campaign as files: <word>/<speaker>_nohash_<n>.wav and one noise file."""
    rng = np.random.default_rng(0)
    t = np.arange(16_000) / 16_000
    for s in range(speakers):
        pitch = rng.uniform(0.93, 1.07)
        for w, word in enumerate(WORDS):
            (root / word).mkdir(parents=True, exist_ok=True)
            for n in range(2):
                envelope = np.exp(-((t - rng.uniform(0.4, 0.6)) ** 2) / 0.01)
                x = 0.4 * envelope * np.sin(2 * np.pi * 250 * (w + 1) * pitch * t) + rng.normal(0, 0.003, t.size)
                (root / word / f"{s:08x}_nohash_{n}.wav").write_bytes(wav_bytes(x.astype(np.float32)))
    (root / "_background_noise_").mkdir()
    (root / "_background_noise_" / "hum.wav").write_bytes(wav_bytes(rng.normal(0, 0.05, 16_000 * 4).astype(np.float32)))


def corpus_import_prepared(root: Path, campaign) -> None:
    call_command(
        "import_dataset",
        str(root),
        "--campaign",
        campaign.slug,
        "--validated",
        "--source",
        "synthetic",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    while claims := services.preparation_claim(limit=500):
        services.preparation_run(claims=claims)


def test_a_job_freezes_its_data_trains_quantizes_and_proves_tflm(
    tmp_path, demo_campaign, django_capture_on_commit_callbacks
):
    synthetic_campaign(tmp_path / "sc", demo_campaign)
    from collector.models import Contributor, Demographics

    for i, speaker in enumerate(Contributor.objects.order_by("external_key")):
        Demographics.objects.create(contributor=speaker, gender=["female", "male"][i % 2])
    with django_capture_on_commit_callbacks() as queued:
        job = jobs.job_launch(
            campaign=demo_campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=4, seed=1
        )
    assert len(queued) == 1 and job.state == "queued"
    frozen = set(job.clip_ids)
    assert (
        frozen == {str(i) for i in Clip.objects.filter(status="valid").values_list("id", flat=True)}
        and len(frozen) == 400
    )
    assert job.feature_params_hash == "3780cad92091" and job.code_version

    job = jobs.job_run(job_id=job.id)
    assert job.state == "succeeded", job.error
    assert [h["epoch"] for h in job.history] == [1, 2, 3, 4] and job.epoch == 4 and job.eta_s == 0
    assert job.labels == ["_silence_", "_unknown_", "yes", "no", "up"]
    m = job.metrics
    assert m["tflite_tflm_agreement"] >= 0.995
    assert m["float_top1"] >= 0.8 and abs(m["int8_tflite_top1"] - m["float_top1"]) <= 0.05
    assert m["arena_bytes"] == job.arena_bytes > 0 and m["model_bytes"] < 64_000
    assert {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(job.ops)
    with job.model_int8.open("rb") as f:
        int8_bytes = f.read()
    assert int8_bytes[4:8] == b"TFL3"
    with job.model_c_array.open("rb") as f:
        source = f.read().decode()
    assert f"const int g_model_len = {len(int8_bytes)};" in source and "alignas(16)" in source
    cm = np.array(m["confusion_matrix"])
    assert cm.shape == (5, 5) and cm.sum() == m["test_examples"]
    assert [c["label"] for c in m["per_class"]] == job.labels and sum(c["support"] for c in m["per_class"]) == m[
        "test_examples"
    ]
    gender = m["groups"]["gender"]
    tested = Counter(
        g
        for _, g in PreparedClip.objects.filter(clip_id__in=job.clip_ids, split="testing")
        .values_list("clip__contributor_id", "clip__contributor__demographics__gender")
        .distinct()
    )
    # the rule of five, as in releases: only genders of at least 5 test speakers are published
    assert {g: v["speakers"] for g, v in gender["groups"].items()} == {g: n for g, n in tested.items() if n >= 5}
    assert set(tested) <= {"female", "male"} and sum(tested.values()) >= 2
    assert sum(g["examples"] for g in gender["groups"].values()) < m["test_examples"]  # silence has no speaker
    device = m["device"]  # the int8 model every 100 ms over negatives, the recognizer swept
    assert device["stride_ms"] == 100 and device["negative_hours"] >= 120 / 3600
    assert len(device["sweep"]) == len(operating_point.THRESHOLDS) * 4 * 2
    chosen = device["chosen"]
    under = [p for p in device["sweep"] if p["fa_per_hour"] <= device["target_fa_per_hour"]]
    if device["target_reached"]:
        assert chosen["misses"] == min(p["misses"] for p in under) and chosen in under
    # negative_hours is published to 4 decimals: the rate agrees with it to within that rounding
    rounding = 0.5e-4 / device["negative_hours"]
    assert chosen["fa_per_hour"] == pytest.approx(chosen["false_accepts"] / device["negative_hours"], rel=rounding)
    streaming = m["streaming"]  # the chosen point, in the four figures pages show
    assert (streaming["false_accepts_per_hour"], streaming["false_reject_rate"]) == (
        chosen["fa_per_hour"],
        chosen["frr"],
    )
    assert streaming["keywords"] == chosen["utterances"] > 0
    assert job.recognizer_params.detection_threshold == chosen["detection_threshold"]
    assert (
        "# Model card: training job" in job.model_card
        and "| yes |" in job.model_card
        and "## Known limits" in job.model_card
    )
    assert "gender: " in job.model_card
    assert jobs.job_run(job_id=job.id) is None  # a redelivered message does nothing


def test_cancel_a_queued_job_and_a_running_one(tmp_path, demo_campaign):
    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=20)
    queued = jobs.job_launch(campaign=demo_campaign, keywords=["yes"], architecture="tiny_conv", epochs=3)
    assert jobs.job_cancel(job_id=queued.id).state == "cancelled"
    assert jobs.job_run(job_id=queued.id) is None
    running = jobs.job_launch(campaign=demo_campaign, keywords=["yes"], architecture="tiny_conv", epochs=5)
    TrainingJob.objects.filter(id=running.id).update(cancel_requested=True)  # as if Cancel was pressed mid-run
    running = jobs.job_run(job_id=running.id)
    assert running.state == "cancelled" and running.epoch == 1 and not running.model_int8


def test_launch_refuses_bad_requests(demo_campaign):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="not keywords of campaign"):
        jobs.job_launch(campaign=demo_campaign, keywords=["banana"])
    with pytest.raises(ApplicationError, match="architecture must be one of"):
        jobs.job_launch(campaign=demo_campaign, keywords=["yes"], architecture="rnn")
    with pytest.raises(ApplicationError, match="no prepared valid clips"):
        jobs.job_launch(campaign=demo_campaign, keywords=["yes"])
    assert not TrainingJob.objects.exists()


def test_launch_needs_speakers_in_every_split(tmp_path, demo_campaign):
    from core.errors import ApplicationError

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=2)
    with pytest.raises(ApplicationError, match="more speakers are needed"):
        jobs.job_launch(campaign=demo_campaign, keywords=["yes"])
    assert (
        not TrainingJob.objects.exists() and PreparedClip.objects.count() == 20
    )  # two speakers cannot fill three splits


def test_an_erasure_counts_against_exactly_the_jobs_that_used_the_erased_clips(demo_campaign):
    from collector.signals import clips_erased

    a, b, c, d = (str(uuid.uuid4()) for _ in range(4))
    frozen = {"ab": [a, b], "cd": [c, d], "ad": [a, d], "none": []}
    made = {
        name: TrainingJob.objects.create(
            campaign=demo_campaign,
            keywords=["yes"],
            architecture="tiny_conv",
            epochs=1,
            clip_ids=ids,
            feature_params_hash="x",
            code_version="x",
            withdrawn_clips=1,
        )
        for name, ids in frozen.items()
    }
    clips_erased.send(sender=Clip, campaign_id=demo_campaign.id, clip_ids=[uuid.UUID(a), uuid.UUID(d)])
    withdrawn = {name: TrainingJob.objects.get(id=job.id).withdrawn_clips for name, job in made.items()}
    assert withdrawn == {
        "ab": 2,
        "cd": 2,
        "ad": 3,
        "none": 1,
    }  # one each, two for the job that used both, added to what was there


def test_a_refused_launch_says_what_the_campaign_holds_and_what_to_do_next(tmp_path, demo_campaign):
    from core.errors import ApplicationError
    from tests.factories import clip_recorded

    clip_recorded(demo_campaign)  # one take, still waiting for review
    with pytest.raises(ApplicationError) as refused:
        jobs.job_launch(campaign=demo_campaign, keywords=["yes"])
    message = refused.value.message
    assert "clips recorded: 1, waiting for review: 1, valid: 0 (still being prepared: 0)" in message
    assert (
        f"/c/{demo_campaign.slug}/speak/" in message
        and f"import_dataset DIR --campaign {demo_campaign.slug}" in message
    )

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=2)
    speakers = {
        split: PreparedClip.objects.filter(split=split).values("clip__contributor").distinct().count()
        for split in ("training", "validation", "testing")
    }
    with pytest.raises(ApplicationError) as refused:
        jobs.job_launch(campaign=demo_campaign, keywords=["yes"])
    held = ", ".join(f"{n} in {split}" for split, n in speakers.items())
    assert f"speakers now: {held})" in refused.value.message and sum(speakers.values()) == 2
    assert not TrainingJob.objects.exists()
