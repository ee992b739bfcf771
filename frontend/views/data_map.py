"""The data map page (staff only): a campaign's clips in 2-D as its last trained model hears them. The page draws the
points from the data map API and plays a clip through the clip admin's permission-checked audio view."""

import uuid

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from collector.models import Campaign
from collector.targets import OTHER_GROUP
from training.data_map import WAKE_WORD_REFUSAL

AUDIO_PLACEHOLDER = uuid.UUID(int=0)  # the page puts a clip's id in its place


@staff_member_required
@permission_required("training.view_datamap", raise_exception=True)
@ensure_csrf_cookie
def data_map_page(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    context = {
        "campaign": campaign,
        "wake_word_refusal": WAKE_WORD_REFUSAL if campaign.kind != Campaign.Kind.COMMANDS else "",
        "api_url": reverse("api-training-data-map", args=[campaign.slug]),
        "audio_url": reverse("admin:collector_clip_audio", args=[AUDIO_PLACEHOLDER]),
        "audio_placeholder": str(AUDIO_PLACEHOLDER),
        "can_hear": request.user.has_perm("collector.view_clip"),
        "can_compute": request.user.has_perm("training.add_datamap"),
        "other_group": OTHER_GROUP,
    }
    return render(request, "frontend/data_map.html", context)
