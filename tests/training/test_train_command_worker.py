"""`manage.py train --wait` through the broker to a real worker on the training queue."""

import io
import json

import pytest
from django.core.management import call_command

from tests.training.test_jobs import synthetic_campaign
from training.models import TrainingJob

pytestmark = pytest.mark.worker


def test_train_command_waits_for_the_worker_and_prints_metrics(worker, demo_campaign, tmp_path):
    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=24)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "train",
        "--campaign",
        demo_campaign.slug,
        "--keywords",
        "yes,no",
        "--arch",
        "tiny_conv",
        "--epochs",
        "3",
        "--wait",
        stdout=out,
        stderr=err,
    )
    job = TrainingJob.objects.get()
    assert job.state == "succeeded", worker.log()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"job {job.id}: tiny_conv, 3 epochs, 240 clips frozen"
    assert f"job {job.id} succeeded" in lines
    printed = json.loads(out.getvalue().split(f"job {job.id} succeeded\n", 1)[1])
    assert printed == job.metrics and printed["tflite_tflm_agreement"] >= 0.995
    assert "training [" in err.getvalue() and "3/3" in err.getvalue()  # the progress bar reached the end
