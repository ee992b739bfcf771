import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="BCP 47 tag, e.g. en, en-GB, sw.")
    name = models.CharField(max_length=100)
    accents = models.JSONField(default=list, blank=True, help_text="Accent labels volunteers may choose from.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Campaign(models.Model):
    class Kind(models.TextChoices):
        COMMANDS = "commands", "Commands (a few words, 1 s clips)"
        WAKE_WORD = "wake_word", "Wake word (one phrase, 2 s clips)"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        default=Kind.COMMANDS,
        help_text="Wake word: the one non-filler keyword is the wake phrase, its fillers the confusable phrases.",
    )
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="campaigns")
    licence = models.CharField(
        max_length=64, default="CC-BY-4.0", help_text="SPDX id of the licence clips are given under."
    )
    target_clips_per_keyword = models.PositiveIntegerField(default=1000)
    vote_cap = models.PositiveSmallIntegerField(default=4, help_text="Votes after which a tie is decided as 'other'.")
    accuracy_floor = models.FloatField(
        default=0.75,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Quality gate: a model's int8 test accuracy must reach this (0..1) before it is offered.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def take_seconds(self) -> float:
        """Seconds of audio a take is cleaned to: a phrase of several words needs more than a command word."""
        return TAKE_SECONDS[self.kind]

    @property
    def record_seconds(self) -> float:
        """Seconds the browser records per take."""
        return RECORD_SECONDS[self.kind]

    @property
    def wake_phrase(self) -> str:
        """The wake phrase (the one non-filler keyword's text), or "" for a commands campaign, none yet, or more
        than one (which clean() refuses)."""
        if self.kind != self.Kind.WAKE_WORD or self.pk is None:
            return ""
        phrases = list(self.keywords.filter(is_filler=False).values_list("text", flat=True)[:2])
        return phrases[0] if len(phrases) == 1 else ""

    def clean(self):
        super().clean()
        if self.kind == self.Kind.WAKE_WORD and self.pk is not None:
            phrases = list(self.keywords.filter(is_filler=False).values_list("text", flat=True))
            if len(phrases) > 1:
                raise ValidationError({"kind": wake_word_phrases_error(phrases)})


# Commands keep the Speech Commands window (a 1.5 s take, cleaned to its loudest second); a wake phrase such as
# "hey jarvis" needs about two.
TAKE_SECONDS = {Campaign.Kind.COMMANDS: 1.0, Campaign.Kind.WAKE_WORD: 2.0}
RECORD_SECONDS = {Campaign.Kind.COMMANDS: 1.5, Campaign.Kind.WAKE_WORD: 2.0}


def wake_word_phrases_error(phrases: list[str]) -> str:
    """The one message for a wake-word campaign given more than one phrase to detect."""
    listed = ", ".join(f"'{p}'" for p in sorted(phrases))
    return (
        f"a wake-word campaign has exactly one wake phrase (its one non-filler keyword), but {listed} are not "
        "fillers: mark the confusable phrases as fillers, or make this a commands campaign"
    )


class Keyword(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="keywords")
    text = models.CharField(max_length=64)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="keywords")
    is_filler = models.BooleanField(
        default=False, help_text="Filler words are prompted ~10% of the time and train the 'unknown' class."
    )

    class Meta:
        ordering = ["campaign", "is_filler", "text"]
        constraints = [models.UniqueConstraint(fields=["campaign", "text"], name="keyword_unique_per_campaign")]

    def __str__(self) -> str:
        return self.text

    def clean(self):
        super().clean()
        try:
            campaign = self.campaign  # in the admin's inline: the campaign as submitted, kind included
        except Campaign.DoesNotExist:
            return
        if campaign.kind != Campaign.Kind.WAKE_WORD or self.is_filler or campaign.pk is None:
            return
        others = list(campaign.keywords.filter(is_filler=False).exclude(pk=self.pk).values_list("text", flat=True))
        if others:
            raise ValidationError({"is_filler": wake_word_phrases_error([*others, self.text])})


class Contributor(models.Model):
    """A volunteer. Anonymous: the browser holds a random secret; only its sha256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_sha256 = models.CharField(max_length=64, unique=True)
    external_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="'<source>:<speaker id>' for contributors of an imported dataset.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contributor"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"contributor {str(self.id)[:8]}"


class Consent(models.Model):
    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE, related_name="consents")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="consents")
    version = models.CharField(max_length=16)
    text_sha256 = models.CharField(max_length=64, help_text="sha256 of the exact consent text shown.")
    is_adult = models.BooleanField(help_text="Confirmed being 18 or older.")
    licence = models.CharField(max_length=64)
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-accepted_at"]
        indexes = [models.Index(fields=["contributor", "campaign", "-accepted_at"])]

    def __str__(self) -> str:
        return f"consent {self.version} to {self.campaign} ({self.licence})"


PREFER_NOT = "prefer_not"


class Demographics(models.Model):
    AGE_BRACKETS = [
        (PREFER_NOT, _("Prefer not to say")),
        ("18-29", "18–29"),
        ("30-39", "30–39"),
        ("40-49", "40–49"),
        ("50-59", "50–59"),
        ("60-69", "60–69"),
        ("70+", _("70 or older")),
    ]
    GENDERS = [
        (PREFER_NOT, _("Prefer not to say")),
        ("female", _("Female")),
        ("male", _("Male")),
        ("non_binary", _("Non-binary")),
        ("other", _("Another gender")),
    ]

    contributor = models.OneToOneField(Contributor, on_delete=models.CASCADE, related_name="demographics")
    age_bracket = models.CharField(max_length=16, choices=AGE_BRACKETS, default=PREFER_NOT)
    gender = models.CharField(max_length=16, choices=GENDERS, default=PREFER_NOT)
    accent = models.CharField(
        max_length=64, default=PREFER_NOT, help_text="One of the language's accent labels, 'other' or prefer_not."
    )
    native_language = models.CharField(max_length=16, default=PREFER_NOT, help_text="BCP 47 tag or prefer_not.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "demographics"


class Clip(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        OTHER = "other", "Undecided (tie at vote cap)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Every index is written by each vote that decides a clip: campaign and contributor need none of
    # their own, the (campaign, keyword, status) index and the unique (contributor, sha256) lead with them.
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="clips", db_index=False)
    keyword = models.ForeignKey(Keyword, on_delete=models.PROTECT, related_name="clips")
    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE, related_name="clips", db_index=False)
    consent = models.ForeignKey(
        Consent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clips",
        help_text="Empty for imported clips: see source.",
    )
    consent_version = models.CharField(
        max_length=64, help_text="Consent form version, or 'import:<source>' for imported clips."
    )
    source = models.CharField(
        max_length=100,
        default="chorus",
        help_text="Where the clip comes from: 'chorus' (recorded here), an imported dataset, or 'synthetic:<engine>'.",
    )
    synthetic = models.BooleanField(
        default=False, help_text="Made by a speech synthesizer: a voice descriptor instead of a person."
    )
    voice = models.CharField(
        max_length=200, blank=True, help_text="A synthetic clip's voice: engine voice, pitch, speed and warp."
    )
    source_path = models.CharField(
        max_length=300, blank=True, help_text="Path in the imported dataset, for provenance."
    )
    licence = models.CharField(max_length=64, default="CC-BY-4.0")
    audio = models.FileField(max_length=255)
    sha256 = models.CharField(max_length=64)
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    num_samples = models.PositiveIntegerField()
    original_sample_rate = models.PositiveIntegerField()
    original_channels = models.PositiveSmallIntegerField()
    original_format = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(max_length=16, blank=True, help_text="votes, automatic (pre-screen) or admin.")
    decided_at = models.DateTimeField(null=True, blank=True)
    # Counted (weighted) votes, kept on the row so the review queue is one indexed query.
    valid_votes = models.PositiveIntegerField(default=0)
    invalid_votes = models.PositiveIntegerField(default=0)
    votes_counted = models.PositiveIntegerField(default=0)
    review_lease_until = models.DateTimeField(
        null=True, blank=True, help_text="Served to a reviewer until then; others get other clips."
    )
    is_gold = models.BooleanField(default=False, help_text="A clip with a known answer, used to measure reviewers.")
    gold_answer = models.CharField(max_length=8, blank=True, choices=[("valid", "Valid"), ("invalid", "Invalid")])
    rms_dbfs = models.FloatField()
    peak = models.FloatField()
    clipped_ratio = models.FloatField()
    voiced_duration_s = models.FloatField()
    loudest_1s_mean_abs = models.FloatField()
    too_quiet = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contributor", "sha256"], name="clip_unique_audio_per_contributor")
        ]
        indexes = [
            # Also serves status filters without a keyword (the admin's). No index on status alone: every
            # vote that decides a clip would write to it, and no query needs it.
            models.Index(fields=["campaign", "keyword", "status"]),
            models.Index(
                fields=["campaign", "-votes_counted", "created_at"],
                condition=models.Q(status="pending", is_gold=False),
                name="clip_review_queue",
            ),
            models.Index(fields=["campaign", "created_at"], condition=models.Q(is_gold=True), name="clip_gold_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.keyword} ({str(self.id)[:8]})"


class Tombstone(models.Model):
    """What remains of an erased clip: enough for later releases to list the deletion, nothing more."""

    speaker_hash = models.CharField(max_length=128, db_index=True)
    clip_sha256 = models.CharField(max_length=64, db_index=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tombstones")
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deleted_at"]


GROUP_FIELDS = ("accent", "gender", "age_bracket")  # the demographic fields coverage and targets are kept by


class KeywordTarget(models.Model):
    """How many usable recorded clips a campaign wants of one keyword, or of one keyword from one demographic group.

    Without a row a keyword's target is the campaign's target_clips_per_keyword, and a group's an even share of its
    keyword's target among the answers the "About you" form offers for that field (collector/targets.py)."""

    FIELD_CHOICES = [("", "keyword total"), ("accent", "accent"), ("gender", "gender"), ("age_bracket", "age bracket")]

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="keyword_targets")
    keyword = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="keyword_targets")
    field = models.CharField(
        max_length=16, choices=FIELD_CHOICES, blank=True, help_text="Empty: the keyword's total over every group."
    )
    group = models.CharField(
        max_length=64, blank=True, help_text="The field's value as stored, e.g. female, 30-39, or an accent label."
    )
    clips = models.PositiveIntegerField(help_text="Usable recorded clips wanted (synthetic voices do not count).")

    class Meta:
        ordering = ["keyword", "field", "group"]
        constraints = [
            models.UniqueConstraint(fields=["keyword", "field", "group"], name="keyword_target_once_per_cell")
        ]

    def __str__(self) -> str:
        cell = f"{self.keyword} x {self.field}={self.group}" if self.field else str(self.keyword)
        return f"{cell}: {self.clips} clips"

    def clean(self):
        super().clean()
        if self.keyword_id and self.campaign_id and self.keyword.campaign_id != self.campaign_id:
            raise ValidationError({"keyword": "the keyword belongs to another campaign"})
        if bool(self.field) != bool(self.group):
            raise ValidationError({"group": "a group target names both a field and its value; a keyword total neither"})
        if self.group in (PREFER_NOT, "other"):
            raise ValidationError({"group": f"'{self.group}' is not a group: it has no target of its own"})
        choices = {"gender": Demographics.GENDERS, "age_bracket": Demographics.AGE_BRACKETS}.get(self.field)
        if choices and self.group not in {value for value, _ in choices}:
            allowed = ", ".join(value for value, _ in choices if value not in (PREFER_NOT, "other"))
            raise ValidationError({"group": f"{self.group!r} is not a {self.get_field_display()}: one of {allowed}"})


class TargetBoost(models.Model):
    """A cell the campaign's last succeeded model got wrong more often than the rest: its target is multiplied by
    `factor`. Written by training after a job succeeds (collector.services.target_boosts_replace); read-only here."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="target_boosts")
    keyword = models.ForeignKey(
        Keyword,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="target_boosts",
        help_text="Empty: a group.",
    )
    field = models.CharField(max_length=16, blank=True, help_text="Empty: a keyword.")
    group = models.CharField(max_length=64, blank=True)
    factor = models.FloatField(help_text="Targets of this cell are multiplied by this (1 < factor <= 2).")
    false_reject_rate = models.FloatField(help_text="The model's false-reject rate in this cell, 0..1.")
    baseline_rate = models.FloatField(help_text="The model's false-reject rate over all cells of the same kind.")
    source = models.CharField(max_length=100, help_text="Which evaluation found it, e.g. 'training job 12'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-factor"]

    def __str__(self) -> str:
        cell = str(self.keyword) if self.keyword_id else f"{self.field}={self.group}"
        return f"{cell} x{self.factor:.2f}"
