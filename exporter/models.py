"""What the exporter records: who fetched which model package."""

from django.conf import settings
from django.db import models

from training.models import TrainingJob


class PackageDownload(models.Model):
    """Who fetched which model package, so they can be told when it was trained on withdrawn data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_downloads")
    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="downloads")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
