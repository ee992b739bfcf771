"""The admin says it is Chorus's and leads to Chorus's own staff pages."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_index_is_chorus_and_links_its_staff_pages(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Campaigns, clips, reviews, releases and models | Chorus admin</title>" in page
    assert "Chorus administration" in page and "Django administration" not in page
    for href in ("/admin/labeling/quality/", "/admin/collector/coverage/", "/training/", "/models/", "/releases/"):
        assert f'href="{href}"' in page
    assert page.index('id="chorus-pages"') < page.index("app-collector")  # above the model lists


def test_gold_clips_are_explained_where_they_are_made(admin_client, demo_campaign, settings):
    from tests.factories import clip_recorded

    clip = clip_recorded(demo_campaign, keyword="yes")
    page = admin_client.get("/admin/collector/clip/").content.decode()
    assert 'id="gold-explained"' in page and "check clips whose right answer you know" in page
    assert f"answered {settings.CHORUS_GOLD_MIN_ANSWERS} gold clips" in page
    done = admin_client.post(
        "/admin/collector/clip/", {"action": "mark_gold_valid", "_selected_action": [clip.id]}, follow=True
    )
    assert "1 clip(s) are now gold with answer &#x27;valid&#x27;. Gold clips are check clips" in done.content.decode()
