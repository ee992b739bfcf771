"""The review page in real headless Chromium: listen, answer by keyboard, report, and never hear yourself."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from labeling.services import reviewer_trust_set
from tests.conftest import CAMPAIGN
from tests.factories import clip_recorded
from tests.fixtures.live import CONTRIBUTOR_COOKIE, consent_in_browser

pytestmark = pytest.mark.browser

LISTEN = f"/c/{CAMPAIGN}/listen/"
WAVE_BG = (242, 244, 248)  # listen.js WAVE_BG
WAVE_PLAYED = (48, 86, 211)  # listen.js WAVE_PLAYED


def wait_for_review(page, phase: str) -> None:
    page.wait_for_function("(p) => document.getElementById('reviewer').dataset.phase === p", arg=phase)


def shown_clip_id(page) -> str:
    return page.get_attribute("#reviewer", "data-clip-id")


def wait_for_next_clip(page, previous_id: str) -> str:
    page.wait_for_function(
        "(prev) => { const r = document.getElementById('reviewer'); "
        "return r.dataset.phase === 'empty' || (r.dataset.phase === 'ready' && r.dataset.clipId !== prev); }",
        arg=previous_id,
    )
    return shown_clip_id(page)


def play_to_end(page) -> None:
    page.keyboard.press("p")
    page.wait_for_function("document.getElementById('reviewer').dataset.heard === 'true'")


def answer_by_key(page, key: str) -> dict:
    """Press a key that answers; returns the 201 vote JSON."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/votes/" in r.url) as response_info:
        page.keyboard.press(key)
    response = response_info.value
    assert response.status == 201, response.text()
    return response.json()


def count_posts(page) -> list:
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    return posts


def test_keyboard_review_yes_no_skip_then_nothing_left(browser_page, demo_campaign):
    from collector.models import Clip
    from labeling.models import Vote

    clips = {str(c.id): c for c in (clip_recorded(demo_campaign, keyword=w) for w in ("yes", "no", "up"))}
    page = browser_page
    reviewer = consent_in_browser(page)
    reviewer_trust_set(reviewer_id=reviewer.id, trusted=True)  # their votes count (labeling/standing.py)
    posts = count_posts(page)
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    assert page.is_hidden("#standing")

    first = shown_clip_id(page)
    assert first in clips
    assert page.text_content("#keyword") == clips[first].keyword.text
    assert (
        page.is_disabled("#yes") and page.is_disabled("#no") and page.is_enabled("#skip") and page.is_enabled("#report")
    )
    assert page.get_attribute("#yes", "aria-keyshortcuts") == "Y"

    # Y or N before listening does nothing but say why.
    for key in ("y", "n"):
        page.keyboard.press(key)
        page.wait_for_function("document.getElementById('status').dataset.kind === 'warning'")
        assert "Listen to the whole clip" in page.text_content("#status")
        assert posts == [] and not Vote.objects.exists()
        page.evaluate("document.getElementById('status').dataset.kind = 'info'")

    play_to_end(page)
    assert page.is_enabled("#yes")
    body = answer_by_key(page, "y")
    assert body["kind"] == "valid" and body["clip"] == first
    vote = Vote.objects.get(clip_id=first)
    assert (vote.kind, vote.voter_id) == ("valid", reviewer.id)
    assert Clip.objects.get(id=first).valid_votes == 1

    second = wait_for_next_clip(page, first)
    assert second in clips and second != first
    assert page.is_disabled("#yes")  # the new clip has not been heard yet
    assert "you said yes" in page.text_content("#status")
    assert page.is_disabled("#no")  # nor can it be judged bad
    play_to_end(page)
    answer_by_key(page, "n")
    assert Vote.objects.get(clip_id=second, voter=reviewer).kind == "invalid"
    assert Clip.objects.get(id=second).invalid_votes == 1

    third = wait_for_next_clip(page, second)
    assert third in clips and third not in (first, second)
    answer_by_key(page, "s")
    assert Vote.objects.get(clip_id=third, voter=reviewer).kind == "skip"

    page.locator("#empty").wait_for(state="visible")
    wait_for_review(page, "empty")
    assert "Nothing left to review" in page.text_content("#empty")
    assert page.get_attribute("#empty-record", "href") == f"/c/{CAMPAIGN}/speak/"
    assert page.text_content("#session-count") == "2"  # the skip passed a clip on: it is not an answer
    assert page.get_attribute("#session-progress", "value") == "2"
    assert page.is_hidden("#session-done")  # the goal is 10
    assert Vote.objects.filter(voter=reviewer).count() == 3


def test_a_new_voter_is_told_why_their_votes_do_not_count_yet(browser_page, demo_campaign):
    from collector.models import Clip
    from labeling.models import Vote

    clip = clip_recorded(demo_campaign, keyword="yes")
    page = browser_page
    reviewer = consent_in_browser(page)
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    notice = page.text_content("#standing")
    assert page.is_visible("#standing") and "once you have answered 10 check clips" in notice
    assert "you have answered 0" in notice
    play_to_end(page)
    body = answer_by_key(page, "n")
    assert body["counted"] is False
    assert Vote.objects.get(clip=clip, voter=reviewer).weight == 0
    assert Clip.objects.get(id=clip.id).invalid_votes == 0  # kept, not counted


def test_report_with_a_reason_and_other_needs_a_note(browser_page, demo_campaign):
    from labeling.models import Vote

    for word in ("left", "right"):
        clip_recorded(demo_campaign, keyword=word)
    page = browser_page
    reviewer = consent_in_browser(page)
    reviewer_trust_set(reviewer_id=reviewer.id, trusted=True)  # their votes count (labeling/standing.py)
    posts = count_posts(page)
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    assert page.is_hidden("#standing")

    first = shown_clip_id(page)
    assert page.is_hidden("#report-panel")
    page.click("#report")
    assert page.is_visible("#report-panel") and page.get_attribute("#report", "aria-expanded") == "true"
    assert page.is_visible("#report-reason input[value='offensive']")
    assert "Offensive or personal information" in page.text_content("#report-reason")
    page.check("#report-reason input[value='noisy']")
    with page.expect_response(lambda r: r.request.method == "POST" and "/votes/" in r.url) as response_info:
        page.click("#report-submit")
    assert response_info.value.status == 201
    vote = Vote.objects.get(clip_id=first)
    assert (vote.kind, vote.reason, vote.note, vote.voter_id) == ("report", "noisy", "", reviewer.id)

    second = wait_for_next_clip(page, first)
    assert page.is_hidden("#report-panel")  # closed and cleared for the next clip
    page.keyboard.press("r")  # the report key opens it too
    page.locator("#report-panel").wait_for(state="visible")
    assert not page.is_checked("#report-reason input[value='noisy']")
    page.check("#report-reason input[value='other']")
    sent = len(posts)
    page.click("#report-submit")
    page.locator("#report-error").wait_for(state="visible")
    assert "note" in page.text_content("#report-error")
    assert len(posts) == sent and not Vote.objects.filter(clip_id=second).exists()

    # Typing in the note (y, n, s, p, r among the letters) answers nothing.
    page.fill("#report-note", "")
    page.type("#report-note", "Someone says a name: Perry, in the background")
    assert len(posts) == sent and page.is_visible("#report-panel")
    with page.expect_response(lambda r: r.request.method == "POST" and "/votes/" in r.url) as response_info:
        page.click("#report-submit")
    assert response_info.value.status == 201
    vote = Vote.objects.get(clip_id=second)
    assert (vote.kind, vote.reason, vote.note) == ("report", "other", "Someone says a name: Perry, in the background")
    page.locator("#empty").wait_for(state="visible")
    assert page.text_content("#session-count") == "2"


def test_reviewer_never_gets_their_own_clip(browser_page, demo_campaign):
    from labeling.models import Vote

    page = browser_page
    reviewer = consent_in_browser(page)
    own = clip_recorded(demo_campaign, contributor=reviewer, keyword="go")
    other = clip_recorded(demo_campaign, keyword="stop")
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    assert shown_clip_id(page) == str(other.id)
    answer_by_key(page, "s")
    page.locator("#empty").wait_for(state="visible")
    assert page.text_content("#keyword") != "go"
    assert not Vote.objects.filter(clip=own).exists()
    # Nor through the API by id: it was never served to them.
    audio = page.request.get(f"/api/review/clips/{own.id}/audio/")
    assert audio.status == 403 and audio.json()["error"] == "not_served"


def canvas_pixels(page) -> dict:
    """Share of the waveform canvas in the background, unplayed and played colours, overall and at the edges."""
    return page.evaluate(
        """([bg, played]) => {
            const c = document.getElementById('waveform');
            const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
            const near = (i, rgb) =>
                Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 12;
            let ink = 0, blue = 0, edgeInk = 0, edgeTotal = 0;
            const edge = Math.floor(c.width * 0.15);
            for (let y = 0; y < c.height; y++) {
                for (let x = 0; x < c.width; x++) {
                    const i = (y * c.width + x) * 4;
                    const isInk =
                        Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) > 60;
                    if (isInk) ink++;
                    if (near(i, played)) blue++;
                    if (x < edge) { edgeTotal++; if (isInk) edgeInk++; }
                }
            }
            const total = c.width * c.height;
            return {
                width: c.width, height: c.height, ink: ink / total, played: blue / total, edgeInk: edgeInk / edgeTotal,
            };
        }""",
        [list(WAVE_BG), list(WAVE_PLAYED)],
    )


def test_waveform_is_drawn_and_fills_as_it_plays(browser_page, demo_campaign):
    clip_recorded(demo_campaign, keyword="yes")  # a tone in the middle half of one second, amplitude 0.3
    page = browser_page
    consent_in_browser(page)
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    before = canvas_pixels(page)
    assert before["width"] > 300 and before["height"] > 50
    assert before["ink"] > 0.2  # the tone, drawn near full height across half the width
    assert before["edgeInk"] < 0.05  # and quiet before it starts: the shape of this clip, not a fill
    assert before["played"] == 0
    play_to_end(page)
    after = canvas_pixels(page)
    assert after["played"] > 0.2 and after["ink"] == pytest.approx(before["ink"], abs=0.02)


def test_listen_needs_consent_except_for_reviewer_accounts(browser_page, demo_campaign):
    from django.contrib.auth.models import User

    from labeling.models import Vote

    page = browser_page
    page.goto(LISTEN)
    page.wait_for_url(f"**/c/{CAMPAIGN}/consent/?then=listen")  # and back to listening after consenting
    assert CONTRIBUTOR_COOKIE not in {c["name"] for c in page.context.cookies()}

    # A logged-in reviewer account reviews without a volunteer consent.
    clip = clip_recorded(demo_campaign, keyword="down")
    User.objects.create_user("reviewer", password="listen-carefully", is_staff=True)
    page.goto("/admin/login/?next=/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", "listen-carefully")
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.goto(LISTEN)
    wait_for_review(page, "ready")
    assert page.url.endswith(LISTEN) and shown_clip_id(page) == str(clip.id)
    play_to_end(page)
    answer_by_key(page, "n")
    assert Vote.objects.get(clip=clip).voter.user.username == "reviewer"


def test_home_and_recorder_link_to_review(browser_page, demo_campaign):
    page = browser_page
    page.goto("/")
    assert page.locator(f"a[href='{LISTEN}']", has_text="Review recordings").count() == 1
    consent_in_browser(page)
    page.goto(f"/c/{CAMPAIGN}/speak/")
    assert page.get_attribute("#to-listen", "href") == LISTEN
