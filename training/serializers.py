from rest_framework import serializers

from kws import architectures
from kws import train as kws_train
from training.models import TrainingJob


class JobLaunchInput(serializers.Serializer):
    campaign = serializers.SlugField()
    keywords = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)
    architecture = serializers.ChoiceField(
        choices=list(architectures.ARCHITECTURES), default=architectures.DEFAULT_ARCHITECTURE
    )
    epochs = serializers.IntegerField(min_value=1, max_value=500, default=kws_train.DEFAULT_EPOCHS)
    seed = serializers.IntegerField(default=0)
    release = serializers.CharField(required=False, allow_blank=True, default="")
    include_synthetic = serializers.BooleanField(
        default=True,
        help_text="Train on the campaign's synthetic clips too (they never form the test split "
        "when recorded voices are there).",
    )
    target_fa_per_hour = serializers.FloatField(
        min_value=0.01,
        max_value=100,
        default=0.5,
        help_text="Operating point: the recognizer settings with the fewest false rejects at or under this many "
        "false accepts per hour go into the package.",
    )


class JobRetrainInput(serializers.Serializer):
    release = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Default: the newest release without withdrawn clips."
    )


class JobOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    clips = serializers.SerializerMethodField()
    progress = serializers.FloatField()
    confusion_matrix_url = serializers.SerializerMethodField()
    package_url = serializers.SerializerMethodField()
    trained_on_withdrawn_data = serializers.BooleanField()
    retrained_as = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "campaign",
            "keywords",
            "architecture",
            "epochs",
            "seed",
            "release_name",
            "clips",
            "feature_params_hash",
            "code_version",
            "created_at",
            "state",
            "state_label",
            "include_synthetic",
            "target_fa_per_hour",
            "published_at",
            "cancel_requested",
            "epoch",
            "progress",
            "history",
            "eta_s",
            "started_at",
            "finished_at",
            "error",
            "labels",
            "normalization",
            "metrics",
            "arena_bytes",
            "ops",
            "confusion_matrix_url",
            "model_card",
            "package_url",
            "withdrawn_clips",
            "trained_on_withdrawn_data",
            "retrained_from",
            "retrained_as",
        ]

    def get_clips(self, job) -> int:
        return len(job.clip_ids)

    def get_confusion_matrix_url(self, job) -> str | None:
        return f"/api/training/jobs/{job.id}/confusion.png" if job.metrics.get("confusion_matrix") else None

    def get_package_url(self, job) -> str | None:
        return f"/api/training/jobs/{job.id}/package/" if job.finished_with_model else None

    def get_retrained_as(self, job) -> list[int]:
        return sorted(job.retrained_as.values_list("id", flat=True))


class DataOverviewInput(serializers.Serializer):
    include_synthetic = serializers.BooleanField(default=True, help_text="Count synthetic clips, as a job would.")


class SplitCountsOutput(serializers.Serializer):
    clips = serializers.IntegerField()
    speakers = serializers.IntegerField()


class SplitKindsOutput(serializers.Serializer):
    recorded = SplitCountsOutput()
    synthetic = SplitCountsOutput()


class KeywordSplitsOutput(serializers.Serializer):
    training = SplitKindsOutput()
    validation = SplitKindsOutput()
    testing = SplitKindsOutput()


class KeywordDataOutput(serializers.Serializer):
    text = serializers.CharField()
    filler = serializers.BooleanField(help_text="A filler word: it trains the _unknown_ class.")
    clips = serializers.IntegerField(help_text="Prepared valid clips in all splits.")
    splits = KeywordSplitsOutput()


class SynthesisRunOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    voices = serializers.IntegerField()
    voices_done = serializers.IntegerField()
    clips_created = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class DataOverviewOutput(serializers.Serializer):
    campaign = serializers.CharField()
    include_synthetic = serializers.BooleanField()
    has_recorded_voices = serializers.BooleanField(help_text="When true, synthetic voices never form the test split.")
    keywords = KeywordDataOutput(many=True)
    speakers = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Distinct speakers per split, recorded and synthetic.",
    )
    waiting_for_review = serializers.IntegerField()
    being_prepared = serializers.IntegerField()
    synthesis = SynthesisRunOutput(allow_null=True, help_text="The campaign's latest starter-voice run, if any.")
    warnings = serializers.ListField(child=serializers.CharField())
