"""Muting a careless reviewer re-decides their clips in the real worker process."""

import time

import pytest

from labeling import services
from tests.factories import answer_gold, clip_recorded, contributor_with_consent, gold_clips

pytestmark = pytest.mark.worker


def test_crossing_the_gold_threshold_re_evaluates_in_the_worker(worker, demo_campaign, settings):
    settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY = 3, 0.7
    careless, careful = contributor_with_consent(demo_campaign), contributor_with_consent(demo_campaign)
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
