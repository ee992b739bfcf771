"""Localization: the committed catalogs, every volunteer page in a pseudo-locale, the language choice, right to
left, and a consent document per language with its own hash."""

from __future__ import annotations

import hashlib

import polib
import pytest
from django.test import Client
from django.utils import translation

from collector.consent import CONSENT_LANGUAGES, consent_document, consent_documents
from collector.models import Consent
from tests.conftest import CAMPAIGN, give_consent
from tests.i18n_check import (
    CATALOGS,
    PSEUDO,
    campaign_names,
    html_text,
    locale_dir,
    outside_brackets,
    untranslated,
    write_pseudo_locale,
)

SHIPPED = ("es", "fr")


@pytest.fixture(autouse=True)
def _english_afterwards(settings):
    """A request activates its language in this thread; later tests expect the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _catalog(entries) -> dict:
    return {
        (e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in entries
        if e.msgid and not e.obsolete
    }


@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("domain", CATALOGS)
def test_the_committed_mo_files_are_the_po_files_compiled_and_complete(language, domain, tmp_path):
    po = polib.pofile(str(locale_dir() / language / "LC_MESSAGES" / f"{domain}.po"))
    assert not po.metadata_is_fuzzy and po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    compiled = tmp_path / f"{domain}.mo"
    po.save_as_mofile(str(compiled))  # pure Python: what `compilemessages` would write, without gettext's tools
    committed = polib.mofile(str(locale_dir() / language / "LC_MESSAGES" / f"{domain}.mo"))
    assert _catalog(committed) == _catalog(polib.mofile(str(compiled))), "run the README's compile step"
    for entry in po:  # placeholders survive translation
        for source, text in [(entry.msgid, entry.msgstr)] + [
            (entry.msgid_plural, s) for s in entry.msgstr_plural.values()
        ]:
            if text:
                assert sorted(_placeholders(source)) == sorted(_placeholders(text)), (language, entry.msgid)


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\([a-z_]+\)s|%%|<[^>]+>", text)


@pytest.fixture
def pseudo_locale(settings, tmp_path):
    settings.LOCALE_PATHS = [str(write_pseudo_locale(tmp_path / "pseudo")), *map(str, settings.LOCALE_PATHS)]
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Esperanto")]
    return PSEUDO


def _volunteer_pages(demo_campaign) -> dict[str, Client]:
    visitor = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    volunteer = Client(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    give_consent(volunteer)
    return {
        "/": visitor,
        f"/c/{CAMPAIGN}/consent/": visitor,
        f"/c/{CAMPAIGN}/no-thanks/": visitor,
        "/my-data/": visitor,
        f"/campaigns/{CAMPAIGN}/": visitor,
        f"/c/{CAMPAIGN}/about-you/": volunteer,
        f"/c/{CAMPAIGN}/speak/": volunteer,
        f"/c/{CAMPAIGN}/listen/": volunteer,
        "/my-data/?signed-in": volunteer,
    }


def test_every_volunteer_page_shows_only_translated_text_in_a_pseudo_locale(pseudo_locale, demo_campaign):
    allowed = campaign_names(demo_campaign)
    for path, client in _volunteer_pages(demo_campaign).items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{PSEUDO}" dir="ltr">' in html, path
        segments, attributes = html_text(html)
        assert any("[[" in s for s in segments), path
        left = untranslated(outside_brackets(segments), allowed)
        assert not left, f"{path} shows untranslated text: {left}"
        bare = [a for a in attributes if not (a.startswith("[[") and a.endswith("]]"))]
        assert not bare, f"{path} has untranslated labels: {bare}"


def test_the_pseudo_locale_check_catches_a_string_left_in_english(pseudo_locale, demo_campaign):
    segments, _ = html_text('<p>[[Translated <a href="/">link</a> end]]</p><p>Left in English</p><kbd>R</kbd>')
    assert untranslated(outside_brackets(segments), campaign_names(demo_campaign)) == ["Left in English"]


def test_api_errors_volunteers_see_follow_the_language(demo_campaign):
    stale = {"text_sha256": "0" * 64, "is_adult": True, "licence_accepted": True}
    url = f"/api/campaigns/{CAMPAIGN}/consent/"
    french = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").post(url, stale, content_type="application/json")
    assert french.status_code == 409 and french["Content-Language"] == "fr"
    assert french.json()["detail"].startswith("le texte du consentement a changé")
    english = Client().post(url, stale, content_type="application/json")
    assert english.json()["detail"].startswith("the consent text has changed") and english["Content-Language"] == "en"
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get(f"/api/campaigns/{CAMPAIGN}/review/next/")
    assert spanish.status_code == 403 and spanish.json()["detail"].startswith("para revisar clips")


def test_language_follows_the_menu_then_the_browser_then_the_campaign_then_english(demo_campaign):
    assert 'lang="es"' in Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.8").get("/").content.decode()
    assert 'lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/").content.decode()
    # the menu posts to set_language; its cookie wins over the browser's language
    chooser = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = chooser.get("/").content.decode()
    assert 'id="language-menu"' in page and 'action="/i18n/setlang/"' in page and 'value="fr"' in page
    assert chooser.post("/i18n/setlang/", {"language": "fr", "next": "/my-data/"}).status_code == 302
    assert 'lang="fr"' in chooser.get("/my-data/").content.decode()
    # an unsupported browser language on a campaign in French: the campaign's language
    demo_campaign.language.code = "fr-CA"
    demo_campaign.language.save(update_fields=["code"])
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="fr"' in german.get(f"/c/{CAMPAIGN}/consent/").content.decode()
    assert 'lang="en"' in german.get("/").content.decode()  # no campaign here: English
    assert 'lang="es"' in Client(HTTP_ACCEPT_LANGUAGE="es").get(f"/c/{CAMPAIGN}/consent/").content.decode()


def test_a_right_to_left_language_sets_dir_rtl_and_the_css_has_no_physical_sides(settings, demo_campaign):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    html = Client(HTTP_ACCEPT_LANGUAGE="ar").get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<html lang="en" dir="ltr">' in Client().get("/").content.decode()
    css = (settings.BASE_DIR / "frontend" / "static" / "chorus" / "css" / "chorus.css").read_text()
    import re

    code = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"\b(margin|padding|border)-(left|right)\b|text-align:\s*(left|right)|\b(left|right):", code)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_consent_is_its_own_document_per_language_with_its_own_hash(language, demo_campaign):
    english, translated = consent_document(demo_campaign, "en"), consent_document(demo_campaign, language)
    assert translated.language == language and translated.text != english.text
    assert translated.sha256 == hashlib.sha256(translated.text.encode()).hexdigest() != english.sha256
    assert demo_campaign.name in translated.text and "https://creativecommons.org/licenses/by/4.0/" in translated.text
    assert len(consent_documents(demo_campaign)) == len(CONSENT_LANGUAGES)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    page = client.get(f"/c/{CAMPAIGN}/consent/").content.decode()
    assert f'value="{translated.sha256}"' in page and f'lang="{language}"' in page
    heading = translated.text.split("\n", 1)[0].replace('"', "&quot;").replace("'", "&#x27;")
    assert heading in page
    response = client.post(
        f"/c/{CAMPAIGN}/consent/", {"text_sha256": translated.sha256, "is_adult": "on", "licence_accepted": "on"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(campaign=demo_campaign)
    assert consent.text_sha256 == translated.sha256  # the text they read is the one stored
    # that consent covers recording and reviewing whatever language the page is in later
    for later in ("en", "es", "fr"):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = later
        assert client.get(f"/c/{CAMPAIGN}/speak/").status_code == 200


def test_an_english_consent_is_still_the_text_it_was(demo_campaign):
    document = consent_document(demo_campaign)
    assert document.language == "en" and document.text.startswith('Consent to record your voice for "')
    volunteer = Client()
    give_consent(volunteer)
    assert Consent.objects.get().text_sha256 == document.sha256
