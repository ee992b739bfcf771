"""On a phone (390 x 844, touch): the nav on one line, the recorder's buttons in one row, no keyboard hints, and
the My data players inside their cards; nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.fixtures.live import open_recorder, record_take, submit_take, watched_page

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


@pytest.fixture
def phone(launch_chromium, fake_mic_yes, transactional_db, live_server, demo_campaign):
    browser = launch_chromium(fake_mic_yes.path)
    yield from watched_page(browser, live_server.url, permissions=["microphone"], **PHONE)


def fits_the_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_phone_gets_one_nav_line_one_row_of_buttons_and_players_that_fit(phone, demo_campaign):
    page = phone
    page.goto("/")
    bar = page.locator("header.topbar").bounding_box()
    link = page.locator("#nav-releases").bounding_box()
    assert bar["height"] < 2.2 * link["height"] + 24  # one line of links, not three
    fits_the_screen(page)

    open_recorder(page, demo_campaign.slug)
    tops = [page.locator(f"#{b}").bounding_box() for b in ("record", "play", "submit", "skip")]
    assert len({round(t["y"]) for t in tops}) == 1, tops  # one row
    assert all(t["x"] + t["width"] <= 390 for t in tops)
    assert not page.locator("#record kbd").is_visible()  # a touch screen has no R key
    fits_the_screen(page)

    for _ in range(2):
        record_take(page)
        submit_take(page)
    page.goto("/my-data/")
    page.locator("#clips li.clip audio").first.wait_for()
    for player in page.locator("#clips li.clip audio").all():
        box, card = player.bounding_box(), player.locator("xpath=ancestor::li[1]").bounding_box()
        assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
    fits_the_screen(page)
