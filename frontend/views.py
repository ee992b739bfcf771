"""Server-rendered pages. Forms post to the same services as the API; the recorder uses the API."""
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from collector import selectors, services
from collector.consent import consent_document
from collector.errors import ApplicationError
from collector.middleware import contributor_of, set_contributor_cookie
from collector.models import PREFER_NOT, Campaign, Demographics, Keyword
from labeling.models import Vote
from labeling.services import is_reviewer_account
from training.models import TrainingJob

REVIEW_SESSION_GOAL = 10  # answers per session the listen page's progress bar counts toward


NEXT_PAGES = {"speak", "listen"}  # where a volunteer goes after consent (and the optional about-you)


def _then(request) -> str:
    value = request.POST.get("then") or request.GET.get("then")
    return value if value in NEXT_PAGES else "speak"


def _to_consent(slug, then="speak"):
    return _with_then(redirect("consent", slug=slug), then)


def _with_then(response, then: str):
    if then != "speak":
        response["Location"] += f"?then={then}"
    return response


def _campaign_or_404(slug):
    campaign = selectors.campaign_get_active(slug=slug)
    if campaign is None:
        raise Http404("No such campaign")
    return campaign


def home(request):
    return render(request, "frontend/home.html", {"campaigns": selectors.campaigns_active()})


@require_http_methods(["GET", "POST"])
def consent(request, slug):
    campaign = _campaign_or_404(slug)
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
    context = {"campaign": campaign, "document": document, "accepted": accepted, "error": error, "then": _then(request)}
    return render(request, "frontend/consent.html", context, status=400 if error else 200)


def no_thanks(request, slug):
    return render(request, "frontend/no_thanks.html", {"campaign": _campaign_or_404(slug)})


def _demographic_choices(campaign):
    accents = [(PREFER_NOT, "Prefer not to say"), *[(a, a) for a in campaign.language.accents], ("other", "Another accent")]
    return {"age_bracket": Demographics.AGE_BRACKETS, "gender": Demographics.GENDERS, "accent": accents}


@require_http_methods(["GET", "POST"])
def about_you(request, slug):
    campaign = _campaign_or_404(slug)
    contributor = contributor_of(request)
    then = _then(request)
    if selectors.consent_current(contributor=contributor, campaign=campaign) is None:
        return _to_consent(slug, then)
    error = None
    if request.method == "POST":
        fields = {f: request.POST.get(f, PREFER_NOT) or PREFER_NOT for f in ("age_bracket", "gender", "accent", "native_language")}
        try:
            services.demographics_update(contributor=contributor, **fields)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(then, slug=slug)
    current = Demographics.objects.filter(contributor=contributor).first()
    context = {"campaign": campaign, "choices": _demographic_choices(campaign), "current": current, "error": error, "then": then}
    return render(request, "frontend/about_you.html", context, status=400 if error else 200)


@ensure_csrf_cookie
def speak(request, slug):
    campaign = _campaign_or_404(slug)
    if selectors.consent_current(contributor=contributor_of(request), campaign=campaign) is None:
        return _to_consent(slug)
    return render(request, "frontend/speak.html", {"campaign": campaign})


@ensure_csrf_cookie
def listen(request, slug):
    campaign = _campaign_or_404(slug)
    if not is_reviewer_account(request.user) and selectors.consent_current(contributor=contributor_of(request), campaign=campaign) is None:
        return _to_consent(slug, then="listen")
    context = {"campaign": campaign, "review_goal": REVIEW_SESSION_GOAL, "report_reasons": Vote.Reason.choices}
    return render(request, "frontend/listen.html", context)


@ensure_csrf_cookie
def my_data(request):
    contributor = contributor_of(request)
    latest = contributor.consents.select_related("campaign").first() if contributor else None
    return render(request, "frontend/my_data.html", {"contributor": contributor, "campaign": latest.campaign if latest else None})


# ---- training (staff only): the pages drive the training API; nothing here writes ----------------

TRAINING_ARCHITECTURES = [("ds_cnn", "DS-CNN (more accurate)"), ("tiny_conv", "tiny_conv (smallest, fastest)")]
TRAINING_DEFAULT_EPOCHS = 30


@staff_member_required
@ensure_csrf_cookie
def training(request):
    targets = Prefetch("keywords", queryset=Keyword.objects.filter(is_filler=False).order_by("id"), to_attr="targets")
    campaigns = Campaign.objects.order_by("-active", "name").prefetch_related(targets)
    keywords = {c.slug: [k.text for k in c.targets] for c in campaigns}
    context = {"campaigns": campaigns, "campaign_keywords": keywords, "architectures": TRAINING_ARCHITECTURES, "default_epochs": TRAINING_DEFAULT_EPOCHS}
    return render(request, "frontend/training_list.html", context)


@staff_member_required
@ensure_csrf_cookie
def training_job(request, job_id: int):
    job = get_object_or_404(TrainingJob.objects.select_related("campaign").defer("clip_ids"), id=job_id)
    return render(request, "frontend/training_job.html", {"job": job})


@staff_member_required
@require_POST
def training_job_retrain(request, job_id: int):
    from training.jobs import job_retrain

    job = get_object_or_404(TrainingJob.objects.select_related("campaign").defer("clip_ids"), id=job_id)
    try:
        again = job_retrain(job_id=job.id, user=request.user)
    except ApplicationError as exc:
        return render(request, "frontend/training_job.html", {"job": job, "retrain_error": exc.message}, status=exc.status_code)
    return redirect("training-job", job_id=again.id)
