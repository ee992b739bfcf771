"""The recorder page in real headless Chromium, with a fake microphone saying 'yes' every second."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from kws.audio import TARGET_SAMPLE_RATE
from kws.quality import TOO_QUIET_MEAN_ABS, loudest_window_mean_abs
from tests.fixtures.live import make_fake_mic, open_recorder, record_take, submit_take

pytestmark = pytest.mark.browser

TAKE_S = 1.5


def best_loop_correlation(take: np.ndarray, loop: np.ndarray) -> float:
    """Highest normalized cross-correlation of `take` with any same-length stretch of `loop` repeated.

    The fake microphone repeats `loop`, and a take starts anywhere in it, so every lag over one
    period is tried. 1.0 is the same waveform up to gain; unrelated signals score near 0.
    """
    periods = int(np.ceil(len(take) / len(loop))) + 1
    reference = np.tile(loop.astype(np.float64), periods + 1)
    take = take.astype(np.float64)
    n = len(take)
    size = 1 << int(np.ceil(np.log2(len(reference) + n)))
    dots = np.fft.irfft(np.fft.rfft(reference, size) * np.conj(np.fft.rfft(take, size)), size)[: len(loop)]
    energy = np.concatenate(([0.0], np.cumsum(reference**2)))
    window_norms = np.sqrt(energy[n : n + len(loop)] - energy[: len(loop)])
    denominator = np.linalg.norm(take) * window_norms
    scores = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 1e-9)
    return float(scores.max())


def test_record_yes(browser_page, fake_mic_yes, tmp_path):
    from collector.models import Clip

    page = browser_page
    open_recorder(page)
    prompted = page.text_content("#prompt")
    record_take(page)
    clip_json = submit_take(page)
    assert page.text_content("#session-count") == "1"
    assert page.evaluate("document.getElementById('session-progress').value") == 1  # one of the session's 10
    assert page.is_hidden("#session-done")
    assert "Saved" in page.text_content("#status")

    clip = Clip.objects.get(id=clip_json["id"])
    assert clip.keyword.text == prompted == clip_json["keyword"]
    with clip.audio.open("rb") as f:
        stored = f.read()
    info = sf.info(io.BytesIO(stored))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_16", TARGET_SAMPLE_RATE, 1)
    samples, _ = sf.read(io.BytesIO(stored), dtype="float32")
    assert abs(len(samples) / TARGET_SAMPLE_RATE - TAKE_S) <= 0.05
    # The original upload was already canonical: the browser did the resampling and encoding.
    assert (clip.original_sample_rate, clip.original_channels, clip.original_format) == (
        TARGET_SAMPLE_RATE,
        1,
        "WAV/PCM_16",
    )

    # Not silence, and no gain control: every 1 s stretch of a 1 s loop holds the same sound, so
    # the take's loudest second matches the source's when the browser passes the level through.
    loudest = loudest_window_mean_abs(samples, TARGET_SAMPLE_RATE)
    source_loudest = loudest_window_mean_abs(np.tile(fake_mic_yes.loop, 2), TARGET_SAMPLE_RATE)
    assert loudest > 2 * TOO_QUIET_MEAN_ABS
    assert loudest == pytest.approx(source_loudest, rel=0.15)
    assert not clip.too_quiet and clip.loudest_1s_mean_abs == pytest.approx(loudest, abs=1e-5)

    # It holds the spoken word: close to the espeak loop the microphone played, far from controls.
    score = best_loop_correlation(samples, fake_mic_yes.loop)
    other_word = best_loop_correlation(samples, make_fake_mic("no", tmp_path).loop)
    noise = best_loop_correlation(np.random.default_rng(0).normal(0, 0.1, len(samples)), fake_mic_yes.loop)
    print(
        f"correlation with the 'yes' loop {score:.3f}, with a 'no' loop {other_word:.3f}, noise with 'yes' {noise:.3f}"
    )
    assert score >= 0.8  # measured about 0.96
    assert other_word < 0.5 and noise < 0.1  # measured about 0.31 and 0.02


def test_playback_and_skip_by_keyboard(browser_page):
    page = browser_page
    open_recorder(page)
    record_take(page)

    # The take is a 16 kHz WAV blob in the page, 1.5 s long, and P plays it.
    take = page.locator("#take-audio")
    assert take.get_attribute("src").startswith("blob:")
    page.wait_for_function("document.getElementById('take-audio').readyState >= 1")
    assert take.evaluate("a => a.duration") == pytest.approx(TAKE_S, abs=0.01)
    assert page.is_enabled("#play") and page.is_enabled("#submit")
    assert page.text_content("#record-label") == "Re-record"
    assert page.is_visible("#level")
    page.keyboard.press("p")
    page.wait_for_function("(a => !a.paused && a.currentTime > 0.2)(document.getElementById('take-audio'))")

    # S skips to a different word, asking the server not to repeat the one shown, and drops the take.
    seen = [page.text_content("#prompt")]
    for _ in range(3):
        shown_id = page.get_attribute("#prompt", "data-keyword-id")
        with page.expect_response(lambda r: "/prompt/" in r.url) as response_info:
            page.keyboard.press("s")
        assert response_info.value.url.endswith(f"/prompt/?previous={shown_id}")
        page.wait_for_function("document.getElementById('recorder').dataset.phase === 'idle'")
        word = page.text_content("#prompt")
        assert word != seen[-1]
        assert "Skipped" in page.text_content("#status")
        seen.append(word)
        assert take.get_attribute("src") is None
        assert page.is_disabled("#play") and page.is_disabled("#submit")
    assert page.text_content("#session-count") == "0"


def test_quiet_take_is_flagged_before_and_after_upload(
    launch_chromium, live_server, transactional_db, demo_campaign, tmp_path
):
    """A whispering microphone: the page warns before upload, the server agrees, and the word stays."""
    quiet_mic = make_fake_mic("yes", tmp_path, peak=0.01)
    page = launch_chromium(quiet_mic.path).new_context(base_url=live_server.url, permissions=["microphone"]).new_page()
    open_recorder(page)
    word = page.text_content("#prompt")
    record_take(page)
    assert page.is_visible("#quiet-warning")
    assert "too quiet" in page.text_content("#status")
    clip = submit_take(page)
    assert clip["too_quiet"] is True
    assert page.is_visible("#quiet-warning") and "too quiet" in page.text_content("#quiet-warning")
    assert page.text_content("#prompt") == word  # offered again, to re-record louder


def test_rate_limit_keeps_the_take_and_shows_the_wait(browser_page, settings):
    settings.CHORUS_UPLOAD_RATE_CONTRIBUTOR = "1/min"
    page = browser_page
    open_recorder(page)
    record_take(page)
    submit_take(page)
    record_take(page)
    with page.expect_response(lambda r: r.request.method == "POST" and "/clips/" in r.url) as response_info:
        page.keyboard.press("Enter")
    assert response_info.value.status == 429
    page.wait_for_function("document.getElementById('status').textContent.includes('submit again in')")
    assert page.is_disabled("#submit")
    assert page.get_attribute("#take-audio", "src").startswith("blob:")  # the take is kept
    assert page.text_content("#session-count") == "1"


def test_microphone_denied_says_so(launch_chromium, live_server, transactional_db, demo_campaign):
    browser = launch_chromium(None, fake_ui=False)
    page = browser.new_context(base_url=live_server.url).new_page()  # microphone permission not granted
    open_recorder(page)
    page.keyboard.press("r")
    page.wait_for_function("document.getElementById('status').dataset.kind === 'error'")
    assert "Microphone access was denied" in page.text_content("#status")
    assert page.is_enabled("#record") and page.is_hidden("#level")


def test_a_wake_word_campaign_records_2_s_takes(browser_page):
    from collector.models import Campaign, Clip, Keyword

    language = Campaign.objects.get(slug="speech-commands-demo").language
    wake = Campaign.objects.create(slug="jarvis", name="Jarvis", language=language, kind=Campaign.Kind.WAKE_WORD)
    Keyword.objects.create(campaign=wake, text="hey jarvis", language=language)
    page = browser_page
    open_recorder(page, "jarvis")
    assert page.text_content("#prompt") == "hey jarvis"
    record_take(page)
    page.wait_for_function("document.getElementById('take-audio').readyState >= 1")
    assert page.locator("#take-audio").evaluate("a => a.duration") == pytest.approx(2.0, abs=0.01)
    clip = Clip.objects.get(id=submit_take(page)["id"])
    assert (clip.campaign_id, clip.keyword.text) == (wake.id, "hey jarvis")
    assert clip.num_samples == pytest.approx(2 * TARGET_SAMPLE_RATE, abs=0.05 * TARGET_SAMPLE_RATE)
