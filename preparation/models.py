"""The preparation stage: each valid clip's way to cleaned audio, a split and cached features; background noise."""

from django.db import models

from collector.models import Campaign, Clip, Consent, Contributor


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
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Claims so far; also the fencing token of the current claim."
    )
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A running claim older than this belongs to a dead worker."
    )
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "training_preparedclip"  # created by training's migrations, before this app existed
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
        db_table = "training_clipfeatures"
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

    class Meta:
        db_table = "training_backgroundnoise"

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_s:.0f} s)"


class SynthesisRun(models.Model):
    """One "synthesize starter voices" run on a worker, with its progress for the training page and the admin."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    ACTIVE = (State.QUEUED, State.RUNNING)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="synthesis_runs")
    voices = models.PositiveIntegerField()
    takes = models.PositiveSmallIntegerField(default=3)
    keywords = models.JSONField(default=list, blank=True, help_text="Empty: every keyword of the campaign.")
    voices_done = models.PositiveIntegerField(default=0)
    clips_created = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.campaign.slug}: {self.voices_done} of {self.voices} voices ({self.state})"


class NegativeAudio(models.Model):
    """A long recording that holds no wake phrase (speech, music, TV, noise): a model must not trigger on it.
    Stored as 16 kHz mono 16-bit WAV; its split comes from a stable hash, so it never moves between runs."""

    class Kind(models.TextChoices):
        SPEECH = "speech"
        MUSIC = "music"
        TV = "tv", "TV"
        NOISE = "noise"
        OTHER = "other"

    class Source(models.TextChoices):
        IMPORT = "import", "Imported dataset"
        UPLOAD = "upload", "Uploaded by staff"
        VOLUNTEER = "volunteer", "Recorded by a volunteer"
        SYNTHETIC = "synthetic"
        DONATED = "donated", "Donated by a volunteer from the try page"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="negative_audio")
    name = models.CharField(max_length=200)
    audio = models.FileField(max_length=255, upload_to="negatives/")
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SPEECH)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    split = models.CharField(max_length=10, choices=PreparedClip.Split.choices)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    contributor = models.ForeignKey(
        Contributor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="donated_negatives",
        help_text="The volunteer who donated it (source donated): their erasure deletes it and its audio.",
    )
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Donated under it."
    )

    class Meta:
        verbose_name_plural = "negative audio"
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="negative_audio_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_s:.0f} s, {self.kind})"
