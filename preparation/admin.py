from django import forms
from django.contrib import admin

from collector.admin import CampaignAdmin
from collector.synthesis import DEFAULT_VOICES
from core.errors import ApplicationError
from core.task_queue import task_enqueue
from preparation.models import BackgroundNoise, PreparedClip
from preparation.noise import background_noise_add, background_noise_decoded
from preparation.services import preparation_requeue
from preparation.synthesis import SYNTHESIZE_TASK


@admin.register(PreparedClip)
class PreparedClipAdmin(admin.ModelAdmin):
    """Failed (poison) clips show here with their reason."""

    list_display = ["clip", "state", "split", "attempts", "error", "finished_at"]
    list_filter = ["state", "split"]
    search_fields = ["clip__id", "error"]
    readonly_fields = [
        "clip",
        "state",
        "split",
        "cleaned_audio",
        "cleaning_params",
        "attempts",
        "lease_until",
        "error",
        "enqueued_at",
        "finished_at",
    ]
    actions = ["requeue"]

    @admin.action(description="Queue again (after fixing the cause)")
    def requeue(self, request, queryset):
        count = preparation_requeue(preparation_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} clip(s) queued for preparation again.")


class BackgroundNoiseForm(forms.ModelForm):
    upload = forms.FileField(
        help_text="A long WAV/FLAC recording of background noise (at least 1 s; any rate, mono or stereo)."
    )

    class Meta:
        model = BackgroundNoise
        fields = ["campaign", "name"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        data = upload.read()
        try:
            background_noise_decoded(name=upload.name, data=data)  # the service's own check, shown beside the field
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
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
        created = background_noise_add(
            campaign=form.cleaned_data["campaign"], name=form.cleaned_data["name"], data=form.cleaned_data["upload"]
        )
        for field in BackgroundNoise._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))


@admin.action(description=f"Synthesize starter voices ({DEFAULT_VOICES} espeak-ng voices, every keyword)")
def synthesize_starter_voices(modeladmin, request, queryset):
    for campaign in queryset:
        task_enqueue(SYNTHESIZE_TASK, args=[campaign.id, DEFAULT_VOICES])
    names = ", ".join(c.name for c in queryset)
    modeladmin.message_user(
        request,
        f"Synthesizing {DEFAULT_VOICES} voices for {names} in the background; the clips are valid at once and "
        "show in the clip list (source synthetic:espeak-ng) as they are made.",
    )


# The action belongs to this stage (it also adds noise beds), so it is added to the campaign admin from here.
CampaignAdmin.actions = [*(CampaignAdmin.actions or []), synthesize_starter_voices]
