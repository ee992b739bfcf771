"""Consent is given only from Chorus' own pages: a page on another site cannot record "18+, licence accepted" in a
visitor's browser, for a first-time visitor (no contributor cookie yet) or a returning one."""

import pytest
from django.test import Client

from collector.models import Clip, Consent, Contributor
from tests.collector.test_consent import upload
from tests.conftest import CAMPAIGN

pytestmark = pytest.mark.django_db
CONSENT_URL = f"/api/campaigns/{CAMPAIGN}/consent/"


def consent_post(client, **headers):
    sha = client.get(CONSENT_URL).json()["sha256"]
    return client.post(
        CONSENT_URL,
        {"text_sha256": sha, "is_adult": True, "licence_accepted": True},
        content_type="application/json",
        **headers,
    )


def browser_with_token() -> tuple[Client, str]:
    """A browser that opened the consent page, as a volunteer does: it holds the CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/c/{CAMPAIGN}/consent/").status_code == 200
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_a_first_time_consent_without_the_csrf_token_is_refused(demo_campaign, origin):
    client = Client(enforce_csrf_checks=True)
    response = consent_post(client, **({"HTTP_ORIGIN": origin} if origin else {}))
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied" and "CSRF failed" in response.json()["detail"]
    assert "chorus_contributor" not in response.cookies
    assert not Contributor.objects.exists() and not Consent.objects.exists()


def test_a_cross_site_post_with_the_visitors_cookie_but_without_the_token_is_refused(demo_campaign):
    client, _ = browser_with_token()  # the cross-site page cannot read the cookie to send it as the header
    response = consent_post(client, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403 and "CSRF failed" in response.json()["detail"]
    assert not Consent.objects.exists()


def test_the_consent_page_gives_the_token_that_lets_the_consent_through(demo_campaign):
    client, token = browser_with_token()
    response = consent_post(client, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert Consent.objects.get().contributor == Contributor.objects.get()
    assert "chorus_contributor" in response.cookies


def test_the_consent_api_hands_api_clients_the_csrf_cookie(demo_campaign):
    client = Client(enforce_csrf_checks=True)
    assert client.get(CONSENT_URL).status_code == 200
    response = consent_post(client, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 201


def test_the_contributor_cookie_needs_the_token_on_every_unsafe_request(demo_campaign):
    client, token = browser_with_token()
    assert consent_post(client, HTTP_X_CSRFTOKEN=token).status_code == 201
    refused = upload(client)
    assert refused.status_code == 403 and "CSRF failed" in refused.json()["detail"]
    again = consent_post(client, HTTP_ORIGIN="https://evil.example")
    assert again.status_code == 403
    assert not Clip.objects.exists() and Consent.objects.count() == 1
