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


def test_admin_actions_mark_gold_and_reverse_the_prescreen(volunteer, staff_client, demo_campaign):
    from collector.models import Contributor
    from tests.factories import clip_recorded

    me = Contributor.objects.get()
    quiet = clip_recorded(demo_campaign, contributor=me, amplitude=0.001)
    normal = clip_recorded(demo_campaign, contributor=me)
    response = staff_client.post("/admin/collector/clip/", {"action": "reverse_prescreen", "_selected_action": [quiet.pk, normal.pk]}, follow=True)
    assert b"1 clip(s) sent back to review" in response.content
    quiet.refresh_from_db()
    assert (quiet.status, quiet.status_reason) == ("pending", "")
    staff_client.post("/admin/collector/clip/", {"action": "mark_gold_invalid", "_selected_action": [normal.pk]})
    normal.refresh_from_db()
    assert (normal.is_gold, normal.gold_answer) == (True, "invalid")
