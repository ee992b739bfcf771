from django import forms
from django.contrib import admin

from training.models import BackgroundNoise, PreparedClip
from training.services import background_noise_add


@admin.register(PreparedClip)
class PreparedClipAdmin(admin.ModelAdmin):
    """Failed (poison) clips show here with their reason."""

    list_display = ["clip", "state", "split", "attempts", "error", "finished_at"]
    list_filter = ["state", "split"]
    search_fields = ["clip__id", "error"]
    readonly_fields = ["clip", "state", "split", "cleaned_audio", "cleaning_params", "attempts", "lease_until", "error", "enqueued_at", "finished_at"]
    actions = ["requeue"]

    @admin.action(description="Queue again (after fixing the cause)")
    def requeue(self, request, queryset):
        from django.db import transaction

        from training.services import preparation_schedule

        count = queryset.exclude(state=PreparedClip.State.RUNNING).update(state=PreparedClip.State.QUEUED, error="", lease_until=None)
        transaction.on_commit(preparation_schedule)
        self.message_user(request, f"{count} clip(s) queued for preparation again.")


class BackgroundNoiseForm(forms.ModelForm):
    upload = forms.FileField(help_text="A long WAV/FLAC recording of background noise (at least 1 s; any rate, mono or stereo).")

    class Meta:
        model = BackgroundNoise
        fields = ["campaign", "name"]

    def clean_upload(self):
        from kws.audio import AudioRejected, decode_any

        data = self.cleaned_data["upload"].read()
        try:
            samples, *_ = decode_any(data)
        except AudioRejected as exc:
            raise forms.ValidationError(str(exc)) from None
        if len(samples) < 16_000:
            raise forms.ValidationError("background noise must last at least one second")
        return data


@admin.register(BackgroundNoise)
class BackgroundNoiseAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "duration_s", "uploaded_at"]
    list_filter = ["campaign"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = BackgroundNoiseForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["audio", "duration_s", "sample_rate", "uploaded_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = background_noise_add(campaign=form.cleaned_data["campaign"], name=form.cleaned_data["name"], data=form.cleaned_data["upload"])
        for field in BackgroundNoise._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
