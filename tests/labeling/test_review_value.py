"""Review what matters first: the queue serves the clips the model doubts before the rest, and the optional rule
lets one trusted vote and a confident, agreeing model decide a clip."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labeling import services
from labeling.models import ReviewValue, StatusChange, Vote
from preparation.models import PreparedClip
from tests.factories import answer_gold, clip_recorded, contributor_with_consent, gold_clips, voter_in_good_standing

pytestmark = pytest.mark.django_db


def served_in_order(campaign, reviewer, n: int) -> list:
    served = []
    for _ in range(n):
        clip = services.review_assign_next(voter=reviewer, campaign=campaign)
        served.append(clip.id)
        services.vote_cast(voter=reviewer, clip_id=clip.id, kind="skip")
    return served


def test_a_clip_the_model_doubts_is_served_before_a_confident_one_and_before_unread_ones(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    unread, confident, unsure, disagrees, nearly_decided = (clip_recorded(demo_campaign) for _ in range(5))
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=nearly_decided.id, kind="valid")
    stored = services.review_values_store(
        campaign=demo_campaign,
        label_probabilities={confident.id: 0.99, unsure.id: 0.45, disagrees.id: 0.02, nearly_decided.id: 0.97},
    )
    assert stored == 4
    assert ReviewValue.objects.get(clip=unsure).value == pytest.approx(0.55)
    reviewer = contributor_with_consent(demo_campaign)
    # the model's doubts first, most doubted first; then the queue as before: nearest a decision, then oldest
    assert served_in_order(demo_campaign, reviewer, 5) == [
        disagrees.id,
        unsure.id,
        nearly_decided.id,
        unread.id,
        confident.id,
    ]


def test_a_decided_clip_leaves_the_model_first_walk_and_a_decided_clip_gets_no_value(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    doubted, other, decided = (clip_recorded(demo_campaign) for _ in range(3))
    for _ in range(2):
        services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=decided.id, kind="valid")
    assert (
        services.review_values_store(campaign=demo_campaign, label_probabilities={doubted.id: 0.1, decided.id: 0.1})
        == 1
    )  # the decided clip is not pending: nothing to serve
    first, second = voter_in_good_standing(demo_campaign), voter_in_good_standing(demo_campaign)
    services.vote_cast(voter=first, clip_id=doubted.id, kind="invalid", reason="noisy")
    services.vote_cast(voter=second, clip_id=other.id, kind="skip")  # its consent is remembered now
    with CaptureQueriesContext(connection) as queries:
        services.vote_cast(voter=second, clip_id=doubted.id, kind="invalid", reason="noisy")
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    # still one locking read and one round trip of writes on PostgreSQL; the value is emptied with the rest
    assert len(writes) == (1 if connection.vendor == "postgresql" else 4)
    assert re.findall(r'(INSERT INTO|UPDATE) "(\w+)"', " ".join(writes)) == [
        ("INSERT INTO", "labeling_statuschange"),
        ("UPDATE", "labeling_reviewvalue"),
        ("UPDATE", "collector_clip"),
        ("INSERT INTO", "labeling_vote"),
    ]
    row = ReviewValue.objects.get(clip=doubted)
    assert (row.value, row.label_probability) == (None, pytest.approx(0.1))  # the reading stays, out of the walk
    reviewer = contributor_with_consent(demo_campaign)
    assert services.review_assign_next(voter=reviewer, campaign=demo_campaign).id == other.id


def test_with_the_rule_on_one_trusted_vote_and_a_confident_agreeing_model_decide(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    settings.CHORUS_TRUSTED_VOTE_WITH_MODEL = True
    heard_right, heard_wrong = clip_recorded(demo_campaign), clip_recorded(demo_campaign)
    services.review_values_store(
        campaign=demo_campaign, label_probabilities={heard_right.id: 0.98, heard_wrong.id: 0.01}
    )
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=heard_right.id, kind="valid")
    services.vote_cast(
        voter=voter_in_good_standing(demo_campaign), clip_id=heard_wrong.id, kind="invalid", reason="wrong_word"
    )
    for clip, status in ((heard_right, "valid"), (heard_wrong, "invalid")):
        clip.refresh_from_db()
        assert (clip.status, clip.status_reason, clip.votes_counted) == (status, "votes_and_model", 1)
        assert clip.decided_at is not None
        change = StatusChange.objects.get(clip=clip)
        assert (change.from_status, change.to_status, change.cause) == ("pending", status, "vote_and_model")
        assert ReviewValue.objects.get(clip=clip).value is None
    assert PreparedClip.objects.filter(clip=heard_right).exists()  # valid: it goes on to preparation
    assert not PreparedClip.objects.filter(clip=heard_wrong).exists()


def test_the_rule_does_not_decide_when_off_or_when_the_model_disagrees_or_is_unsure(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    off, disagrees, unsure, unread = (clip_recorded(demo_campaign) for _ in range(4))
    services.review_values_store(
        campaign=demo_campaign, label_probabilities={off.id: 0.99, disagrees.id: 0.02, unsure.id: 0.9}
    )
    settings.CHORUS_TRUSTED_VOTE_WITH_MODEL = False
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=off.id, kind="valid")
    settings.CHORUS_TRUSTED_VOTE_WITH_MODEL = True
    for clip in (disagrees, unsure, unread):  # the model hears another word / is under 0.95 / never heard it
        services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=clip.id, kind="valid")
    for clip in (off, disagrees, unsure, unread):
        clip.refresh_from_db()
        assert (clip.status, clip.votes_counted) == ("pending", 1), clip
    # a second vote decides as the vote rule always did
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=disagrees.id, kind="valid")
    disagrees.refresh_from_db()
    assert (disagrees.status, disagrees.status_reason) == ("valid", "votes")


def test_the_rule_needs_a_trusted_voter_and_no_counted_vote_against(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    settings.CHORUS_TRUSTED_VOTE_WITH_MODEL = True
    by_gold, contested = clip_recorded(demo_campaign), clip_recorded(demo_campaign)
    services.review_values_store(campaign=demo_campaign, label_probabilities={by_gold.id: 0.99, contested.id: 0.99})
    # votes count by gold standing, but nobody trusted them: their vote alone is not enough
    earned = contributor_with_consent(demo_campaign)
    answer_gold(earned, gold_clips(demo_campaign, settings.CHORUS_GOLD_MIN_ANSWERS), settings.CHORUS_GOLD_MIN_ANSWERS)
    assert services.standing_of(voter=earned).counts
    services.vote_cast(voter=earned, clip_id=by_gold.id, kind="valid")
    by_gold.refresh_from_db()
    assert (by_gold.status, by_gold.votes_counted) == ("pending", 1)
    # a counted vote said no: the trusted yes and the model do not outvote it
    services.vote_cast(voter=earned, clip_id=contested.id, kind="invalid", reason="noisy")
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=contested.id, kind="valid")
    contested.refresh_from_db()
    assert (contested.status, contested.valid_votes, contested.invalid_votes) == ("pending", 1, 1)


def test_reevaluation_keeps_a_model_assisted_decision_and_undoes_it_when_the_trusted_voter_stops_counting(
    demo_campaign, settings
):
    settings.CHORUS_GOLD_SHARE = 0.0
    settings.CHORUS_TRUSTED_VOTE_WITH_MODEL = True
    clip = clip_recorded(demo_campaign)
    services.review_values_store(campaign=demo_campaign, label_probabilities={clip.id: 0.99})
    trusted = voter_in_good_standing(demo_campaign)
    services.vote_cast(voter=trusted, clip_id=clip.id, kind="valid")
    assert services.reviewer_reevaluate(reviewer_id=trusted.id) == 0
    clip.refresh_from_db()
    assert (clip.status, clip.status_reason) == ("valid", "votes_and_model")
    services.reviewer_trust_set(reviewer_id=trusted.id, trusted=False)
    assert services.reviewer_reevaluate(reviewer_id=trusted.id) == 1
    clip.refresh_from_db()
    assert (clip.status, clip.votes_counted) == ("pending", 0)
    assert Vote.objects.get(clip=clip).weight == 0
