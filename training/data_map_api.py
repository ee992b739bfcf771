"""The data map API (staff): the campaign's map with its points, its progress while a worker computes it, and
(re)computing it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from collector.models import Campaign
from collector.selectors import campaign_get
from core.permissions import StaffModelPermission
from core.serializers import ErrorOutput
from training.data_map import (
    WAKE_WORD_REFUSAL,
    data_map_latest,
    data_map_model,
    data_map_queue,
    data_map_shown,
)
from training.models import DataMap, TrainingJob

VIEW, ADD = "training.view_datamap", "training.add_datamap"


class DataMapInput(serializers.Serializer):
    points = serializers.BooleanField(default=True, help_text="false: the map's progress and counts, no points.")


class PointOutput(serializers.Serializer):
    """One clip on the map (the stored JSON as it is; this documents it)."""

    id = serializers.UUIDField()
    x = serializers.FloatField(help_text="0..1, left to right")
    y = serializers.FloatField(help_text="0..1, top to bottom")
    keyword = serializers.CharField()
    split = serializers.CharField()
    accent = serializers.CharField(help_text="'other/undisclosed' under the rule of five")
    gender = serializers.CharField()
    age_bracket = serializers.CharField()
    synthetic = serializers.BooleanField()
    suspect = serializers.CharField(allow_null=True, help_text="The word the label-error finder heard instead.")
    outlier = serializers.BooleanField(help_text="Most of its nearest clips (in the model's space) are another word.")
    neighbours_say = serializers.CharField(allow_null=True, help_text="That word (model classes: _unknown_ for others)")
    same_share = serializers.FloatField(help_text="Share of its nearest clips that are its own word.")


class MapJobOutput(serializers.ModelSerializer):
    class Meta:
        model = TrainingJob
        fields = ["id", "state", "architecture", "keywords", "finished_at"]


class DataMapRunOutput(serializers.ModelSerializer):
    job = MapJobOutput(allow_null=True)

    class Meta:
        model = DataMap
        fields = ["id", "state", "stage", "steps_done", "steps", "error", "created_at", "started_at", "finished_at"]
        fields += ["job", "clips", "outliers", "params", "summary"]


class DataMapShownOutput(DataMapRunOutput):
    points = serializers.SerializerMethodField()

    @extend_schema_field(PointOutput(many=True))
    def get_points(self, data_map: DataMap) -> list:
        return data_map.points  # stored as the page reads them: thousands of points, passed through as they are

    class Meta(DataMapRunOutput.Meta):
        fields = [*DataMapRunOutput.Meta.fields, "points"]


class DataMapOutput(serializers.Serializer):
    campaign = serializers.SlugField()
    can_compute = serializers.BooleanField()
    refusal = serializers.CharField(help_text="Why no map can be computed, or empty.")
    latest = DataMapRunOutput(allow_null=True, help_text="The newest map, whatever its state (its progress).")
    map = DataMapShownOutput(allow_null=True, help_text="The newest finished map, with its points.")


def _refusal(campaign: Campaign) -> str:
    if campaign.kind != Campaign.Kind.COMMANDS:
        return WAKE_WORD_REFUSAL
    if data_map_model(campaign=campaign) is None:
        return "no trained commands model yet: the map places clips by how a model hears them, so train one first"
    return ""


class DataMapApi(APIView):
    permission_classes = [StaffModelPermission]
    required_perms = {"GET": [VIEW], "POST": [ADD]}

    @extend_schema(parameters=[DataMapInput], responses={200: DataMapOutput, 404: ErrorOutput})
    def get(self, request, slug):
        data = DataMapInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        campaign = campaign_get(slug=slug)
        shown = data_map_shown(campaign=campaign)
        refusal = _refusal(campaign)
        latest = data_map_latest(campaign=campaign)
        body = {
            "campaign": campaign.slug,
            "can_compute": not refusal,
            "refusal": refusal,
            "latest": DataMapRunOutput(latest).data if latest else None,
            "map": None,
        }
        if shown is not None:
            output = DataMapShownOutput if data.validated_data["points"] else DataMapRunOutput
            body["map"] = output(shown).data
        return Response(body)

    @extend_schema(request=None, responses={202: DataMapRunOutput, 404: ErrorOutput, 409: ErrorOutput})
    def post(self, request, slug):
        """Queue a new map (a map still queued or running is returned instead)."""
        queued = data_map_queue(campaign=campaign_get(slug=slug), user=request.user)
        return Response(DataMapRunOutput(queued).data, status=status.HTTP_202_ACCEPTED)
