"""From nothing to a model a developer downloads, the way a new install goes: the demo campaign's synthetic
starter voices (what `make run` synthesizes), "Start training" with the page's defaults on a real Celery
worker, the job page's results, publishing, then a new account finding the model on /models/ and
downloading its package."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile

import numpy as np
import pytest
from django.core.management import call_command

from kws import quantize
from preparation.models import PreparedClip
from tests.browser.test_training import STAFF_PASSWORD, keyword_boxes, launch_from_form, wait_for_state
from tests.conftest import CORE_WORDS
from tests.fixtures.live import sign_up_and_download, to_fixed, watched_page
from tests.services import require_espeak

pytestmark = [pytest.mark.browser, pytest.mark.worker]
PASSWORD = "a-long-password-1"
PREPARE_TIMEOUT_S = 300
TRAIN_TIMEOUT_MS = 1_200_000  # the default DS-CNN on 12,000 clips: about 5 min on 2 cores


@pytest.fixture
def browser(launch_chromium, worker, live_server):
    return launch_chromium(fake_ui=False)


@pytest.fixture
def staff(browser, live_server):
    yield from watched_page(browser, live_server.url)


@pytest.fixture
def developer(browser, live_server):
    """A new visitor: a context of its own, no cookies."""
    yield from watched_page(browser, live_server.url)


def prepared_by_worker(worker, campaign) -> int:
    """Wait until the worker has prepared every starter clip; returns how many are done."""
    deadline = time.monotonic() + PREPARE_TIMEOUT_S
    rows = PreparedClip.objects.filter(clip__campaign=campaign)
    while rows.filter(state__in=["queued", "running"]).exists():
        assert time.monotonic() < deadline, f"preparation did not finish in {PREPARE_TIMEOUT_S} s:\n{worker.log()}"
        time.sleep(1)
    return rows.filter(state="done").count()


def test_the_starter_set_trains_a_useful_default_model_that_a_new_developer_downloads(
    staff, developer, worker, demo_campaign, tmp_path
):
    from django.contrib.auth.models import Permission, User

    from training.models import TrainingJob

    require_espeak()
    call_command("synthesize", "--campaign", demo_campaign.slug, stdout=io.StringIO())
    done = prepared_by_worker(worker, demo_campaign)
    assert done >= 0.99 * demo_campaign.clips.filter(synthetic=True).count() > 10_000

    trainer = User.objects.create_user("trainer", password=STAFF_PASSWORD, is_staff=True)
    # staff status opens the pages; the training permissions let them act
    trainer.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["training", "releases"]))
    staff.goto("/admin/login/?next=/training/")
    staff.fill("#id_username", "trainer")
    staff.fill("#id_password", STAFF_PASSWORD)
    staff.click("input[type=submit]")
    assert keyword_boxes(staff) == dict.fromkeys(CORE_WORDS, True)  # every keyword has clips: all ticked
    assert "Every test voice is synthetic" in staff.text_content("#data-warnings")

    job = launch_from_form(staff)  # the defaults, untouched
    assert (job.keywords, job.architecture, job.epochs, job.include_synthetic) == (
        list(CORE_WORDS),
        "ds_cnn",
        30,
        True,
    )
    wait_for_state(staff, "succeeded", timeout=TRAIN_TIMEOUT_MS)
    job = TrainingJob.objects.get(id=job.id)
    metrics, gate = job.metrics, job.metrics["quality_gate"]
    assert job.state == "succeeded", job.error or worker.log()
    # Useful, not just finished: >= 90% int8 on held-out synthetic voices, far above always guessing one class.
    assert metrics["int8_tflm_top1"] >= 0.90, metrics["per_class"]
    assert gate["passed"] and gate["majority_baseline"] < 0.15 and gate["test_speakers"] >= 10
    assert staff.get_attribute("#quality-gate", "data-passed") == "true"
    recalls = staff.locator("#per-class tbody tr td:nth-child(3)").all_text_contents()
    assert recalls == [f"{to_fixed(row['recall'] * 100)}%" for row in metrics["per_class"]]
    assert len(recalls) == len(job.labels) == 12
    card = staff.text_content("#model-card")
    assert "Quality gates" in card and f"of {len(job.clip_ids)} clips are synthetic" in card

    staff.click("#publish")
    staff.locator("#published").wait_for()
    assert TrainingJob.objects.get(id=job.id).published_at is not None

    developer.goto("/models/")
    row = developer.locator(f"#model-{job.id}")
    assert row.locator('[data-field="int8_accuracy"]').text_content() == f"{round(metrics['int8_tflm_top1'] * 100)}%"
    row.locator("a", has_text=f"Model {job.id}").click()
    developer.wait_for_url(f"**/models/{job.id}/")
    developer.click("#download-package")
    download = sign_up_and_download(developer, username="dev", email="dev@example.org", password=PASSWORD)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.name.endswith(".zip") and "FAILED" not in path.name
    package = zipfile.ZipFile(path)
    model = package.read("model.tflite")
    assert hashlib.sha256(model).hexdigest() == hashlib.sha256(job.model_int8.read()).hexdigest()
    assert not package.read("README.md").decode().startswith("> **FAILED")
    # The downloaded model, in the TFLM interpreter a board uses, answers its golden vectors as packaged.
    golden = json.loads(package.read("golden_vectors.json"))
    inputs = np.array([v["input_int8"] for v in golden["vectors"]], dtype=np.int8)
    assert len(inputs) and golden["model_sha256"] == hashlib.sha256(model).hexdigest()
    outputs = quantize.tflm_run(model, inputs, golden["arena_bytes"])
    assert outputs.tolist() == [v["output_int8"] for v in golden["vectors"]]
