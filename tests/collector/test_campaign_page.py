"""The public campaign page: progress toward the targets, in numbers that match what people recorded."""

import re

import pytest
from django.test import Client

from collector.models import Clip
from collector.synthesis import campaign_synthesize
from tests.factories import clip_recorded, voter_in_good_standing
from tests.services import require_espeak

pytestmark = pytest.mark.django_db


def _field(html: str, name: str, attribute: str = "") -> str:
    found = re.search(rf'data-field="{name}"(?: data-seconds="([^"]*)")?>([^<]*)<', html)
    return found.group(1) if attribute == "seconds" else found.group(2)


def test_the_campaign_page_shows_clips_hours_and_speakers_recorded_and_validated(campaign_with_speakers):
    from labeling.services import vote_cast

    require_espeak()
    campaign = campaign_with_speakers  # 30 speakers x 5 words x 2 takes, all valid
    pending = clip_recorded(campaign, keyword="yes")
    rejected = clip_recorded(campaign, keyword="no")
    for _ in range(2):
        vote_cast(voter=voter_in_good_standing(campaign), clip_id=rejected.id, kind="invalid", reason="noisy")
    campaign_synthesize(campaign=campaign, voices=1, takes=1, keywords=["yes"])  # a voice, not a person
    assert Clip.objects.filter(synthetic=True, keyword__text="yes").count() == 1

    html = Client().get(f"/campaigns/{campaign.slug}/").content.decode()
    people = Clip.objects.filter(campaign=campaign, synthetic=False)
    valid = people.filter(status="valid")
    assert _field(html, "recorded_clips") == "302" and _field(html, "validated_clips") == "300"
    assert _field(html, "speakers") == "32"  # the 30 imported speakers and the two volunteers; voters record nothing
    recorded_s = sum(people.values_list("duration_s", flat=True))
    validated_s = sum(valid.values_list("duration_s", flat=True))
    assert float(_field(html, "recorded_hours", "seconds")) == pytest.approx(recorded_s, abs=0.05)
    assert float(_field(html, "validated_hours", "seconds")) == pytest.approx(validated_s, abs=0.05)
    assert _field(html, "recorded_hours") == f"{recorded_s / 3600:.2f}"

    rows = dict(re.findall(r'<tr data-keyword="([^"]+)">(.*?)</tr>', html, re.S))
    figures = {w: dict(re.findall(r'data-field="(\w+)">(\d+)<', row)) for w, row in rows.items()}
    assert figures["yes"] == {"recorded": "61", "validated": "60", "target": "1000"}  # the synthetic take not counted
    assert figures["no"] == {"recorded": "61", "validated": "60", "target": "1000"}
    assert figures["left"] == {"recorded": "0", "validated": "0", "target": "1000"}
    # the goal: the ten core words' targets; yes, no and up have 60 validated clips each (bed and cat are fillers)
    assert "180 of 10000 validated clips wanted (2%)" in html
    assert pending.status == "pending"

    assert f'href="/campaigns/{campaign.slug}/"' in Client().get("/").content.decode()
    assert Client().get("/campaigns/no-such-campaign/").status_code == 404
