"""A reviewer's own figures: gold accuracy shown only in steps of five answers (so it never gives a gold clip away),
agreement with what the crowd decided, and whether their votes count yet."""

import pytest
from django.test import Client

from collector.models import Clip, Contributor
from labeling.services import clip_mark_gold, vote_cast
from tests.conftest import CAMPAIGN, give_consent
from tests.factories import clip_recorded, voter_in_good_standing

pytestmark = pytest.mark.django_db


def me(client: Client) -> dict:
    response = client.get(f"/api/campaigns/{CAMPAIGN}/review/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_gold_accuracy_moves_in_steps_of_five_and_agreement_follows_the_decisions(demo_campaign):
    reviewer = Client()
    give_consent(reviewer)
    voter = Contributor.objects.latest("created_at")
    fresh = me(reviewer)
    assert (fresh["answered"], fresh["gold_answered"], fresh["gold_accuracy"], fresh["agreement"]) == (0, 0, None, None)
    assert fresh["standing"]["counts"] is False and fresh["standing"]["gold_needed"] > 0

    golds = [clip_recorded(demo_campaign) for _ in range(7)]
    for clip in golds:
        clip_mark_gold(clip_id=clip.id, answer="valid")
    answers = ["valid", "valid", "invalid", "valid", "valid", "invalid", "valid"]  # 4 of the first 5 right
    for clip, kind in zip(golds[:4], answers, strict=False):
        vote_cast(voter=voter, clip_id=clip.id, kind=kind)
    assert me(reviewer)["gold_answered"] == 0  # four gold answers: nothing shown yet
    vote_cast(voter=voter, clip_id=golds[4].id, kind=answers[4])
    fifth = me(reviewer)
    assert (fifth["gold_answered"], fifth["gold_accuracy"]) == (5, 0.8)
    vote_cast(voter=voter, clip_id=golds[5].id, kind=answers[5])  # wrong, but not shown until the tenth
    assert (me(reviewer)["gold_answered"], me(reviewer)["gold_accuracy"]) == (5, 0.8)

    # agreement: their answers on clips the crowd then decided; a skip is not an answer
    agreed, overruled, open_clip, skipped = (clip_recorded(demo_campaign) for _ in range(4))
    vote_cast(voter=voter, clip_id=agreed.id, kind="valid")
    vote_cast(voter=voter, clip_id=overruled.id, kind="valid")
    vote_cast(voter=voter, clip_id=open_clip.id, kind="valid")
    vote_cast(voter=voter, clip_id=skipped.id, kind="skip")
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=agreed.id, kind="valid")
        vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=overruled.id, kind="invalid")
    assert Clip.objects.get(id=agreed.id).status == "valid" and Clip.objects.get(id=overruled.id).status == "invalid"
    summary = me(reviewer)
    assert (summary["answered"], summary["decided"], summary["agreement"]) == (9, 2, 0.5)


def test_without_consent_there_is_nothing_to_show(demo_campaign):
    response = Client().get(f"/api/campaigns/{CAMPAIGN}/review/me/")
    assert response.status_code == 403 and "consent" in response.json()["detail"]
