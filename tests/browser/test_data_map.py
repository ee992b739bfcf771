"""The data map page in real headless Chromium: compute a map from the page, watch it finish, see the points coloured
by the selector, click one and hear that clip."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from collector.models import Clip
from tests.fixtures.live import watched_page
from tests.training.test_jobs import synthetic_campaign
from training import jobs
from training.data_map import data_map_run
from training.models import DataMap

pytestmark = pytest.mark.browser
PASSWORD = "see-the-dataset"
HELD_QUEUE = "data-maps-held-by-browser-tests"
KEYWORDS = ["yes", "no", "up", "bed", "cat"]  # the model's keywords first, then the other words
SPLITS = ["training", "validation", "testing"]


@pytest.fixture
def page(launch_chromium, transactional_db, live_server, settings):
    """A fresh page; the maps it queues go to a queue no worker consumes (the test runs them), purged afterwards."""
    from config.celery import app

    settings.CHORUS_DATA_MAP_QUEUE = HELD_QUEUE
    settings.CHORUS_TASK_QUEUES = {**settings.CHORUS_TASK_QUEUES, "training.data_map": "CHORUS_DATA_MAP_QUEUE"}
    yield from watched_page(launch_chromium(fake_ui=False), live_server.url)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(HELD_QUEUE)


def log_in(page, slug: str) -> None:
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("mapper", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="training") | Permission.objects.filter(codename="view_clip")
    )
    page.goto(f"/admin/login/?next=/training/campaigns/{slug}/data-map/")
    page.fill("#id_username", "mapper")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == f"/training/campaigns/{slug}/data-map/")


def pixel(page, x: float, y: float) -> str:
    """The canvas's colour at (x, y) CSS pixels, as #rrggbb."""
    return page.evaluate(
        """([x, y]) => {
            const canvas = document.getElementById("map");
            const ratio = canvas.width / canvas.getBoundingClientRect().width;
            const at = (v) => Math.round(v * ratio);
            const [r, g, b] = canvas.getContext("2d").getImageData(at(x), at(y), 1, 1).data;
            return "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
        }""",
        [x, y],
    )


def legend(page) -> dict[str, str]:
    items = page.locator("#legend li[data-value]")
    entries = [items.nth(i) for i in range(items.count())]
    return {item.get_attribute("data-value"): item.get_attribute("data-colour") for item in entries}


def test_staff_compute_the_map_see_it_coloured_by_the_selector_and_hear_a_clicked_clip(page, tmp_path, demo_campaign):
    campaign = demo_campaign
    synthetic_campaign(tmp_path / "sc", campaign, speakers=20)
    job = jobs.job_launch(campaign=campaign, keywords=["yes", "no", "up"], architecture="tiny_conv", epochs=3)
    assert jobs.job_run(job_id=job.id).finished_with_model
    log_in(page, campaign.slug)
    page.locator("#map-status", has_text="No map yet for this campaign.").wait_for()
    assert page.locator("#map-box").is_hidden() and page.inner_text("#recompute") == "Compute the map"
    page.click("#recompute")
    page.locator('#map-state[data-state="queued"]').wait_for()
    assert page.locator("#map-progress-box").is_visible() and page.inner_text("#map-stage") == "waiting for a worker"
    queued = DataMap.objects.get(campaign=campaign, state="queued")
    assert data_map_run(map_id=queued.id).state == "succeeded"  # what the worker does

    page.locator('#map-state[data-state="succeeded"]').wait_for(timeout=15_000)
    canvas = page.locator("#map")
    canvas.wait_for(state="visible")
    valid = Clip.objects.filter(campaign=campaign, status="valid").count()
    assert canvas.get_attribute("data-points-drawn") == str(valid) == "200"
    assert f"{valid} clips" in page.inner_text("#map-summary")
    positions = page.evaluate("Chorus.dataMap.positions()")
    stored = {p["id"]: p for p in DataMap.objects.get(id=queued.id).points}
    assert {p["id"] for p in positions} == set(stored)

    # a point that no other point covers (points are 3.5 px discs) nor an outlier's ring (7 px), to read and click
    def alone(p):
        return all(
            (q["x"] - p["x"]) ** 2 + (q["y"] - p["y"]) ** 2 > (10 if q["outlier"] else 8) ** 2
            for q in positions
            if q is not p
        )

    # ... whose keyword and split are not in the same place of their legends (both start from the same palette)
    lonely = [
        p
        for p in positions
        if alone(p)
        and not p["outlier"]
        and KEYWORDS.index(stored[p["id"]]["keyword"]) != SPLITS.index(stored[p["id"]]["split"])
    ]
    assert lonely, "every point overlaps another"
    target = lonely[0]
    point = stored[target["id"]]
    by_keyword = legend(page)
    assert list(by_keyword) == KEYWORDS
    assert len(set(by_keyword.values())) == 5
    assert pixel(page, target["x"], target["y"]) == by_keyword[point["keyword"]]

    page.select_option("#colour-by", "split")
    assert canvas.get_attribute("data-colour-by") == "split"
    by_split = legend(page)
    assert list(by_split) == SPLITS
    assert pixel(page, target["x"], target["y"]) == by_split[point["split"]] != by_keyword[point["keyword"]]

    audio_path = f"/admin/collector/clip/{target['id']}/audio/"
    with page.expect_response(lambda r: urlparse(r.url).path == audio_path) as response:
        canvas.click(position={"x": target["x"], "y": target["y"]})  # scrolled into view, from its top left
    assert response.value.status == 200 and response.value.headers["content-type"] == "audio/wav"
    assert page.get_attribute("#selected", "data-clip") == target["id"]
    assert page.inner_text("#selected-keyword") == f'"{point["keyword"]}"'
    page.wait_for_function("document.getElementById('player').duration > 0.9")
    assert urlparse(page.evaluate("document.getElementById('player').currentSrc")).path == audio_path
