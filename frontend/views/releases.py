"""Release pages, developer accounts and downloads. Downloads go through the same checks as the API."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.throttles import throttle
from frontend.markdown import markdown_html
from releases import downloads, selectors
from releases.terms import TERMS_TEXT, TERMS_VERSION
from releases.throttles import ReleaseDownloadThrottle, SignupAddressThrottle, TermsThrottle

PASSWORD_MIN_LENGTH = 8  # Django's MinimumLengthValidator default (AUTH_PASSWORD_VALIDATORS)


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="Where we tell you if speakers of a release you downloaded withdraw."
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # plain sentences instead of Django's bullet list of validator rules
        self.fields["username"].help_text = "Letters, digits and @ . + - _ only. Only the site's admins see it."
        self.fields[
            "password1"
        ].help_text = (
            f"At least {PASSWORD_MIN_LENGTH} characters, and not a common password. A few words in a row work well."
        )
        self.fields["password2"].help_text = "The same password again, to be sure it was typed as meant."


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else default


@require_http_methods(["GET", "POST"])
@throttle(SignupAddressThrottle, methods=("POST",))
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # django-axes is first
        return redirect(_next(request, "/releases/"))
    return render(
        request,
        "frontend/signup.html",
        {"form": form, "next": _next(request, "/releases/")},
        status=400 if form.errors else 200,
    )


SPLITS = ("training", "validation", "testing")


def release_composition(summary: dict) -> dict:
    """Bars for the release page: clips per keyword, split by split, and speakers per published group, each as a
    share of the largest bar (releases built before the summary held these have none)."""
    per_keyword = summary.get("per_keyword") or {}
    widest = max((sum(splits.values()) for splits in per_keyword.values()), default=0)
    keywords = [
        {
            "keyword": keyword,
            "total": sum(splits.values()),
            "parts": [
                {"split": s, "clips": splits.get(s, 0), "percent": round(100 * splits.get(s, 0) / widest, 2)}
                for s in SPLITS
            ],
        }
        for keyword, splits in per_keyword.items()
    ]
    groups = []
    for field, values in (summary.get("groups") or {}).items():
        most = max(values.values(), default=0)
        rows = [
            {"value": v, "speakers": n, "percent": round(100 * n / most, 2) if most else 0} for v, n in values.items()
        ]
        groups.append({"field": field, "rows": rows})
    return {"keywords": keywords, "groups": groups, "splits": SPLITS}


@ensure_csrf_cookie
def release_list(request):
    context = {
        "releases": selectors.releases_for().order_by("campaign__name", "-created_at"),
        "terms_accepted": downloads.terms_accepted(request.user),
    }
    return render(request, "frontend/releases.html", context)


def release_detail(request, release_id: int):
    release = get_object_or_404(selectors.releases_for(), id=release_id)
    context = {
        "release": release,
        "terms_accepted": downloads.terms_accepted(request.user),
        # sanitized: the datasheet quotes campaign names, descriptions and keywords that admins typed
        "datasheet_html": markdown_html(release.datasheet) if release.datasheet else "",
        "composition": release_composition(release.summary or {}),
    }
    return render(request, "frontend/release.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@throttle(TermsThrottle, methods=("POST",))
def terms(request):
    error = ""
    if request.method == "POST":
        if request.POST.get("accept") == "yes":
            downloads.terms_accept(user=request.user)
            return redirect(_next(request, "/releases/"))
        error = "Tick the box to accept the terms, or go back."
    context = {
        "text": TERMS_TEXT,
        "version": TERMS_VERSION,
        "accepted": downloads.terms_accepted(request.user),
        "error": error,
        "next": _next(request, "/releases/"),
    }
    return render(request, "frontend/terms.html", context, status=400 if error else 200)


@throttle(ReleaseDownloadThrottle)
def release_download(request, release_id: int):
    release = get_object_or_404(selectors.releases_for(), id=release_id)
    return download_gated(
        request, lambda: downloads.release_download(user=request.user, release=release), f"/releases/{release_id}/"
    )


def download_gated(request, fetch, back: str):
    """Sends a visitor to log in or accept the terms first, then back here; other refusals show their reason."""
    try:
        return fetch()
    except downloads.LoginRequired:
        return redirect(f"/accounts/login/?next={quote(request.get_full_path())}")
    except downloads.TermsRequired:
        return redirect(f"/releases/terms/?next={quote(request.get_full_path())}")
    except ApplicationError as exc:
        return render(
            request, "frontend/download_refused.html", {"message": exc.message, "back": back}, status=exc.status_code
        )
