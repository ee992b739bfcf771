"""The label-error finder: a run over a campaign's valid clips (kws.label_errors does the learning), its ranked
suspects, and the suspects sent back to review because the model disagrees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from collector.models import Campaign, Clip
from core.errors import ApplicationError
from core.stored_audio import stored_audio_load
from core.task_queue import task_enqueue
from kws import cleaning, features
from kws import label_errors as finder
from labeling.models import StatusChange
from labeling.services import MODEL_DISAGREES, clips_send_back_to_review, review_values_store
from preparation.models import ClipFeatures, PreparedClip
from preparation.services import cleaning_params_for, feature_params_for, features_ensure
from training.models import LabelErrorRun, LabelSuspect, TrainingJob

FIND_LABEL_ERRORS_TASK = "training.find_label_errors"
# Pending clips a run reads for the review queue, those the queue would serve first: a bounded run on a backlog
REVIEW_VALUE_MAX_CLIPS = 50_000


@dataclass
class FinderData:
    clip_ids: list
    x: np.ndarray  # (N, frames, channels) cached features
    labels: np.ndarray  # (N,) index into keyword_ids
    speakers: np.ndarray  # (N,) contributor of each clip
    keyword_ids: list[int]  # class order
    keyword_texts: list[str]


def label_errors_create(*, campaign: Campaign, trigger: str, job: TrainingJob | None = None) -> LabelErrorRun:
    return LabelErrorRun.objects.create(
        campaign=campaign, trigger=trigger, job=job, finder_params=finder.DEFAULT_FINDER.as_dict()
    )


def label_errors_queue(*, campaign: Campaign, trigger: str, job: TrainingJob | None = None) -> LabelErrorRun:
    """A run for a worker; a run still waiting for one covers this request too (it will read the labels as they
    are when it starts)."""
    waiting = LabelErrorRun.objects.filter(campaign=campaign, state=LabelErrorRun.State.QUEUED).first()
    if waiting is not None:
        return waiting
    run = label_errors_create(campaign=campaign, trigger=trigger, job=job)
    transaction.on_commit(lambda: task_enqueue(FIND_LABEL_ERRORS_TASK, args=[run.id]))
    return run


def finder_data(*, campaign: Campaign) -> FinderData:
    """Every valid, prepared clip of the campaign with its cached features, label and speaker, in the order of
    their audio's sha256: the finder's folds and batches follow the data, so the same clips give the same answer
    (their ids are random)."""
    features_ensure(params=features.DEFAULT_PARAMS)  # clips prepared under older FeatureParams
    params = feature_params_for(take_seconds=campaign.take_seconds)
    rows = (
        ClipFeatures.objects.filter(
            params_hash=params.hash,
            preparation__state=PreparedClip.State.DONE,
            preparation__clip__campaign=campaign,
            preparation__clip__status=Clip.Status.VALID,
        )
        .order_by("preparation__clip__sha256", "preparation__clip_id")
        .values_list(
            "preparation__clip_id", "preparation__clip__keyword_id", "preparation__clip__contributor_id", "data"
        )
    )
    clip_ids, keywords, speakers, matrices = [], [], [], []
    for clip_id, keyword_id, contributor_id, data in rows.iterator(chunk_size=2000):
        clip_ids.append(clip_id)
        keywords.append(keyword_id)
        speakers.append(str(contributor_id))
        matrices.append(np.frombuffer(bytes(data), dtype="<f4").reshape(params.shape))
    texts = dict(campaign.keywords.values_list("id", "text"))
    keyword_ids = sorted(set(keywords))
    if len(keyword_ids) < 2:
        raise ApplicationError(
            f"campaign '{campaign.name}' has valid, prepared clips of {len(keyword_ids)} keyword(s): telling words "
            "apart needs at least 2",
            code="no_data",
        )
    if len(set(speakers)) < 2:
        raise ApplicationError(
            f"campaign '{campaign.name}' has valid, prepared clips of {len(set(speakers))} speaker(s): every clip is "
            "judged by a model that never heard its speaker, so at least 2 are needed",
            code="no_data",
        )
    index = {keyword_id: i for i, keyword_id in enumerate(keyword_ids)}
    return FinderData(
        clip_ids=clip_ids,
        x=np.stack(matrices),
        labels=np.array([index[k] for k in keywords], np.int64),
        speakers=np.array(speakers),
        keyword_ids=keyword_ids,
        keyword_texts=[texts[k] for k in keyword_ids],
    )


def label_errors_run(*, run_id: int, on_fold: Callable[[int, int], None] | None = None) -> LabelErrorRun | None:
    """Find a queued run's suspects and send them back to review; a failure is kept on the run with its reason."""
    if not LabelErrorRun.objects.filter(id=run_id, state=LabelErrorRun.State.QUEUED).update(
        state=LabelErrorRun.State.RUNNING, started_at=timezone.now()
    ):
        return None  # already run, or running elsewhere: a redelivered message does nothing
    run = LabelErrorRun.objects.select_related("campaign").get(id=run_id)

    def fold_done(done: int, total: int) -> None:
        LabelErrorRun.objects.filter(id=run.id).update(folds_done=done, folds=total)
        if on_fold is not None:
            on_fold(done, total)

    try:
        data = finder_data(campaign=run.campaign)
        LabelErrorRun.objects.filter(id=run.id).update(clips=len(data.clip_ids), classes=data.keyword_texts)
        params = finder.FinderParams(**run.finder_params)
        pending_ids, pending_x, pending_labels = pending_features(campaign=run.campaign, keyword_ids=data.keyword_ids)
        issues = finder.label_issues_find(
            data.x, data.labels, data.speakers, len(data.keyword_ids), params, on_fold=fold_done, unlabelled=pending_x
        )
        _suspects_store(run, data, issues)
        _review_values_store(run, data, issues, pending_ids, pending_labels)
    except Exception as exc:
        LabelErrorRun.objects.filter(id=run.id).update(
            state=LabelErrorRun.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    return LabelErrorRun.objects.get(id=run.id)


def pending_features(*, campaign: Campaign, keyword_ids: list[int]) -> tuple[list, np.ndarray, np.ndarray]:
    """Features of the campaign's pending clips of the finder's keywords, the first REVIEW_VALUE_MAX_CLIPS the
    queue would serve: cached ones where a clip was prepared before (a clip sent back to review), else cleaned and
    featurized from its audio as preparation does (nothing stored). A clip too quiet or unreadable is left out."""
    params = feature_params_for(take_seconds=campaign.take_seconds)
    cleaning_params = cleaning_params_for(take_seconds=campaign.take_seconds)
    index = {keyword_id: i for i, keyword_id in enumerate(keyword_ids)}
    clips = list(
        Clip.objects.filter(campaign=campaign, status=Clip.Status.PENDING, is_gold=False, keyword_id__in=keyword_ids)
        .order_by("-votes_counted", "created_at")
        .values_list("id", "keyword_id", "audio")[:REVIEW_VALUE_MAX_CLIPS]
    )
    cached = dict(
        ClipFeatures.objects.filter(
            params_hash=params.hash, preparation__clip_id__in=[clip_id for clip_id, _, _ in clips]
        ).values_list("preparation__clip_id", "data")
    )
    ids, labels, matrices, to_featurize = [], [], [], []
    for clip_id, keyword_id, audio in clips:
        if clip_id in cached:
            ids.append(clip_id)
            labels.append(index[keyword_id])
            matrices.append(np.frombuffer(bytes(cached[clip_id]), dtype="<f4").reshape(params.shape))
            continue
        try:
            samples, rate = stored_audio_load(audio)
            to_featurize.append((clip_id, keyword_id, cleaning.clean(samples, rate, cleaning_params)))
        except (ValueError, OSError, RuntimeError):  # too quiet (a ValueError), unreadable or missing
            continue  # preparation would drop or fail it; its reviewers hear it as it comes
    for start in range(0, len(to_featurize), 256):
        chunk = to_featurize[start : start + 256]
        matrix = features.featurize_batch(np.stack([samples for _, _, samples in chunk]), params)
        for (clip_id, keyword_id, _), m in zip(chunk, matrix):
            ids.append(clip_id)
            labels.append(index[keyword_id])
            matrices.append(m)
    x = np.stack(matrices).astype(np.float32) if matrices else np.zeros((0, *params.shape), np.float32)
    return ids, x, np.array(labels, np.int64)


def _review_values_store(
    run: LabelErrorRun, data: FinderData, issues: finder.LabelIssues, pending_ids: list, pending_labels: np.ndarray
) -> None:
    """The review queue's values: pending clips as all fold models hear them, suspects just sent back as the model
    that never heard their speaker did."""
    probability = {}
    if len(pending_ids):
        given = issues.unlabelled_probabilities[np.arange(len(pending_ids)), pending_labels]
        probability.update(zip(pending_ids, given.tolist()))
    for i in issues.suspects:
        probability[data.clip_ids[i]] = float(issues.probabilities[i, data.labels[i]])
    stored = review_values_store(campaign=run.campaign, label_probabilities=probability)
    LabelErrorRun.objects.filter(id=run.id).update(review_values=stored)


def _actions(clip_ids: list) -> dict:
    """What becomes of each suspect still there (an erased one is gone): sent back to review unless it is synthetic
    or gold (valid without review), or reviewers already decided it again after an earlier run doubted it (the
    model does not get to nag)."""
    clips = Clip.objects.filter(id__in=clip_ids).only("id", "synthetic", "is_gold")
    rechecked = set(
        StatusChange.objects.filter(clip_id__in=clip_ids, cause=MODEL_DISAGREES).values_list("clip_id", flat=True)
    )
    actions, to_review = {}, []
    for clip in clips:
        if clip.synthetic:
            actions[clip.id] = LabelSuspect.Action.SYNTHETIC
        elif clip.is_gold:
            actions[clip.id] = LabelSuspect.Action.GOLD
        elif clip.id in rechecked:
            actions[clip.id] = LabelSuspect.Action.RECHECKED
        else:
            to_review.append(clip.id)
    sent = set(clips_send_back_to_review(clip_ids=to_review, cause=MODEL_DISAGREES))
    for clip_id in to_review:  # a clip no longer valid (re-decided or erased meanwhile) is only listed
        actions[clip_id] = LabelSuspect.Action.SENT_TO_REVIEW if clip_id in sent else LabelSuspect.Action.NOT_VALID
    return actions


@transaction.atomic
def _suspects_store(run: LabelErrorRun, data: FinderData, issues: finder.LabelIssues) -> None:
    suspect_ids = [data.clip_ids[i] for i in issues.suspects]
    actions = _actions(suspect_ids)
    predicted = issues.predicted
    LabelSuspect.objects.bulk_create(
        [
            LabelSuspect(
                run=run,
                clip_id=data.clip_ids[i],
                keyword_id=data.keyword_ids[data.labels[i]],
                suspected_id=data.keyword_ids[predicted[i]],
                score=float(issues.quality[i]),
                rank=rank,
                action=actions[data.clip_ids[i]],
            )
            for rank, i in enumerate(issues.suspects, start=1)
            if data.clip_ids[i] in actions
        ]
    )
    LabelErrorRun.objects.filter(id=run.id).update(
        state=LabelErrorRun.State.SUCCEEDED,
        accuracy=issues.accuracy(data.labels),
        suspects_found=len(suspect_ids),
        sent_to_review=sum(a == LabelSuspect.Action.SENT_TO_REVIEW for a in actions.values()),
        finished_at=timezone.now(),
    )


def suspects_of(*, run: LabelErrorRun):
    """A run's suspects, most likely label error first, with what the command and the admin show."""
    return run.suspects.select_related("clip", "keyword", "suspected").order_by("rank")
