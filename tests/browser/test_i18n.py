"""The volunteer's walk in Spanish and in French, on a phone and on a laptop, with no English left; and the text
the pages' scripts build, in a pseudo-locale, all from the catalogs."""

from __future__ import annotations

import re

import polib
import pytest
from django.utils import translation

from tests.conftest import CAMPAIGN
from tests.factories import clip_recorded
from tests.fixtures.live import open_recorder, record_take, submit_take, watched_page
from tests.i18n_check import (
    KEYS,
    PSEUDO,
    campaign_names,
    locale_dir,
    outside_brackets,
    untranslated,
    write_pseudo_locale,
)

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
# English words none of the volunteer pages' Spanish or French uses
ENGLISH_WORDS = {"the", "you", "your", "and", "with", "this", "please", "recording", "recordings", "review", "word"}

# every text node under <body>, hidden ones too (a status line may be hidden now and shown later), in order; dates
# (<time>, formatted by Intl for the page's language) are data
TEXT_NODES_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest("script, style, noscript, time, #consent-text, #native_language")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.nodeValue.trim()) out.push(n.nodeValue);
  for (const el of document.querySelectorAll("[aria-label], [aria-valuetext]"))
    for (const a of ["aria-label", "aria-valuetext"]) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  return out;
}"""


@pytest.fixture(autouse=True)
def _english_afterwards(settings):
    yield
    translation.activate(settings.LANGUAGE_CODE)


def english_sources(language: str) -> set[str]:
    """The English of every string whose translation differs from it (what must not be seen in `language`)."""
    sources = set()
    for domain in ("django", "djangojs"):
        for entry in polib.pofile(str(locale_dir() / language / "LC_MESSAGES" / f"{domain}.po")):
            for source, text in [(entry.msgid, entry.msgstr), (entry.msgid_plural, entry.msgstr_plural.get(1, ""))]:
                plain = re.sub(r"<[^>]+>|%\([a-z_]+\)s|%%", "\x00", source or "")
                for piece in plain.split("\x00"):
                    if len(piece.strip()) >= 4 and source != text:
                        sources.add(piece.strip())
    return sources


def english_left(page, language: str, names: set[str], sources: set[str]) -> list[str]:
    visible = page.evaluate("() => document.body.innerText")
    for name in sorted(names, key=len, reverse=True):
        visible = visible.replace(name, " ")
    found = [s for s in sources if re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", visible)]
    words = set(re.findall(r"[A-Za-z]+", visible.lower())) & ENGLISH_WORDS
    return found + sorted(words)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", ["es-ES", "fr-FR"])
def test_consent_speak_listen_my_data_with_no_english_left(
    launch_chromium, fake_mic_yes, transactional_db, live_server, demo_campaign, locale, viewport
):
    language = locale[:2]
    names = campaign_names(demo_campaign) | KEYS  # key names (<kbd>Enter</kbd>) stay as the keys say
    sources = english_sources(language)
    clip_recorded(demo_campaign, keyword="yes")  # someone else's clip to review
    browser = launch_chromium(fake_mic_yes.path)
    for page in watched_page(
        browser, live_server.url, permissions=["microphone"], locale=locale, viewport=VIEWPORTS[viewport]
    ):

        def check(where, page=page):
            assert page.get_attribute("html", "lang") == language and page.get_attribute("html", "dir") == "ltr"
            left = english_left(page, language, names, sources)
            assert not left, f"{where} in {locale} at {viewport} shows English: {left}"

        page.goto(f"/c/{CAMPAIGN}/consent/")
        check("consent")
        assert page.get_attribute("#consent-text", "lang") == language
        open_recorder(page)
        check("speak")
        record_take(page)
        check("speak, a take to review")
        clip = submit_take(page)
        assert clip["keyword"] in page.text_content("#status")
        check("speak, after submitting")
        page.goto(f"/c/{CAMPAIGN}/listen/")
        page.wait_for_function("document.getElementById('reviewer').dataset.phase === 'ready'")
        check("listen")
        page.keyboard.press("p")
        page.wait_for_function("document.getElementById('reviewer').dataset.heard === 'true'")
        check("listen, heard")
        with page.expect_response(lambda r: r.request.method == "POST" and "/votes/" in r.url) as vote:
            page.keyboard.press("y")
        assert vote.value.status == 201
        page.wait_for_function("['ready', 'empty'].includes(document.getElementById('reviewer').dataset.phase)")
        check("listen, answered")
        page.goto("/my-data/")
        page.locator("#clips li.clip").first.wait_for()
        check("my data")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= VIEWPORTS[viewport]["width"], f"my data is {scroll} px wide in {locale}"


def test_the_scripts_build_their_text_from_the_catalog(
    launch_chromium, fake_mic_yes, transactional_db, live_server, demo_campaign, settings, tmp_path
):
    settings.LOCALE_PATHS = [str(write_pseudo_locale(tmp_path / "pseudo")), *map(str, settings.LOCALE_PATHS)]
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Esperanto")]
    allowed = campaign_names(demo_campaign)
    clip_recorded(demo_campaign, keyword="no")
    browser = launch_chromium(fake_mic_yes.path)
    for page in watched_page(browser, live_server.url, permissions=["microphone"], locale=PSEUDO):

        def check(where, page=page):
            assert page.get_attribute("html", "lang") == PSEUDO
            left = untranslated(outside_brackets(page.evaluate(TEXT_NODES_JS)), allowed)
            assert not left, f"{where}: untranslated {left}"

        open_recorder(page)
        assert page.text_content("#status").startswith("[[")
        check("speak")
        record_take(page)
        check("speak, a take")
        submit_take(page)
        check("speak, submitted")
        page.goto(f"/c/{CAMPAIGN}/listen/")
        page.wait_for_function("document.getElementById('reviewer').dataset.phase === 'ready'")
        assert page.text_content("#status").startswith("[[")
        check("listen")
        page.goto("/my-data/")
        page.locator("#clips li.clip").first.wait_for()
        assert page.text_content("#status").startswith("[[")
        check("my data")
