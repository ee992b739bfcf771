"""Rate limits of every endpoint that mints an identity, records an answer or hands out data, and the log-in
lockout: each answers 429 with Retry-After and a message, and a refused request writes nothing."""

import logging
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings

from collector.models import Clip, Consent, Contributor
from exporter.models import PackageDownload
from labeling.models import Vote
from releases.models import Download, Release, TermsAcceptance
from tests.collector.test_consent import upload
from tests.conftest import CAMPAIGN, give_consent
from tests.factories import clip_recorded
from tests.labeling.test_votes import served, vote

pytestmark = pytest.mark.django_db
CONSENT_URL = f"/api/campaigns/{CAMPAIGN}/consent/"


def assert_throttled(response, *, json_body=True):
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    if json_body:
        body = response.json()
        assert body["error"] == "throttled" and "try again in" in body["detail"]
    else:
        assert "Try again in" in response.content.decode()


def consent_post(client, **extra):
    document = client.get(CONSENT_URL).json()
    return client.post(
        CONSENT_URL,
        {"text_sha256": document["sha256"], "is_adult": True, "licence_accepted": True},
        content_type="application/json",
        **extra,
    )


def account(name="dev", *, terms=False) -> tuple[Client, object]:
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "a-long-password-1")
    if terms:
        TermsAcceptance.objects.create(user=user, version="1")
    client = Client()
    client.force_login(user)
    return client, user


# --- Consent and new identities -----------------------------------------------------------------


def test_new_identities_per_address_are_stricter_than_consents(demo_campaign, settings):
    settings.CHORUS_IDENTITY_RATE_ADDRESS = "2/hour"
    returning = Client()
    assert [consent_post(returning).status_code, consent_post(Client()).status_code] == [201, 201]
    refused = consent_post(Client())
    assert_throttled(refused)
    assert "chorus_contributor" not in refused.cookies
    assert Contributor.objects.count() == 2 and Consent.objects.count() == 2
    # A caller who has an identity mints none: consenting again is counted by the consent throttle only.
    assert consent_post(returning).status_code == 201
    assert Contributor.objects.count() == 2 and Consent.objects.count() == 3


def test_consents_per_address_are_throttled_for_returning_callers_too(demo_campaign, settings):
    settings.CHORUS_CONSENT_RATE_ADDRESS = "2/min"
    volunteer = Client()
    assert [consent_post(volunteer).status_code for _ in range(2)] == [201, 201]  # the first mints the identity
    assert_throttled(consent_post(volunteer))
    assert Consent.objects.count() == 2 and Contributor.objects.count() == 1


def test_the_consent_page_shares_the_identity_budget(demo_campaign, settings):
    settings.CHORUS_IDENTITY_RATE_ADDRESS = "1/hour"
    page = f"/c/{CAMPAIGN}/consent/"

    def form_post(client):
        sha = client.get(CONSENT_URL).json()["sha256"]
        return client.post(page, {"text_sha256": sha, "is_adult": "on", "licence_accepted": "on"})

    assert form_post(Client()).status_code == 302
    assert_throttled(form_post(Client()), json_body=False)
    assert_throttled(consent_post(Client()))  # the API counts against the same budget
    assert Contributor.objects.count() == 1


def test_reading_the_consent_text_is_not_throttled(demo_campaign, settings):
    settings.CHORUS_CONSENT_RATE_ADDRESS = settings.CHORUS_IDENTITY_RATE_ADDRESS = "1/hour"
    client = Client()
    assert [client.get(CONSENT_URL).status_code for _ in range(3)] == [200, 200, 200]


# --- Uploads and votes -------------------------------------------------------------------------------


def test_votes_are_throttled_per_voter(demo_campaign, settings):
    settings.CHORUS_VOTE_RATE_VOTER = "1/min"
    clips = [clip_recorded(demo_campaign) for _ in range(2)]
    reviewer = Client()
    give_consent(reviewer)
    first = served(reviewer)
    assert vote(reviewer, first["id"], "valid", ticket=first["ticket"]).status_code == 201
    second = served(reviewer)
    assert second["id"] != first["id"] and {first["id"], second["id"]} == {str(c.id) for c in clips}
    assert_throttled(vote(reviewer, second["id"], "valid", ticket=second["ticket"]))
    assert [str(v) for v in Vote.objects.values_list("clip_id", flat=True)] == [first["id"]]


def test_votes_are_throttled_per_address_across_voters(demo_campaign, settings):
    settings.CHORUS_VOTE_RATE_ADDRESS = "1/min"
    clip = clip_recorded(demo_campaign)
    a, b = Client(), Client()
    give_consent(a)
    give_consent(b)
    ticket_a, ticket_b = served(a)["ticket"], served(b)["ticket"]
    assert vote(a, clip.id, "valid", ticket=ticket_a).status_code == 201
    assert_throttled(vote(b, clip.id, "valid", ticket=ticket_b))
    assert Vote.objects.count() == 1


# --- Developer accounts --------------------------------------------------------------------------


def test_signups_are_throttled_per_address(db, settings):
    settings.CHORUS_SIGNUP_RATE_ADDRESS = "1/hour"

    def sign_up(name):
        password = "a-long-password-1"
        return Client().post(
            "/accounts/signup/",
            {"username": name, "email": f"{name}@example.org", "password1": password, "password2": password},
        )

    created = sign_up("first")
    assert created.status_code == 302 and "_auth_user_id" in created.client.session
    refused = sign_up("second")
    assert_throttled(refused, json_body=False)
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["first"]
    assert Client().get("/accounts/signup/").status_code == 200  # the form itself still shows


def test_terms_acceptance_is_throttled_per_account(db, settings):
    settings.CHORUS_TERMS_RATE = "1/min"
    client, user = account()
    declined = client.post("/api/dataset-terms/", {"accept": False}, content_type="application/json")
    assert declined.status_code == 400
    assert_throttled(client.post("/api/dataset-terms/", {"accept": True}, content_type="application/json"))
    assert_throttled(client.post("/releases/terms/", {"accept": "yes"}), json_body=False)  # the page shares it
    assert not TermsAcceptance.objects.filter(user=user).exists()
    assert client.get("/api/dataset-terms/").status_code == 200
    other, _ = account("other")
    assert other.post("/api/dataset-terms/", {"accept": True}, content_type="application/json").status_code == 200


@pytest.fixture
def release(demo_campaign):
    name = default_storage.save("releases/tiny.tar.gz", ContentFile(b"not really a tarball"))
    return Release.objects.create(
        campaign=demo_campaign, name="v1", licence="CC-BY-4.0", state=Release.State.SUCCEEDED, archive=name
    )


def test_release_downloads_are_throttled_per_account_on_the_api_and_the_page(release, settings):
    settings.CHORUS_RELEASE_DOWNLOAD_RATE = "2/hour"
    client, _ = account(terms=True)
    api = client.get(f"/api/releases/{release.id}/download/")
    assert api.status_code == 200 and b"".join(api.streaming_content) == b"not really a tarball"
    assert client.get(f"/releases/{release.id}/download").status_code == 200
    assert_throttled(client.get(f"/api/releases/{release.id}/download/"))
    assert_throttled(client.get(f"/releases/{release.id}/download"), json_body=False)
    assert Download.objects.count() == 2


def test_model_package_downloads_are_throttled_on_the_api_and_the_page(
    demo_campaign, staff_client, settings, monkeypatch
):
    from training.models import TrainingJob

    monkeypatch.setattr("exporter.targets.write_model_package", lambda job, f: f.write(b"zip"))
    settings.CHORUS_MODEL_DOWNLOAD_RATE = "1/hour"
    job = TrainingJob.objects.create(
        campaign=demo_campaign,
        keywords=["yes"],
        architecture="ds_cnn",
        epochs=1,
        feature_params_hash="x",
        code_version="x",
        state=TrainingJob.State.SUCCEEDED,
    )
    first = staff_client.get(f"/api/training/jobs/{job.id}/package/")
    assert first.status_code == 200 and b"".join(first.streaming_content) == b"zip"
    assert_throttled(staff_client.get(f"/api/models/{job.id}/package/"))
    assert_throttled(staff_client.get(f"/training/jobs/{job.id}/package.zip"), json_body=False)
    assert PackageDownload.objects.count() == 1


# --- Log-in lockout (django-axes) ------------------------------------------------------------------


def test_failed_logins_lock_out_the_username_from_that_address_even_with_the_right_password(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_user("dev", "dev@example.org", "a-long-password-1")
    client = Client()

    def log_in(password, c=client):
        return c.post("/accounts/login/", {"username": "dev", "password": password})

    assert [log_in("wrong").status_code for _ in range(2)] == [200, 200]  # the form again, with its error
    locked = log_in("wrong")
    assert locked.status_code == 429 and 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed log-ins" in locked.content.decode()
    right = log_in("a-long-password-1")
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert log_in("a-long-password-1", other_address).status_code == 302  # lockout is per username+address


# --- Fail open ----------------------------------------------------------------------------------------

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_throttles_let_uploads_consents_and_votes_through_when_redis_is_down(demo_campaign, settings, caplog):
    speaker_clip = clip_recorded(demo_campaign)
    stored = Path(settings.MEDIA_ROOT)
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING, logger="core.throttles"):
        volunteer = Client()
        give_consent(volunteer)  # consent and identity throttles
        response = upload(volunteer)
        assert response.status_code == 201, response.content
        clip = Clip.objects.get(id=response.json()["id"])
        assert (stored / clip.audio.name).is_file()
        ticket = served(volunteer)["ticket"]
        voted = vote(volunteer, speaker_clip.id, "valid", ticket=ticket)
        assert voted.status_code == 201, voted.content
    assert Vote.objects.filter(clip=speaker_clip).count() == 1
    warned = {r.getMessage().split()[1] for r in caplog.records if "cache is unreachable" in r.getMessage()}
    assert {"identity_address", "consent_address", "upload_contributor", "upload_address", "vote_voter"} <= warned
