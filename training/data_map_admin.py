"""The campaign admin's link to each commands campaign's data map (added from this stage, which owns the map)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from collector.admin import CampaignAdmin
from collector.models import Campaign


@admin.display(description="data map")
def data_map_link(campaign: Campaign):
    if campaign.kind != Campaign.Kind.COMMANDS:
        return "-"  # a wake-word model is binary: the map needs a commands model
    return format_html('<a href="{}">data map</a>', reverse("data-map", args=[campaign.slug]))


if data_map_link not in CampaignAdmin.list_display:
    CampaignAdmin.list_display = [*CampaignAdmin.list_display, data_map_link]
