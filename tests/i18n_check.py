"""Helpers for the localization tests: a pseudo-locale built from the extracted catalogs, and the checks that
find text a page shows without translating it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings

PSEUDO = "eo"  # a language Django knows (LANG_INFO) and Chorus does not ship: the tests' pseudo-locale
OPEN, CLOSE = "[[", "]]"
CATALOGS = ("django", "djangojs")
SOURCE_LOCALE = "es"  # any shipped language's .po lists every msgid; the pseudo-locale reuses its msgids
# what may stand outside [[...]]: digits, spaces, punctuation and the keys the page names
NEUTRAL = re.compile(r"^[\s\d.,:;·…—–\-/%()+×“”\"'«»!?|\[\]]*$")
KEYS = {"R", "P", "S", "Y", "N", "Enter", "Esc"}
# elements whose text is content, not interface: the consent document (per language, tested on its own),
# and the native-language list (ISO 639 names, translated by pycountry's catalogs)
SKIPPED_IDS = {"consent-text", "native_language"}


def locale_dir() -> Path:
    return Path(settings.BASE_DIR) / "locale"


def write_pseudo_locale(directory: Path) -> Path:
    """locale/eo/LC_MESSAGES/{django,djangojs}.mo where every msgstr is "[[" + msgid + "]]"."""
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    for domain in CATALOGS:
        source = polib.pofile(str(locale_dir() / SOURCE_LOCALE / "LC_MESSAGES" / f"{domain}.po"))
        pseudo = polib.POFile()
        pseudo.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
        for entry in source:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                wrapped = {0: OPEN + entry.msgid + CLOSE, 1: OPEN + entry.msgid_plural + CLOSE}
                pseudo.append(polib.POEntry(msgid=entry.msgid, msgid_plural=entry.msgid_plural, msgstr_plural=wrapped))
            else:
                pseudo.append(polib.POEntry(msgid=entry.msgid, msgstr=OPEN + entry.msgid + CLOSE))
        pseudo.save_as_mofile(str(target / f"{domain}.mo"))
    return directory


def outside_brackets(segments: list[str]) -> list[str]:
    """The runs of text, in document order, that no [[ ... ]] encloses (a translation may span elements)."""
    depth, found, current = 0, [], []
    for segment in segments:
        i = 0
        while i < len(segment):
            if segment.startswith(OPEN, i):
                depth += 1
                i += 2
            elif segment.startswith(CLOSE, i) and depth:
                depth -= 1
                i += 2
            else:
                if depth == 0:
                    current.append(segment[i])
                i += 1
        if current:
            found.append("".join(current))
            current = []
    return found


def untranslated(runs: list[str], allowed: set[str]) -> list[str]:
    """Runs that are neither neutral characters, a key name nor an allowed name (campaign, keyword, language)."""
    left = []
    for run in runs:
        text = run
        for name in sorted(allowed, key=len, reverse=True):
            if name:
                text = text.replace(name, " ")
        for key in KEYS:
            text = re.sub(rf"\b{re.escape(key)}\b", " ", text)
        text = re.sub(r"(\d)\s*(s|min|h)\b", r"\1", text)  # SI symbols after a number: "1.50 s"
        if not NEUTRAL.match(text):
            left.append(run.strip())
    return left


class _TextNodes(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "aria-valuetext")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether its text is skipped
        self.segments: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = bool(self.stack and self.stack[-1]) or tag in ("script", "style") or attrs.get("id") in SKIPPED_IDS
        if not skipped:
            self.attributes += [attrs[a] for a in self.ATTRIBUTES if attrs.get(a)]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.segments.append(data)


def html_text(html: str) -> tuple[list[str], list[str]]:
    """The text nodes (outside scripts and the skipped content) and the labelling attributes of a page."""
    parser = _TextNodes()
    parser.feed(html)
    return parser.segments, parser.attributes


def campaign_names(campaign) -> set[str]:
    """What a page may show untranslated: the campaign's own words, and the names of languages."""
    names = {campaign.name, campaign.description, campaign.language.name, campaign.licence, "Chorus", "API"}
    names |= set(campaign.keywords.values_list("text", flat=True))
    names |= set(campaign.language.accents)
    names |= {"English", "español", "français", "Esperanto", "Español", "Français"}
    return names
