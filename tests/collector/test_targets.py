"""A campaign's targets: the defaults, rows an admin sets on the campaign's page, and weak-cell boosts."""

import pytest

from collector.models import Keyword, KeywordTarget
from collector.services import target_boosts_replace
from collector.targets import OTHER_GROUP, campaign_targets
from tests.conftest import CAMPAIGN

pytestmark = pytest.mark.django_db


def test_without_rows_a_keyword_wants_the_campaign_target_and_each_group_an_even_share(demo_campaign):
    left = Keyword.objects.get(campaign=demo_campaign, text="left")
    targets = campaign_targets(campaign=demo_campaign)
    assert targets.keyword(left.id) == 1000
    # the form offers 9 accents, 3 genders (female, male, non-binary) and 6 age brackets
    assert len(demo_campaign.language.accents) == 9
    assert targets.group(left.id, "accent", "Scottish") == 112  # 1000 / 9, rounded up
    assert targets.group(left.id, "gender", "female") == 334
    assert targets.group(left.id, "age_bracket", "70+") == 167
    for undisclosed in ("prefer_not", "other", OTHER_GROUP):  # no group, no target
        assert targets.group(left.id, "gender", undisclosed) is None

    demo_campaign.target_clips_per_keyword = 300
    demo_campaign.save(update_fields=["target_clips_per_keyword"])
    targets = campaign_targets(campaign=demo_campaign)
    assert (targets.keyword(left.id), targets.group(left.id, "gender", "male")) == (300, 100)


def test_rows_override_a_keyword_total_and_a_single_group(demo_campaign):
    left, right = (Keyword.objects.get(campaign=demo_campaign, text=t) for t in ("left", "right"))
    KeywordTarget.objects.create(campaign=demo_campaign, keyword=left, clips=2000)
    KeywordTarget.objects.create(campaign=demo_campaign, keyword=left, field="gender", group="non_binary", clips=50)
    targets = campaign_targets(campaign=demo_campaign)
    assert targets.keyword(left.id) == 2000 and targets.keyword(right.id) == 1000
    assert targets.group(left.id, "gender", "female") == 667  # an even share of the keyword's own total
    assert targets.group(left.id, "gender", "non_binary") == 50
    assert targets.group(right.id, "gender", "non_binary") == 334


def test_boosts_multiply_targets_at_most_twice_and_are_replaced_as_a_whole(demo_campaign):
    left, right = (Keyword.objects.get(campaign=demo_campaign, text=t) for t in ("left", "right"))
    rates = {"false_reject_rate": 0.3, "baseline_rate": 0.1}
    target_boosts_replace(
        campaign=demo_campaign,
        boosts=[
            {"keyword": "left", "factor": 1.5, **rates},
            {"field": "gender", "group": "female", "factor": 1.6, **rates},
            {"keyword": "no such word", "factor": 2.0, **rates},
        ],
        source="training job 1",
    )
    targets = campaign_targets(campaign=demo_campaign)
    assert targets.keyword(left.id) == 1500 and targets.keyword(right.id) == 1000
    assert targets.group(left.id, "gender", "female") == 668  # 334 x min(2, 1.5 x 1.6)
    assert targets.group(right.id, "gender", "female") == 535  # 334 x 1.6, rounded up
    assert targets.group(left.id, "gender", "male") == 501  # the keyword's boost alone

    target_boosts_replace(campaign=demo_campaign, boosts=[{"keyword": "right", "factor": 9, **rates}], source="job 2")
    targets = campaign_targets(campaign=demo_campaign)
    assert (targets.keyword(left.id), targets.keyword(right.id)) == (1000, 2000)  # capped at MAX_BOOST
    assert targets.group(left.id, "gender", "female") == 334


def _change_form(campaign, **targets_data) -> dict:
    """The campaign's change form as the admin page posts it, its keywords unchanged."""
    keywords = list(campaign.keywords.all())
    data = {
        "slug": campaign.slug,
        "name": campaign.name,
        "kind": campaign.kind,
        "language": campaign.language_id,
        "licence": campaign.licence,
        "target_clips_per_keyword": campaign.target_clips_per_keyword,
        "vote_cap": campaign.vote_cap,
        "accuracy_floor": campaign.accuracy_floor,
        "active": "on",
        "keywords-TOTAL_FORMS": len(keywords),
        "keywords-INITIAL_FORMS": len(keywords),
        "keyword_targets-TOTAL_FORMS": len(targets_data.get("rows", [])),
        "keyword_targets-INITIAL_FORMS": 0,
        "target_boosts-TOTAL_FORMS": 0,
        "target_boosts-INITIAL_FORMS": 0,
    }
    for i, k in enumerate(keywords):
        data.update(
            {
                f"keywords-{i}-id": k.id,
                f"keywords-{i}-campaign": campaign.id,
                f"keywords-{i}-text": k.text,
                f"keywords-{i}-language": k.language_id,
                **({f"keywords-{i}-is_filler": "on"} if k.is_filler else {}),
            }
        )
    for i, row in enumerate(targets_data.get("rows", [])):
        data.update({f"keyword_targets-{i}-{name}": value for name, value in row.items()})
    return data


def test_the_campaign_admin_edits_targets_inline_and_refuses_a_group_no_one_can_be_in(staff_client, demo_campaign):
    from collector.models import Campaign

    left = Keyword.objects.get(campaign=demo_campaign, text="left")
    other = Campaign.objects.create(slug="other", name="Other", language=demo_campaign.language)
    stranger = Keyword.objects.create(campaign=other, text="stranger", language=other.language)
    page = staff_client.get(f"/admin/collector/campaign/{demo_campaign.id}/change/")
    offered = page.context["inline_admin_formsets"][1].formset.forms[0].fields["keyword"].queryset
    assert left in offered and stranger not in offered  # only this campaign's words

    url = f"/admin/collector/campaign/{demo_campaign.id}/change/"
    refused = staff_client.post(
        url, _change_form(demo_campaign, rows=[{"keyword": left.id, "field": "gender", "group": "females", "clips": 9}])
    )
    assert refused.status_code == 200 and not KeywordTarget.objects.exists()
    errors = refused.context["inline_admin_formsets"][1].formset.forms[0].errors
    assert "'females' is not a gender" in errors["group"][0]

    saved = staff_client.post(
        url,
        _change_form(
            demo_campaign,
            rows=[
                {"keyword": left.id, "field": "", "group": "", "clips": 1500},
                {"keyword": left.id, "field": "gender", "group": "female", "clips": 600},
            ],
        ),
    )
    assert saved.status_code == 302, saved.context and saved.context["inline_admin_formsets"][1].formset.errors
    targets = campaign_targets(campaign=demo_campaign)
    assert targets.keyword(left.id) == 1500
    assert targets.group(left.id, "gender", "female") == 600 and targets.group(left.id, "gender", "male") == 500
    assert (
        staff_client.get("/admin/collector/campaign/").content.count(
            f'/admin/collector/coverage/?campaign={CAMPAIGN}"'.encode()
        )
        == 1
    )
