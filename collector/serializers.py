from rest_framework import serializers

from collector.models import PREFER_NOT, Campaign, Clip, Keyword


class CampaignOutput(serializers.ModelSerializer):
    language = serializers.CharField(source="language.code")
    language_name = serializers.CharField(source="language.name")
    take_seconds = serializers.FloatField(read_only=True, help_text="Seconds a take is cleaned to.")
    record_seconds = serializers.FloatField(read_only=True, help_text="Seconds the recorder records per take.")

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "name",
            "description",
            "kind",
            "language",
            "language_name",
            "licence",
            "target_clips_per_keyword",
            "take_seconds",
            "record_seconds",
        ]


class ConsentDocumentOutput(serializers.Serializer):
    version = serializers.CharField()
    text = serializers.CharField()
    sha256 = serializers.CharField()
    licence = serializers.CharField()
    accepted = serializers.BooleanField()


class ConsentInput(serializers.Serializer):
    text_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="sha256 of the consent text you were shown.")
    is_adult = serializers.BooleanField(help_text="I am 18 or older.")
    licence_accepted = serializers.BooleanField()


class ConsentOutput(serializers.Serializer):
    version = serializers.CharField()
    text_sha256 = serializers.CharField()
    licence = serializers.CharField()
    accepted_at = serializers.DateTimeField()


class DemographicsIO(serializers.Serializer):
    age_bracket = serializers.CharField(required=False, default=PREFER_NOT)
    gender = serializers.CharField(required=False, default=PREFER_NOT)
    accent = serializers.CharField(required=False, default=PREFER_NOT)
    native_language = serializers.CharField(required=False, default=PREFER_NOT)


class DemographicsOptionsOutput(serializers.Serializer):
    age_bracket = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    gender = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    accent = serializers.ListField(child=serializers.CharField())


class PromptInput(serializers.Serializer):
    previous = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # a database id: anything larger is no keyword, and overflows PostgreSQL's bigint
        help_text="Keyword id just shown (skipped or recorded); never repeated.",
    )


class PromptOutput(serializers.ModelSerializer):
    kind = serializers.CharField(source="campaign.kind", help_text="The campaign's kind: commands or wake_word.")
    record_seconds = serializers.FloatField(
        source="campaign.record_seconds", help_text="Seconds to record: 1.5 for commands, 2 for a wake phrase."
    )
    take_seconds = serializers.FloatField(
        source="campaign.take_seconds", help_text="Seconds the take is cleaned to (its loudest part is kept)."
    )

    class Meta:
        model = Keyword
        fields = ["id", "text", "is_filler", "kind", "record_seconds", "take_seconds"]


class ClipUploadInput(serializers.Serializer):
    keyword = serializers.CharField(max_length=64, help_text="The prompted keyword's text.")
    audio = serializers.FileField(
        allow_empty_file=True,
        help_text="The recording: WAV (16, 24 or 32-bit PCM, or float; 16-bit 16 kHz mono preferred), FLAC or "
        "Ogg Vorbis; 8–48 kHz, mono or stereo, 0.5–3 s (commands record 1.5 s, wake phrases 2 s).",
    )


class ClipOutput(serializers.ModelSerializer):
    keyword = serializers.CharField(source="keyword.text")
    campaign = serializers.CharField(source="campaign.slug")
    audio_url = serializers.SerializerMethodField()
    quality = serializers.SerializerMethodField()
    review_reasons = serializers.SerializerMethodField(
        help_text="Why reviewers said no or reported the clip, with counts."
    )

    class Meta:
        model = Clip
        fields = [
            "id",
            "campaign",
            "keyword",
            "status",
            "status_reason",
            "review_reasons",
            "duration_s",
            "sample_rate",
            "sha256",
            "created_at",
            "too_quiet",
            "quality",
            "audio_url",
        ]

    def get_audio_url(self, clip) -> str:
        return f"/api/me/clips/{clip.id}/audio/"

    def get_review_reasons(self, clip) -> list[dict]:
        # contributed by labeling (collector.signals.clips_listed) when the view passes the listing's extras
        return self.context.get("extras", {}).get(clip.id, {}).get("review_reasons", [])

    def get_quality(self, clip) -> dict:
        return {
            "rms_dbfs": clip.rms_dbfs,
            "peak": clip.peak,
            "clipped_ratio": clip.clipped_ratio,
            "voiced_duration_s": clip.voiced_duration_s,
            "loudest_1s_mean_abs": clip.loudest_1s_mean_abs,
        }


class ErasureOutput(serializers.Serializer):
    deleted_clips = serializers.IntegerField()
