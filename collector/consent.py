"""The consent document: one versioned text per campaign, hashed exactly as shown."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.template.loader import render_to_string
from django.utils.translation import get_language

CONSENT_VERSION = "1"

LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": (
        "Creative Commons Zero 1.0 Universal (public domain dedication)",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
}


# Each language's consent is its own document (template v<version>.<language>.txt; English is v<version>.txt), with
# its own sha256: a volunteer accepts the text in the language they read, and that text's hash is what the consent
# stores. Words the templates fill in are each language's own.
CONSENT_LANGUAGES = {
    "en": {"no_licence_url": "see the campaign page", "prompt_noun": ("word", "phrase")},
    "es": {"no_licence_url": "consulte la página de la campaña", "prompt_noun": ("palabra", "frase")},
    "fr": {"no_licence_url": "voir la page de la campagne", "prompt_noun": ("le mot", "la phrase")},
}
DEFAULT_CONSENT_LANGUAGE = "en"


@dataclass(frozen=True)
class ConsentDocument:
    version: str
    text: str
    sha256: str
    licence: str
    language: str = DEFAULT_CONSENT_LANGUAGE


def consent_language(language: str | None = None) -> str:
    """The consent language for a page language (es-mx reads the es document); English when none is written."""
    code = (language or get_language() or DEFAULT_CONSENT_LANGUAGE).lower()
    for candidate in (code, code.split("-")[0]):
        if candidate in CONSENT_LANGUAGES:
            return candidate
    return DEFAULT_CONSENT_LANGUAGE


def consent_document(campaign, language: str | None = None) -> ConsentDocument:
    """The document the volunteer is shown: in `language`, by default the active one (the page's)."""
    # Rendered on every upload and vote: cache by everything the text depends on.
    return _render(
        campaign.name,
        campaign.licence,
        campaign.language.name,
        campaign.record_seconds,
        campaign.kind,
        consent_language(language),
    )


def consent_documents(campaign) -> list[ConsentDocument]:
    """The campaign's current consent in every language: accepting any of them is consenting."""
    return [consent_document(campaign, language) for language in CONSENT_LANGUAGES]


def consent_hashes(campaign) -> tuple[str, ...]:
    return tuple(document.sha256 for document in consent_documents(campaign))


@lru_cache(maxsize=256)
def _render(
    name: str, licence: str, language_name: str, record_seconds: float, kind: str, language: str
) -> ConsentDocument:
    from types import SimpleNamespace

    campaign = SimpleNamespace(name=name, licence=licence, language=SimpleNamespace(name=language_name))
    licence_name, licence_url = LICENCES.get(campaign.licence, (campaign.licence, ""))
    words = CONSENT_LANGUAGES[language]
    suffix = "" if language == DEFAULT_CONSENT_LANGUAGE else f".{language}"
    text = render_to_string(
        f"collector/consent/v{CONSENT_VERSION}{suffix}.txt",
        {
            "campaign": campaign,
            "licence_name": licence_name,
            "licence_url": licence_url or words["no_licence_url"],
            "version": CONSENT_VERSION,
            # a commands campaign's text stays byte for byte what its volunteers accepted
            "record_seconds": f"{record_seconds:g}",
            "prompt_noun": words["prompt_noun"][kind == "wake_word"],
        },
    ).strip()
    return ConsentDocument(
        version=CONSENT_VERSION,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        licence=campaign.licence,
        language=language,
    )


@dataclass(frozen=True)
class ConsentSection:
    heading: str
    body: str


def consent_sections(text: str) -> list[ConsentSection]:
    """The consent text as the page shows it: a paragraph whose first line stands alone ("Licence") is a heading
    over the rest. The text itself, whose sha256 the consent stores, is not changed."""
    sections = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        first, _, rest = paragraph.partition("\n")
        sections.append(ConsentSection(heading=first, body=rest.strip()) if rest else ConsentSection("", first))
    return sections
