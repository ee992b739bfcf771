"""Training jobs API: only admins launch, watch and cancel."""

import numpy as np
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from collector.selectors import campaign_get
from core.errors import NotFound
from core.permissions import StaffModelPermission
from core.serializers import ErrorOutput
from kws.metrics import confusion_matrix_png
from training import jobs, publishing, serializers
from training.data_overview import data_overview
from training.models import TrainingJob

VIEW, ADD, CHANGE = "training.view_trainingjob", "training.add_trainingjob", "training.change_trainingjob"


class AdminAPIView(APIView):
    permission_classes = [StaffModelPermission]
    required_perms = {"GET": [VIEW]}

    def job(self, job_id) -> TrainingJob:
        job = TrainingJob.objects.select_related("campaign").filter(id=job_id).first()
        if job is None:
            raise NotFound(f"no training job {job_id}")
        return job


class JobListApi(AdminAPIView):
    required_perms = {"GET": [VIEW], "POST": [ADD]}

    @extend_schema(responses=serializers.JobOutput(many=True))
    def get(self, request):
        jobs_ = TrainingJob.objects.select_related("campaign").defer("clip_ids").order_by("-created_at")[:100]
        return Response(serializers.JobOutput(jobs_, many=True).data)

    @extend_schema(
        request=serializers.JobLaunchInput, responses={201: serializers.JobOutput, 400: ErrorOutput, 409: ErrorOutput}
    )
    def post(self, request):
        data = serializers.JobLaunchInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_get(slug=data.validated_data["campaign"])
        job = jobs.job_launch(
            campaign=campaign,
            keywords=data.validated_data["keywords"],
            architecture=data.validated_data["architecture"],
            epochs=data.validated_data["epochs"],
            seed=data.validated_data["seed"],
            release_name=data.validated_data["release"],
            include_synthetic=data.validated_data["include_synthetic"],
            target_fa_per_hour=data.validated_data["target_fa_per_hour"],
            user=request.user,
        )
        return Response(serializers.JobOutput(job).data, status=status.HTTP_201_CREATED)


class JobDetailApi(AdminAPIView):
    @extend_schema(responses={200: serializers.JobOutput, 404: ErrorOutput})
    def get(self, request, job_id):
        return Response(serializers.JobOutput(self.job(job_id)).data)


class JobCancelApi(AdminAPIView):
    required_perms = {"POST": [CHANGE]}

    @extend_schema(request=None, responses={200: serializers.JobOutput, 404: ErrorOutput})
    def post(self, request, job_id):
        return Response(serializers.JobOutput(jobs.job_cancel(job_id=self.job(job_id).id)).data)


class JobConfusionApi(AdminAPIView):
    @extend_schema(responses={(200, "image/png"): bytes, 404: ErrorOutput})
    def get(self, request, job_id):
        job = self.job(job_id)
        if not job.metrics.get("confusion_matrix"):
            raise NotFound("this job has no confusion matrix yet")
        png = confusion_matrix_png(np.array(job.metrics["confusion_matrix"]), job.labels)
        return HttpResponse(png, content_type="image/png")


class JobRetrainApi(AdminAPIView):
    required_perms = {"POST": [ADD]}

    @extend_schema(
        request=serializers.JobRetrainInput, responses={201: serializers.JobOutput, 404: ErrorOutput, 409: ErrorOutput}
    )
    def post(self, request, job_id):
        data = serializers.JobRetrainInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = jobs.job_retrain(
            job_id=self.job(job_id).id, release_name=data.validated_data["release"], user=request.user
        )
        return Response(serializers.JobOutput(job).data, status=status.HTTP_201_CREATED)


class JobPublishApi(AdminAPIView):
    required_perms = {"POST": [CHANGE], "DELETE": [CHANGE]}

    @extend_schema(request=None, responses={200: serializers.JobOutput, 404: ErrorOutput, 409: ErrorOutput})
    def post(self, request, job_id):
        """Put the model on the public Models page (only a passing job, not trained on withdrawn data)."""
        return Response(serializers.JobOutput(publishing.model_publish(job=self.job(job_id), user=request.user)).data)

    @extend_schema(request=None, responses={200: serializers.JobOutput, 404: ErrorOutput})
    def delete(self, request, job_id):
        """Take the model off the Models page."""
        return Response(serializers.JobOutput(publishing.model_unpublish(job=self.job(job_id))).data)


class CampaignDataApi(AdminAPIView):
    @extend_schema(
        parameters=[serializers.DataOverviewInput], responses={200: serializers.DataOverviewOutput, 404: ErrorOutput}
    )
    def get(self, request, slug):
        """What a job launched now would train and test on: clips and speakers per keyword and split."""
        data = serializers.DataOverviewInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        overview = data_overview(
            campaign=campaign_get(slug=slug), include_synthetic=data.validated_data["include_synthetic"]
        )
        return Response(serializers.DataOverviewOutput(overview).data)
