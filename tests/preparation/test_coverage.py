"""Coverage per keyword x demographic group x split on a built, prepared dataset, and the staff heatmap page."""

import re
from collections import Counter, defaultdict

import pytest
from django.test import Client

from collector.models import Clip, Demographics, Keyword
from collector.services import demographics_update
from collector.targets import OTHER_GROUP
from preparation.coverage import campaign_coverage
from preparation.models import PreparedClip
from tests.factories import clip_recorded, contributor_with_consent
from tests.training.test_jobs import WORDS

pytestmark = pytest.mark.django_db


def _expected(campaign, shown_accents: set[str]) -> tuple[Counter, dict]:
    """Validated clips and speakers per (word, accent as shown, split), counted from the prepared rows themselves."""
    clips, speakers = Counter(), defaultdict(set)
    prepared = PreparedClip.objects.filter(clip__campaign=campaign, state=PreparedClip.State.DONE).select_related(
        "clip__keyword", "clip__contributor__demographics"
    )
    for row in prepared:
        accent = row.clip.contributor.demographics.accent
        key = (row.clip.keyword.text, accent if accent in shown_accents else OTHER_GROUP, row.split)
        clips[key] += 1
        speakers[key].add(row.clip.contributor_id)
    return clips, speakers


def test_coverage_counts_a_built_dataset_by_keyword_group_and_split_under_the_rule_of_five(campaign_with_speakers):
    campaign = campaign_with_speakers
    coverage = campaign_coverage(campaign=campaign)
    # 30 speakers: accents 12 scottish, 3 welsh (under five: merged), 15 undisclosed; genders 15/15; ages 20 of
    # 18-29, 8 of 30-39 and 2 of 70+ (merged)
    assert coverage.groups == {
        "accent": ["scottish", OTHER_GROUP],
        "gender": ["female", "male"],
        "age_bracket": ["18-29", "30-39", OTHER_GROUP],
    }
    assert coverage.speakers == {
        "accent": {"scottish": 12, OTHER_GROUP: 18},
        "gender": {"female": 15, "male": 15},
        "age_bracket": {"18-29": 20, "30-39": 8, OTHER_GROUP: 2},
    }
    clips, speakers = _expected(campaign, {"scottish"})
    assert sum(clips.values()) == 30 * len(WORDS) * 2 and {split for _, _, split in clips} == {
        "training",
        "validation",
        "testing",
    }
    keyword_ids = dict(Keyword.objects.filter(campaign=campaign).values_list("text", "id"))
    for (word, accent, split), n in clips.items():
        cell = coverage.cell(keyword_ids[word], "accent", accent, split)
        assert (cell.validated, cell.speakers, cell.pending) == (n, len(speakers[(word, accent, split)]), 0)
    for word in WORDS:
        total = coverage.cell(keyword_ids[word])
        assert (total.validated, total.speakers, total.target) == (60, 30, 1000)
        assert coverage.cell(keyword_ids[word], "accent", "scottish").validated == 24
        assert coverage.cell(keyword_ids[word], "accent", "welsh").validated == 0  # not a group of its own
        assert coverage.cell(keyword_ids[word], "gender", "female").seconds == pytest.approx(
            sum(
                c.duration_s
                for c in Clip.objects.filter(keyword_id=keyword_ids[word], contributor__demographics__gender="female")
            )
        )
    # targets: an even share of 1000 among the 9 accents the form offers (112), times the split's share
    yes = keyword_ids["yes"]
    assert [coverage.cell(yes, "accent", "scottish", s).target for s in ("training", "validation", "testing")] == [
        90,
        11,
        11,
    ]
    assert coverage.cell(yes, "accent", OTHER_GROUP, "testing").target is None  # the merged bucket has none


def test_a_fifth_speaker_makes_a_group_of_its_own_and_a_pending_clip_counts_as_waiting(campaign_with_speakers):
    campaign = campaign_with_speakers
    # two more welsh speakers, written as the campaign_with_speakers fixture writes imported speakers' demographics
    undisclosed = Demographics.objects.filter(accent="prefer_not").order_by("contributor__external_key")
    Demographics.objects.filter(id__in=list(undisclosed.values_list("id", flat=True)[:2])).update(accent="welsh")
    coverage = campaign_coverage(campaign=campaign)
    assert coverage.groups["accent"] == ["scottish", "welsh", OTHER_GROUP]
    assert coverage.speakers["accent"] == {"scottish": 12, "welsh": 5, OTHER_GROUP: 13}
    clips, speakers = _expected(campaign, {"scottish", "welsh"})
    keyword_ids = dict(Keyword.objects.filter(campaign=campaign).values_list("text", "id"))
    for (word, accent, split), n in clips.items():
        assert coverage.cell(keyword_ids[word], "accent", accent, split).validated == n

    volunteer = contributor_with_consent(campaign)
    demographics_update(contributor=volunteer, gender="female")
    clip_recorded(campaign, volunteer, keyword="yes")
    after = campaign_coverage(campaign=campaign)
    female_yes, before = (
        after.cell(keyword_ids["yes"], "gender", "female"),
        coverage.cell(keyword_ids["yes"], "gender", "female"),
    )
    assert (female_yes.validated, female_yes.pending, female_yes.speakers) == (before.validated, 1, before.speakers + 1)
    assert after.speakers["gender"] == {"female": 16, "male": 15}


def _cells(html: str) -> dict[tuple[str, str, str, str], dict[str, str]]:
    """The heatmap's cells by (keyword, field, group, split), with their data attributes."""
    cells = {}
    for body in re.finditer(r'<tbody data-keyword="([^"]+)">(.*?)</tbody>', html, re.S):
        for td in re.finditer(r"<td ([^>]*)>", body.group(2)):
            attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', td.group(1)))
            style = re.search(r'style="background: ([^"]+)"', td.group(1))
            attributes["colour"] = style.group(1) if style else ""
            cells[(body.group(1), attributes["field"], attributes["group"], attributes["split"])] = attributes
    return cells


def test_the_heatmap_page_shows_the_counts_for_staff_who_may_see_demographics(campaign_with_speakers, staff_client):
    from django.contrib.auth.models import User

    campaign = campaign_with_speakers
    url = f"/admin/collector/coverage/?campaign={campaign.slug}"
    html = staff_client.get(url).content.decode()
    cells = _cells(html)
    clips, _ = _expected(campaign, {"scottish"})
    for (word, accent, split), n in clips.items():
        cell = cells[(word, "accent", accent, split)]
        assert cell["validated"] == str(n)
        if accent == "scottish":
            assert cell["target"] == {"training": "90", "validation": "11", "testing": "11"}[split]
            assert cell["colour"] == f"hsl({round(120 * min(1, n / int(cell['target'])))}, 70%, 80%)"
        else:
            assert (cell["target"], cell["colour"]) == ("", "#e9ebf0")
    assert not any(group == "welsh" for _, _, group, _ in cells)
    assert 'href="/admin/collector/coverage/?campaign=' in staff_client.get("/admin/labeling/quality/").content.decode()

    assert Client().get(url).status_code == 302  # to the log-in page
    clerk = Client()
    clerk.force_login(User.objects.create_user("clerk", password="x-long-password", is_staff=True))
    assert clerk.get(url).status_code == 403  # staff, but may not view demographics
