"""The admin's clip list fits a 1280 x 800 screen beside its filters: no sideways scrolling to reach the player."""

from __future__ import annotations

import pytest

from tests.fixtures.live import watched_page

pytestmark = pytest.mark.browser


def test_the_clip_list_fits_1280_px(launch_chromium, transactional_db, live_server, demo_campaign):
    from django.contrib.auth import get_user_model

    from tests.factories import clip_recorded

    for word in ("yes", "no", "up", "down", "left"):
        clip_recorded(demo_campaign, keyword=word)
    get_user_model().objects.create_superuser("boss", "", "a long admin passphrase")
    page = next(watched_page(launch_chromium(), live_server.url, viewport={"width": 1280, "height": 800}))
    page.goto("/admin/login/?next=/admin/collector/clip/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a long admin passphrase")
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list tbody tr")
    assert page.locator("#result_list tbody tr").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    player = page.locator("#result_list tbody tr audio").first.bounding_box()
    assert player["x"] + player["width"] <= 1280
    assert page.locator("#changelist-filter").is_visible()  # the filters are still beside it
