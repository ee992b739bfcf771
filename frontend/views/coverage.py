"""Where the data is thin: a campaign's public progress page, and the staff heatmap of keyword x group x split."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render

from collector import selectors as collector_selectors
from collector.models import Campaign
from collector.targets import OTHER_GROUP
from frontend.views.volunteer import campaign_or_404
from preparation.coverage import ALL, SPLITS, Cell, Coverage, campaign_coverage

FIELD_LABELS = {"accent": "Accent", "gender": "Gender", "age_bracket": "Age bracket"}
SPLIT_LABELS = {ALL: "all", "training": "train", "validation": "validation", "testing": "test"}


def campaign_page(request, slug):
    """Public: the campaign's progress toward its targets."""
    campaign = campaign_or_404(slug)
    progress = collector_selectors.campaign_progress(campaign=campaign)
    return render(request, "frontend/campaign.html", {"campaign": campaign, "progress": progress})


@staff_member_required
@permission_required("collector.view_demographics", raise_exception=True)
def coverage_heatmap(request):
    try:
        slug = forms.SlugField(required=False).clean(request.GET.get("campaign"))
    except forms.ValidationError:
        return HttpResponseBadRequest("campaign must be a campaign's slug (letters, digits, - and _)")
    campaigns = Campaign.objects.select_related("language").order_by("name")
    campaign = campaigns.filter(slug=slug).first() or campaigns.first()
    context = {**admin.site.each_context(request), "title": "Coverage", "campaigns": campaigns, "campaign": campaign}
    if campaign:
        coverage = campaign_coverage(campaign=campaign)
        columns = [(ALL, ALL)] + [(f, g) for f, groups in coverage.groups.items() for g in groups]
        context.update(
            fields=[(FIELD_LABELS[f], len(groups)) for f, groups in coverage.groups.items() if groups],
            columns=[
                {"field": f, "group": g, "label": g or "all groups", "speakers": _speakers(coverage, f, g)}
                for f, g in columns
            ],
            rows=[
                {
                    "keyword": k,
                    "splits": [
                        {
                            "split": split,
                            "label": SPLIT_LABELS[split],
                            "cells": [_cell(coverage.cell(k.id, f, g, split), f, g, split) for f, g in columns],
                        }
                        for split in (ALL, *SPLITS)
                    ],
                }
                for k in coverage.keywords
            ],
            other_group=OTHER_GROUP,
        )
    return render(request, "collector/coverage.html", context)


def _speakers(coverage: Coverage, field_name: str, group: str) -> int | None:
    return None if field_name == ALL else coverage.speakers[field_name].get(group, 0)


def _cell(cell: Cell, field_name: str, group: str, split: str) -> dict:
    share = cell.share
    if share is None:
        colour = "#e9ebf0"  # no target: the other/undisclosed bucket
    else:
        hue = round(120 * min(1.0, share))  # red at nothing, amber at half, green at the target
        colour = f"hsl({hue}, 70%, 80%)"
    return {
        "cell": cell,
        "field": field_name or "all",
        "group": group or "all",
        "split": split or "all",
        "percent": None if share is None else round(100 * share),
        "colour": colour,
    }
