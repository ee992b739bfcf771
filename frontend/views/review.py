"""Reviewer pages: the listen flow for volunteers and reviewer accounts, and the staff quality dashboard."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from collector import selectors as collector_selectors
from collector.middleware import contributor_of
from collector.models import Campaign
from frontend.views.volunteer import campaign_or_404, to_consent
from labeling import selectors
from labeling.models import Vote
from labeling.services import is_reviewer_account

REVIEW_SESSION_GOAL = 10  # answers per session the listen page's progress bar counts toward


@ensure_csrf_cookie
def listen(request, slug):
    campaign = campaign_or_404(slug)
    if (
        not is_reviewer_account(request.user)
        and collector_selectors.consent_current(contributor=contributor_of(request), campaign=campaign) is None
    ):
        return to_consent(slug, then="listen")
    voter = contributor_of(request)
    if voter is None and request.user.is_authenticated:  # a reviewer account votes as its own contributor row
        voter = getattr(request.user, "contributor", None)
    context = {
        "campaign": campaign,
        "review_goal": REVIEW_SESSION_GOAL,
        "report_reasons": Vote.Reason.choices,
        # their own figures, as they stand when the page opens (labeling.selectors.voter_review_summary)
        "mine": selectors.voter_review_summary(voter=voter, campaign=campaign) if voter else None,
    }
    return render(request, "frontend/listen.html", context)


@staff_member_required
@permission_required("labeling.view_vote", raise_exception=True)
def quality_dashboard(request):
    try:
        slug = forms.SlugField(required=False).clean(request.GET.get("campaign"))
    except forms.ValidationError:
        return HttpResponseBadRequest("campaign must be a campaign's slug (letters, digits, - and _)")
    campaigns = Campaign.objects.order_by("name")
    campaign = campaigns.filter(slug=slug).first() or campaigns.first()
    context = {
        **admin.site.each_context(request),
        "title": "Reviewer quality",
        "campaigns": campaigns,
        "campaign": campaign,
    }
    if campaign:
        reviewers = selectors.reviewer_quality(campaign=campaign)
        labels = {r.reviewer_id: r.label for r in reviewers}
        context.update(
            reviewers=reviewers,
            pairs=[
                (labels.get(a, a[:6]), labels.get(b, b[:6]), n, k)
                for a, b, n, k in selectors.pairwise_cohen_kappa(campaign=campaign)
            ],
            keywords=selectors.keyword_fleiss_kappa(campaign=campaign),
        )
    return render(request, "labeling/quality.html", context)
