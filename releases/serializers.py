from django.urls import reverse
from rest_framework import serializers

from core.permissions import is_staff_with
from releases.models import Release


class ReleaseOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    progress = serializers.FloatField()
    withdrawn = serializers.IntegerField(
        help_text="Clips in this release whose speakers withdrew since; such a release is no longer served."
    )
    download_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(
        help_text="Why the build failed; the exception itself only for staff (it names hosts and paths)."
    )

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

    def get_error(self, release) -> str:
        if not release.error:
            return ""
        request = self.context.get("request")
        if request is not None and is_staff_with(request.user, "releases.view_release"):
            return release.error
        return "the build failed; staff can see why"

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


class ReleaseListInput(serializers.Serializer):
    campaign = serializers.SlugField(
        required=False, allow_blank=True, help_text="Only this campaign's releases (its slug)."
    )
