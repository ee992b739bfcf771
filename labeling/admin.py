from django.contrib import admin

from collector.admin import ClipAdmin
from collector.models import Clip
from labeling.models import ReviewerStats, Vote
from labeling.services import clip_mark_gold, clip_reverse_prescreen


class ReviewedClipAdmin(ClipAdmin):
    """The collector's clip admin with the review stage's actions: gold clips and undoing the pre-screen."""

    actions = ["mark_gold_valid", "mark_gold_invalid", "reverse_prescreen"]

    @admin.action(description="Mark as gold: the right answer is valid")
    def mark_gold_valid(self, request, queryset):
        self._mark_gold(request, queryset, "valid")

    @admin.action(description="Mark as gold: the right answer is invalid")
    def mark_gold_invalid(self, request, queryset):
        self._mark_gold(request, queryset, "invalid")

    def _mark_gold(self, request, queryset, answer):
        for clip_id in queryset.values_list("id", flat=True):
            clip_mark_gold(clip_id=clip_id, answer=answer)
        self.message_user(request, f"{queryset.count()} clip(s) are now gold with answer '{answer}'.")

    @admin.action(description="Send back to review (reverse the automatic pre-screen)")
    def reverse_prescreen(self, request, queryset):
        automatic = list(queryset.filter(status_reason="automatic").values_list("id", flat=True))
        for clip_id in automatic:
            clip_reverse_prescreen(clip_id=clip_id)
        self.message_user(
            request,
            f"{len(automatic)} clip(s) sent back to review; {queryset.count() - len(automatic)} were not pre-screened.",
        )


admin.site.unregister(Clip)
admin.site.register(Clip, ReviewedClipAdmin)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["clip", "kind", "reason", "weight", "created_at"]
    list_filter = ["kind", "reason", "weight"]
    readonly_fields = ["clip", "voter", "kind", "reason", "note", "weight", "created_at"]
    list_select_related = ["clip__keyword"]


@admin.register(ReviewerStats)
class ReviewerStatsAdmin(admin.ModelAdmin):
    list_display = ["reviewer", "gold_answered", "gold_correct", "counts", "updated_at"]
    list_filter = ["counts"]
