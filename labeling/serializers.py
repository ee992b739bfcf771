from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collector.models import Clip
from labeling.models import Vote


class StandingOutput(serializers.Serializer):
    counts = serializers.BooleanField(help_text="whether this voter's votes count toward decisions now")
    reason = serializers.CharField(help_text="why, in a sentence to show them")
    gold_answered = serializers.IntegerField()
    gold_needed = serializers.IntegerField()


class ReviewSummaryOutput(serializers.Serializer):
    answered = serializers.IntegerField(help_text="your yes and no answers in this campaign")
    gold_answered = serializers.IntegerField(help_text="check clips answered, counted in steps of 5")
    gold_accuracy = serializers.FloatField(allow_null=True, help_text="share of those answered right")
    decided = serializers.IntegerField(help_text="your answers on clips the crowd has since decided")
    agreement = serializers.FloatField(allow_null=True, help_text="share of those that match the decision")
    standing = StandingOutput()


class ReviewClipOutput(serializers.ModelSerializer):
    keyword = serializers.CharField(source="keyword.text")
    audio_url = serializers.SerializerMethodField()
    ticket = serializers.CharField(help_text="send it with the answer: only served clips can be heard and answered")
    standing = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        # nothing that hints at votes or gold answers
        fields = ["id", "keyword", "duration_s", "audio_url", "ticket", "standing"]

    def get_audio_url(self, clip) -> str:
        return f"/api/review/clips/{clip.id}/audio/?{urlencode({'ticket': clip.ticket})}"

    @extend_schema_field(StandingOutput)
    def get_standing(self, clip) -> dict:
        return StandingOutput(self.context["standing"]).data


class AudioQuery(serializers.Serializer):
    # optional here so that a missing ticket is the same refusal as a wrong one: "not served to you"
    ticket = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="the ticket served with the clip"
    )


class VoteInput(serializers.Serializer):
    ticket = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="the ticket served with the clip"
    )
    kind = serializers.CharField(help_text="valid, invalid, skip or report")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"for invalid or report: {', '.join(Vote.Reason.values)}",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="required with reason 'other'"
    )


class VoteOutput(serializers.ModelSerializer):
    clip = serializers.UUIDField(source="clip_id")
    counted = serializers.SerializerMethodField(help_text="whether this vote counts toward the clip's decision now")

    class Meta:
        model = Vote
        fields = ["clip", "kind", "reason", "note", "created_at", "counted"]

    def get_counted(self, vote) -> bool:
        return vote.weight > 0 and vote.is_vote
