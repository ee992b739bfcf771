"""Model packages API: staff, and accounts that accepted the dataset terms, download a job's package."""

from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from core.errors import NotFound
from core.serializers import ErrorOutput
from exporter import downloads
from training.models import TrainingJob


class ModelPackageApi(APIView):
    @extend_schema(
        responses={
            (200, "application/zip"): bytes,
            401: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
            410: ErrorOutput,
        }
    )
    def get(self, request, job_id):
        job = TrainingJob.objects.select_related("campaign").filter(id=job_id).first()
        if job is None:
            raise NotFound(f"no training job {job_id}")
        return downloads.model_package_download(user=request.user, job=job)
