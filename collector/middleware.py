from django.conf import settings
from django.utils.functional import SimpleLazyObject

from collector.selectors import contributor_from_token


class ContributorMiddleware:
    """Attach `request.contributor` (or None) from the anonymous contributor cookie, looked up lazily."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.COOKIES.get(settings.CHORUS_CONTRIBUTOR_COOKIE)
        request.contributor = SimpleLazyObject(lambda: contributor_from_token(token)) if token else None
        return self.get_response(request)


def contributor_of(request):
    """The real Contributor or None (unwraps the lazy object)."""
    contributor = getattr(request, "contributor", None)
    if contributor is None:
        return None
    return contributor if contributor else None  # SimpleLazyObject of None is falsy


def set_contributor_cookie(response, token: str) -> None:
    response.set_cookie(
        settings.CHORUS_CONTRIBUTOR_COOKIE,
        token,
        max_age=settings.CHORUS_CONTRIBUTOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def clear_contributor_cookie(response) -> None:
    response.delete_cookie(settings.CHORUS_CONTRIBUTOR_COOKIE, samesite="Lax")
