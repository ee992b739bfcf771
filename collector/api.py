"""Thin JSON API views: validate input, call one service or selector, serialize the output."""

from django.conf import settings
from django.http import FileResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from collector import selectors, serializers, services
from collector.authentication import ContributorAuthentication
from collector.consent import consent_document
from collector.middleware import clear_contributor_cookie, set_contributor_cookie
from collector.models import Demographics
from collector.signals import clips_listing_extras
from collector.throttles import CONSENT_THROTTLES, UploadAddressThrottle, UploadContributorThrottle
from core.errors import ApplicationError, ConsentRequired, NotFound
from core.http import audio_response
from core.serializers import ErrorOutput


class ContributorAPIView(APIView):
    authentication_classes = [ContributorAuthentication]

    @property
    def contributor(self):
        return self.request.auth

    def require_contributor(self):
        if self.request.auth is None:
            raise ConsentRequired(gettext("you have not given consent yet: accept a campaign's consent form first"))
        return self.request.auth

    def campaign(self, slug):
        campaign = selectors.campaign_get_active(slug=slug)
        if campaign is None:
            raise NotFound(gettext("no active campaign %(slug)s") % {"slug": repr(slug)})
        return campaign


class CampaignListApi(APIView):
    @extend_schema(responses=serializers.CampaignOutput(many=True))
    def get(self, request):
        return Response(serializers.CampaignOutput(selectors.campaigns_active(), many=True).data)


class ConsentApi(ContributorAPIView):
    throttle_classes = CONSENT_THROTTLES

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []  # reading the text is free

    @extend_schema(responses=serializers.ConsentDocumentOutput)
    def get(self, request, slug):
        get_token(request)  # sets the CSRF cookie: the POST that follows must carry it (X-CSRFToken)
        campaign = self.campaign(slug)
        document = consent_document(campaign)
        accepted = selectors.consent_current(contributor=self.contributor, campaign=campaign) is not None
        return Response(serializers.ConsentDocumentOutput({**document.__dict__, "accepted": accepted}).data)

    @extend_schema(
        request=serializers.ConsentInput,
        responses={
            201: serializers.ConsentOutput,
            400: ErrorOutput,
            403: ErrorOutput,
            409: ErrorOutput,
            429: ErrorOutput,
        },
    )
    def post(self, request, slug):
        campaign = self.campaign(slug)
        data = serializers.ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        consent, token = services.consent_give(contributor=self.contributor, campaign=campaign, **data.validated_data)
        response = Response(serializers.ConsentOutput(consent).data, status=status.HTTP_201_CREATED)
        if token:
            set_contributor_cookie(response, token)
        return response


class PromptApi(ContributorAPIView):
    @extend_schema(parameters=[serializers.PromptInput], responses={200: serializers.PromptOutput, 400: ErrorOutput})
    def get(self, request, slug):
        campaign = self.campaign(slug)
        data = serializers.PromptInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        keyword = selectors.keyword_next_prompt(
            campaign=campaign, contributor=self.contributor, previous_keyword_id=data.validated_data.get("previous")
        )
        if keyword is None:
            raise NotFound(gettext("this campaign has no keywords yet"))
        keyword.campaign = campaign  # the row already loaded: its take length costs no query
        return Response(serializers.PromptOutput(keyword).data)


class ClipUploadApi(ContributorAPIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadContributorThrottle, UploadAddressThrottle]

    @extend_schema(
        request={"multipart/form-data": serializers.ClipUploadInput},
        responses={201: serializers.ClipOutput, 400: ErrorOutput, 403: ErrorOutput, 409: ErrorOutput, 429: ErrorOutput},
    )
    def post(self, request, slug):
        campaign = self.campaign(slug)
        limit = settings.CHORUS_UPLOAD_MAX_BYTES
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
            raise ApplicationError(
                gettext("the upload is %(size)s bytes; the limit is %(limit)s bytes")
                % {"size": request.META["CONTENT_LENGTH"], "limit": limit},
                code="too_large",
            )
        data = serializers.ClipUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["audio"]
        audio = upload.read(limit + 1)
        clip = services.clip_create(
            contributor=self.contributor,
            campaign=campaign,
            keyword_text=data.validated_data["keyword"],
            audio=audio,
            max_bytes=limit,
        )
        return Response(serializers.ClipOutput(clip).data, status=status.HTTP_201_CREATED)


class DemographicsApi(ContributorAPIView):
    @extend_schema(responses=serializers.DemographicsIO)
    def get(self, request):
        contributor = self.require_contributor()
        demographics = Demographics.objects.filter(contributor=contributor).first()
        return Response(serializers.DemographicsIO(demographics or {}).data)

    @extend_schema(request=serializers.DemographicsIO, responses={200: serializers.DemographicsIO, 400: ErrorOutput})
    def put(self, request):
        contributor = self.require_contributor()
        data = serializers.DemographicsIO(data=request.data)
        data.is_valid(raise_exception=True)
        demographics = services.demographics_update(contributor=contributor, **data.validated_data)
        return Response(serializers.DemographicsIO(demographics).data)


class MyClipsApi(ContributorAPIView):
    @extend_schema(responses=serializers.ClipOutput(many=True))
    def get(self, request):
        contributor = self.require_contributor()
        clips = list(selectors.clips_of_contributor(contributor=contributor))
        extras = clips_listing_extras(clip_ids=[clip.id for clip in clips])
        return Response(serializers.ClipOutput(clips, many=True, context={"extras": extras}).data)


class MyClipApi(ContributorAPIView):
    @extend_schema(responses={204: None, 404: ErrorOutput})
    def delete(self, request, clip_id):
        services.clip_delete(contributor=self.require_contributor(), clip_id=clip_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyClipAudioApi(ContributorAPIView):
    @extend_schema(responses={(200, "audio/wav"): bytes})
    def get(self, request, clip_id):
        clip = selectors.clips_of_contributor(contributor=self.require_contributor()).filter(id=clip_id).first()
        if clip is None:
            raise NotFound(gettext("no such clip among your recordings"))
        return audio_response(clip.audio.name)


class MyDataApi(ContributorAPIView):
    @extend_schema(
        responses={(200, "application/zip"): bytes},
        description="Everything held about you: data.json and your audio, as a zip.",
    )
    def get(self, request):
        archive = services.contributor_export(contributor=self.require_contributor())
        return FileResponse(archive, as_attachment=True, filename="chorus-my-data.zip", content_type="application/zip")

    @extend_schema(
        responses=serializers.ErasureOutput,
        description="Erase all your clips, demographics and consents. Cannot be undone.",
    )
    def delete(self, request):
        deleted = services.contributor_erase(contributor=self.require_contributor())
        response = Response(serializers.ErasureOutput({"deleted_clips": deleted}).data)
        clear_contributor_cookie(response)
        return response
