"""The coverage heatmap in real headless Chromium: from the quality dashboard to the cells, then the public page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from preparation.models import PreparedClip
from tests.fixtures.live import watched_page

pytestmark = pytest.mark.browser
PASSWORD = "see-where-it-is-thin"


@pytest.fixture
def page(launch_chromium, transactional_db, live_server):
    yield from watched_page(launch_chromium(fake_ui=False), live_server.url)


def test_staff_follow_the_dashboard_to_the_heatmap_and_see_each_cell_coloured_by_its_share(
    page, campaign_with_speakers
):
    from django.contrib.auth.models import Permission, User

    campaign = campaign_with_speakers
    user = User.objects.create_user("curator", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_vote", "view_demographics", "view_campaign"])
    )
    page.goto(f"/admin/login/?next=/admin/labeling/quality/?campaign={campaign.slug}")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/admin/labeling/quality/")
    page.click("#coverage-link")
    page.wait_for_url(lambda url: urlparse(url).path == "/admin/collector/coverage/")

    tested = PreparedClip.objects.filter(
        clip__keyword__text="yes", clip__contributor__demographics__accent="scottish", split="testing"
    ).count()
    cell = page.locator(
        'tbody[data-keyword="yes"] td[data-field="accent"][data-group="scottish"][data-split="testing"]'
    )
    target = 11  # 1000 clips per keyword / 9 accents, rounded up: 112; a tenth of it for the test split
    assert cell.inner_text() == f"{tested}/{target}"
    share = min(1.0, tested / target)
    expected_rgb = page.evaluate(
        "(hue) => { const d = document.createElement('div'); d.style.background = `hsl(${hue}, 70%, 80%)`;"
        " document.body.append(d); const c = getComputedStyle(d).backgroundColor; d.remove(); return c; }",
        round(120 * share),
    )
    assert cell.evaluate("td => getComputedStyle(td).backgroundColor") == expected_rgb
    assert f"{tested} validated of {target} ({round(100 * share)}%)" in cell.get_attribute("title")
    headers = page.locator('thead th[data-field="accent"]').all_text_contents()
    assert headers == ["scottish12 speakers", "other/undisclosed18 speakers"]  # welsh: 3 speakers, merged

    page.click("text=Public progress page")
    page.wait_for_url(f"**/campaigns/{campaign.slug}/")
    assert page.inner_text('dd[data-field="validated_clips"]') == "300"
    assert page.get_attribute("#goal", "value") == "180" and page.get_attribute("#goal", "max") == "10000"
