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
