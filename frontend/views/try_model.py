"""Try a published model: the page, scoring a take (nothing stored), and donating a take the model got wrong.

The take lives in the browser. Scoring reads it from the request and forgets it; only the volunteer's Donate sends
it again, to be stored as a clip of the keyword they said (collector.services.clip_create, into review) or, when
the model fired on something else, as negative audio of the campaign (preparation.donations.negative_donate).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from collector import services as collector_services
from collector.api import ContributorAPIView
from collector.serializers import ClipOutput
from collector.throttles import UploadAddressThrottle, UploadContributorThrottle
from core.errors import ApplicationError
from core.serializers import ErrorOutput
from core.throttles import AddressThrottle
from exporter.serializers import PublishedModelOutput
from preparation.donations import negative_donate
from preparation.models import NegativeAudio
from training import publishing, trying
from training.models import TrainingJob

TAKE_SECONDS = 3.0  # what the page records: room for the word and some quiet around it, and a clip's longest


class TryAddressThrottle(AddressThrottle):
    """Takes scored per client address: each costs the server a model run."""

    scope = "try_address"
    rate_setting = "CHORUS_TRY_RATE_ADDRESS"


def _published(model_id: int) -> TrainingJob:
    job = trying.published_model_get(model_id=model_id)
    if job.trained_on_withdrawn_data:
        raise ApplicationError(
            f"model {job.id} learned from recordings that were since withdrawn: it can no longer be tried",
            code="withdrawn",
            status_code=status.HTTP_410_GONE,
        )
    return job


def _read_upload(request, upload) -> bytes:
    limit = settings.CHORUS_UPLOAD_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        raise ApplicationError(
            f"the upload is {request.META['CONTENT_LENGTH']} bytes; the limit is {limit} bytes", code="too_large"
        )
    return upload.read(limit + 1)


def try_model(request, model_id: int):
    job = publishing.published_models().filter(id=model_id).exclude(model_int8="").first()
    if job is None:
        raise Http404(f"no published model {model_id}")
    campaign = job.campaign
    context = {
        "model": PublishedModelOutput(job).data,
        "campaign": campaign,
        "is_wake_word": job.is_wake_word,
        "phrase": job.keywords[0] if job.keywords else "",
        "take_seconds": TAKE_SECONDS,
        "keywords": [k.text for k in campaign.keywords.order_by("text")],
        "negative_kinds": NegativeAudio.Kind.choices,
        "score_url": reverse("api-try-score", args=[job.id]),
        "donate_url": reverse("api-try-donate", args=[job.id]),
        "consent_url": reverse("consent", args=[campaign.slug]),
    }
    return render(request, "frontend/try_model.html", context)


class TakeInput(serializers.Serializer):
    audio = serializers.FileField(help_text="The take: WAV, FLAC or Ogg Vorbis, 0.5 to 10 s.")


class DetectionOutput(serializers.Serializer):
    label = serializers.CharField()
    time_ms = serializers.IntegerField(help_text="When the detector confirmed it, from the take's start.")
    score = serializers.FloatField()


class TakeScoreOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["commands", "wake_word"])
    duration_s = serializers.FloatField()
    detections = DetectionOutput(many=True)
    times_ms = serializers.ListField(child=serializers.IntegerField())
    series = serializers.DictField(child=serializers.ListField(child=serializers.FloatField()))
    threshold = serializers.FloatField()
    settings = serializers.DictField()


class TryScoreApi(APIView):
    """Score a take with a published model. Nothing is stored."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [TryAddressThrottle]
    authentication_classes = []  # anyone may try; no identity is read or made

    @extend_schema(
        request={"multipart/form-data": TakeInput},
        responses={200: TakeScoreOutput, 400: ErrorOutput, 404: ErrorOutput, 410: ErrorOutput, 429: ErrorOutput},
    )
    def post(self, request, model_id):
        job = _published(model_id)
        data = TakeInput(data=request.data)
        data.is_valid(raise_exception=True)
        audio = _read_upload(request, data.validated_data["audio"])
        samples = trying.take_decode(audio=audio, max_bytes=settings.CHORUS_UPLOAD_MAX_BYTES)
        return Response(TakeScoreOutput(trying.take_score(job=job, samples=samples).as_dict()).data)


class DonateInput(serializers.Serializer):
    audio = serializers.FileField()
    donate_as = serializers.ChoiceField(
        choices=["clip", "negative"],
        help_text="clip: a recording of `keyword` (goes to review); negative: audio that holds none of the words.",
    )
    keyword = serializers.CharField(required=False, allow_blank=True, max_length=100)
    kind = serializers.ChoiceField(choices=NegativeAudio.Kind.choices, default=NegativeAudio.Kind.SPEECH)


class NegativeDonationOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")

    class Meta:
        model = NegativeAudio
        fields = ["id", "campaign", "name", "kind", "source", "duration_s", "uploaded_at"]


class DonationOutput(serializers.Serializer):
    donated_as = serializers.ChoiceField(choices=["clip", "negative"])
    clip = ClipOutput(required=False)
    negative = NegativeDonationOutput(required=False)


class TryDonateApi(ContributorAPIView):
    """Donate the take just tried: needs the campaign's current consent, as every recording does."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadContributorThrottle, UploadAddressThrottle]

    @extend_schema(
        request={"multipart/form-data": DonateInput},
        responses={201: DonationOutput, 400: ErrorOutput, 403: ErrorOutput, 409: ErrorOutput, 429: ErrorOutput},
    )
    def post(self, request, model_id):
        job = _published(model_id)
        data = DonateInput(data=request.data)
        data.is_valid(raise_exception=True)
        audio = _read_upload(request, data.validated_data["audio"])
        if data.validated_data["donate_as"] == "clip":
            clip = collector_services.clip_create(
                contributor=self.contributor,
                campaign=job.campaign,
                keyword_text=data.validated_data.get("keyword", ""),
                audio=audio,
                max_bytes=settings.CHORUS_UPLOAD_MAX_BYTES,
            )
            body = {"donated_as": "clip", "clip": ClipOutput(clip).data}
        else:
            negative = negative_donate(
                contributor=self.contributor,
                campaign=job.campaign,
                audio=audio,
                kind=data.validated_data["kind"],
                max_bytes=settings.CHORUS_UPLOAD_MAX_BYTES,
                max_seconds=trying.TRY_MAX_SECONDS,
            )
            body = {"donated_as": "negative", "negative": NegativeDonationOutput(negative).data}
        return Response(body, status=status.HTTP_201_CREATED)
