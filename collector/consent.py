"""The consent document: one versioned text per campaign, hashed exactly as shown."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.template.loader import render_to_string

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


@dataclass(frozen=True)
class ConsentDocument:
    version: str
    text: str
    sha256: str
    licence: str


def consent_document(campaign) -> ConsentDocument:
    # Rendered on every upload and vote: cache by everything the text depends on.
    return _render(campaign.name, campaign.licence, campaign.language.name, campaign.record_seconds, campaign.kind)


@lru_cache(maxsize=256)
def _render(name: str, licence: str, language_name: str, record_seconds: float, kind: str) -> ConsentDocument:
    from types import SimpleNamespace

    campaign = SimpleNamespace(name=name, licence=licence, language=SimpleNamespace(name=language_name))
    licence_name, licence_url = LICENCES.get(campaign.licence, (campaign.licence, ""))
    text = render_to_string(
        f"collector/consent/v{CONSENT_VERSION}.txt",
        {
            "campaign": campaign,
            "licence_name": licence_name,
            "licence_url": licence_url or "see the campaign page",
            "version": CONSENT_VERSION,
            # a commands campaign's text stays byte for byte what its volunteers accepted
            "record_seconds": f"{record_seconds:g}",
            "prompt_noun": "phrase" if kind == "wake_word" else "word",
        },
    ).strip()
    return ConsentDocument(
        version=CONSENT_VERSION,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        licence=campaign.licence,
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
