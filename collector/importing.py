"""Bulk import of existing datasets in Speech Commands layout: <word>/<speaker>_nohash_<n>.wav.

For a wake-word campaign the folder named after the phrase (spaces as '_': hey_jarvis/) holds the positives,
every other word folder confusable phrases (filler keywords), and _negative_/ long recordings that must not
trigger (stored by a later stage)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from collector.clip_rows import audio_sha256, clip_batch
from collector.models import Campaign, Clip, Contributor, Keyword
from collector.services import _prescreen
from core.errors import ApplicationError
from core.pseudonyms import new_token, token_sha256
from kws import audio as kws_audio
from kws import quality

CLIP_NAME = re.compile(r"^(?P<speaker>[A-Za-z0-9]+)_nohash_(?P<n>\d+)\.wav$")
NOISE_DIR = "_background_noise_"
NEGATIVE_DIR = "_negative_"
IMPORT_MIN_DURATION_S = 0.25  # Speech Commands has short clips; they are padded when cleaned
MAX_FILE_BYTES = 10 * 1024 * 1024
IMPORT_NAMESPACE = uuid.UUID("6f1d4a52-3c1e-4bde-9d0b-8a2f6f0c9e11")


@dataclass
class ImportReport:
    imported: int = 0
    already_present: int = 0
    noise_files: int = 0
    negative_files: int = 0
    bad: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class FoundClip:
    path: Path
    keyword: str
    speaker: str


@dataclass
class ScannedDataset:
    clips: list[FoundClip] = field(default_factory=list)
    noise: list[Path] = field(default_factory=list)
    negatives: list[Path] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)


def dataset_scan(root: Path) -> ScannedDataset:
    found = ScannedDataset()
    for word_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if word_dir.name == NOISE_DIR:
            found.noise = sorted(word_dir.glob("*.wav"))
            continue
        if word_dir.name == NEGATIVE_DIR:
            found.negatives = sorted(p for p in word_dir.iterdir() if p.is_file() and not p.name.startswith("."))
            continue
        if word_dir.name.startswith(("_", ".")):
            continue
        for path in sorted(word_dir.iterdir()):
            match = CLIP_NAME.match(path.name)
            if match is None:
                found.bad.append((str(path.relative_to(root)), "name is not <speaker>_nohash_<n>.wav"))
                continue
            found.clips.append(FoundClip(path, word_dir.name, match["speaker"]))
    return found


def wake_phrase_normalized(phrase: str) -> str:
    return " ".join(phrase.split())


def wake_phrase_folder(phrase: str) -> str:
    """The folder that holds a phrase's positives: 'hey jarvis' -> 'hey_jarvis'."""
    return "_".join(phrase.split())


def wake_word_import_check(*, root: Path, campaign: Campaign | None, phrase: str) -> None:
    """Refuse, before anything is written, a wake-word import that cannot be: no folder for the phrase, a commands
    campaign, or a wake-word campaign listening for another phrase."""
    folder = wake_phrase_folder(phrase)
    if not folder:
        raise ApplicationError("the wake phrase is empty", code="bad_value")
    if not (root / folder).is_dir():
        raise ApplicationError(
            f"{root} has no folder {folder}/ for the wake phrase '{wake_phrase_normalized(phrase)}' "
            "(its positives, spaces written as '_')",
            code="not_found",
        )
    if campaign is None:
        return
    if campaign.kind != Campaign.Kind.WAKE_WORD:
        raise ApplicationError(
            f"campaign '{campaign.slug}' is a commands campaign; a --wake-word import needs a wake-word campaign "
            "(name a new campaign and it is created as one)",
            code="conflict",
        )
    current = campaign.wake_phrase
    if current and current != wake_phrase_normalized(phrase):
        raise ApplicationError(
            f"campaign '{campaign.slug}' has the wake phrase '{current}', not '{wake_phrase_normalized(phrase)}'",
            code="conflict",
        )
    if campaign.keywords.filter(text=wake_phrase_normalized(phrase), is_filler=True).exists():
        raise ApplicationError(
            f"campaign '{campaign.slug}' holds '{wake_phrase_normalized(phrase)}' as a confusable (filler) phrase",
            code="conflict",
        )


def _keywords(campaign: Campaign, folders: set[str], wake_phrase: str | None) -> dict[str, Keyword]:
    """Folder -> keyword. In a wake-word import the phrase's folder is the one non-filler keyword and every other
    folder a confusable phrase ('_' read as a space)."""
    keywords = {}
    for folder in sorted(folders):
        if wake_phrase is None:
            text, filler = folder, False
        elif folder == wake_phrase_folder(wake_phrase):
            text, filler = wake_phrase_normalized(wake_phrase), False
        else:
            text, filler = " ".join(folder.replace("_", " ").split()), True
        keywords[folder], _ = Keyword.objects.get_or_create(
            campaign=campaign, text=text, defaults={"language": campaign.language, "is_filler": filler}
        )
    return keywords


def _contributors(source: str, speakers: set[str]) -> dict[str, Contributor]:
    keys = {f"{source}:{s}": s for s in speakers}
    found = {c.external_key: c for c in Contributor.objects.filter(external_key__in=keys)}
    # The id is derived from the source and speaker, so the same dataset imported anywhere gets the same
    # pseudonymous ids (and so the same splits), and tests are repeatable.
    missing = [
        Contributor(id=uuid.uuid5(IMPORT_NAMESPACE, k), external_key=k, token_sha256=token_sha256(new_token()))
        for k in keys
        if k not in found
    ]
    Contributor.objects.bulk_create(missing)
    found.update({c.external_key: c for c in missing})
    return {keys[k]: c for k, c in found.items()}


def dataset_import(
    *,
    root: Path,
    campaign: Campaign,
    validated: bool,
    licence: str,
    source: str,
    chunk: int = 500,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    noise_add: Callable[[str, bytes], bool] | None = None,
    wake_phrase: str | None = None,
    negative_add: Callable[[Path], bool] | None = None,
) -> ImportReport:
    """Import a folder; clips already imported (same speaker and audio) are left alone, bad files reported.

    Background-noise files go to `noise_add(name, data)` (a later stage stores them; it returns whether the
    file was new); without it they are left out. With `wake_phrase` (checked by wake_word_import_check first)
    the phrase's folder holds the positives and the others confusables; the long recordings of _negative_/ go
    to `negative_add(path)` (it returns whether the file was new, or raises ValueError for a bad one).
    """
    scanned = dataset_scan(root)
    clips = scanned.clips
    report = ImportReport(bad=scanned.bad)
    if on_total:
        on_total(len(clips))
    folders = {c.keyword for c in clips}
    if wake_phrase is not None:
        folders.add(wake_phrase_folder(wake_phrase))  # the phrase is the campaign's keyword, clips or not
    keywords = _keywords(campaign, folders, wake_phrase)
    for path in scanned.noise if noise_add else ():
        if noise_add(path.name, path.read_bytes()):
            report.noise_files += 1
    for path in scanned.negatives if negative_add else ():
        try:
            report.negative_files += bool(negative_add(path))
        except ValueError as exc:
            report.bad.append((str(path.relative_to(root)), str(exc).removeprefix(f"{path.name}: ")))
    for start in range(0, len(clips), chunk):
        batch = clips[start : start + chunk]
        decoded = _decode_chunk(batch, root, report)
        contributors = _contributors(source, {found.speaker for found, _ in decoded})
        existing = set(
            Clip.objects.filter(contributor__in=contributors.values()).values_list("contributor_id", "sha256")
        )
        with clip_batch() as stored:
            for found, audio in decoded:
                contributor = contributors[found.speaker]
                digest = audio_sha256(audio)
                if (contributor.id, digest) in existing:
                    report.already_present += 1
                    continue
                existing.add((contributor.id, digest))
                metrics = quality.measure(audio.samples, kws_audio.TARGET_SAMPLE_RATE)
                stored.add(
                    campaign=campaign,
                    keyword=keywords[found.keyword],
                    contributor=contributor,
                    decoded=audio,
                    consent_version=f"import:{source}",
                    source=source,
                    source_path=str(found.path.relative_to(root)),
                    licence=licence,
                    metrics=metrics,
                    **_status(metrics, validated),
                )
        report.imported += len(stored.rows)
        if progress:
            progress(len(batch))
    return report


def _decode_chunk(
    batch: list[FoundClip], root: Path, report: ImportReport
) -> list[tuple[FoundClip, kws_audio.DecodedAudio]]:
    decoded = []
    for found in batch:
        try:
            audio = kws_audio.decode_upload(
                found.path.read_bytes(), max_bytes=MAX_FILE_BYTES, min_duration_s=IMPORT_MIN_DURATION_S
            )
        except kws_audio.AudioRejected as exc:
            report.bad.append((str(found.path.relative_to(root)), str(exc)))
            continue
        decoded.append((found, audio))
    return decoded


def _status(metrics: quality.QualityMetrics, validated: bool) -> dict:
    if validated:
        return {"status": Clip.Status.VALID, "status_reason": "import", "decided_at": timezone.now()}
    return _prescreen(metrics)
