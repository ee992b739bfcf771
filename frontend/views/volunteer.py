"""Volunteer pages: consent, about you, speak, my data.

Forms post to the same services as the API; the recorder uses the API."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from collector import selectors, services
from collector.consent import consent_document, consent_sections
from collector.languages import native_language_choices
from collector.middleware import contributor_of, set_contributor_cookie
from collector.models import PREFER_NOT, Clip, Demographics
from collector.throttles import CONSENT_THROTTLES
from core.errors import ApplicationError
from core.http import audio_response
from core.throttles import throttle

NEXT_PAGES = {"speak", "listen"}  # where a volunteer goes after consent (and the optional about-you)


def _then(request) -> str:
    value = request.POST.get("then") or request.GET.get("then")
    return value if value in NEXT_PAGES else "speak"


def to_consent(slug, then="speak"):
    return _with_then(redirect("consent", slug=slug), then)


def _with_then(response, then: str):
    if then != "speak":
        response["Location"] += f"?then={then}"
    return response


def campaign_or_404(slug):
    campaign = selectors.campaign_get_active(slug=slug)
    if campaign is None:
        raise Http404("No such campaign")
    return campaign


def home(request):
    return render(request, "frontend/home.html", {"campaigns": selectors.campaigns_active()})


@require_http_methods(["GET", "POST"])
@throttle(*CONSENT_THROTTLES, methods=("POST",))  # the same budget as the API's consent
def consent(request, slug):
    campaign = campaign_or_404(slug)
    document = consent_document(campaign)
    contributor = contributor_of(request)
    error = None
    if request.method == "POST":
        try:
            _, token = services.consent_give(
                contributor=contributor,
                campaign=campaign,
                text_sha256=request.POST.get("text_sha256", ""),
                is_adult=request.POST.get("is_adult") == "on",
                licence_accepted=request.POST.get("licence_accepted") == "on",
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            response = _with_then(redirect("about-you", slug=campaign.slug), _then(request))
            if token:
                set_contributor_cookie(response, token)
            return response
    accepted = selectors.consent_current(contributor=contributor, campaign=campaign) is not None
    context = {
        "campaign": campaign,
        "document": document,
        "sections": consent_sections(document.text),
        "accepted": accepted,
        "error": error,
        "then": _then(request),
    }
    return render(request, "frontend/consent.html", context, status=400 if error else 200)


def no_thanks(request, slug):
    return render(request, "frontend/no_thanks.html", {"campaign": campaign_or_404(slug)})


def _demographic_choices(campaign, current=None):
    accents = [
        (PREFER_NOT, gettext("Prefer not to say")),
        *[(a, a) for a in campaign.language.accents],
        ("other", gettext("Another accent")),
    ]
    return {
        "age_bracket": Demographics.AGE_BRACKETS,
        "gender": Demographics.GENDERS,
        "accent": accents,
        "native_language": native_language_choices(current=getattr(current, "native_language", None)),
    }


@require_http_methods(["GET", "POST"])
def about_you(request, slug):
    campaign = campaign_or_404(slug)
    contributor = contributor_of(request)
    then = _then(request)
    if selectors.consent_current(contributor=contributor, campaign=campaign) is None:
        return to_consent(slug, then)
    error = None
    if request.method == "POST":
        fields = {
            f: request.POST.get(f, PREFER_NOT) or PREFER_NOT
            for f in ("age_bracket", "gender", "accent", "native_language")
        }
        try:
            services.demographics_update(contributor=contributor, **fields)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(then, slug=slug)
    current = Demographics.objects.filter(contributor=contributor).first()
    context = {
        "campaign": campaign,
        "choices": _demographic_choices(campaign, current),
        "current": current,
        "error": error,
        "then": then,
    }
    return render(request, "frontend/about_you.html", context, status=400 if error else 200)


SPEAK_SESSION_GOAL = 10  # clips per session the speak page's bar counts toward


@ensure_csrf_cookie
def speak(request, slug):
    campaign = campaign_or_404(slug)
    if selectors.consent_current(contributor=contributor_of(request), campaign=campaign) is None:
        return to_consent(slug)
    contributor = contributor_of(request)
    mine = Clip.objects.filter(campaign=campaign, contributor=contributor).aggregate(
        recorded=Count("id"), validated=Count("id", filter=Q(status=Clip.Status.VALID))
    )
    core = [k for k in selectors.campaign_progress(campaign=campaign).keywords if not k.is_filler]
    goal = {"validated": sum(min(k.validated, k.target) for k in core), "target": sum(k.target for k in core)}
    context = {"campaign": campaign, "speak_goal": SPEAK_SESSION_GOAL, "mine": mine, "goal": goal}
    return render(request, "frontend/speak.html", context)


@ensure_csrf_cookie
def my_data(request):
    contributor = contributor_of(request)
    latest = contributor.consents.select_related("campaign").first() if contributor else None
    # what they donated from a model's try page: theirs to see and hear too (erased and exported with the rest)
    donated = contributor.donated_negatives.select_related("campaign").order_by("uploaded_at") if contributor else []
    context = {"contributor": contributor, "campaign": latest.campaign if latest else None, "donated": donated}
    return render(request, "frontend/my_data.html", context)


def my_donated_audio(request, negative_id: int):
    """A recording the volunteer donated as negative audio, to them only (404 to anyone else)."""
    contributor = contributor_of(request)
    if contributor is None:
        raise Http404("no such recording")
    negative = contributor.donated_negatives.filter(id=negative_id).first()
    if negative is None:
        raise Http404("no such recording")
    return audio_response(negative.audio.name)
