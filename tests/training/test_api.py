import pytest
from django.test import Client

from tests.training.test_jobs import synthetic_campaign
from training import jobs
from training.models import TrainingJob

pytestmark = pytest.mark.django_db


def test_only_admins_may_launch_watch_or_cancel(demo_campaign, volunteer):
    for client in (Client(), volunteer):
        assert (
            client.post(
                "/api/training/jobs/",
                {"campaign": demo_campaign.slug, "keywords": ["yes"]},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert client.get("/api/training/jobs/").status_code == 403
    assert not TrainingJob.objects.exists()


def test_launch_validation_errors_are_400_with_a_message(staff_client, demo_campaign):
    bad = staff_client.post(
        "/api/training/jobs/",
        {"campaign": demo_campaign.slug, "keywords": [], "epochs": 0},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "keywords" in bad.json()["detail"] and "epochs" in bad.json()["detail"]
    nodata = staff_client.post(
        "/api/training/jobs/", {"campaign": demo_campaign.slug, "keywords": ["yes"]}, content_type="application/json"
    )
    assert nodata.status_code == 409 and "no prepared valid clips" in nodata.json()["detail"]
    missing = staff_client.get("/api/training/jobs/999/")
    assert missing.status_code == 404


def test_launch_watch_and_cancel_through_the_api(
    staff_client, demo_campaign, tmp_path, django_capture_on_commit_callbacks
):
    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=30)
    with django_capture_on_commit_callbacks():
        created = staff_client.post(
            "/api/training/jobs/",
            {"campaign": demo_campaign.slug, "keywords": ["yes", "no"], "architecture": "tiny_conv", "epochs": 2},
            content_type="application/json",
        )
    assert created.status_code == 201
    body = created.json()
    assert (body["state"], body["clips"], body["epochs"], body["progress"]) == ("queued", 300, 2, 0.0)
    job = TrainingJob.objects.get(id=body["id"])
    assert job.created_by.username == "staff"
    jobs.job_run(job_id=job.id)
    detail = staff_client.get(f"/api/training/jobs/{job.id}/").json()
    assert detail["state"] == "succeeded" and detail["progress"] == 1.0 and len(detail["history"]) == 2
    assert detail["metrics"]["tflite_tflm_agreement"] >= 0.995
    assert detail["model_card"].startswith(f"# Model card: training job {job.id}")
    confusion = staff_client.get(detail["confusion_matrix_url"])
    assert (
        confusion.status_code == 200
        and confusion["Content-Type"] == "image/png"
        and confusion.content[:8] == b"\x89PNG\r\n\x1a\n"
    )
    listed = staff_client.get("/api/training/jobs/").json()
    assert [j["id"] for j in listed] == [job.id]
    cancelled = staff_client.post(f"/api/training/jobs/{job.id}/cancel/")
    assert cancelled.json()["state"] == "succeeded"  # a finished job stays as it is
