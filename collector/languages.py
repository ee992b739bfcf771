"""The languages a volunteer can name as their native language: ISO 639-1 (pycountry's list, 184 languages),
and any campaign language (which may carry a region, such as pt-BR)."""

from __future__ import annotations

from functools import cache

from collector.models import PREFER_NOT, Language


@cache
def _iso_639_1() -> tuple[tuple[str, str], ...]:
    import pycountry

    return tuple((language.alpha_2, language.name) for language in pycountry.languages if hasattr(language, "alpha_2"))


def native_language_choices(*, current: str | None = None) -> list[tuple[str, str]]:
    """(code, name) by name, "Prefer not to say" first; the volunteer's current answer is kept even if no list
    holds it (the API takes any language tag)."""
    names = dict(_iso_639_1())
    names.update(Language.objects.values_list("code", "name"))
    if current and current != PREFER_NOT and current not in names:
        names[current] = current
    listed = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    return [(PREFER_NOT, "Prefer not to say"), *((code, f"{name} ({code})") for code, name in listed)]
