from django.db import models

from collector.models import Clip


class PreparedClip(models.Model):
    """A valid clip's way through the preparation pipeline. Created once, when the clip becomes valid."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        DROPPED = "dropped"  # e.g. too quiet after cleaning: not training data
        FAILED = "failed"

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="preparation")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    cleaned_audio = models.FileField(max_length=255, blank=True)
    cleaning_params = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
