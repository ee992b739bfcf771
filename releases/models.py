"""Dataset releases (immutable snapshots), what each one holds, dataset terms and release downloads."""

from django.conf import settings
from django.db import models

from collector.models import Campaign


class Release(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="releases")
    name = models.CharField(max_length=64, help_text="Version name, e.g. v1. Unique per campaign.")
    licence = models.CharField(max_length=64, help_text="SPDX id the release is published under.")
    include_synthetic = models.BooleanField(default=True, help_text="Holds the campaign's synthetic clips too.")
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The release before this one: deletions.tsv lists erasures since then.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="The snapshot time: the clip list is frozen then.")

    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    archive = models.FileField(max_length=255, blank=True)
    archive_bytes = models.BigIntegerField(null=True, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Counts shown on the release pages.")
    datasheet = models.TextField(blank=True, help_text="DATASHEET.md as written into the archive.")

    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an erasure withdrew it: its archive was deleted then; the row stays as its history.",
    )
    rebuilt_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rebuilds",
        help_text="The withdrawn release this one rebuilds without the withdrawn clips.",
    )

    downloaders_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="Erasures up to then were sent to its downloaders."
    )

    class Meta:
        db_table = "exporter_release"  # the tables predate this app: they keep their names
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="release_name_unique_per_campaign")]

    def __str__(self) -> str:
        return f"{self.campaign.slug} {self.name}"

    @property
    def progress(self) -> float:
        return self.progress_done / self.progress_total if self.progress_total else 0.0


class ReleaseClip(models.Model):
    """One clip's row in a release, kept after the clip is erased: erasure notices and deletions.tsv need it."""

    class Kind(models.TextChoices):
        VALID = "valid"  # audio in <keyword>/, row in manifest.tsv
        OTHER = "other"  # row in other.tsv, no audio
        INVALID = "invalid"  # row in invalidated.tsv, no audio

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="clips")
    # No database constraint: the row outlives the clip when it is erased (then `clip` reads as missing).
    clip = models.ForeignKey(
        "collector.Clip", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    clip_sha256 = models.CharField(max_length=64, help_text="sha256 of the stored upload, as on its tombstone.")
    speaker_hash = models.CharField(max_length=128, db_index=True)
    keyword = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    split = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=255, blank=True, help_text="Path in the archive (valid clips).")
    file_sha256 = models.CharField(max_length=64, blank=True, help_text="sha256 of the file in the archive.")

    class Meta:
        db_table = "exporter_releaseclip"
        # (release, path): the build walks a release in path order without sorting it all in memory
        indexes = [models.Index(fields=["clip_sha256"]), models.Index(fields=["release", "path"])]


class TermsAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataset_terms")
    version = models.CharField(max_length=16)
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "exporter_termsacceptance"
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="terms_once_per_version")]


class Download(models.Model):
    """Who fetched which release, so they can be told of later erasures (model packages: exporter.PackageDownload)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="downloads")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "exporter_download"
        ordering = ["-at"]
