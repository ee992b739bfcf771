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
