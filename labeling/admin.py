from django.contrib import admin

from labeling.models import ReviewerStats, Vote


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
