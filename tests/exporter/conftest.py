import pytest

from collector.models import Contributor, Demographics
from tests.training.test_jobs import synthetic_campaign

ACCENTS = ["scottish"] * 12 + ["welsh"] * 3  # welsh: 3 speakers, under the rule of five


@pytest.fixture
def campaign_with_speakers(tmp_path, demo_campaign):
    """30 imported speakers x 5 words x 2 takes, prepared; demographics chosen so some groups are tiny."""
    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=30)
    for i, speaker in enumerate(Contributor.objects.order_by("external_key")):
        Demographics.objects.create(contributor=speaker, accent=ACCENTS[i] if i < len(ACCENTS) else "prefer_not",
                                    gender=["female", "male"][i % 2], age_bracket="18-29" if i < 20 else "70+" if i < 22 else "30-39")
    return demo_campaign
