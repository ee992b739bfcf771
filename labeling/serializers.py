from rest_framework import serializers

from collector.models import Clip
from labeling.models import Vote


class ReviewClipOutput(serializers.ModelSerializer):
    keyword = serializers.CharField(source="keyword.text")
    audio_url = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = ["id", "keyword", "duration_s", "audio_url"]  # nothing that hints at votes or gold answers

    def get_audio_url(self, clip) -> str:
        return f"/api/review/clips/{clip.id}/audio/"


class VoteInput(serializers.Serializer):
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

    class Meta:
        model = Vote
        fields = ["clip", "kind", "reason", "note", "created_at"]
