"""Building a release's archive in a worker: streaming, in constant memory, with progress."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import soundfile as sf
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from collector.models import PREFER_NOT, Campaign, Clip, Tombstone
from collector.services import storage_delete_after_commit
from kws import anonymity, features
from kws.micro_frontend import MICRO_PARAMS
from preparation.models import BackgroundNoise
from preparation.services import cleaning_params_for
from releases import datasheet
from releases.archive import ChecksummedTar
from releases.models import Release, ReleaseClip
from releases.services import keyword_folder

logger = logging.getLogger(__name__)

BATCH = 500
MANIFEST_COLUMNS = [
    "path",
    "keyword",
    "speaker_hash",
    "age",
    "gender",
    "accent",
    "split",
    "duration_ms",
    "votes_up",
    "votes_down",
    "sha256",
    "licence",
    "consent_version",
    "source",
    "voice",
]
DECIDED_COLUMNS = [
    "keyword",
    "speaker_hash",
    "votes_up",
    "votes_down",
    "status_reason",
    "sha256",
    "licence",
    "consent_version",
]
DELETION_COLUMNS = ["speaker_hash", "sha256", "path", "last_release", "erased_on"]
PUBLISHED_FIELDS = ["accent", "age", "gender"]  # blanking order under the rule of five: most identifying first


def release_folder(release: Release) -> str:
    """The archive's one top-level folder, named as its file is: `<campaign>-<release>`."""
    return f"{release.campaign.slug}-{release.name}"


def release_build(*, release_id: int) -> Release | None:
    """Runs in a worker. Safe to run again after a crash: it starts over and replaces nothing until it succeeds."""
    claimed = Release.objects.filter(id=release_id, state__in=[Release.State.QUEUED, Release.State.RUNNING]).update(
        state=Release.State.RUNNING, started_at=timezone.now(), progress_done=0, error=""
    )
    if not claimed:
        return None
    release = Release.objects.select_related("campaign__language", "previous").get(id=release_id)
    scratch = Path(settings.VAR_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=scratch, suffix=".tar.gz")
    stored = ""
    try:
        with os.fdopen(fd, "wb") as raw:
            out = _HashingWriter(raw)
            tar = ChecksummedTar(out, root=release_folder(release))
            summary, sheet = _write_contents(release, tar, _progress(release))
            tar.close()
        with open(temp_name, "rb") as archive:
            stored = default_storage.save(
                f"releases/{release.campaign.slug}/{release_folder(release)}.tar.gz", File(archive)
            )
        with transaction.atomic():
            # Locked as the erasure locks it (releases.services.releases_withdraw): one of the two sees the other.
            list(Release.objects.select_for_update().filter(id=release.id).values_list("id", flat=True))
            erased = ReleaseClip.objects.filter(~_clip_present(), release=release).exists()
            Release.objects.filter(id=release.id).update(
                state=Release.State.SUCCEEDED,
                finished_at=timezone.now(),
                archive="" if erased else stored,
                withdrawn_at=timezone.now() if erased else None,
                archive_bytes=out.size,
                archive_sha256=out.hexdigest(),
                summary={**summary, "files": tar.members},
                datasheet=sheet,
                progress_done=release.progress_total,
            )
            if erased:  # a clip it packed was erased meanwhile: the archive is withdrawn as it is born
                storage_delete_after_commit([stored])
    except Exception as exc:
        logger.exception("release %s failed", release_id)
        if stored:
            default_storage.delete(stored)
        Release.objects.filter(id=release.id).update(
            state=Release.State.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
        )
    finally:
        Path(temp_name).unlink(missing_ok=True)
    return Release.objects.get(id=release.id)


def _progress(release: Release) -> Callable[[int], None]:
    step = max(1, release.progress_total // 100)

    def report(done: int) -> None:
        if done % step == 0:
            Release.objects.filter(id=release.id).update(progress_done=done)

    return report


def _write_contents(release: Release, tar: ChecksummedTar, progress: Callable[[int], None]) -> tuple[dict, str]:
    campaign = release.campaign
    rows = ReleaseClip.objects.filter(release=release)
    published = _published_demographics(rows)
    facts = datasheet.ReleaseFacts(
        campaign=campaign.name,
        description=campaign.description,
        language=str(campaign.language),
        release=release.name,
        licence=release.licence,
        created=release.created_at.date().isoformat(),
        previous=release.previous.name if release.previous else None,
        keywords=list(campaign.keywords.filter(is_filler=False).order_by("text").values_list("text", flat=True)),
        fillers=list(campaign.keywords.filter(is_filler=True).order_by("text").values_list("text", flat=True)),
        kind=campaign.kind,
        wake_phrase=campaign.wake_phrase,
        clip_seconds=campaign.take_seconds,
        cleaning=cleaning_params_for(take_seconds=campaign.take_seconds).as_dict(),
        feature_hash=(MICRO_PARAMS if campaign.kind == Campaign.Kind.WAKE_WORD else features.DEFAULT_PARAMS).hash,
    )
    tables = {
        name: tempfile.TemporaryFile(mode="w+b") for name in ("manifest.tsv", "validation_list.txt", "testing_list.txt")
    }
    try:
        _write_line(tables["manifest.tsv"], MANIFEST_COLUMNS)
        done = _write_clips(rows, tar, published, facts, tables, progress)
        for noise in BackgroundNoise.objects.filter(campaign=campaign).order_by("id"):
            with default_storage.open(noise.audio.name, "rb") as f:
                tar.add_bytes(f"_background_noise_/{noise.id}_{keyword_folder(Path(noise.name).stem)}.wav", f.read())
            facts.background_noise.append(noise.name)
            done += 1
            progress(done)
        facts.other = _write_decided(tar, rows, ReleaseClip.Kind.OTHER, "other.tsv")
        facts.invalidated = _write_decided(tar, rows, ReleaseClip.Kind.INVALID, "invalidated.tsv")
        facts.deletions = _write_deletions(tar, release)
        for name, table in tables.items():
            tar.add_stream(name, table)
    finally:
        for table in tables.values():
            table.close()
    tar.add_text("LICENSE", _licence_text(release, facts))
    sheet = datasheet.render(facts)
    tar.add_text("DATASHEET.md", sheet)
    speakers = set().union(*facts.speakers.values()) if facts.speakers else set()
    per_keyword = {
        k: {s: facts.clips[k, s] for s in datasheet.SPLITS}
        for k in [*facts.keywords, *facts.fillers]
        if any(facts.clips[k, s] for s in datasheet.SPLITS)
    }
    summary = {
        "clips": facts.total_clips,
        "speakers": len(speakers),
        "keywords": len([k for k in facts.keywords if k in per_keyword]),  # only those the release has clips of
        "fillers": len([k for k in facts.fillers if k in per_keyword]),
        "per_keyword": per_keyword,  # keyword -> split -> clips: the release page draws it
        # field -> published value -> speakers (the rule of five already applied; a speaker is in one split)
        "groups": {
            name: {
                v: sum(len(facts.groups.get((name, v, s), ())) for s in datasheet.SPLITS)
                for v in sorted({v for (f, v, _s) in facts.groups if f == name})
            }
            for name in datasheet.DEMOGRAPHIC_FIELDS
        },
        "other": facts.other,
        "invalidated": facts.invalidated,
        "deletions": facts.deletions,
        "splits": {s: len(facts.speakers.get(s, ())) for s in datasheet.SPLITS},
    }
    return summary, sheet


def _published_demographics(rows) -> dict[str, dict[str, str]]:
    """speaker hash -> the demographic values the release may show (rule of five applied)."""
    values = (
        rows.filter(_clip_present(), kind=ReleaseClip.Kind.VALID)
        .values_list(
            "speaker_hash",
            "clip__contributor__demographics__accent",
            "clip__contributor__demographics__age_bracket",
            "clip__contributor__demographics__gender",
        )
        .distinct()
    )
    given = lambda v: "" if v in (None, "", PREFER_NOT) else v  # noqa: E731
    speakers = {
        s: {"accent": given(accent), "age": given(age), "gender": given(gender)} for s, accent, age, gender in values
    }
    return anonymity.publishable(speakers, PUBLISHED_FIELDS)


def _write_clips(rows, tar, published, facts, tables, progress) -> int:
    valid = rows.filter(kind=ReleaseClip.Kind.VALID).select_related("clip__preparation").order_by("path")
    speaker_index: dict[str, int] = {}
    gone, hashed, done = [], [], 0
    for row in valid.iterator(chunk_size=BATCH):
        clip = _still_here(row)
        if clip is None:  # erased after the snapshot: left out, and not counted as in this release
            gone.append(row.id)
            continue
        with default_storage.open(clip.preparation.cleaned_audio.name, "rb") as f:
            data = f.read()
        row.file_sha256 = tar.add_bytes(row.path, data)
        hashed.append(row)
        demographics = published.get(row.speaker_hash, {})
        info = sf.info(io.BytesIO(data))
        _write_line(
            tables["manifest.tsv"],
            [
                row.path,
                row.keyword,
                row.speaker_hash,
                demographics.get("age", ""),
                demographics.get("gender", ""),
                demographics.get("accent", ""),
                row.split,
                round(1000 * info.frames / info.samplerate),
                clip.valid_votes,
                clip.invalid_votes,
                row.file_sha256,
                clip.licence,
                clip.consent_version,
                clip.source,
                clip.voice,
            ],
        )
        if row.split in ("validation", "testing"):
            _write_line(tables[f"{row.split}_list.txt"], [row.path])
        facts.add_clip(
            keyword=row.keyword,
            split=row.split,
            speaker=speaker_index.setdefault(row.speaker_hash, len(speaker_index)),
            demographics=demographics,
            consent_version=clip.consent_version,
            licence=clip.licence,
            source=clip.source,
            voice=clip.voice if clip.synthetic else None,
        )
        done += 1
        progress(done)
        if len(hashed) >= BATCH:
            ReleaseClip.objects.bulk_update(hashed, ["file_sha256"])
            hashed.clear()
    ReleaseClip.objects.bulk_update(hashed, ["file_sha256"])
    ReleaseClip.objects.filter(id__in=gone).delete()
    return done


def _clip_present() -> Exists:
    # clip__isnull cannot tell: the id stays on the row after the clip is erased
    return Exists(Clip.objects.filter(pk=OuterRef("clip_id")))


def _present(row: ReleaseClip) -> Clip | None:
    """The row's clip, or None once it is erased (with select_related it reads as None, without it raises)."""
    try:
        return row.clip
    except Clip.DoesNotExist:
        return None


def _still_here(row: ReleaseClip) -> Clip | None:
    """The clip while it still has its cleaned audio to pack."""
    clip = _present(row)
    if clip is None or not hasattr(clip, "preparation") or not clip.preparation.cleaned_audio:
        return None
    return clip


def _write_decided(tar, rows, kind: str, name: str) -> int:
    # erased after the snapshot: not in this release (as for valid clips), so they do not withdraw it
    rows.filter(~_clip_present(), kind=kind).delete()
    table = tempfile.TemporaryFile(mode="w+b")
    count = 0
    with table:
        _write_line(table, DECIDED_COLUMNS)
        for row in (
            rows.filter(_clip_present(), kind=kind)
            .select_related("clip")
            .order_by("keyword", "speaker_hash", "clip_sha256")
            .iterator(chunk_size=BATCH)
        ):
            clip = _present(row)
            if clip is None:
                continue
            _write_line(
                table,
                [
                    row.keyword,
                    row.speaker_hash,
                    clip.valid_votes,
                    clip.invalid_votes,
                    clip.status_reason,
                    row.clip_sha256,
                    clip.licence,
                    clip.consent_version,
                ],
            )
            count += 1
        tar.add_stream(name, table)
    return count


def _write_deletions(tar, release: Release) -> int:
    """Clips published in an earlier release and erased since the previous one (or ever, for a first release)."""
    tombstones = Tombstone.objects.filter(campaign=release.campaign, deleted_at__lte=release.created_at)
    if release.previous:
        tombstones = tombstones.filter(deleted_at__gt=release.previous.created_at)
    erased_on = {sha: when for sha, when in tombstones.values_list("clip_sha256", "deleted_at")}
    published = (
        ReleaseClip.objects.filter(
            release__campaign=release.campaign,
            release__state=Release.State.SUCCEEDED,
            release__created_at__lt=release.created_at,
            clip_sha256__in=Subquery(tombstones.values("clip_sha256")),
        )
        .order_by("clip_sha256", "-release__created_at")
        .values_list("clip_sha256", "speaker_hash", "file_sha256", "path", "release__name")
    )
    table = tempfile.TemporaryFile(mode="w+b")
    count, last = 0, None
    with table:
        _write_line(table, DELETION_COLUMNS)
        for sha, speaker, file_sha, path, release_name in published.iterator(chunk_size=BATCH):
            if sha == last:  # listed once, as in the newest release that held it
                continue
            last = sha
            _write_line(table, [speaker, file_sha or sha, path, release_name, erased_on[sha].date().isoformat()])
            count += 1
        tar.add_stream("deletions.tsv", table)
    return count


def _write_line(table, values: list) -> None:
    # tabs and newlines cannot appear in our values (hashes, keywords, ids), but never let one break a row
    table.write(("\t".join(str(v).replace("\t", " ").replace("\n", " ") for v in values) + "\n").encode("utf-8"))


def _licence_text(release: Release, facts: datasheet.ReleaseFacts) -> str:
    lines = [
        f"{release.campaign.name}, release {release.name}",
        "",
        f"This dataset is published under {release.licence} (https://spdx.org/licenses/{release.licence}.html).",
        "",
        "Each clip's own licence is in manifest.tsv; where it differs from the above, the clip's licence applies:",
    ]
    lines += [f"  {licence}: {count} clips" for licence, count in sorted(facts.licences.items())]
    lines += [
        "",
        "Speakers gave their recordings under the consent version listed per clip. Do not attempt to identify them.",
    ]
    return "\n".join(lines) + "\n"


class _HashingWriter:
    def __init__(self, raw):
        self._raw, self._hash, self.size = raw, hashlib.sha256(), 0

    def write(self, data) -> int:
        self._hash.update(data)
        self.size += len(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
