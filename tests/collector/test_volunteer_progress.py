"""Volunteers see their goals and progress: the speak page's session bar toward 10, their own totals and the
campaign's progress toward its targets; the review page their check-clip accuracy and agreement with the crowd."""

import re

import pytest
from django.test import Client

from collector.models import Clip, Contributor
from collector.selectors import campaign_progress
from labeling.services import clip_mark_gold, vote_cast
from tests.conftest import CAMPAIGN, give_consent
from tests.factories import clip_recorded, voter_in_good_standing

pytestmark = pytest.mark.django_db


def test_the_speak_page_shows_the_session_goal_their_totals_and_the_campaigns_progress(demo_campaign):
    volunteer = Client()
    give_consent(volunteer)
    me = Contributor.objects.latest("created_at")
    clips = [clip_recorded(demo_campaign, me, keyword=w) for w in ("yes", "no", "up")]
    Clip.objects.filter(id=clips[0].id).update(status=Clip.Status.VALID)
    clip_recorded(demo_campaign, keyword="yes")  # someone else's: not theirs
    page = volunteer.get(f"/c/{CAMPAIGN}/speak/").content.decode()
    assert '<progress id="session-progress" max="10" value="0"' in page
    assert "You have recorded 3 clips for this campaign; 1 validated by reviewers so far." in page
    core = [k for k in campaign_progress(campaign=demo_campaign).keywords if not k.is_filler]
    target = sum(k.target for k in core)
    assert target > 0 and f"The campaign: 1 of {target} validated clips it aims for" in page
    assert re.search(rf'<progress id="campaign-progress" max="{target}" value="1"', page)
    # the prompt is in the campaign's language and takes its direction from the word (Arabic reads right to left)
    lang = demo_campaign.language.code
    assert f'<p class="prompt" id="prompt" aria-describedby="prompt-label" lang="{lang}" dir="auto">' in page


def test_the_review_page_shows_their_check_clip_accuracy_and_agreement(demo_campaign):
    reviewer = Client()
    give_consent(reviewer)
    me = Contributor.objects.latest("created_at")
    assert 'id="my-review"' not in reviewer.get(f"/c/{CAMPAIGN}/listen/").content.decode()  # nothing answered yet
    golds = [clip_recorded(demo_campaign) for _ in range(5)]
    for clip, kind in zip(golds, ["valid", "valid", "valid", "invalid", "valid"], strict=True):
        clip_mark_gold(clip_id=clip.id, answer="valid")
        vote_cast(voter=me, clip_id=clip.id, kind=kind)
    decided = clip_recorded(demo_campaign)
    vote_cast(voter=me, clip_id=decided.id, kind="valid")
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(demo_campaign), clip_id=decided.id, kind="valid")
    page = reviewer.get(f"/c/{CAMPAIGN}/listen/").content.decode()
    text = re.sub(r"\s+", " ", re.search(r'<p class="meta" id="my-review">(.*?)</p>', page, re.S).group(1))
    assert text == "Your check clips: 80% right over 5. You agreed with the final decision on 100% of 1 decided clips."
