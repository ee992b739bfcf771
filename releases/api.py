"""Releases API: anyone lists them; admins create them and see erasure notices; accounts that accepted the
dataset terms download them."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from collector.selectors import campaign_get
from core.errors import ApplicationError, NotFound
from core.permissions import StaffModelPermission
from core.serializers import ErrorOutput
from releases import downloads, selectors, serializers, services
from releases.models import Release
from releases.terms import TERMS_TEXT, TERMS_VERSION
from releases.throttles import ReleaseDownloadThrottle, TermsThrottle


def _release(release_id) -> Release:
    release = selectors.releases_for().filter(id=release_id).first()
    if release is None:
        raise NotFound(f"no release {release_id}")
    return release


class ReleaseListApi(APIView):
    required_perms = {"POST": ["releases.add_release"]}

    def get_permissions(self):
        return [StaffModelPermission()] if self.request.method == "POST" else []

    @extend_schema(parameters=[serializers.ReleaseListInput], responses=serializers.ReleaseOutput(many=True))
    def get(self, request):
        data = serializers.ReleaseListInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        qs = selectors.releases_for().order_by("-created_at")
        if data.validated_data.get("campaign"):
            qs = qs.filter(campaign__slug=data.validated_data["campaign"])
        return Response(serializers.ReleaseOutput(qs[:200], many=True, context={"request": request}).data)

    @extend_schema(
        request=serializers.ReleaseCreateInput,
        responses={201: serializers.ReleaseOutput, 400: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput},
    )
    def post(self, request):
        data = serializers.ReleaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_get(slug=data.validated_data["campaign"])
        release = services.release_create(
            campaign=campaign,
            name=data.validated_data["name"],
            licence=data.validated_data["licence"],
            user=request.user,
        )
        return Response(
            serializers.ReleaseOutput(_release(release.id), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ReleaseDetailApi(APIView):
    @extend_schema(responses={200: serializers.ReleaseDetailOutput, 404: ErrorOutput})
    def get(self, request, release_id):
        return Response(serializers.ReleaseDetailOutput(_release(release_id), context={"request": request}).data)


class ReleaseDownloadApi(APIView):
    throttle_classes = [ReleaseDownloadThrottle]

    @extend_schema(
        responses={
            (200, "application/gzip"): bytes,
            401: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
            410: ErrorOutput,
            429: ErrorOutput,
        }
    )
    def get(self, request, release_id):
        return downloads.release_download(user=request.user, release=_release(release_id))


class TermsApi(APIView):
    throttle_classes = [TermsThrottle]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []  # reading the terms is free

    @extend_schema(responses=serializers.TermsOutput)
    def get(self, request):
        return Response(
            {"version": TERMS_VERSION, "text": TERMS_TEXT, "accepted": downloads.terms_accepted(request.user)}
        )

    @extend_schema(
        request=serializers.TermsInput,
        responses={200: serializers.TermsOutput, 400: ErrorOutput, 401: ErrorOutput, 429: ErrorOutput},
    )
    def post(self, request):
        if not request.user.is_authenticated:
            raise downloads.LoginRequired(
                "log in first: the terms are accepted by an account (sign up at /accounts/signup/)"
            )
        data = serializers.TermsInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["accept"]:
            raise ApplicationError("accept must be true to accept the terms", code="bad_value")
        downloads.terms_accept(user=request.user)
        return Response({"version": TERMS_VERSION, "text": TERMS_TEXT, "accepted": True})


class NoticesApi(APIView):
    permission_classes = [StaffModelPermission]
    # The notices list who downloaded what: release and download records both.
    required_perms = {"GET": ["releases.view_release", "releases.view_download"]}

    @extend_schema(responses=serializers.NoticeOutput(many=True))
    def get(self, request):
        notices = serializers.NoticeOutput(selectors.erasure_notices(), many=True, context={"request": request})
        return Response(notices.data)
