"""The staff training pages in real headless Chromium: launch from the form, follow a job live, cancel one."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest

from collector.models import Clip
from tests.conftest import CORE_WORDS
from tests.fixtures.live import to_fixed, watched_page
from tests.training.test_jobs import synthetic_campaign

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "train-them-small"
TRAIN_RGB = (48, 86, 211)  # training_job.js CHART.train
VALIDATION_RGB = (232, 89, 12)  # training_job.js CHART.validation
JOB_TIMEOUT_MS = 15_000  # the page polls every 2 s


HELD_QUEUE = "training-held-by-browser-tests"


@pytest.fixture
def page(launch_chromium, transactional_db, live_server, settings):
    """A fresh page (no cookies) on the live server; fails the test on an uncaught JavaScript error.

    Jobs launched here go to a queue no worker consumes, so a page can be watched while its job waits even when
    another test has started a worker; the tests run the job themselves."""
    from config.celery import app

    settings.CHORUS_TRAINING_QUEUE = HELD_QUEUE
    yield from watched_page(launch_chromium(fake_ui=False), live_server.url)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(HELD_QUEUE)


def log_in_as_staff(page, username: str = "trainer"):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user(username, password=STAFF_PASSWORD, is_staff=True)
    # staff status opens the pages; the training permissions let them act
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["training", "releases"]))
    page.goto("/admin/login/?next=/training/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/training/")
    return user


def wait_for_data(page) -> None:
    """Wait until the data overview has loaded (the keyword boxes follow it)."""
    page.locator("#data-table").wait_for(state="visible")
    page.locator("#data-status").wait_for(state="hidden")


def keyword_boxes(page) -> dict[str, bool]:
    wait_for_data(page)
    boxes = page.locator("#keyword-boxes input[type=checkbox]")
    return {boxes.nth(i).get_attribute("value"): boxes.nth(i).is_checked() for i in range(boxes.count())}


def launch_from_form(
    page, *, keywords: list[str] | None = None, architecture: str | None = None, epochs: int | None = None
):
    """Fill the launch form (None keeps a field's default), submit, and return the new job once its page is open."""
    from training.models import TrainingJob

    wait_for_data(page)
    if keywords is not None:
        for word in keyword_boxes(page):
            page.locator(f'#keyword-boxes input[value="{word}"]').set_checked(word in keywords)
    if architecture is not None:
        page.select_option("#architecture", architecture)
    if epochs is not None:
        page.fill("#epochs", str(epochs))
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/api/training/jobs/")
    ) as response_info:
        page.click("#launch-submit")
    assert response_info.value.status == 201
    page.wait_for_url(re.compile(r"/training/jobs/\d+/$"))
    return TrainingJob.objects.get(id=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def wait_for_state(page, state: str, timeout: int = JOB_TIMEOUT_MS) -> None:
    """Wait until the job page has shown an API answer with this state (the server-rendered one does not count)."""
    page.wait_for_function(
        "(s) => { const job = document.getElementById('job'); "
        "return job.dataset.polled === 'true' && job.dataset.state === s; }",
        arg=state,
        timeout=timeout,
    )


def curve_pixels(page, canvas: str = "curves") -> dict:
    """Pixels of the training and validation colours on a chart canvas (legend samples included)."""
    return page.evaluate(
        """([id, train, validation]) => {
            const canvas = document.getElementById(id);
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            const near = (i, rgb) =>
                Math.abs(data[i] - rgb[0]) < 40 &&
                Math.abs(data[i + 1] - rgb[1]) < 40 &&
                Math.abs(data[i + 2] - rgb[2]) < 40;
            let t = 0, v = 0, ink = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (near(i, train)) t++;
                if (near(i, validation)) v++;
                if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) ink++;
            }
            return { train: t, validation: v, ink, drawn: Number(canvas.dataset.epochsDrawn) };
        }""",
        [canvas, list(TRAIN_RGB), list(VALIDATION_RGB)],
    )


def test_launch_from_the_form_then_follow_the_job_to_its_results(page, demo_campaign, tmp_path):
    from training.jobs import job_run
    from training.models import TrainingJob

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=30)
    staff = log_in_as_staff(page)
    assert page.get_attribute("#nav-training", "href") == "/training/"
    assert page.input_value("#campaign") == demo_campaign.slug
    # The campaign's keywords, fillers left out; only those with clips ticked.
    assert keyword_boxes(page) == {word: word in ("yes", "no", "up") for word in CORE_WORDS}
    assert page.text_content('#keyword-boxes label:has(input[value="left"]) .meta') == " no clips"
    rows = page.locator("#data-body tr")
    shown = {
        rows.nth(i).get_attribute("data-keyword"): int(rows.nth(i).get_attribute("data-clips"))
        for i in range(rows.count())
    }
    held = Counter(Clip.objects.filter(campaign=demo_campaign).values_list("keyword__text", flat=True))
    assert shown == {word: held.get(word, 0) for word in demo_campaign.keywords.values_list("text", flat=True)}
    assert page.locator('#data-body tr[data-keyword="yes"] .data-bar span').count() == 3  # training, validation, test
    assert "No prepared clips for down, left, right, on, off, stop, go: left unticked" in page.text_content(
        "#data-warnings"
    )
    assert (
        page.input_value("#architecture") == "ds_cnn"
        and page.input_value("#epochs") == "30"
        and page.input_value("#seed") == "0"
    )

    job = launch_from_form(page, keywords=["yes", "no"], architecture="tiny_conv", epochs=3)
    assert (job.keywords, job.architecture, job.epochs, job.seed, job.created_by) == (
        ["yes", "no"],
        "tiny_conv",
        3,
        0,
        staff,
    )
    wait_for_state(page, "queued")
    assert page.text_content("#job-state") == "Queued"
    assert (page.get_attribute("#job-progress", "value"), page.get_attribute("#job-progress", "max")) == ("0", "3")
    assert page.text_content("#job-epoch") == "epoch 0 of 3"
    assert page.is_visible("#cancel") and page.is_hidden("#results")
    before = curve_pixels(page)
    assert before["drawn"] == 0

    job = job_run(job_id=job.id)  # in this process: no worker needed; the page keeps polling meanwhile
    assert job.state == "succeeded", job.error
    wait_for_state(page, "succeeded")
    assert page.text_content("#job-state") == "Succeeded"
    assert page.evaluate(
        "[document.getElementById('job-progress').value, document.getElementById('job-progress').max]"
    ) == [3, 3]
    assert page.text_content("#job-epoch") == "epoch 3 of 3"
    assert page.is_hidden("#cancel")

    after = curve_pixels(page)
    assert after["drawn"] == 3
    assert (
        after["train"] > before["train"] + 100 and after["validation"] > before["validation"] + 50
    )  # lines and markers
    assert after["ink"] > before["ink"]
    assert curve_pixels(page, "accuracy-curves")["drawn"] == 3

    metrics = job.metrics
    agreement = page.text_content('#metrics tr[data-metric="tflite_tflm_agreement"] td')
    assert agreement == f"{to_fixed(metrics['tflite_tflm_agreement'] * 100, 2)} %"
    assert (
        page.text_content('#metrics tr[data-metric="int8_tflm_top1"] td')
        == f"{to_fixed(metrics['int8_tflm_top1'] * 100)} %"
    )
    assert page.text_content('#metrics tr[data-metric="test_examples"] td') == f"{metrics['test_examples']:,}"
    assert page.locator("#metrics tr").count() == 7
    assert page.locator("#labels li").all_text_contents() == job.labels
    assert set(page.locator("#ops li").all_text_contents()) == set(job.ops)
    assert page.text_content('#lineage [data-field="clips"]') == f"{len(job.clip_ids):,}"
    assert page.text_content('#lineage [data-field="feature_params_hash"]') == job.feature_params_hash
    assert page.text_content('#lineage [data-field="code_version"]') == job.code_version
    if metrics.get("confusion_matrix"):
        page.wait_for_function("document.getElementById('confusion').naturalWidth > 0")
        assert page.get_attribute("#confusion", "src") == f"/api/training/jobs/{job.id}/confusion.png"
        counts = [int(c) for c in page.locator("#confusion-grid .cm-count").all_text_contents()]
        assert (
            counts == [c for row in metrics["confusion_matrix"] for c in row]
            and sum(counts) == metrics["test_examples"]
        )
        assert page.locator("#confusion-grid .cm-row").all_text_contents() == job.labels
    else:
        assert page.is_hidden("#confusion-box")

    # The jobs table lists it, finished, with its int8 accuracy.
    page.goto("/training/")
    row = page.locator(f'#jobs-body tr[data-job-id="{job.id}"]')
    row.wait_for()
    assert row.get_attribute("data-state") == "succeeded"
    assert row.locator("td").nth(6).text_content() == f"{to_fixed(metrics['int8_tflite_top1'] * 100)} %"
    row.locator("a").click()
    page.wait_for_url(f"**/training/jobs/{job.id}/")
    wait_for_state(page, "succeeded")
    assert TrainingJob.objects.count() == 1


def test_cancel_a_queued_job_from_its_page(page, demo_campaign, tmp_path):
    from training.models import TrainingJob

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=20)
    log_in_as_staff(page)
    job = launch_from_form(page)  # the defaults: every keyword that has clips, ds_cnn, 30 epochs
    assert (job.keywords, job.architecture, job.epochs) == (["yes", "no", "up"], "ds_cnn", 30)
    wait_for_state(page, "queued")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.once("dialog", lambda dialog: dialog.dismiss())  # changed their mind: nothing happens
    page.click("#cancel")
    page.wait_for_timeout(300)
    assert posts == [] and TrainingJob.objects.get(id=job.id).state == "queued"

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/api/training/jobs/{job.id}/cancel/")
    ) as response_info:
        page.click("#cancel")
    assert response_info.value.status == 200
    wait_for_state(page, "cancelled")
    assert TrainingJob.objects.get(id=job.id).state == "cancelled"
    assert page.text_content("#job-state") == "Cancelled" and page.is_hidden("#cancel")
    assert page.get_attribute("#job-progress", "value") == "0"


def test_launch_errors_show_the_api_detail(page, demo_campaign):
    from training.models import TrainingJob

    log_in_as_staff(page)
    assert not any(keyword_boxes(page).values())  # no clips anywhere: nothing ticked
    assert "No prepared clips for yes, no, up" in page.text_content("#data-warnings")
    page.click("#launch-submit")
    assert page.text_content("#launch-error") == "Choose at least one keyword."
    page.click("#keywords-all")
    with page.expect_response(lambda r: r.request.method == "POST") as response_info:
        page.click("#launch-submit")
    assert response_info.value.status == 409  # nothing is prepared yet
    page.locator("#launch-error").wait_for(state="visible")
    assert "has no prepared valid clips yet" in page.text_content("#launch-error")
    assert page.url.endswith("/training/") and not TrainingJob.objects.exists()


def test_training_pages_are_for_staff_only(page, demo_campaign):
    for path in ("/training/", "/training/jobs/1/"):
        page.goto(path)
        url = urlparse(page.url)
        assert url.path == "/admin/login/" and parse_qs(url.query)["next"] == [path]
    page.goto("/")
    assert page.locator("#nav-training").count() == 0
