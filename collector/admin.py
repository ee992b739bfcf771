from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from collector.models import (
    Campaign,
    Clip,
    Consent,
    Contributor,
    Demographics,
    Keyword,
    KeywordTarget,
    Language,
    TargetBoost,
    Tombstone,
    wake_word_phrases_error,
)
from core.http import audio_response


def clip_player(clip_id):
    """An audio element playing a clip through the clip admin's permission-checked audio view."""
    url = reverse("admin:collector_clip_audio", args=[clip_id])
    return format_html('<audio controls preload="none" style="width: 10rem" src="{}"></audio>', url)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class KeywordInlineFormSet(BaseInlineFormSet):
    def clean(self):
        """The keywords as submitted (each form's own check sees only the saved ones): a wake-word campaign keeps
        one non-filler keyword, and the error stands beside the extra ones' filler box."""
        super().clean()
        if self.instance.kind != Campaign.Kind.WAKE_WORD:
            return
        phrases = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.cleaned_data.get("is_filler")
        ]
        if len(phrases) > 1:
            message = wake_word_phrases_error([form.cleaned_data.get("text", "") for form in phrases])
            for form in phrases[1:]:
                if "is_filler" not in form.errors:
                    form.add_error("is_filler", message)


class KeywordInline(admin.TabularInline):
    model = Keyword
    formset = KeywordInlineFormSet
    extra = 1


class KeywordTargetInline(admin.TabularInline):
    """Targets that differ from the defaults (collector/targets.py): a keyword's total, or one group's clips of it."""

    model = KeywordTarget
    extra = 1
    verbose_name_plural = (
        "targets (without one: target clips per keyword for a keyword, an even share of it for each group)"
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "keyword":  # only this campaign's keywords (save new keywords first)
            campaign_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                Keyword.objects.filter(campaign_id=campaign_id) if campaign_id else Keyword.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TargetBoostInline(admin.TabularInline):
    """The last succeeded model's weak cells, written by training: read-only."""

    model = TargetBoost
    extra = 0
    fields = readonly_fields = ["keyword", "field", "group", "factor", "false_reject_rate", "baseline_rate", "source"]
    verbose_name_plural = "target boosts (weak cells of the last succeeded model)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "language", "licence", "target_clips_per_keyword", "active", "coverage"]
    list_filter = ["active", "kind", "language"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [KeywordInline, KeywordTargetInline, TargetBoostInline]

    @admin.display(description="coverage")
    def coverage(self, campaign):
        return format_html('<a href="{}?campaign={}">heatmap</a>', reverse("campaign-coverage"), campaign.slug)


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["text", "campaign", "language", "is_filler"]
    list_filter = ["campaign", "is_filler"]
    search_fields = ["text"]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    # narrow columns, so the list fits a 1280 px screen beside its filters (the campaign is a filter; the full id
    # and time are on the clip's page)
    list_display = [
        "short_id",
        "keyword",
        "status",
        "status_reason",
        "votes",
        "is_gold",
        "seconds",
        "level",
        "created",
        "player",
    ]
    list_filter = ["campaign", "status", "status_reason", "is_gold", "too_quiet", "keyword"]
    readonly_fields = [f.name for f in Clip._meta.fields] + ["player"]
    list_select_related = ["keyword", "campaign"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # clips come from volunteers or the importer, with consent

    @admin.display(description="votes ✓/✗")
    def votes(self, clip):
        return f"{clip.valid_votes}/{clip.invalid_votes}"

    @admin.display(description="secs", ordering="duration_s")
    def seconds(self, clip):
        return f"{clip.duration_s:.2f}" if clip.duration_s is not None else "-"

    @admin.display(description="created", ordering="created_at")
    def created(self, clip):
        return format_html('<span title="{}">{}</span>', clip.created_at.isoformat(), f"{clip.created_at:%Y-%m-%d}")

    @admin.display(description="id", ordering="id")
    def short_id(self, clip):
        return format_html('<span title="{}">{}</span>', clip.pk, str(clip.pk)[:8])

    @admin.display(description="level", ordering="rms_dbfs")
    def level(self, clip):
        if clip.rms_dbfs is None:
            return "-"
        return f"{clip.rms_dbfs:.1f} dBFS" + (", too quiet" if clip.too_quiet else "")

    @admin.display(description="audio")
    def player(self, clip):
        return clip_player(clip.pk)

    def get_urls(self):
        return [
            path("<uuid:clip_id>/audio/", self.admin_site.admin_view(self.audio_view), name="collector_clip_audio")
        ] + super().get_urls()

    def audio_view(self, request, clip_id):
        # admin_view only checks staff status: hearing a voice needs the permission to view clips.
        if not self.has_view_permission(request):
            raise PermissionDenied("you may not view clips")
        clip = get_object_or_404(Clip, pk=clip_id)
        return audio_response(clip.audio.name)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["contributor", "campaign", "version", "licence", "is_adult", "accepted_at"]
    list_filter = ["campaign", "version", "licence"]
    readonly_fields = ["contributor", "campaign", "version", "text_sha256", "is_adult", "licence", "accepted_at"]

    def has_add_permission(self, request):
        return False  # a volunteer gives consent; every field is read-only, so an added one could not be saved


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "user"]
    readonly_fields = ["id", "token_sha256", "created_at"]

    def has_add_permission(self, request):
        return False  # contributors are made by consenting (or the importer), with a token only they hold


admin.site.register(Demographics)


@admin.register(Tombstone)
class TombstoneAdmin(admin.ModelAdmin):
    list_display = ["campaign", "clip_sha256", "deleted_at"]
    readonly_fields = ["speaker_hash", "clip_sha256", "campaign", "deleted_at"]

    def has_add_permission(self, request):
        return False  # tombstones are written by erasure only
