import hashlib

import pytest
from django.test import Client

from collector.models import Clip, Consent, Contributor
from tests.audio_factory import tone, wav_bytes
from tests.conftest import CAMPAIGN, give_consent

pytestmark = pytest.mark.django_db
CONSENT_URL = f"/api/campaigns/{CAMPAIGN}/consent/"


def upload(client, keyword="yes", audio=None, slug=CAMPAIGN):
    from django.core.files.uploadedfile import SimpleUploadedFile

    audio = wav_bytes(tone(1.0)) if audio is None else audio
    return client.post(
        f"/api/campaigns/{slug}/clips/",
        {"keyword": keyword, "audio": SimpleUploadedFile("take.wav", audio, "audio/wav")},
    )


def test_the_consent_text_informs_and_its_hash_is_of_the_exact_text(demo_campaign):
    document = Client().get(CONSENT_URL).json()
    text = document["text"]
    assert document["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert document["licence"] == "CC-BY-4.0" and "Creative Commons Attribution 4.0" in text
    for informs in ("What we record", "1.5 seconds", "delete", "18 or older", "download"):
        assert informs in text
    assert document["accepted"] is False


def test_giving_consent_creates_a_contributor_known_only_by_a_token_hash(demo_campaign):
    client = Client()
    body = give_consent(client)
    token = client.cookies["chorus_contributor"].value
    contributor = Contributor.objects.get()
    assert contributor.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in contributor.token_sha256
    consent = Consent.objects.get()
    assert (consent.contributor, consent.version, consent.licence, consent.is_adult) == (
        contributor,
        "1",
        "CC-BY-4.0",
        True,
    )
    assert consent.text_sha256 == body["text_sha256"] == client.get(CONSENT_URL).json()["sha256"]
    assert client.get(CONSENT_URL).json()["accepted"] is True
    assert client.cookies["chorus_contributor"]["httponly"]


@pytest.mark.parametrize(
    "change, status, code, words",
    [
        ({"is_adult": False}, 400, "not_adult", "18 or older"),
        ({"licence_accepted": False}, 400, "licence_not_accepted", "CC-BY-4.0"),
        ({"text_sha256": "0" * 64}, 409, "consent_changed", "changed"),
        ({"text_sha256": "nope"}, 400, "invalid", "text_sha256"),
    ],
)
def test_consent_that_is_not_informed_competent_or_complete_records_nothing(demo_campaign, change, status, code, words):
    client = Client()
    document = client.get(CONSENT_URL).json()
    payload = {"text_sha256": document["sha256"], "is_adult": True, "licence_accepted": True, **change}
    response = client.post(CONSENT_URL, payload, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"] == code and words in response.json()["detail"]
    assert Contributor.objects.count() == 0 and Consent.objects.count() == 0
    assert "chorus_contributor" not in response.cookies


def test_upload_without_consent_is_403_and_says_so(demo_campaign):
    response = upload(Client())
    assert response.status_code == 403
    assert response.json()["error"] == "consent_required"
    assert "consent" in response.json()["detail"]
    assert Clip.objects.count() == 0


def test_consent_to_one_campaign_does_not_cover_another(demo_campaign, volunteer):
    from collector.models import Campaign, Keyword

    other = Campaign.objects.create(slug="other", name="Other", language=demo_campaign.language)
    Keyword.objects.create(campaign=other, text="yes", language=demo_campaign.language)
    assert upload(volunteer, slug="other").status_code == 403
    assert upload(volunteer).status_code == 201


def test_a_changed_licence_makes_old_consent_stale(demo_campaign, volunteer):
    demo_campaign.licence = "CC0-1.0"
    demo_campaign.save(update_fields=["licence"])
    response = upload(volunteer)
    assert response.status_code == 403 and "current consent" in response.json()["detail"]
    give_consent(volunteer)
    assert upload(volunteer).status_code == 201
    assert Clip.objects.get().consent.licence == "CC0-1.0"


def test_consent_form_page_and_no_thanks(demo_campaign):
    client = Client()
    page = client.get(f"/c/{CAMPAIGN}/consent/")
    assert page.status_code == 200 and b"No thanks" in page.content and b"18 years of age" in page.content
    no = client.get(f"/c/{CAMPAIGN}/no-thanks/")
    assert b"Nothing was recorded" in no.content
    assert Contributor.objects.count() == 0 and "chorus_contributor" not in client.cookies
    sha = client.get(CONSENT_URL).json()["sha256"]
    missing_adult = client.post(f"/c/{CAMPAIGN}/consent/", {"text_sha256": sha, "licence_accepted": "on"})
    assert missing_adult.status_code == 400 and b"18 or older" in missing_adult.content
    assert Contributor.objects.count() == 0
    agreed = client.post(f"/c/{CAMPAIGN}/consent/", {"text_sha256": sha, "is_adult": "on", "licence_accepted": "on"})
    assert agreed.status_code == 302 and agreed["Location"] == f"/c/{CAMPAIGN}/about-you/"
    assert (
        Consent.objects.filter(
            contributor__token_sha256=hashlib.sha256(client.cookies["chorus_contributor"].value.encode()).hexdigest()
        ).count()
        == 1
    )
    assert client.get(f"/c/{CAMPAIGN}/speak/").status_code == 200


def test_the_consent_page_shows_headings_as_headings_and_the_licence_as_a_link(demo_campaign):
    page = Client().get(f"/c/{CAMPAIGN}/consent/").content.decode()
    article = page[page.index('id="consent-text"') : page.index("</article>")]
    assert '<h2>Consent to record your voice for "' in article.replace("&quot;", '"')
    headings = [h for h in article.split("<h3>")[1:]]
    assert [h.split("</h3>")[0] for h in headings] == ["What we record", "Why", "Licence", "Your choices", "Age"]
    assert '<a href="https://creativecommons.org/licenses/by/4.0/"' in article
    # what is stored and hashed is still the exact text, not the page's markup
    text = Client().get(CONSENT_URL).json()
    assert hashlib.sha256(text["text"].encode()).hexdigest() == text["sha256"] and "<h3>" not in text["text"]


def test_speak_page_sends_people_without_consent_to_the_consent_page(demo_campaign):
    response = Client().get(f"/c/{CAMPAIGN}/speak/")
    assert response.status_code == 302 and response["Location"] == f"/c/{CAMPAIGN}/consent/"


def test_cookie_credential_needs_csrf(demo_campaign):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/c/{CAMPAIGN}/consent/")  # sets the csrftoken cookie
    sha = client.get(CONSENT_URL).json()["sha256"]
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"/c/{CAMPAIGN}/consent/",
        {"text_sha256": sha, "is_adult": "on", "licence_accepted": "on", "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 302
    forged = upload(client)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    genuine = client.post(
        f"/api/campaigns/{CAMPAIGN}/clips/",
        {"keyword": "yes", "audio": SimpleUploadedFile("t.wav", wav_bytes(tone(1.0)))},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert genuine.status_code == 201


def test_a_reviewer_without_consent_comes_back_to_the_listen_page_after_consenting(demo_campaign):
    client = Client()
    to_consent = client.get(f"/c/{CAMPAIGN}/listen/")
    assert to_consent.status_code == 302 and to_consent["Location"] == f"/c/{CAMPAIGN}/consent/?then=listen"
    page = client.get(to_consent["Location"])
    assert b'name="then" value="listen"' in page.content
    sha = client.get(CONSENT_URL).json()["sha256"]
    agreed = client.post(
        f"/c/{CAMPAIGN}/consent/", {"text_sha256": sha, "is_adult": "on", "licence_accepted": "on", "then": "listen"}
    )
    assert agreed["Location"] == f"/c/{CAMPAIGN}/about-you/?then=listen"
    about = client.get(agreed["Location"])
    assert f'href="/c/{CAMPAIGN}/listen/"'.encode() in about.content  # Skip goes to the listen page
    saved = client.post(f"/c/{CAMPAIGN}/about-you/", {"age_bracket": "prefer_not", "then": "listen"})
    assert saved["Location"] == f"/c/{CAMPAIGN}/listen/"
    assert client.get(saved["Location"]).status_code == 200
    odd = client.post(f"/c/{CAMPAIGN}/about-you/", {"then": "https://evil.example/"})
    assert odd["Location"] == f"/c/{CAMPAIGN}/speak/"  # only our own pages
