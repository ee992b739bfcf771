"""Releases-stage writes: freeze a campaign's decided clips into a release (a worker builds it), mark notices sent."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from collector.models import Campaign, Clip
from collector.services import storage_delete_after_commit
from core.errors import ApplicationError, Conflict
from core.pseudonyms import speaker_hash
from core.task_queue import task_enqueue
from preparation.models import BackgroundNoise, PreparedClip
from preparation.splits import split_used, usable_clips_kind
from releases.models import Release, ReleaseClip

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PATH_N = re.compile(r"_nohash_(\d+)\.wav$")
BUILD_RELEASE_TASK = "releases.build_release"


def release_name_checked(*, name: str) -> str:
    """The release name as it will be stored, or a clear error."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise ApplicationError(
            "release name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            code="bad_value",
        )
    return name


def release_licence_checked(*, licence: str, campaign: Campaign) -> str:
    """The licence as it will be stored (empty: the campaign's), or a clear error."""
    licence = (licence or campaign.licence).strip()
    if not licence or len(licence) > 64:
        raise ApplicationError("licence must be an SPDX id such as CC-BY-4.0", code="bad_value")
    return licence


def _releasable(campaign: Campaign, *, include_synthetic: bool = True):
    clips = Clip.objects.filter(
        campaign=campaign, status=Clip.Status.VALID, preparation__state=PreparedClip.State.DONE
    ).exclude(preparation__cleaned_audio="")
    return clips if include_synthetic else clips.filter(synthetic=False)


def release_data_check(*, campaign: Campaign, include_synthetic: bool = True) -> None:
    """A release needs at least one prepared valid clip."""
    if not _releasable(campaign, include_synthetic=include_synthetic).exists():
        kind = usable_clips_kind(include_synthetic=include_synthetic)
        raise Conflict(f"campaign '{campaign.name}' has no {kind} clips to release yet", code="no_data")


def release_name_free_check(*, campaign: Campaign, name: str) -> None:
    """A name this campaign's releases already use gets a clear error early (the unique constraint decides)."""
    if campaign.releases.filter(name=name).exists():
        raise _name_taken(campaign, name)


def _name_taken(campaign: Campaign, name: str) -> Conflict:
    return Conflict(
        f"campaign '{campaign.name}' already has a release named '{name}': releases never change, pick a new name",
        code="duplicate",
    )


def release_create(
    *, campaign: Campaign, name: str, licence: str = "", include_synthetic: bool = True, user=None
) -> Release:
    """Freeze the campaign's decided clips now (synthetic ones unless left out); a worker builds the archive."""
    name = release_name_checked(name=name)
    licence = release_licence_checked(licence=licence, campaign=campaign)
    release_data_check(campaign=campaign, include_synthetic=include_synthetic)
    try:
        with transaction.atomic():
            previous = campaign.releases.filter(state=Release.State.SUCCEEDED).order_by("-created_at").first()
            release = Release.objects.create(
                campaign=campaign,
                name=name,
                licence=licence,
                previous=previous,
                include_synthetic=include_synthetic,
                created_by=user,
            )
            _freeze(release, _releasable(campaign, include_synthetic=include_synthetic))
            transaction.on_commit(lambda: task_enqueue(BUILD_RELEASE_TASK, args=[release.id]))
    except IntegrityError:
        raise _name_taken(campaign, name) from None
    return release


def _freeze(release: Release, valid, decided_ids=None) -> None:
    campaign = release.campaign
    earlier = ReleaseClip.objects.filter(release__campaign=campaign, kind=ReleaseClip.Kind.VALID).exclude(
        release=release
    )
    path_of = dict(earlier.values_list("clip_id", "path"))
    highest: dict[tuple[str, str], int] = {}  # (speaker, keyword dir) -> highest n ever used, erased clips included
    for path, speaker in earlier.values_list("path", "speaker_hash").iterator():
        key = (speaker, path.split("/", 1)[0])
        highest[key] = max(highest.get(key, -1), int(PATH_N.search(path).group(1)))
    speakers: dict = {}

    def speaker_of(contributor_id) -> str:
        if contributor_id not in speakers:
            speakers[contributor_id] = speaker_hash(contributor_id)
        return speakers[contributor_id]

    batch: list[ReleaseClip] = []
    frozen = 0
    has_recorded_voices = valid.filter(synthetic=False).exists()

    def add(row: ReleaseClip) -> None:  # written in batches: memory stays flat however large the campaign
        nonlocal frozen
        batch.append(row)
        frozen += row.kind == ReleaseClip.Kind.VALID
        if len(batch) >= 2000:
            ReleaseClip.objects.bulk_create(batch)
            batch.clear()

    for clip_id, sha, contributor_id, keyword, split, synthetic in (
        valid.order_by("created_at", "id")
        .values_list("id", "sha256", "contributor_id", "keyword__text", "preparation__split", "synthetic")
        .iterator()
    ):
        speaker = speaker_of(contributor_id)
        path = path_of.get(clip_id)
        if path is None:  # a new clip: the next number for this speaker and word, so earlier paths never move
            folder = keyword_folder(keyword)
            n = highest[speaker, folder] = highest.get((speaker, folder), -1) + 1
            path = f"{folder}/{speaker}_nohash_{n}.wav"
        add(
            ReleaseClip(
                release=release,
                clip_id=clip_id,
                clip_sha256=sha,
                speaker_hash=speaker,
                keyword=keyword,
                kind=ReleaseClip.Kind.VALID,
                split=split_used(split, synthetic=synthetic, has_recorded_voices=has_recorded_voices),
                path=path,
            )
        )
    decided = Clip.objects.filter(campaign=campaign, status__in=[Clip.Status.OTHER, Clip.Status.INVALID], is_gold=False)
    if decided_ids is not None:
        decided = decided.filter(id__in=decided_ids)
    for clip_id, sha, contributor_id, keyword, status in (
        decided.order_by("created_at", "id")
        .values_list("id", "sha256", "contributor_id", "keyword__text", "status")
        .iterator()
    ):
        speaker = speaker_of(contributor_id)
        add(
            ReleaseClip(
                release=release, clip_id=clip_id, clip_sha256=sha, speaker_hash=speaker, keyword=keyword, kind=status
            )
        )
    ReleaseClip.objects.bulk_create(batch)
    noises = BackgroundNoise.objects.filter(campaign=campaign).count()
    Release.objects.filter(id=release.id).update(progress_total=frozen + noises)


def keyword_folder(keyword: str) -> str:
    return re.sub(r"[^\w.-]+", "_", keyword.strip()).strip("._") or "keyword"


def releases_withdraw(*, campaign_id: int, clip_ids: list, **_signal) -> int:
    """Receiver of collector.signals.clips_erased, in the erasure's transaction: every archive that holds one of
    these clips is deleted (after commit, retried by a worker if storage fails); the rows stay, withdrawn.

    Builds in progress are locked too: a build that packed one of these clips sees it gone when it finishes
    (releases.build) and keeps no archive. Returns how many archives go."""
    holding = Release.objects.select_for_update().filter(
        id__in=ReleaseClip.objects.filter(clip_id__in=clip_ids).values("release_id")
    )
    rows = list(holding.values_list("id", "state", "archive"))  # locks every one of them, whatever its state
    built = [release_id for release_id, state, _ in rows if state == Release.State.SUCCEEDED]
    archives = [archive for _, state, archive in rows if state == Release.State.SUCCEEDED and archive]
    Release.objects.filter(id__in=built).update(
        withdrawn_at=Coalesce("withdrawn_at", Value(timezone.now())), archive=""
    )
    storage_delete_after_commit(archives)
    return len(archives)


def release_rebuild(*, release: Release, user=None) -> Release:
    """A withdrawn release again, as a new release: the same clips (paths and splits kept) less the erased ones."""
    if not release.withdrawn_at:
        raise Conflict(f"release {release.name} is not withdrawn: there is nothing to rebuild", code="not_withdrawn")
    campaign = release.campaign
    held = ReleaseClip.objects.filter(release=release).filter(Exists(Clip.objects.filter(pk=OuterRef("clip_id"))))
    valid = _releasable(campaign, include_synthetic=release.include_synthetic).filter(
        id__in=held.filter(kind=ReleaseClip.Kind.VALID).values("clip_id")
    )
    if not valid.exists():
        raise Conflict(f"release {release.name} has no clip left that may be released", code="no_data")
    decided_ids = held.exclude(kind=ReleaseClip.Kind.VALID).values("clip_id")
    for n in range(1, 100):
        name = release_name_checked(name=f"{release.name[:52]}-rebuilt" + (f"-{n}" if n > 1 else ""))
        if not campaign.releases.filter(name=name).exists():
            break
    try:
        with transaction.atomic():
            previous = campaign.releases.filter(state=Release.State.SUCCEEDED).order_by("-created_at").first()
            rebuilt = Release.objects.create(
                campaign=campaign,
                name=name,
                licence=release.licence,
                previous=previous,
                include_synthetic=release.include_synthetic,
                rebuilt_from=release,
                created_by=user,
            )
            _freeze(rebuilt, valid, decided_ids=decided_ids)
            transaction.on_commit(lambda: task_enqueue(BUILD_RELEASE_TASK, args=[rebuilt.id]))
    except IntegrityError:
        raise _name_taken(campaign, name) from None
    return rebuilt


def release_mark_notified(*, release_id: int) -> None:
    Release.objects.filter(id=release_id).update(downloaders_notified_at=timezone.now())
