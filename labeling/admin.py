from django.conf import settings
from django.contrib import admin

from collector.admin import ClipAdmin
from collector.models import Clip
from labeling.models import ReviewerStats, Vote
from labeling.services import clip_mark_gold, clip_reverse_prescreen, reviewer_trust_set


def gold_explained() -> str:
    """What gold clips are for, with the standing rule's numbers (read at use: the settings in force)."""
    return (
        "Gold clips are check clips whose right answer you know for certain: reviewers are served them like any "
        "other clip, without being told. Their answers measure each reviewer (Reviewer stats: gold accuracy), and a "
        f"new reviewer's votes count once they have answered {settings.CHORUS_GOLD_MIN_ANSWERS} gold clips with at "
        f"least {settings.CHORUS_GOLD_MIN_ACCURACY:.0%} right. Choose clearly spoken clips of each word, and some "
        "clearly wrong ones (another word, silence, cut off) as gold 'invalid'."
    )


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
        marked = f"{queryset.count()} clip(s) are now gold with answer '{answer}'."
        self.message_user(request, f"{marked} {gold_explained()}")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "gold_explained": gold_explained()})

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

    def has_add_permission(self, request):
        return False  # votes come from voters; every field is read-only, so an added one could not be saved

    list_select_related = ["clip__keyword"]
    actions = ["trust_voters"]

    @admin.action(description="Trust the voters of these votes (their votes count before they answer gold)")
    def trust_voters(self, request, queryset):
        voters = set(queryset.exclude(voter=None).values_list("voter_id", flat=True))
        for voter_id in voters:
            reviewer_trust_set(reviewer_id=voter_id, trusted=True)
        self.message_user(request, f"{len(voters)} voter(s) trusted; their votes are re-weighed.")


@admin.register(ReviewerStats)
class ReviewerStatsAdmin(admin.ModelAdmin):
    list_display = ["reviewer", "gold_answered", "gold_correct", "trusted", "counts", "updated_at"]
    list_filter = ["counts", "trusted"]
    readonly_fields = ["reviewer", "gold_answered", "gold_correct", "counts", "trusted", "updated_at"]

    def has_add_permission(self, request):
        return False  # stats are counted from votes

    actions = ["trust", "distrust"]

    @admin.action(description="Trust: their votes count before they answer gold clips")
    def trust(self, request, queryset):
        self._trust(request, queryset, True)

    @admin.action(description="Stop trusting: their votes count only once they earn standing on gold clips")
    def distrust(self, request, queryset):
        self._trust(request, queryset, False)

    def _trust(self, request, queryset, trusted: bool):
        reviewers = list(queryset.values_list("reviewer_id", flat=True))
        for reviewer_id in reviewers:
            reviewer_trust_set(reviewer_id=reviewer_id, trusted=trusted)
        self.message_user(
            request,
            f"{len(reviewers)} voter(s) {'trusted' if trusted else 'no longer trusted'}; their votes are re-weighed.",
        )
