"""The data map: every valid, prepared clip of a campaign placed in 2-D by the penultimate layer of its last trained
commands model (kws.data_map does the maths), with its keyword, split, speaker groups under the rule of five, the
label-error finder's verdict where it ran, and the clips the model hears among another word (outliers).

A wake-word campaign has no map: its model is binary (the phrase against everything else) and streaming, so its
penultimate layer only separates "phrase" from "not"; the map needs a commands model.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from collector.models import GROUP_FIELDS, Campaign, Clip, Demographics
from collector.targets import OTHER_GROUP, is_group
from core.errors import Conflict
from core.task_queue import task_enqueue
from kws import anonymity
from kws import data_map as mapping
from kws.recognizer import UNKNOWN_LABEL
from preparation.models import ClipFeatures, PreparedClip
from preparation.services import features_ensure
from preparation.splits import split_used
from training.models import DataMap, TrainingJob

DATA_MAP_TASK = "training.data_map"
FEATURE_CHUNK = 2000
STEPS = ("reading cached features", "running the model", "finding outliers", "t-SNE", "storing")
WAKE_WORD_REFUSAL = (
    "the data map needs a commands model: a wake-word campaign's model is binary (the phrase against everything "
    "else) and streaming, so its last layers only tell the phrase from the rest"
)


def data_map_model(*, campaign: Campaign) -> TrainingJob | None:
    """The model the map is drawn by: the campaign's last succeeded commands job, else (none succeeded yet) its last
    job that produced a model but failed a quality gate; its penultimate layer is as good a lens either way."""
    if campaign.kind != Campaign.Kind.COMMANDS:
        return None
    with_model = TrainingJob.objects.filter(campaign=campaign).exclude(model_keras="").defer("clip_ids")
    for state in (TrainingJob.State.SUCCEEDED, TrainingJob.State.FAILED_QUALITY):
        job = with_model.filter(state=state).order_by("-finished_at", "-id").first()
        if job is not None:
            return job
    return None


def data_map_create(*, campaign: Campaign, user=None) -> DataMap:
    """A queued map for `campaign` (not sent to a worker: data_map_queue does that, the command runs it in place)."""
    if campaign.kind != Campaign.Kind.COMMANDS:
        raise Conflict(WAKE_WORD_REFUSAL, code="wake_word")
    job = data_map_model(campaign=campaign)
    if job is None:
        raise Conflict(
            f"campaign '{campaign.name}' has no trained commands model yet: the map places clips by how a model "
            "hears them, so train one first (/training/)",
            code="no_model",
        )
    return DataMap.objects.create(
        campaign=campaign, job=job, params=mapping.DEFAULT_MAP.as_dict(), steps=len(STEPS), created_by=user
    )


def data_map_queue(*, campaign: Campaign, user=None) -> DataMap:
    """(Re)compute the campaign's map on a worker; a map still queued or running covers this request too. A queued
    one is sent again (its claim runs it once however many messages there are: one may have been lost); one running
    past the task time limit lost its worker and is marked failed."""
    active = DataMap.objects.filter(campaign=campaign, state__in=DataMap.ACTIVE).order_by("-id").first()
    lost_before = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    if active is not None and active.state == DataMap.State.RUNNING:
        if active.started_at and active.started_at < lost_before:
            DataMap.objects.filter(id=active.id, state=DataMap.State.RUNNING).update(
                state=DataMap.State.FAILED, error="its worker was lost", finished_at=timezone.now()
            )
            active = None
    if active is not None:
        if active.state == DataMap.State.QUEUED:
            transaction.on_commit(lambda: task_enqueue(DATA_MAP_TASK, args=[active.id]))
        return active
    data_map = data_map_create(campaign=campaign, user=user)
    transaction.on_commit(lambda: task_enqueue(DATA_MAP_TASK, args=[data_map.id]))
    return data_map


def data_map_latest(*, campaign: Campaign) -> DataMap | None:
    """The newest map of the campaign, whatever its state (the page shows a running one's progress)."""
    return DataMap.objects.filter(campaign=campaign).select_related("job").order_by("-id").first()


def data_map_shown(*, campaign: Campaign) -> DataMap | None:
    """The newest finished map: the one whose points the page draws while another is computed."""
    return (
        DataMap.objects.filter(campaign=campaign, state=DataMap.State.SUCCEEDED)
        .select_related("job")
        .order_by("-id")
        .first()
    )


def data_map_run(*, map_id: int) -> DataMap | None:
    """Compute a queued map; a failure is kept on the row with its reason."""
    if not DataMap.objects.filter(id=map_id, state=DataMap.State.QUEUED).update(
        state=DataMap.State.RUNNING, started_at=timezone.now()
    ):
        return None  # already run, or running elsewhere: a redelivered message does nothing
    data_map = DataMap.objects.select_related("campaign", "job").get(id=map_id)
    try:
        _compute(data_map)
    except Exception as exc:
        DataMap.objects.filter(id=map_id).update(
            state=DataMap.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    return DataMap.objects.get(id=map_id)


def _step(data_map: DataMap, index: int) -> None:
    DataMap.objects.filter(id=data_map.id).update(stage=STEPS[index], steps_done=index)


def _compute(data_map: DataMap) -> None:
    campaign = data_map.campaign
    job = data_map.job or data_map_model(campaign=campaign)
    if job is None:
        raise Conflict(f"campaign '{campaign.name}' has no trained commands model", code="no_model")
    params = mapping.MapParams(**data_map.params)
    _step(data_map, 0)
    rows, x = _clip_features(campaign, job)
    _step(data_map, 1)
    vectors = mapping.penultimate(_load_model(job), _normalized(x, job.normalization))
    _step(data_map, 2)
    classes = [keyword if keyword in job.keywords else UNKNOWN_LABEL for keyword in (r["keyword"] for r in rows)]
    result = mapping.neighbour_outliers(vectors, classes, params)
    _step(data_map, 3)
    result.xy = mapping.embed_2d(vectors, params)
    _step(data_map, 4)
    suspects = _suspected(campaign)
    points = [
        {
            "id": str(row["id"]),
            "x": float(result.xy[i, 0]),
            "y": float(result.xy[i, 1]),
            "keyword": row["keyword"],
            "split": row["split"],
            "synthetic": row["synthetic"],
            "suspect": suspects.get(row["id"]),
            "outlier": bool(result.outlier[i]),
            "neighbours_say": result.neighbours_say[i],
            "same_share": float(result.same_class_share[i]),
            "speaker": row["speaker"],  # dropped before storing; the groups are published from it
        }
        for i, row in enumerate(rows)
    ]
    _store(data_map, job, points)


def _clip_features(campaign: Campaign, job: TrainingJob) -> tuple[list[dict], np.ndarray]:
    """Every valid, prepared clip of the campaign with its cached features under the model's FeatureParams, in the
    order of their audio's sha256 (ids are random: the same clips give the same map)."""
    params = job.features
    features_ensure(params=params)  # clips prepared under other FeatureParams than the model's
    prepared = PreparedClip.objects.filter(
        clip__campaign=campaign, clip__status=Clip.Status.VALID, state=PreparedClip.State.DONE
    )
    has_recorded = prepared.filter(clip__synthetic=False).exists()
    found = prepared.order_by("clip__sha256", "clip_id").values_list(
        "id", "clip_id", "clip__keyword__text", "split", "clip__synthetic", "clip__contributor_id"
    )
    rows, matrices = [], []
    for chunk in _chunks(list(found), FEATURE_CHUNK):
        # by the (preparation, params) key, a chunk at a time: one join over every table planned badly without stats
        cached = dict(
            ClipFeatures.objects.filter(
                params_hash=params.hash, preparation_id__in=[prep_id for prep_id, *_ in chunk]
            ).values_list("preparation_id", "data")
        )
        for prep_id, clip_id, keyword, split, synthetic, contributor_id in chunk:
            if prep_id not in cached:
                continue  # prepared after features_ensure looked: on the next map
            rows.append(
                {
                    "id": clip_id,
                    "keyword": keyword,
                    "split": split_used(split, synthetic=synthetic, has_recorded_voices=has_recorded),
                    "synthetic": synthetic,
                    "speaker": str(contributor_id),
                }
            )
            matrices.append(np.frombuffer(bytes(cached[prep_id]), dtype="<f4").reshape(params.shape))
    x = np.stack(matrices) if matrices else np.zeros((0, *params.shape), np.float32)
    return rows, x


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _normalized(x: np.ndarray, normalization: dict) -> np.ndarray:
    """The features as the model was fed them (kws.train.featurize_normalized, on cached features)."""
    return ((x - normalization["mean"]) / normalization["std"]).astype(np.float32)


def _load_model(job: TrainingJob):
    import keras

    with tempfile.TemporaryDirectory() as tmp, job.model_keras.open("rb") as stored:
        path = Path(tmp) / "model.keras"
        path.write_bytes(stored.read())
        return keras.models.load_model(path, compile=False)


def _suspected(campaign: Campaign) -> dict:
    """clip id -> the word the label-error finder's latest finished run heard instead, for the clips it doubted;
    empty where the finder is not installed (its models or tables absent) or never ran."""
    try:
        run_model = apps.get_model("training", "LabelErrorRun")
        suspect_model = apps.get_model("training", "LabelSuspect")
    except LookupError:
        return {}
    if suspect_model._meta.db_table not in connection.introspection.table_names():
        return {}
    run = run_model.objects.filter(campaign=campaign, state="succeeded").order_by("-id").first()
    if run is None:
        return {}
    return dict(suspect_model.objects.filter(run=run).values_list("clip_id", "suspected__text"))


def published_groups(*, speakers: dict[str, bool]) -> dict[str, dict[str, str]]:
    """speaker -> {field: group} under the rule of five over the speakers on the map (kws.anonymity, the fields and
    their combinations, as releases publish them): a value or combination fewer than K speakers share, an answer
    that names no group ("prefer not to say", "another ...") and every synthetic voice read OTHER_GROUP.
    `speakers` maps each contributor id on the map to whether it is a synthetic voice."""
    recorded = [s for s, synthetic in speakers.items() if not synthetic]
    stated = {
        str(contributor_id): values
        for contributor_id, *values in Demographics.objects.filter(contributor_id__in=recorded).values_list(
            "contributor_id", *GROUP_FIELDS
        )
    }
    values = {
        s: {f: (v if is_group(v) else anonymity.BLANK) for f, v in zip(GROUP_FIELDS, stated.get(s, [None] * 3))}
        for s in recorded
    }
    shown = anonymity.publishable(values, list(GROUP_FIELDS))
    other = dict.fromkeys(GROUP_FIELDS, OTHER_GROUP)
    return {s: {f: (shown[s][f] or OTHER_GROUP) for f in GROUP_FIELDS} if s in shown else other for s in speakers}


def _with_groups(points: list[dict], speaker_of: dict[str, str], synthetic_of: dict[str, bool]) -> list[dict]:
    speakers = {speaker_of[p["id"]]: synthetic_of[p["id"]] for p in points}
    groups = published_groups(speakers=speakers)
    return [{**p, **groups[speaker_of[p["id"]]]} for p in points]


def _summary(job: TrainingJob, points: list[dict], campaign: Campaign) -> dict:
    keywords = list(job.keywords) + sorted({p["keyword"] for p in points} - set(job.keywords))
    valid = Clip.objects.filter(campaign=campaign, status=Clip.Status.VALID)
    not_prepared = valid.exclude(preparation__state=PreparedClip.State.DONE).count()
    return {
        "keywords": keywords,
        "model_keywords": list(job.keywords),
        "job_state": job.state,
        "architecture": job.architecture,
        "not_on_map": not_prepared,  # valid clips still being prepared, or dropped (too quiet) or failed
        "erased_since": 0,
    }


def _store(data_map: DataMap, job: TrainingJob, points: list[dict]) -> None:
    """Keep only the clips still valid as the map is stored (an erasure or a re-vote may have come meanwhile), with
    their groups published over the speakers that remain; then drop the campaign's older maps (their points are
    stale, and an erased voice should not linger in them)."""
    with transaction.atomic():
        DataMap.objects.select_for_update().filter(id=data_map.id).first()
        still = {
            str(i)
            for i in Clip.objects.filter(id__in=[p["id"] for p in points], status=Clip.Status.VALID).values_list(
                "id", flat=True
            )
        }
        points = [p for p in points if p["id"] in still]
        speaker_of = {p["id"]: p.pop("speaker") for p in points}
        synthetic_of = {p["id"]: p["synthetic"] for p in points}
        points = _with_groups(points, speaker_of, synthetic_of)
        DataMap.objects.filter(id=data_map.id).update(
            state=DataMap.State.SUCCEEDED,
            job=job,
            stage="",
            steps_done=len(STEPS),
            clips=len(points),
            outliers=sum(p["outlier"] for p in points),
            points=points,
            summary=_summary(job, points, data_map.campaign),
            finished_at=timezone.now(),
        )
        DataMap.objects.filter(campaign=data_map.campaign, id__lt=data_map.id).exclude(
            state__in=DataMap.ACTIVE
        ).delete()


def data_maps_drop_erased(*, campaign_id: int, clip_ids: list, **_signal) -> int:
    """Receiver of collector.signals.clips_erased, in the erasure's transaction: the erased clips' points leave every
    stored map of the campaign, and the groups of the rest are published again over the speakers that remain (a
    group may have fallen under five). Returns the points removed."""
    erased = {str(i) for i in clip_ids}
    removed = 0
    for data_map in DataMap.objects.select_for_update().filter(campaign_id=campaign_id, state=DataMap.State.SUCCEEDED):
        kept = [p for p in data_map.points if p["id"] not in erased]
        gone = len(data_map.points) - len(kept)
        if not gone:
            continue
        speaker_of = {
            str(clip_id): str(contributor_id)
            for clip_id, contributor_id in Clip.objects.filter(id__in=[p["id"] for p in kept]).values_list(
                "id", "contributor_id"
            )
        }
        kept = [p for p in kept if p["id"] in speaker_of]
        kept = _with_groups(kept, speaker_of, {p["id"]: p["synthetic"] for p in kept})
        summary = {**data_map.summary, "erased_since": data_map.summary.get("erased_since", 0) + gone}
        DataMap.objects.filter(id=data_map.id).update(
            points=kept, clips=len(kept), outliers=sum(p["outlier"] for p in kept), summary=summary
        )
        removed += gone
    return removed
