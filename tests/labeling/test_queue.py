import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collector.models import Clip
from labeling import services
from tests.factories import clip_recorded, contributor_with_consent, voter_in_good_standing

pytestmark = pytest.mark.django_db
NO_GOLD = random.Random(0)  # first draw 0.84: above the 10% gold share


def test_nearest_a_decision_first_then_oldest(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    oldest, middle, newest = (clip_recorded(demo_campaign) for _ in range(3))
    first_voter = voter_in_good_standing(demo_campaign)
    services.vote_cast(voter=first_voter, clip_id=newest.id, kind="valid")
    reviewer = contributor_with_consent(demo_campaign)
    served = []
    for _ in range(3):
        clip = services.review_assign_next(voter=reviewer, campaign=demo_campaign)
        served.append(clip.id)
        services.vote_cast(voter=reviewer, clip_id=clip.id, kind="skip")
    assert served == [newest.id, oldest.id, middle.id]


def test_nobody_is_served_own_answered_decided_or_deleted_clips(demo_campaign, settings):
    from collector import services as collector_services

    settings.CHORUS_GOLD_SHARE = 0.0
    reviewer = contributor_with_consent(demo_campaign)
    own = clip_recorded(demo_campaign, contributor=reviewer)
    answered, decided, deleted, fresh = (clip_recorded(demo_campaign) for _ in range(4))
    services.vote_cast(voter=reviewer, clip_id=answered.id, kind="invalid")
    for _ in range(2):
        services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=decided.id, kind="valid")
    collector_services.clip_delete(contributor=deleted.contributor, clip_id=deleted.id)
    served = services.review_assign_next(voter=reviewer, campaign=demo_campaign)
    assert served.id == fresh.id
    services.vote_cast(voter=reviewer, clip_id=fresh.id, kind="valid")
    assert services.review_assign_next(voter=reviewer, campaign=demo_campaign) is None
    assert own.id not in {served.id}


def test_concurrent_reviewers_are_spread_across_clips(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    clips = [clip_recorded(demo_campaign) for _ in range(5)]
    reviewers = [contributor_with_consent(demo_campaign) for _ in range(5)]
    served = [services.review_assign_next(voter=r, campaign=demo_campaign).id for r in reviewers]
    assert sorted(served) == sorted(c.id for c in clips)  # five reviewers, five different clips
    late = contributor_with_consent(demo_campaign)
    assert services.review_assign_next(voter=late, campaign=demo_campaign) is not None  # all leased: share
    Clip.objects.update(review_lease_until=timezone.now() - timedelta(seconds=1))
    assert services.review_assign_next(voter=late, campaign=demo_campaign).id == clips[0].id


def test_gold_clips_are_mixed_in_about_one_in_ten(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.1
    golds = [services.clip_mark_gold(clip_id=clip_recorded(demo_campaign).id, answer="valid") for _ in range(400)]
    [clip_recorded(demo_campaign) for _ in range(5)]
    rng = random.Random(5)
    reviewer = contributor_with_consent(demo_campaign)
    gold_ids = {g.id for g in golds}
    served = [
        services.review_assign_next(voter=reviewer, campaign=demo_campaign, rng=rng).id in gold_ids for _ in range(400)
    ]
    assert 0.06 <= sum(served) / len(served) <= 0.14


def test_next_clip_is_one_statement_that_picks_leases_and_returns_it(demo_campaign, settings):
    settings.CHORUS_GOLD_SHARE = 0.0
    [clip_recorded(demo_campaign) for _ in range(3)]
    reviewer = contributor_with_consent(demo_campaign)
    with CaptureQueriesContext(connection) as queries:
        clip = services.review_assign_next(voter=reviewer, campaign=demo_campaign, rng=NO_GOLD)
        served = (
            clip.id,
            clip.keyword.text,
            clip.duration_s,
            clip.review_lease_until,
        )  # what the API sends, and the lease
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1, statements  # no BEGIN/COMMIT round trips either: the statement commits itself
    pick_and_lease = statements[0].upper()
    assert pick_and_lease.startswith("UPDATE") and "RETURNING" in pick_and_lease
    assert "NOT EXISTS" in pick_and_lease and "NOT IN" not in pick_and_lease and "RANDOM" not in pick_and_lease
    stored = Clip.objects.select_related("keyword").get(id=clip.id)
    assert served == (stored.id, stored.keyword.text, stored.duration_s, stored.review_lease_until)
    assert stored.review_lease_until > timezone.now()
