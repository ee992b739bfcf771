"""The review stage's actions on the clip admin (labeling/admin.py)."""

import pytest

from collector.models import Contributor
from tests.factories import clip_recorded

pytestmark = pytest.mark.django_db


def test_admin_actions_mark_gold_and_reverse_the_prescreen(volunteer, staff_client, demo_campaign):
    me = Contributor.objects.get()
    quiet = clip_recorded(demo_campaign, contributor=me, amplitude=0.001)
    normal = clip_recorded(demo_campaign, contributor=me)
    response = staff_client.post(
        "/admin/collector/clip/",
        {"action": "reverse_prescreen", "_selected_action": [quiet.pk, normal.pk]},
        follow=True,
    )
    assert b"1 clip(s) sent back to review" in response.content
    quiet.refresh_from_db()
    assert (quiet.status, quiet.status_reason) == ("pending", "")
    staff_client.post("/admin/collector/clip/", {"action": "mark_gold_invalid", "_selected_action": [normal.pk]})
    normal.refresh_from_db()
    assert (normal.is_gold, normal.gold_answer) == (True, "invalid")
