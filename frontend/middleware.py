"""The language a page is shown in: the one the volunteer chose in the nav's menu (Django's language cookie), else
the first language of the browser's Accept-Language that Chorus is translated into, else, on a campaign's pages,
the campaign's own language when Chorus has it, else English (LANGUAGE_CODE)."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import trans_real

from collector.models import Campaign


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_from_browser(request) -> str | None:
    """The language cookie's, else the first Accept-Language entry Chorus supports; None when neither is."""
    chosen = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    for code, _quality in trans_real.parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code != "*" and (supported := _supported(code)):
            return supported
    return None


def campaign_language(request) -> str | None:
    """On /c/<slug>/... pages, the campaign's language when Chorus is translated into it."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    if not slug or not request.path_info.startswith("/c/"):
        return None
    code = Campaign.objects.filter(slug=slug).values_list("language__code", flat=True).first()
    return _supported(code)


class ChorusLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (Vary and Content-Language on the response) with the campaign's language as the
    fallback before LANGUAGE_CODE. No URL carries a language prefix."""

    def process_request(self, request):
        language = language_from_browser(request) or campaign_language(request) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
