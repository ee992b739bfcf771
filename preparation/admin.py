from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from collector.admin import CampaignAdmin
from collector.synthesis import DEFAULT_TAKES, DEFAULT_VOICES, MAX_VOICES
from core.errors import ApplicationError
from preparation.models import BackgroundNoise, NegativeAudio, PreparedClip, SynthesisRun
from preparation.negatives import (
    NegativeAudioRejected,
    negative_audio_add,
    negative_audio_check,
    negative_audio_delete,
)
from preparation.noise import background_noise_add, background_noise_decoded
from preparation.services import preparation_requeue
from preparation.synthesis import synthesis_queue


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

    def has_add_permission(self, request):
        return False  # a clip is prepared when it is decided valid; every field here is read-only

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


class NegativeAudioForm(forms.ModelForm):
    upload = forms.FileField(
        help_text="A long WAV or FLAC recording that holds no wake phrase (at least 1 s; any rate from 8 to 96 kHz, "
        "mono or several channels). It is stored as 16 kHz mono."
    )

    class Meta:
        model = NegativeAudio
        fields = ["campaign", "name", "kind"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            negative_audio_check(name=upload.name, fileobj=upload)  # decoded a block at a time, stored nowhere
        except NegativeAudioRejected as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


@admin.register(NegativeAudio)
class NegativeAudioAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "kind", "source", "split", "duration_s", "uploaded_at"]
    list_filter = ["campaign", "kind", "source", "split"]
    search_fields = ["name"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = NegativeAudioForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # the split hangs on the campaign and name: both stay as stored
        fixed = ["campaign", "name", "audio", "duration_s", "sample_rate", "source", "split", "uploaded_at"]
        return fixed if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = negative_audio_add(
            campaign=form.cleaned_data["campaign"],
            name=form.cleaned_data["name"],
            fileobj=form.cleaned_data["upload"],
            kind=form.cleaned_data["kind"],
            source=NegativeAudio.Source.UPLOAD,
        )
        for field in NegativeAudio._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))

    def delete_model(self, request, obj):
        negative_audio_delete(negatives=NegativeAudio.objects.filter(pk=obj.pk))  # the stored file goes too

    def delete_queryset(self, request, queryset):
        negative_audio_delete(negatives=queryset)


class SynthesizeForm(forms.Form):
    voices = forms.IntegerField(min_value=1, max_value=MAX_VOICES, initial=DEFAULT_VOICES)
    takes = forms.IntegerField(min_value=1, max_value=20, initial=DEFAULT_TAKES, help_text="Clips per keyword, voice.")
    keywords = forms.CharField(
        required=False, help_text="Comma-separated; empty: every keyword of the campaign, fillers included."
    )

    def clean_keywords(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


@admin.action(description="Synthesize starter voices (espeak-ng, every keyword)")
def synthesize_starter_voices(modeladmin, request, queryset):
    """A form first (voices, takes, keywords), then one run per campaign on a worker."""
    form = SynthesizeForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        try:
            with transaction.atomic():
                runs = [synthesis_queue(campaign=campaign, **form.cleaned_data) for campaign in queryset]
        except ApplicationError as exc:
            modeladmin.message_user(request, str(exc), level=messages.ERROR)
            return None
        modeladmin.message_user(
            request,
            format_html(
                "Synthesizing {} voices for {} on a worker; the clips are valid at once (source synthetic:espeak-ng). "
                'Follow the voices and their preparation on the <a href="{}">training page</a>.',
                form.cleaned_data["voices"],
                ", ".join(run.campaign.name for run in runs),
                reverse("training"),
            ),
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Synthesize starter voices",
        "campaigns": queryset,
        "form": form,
        "default_voices": DEFAULT_VOICES,
        "default_takes": DEFAULT_TAKES,
    }
    return TemplateResponse(request, "admin/preparation/synthesize.html", context)


# The action belongs to this stage (it also adds noise beds), so it is added to the campaign admin from here.
CampaignAdmin.actions = [*(CampaignAdmin.actions or []), synthesize_starter_voices]


@admin.register(SynthesisRun)
class SynthesisRunAdmin(admin.ModelAdmin):
    """Starter-voice runs and how far each got; they are started from the campaign list's action."""

    list_display = ["campaign", "state", "progress", "clips_created", "created_at", "finished_at", "error"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in SynthesisRun._meta.fields]

    @admin.display(description="voices")
    def progress(self, run: SynthesisRun) -> str:
        return f"{run.voices_done} of {run.voices}"

    def has_add_permission(self, request) -> bool:
        return False
