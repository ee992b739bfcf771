"""Reads of the releases stage: withdrawn counts, erasure notices, the releases training may use."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from collector.models import Campaign, Tombstone
from releases.models import Release, ReleaseClip


def with_withdrawn_counts(releases):
    """Annotates `withdrawn`: clips of each release erased since (their tombstones name them)."""
    erased = Tombstone.objects.filter(campaign_id=OuterRef("release__campaign_id"), clip_sha256=OuterRef("clip_sha256"))
    counts = (
        ReleaseClip.objects.filter(release=OuterRef("pk"))
        .filter(Exists(erased))
        .order_by()
        .values("release")
        .annotate(n=Count("id"))
        .values("n")
    )
    return releases.annotate(withdrawn=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def erasure_notices() -> list[dict]:
    """Releases holding erased clips, with the accounts that downloaded them and what is new since they were told."""
    notices = []
    for release in (
        with_withdrawn_counts(Release.objects.select_related("campaign"))
        .filter(withdrawn__gt=0)
        .order_by("-created_at")
    ):
        erased = Tombstone.objects.filter(
            campaign=release.campaign, clip_sha256__in=Subquery(release.clips.values("clip_sha256"))
        )
        latest = erased.order_by("-deleted_at").values_list("deleted_at", flat=True).first()
        downloaders = (
            release.downloads.values("user_id", "user__username", "user__email")
            .annotate(times=Count("id"))
            .order_by("user__username")
        )
        new_since = (
            erased.filter(deleted_at__gt=release.downloaders_notified_at).count()
            if release.downloaders_notified_at
            else release.withdrawn
        )
        notices.append(
            {
                "release": release,
                "withdrawn": release.withdrawn,
                "latest_erasure": latest,
                "downloaders": list(downloaders),
                "new_since_notice": new_since,
            }
        )
    return notices


def releases_for(*, campaign: Campaign | None = None):
    qs = with_withdrawn_counts(Release.objects.select_related("campaign"))
    return qs.filter(campaign=campaign) if campaign else qs


def latest_clean_release(*, campaign: Campaign) -> Release | None:
    """The newest built release that holds no withdrawn clip: what retraining uses."""
    return (
        releases_for(campaign=campaign)
        .filter(state=Release.State.SUCCEEDED, withdrawn=0)
        .order_by("-created_at")
        .first()
    )


def release_clip_ids(*, release: Release) -> QuerySet:
    return release.clips.filter(kind=ReleaseClip.Kind.VALID).values_list("clip_id", flat=True)
