"""Published models and their packages: anyone lists them; staff, and accounts that accepted the dataset terms,
download a package."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.serializers import ErrorOutput
from exporter import downloads
from exporter.serializers import PackageInput, PublishedModelOutput
from exporter.throttles import ModelPackageThrottle
from training.models import TrainingJob
from training.publishing import published_models


class ModelPackageApi(APIView):
    throttle_classes = [ModelPackageThrottle]

    @extend_schema(
        parameters=[PackageInput],
        responses={
            (200, "application/zip"): bytes,
            400: ErrorOutput,
            401: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
            410: ErrorOutput,
            429: ErrorOutput,
        },
    )
    def get(self, request, job_id):
        job = TrainingJob.objects.select_related("campaign").filter(id=job_id).first()
        if job is None:
            raise NotFound(f"no training job {job_id}")
        data = PackageInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        return downloads.model_package_download(
            user=request.user, job=job, target=data.validated_data.get("target", "")
        )


class ModelListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PublishedModelOutput(many=True))
    def get(self, request):
        return Response(PublishedModelOutput(published_models(), many=True).data)


class ModelDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PublishedModelOutput, 404: ErrorOutput})
    def get(self, request, model_id):
        job = published_models().filter(id=model_id).first()
        if job is None:
            raise NotFound(f"no published model {model_id}: published models are listed at /api/models/")
        return Response(PublishedModelOutput(job).data)
