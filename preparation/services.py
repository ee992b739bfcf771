"""Writes of the preparation pipeline: valid clips become cleaned audio, a split and cached features."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import soundfile as sf
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from collector.models import TAKE_SECONDS, Clip
from collector.services import derived_files
from core.after_response import after_response
from core.pseudonyms import speaker_hash
from core.rows import Statement, insert_statement
from core.storage_paths import DERIVED_ROOT, derived_name
from core.stored_audio import stored_audio_load
from core.task_queue import task_enqueue
from kws import cleaning, features, splits
from kws.audio import encode_wav
from preparation.models import ClipFeatures, PreparedClip

logger = logging.getLogger(__name__)
BATCH_SCHEDULED_KEY = "preparation:batch-scheduled"
PREPARE_BATCH_TASK = "preparation.prepare_batch"
SWEEP_DERIVED_TASK = "preparation.sweep_derived"


def preparation_trigger(*, clip_ids: list, **_signal) -> list[Statement]:
    """Receiver of collector.signals.clips_validated, in the transaction that makes clips valid: queue each once.

    Returns the statements that queue them, for the sender to run with the transaction's other writes: the
    unique clip column turns a second trigger (a clip that was valid before, re-decided and valid again)
    into a no-op. Once committed, a batch is scheduled after the response has gone out (a reviewer need
    not wait for the broker); a web process that dies in between leaves the row queued for the next
    batch, which any later trigger or a starting worker schedules."""
    transaction.on_commit(lambda: after_response(preparation_schedule))
    return [insert_statement(PreparedClip(clip_id=clip_id), ignore_conflicts=True) for clip_id in clip_ids]


def preparation_schedule() -> None:
    """Make sure one batch task is on its way; many clips becoming valid at once share it."""
    if cache.add(BATCH_SCHEDULED_KEY, 1, timeout=settings.CHORUS_PREPARE_LEASE_S):
        task_enqueue(PREPARE_BATCH_TASK)


def preparation_claim(*, limit: int) -> list[tuple[int, int]]:
    """Claim up to `limit` queued clips, or clips whose claim expired with a dead worker.

    One statement; rows other workers are claiming are skipped. Returns (id, attempt) pairs: the
    attempt is the fencing token that the final write must still match.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.CHORUS_PREPARE_LEASE_S)
    table = PreparedClip._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET state = 'running', attempts = attempts + 1, lease_until = %s
                WHERE id IN (SELECT id FROM {table}
                             WHERE state = 'queued' OR (state = 'running' AND lease_until < %s)
                             ORDER BY id LIMIT %s{lock})
                RETURNING id, attempts""",
            [lease_until, now, limit],
        )
        return sorted(cursor.fetchall())


@dataclass
class BatchResult:
    done: int = 0
    dropped: int = 0
    failed: int = 0
    fenced_out: int = 0


def cleaning_params_for(*, take_seconds: float) -> cleaning.CleaningParams:
    """How a campaign's takes are cleaned: to its take length (1 s for commands, 2 s for a wake phrase)."""
    default = cleaning.CleaningParams()
    return dataclasses.replace(default, clip_samples=round(take_seconds * default.sample_rate))


def _featurized(
    cleaned: dict[int, np.ndarray], params_of: dict[int, cleaning.CleaningParams], params: features.FeatureParams
) -> dict[int, tuple[features.FeatureParams, np.ndarray]]:
    """Features of each cleaned clip, one vectorized pass per clip length. Command clips are featurized under
    `params`; a longer wake-phrase clip whole, under the same params at its own length (their own hash)."""
    by_length: dict[int, list[int]] = defaultdict(list)
    for prep_id in cleaned:
        by_length[params_of[prep_id].clip_samples].append(prep_id)
    out = {}
    for length, ids in by_length.items():
        own = _feature_params_for(params, clip_samples=length)
        matrix = features.featurize_batch(np.stack([cleaned[i] for i in ids]), own)
        out.update({prep_id: (own, matrix[index]) for index, prep_id in enumerate(ids)})
    return out


def _feature_params_for(params: features.FeatureParams, *, clip_samples: int) -> features.FeatureParams:
    if clip_samples == cleaning.CleaningParams().clip_samples:
        return params  # command clips: exactly as given
    return dataclasses.replace(params, clip_samples=clip_samples)


def feature_params_for(
    *, take_seconds: float, params: features.FeatureParams = features.DEFAULT_PARAMS
) -> features.FeatureParams:
    """The params a campaign's clips are featurized under: `params` at the length its takes are cleaned to."""
    return _feature_params_for(params, clip_samples=cleaning_params_for(take_seconds=take_seconds).clip_samples)


def _store_cleaned(clip_id, samples: np.ndarray, rate: int) -> str:
    name = derived_name(clip_id, "clean.wav")
    if default_storage.exists(name):  # a retried claim rewrites the same content
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(encode_wav(samples, rate)))


def preparation_run(
    *, claims: list[tuple[int, int]], params: features.FeatureParams = features.DEFAULT_PARAMS
) -> BatchResult:
    """Clean, split and featurize claimed clips in one vectorized pass.

    A clip that cannot be read or cleaned is failed with its reason and the rest go on; errors of the
    database or storage as a whole propagate so the task can retry.
    """
    attempt_of = dict(claims)
    rows = list(
        PreparedClip.objects.filter(id__in=attempt_of)
        .select_related("clip__campaign")
        .only("id", "clip__id", "clip__audio", "clip__sha256", "clip__contributor_id", "clip__campaign__kind")
    )
    params_of = {row.id: cleaning_params_for(take_seconds=row.clip.campaign.take_seconds) for row in rows}
    outcomes: dict[int, dict] = {}
    cleaned: dict[int, np.ndarray] = {}
    for row in rows:
        try:
            samples, rate = stored_audio_load(row.clip.audio.name)
            cleaned[row.id] = cleaning.clean(samples, rate, params_of[row.id])
        except cleaning.TooQuiet as exc:
            outcomes[row.id] = {"state": PreparedClip.State.DROPPED, "error": str(exc)}
        except (sf.LibsndfileError, ValueError, FileNotFoundError) as exc:
            outcomes[row.id] = {"state": PreparedClip.State.FAILED, "error": f"{type(exc).__name__}: {exc}"}
    featurized = _featurized(cleaned, params_of, params)
    by_id = {row.id: row for row in rows}
    new_features = []
    to_store: dict[int, tuple] = {}
    for prep_id, (own, matrix) in featurized.items():
        row = by_id[prep_id]
        to_store[prep_id] = (row.clip.id, cleaned[prep_id])
        outcomes[prep_id] = {
            "state": PreparedClip.State.DONE,
            "error": "",
            "split": splits.which_set(speaker_hash(row.clip.contributor_id)),
        }
        new_features.append(
            ClipFeatures(
                preparation_id=prep_id,
                clip_sha256=row.clip.sha256,
                params_hash=own.hash,
                frames=own.frames,
                channels=own.channels,
                data=matrix.astype("<f4").tobytes(),
            )
        )
    return _commit_outcomes(attempt_of, outcomes, new_features, params_of, to_store)


def _commit_outcomes(
    attempt_of: dict[int, int], outcomes: dict[int, dict], new_features: list, params_of: dict, to_store: dict
) -> BatchResult:
    """Write results only for claims this worker still holds (same attempt): a fenced-out worker writes nothing,
    not even a file. The cleaned audio is stored while the clips and claims are locked: an erasure (which locks
    the clip rows first too) either waits for this commit and then finds the files, or commits first and leaves
    no row to hold."""
    now = timezone.now()
    stored: list[str] = []
    try:
        with transaction.atomic():
            # the clip rows before the claims, in the order an erasure takes them: no deadlock, and an erasure's
            # delete never meets features inserted after it looked
            list(
                Clip.objects.select_for_update(of=("self",))
                .filter(preparation__id__in=list(outcomes))
                .order_by("id")
                .values_list("id", flat=True)
            )
            current = PreparedClip.objects.select_for_update().filter(
                id__in=list(outcomes), state=PreparedClip.State.RUNNING
            )
            held = {
                prep_id
                for prep_id, attempts in current.values_list("id", "attempts")
                if attempt_of[prep_id] == attempts
            }
            for prep_id in sorted(held & set(to_store)):
                clip_id, samples = to_store[prep_id]
                outcomes[prep_id]["cleaned_audio"] = _store_cleaned(clip_id, samples, params_of[prep_id].sample_rate)
                stored.append(outcomes[prep_id]["cleaned_audio"])
            ClipFeatures.objects.filter(preparation_id__in=held).delete()  # a retry replaces a partial earlier write
            ClipFeatures.objects.bulk_create([f for f in new_features if f.preparation_id in held])
            updated = [
                PreparedClip(
                    id=prep_id,
                    finished_at=now,
                    lease_until=None,
                    cleaning_params=params_of[prep_id].as_dict(),
                    cleaned_audio=outcomes[prep_id].get("cleaned_audio", ""),
                    split=outcomes[prep_id].get("split", ""),
                    state=outcomes[prep_id]["state"],
                    error=outcomes[prep_id]["error"],
                )
                for prep_id in held
            ]
            PreparedClip.objects.bulk_update(
                updated, ["finished_at", "lease_until", "cleaning_params", "cleaned_audio", "split", "state", "error"]
            )
    except BaseException:
        for name in stored:  # nothing committed points at them (the sweep gets any this misses)
            default_storage.delete(name)
        raise
    states = Counter(outcomes[prep_id]["state"] for prep_id in held)
    return BatchResult(
        done=states["done"], dropped=states["dropped"], failed=states["failed"], fenced_out=len(outcomes) - len(held)
    )


def derived_orphans_sweep() -> int:
    """Delete derived files whose clip row is gone (erased while something was writing them). Clip ids are never
    reused and derived files appear only after their clip row, so a folder without a clip is an orphan for good.
    Returns how many files went."""
    try:
        folders, _ = default_storage.listdir(DERIVED_ROOT)
    except FileNotFoundError:
        return 0
    ids = {}
    for folder in folders:
        try:
            ids[uuid.UUID(folder)] = folder
        except ValueError:
            continue
    present = set()
    listed = list(ids)
    for start in range(0, len(listed), 1000):
        present |= set(Clip.objects.filter(id__in=listed[start : start + 1000]).values_list("id", flat=True))
    deleted = 0
    for clip_id in sorted(set(ids) - present, key=str):
        for name in derived_files(clip_id):
            default_storage.delete(name)
            deleted += 1
    if deleted:
        logger.warning("deleted %d derived files of erased clips", deleted)
    return deleted


def preparation_requeue(*, preparation_ids: list[int]) -> int:
    """Queue clips again (after their cause was fixed); running claims are left to finish. Returns how many."""
    count = (
        PreparedClip.objects.filter(id__in=preparation_ids)
        .exclude(state=PreparedClip.State.RUNNING)
        .update(state=PreparedClip.State.QUEUED, error="", lease_until=None)
    )
    transaction.on_commit(preparation_schedule)
    return count


def preparation_release(*, claims: list[tuple[int, int]]) -> None:
    """Give claims back after a transient failure, so the retry (or any worker) picks them up at once."""
    for prep_id, attempt in claims:
        PreparedClip.objects.filter(id=prep_id, attempts=attempt, state=PreparedClip.State.RUNNING).update(
            state=PreparedClip.State.QUEUED, lease_until=None
        )


def preparation_next_lease_expiry_s() -> float | None:
    """Seconds until the earliest running claim's lease ends (plus a second), or None when nothing runs."""
    earliest = (
        PreparedClip.objects.filter(state=PreparedClip.State.RUNNING)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    if earliest is None:
        return None
    return max(1.0, (earliest - timezone.now()).total_seconds() + 1.0)


def features_ensure(*, params: features.FeatureParams, chunk: int = 256) -> int:
    """Featurize prepared clips that have no features under these params (after FeatureParams changed); a
    wake-phrase clip under the same params at its own length, as when it was prepared.

    Reads the cleaned clips, so cleaning is not redone. Returns how many clips were featurized.
    """
    created = 0
    for kind, take_seconds in TAKE_SECONDS.items():
        own = feature_params_for(take_seconds=take_seconds, params=params)
        missing = (
            PreparedClip.objects.filter(state=PreparedClip.State.DONE, clip__campaign__kind=kind)
            .exclude(features__params_hash=own.hash)
            .order_by("id")
        )
        while rows := list(missing.select_related("clip").only("id", "cleaned_audio", "clip__sha256")[:chunk]):
            audio = np.stack([features.fit_length(stored_audio_load(row.cleaned_audio.name)[0], own) for row in rows])
            matrix = features.featurize_batch(audio, own)
            ClipFeatures.objects.bulk_create(
                [
                    ClipFeatures(
                        preparation_id=row.id,
                        clip_sha256=row.clip.sha256,
                        params_hash=own.hash,
                        frames=own.frames,
                        channels=own.channels,
                        data=matrix[i].astype("<f4").tobytes(),
                    )
                    for i, row in enumerate(rows)
                ],
                ignore_conflicts=True,  # another worker may have filled some meanwhile
            )
            created += len(rows)
    return created
