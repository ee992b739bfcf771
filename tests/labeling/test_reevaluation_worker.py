"""Muting a careless reviewer, or a new voter earning standing, re-decides their clips in the real worker process."""

import time

import pytest

from labeling import services
from tests.factories import answer_gold, clip_recorded, contributor_with_consent, gold_clips, voter_in_good_standing

pytestmark = pytest.mark.worker


def test_crossing_the_gold_threshold_re_evaluates_in_the_worker(worker, demo_campaign, settings):
    settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY = 3, 0.7
    careless, careful = voter_in_good_standing(demo_campaign), voter_in_good_standing(demo_campaign)
    clip = clip_recorded(demo_campaign)
    services.vote_cast(voter=careless, clip_id=clip.id, kind="valid")
    services.vote_cast(voter=careful, clip_id=clip.id, kind="valid")
    clip.refresh_from_db()
    assert clip.status == "valid"
    answer_gold(careless, gold_clips(demo_campaign, 3), correct=0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        clip.refresh_from_db()
        if clip.status == "pending":
            break
        time.sleep(0.2)
    assert (clip.status, clip.valid_votes) == ("pending", 1), worker.log()


def test_a_new_voters_votes_count_once_they_earn_standing_on_gold(worker, demo_campaign, settings):
    settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY = 3, 0.7
    clip = clip_recorded(demo_campaign)
    newcomer = contributor_with_consent(demo_campaign)
    services.vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=clip.id, kind="valid")
    assert services.vote_cast(voter=newcomer, clip_id=clip.id, kind="valid").weight == 0
    clip.refresh_from_db()
    assert (clip.status, clip.valid_votes) == ("pending", 1)  # one counted vote: no decision from a newcomer
    answer_gold(newcomer, gold_clips(demo_campaign, 3), correct=3)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        clip.refresh_from_db()
        if clip.status == "valid":
            break
        time.sleep(0.2)
    assert (clip.status, clip.valid_votes, clip.votes_counted) == ("valid", 2, 2), worker.log()
