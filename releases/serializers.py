from django.urls import reverse
from rest_framework import serializers

from releases.models import Release


class ReleaseOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    progress = serializers.FloatField()
    withdrawn = serializers.IntegerField(
        help_text="Clips in this release whose speakers withdrew since; such a release is no longer served."
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "campaign",
            "name",
            "licence",
            "state",
            "progress",
            "progress_done",
            "progress_total",
            "created_at",
            "finished_at",
            "error",
            "summary",
            "archive_bytes",
            "archive_sha256",
            "withdrawn",
            "download_url",
        ]

    def get_download_url(self, release) -> str | None:
        if release.state != Release.State.SUCCEEDED or release.withdrawn:
            return None
        return reverse("api-release-download", args=[release.id])


class ReleaseDetailOutput(ReleaseOutput):
    class Meta(ReleaseOutput.Meta):
        fields = [*ReleaseOutput.Meta.fields, "datasheet"]


class ReleaseCreateInput(serializers.Serializer):
    campaign = serializers.SlugField()
    name = serializers.CharField(max_length=64)
    licence = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class TermsOutput(serializers.Serializer):
    version = serializers.CharField()
    text = serializers.CharField()
    accepted = serializers.BooleanField()


class TermsInput(serializers.Serializer):
    accept = serializers.BooleanField(help_text="I accept the dataset terms.")


class NoticeOutput(serializers.Serializer):
    release = ReleaseOutput()
    withdrawn = serializers.IntegerField()
    latest_erasure = serializers.DateTimeField(allow_null=True)
    new_since_notice = serializers.IntegerField()
    downloaders = serializers.ListField(child=serializers.DictField())
