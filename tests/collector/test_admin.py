import pytest
from django.test import Client

from collector.models import Clip
from tests.collector.test_consent import upload

pytestmark = pytest.mark.django_db


def test_admin_lists_clips_with_a_player_that_streams_the_stored_audio(volunteer, staff_client):
    upload(volunteer, keyword="go")
    clip = Clip.objects.get()
    listing = staff_client.get("/admin/collector/clip/")
    assert listing.status_code == 200
    player_url = f"/admin/collector/clip/{clip.id}/audio/"
    assert f'src="{player_url}"'.encode() in listing.content
    audio = staff_client.get(player_url)
    with clip.audio.open("rb") as f:
        assert b"".join(audio.streaming_content) == f.read()
    assert Client().get(player_url).status_code == 302  # not for the public: off to the login page


@pytest.mark.parametrize("model", ["campaign", "keyword", "consent", "contributor", "tombstone", "language"])
def test_admin_pages_for_the_collector_models(volunteer, staff_client, model):
    assert staff_client.get(f"/admin/collector/{model}/").status_code == 200
