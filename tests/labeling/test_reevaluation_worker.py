"""Muting a careless reviewer re-decides their clips in the real worker process."""
import time

import pytest

from labeling import services
from tests.factories import clip_recorded, contributor_with_consent

pytestmark = pytest.mark.worker


def test_crossing_the_gold_threshold_re_evaluates_in_the_worker(worker, demo_campaign, settings):
    settings.CHORUS_GOLD_MIN_ANSWERS, settings.CHORUS_GOLD_MIN_ACCURACY = 3, 0.7
    careless, careful = contributor_with_consent(demo_campaign), contributor_with_consent(demo_campaign)
    clip = clip_recorded(demo_campaign)
    services.vote_cast(voter=careless, clip_id=clip.id, kind="valid")
    services.vote_cast(voter=careful, clip_id=clip.id, kind="valid")
    clip.refresh_from_db()
    assert clip.status == "valid"
    golds = [services.clip_mark_gold(clip_id=clip_recorded(demo_campaign).id, answer="valid") for _ in range(3)]
    for gold in golds:  # 0 of 3 right
        services.vote_cast(voter=careless, clip_id=gold.id, kind="invalid", reason="noisy")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        clip.refresh_from_db()
        if clip.status == "pending":
            break
        time.sleep(0.2)
    assert (clip.status, clip.valid_votes) == ("pending", 1), worker.log()
