"""The try page in headless Chromium with a fake microphone saying 'hey jarvis' every second: record, see what the
published model heard, be sent to the consent form, donate the same take as a clip."""

from __future__ import annotations

import numpy as np
import pytest

from collector.models import Clip
from kws.audio import read_wav
from tests.fixtures.live import consent_in_browser, make_fake_mic, watched_page
from tests.services import require_espeak
from tests.training.tried import PHRASE, SLUG, published_wake_word_job, wake_word_campaign

pytestmark = pytest.mark.browser


def take_in_page(page) -> bytes:
    """The take the page holds (the blob its player plays, the one it sends to be scored and donated)."""
    return bytes(
        page.evaluate(
            "async () => Array.from(new Uint8Array(await (await fetch("
            "document.getElementById('take-audio').src)).arrayBuffer()))"
        )
    )


def wait_for_phase(page, phase: str) -> None:
    page.wait_for_function(
        "(p) => document.getElementById('try-recorder').dataset.phase === p", arg=phase, timeout=20_000
    )


@pytest.fixture
def page(launch_chromium, live_server, transactional_db, demo_campaign, tmp_path):
    """A fresh page whose microphone says the phrase every second; fails on any uncaught JavaScript error."""
    require_espeak()
    mic = make_fake_mic(PHRASE, tmp_path)
    yield from watched_page(launch_chromium(mic.path), live_server.url, permissions=["microphone"])


def test_record_see_what_it_heard_and_donate(page, demo_campaign):
    job = published_wake_word_job(wake_word_campaign(demo_campaign))
    page.goto(f"/models/{job.id}/")
    page.click("#try-model")
    page.wait_for_url(f"**/models/{job.id}/try/")
    wait_for_phase(page, "idle")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/try/")) as scored:
        page.keyboard.press("r")
    wait_for_phase(page, "scored")
    result = scored.value.json()
    sent = take_in_page(page)
    samples, rate = read_wav(sent)
    assert rate == 16_000 and len(samples) == 3 * 16_000 and np.abs(samples).max() > 0.1

    # The page shows what the API answered: each wake with its time and score, and the curve it drew.
    items = page.locator("#detections li").all_text_contents()
    assert len(items) == len(result["detections"])
    for item, d in zip(items, result["detections"]):
        assert item == f"{d['label']} at {d['time_ms'] / 1000:.2f} s, score {d['score']:.2f}"
    assert page.get_attribute("#heard", "data-labels") == ",".join(d["label"] for d in result["detections"])
    assert page.get_attribute("#probability-plot", "data-series") == PHRASE
    assert len(result["series"][PHRASE]) == len(result["times_ms"]) > 90  # a probability every 30 ms over 3 s
    assert page.is_visible("#donate") and not Clip.objects.exists()  # nothing stored by trying

    # Donating without consent: refused, with the way to the consent form; the take stays in the page.
    page.select_option("#donate-keyword", PHRASE)
    with page.expect_response(lambda r: r.url.endswith("/donate/")) as refused:
        page.click("#donate-clip")
    assert refused.value.status == 403
    link = page.locator("#donate-status a")
    assert link.get_attribute("href") == f"/c/{SLUG}/consent/" and link.get_attribute("target") == "_blank"
    other_tab = page.context.new_page()
    contributor = consent_in_browser(other_tab, SLUG)
    with page.expect_response(lambda r: r.url.endswith("/donate/")) as donated:
        page.click("#donate-clip")
    assert donated.value.status == 201, donated.value.text()
    assert take_in_page(page) == sent  # still the take that was scored
    assert "goes to review" in page.text_content("#donate-status")
    assert page.is_disabled("#donate-clip") and page.is_disabled("#donate-negative")  # once per take

    clip = Clip.objects.get(id=donated.value.json()["clip"]["id"])
    assert clip.contributor_id == contributor.id and clip.keyword.text == PHRASE and clip.status == "pending"
    with clip.audio.open("rb") as f:
        np.testing.assert_array_equal(read_wav(f.read())[0], samples)  # what was scored is what is stored
