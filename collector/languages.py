"""The languages a volunteer can name as their native language: ISO 639-1 (pycountry's list, 184 languages),
and any campaign language (which may carry a region, such as pt-BR). Names are in the page's language where
pycountry's own catalogs (iso639-3, installed with it) translate them."""

from __future__ import annotations

import gettext as gnu_gettext
from functools import cache

from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from collector.models import PREFER_NOT, Language


@cache
def _iso_639_1() -> tuple[tuple[str, str], ...]:
    import pycountry

    return tuple((language.alpha_2, language.name) for language in pycountry.languages if hasattr(language, "alpha_2"))


@cache
def _names_in(language: str):
    """pycountry's translation of ISO 639 names into `language` (English when it has none)."""
    import pycountry

    return gnu_gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=[to_locale(language), language.split("-")[0]], fallback=True
    )


def native_language_choices(*, current: str | None = None) -> list[tuple[str, str]]:
    """(code, name) by name, "Prefer not to say" first; the volunteer's current answer is kept even if no list
    holds it (the API takes any language tag)."""
    names_in = _names_in(get_language() or "en")
    names = {code: names_in.gettext(name) for code, name in _iso_639_1()}
    names.update(Language.objects.values_list("code", "name"))
    if current and current != PREFER_NOT and current not in names:
        names[current] = current
    listed = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    return [(PREFER_NOT, _("Prefer not to say")), *((code, f"{name} ({code})") for code, name in listed)]
