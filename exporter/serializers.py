from rest_framework import serializers

from exporter.targets import TARGETS
from kws.esphome import ESPHOME_BOARDS
from kws.firmware import TARGET_BOARDS
from training.models import TrainingJob


class PublishedModelOutput(serializers.ModelSerializer):
    """A published model as developers see it: what it does, how well, what it needs, and where to get it."""

    campaign = serializers.CharField(source="campaign.slug")
    campaign_name = serializers.CharField(source="campaign.name")
    release = serializers.CharField(source="release_name")
    kind = serializers.SerializerMethodField()
    quality = serializers.SerializerMethodField()
    int8_accuracy = serializers.SerializerMethodField()
    majority_baseline = serializers.SerializerMethodField()
    model_bytes = serializers.SerializerMethodField()
    target_boards = serializers.SerializerMethodField()
    trained_on_withdrawn_data = serializers.BooleanField()
    downloadable = serializers.SerializerMethodField()
    package_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "kind",
            "keywords",
            "labels",
            "architecture",
            "release",
            "quality",
            "int8_accuracy",
            "majority_baseline",
            "model_bytes",
            "arena_bytes",
            "target_boards",
            "feature_params_hash",
            "finished_at",
            "published_at",
            "trained_on_withdrawn_data",
            "downloadable",
            "package_url",
            "page_url",
            "model_card",
        ]

    def get_kind(self, job) -> str:
        """commands: an Arduino (TFLM) package; wake_word: an ESPHome micro_wake_word package."""
        return "wake_word" if job.is_wake_word else "commands"

    def get_quality(self, job) -> str:
        """The figure the model is judged on, in words."""
        if job.is_wake_word:
            chosen = job.metrics["wake_word"]["chosen"]
            return f"misses {chosen['frr']:.1%} of held-out phrases at {chosen['fa_per_hour']:g} false wakes per hour"
        accuracy, baseline = job.metrics.get("int8_tflm_top1"), job.quality_gate.get("majority_baseline")
        if accuracy is None:
            return "not measured"
        return f"int8 accuracy {accuracy:.1%} (majority-class baseline {baseline or 0:.1%})"

    def get_int8_accuracy(self, job) -> float | None:
        return job.metrics.get("int8_tflm_top1")

    def get_majority_baseline(self, job) -> float | None:
        return job.quality_gate.get("majority_baseline")

    def get_model_bytes(self, job) -> int | None:
        return job.metrics.get("model_bytes")

    def get_target_boards(self, job) -> list[str]:
        return [*ESPHOME_BOARDS, *TARGET_BOARDS] if job.is_wake_word else list(TARGET_BOARDS)

    def get_downloadable(self, job) -> bool:
        return not job.trained_on_withdrawn_data

    def get_package_url(self, job) -> str | None:
        return f"/api/models/{job.id}/package/" if not job.trained_on_withdrawn_data else None

    def get_page_url(self, job) -> str:
        return f"/models/{job.id}/"


class PackageInput(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=TARGETS,
        required=False,
        help_text="arduino: the TFLM package with the sketch (commands); esphome: micro_wake_word's manifest and "
        "streaming model (wake words). Default: the job's own kind.",
    )
