from django.db import models

from collector.models import Campaign, Clip


class PreparedClip(models.Model):
    """A valid clip's way through the preparation pipeline. Created once, when the clip becomes valid."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        DROPPED = "dropped"  # e.g. too quiet after cleaning: not training data
        FAILED = "failed"  # a poison clip: the reason is in `error`

    class Split(models.TextChoices):
        TRAINING = "training"
        VALIDATION = "validation"
        TESTING = "testing"

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="preparation")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    split = models.CharField(max_length=10, choices=Split.choices, blank=True)
    cleaned_audio = models.FileField(max_length=255, blank=True)
    cleaning_params = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Claims so far; also the fencing token of the current claim.")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A running claim older than this belongs to a dead worker.")
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="prepared_clip_claim")]

    def __str__(self) -> str:
        return f"{self.clip_id} {self.state}"


class ClipFeatures(models.Model):
    """Cached features of one clip under one FeatureParams (keyed by clip sha256 and params hash)."""

    preparation = models.ForeignKey(PreparedClip, on_delete=models.CASCADE, related_name="features")
    clip_sha256 = models.CharField(max_length=64)
    params_hash = models.CharField(max_length=12)
    frames = models.PositiveSmallIntegerField()
    channels = models.PositiveSmallIntegerField()
    data = models.BinaryField(help_text="float32, little-endian, frames x channels")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["preparation", "params_hash"], name="features_once_per_params")]
        indexes = [models.Index(fields=["clip_sha256", "params_hash"])]


class BackgroundNoise(models.Model):
    """A long recording of background noise for a campaign; silence examples are cut from it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="background_noise")
    name = models.CharField(max_length=200)
    audio = models.FileField(max_length=255, upload_to="noise/")
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_s:.0f} s)"


class TrainingJob(models.Model):
    """One training run. The data is frozen at launch: the exact clips, the feature params and the code version."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="training_jobs")
    keywords = models.JSONField(help_text="Target keywords, in output order after _silence_ and _unknown_.")
    architecture = models.CharField(max_length=16)
    epochs = models.PositiveSmallIntegerField()
    seed = models.IntegerField(default=0)
    train_params = models.JSONField(default=dict)
    release_name = models.CharField(max_length=100, blank=True)
    clip_ids = models.JSONField(default=list, help_text="The exact clips this job trains and evaluates on.")
    feature_params = models.JSONField(default=dict)
    feature_params_hash = models.CharField(max_length=12)
    code_version = models.CharField(max_length=64)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
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
    model_c_array = models.FileField(max_length=255, blank=True, help_text="model_data.cc: the int8 model as a C array for TFLM.")
    arena_bytes = models.PositiveIntegerField(null=True, blank=True)
    ops = models.JSONField(default=list)
    model_card = models.TextField(blank=True)

    withdrawn_clips = models.PositiveIntegerField(default=0, help_text="Clips it trained on that were erased since.")
    retrained_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retrained_as",
                                       help_text="The job this one retrains without withdrawn data.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"job {self.id} ({self.architecture}, {self.state})"

    @property
    def trained_on_withdrawn_data(self) -> bool:
        return self.withdrawn_clips > 0

    @property
    def progress(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0
