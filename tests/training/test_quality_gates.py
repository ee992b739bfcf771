"""Quality gates: a model trained on shuffled labels ends "Finished - failed quality check"; its package is for
staff only, marked so, and it cannot be published."""

import io
import zipfile

import numpy as np
import pytest

from collector.models import Clip
from tests.training.test_jobs import synthetic_campaign
from training import jobs
from training.quality_gates import MIN_MARGIN_OVER_MAJORITY, majority_baseline, quality_gate

pytestmark = pytest.mark.django_db


def test_a_model_trained_on_shuffled_labels_fails_its_quality_check(tmp_path, demo_campaign, staff_client):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from releases.downloads import terms_accept

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=30)
    clips = list(Clip.objects.filter(campaign=demo_campaign).order_by("id"))
    keywords = [c.keyword_id for c in clips]
    for clip, keyword in zip(clips, np.random.default_rng(3).permutation(keywords), strict=True):
        clip.keyword_id = int(keyword)  # the word a clip says no longer predicts its label
    Clip.objects.bulk_update(clips, ["keyword"])
    job = jobs.job_launch(campaign=demo_campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=4)
    job = jobs.job_run(job_id=job.id)

    assert job.state == "failed_quality" and job.get_state_display() == "Finished - failed quality check"
    gate = job.metrics["quality_gate"]
    assert not gate["passed"] and gate["int8_accuracy"] == job.metrics["int8_tflm_top1"] < 0.75
    assert any("below the campaign's floor of 75.0%" in r for r in gate["reasons"])
    assert "## Quality gates" in job.model_card and "FAILED: " in job.model_card

    page = staff_client.get(f"/training/jobs/{job.id}/").content.decode()
    assert 'data-passed="false"' in page and "below the campaign&#x27;s floor" in page
    staff_zip = staff_client.get(f"/api/training/jobs/{job.id}/package/")
    assert staff_zip.status_code == 200 and "FAILED-QUALITY-CHECK" in staff_zip["Content-Disposition"]
    readme = zipfile.ZipFile(io.BytesIO(b"".join(staff_zip.streaming_content))).read("README.md").decode()
    assert readme.startswith("> **FAILED QUALITY CHECK: not for use.**")
    refused = staff_client.post(f"/api/training/jobs/{job.id}/publish/")
    assert refused.status_code == 409 and "failed its quality check" in refused.json()["detail"]
    developer = get_user_model().objects.create_user("dev", "dev@example.org", "a-long-password-1")
    terms_accept(user=developer)
    client = Client()
    client.force_login(developer)
    assert client.get(f"/api/training/jobs/{job.id}/package/").status_code == 404
    assert client.get("/api/models/").json() == []


def test_the_gate_needs_a_margin_over_the_majority_class_and_the_floor_and_warns_on_few_test_speakers():
    y = np.array([0] * 60 + [1] * 20 + [2] * 20)
    assert majority_baseline(y) == 0.6
    just_under = quality_gate(
        int8_accuracy=0.6 + MIN_MARGIN_OVER_MAJORITY - 0.01, y_test=y, floor=0.5, test_speakers=12
    )
    assert not just_under["passed"] and "majority-class baseline 60.0%" in just_under["reasons"][0]
    passed = quality_gate(int8_accuracy=0.9, y_test=y, floor=0.85, test_speakers=3)
    assert passed["passed"] and passed["warnings"] == [
        "only 3 test speakers (fewer than 10): the accuracy figure is not reliable; more speakers make it so"
    ]
    assert not quality_gate(int8_accuracy=0.9, y_test=y, floor=0.95, test_speakers=12)["passed"]
    assert not quality_gate(int8_accuracy=None, y_test=y[:0], floor=0.5, test_speakers=0)["passed"]


def device_figures(*, frr: float, hours: float, reached: bool = True) -> dict:
    chosen = {"utterances": 40, "frr": frr, "fa_per_hour": 0.4}
    return {"chosen": chosen, "negative_hours": hours, "target_reached": reached, "target_fa_per_hour": 0.5}


def test_a_model_deaf_in_a_stream_fails_whatever_its_clip_accuracy_once_the_negatives_are_long_enough():
    y = np.array([0] * 10 + [1] * 45 + [2] * 45)
    deaf = quality_gate(
        int8_accuracy=0.95, y_test=y, floor=0.75, test_speakers=12, device=device_figures(frr=0.6, hours=1.0)
    )
    assert not deaf["passed"] and deaf["reasons"] == [
        "in a stream it misses 60.0% of keywords at its operating point (0.4 FA/h), above the ceiling of 50%"
    ]
    hearing = quality_gate(
        int8_accuracy=0.95, y_test=y, floor=0.75, test_speakers=12, device=device_figures(frr=0.1, hours=2.0)
    )
    assert hearing["passed"] and hearing["warnings"] == []
    # Minutes of negatives place the operating point too loosely to fail on: warnings instead.
    short = quality_gate(
        int8_accuracy=0.95,
        y_test=y,
        floor=0.75,
        test_speakers=12,
        device=device_figures(frr=0.6, hours=0.05, reached=False),
    )
    assert short["passed"] and len(short["warnings"]) == 3
    assert short["warnings"][0].startswith("in a stream it misses 60.0%")
    assert "no recognizer setting reached the target of 0.5" in short["warnings"][1]
    assert "over 0.05 h of negative audio only" in short["warnings"][2]
