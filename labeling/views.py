from django.contrib.admin.views.decorators import staff_member_required
from django.contrib import admin
from django.shortcuts import render

from collector.models import Campaign
from labeling import selectors


@staff_member_required
def quality_dashboard(request):
    campaigns = Campaign.objects.order_by("name")
    campaign = campaigns.filter(slug=request.GET.get("campaign")).first() or campaigns.first()
    context = {**admin.site.each_context(request), "title": "Reviewer quality", "campaigns": campaigns, "campaign": campaign}
    if campaign:
        reviewers = selectors.reviewer_quality(campaign=campaign)
        labels = {r.reviewer_id: r.label for r in reviewers}
        context.update(
            reviewers=reviewers,
            pairs=[(labels.get(a, a[:6]), labels.get(b, b[:6]), n, k) for a, b, n, k in selectors.pairwise_cohen_kappa(campaign=campaign)],
            keywords=selectors.keyword_fleiss_kappa(campaign=campaign),
        )
    return render(request, "labeling/quality.html", context)
