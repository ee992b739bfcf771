from django.db import models
from django.utils.translation import gettext_lazy as _

from collector.models import Campaign, Clip, Contributor


class Vote(models.Model):
    """One voter's answer on one clip: a vote, a skip or a report (one per voter per clip)."""

    class Kind(models.TextChoices):
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        SKIP = "skip", "Skip"
        REPORT = "report", "Report"

    class Reason(models.TextChoices):
        WRONG_WORD = "wrong_word", _("Wrong word")
        CUT_OFF = "cut_off", _("Cut off")
        TOO_QUIET = "too_quiet", _("Too quiet")
        NOISY = "noisy", _("Noisy")
        NOT_SPEECH = "not_speech", _("Not speech")
        OFFENSIVE = "offensive", _("Offensive or personal information")
        OTHER = "other", _("Other")

    # No index of its own: the unique (clip, voter) index leads with clip, and the queue's NOT EXISTS
    # probe is an index-only scan on it.
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="votes", db_index=False)
    # Kept (without a voter) when the voter erases their data, so decisions stay explainable. No index of
    # its own either: the (voter, created_at) index leads with it.
    voter = models.ForeignKey(Contributor, null=True, on_delete=models.SET_NULL, related_name="votes", db_index=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1, help_text="1 counts toward the decision; 0 for reviewers below the gold threshold."
    )
    superseded = models.BooleanField(
        default=False,
        help_text="Cast before the clip was sent back to review (the label-error finder doubted it): kept as a "
        "record, no longer counted; fresh votes decide it again.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clip", "voter"], name="one_vote_per_voter_per_clip")]
        indexes = [models.Index(fields=["voter", "created_at"])]

    @property
    def is_vote(self) -> bool:
        return self.kind in (self.Kind.VALID, self.Kind.INVALID)


class ReviewerStats(models.Model):
    """A voter's record on gold clips, whether an admin trusts them, and whether their votes count."""

    reviewer = models.OneToOneField(Contributor, on_delete=models.CASCADE, related_name="reviewer_stats")
    gold_answered = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    counts = models.BooleanField(
        default=False, help_text="Whether their votes count now (labeling/standing.py decides; kept to notice changes)."
    )
    trusted = models.BooleanField(
        default=False,
        help_text="An admin trusts this voter: their votes count before they answer gold (not below the gold floor).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def gold_accuracy(self) -> float | None:
        return self.gold_correct / self.gold_answered if self.gold_answered else None


class StatusChange(models.Model):
    """Audit trail of a clip's decisions: who or what moved it, from which state to which."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    cause = models.CharField(max_length=32, help_text="vote, reevaluation, admin or model_disagrees")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ReviewValue(models.Model):
    """What a vote on a pending clip is worth, by the model's reading of it (a worker writes it from the label-error
    finder's models; the review queue serves the most valuable first). A vote that decides the clip empties its value
    (it leaves the queue's first walk); the model's probability stays, for re-evaluation under the optional rule."""

    clip = models.OneToOneField(Clip, primary_key=True, on_delete=models.CASCADE, related_name="review_value")
    # the queue's walk reads it from the index below; no index of its own
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    label_probability = models.FloatField(
        help_text="The model's probability that the clip is the keyword it was recorded for (out of fold: the "
        "model never heard the clip, nor its speaker when the clip was valid)."
    )
    value = models.FloatField(
        null=True,
        help_text="1 - label_probability while the clip is pending (highest where the model disagrees with the label, "
        "high where it is unsure); empty once decided.",
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "-value"], name="review_value_queue")]
