from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from collector.admin import CampaignAdmin, clip_player
from training import data_map_admin  # noqa: F401  the campaign list's data map column
from training.label_errors import label_errors_queue
from training.models import LabelErrorRun, LabelSuspect


@admin.action(description="Find label errors (on a worker; suspects go back to review)")
def find_label_errors(modeladmin, request, queryset):
    with transaction.atomic():
        runs = [label_errors_queue(campaign=c, trigger=LabelErrorRun.Trigger.ADMIN) for c in queryset]
    modeladmin.message_user(
        request,
        format_html(
            'Looking for label errors in {} on a worker; the suspects will be listed under <a href="{}">Label '
            "suspects</a>.",
            ", ".join(run.campaign.name for run in runs),
            reverse("admin:training_labelsuspect_changelist"),
        ),
    )


# The finder belongs to this stage (it trains a model), so its action is added to the campaign admin from here.
CampaignAdmin.actions = [*(CampaignAdmin.actions or []), find_label_errors]


@admin.register(LabelErrorRun)
class LabelErrorRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "campaign",
        "trigger",
        "job",
        "state",
        "progress",
        "clips",
        "accuracy",
        "suspects_found",
        "sent_to_review",
        "review_values",
        "created_at",
        "error",
    ]
    list_filter = ["state", "trigger", "campaign"]
    readonly_fields = [f.name for f in LabelErrorRun._meta.fields]

    @admin.display(description="folds")
    def progress(self, run: LabelErrorRun) -> str:
        return f"{run.folds_done} of {run.folds}" if run.folds else "-"

    def has_add_permission(self, request) -> bool:
        return False  # runs are started from the campaign list's action, the command or a finished job


@admin.register(LabelSuspect)
class LabelSuspectAdmin(admin.ModelAdmin):
    """The ranked list: the likeliest label errors of each run first, to hear and decide."""

    list_display = ["rank", "score_shown", "keyword", "suspected", "action", "clip_status", "source", "player", "run"]
    list_display_links = None
    list_filter = ["run__campaign", "action", "run"]
    list_select_related = ["clip", "keyword", "suspected", "run__campaign"]
    ordering = ["-run_id", "rank"]
    search_fields = ["clip__id", "clip__source_path"]
    readonly_fields = [f.name for f in LabelSuspect._meta.fields] + ["player"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a clip is decided by reviewers in the listen flow, not here

    @admin.display(description="score", ordering="score")
    def score_shown(self, suspect: LabelSuspect) -> str:
        return f"{suspect.score:.3f}"

    @admin.display(description="clip now")
    def clip_status(self, suspect: LabelSuspect) -> str:
        return suspect.clip.get_status_display()

    @admin.display(description="clip")
    def source(self, suspect: LabelSuspect):
        url = reverse("admin:collector_clip_change", args=[suspect.clip_id])
        return format_html('<a href="{}">{}</a>', url, suspect.clip.source_path or str(suspect.clip_id)[:8])

    @admin.display(description="audio")
    def player(self, suspect: LabelSuspect):
        return clip_player(suspect.clip_id)
