from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from collector.models import Campaign, Clip, Keyword
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


class LabelErrorRun(models.Model):
    """One run of the label-error finder over a campaign's valid clips (training/label_errors.py)."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        JOB = "job", "After a training job"
        COMMAND = "command", "find_label_errors command"
        ADMIN = "admin", "Campaign admin"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="label_error_runs")
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    job = models.ForeignKey(
        TrainingJob, null=True, blank=True, on_delete=models.SET_NULL, help_text="The job whose end queued it."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    finder_params = models.JSONField(default=dict, help_text="kws.label_errors.FinderParams")
    classes = models.JSONField(default=list, help_text="The keywords it told apart, in class order.")
    clips = models.PositiveIntegerField(default=0, help_text="Valid, prepared clips it looked at.")
    folds_done = models.PositiveSmallIntegerField(default=0)
    folds = models.PositiveSmallIntegerField(default=0)
    accuracy = models.FloatField(
        null=True, blank=True, help_text="Out-of-fold agreement of the finder's model with the given labels."
    )
    suspects_found = models.PositiveIntegerField(default=0)
    sent_to_review = models.PositiveIntegerField(default=0)
    review_values = models.PositiveIntegerField(
        default=0, help_text="Pending clips given a review value (how much a vote on each is worth) for the queue."
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.campaign.slug}: label errors, run {self.id} ({self.state})"


class LabelSuspect(models.Model):
    """A clip whose label the finder doubts, with what it heard instead and what became of the clip."""

    class Action(models.TextChoices):
        SENT_TO_REVIEW = "review", "Sent back to review"
        SYNTHETIC = "synthetic", "Listed only: synthetic clips are valid without review"
        GOLD = "gold", "Listed only: a gold clip's answer is known"
        RECHECKED = "rechecked", "Listed only: reviewers decided it again after an earlier finder run"
        NOT_VALID = "not_valid", "Listed only: no longer valid"

    run = models.ForeignKey(LabelErrorRun, on_delete=models.CASCADE, related_name="suspects")
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="label_suspicions")
    keyword = models.ForeignKey(
        Keyword, on_delete=models.PROTECT, related_name="+", help_text="The label the clip has."
    )
    suspected = models.ForeignKey(
        Keyword,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="What the finder's model heard most likely.",
    )
    score = models.FloatField(
        help_text="Label quality (cleanlab self-confidence): near 0, the model is sure it is wrong."
    )
    rank = models.PositiveIntegerField(help_text="1: the most likely label error of the run.")
    action = models.CharField(max_length=10, choices=Action.choices)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="label_suspect_rank_once_per_run")]


class DataMap(models.Model):
    """A 2-D map of a campaign's valid clips as a trained commands model hears them (training/data_map.py)."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    ACTIVE = (State.QUEUED, State.RUNNING)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="data_maps")
    job = models.ForeignKey(
        TrainingJob, null=True, blank=True, on_delete=models.SET_NULL, help_text="The model whose layer it maps."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=40, blank=True, help_text="What the worker is doing now.")
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps = models.PositiveSmallIntegerField(default=0)
    params = models.JSONField(default=dict, help_text="kws.data_map.MapParams")
    clips = models.PositiveIntegerField(default=0)
    outliers = models.PositiveIntegerField(default=0)
    points = models.JSONField(default=list, help_text="One object per clip: id, x, y, keyword, split, groups, flags.")
    summary = models.JSONField(default=dict, help_text="Keywords in order, clips left off and why, erasures since.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.campaign.slug}: data map {self.id} ({self.state})"
