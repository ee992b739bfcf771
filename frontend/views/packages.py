"""Model package downloads from the training pages, behind the same gate as releases."""

from django.shortcuts import get_object_or_404

from core.throttles import throttle
from exporter import downloads
from exporter.throttles import ModelPackageThrottle
from frontend.views.releases import download_gated
from training.models import TrainingJob


@throttle(ModelPackageThrottle)
def model_package(request, job_id: int):
    job = get_object_or_404(TrainingJob.objects.select_related("campaign"), id=job_id)
    target = request.GET.get("target", "")
    return download_gated(
        request, lambda: downloads.model_package_download(user=request.user, job=job, target=target), "/releases/"
    )
