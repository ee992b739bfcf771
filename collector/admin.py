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
    Language,
    Tombstone,
    wake_word_phrases_error,
)
from core.http import audio_response


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


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "language", "licence", "target_clips_per_keyword", "active"]
    list_filter = ["active", "kind", "language"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [KeywordInline]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["text", "campaign", "language", "is_filler"]
    list_filter = ["campaign", "is_filler"]
    search_fields = ["text"]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "keyword",
        "campaign",
        "status",
        "status_reason",
        "votes",
        "is_gold",
        "duration_s",
        "rms_dbfs",
        "too_quiet",
        "created_at",
        "player",
    ]
    list_filter = ["campaign", "status", "status_reason", "is_gold", "too_quiet", "keyword"]
    readonly_fields = [f.name for f in Clip._meta.fields] + ["player"]
    list_select_related = ["keyword", "campaign"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # clips come from volunteers or the importer, with consent

    @admin.display(description="votes (valid/invalid)")
    def votes(self, clip):
        return f"{clip.valid_votes}/{clip.invalid_votes}"

    @admin.display(description="audio")
    def player(self, clip):
        url = reverse("admin:collector_clip_audio", args=[clip.pk])
        return format_html('<audio controls preload="none" src="{}"></audio>', url)

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
