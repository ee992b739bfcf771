from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from collector.models import Campaign
from kws.features import FeatureParams
from kws.micro_frontend import MicroFrontendParams
from kws.recognizer import DEFAULT_RECOGNIZER, RecognizerParams


class TrainingJob(models.Model):
    """One training run. The data is frozen at launch: the exact clips, the feature params and the code version."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED_QUALITY = "failed_quality", "Finished - failed quality check"
        FAILED = "failed"
        CANCELLED = "cancelled"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="training_jobs")
    keywords = models.JSONField(help_text="Target keywords, in output order after _silence_ and _unknown_.")
    architecture = models.CharField(max_length=16)
    epochs = models.PositiveSmallIntegerField()
    seed = models.IntegerField(default=0)
    train_params = models.JSONField(default=dict)
    release_name = models.CharField(max_length=100, blank=True)
    include_synthetic = models.BooleanField(default=True, help_text="Trains on the campaign's synthetic clips too.")
    target_fa_per_hour = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.01), MaxValueValidator(100)],
        help_text="The operating point: the recognizer settings with the fewest false rejects at or under this many "
        "false accepts per hour of negative audio.",
    )
    clip_ids = models.JSONField(default=list, help_text="The exact clips this job trains and evaluates on.")
    feature_params = models.JSONField(default=dict)
    feature_params_hash = models.CharField(max_length=12)
    code_version = models.CharField(max_length=64)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    cancel_requested = models.BooleanField(default=False)
    epoch = models.PositiveSmallIntegerField(default=0)
    history = models.JSONField(default=list, help_text="Per-epoch loss and accuracy, for the curves.")
    eta_s = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    labels = models.JSONField(default=list)
    normalization = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    model_keras = models.FileField(max_length=255, blank=True)
    model_float = models.FileField(max_length=255, blank=True)
    model_int8 = models.FileField(max_length=255, blank=True)
    model_c_array = models.FileField(
        max_length=255, blank=True, help_text="model_data.cc: the int8 model as a C array for TFLM."
    )
    arena_bytes = models.PositiveIntegerField(null=True, blank=True)
    ops = models.JSONField(default=list)
    model_card = models.TextField(blank=True)

    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff put it on the public Models page; empty: not published."
    )
    published_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="published_models"
    )

    withdrawn_clips = models.PositiveIntegerField(default=0, help_text="Clips it trained on that were erased since.")
    retrained_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retrained_as",
        help_text="The job this one retrains without withdrawn data.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"job {self.id} ({self.architecture}, {self.state})"

    @property
    def recognizer_params(self) -> RecognizerParams:
        """The operating point the device evaluation chose (the fixed default for jobs from before it)."""
        chosen = (self.metrics or {}).get("device", {}).get("chosen")
        if not chosen:
            return DEFAULT_RECOGNIZER
        return RecognizerParams(**{f: chosen[f] for f in RecognizerParams.__dataclass_fields__})

    @property
    def features(self) -> FeatureParams | MicroFrontendParams:
        """The feature definition frozen at launch: the one place it is rebuilt from the stored JSON (a wake-word
        job's is the TFLite Micro frontend's)."""
        if self.feature_params.get("kind") == MicroFrontendParams.kind:
            return MicroFrontendParams(**self.feature_params)
        return FeatureParams(**self.feature_params)

    @property
    def is_wake_word(self) -> bool:
        return self.metrics.get("kind") == "wake_word" or self.feature_params.get("kind") == MicroFrontendParams.kind

    @property
    def finished_with_model(self) -> bool:
        """A model came out of it: passed its quality gates or not."""
        return self.state in (self.State.SUCCEEDED, self.State.FAILED_QUALITY)

    @property
    def quality_gate(self) -> dict:
        return self.metrics.get("quality_gate", {})

    @property
    def trained_on_withdrawn_data(self) -> bool:
        return self.withdrawn_clips > 0

    @property
    def progress(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0
