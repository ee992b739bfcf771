import io
import os

import pytest
from django.core.cache import cache
from django.test import Client

from collector.management.commands.load_demo import CORE_WORDS, FILLER_WORDS  # noqa: F401  re-exported for tests

pytest_plugins = ["tests.fixtures.worker", "tests.fixtures.live"]

CAMPAIGN = "speech-commands-demo"
# Jobs score their model on this much negative audio (an hour in production): enough to exercise the sweep.
# Set in the environment too, for the worker processes the tests start.
EVAL_NEGATIVE_SECONDS = os.environ.setdefault("CHORUS_EVAL_NEGATIVE_SECONDS", "120")
WAKE_WORD_TRAINING_SPEECH_SECONDS = os.environ.setdefault("CHORUS_WAKE_WORD_TRAINING_SPEECH_SECONDS", "600")


def pytest_configure(config):
    """Django's settings are loaded before this file: set the shorter evaluation on them too, for every test and
    module-scoped fixture."""
    from django.conf import settings

    settings.CHORUS_EVAL_NEGATIVE_SECONDS = float(EVAL_NEGATIVE_SECONDS)
    settings.CHORUS_WAKE_WORD_TRAINING_SPEECH_SECONDS = float(WAKE_WORD_TRAINING_SPEECH_SECONDS)


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_campaign(db):
    from django.core.management import call_command

    from collector.models import Campaign

    call_command("load_demo", stdout=io.StringIO())
    return Campaign.objects.get(slug=CAMPAIGN)


def give_consent(client: Client, slug: str = CAMPAIGN) -> dict:
    document = client.get(f"/api/campaigns/{slug}/consent/").json()
    response = client.post(
        f"/api/campaigns/{slug}/consent/",
        {"text_sha256": document["sha256"], "is_adult": True, "licence_accepted": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def volunteer(demo_campaign) -> Client:
    """A browser-like client that has accepted the demo campaign's current consent."""
    client = Client()
    give_consent(client)
    return client


@pytest.fixture
def staff_client(db) -> Client:
    """A logged-in superuser (admin pages, training API)."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("staff", "", "pw-for-tests-only"))
    return client


ACCENTS = ["scottish"] * 12 + ["welsh"] * 3  # welsh: 3 speakers, under the rule of five


@pytest.fixture
def campaign_with_speakers(tmp_path, demo_campaign):
    """30 imported speakers x 5 words x 2 takes, prepared; demographics chosen so some groups are tiny."""
    from collector.models import Contributor, Demographics
    from tests.training.test_jobs import synthetic_campaign

    synthetic_campaign(tmp_path / "sc", demo_campaign, speakers=30)
    for i, speaker in enumerate(Contributor.objects.order_by("external_key")):
        Demographics.objects.create(
            contributor=speaker,
            accent=ACCENTS[i] if i < len(ACCENTS) else "prefer_not",
            gender=["female", "male"][i % 2],
            age_bracket="18-29" if i < 20 else "70+" if i < 22 else "30-39",
        )
    return demo_campaign
