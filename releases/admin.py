from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import ApplicationError
from releases import selectors, services
from releases.models import Download, Release, TermsAcceptance


class ReleaseCreateForm(forms.ModelForm):
    """Runs release_create's checks while validating, so the admin shows each error beside its field and
    keeps what was typed."""

    licence = forms.CharField(max_length=64, required=False, help_text="SPDX id; empty: the campaign's licence.")

    class Meta:
        model = Release
        fields = ["campaign", "name", "licence"]

    def clean_name(self) -> str:
        try:
            return services.release_name_checked(name=self.cleaned_data["name"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        campaign, name = cleaned.get("campaign"), cleaned.get("name")
        if campaign is None:
            return cleaned
        licence = self._checked(
            "licence", services.release_licence_checked, licence=cleaned.get("licence", ""), campaign=campaign
        )
        if licence is not None:
            cleaned["licence"] = licence
        self._checked("campaign", services.release_data_check, campaign=campaign)
        if name:
            self._checked("name", services.release_name_free_check, campaign=campaign, name=name)
        return cleaned

    def _checked(self, field: str, check, **kwargs):
        """check(**kwargs), its ApplicationError shown beside `field`."""
        try:
            return check(**kwargs)
        except ApplicationError as exc:
            self.add_error(field, exc.message)
            return None


class NotifiedForm(forms.Form):
    release = forms.IntegerField(min_value=1, max_value=2**63 - 1)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Adding a release freezes its clips and queues the build; a built release never changes."""

    list_display = [
        "name",
        "campaign",
        "state",
        "progress_bar",
        "clips",
        "withdrawn_clips",
        "archive_size",
        "created_at",
    ]
    list_filter = ["campaign", "state"]
    actions = ["rebuild_without_withdrawn"]
    readonly_fields = [
        "campaign",
        "name",
        "licence",
        "previous",
        "state",
        "progress_done",
        "progress_total",
        "archive",
        "archive_size",
        "archive_sha256",
        "summary",
        "datasheet",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "downloaders_notified_at",
        "withdrawn_at",
        "rebuilt_from",
    ]

    def get_queryset(self, request):
        return selectors.with_withdrawn_counts(super().get_queryset(request))

    @admin.display(description="archive size", ordering="archive_bytes")
    def archive_size(self, release):
        if release.archive_bytes is None:
            return "-"
        return f"{filesizeformat(release.archive_bytes)} ({release.archive_bytes:,} bytes)"

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ReleaseCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else ["campaign", "name", "licence"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.release_create(
                campaign=form.cleaned_data["campaign"],
                name=form.cleaned_data["name"],
                licence=form.cleaned_data["licence"],
                user=request.user,
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        obj.pk = created.pk

    def add_view(self, request, form_url="", extra_context=None):
        # The form has run release_create's checks; only a race (the same name saved meanwhile) ends here.
        try:
            return super().add_view(request, form_url, extra_context)
        except forms.ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.path)

    @admin.action(description="Rebuild without the withdrawn clips (as a new release)", permissions=["add"])
    def rebuild_without_withdrawn(self, request, queryset):
        for release in queryset:
            try:
                rebuilt = services.release_rebuild(release=release, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{release.name}: {exc.message}", messages.WARNING)
                continue
            self.message_user(request, f"{release.name}: rebuilding as {rebuilt.name}; a worker builds the archive.")

    @admin.display(description="progress")
    def progress_bar(self, obj):
        return format_html(
            '<progress max="{}" value="{}"></progress> {}%',
            obj.progress_total,
            obj.progress_done,
            round(100 * obj.progress),
        )

    @admin.display(description="clips")
    def clips(self, obj):
        return obj.summary.get("clips", "")

    @admin.display(description="withdrawn")
    def withdrawn_clips(self, obj):
        return obj.withdrawn

    def get_urls(self):
        return [
            path("notices/", self.admin_site.admin_view(self.notices_view), name="releases_release_notices"),
            *super().get_urls(),
        ]

    def notices_view(self, request):
        """Releases that hold erased clips, and the accounts that downloaded them: who to tell."""
        if not request.user.has_perms(["releases.view_release", "releases.view_download"]):
            raise PermissionDenied("you may not see who downloaded releases")
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied("you may not change releases")
            form = NotifiedForm(request.POST)
            if not form.is_valid():
                return HttpResponseBadRequest("release must be a release id")
            try:
                services.release_mark_notified(release_id=form.cleaned_data["release"])
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, "Marked as notified.")
            return redirect(reverse("admin:releases_release_notices"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Erasure notices",
            "notices": selectors.erasure_notices(),
        }
        return TemplateResponse(request, "admin/releases/notices.html", context)

    def changelist_view(self, request, extra_context=None):
        extra = {"notices_url": reverse("admin:releases_release_notices"), **(extra_context or {})}
        return super().changelist_view(request, extra)


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = ["user", "release", "at"]
    list_filter = ["release"]
    readonly_fields = ["user", "release", "at"]

    def has_add_permission(self, request):
        return False  # recorded by the download itself


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "accepted_at"]
    readonly_fields = ["user", "version", "accepted_at"]

    def has_add_permission(self, request):
        return False  # an account accepts the terms itself; the form could not even name the account
