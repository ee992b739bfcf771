"""Training jobs: launch (freezing the data), run in the `training` queue with progress, cancel."""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from collector.models import Campaign, Clip
from collector.synthesis import synthetic_share_sentence
from config.env import BASE_DIR
from core.errors import ApplicationError, Conflict
from core.stored_audio import stored_audio_load
from core.task_queue import task_enqueue
from kws import (
    architectures,
    augment,
    c_array,
    device_eval,
    evaluation,
    features,
    negatives,
    operating_point,
    quantize,
)
from kws import train as kws_train
from kws.micro_frontend import MICRO_PARAMS
from kws.synthetic import noise_beds
from preparation.models import BackgroundNoise, PreparedClip
from preparation.splits import recorded_voices_present, split_used, usable_clips_kind
from releases.models import Release
from releases.selectors import latest_clean_release, release_clip_ids, releases_for
from training import wake_word_job
from training.label_errors import label_errors_queue
from training.model_card import model_card
from training.models import LabelErrorRun, TrainingJob
from training.progress import EpochClock
from training.quality_gates import quality_gate
from training.weak_cells import weak_cells_apply

REPRESENTATIVE_EXAMPLES = 300  # int8 calibration set, from the train split
RUN_JOB_TASK = "training.run_job"


def code_version() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short=12", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, timeout=5
            ).stdout.strip()
            or "unknown"
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def job_launch(
    *,
    campaign: Campaign,
    keywords: list[str],
    architecture: str = architectures.DEFAULT_ARCHITECTURE,
    epochs: int = kws_train.DEFAULT_EPOCHS,
    seed: int = 0,
    release_name: str = "",
    include_synthetic: bool = True,
    target_fa_per_hour: float = operating_point.DEFAULT_TARGET_FA_PER_HOUR,
    user=None,
    retrained_from: TrainingJob | None = None,
) -> TrainingJob:
    """Freeze the clips and queue the job on the `training` queue: the named release's clips (still valid and
    prepared), else every prepared, valid clip of the campaign; synthetic clips unless left out."""
    wake_word = campaign.kind == Campaign.Kind.WAKE_WORD
    if wake_word:  # one binary model: the phrase against everything else, streaming, for ESPHome
        keywords, architecture = [campaign.wake_phrase], wake_word_job.ARCHITECTURE
    keywords = [k.strip() for k in keywords if k.strip()]
    if not keywords:
        raise ApplicationError("name at least one keyword to train", code="bad_value")
    if architecture not in architectures.ARCHITECTURES and not wake_word:
        raise ApplicationError(
            f"architecture must be one of {', '.join(architectures.ARCHITECTURES)}", code="bad_value"
        )
    if not 1 <= epochs <= 500:
        raise ApplicationError("epochs must be between 1 and 500", code="bad_value")
    if not 0.01 <= target_fa_per_hour <= 100:
        raise ApplicationError("target_fa_per_hour must be between 0.01 and 100", code="bad_value")
    known = set(campaign.keywords.values_list("text", flat=True))
    unknown = [k for k in keywords if k not in known]
    if unknown:
        raise ApplicationError(
            f"not keywords of campaign '{campaign.name}': {', '.join(unknown)}", code="unknown_keyword"
        )
    params = MICRO_PARAMS if wake_word else features.DEFAULT_PARAMS
    prepared = PreparedClip.objects.filter(
        clip__campaign=campaign, clip__status=Clip.Status.VALID, state=PreparedClip.State.DONE
    )
    release = _release_named(campaign, release_name)
    if release is not None:
        prepared = prepared.filter(clip_id__in=release_clip_ids(release=release))
    if not include_synthetic:
        prepared = prepared.filter(clip__synthetic=False)
    clip_ids = [str(i) for i in prepared.order_by("clip_id").values_list("clip_id", flat=True)]
    if not clip_ids:
        kind = usable_clips_kind(include_synthetic=include_synthetic)
        raise Conflict(f"campaign '{campaign.name}' has no {kind} clips yet: {_data_state(campaign)}", code="no_data")
    heard = set(prepared.values_list("clip__keyword__text", flat=True).distinct())
    unheard = [k for k in keywords if k not in heard]
    if unheard:
        kind = usable_clips_kind(include_synthetic=include_synthetic)
        raise Conflict(
            f"no {kind} clips of {', '.join(unheard)} yet: a model cannot learn a word it never hears. "
            "Leave them out, or record or synthesize them first.",
            code="no_data",
        )
    speakers = speakers_per_split(prepared)
    missing = [s for s in PreparedClip.Split.values if not speakers.get(s)]
    if missing:
        held = ", ".join(f"{speakers.get(s, 0)} in {s}" for s in PreparedClip.Split.values)
        raise Conflict(
            f"no clips in the {' and '.join(missing)} split yet: more speakers are needed (splits go by speaker, "
            f"about 10% of speakers each to validation and testing; speakers now: {held}). "
            + NEXT_STEP.format(slug=campaign.slug),
            code="no_data",
        )
    if wake_word:
        train_params = wake_word_job.wake_word_train_params(epochs=epochs, seed=seed)
        total_epochs = train_params["epochs"] + train_params["mining_epochs"]
    else:
        train_params, total_epochs = (
            kws_train.TrainParams(architecture=architecture, epochs=epochs, seed=seed).as_dict(),
            epochs,
        )
    job = TrainingJob.objects.create(
        campaign=campaign,
        keywords=keywords,
        architecture=architecture,
        epochs=total_epochs,
        seed=seed,
        train_params=train_params,
        release_name=release_name,
        include_synthetic=include_synthetic,
        target_fa_per_hour=target_fa_per_hour,
        clip_ids=clip_ids,
        feature_params=params.as_dict(),
        feature_params_hash=params.hash,
        code_version=code_version(),
        created_by=user,
        retrained_from=retrained_from,
    )
    transaction.on_commit(lambda: task_enqueue(RUN_JOB_TASK, args=[job.id]))
    return job


def speakers_per_split(prepared) -> dict[str, int]:
    """Distinct speakers per split as training will use them (synthetic voices test only without recorded ones)."""
    has_recorded = recorded_voices_present(prepared)
    speakers: dict[str, set] = {}
    for split, synthetic, contributor in (
        prepared.values_list("split", "clip__synthetic", "clip__contributor_id").distinct().iterator()
    ):
        used = split_used(split, synthetic=synthetic, has_recorded_voices=has_recorded)
        speakers.setdefault(used, set()).add(contributor)
    return {split: len(ids) for split, ids in speakers.items()}


NEXT_STEP = (
    "Record at /c/{slug}/speak/ and review at /c/{slug}/listen/, synthesize starter voices "
    "(python manage.py synthesize --campaign {slug}, or the campaign admin's action), or import a folder in "
    "Speech Commands layout: python manage.py import_dataset DIR --campaign {slug} --validated"
)


def _data_state(campaign: Campaign) -> str:
    """What the campaign holds on its way to training, and what to do next."""
    clips = Clip.objects.filter(campaign=campaign, is_gold=False)
    pending = clips.filter(status=Clip.Status.PENDING).count()
    valid = clips.filter(status=Clip.Status.VALID).count()
    preparing = PreparedClip.objects.filter(
        clip__campaign=campaign, state__in=[PreparedClip.State.QUEUED, PreparedClip.State.RUNNING]
    ).count()
    return (
        f"clips recorded: {clips.count()}, waiting for review: {pending}, valid: {valid} (still being prepared: "
        f"{preparing}); training needs valid, prepared clips from speakers in all three splits. "
        + NEXT_STEP.format(slug=campaign.slug)
    )


def _release_named(campaign: Campaign, name: str) -> Release | None:
    if not name:
        return None
    release = campaign.releases.filter(name=name).first()
    if release is None:
        raise ApplicationError(f"campaign '{campaign.name}' has no release '{name}'", code="not_found", status_code=404)
    if release.state != Release.State.SUCCEEDED:
        raise Conflict(
            f"release '{name}' is {release.state}, not built: train from a finished release", code="release_not_ready"
        )
    return release


def job_retrain(*, job_id: int, release_name: str = "", user=None) -> TrainingJob:
    """The same job again, on a release that holds no withdrawn clip (the newest one unless named)."""
    job = TrainingJob.objects.select_related("campaign").get(id=job_id)
    if release_name:
        release = releases_for(campaign=job.campaign).filter(name=release_name).first()
        if release is None:
            raise ApplicationError(
                f"campaign '{job.campaign.name}' has no release '{release_name}'", code="not_found", status_code=404
            )
        if release.withdrawn:
            raise Conflict(
                f"release '{release_name}' holds {release.withdrawn} withdrawn clips: "
                "create a new release and retrain from it",
                code="withdrawn",
            )
    else:
        release = latest_clean_release(campaign=job.campaign)
        if release is None:
            raise Conflict(
                "no release without withdrawn clips yet: create a release first, then retrain from it",
                code="no_release",
            )
    return job_launch(
        campaign=job.campaign,
        keywords=job.keywords,
        architecture=job.architecture,
        epochs=job.epochs,
        seed=job.seed,
        release_name=release.name,
        include_synthetic=job.include_synthetic,
        target_fa_per_hour=job.target_fa_per_hour,
        user=user,
        retrained_from=job,
    )


def jobs_mark_withdrawn(*, campaign_id: int, clip_ids: list, **_signal) -> int:
    """Receiver of collector.signals.clips_erased: count erased clips against every job that used them."""
    erased = {str(i) for i in clip_ids}
    candidates = TrainingJob.objects.filter(campaign_id=campaign_id)
    if connection.vendor == "postgresql":  # jsonb ?|: only the jobs that used an erased clip come back to Python
        candidates = candidates.filter(clip_ids__has_any_keys=sorted(erased))
    marked = 0
    for job_id, used in candidates.values_list("id", "clip_ids").iterator(chunk_size=20):
        hit = len(erased.intersection(used))
        if hit:
            TrainingJob.objects.filter(id=job_id).update(withdrawn_clips=F("withdrawn_clips") + hit)
            marked += 1
    return marked


def job_cancel(*, job_id: int) -> TrainingJob:
    job = TrainingJob.objects.get(id=job_id)
    if job.state == TrainingJob.State.QUEUED:
        TrainingJob.objects.filter(id=job_id, state=TrainingJob.State.QUEUED).update(
            state=TrainingJob.State.CANCELLED, finished_at=timezone.now()
        )
    elif job.state == TrainingJob.State.RUNNING:
        TrainingJob.objects.filter(id=job_id).update(cancel_requested=True)  # the run stops after its current epoch
    job.refresh_from_db()
    return job


GROUP_FIELDS = ("accent", "gender", "age_bracket")


def _split_arrays(job: TrainingJob, params: features.FeatureParams) -> tuple[dict, dict, dict]:
    """Per split: (audio, words), the speakers' demographic groups of each clip (for per-group accuracy), and
    the number of speakers."""
    rows = (
        PreparedClip.objects.filter(clip_id__in=job.clip_ids)
        .select_related("clip__keyword", "clip__contributor__demographics")
        .order_by("clip__sha256", "clip_id")  # the audio's order, not random ids': a rerun trains the same model
    )
    has_recorded = recorded_voices_present(rows)
    splits: dict[str, tuple[list, list]] = {"training": ([], []), "validation": ([], []), "testing": ([], [])}
    groups: dict[str, list[dict]] = {name: [] for name in splits}
    speakers: dict[str, set] = {name: set() for name in splits}
    for row in rows.iterator(chunk_size=1000):
        split = split_used(row.split, synthetic=row.clip.synthetic, has_recorded_voices=has_recorded)
        audio, words = splits[split]
        audio.append(features.fit_length(stored_audio_load(row.cleaned_audio.name)[0], params))
        words.append(row.clip.keyword.text)
        demographics = getattr(row.clip.contributor, "demographics", None)
        # the speaker goes with the groups for the rule of five (kws.evaluation.per_group), never into metrics
        groups[split].append(
            {"speaker": str(row.clip.contributor_id), **{f: getattr(demographics, f, None) for f in GROUP_FIELDS}}
        )
        speakers[split].add(row.clip.contributor_id)
    arrays = {
        name: (np.array(a, dtype=np.float32).reshape(-1, params.clip_samples), w) for name, (a, w) in splits.items()
    }
    return arrays, groups, {name: len(ids) for name, ids in speakers.items()}


def _synthetic_share(job: TrainingJob) -> str:
    voices: dict[str, set[str]] = {}
    synthetic = 0
    for source, voice in Clip.objects.filter(id__in=job.clip_ids, synthetic=True).values_list("source", "voice"):
        voices.setdefault(source, set()).add(voice)
        synthetic += 1
    return synthetic_share_sentence(total=len(job.clip_ids), synthetic=synthetic, voices_by_source=voices)


def job_run(*, job_id: int) -> TrainingJob | None:
    """Train, quantize, prove the int8 model runs under TFLM, and evaluate on the test split."""
    if not TrainingJob.objects.filter(id=job_id, state=TrainingJob.State.QUEUED).update(
        state=TrainingJob.State.RUNNING, started_at=timezone.now()
    ):
        return None  # already run, running elsewhere, or cancelled: a redelivered message does nothing
    job = TrainingJob.objects.get(id=job_id)
    try:
        job = _run(job)
    except Exception as exc:
        TrainingJob.objects.filter(id=job_id).update(
            state=TrainingJob.State.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    weak_cells_apply(job=job)  # the last succeeded model's weak cells raise their targets (training/weak_cells.py)
    if (
        settings.CHORUS_LABEL_ERRORS_AFTER_JOBS
        and job.finished_with_model
        and job.campaign.kind == Campaign.Kind.COMMANDS
    ):
        label_errors_queue(campaign=job.campaign, trigger=LabelErrorRun.Trigger.JOB, job=job)
    return job


def _run(job: TrainingJob) -> TrainingJob:
    if job.campaign.kind == Campaign.Kind.WAKE_WORD:
        return wake_word_job.wake_word_run(job, synthetic_share=_synthetic_share(job))
    params = job.features
    train_params = kws_train.TrainParams(**job.train_params)
    rng = np.random.default_rng(train_params.seed)
    noises = [stored_audio_load(n.audio.name)[0] for n in BackgroundNoise.objects.filter(campaign=job.campaign)]
    splits, groups, speakers = _split_arrays(job, params)
    make = lambda name: kws_train.examples(
        *splits[name],
        job.keywords,
        noises,
        rng,  # noqa: E731
        silence_share=train_params.silence_share,
        unknown_share=train_params.unknown_share,
        params=params,
    )
    train_set, validation_set, test_set = make("training"), make("validation"), make("testing")
    if train_params.negative_speech_share:
        speech = negatives.synthetic_negatives(
            _negatives_cache(), job.keywords, negatives.TRAINING_SECONDS, seed=negatives.TRAINING_SEED
        )
        train_set = kws_train.with_negative_speech(
            train_set, list(speech), train_params.negative_speech_share, rng, clip_samples=params.clip_samples
        )
    clock = EpochClock(train_params.epochs)

    def on_epoch(record: dict) -> bool:
        eta = clock.epoch_ended(record["epoch"])
        job.history.append(record)
        TrainingJob.objects.filter(id=job.id).update(epoch=record["epoch"], history=job.history, eta_s=eta)
        return not TrainingJob.objects.filter(id=job.id, cancel_requested=True).exists()

    result = kws_train.train(train_set, validation_set, noises, train_params, feature_params=params, on_epoch=on_epoch)
    if TrainingJob.objects.filter(id=job.id, cancel_requested=True).exists():
        TrainingJob.objects.filter(id=job.id).update(state=TrainingJob.State.CANCELLED, finished_at=timezone.now())
        return TrainingJob.objects.get(id=job.id)
    test_groups = [groups["testing"][i] if i >= 0 else {} for i in test_set.source]
    return _quantize_and_evaluate(
        job=job,
        result=result,
        train_set=train_set,
        test_set=test_set,
        test_groups=test_groups,
        test_speakers=speakers["testing"],
        noises=noises,
    )


def _negatives_cache() -> Path:
    return Path(settings.VAR_DIR) / "cache" / "negatives"


def _device_evaluation(job, result, test_set, noises, int8_bytes) -> device_eval.DeviceEvaluation:
    """The int8 model over hours of negatives and held-out keywords in streams, the recognizer swept, and the
    operating point chosen under the job's target."""
    keyword_rows = np.flatnonzero(test_set.y >= 2)
    seconds = settings.CHORUS_EVAL_NEGATIVE_SECONDS
    pieces = negatives.synthetic_negatives(_negatives_cache(), job.keywords, seconds)
    noise_pieces = [n for n in noises if len(n) >= job.features.clip_samples]
    return device_eval.evaluate(
        predict=device_eval.int8_predictor(int8_bytes, result.normalization),
        labels=result.labels,
        keyword_clips=test_set.audio[keyword_rows],
        keyword_labels=[result.labels[i] for i in test_set.y[keyword_rows]],
        negatives=itertools.chain(pieces, noise_pieces),
        keyword_beds=noise_pieces or noise_beds(np.random.default_rng(job.seed), seconds=60),
        params=job.features,
        rng=np.random.default_rng(job.seed),
        target_fa_per_hour=job.target_fa_per_hour,
    )


def _quantize_and_evaluate(
    *,
    job: TrainingJob,
    result: kws_train.TrainResult,
    train_set: kws_train.Examples,
    test_set: kws_train.Examples,
    test_groups: list[dict],
    test_speakers: int,
    noises: list[np.ndarray],
) -> TrainingJob:
    params = job.features
    normalize = lambda audio: kws_train.featurize_normalized(audio, result.normalization, params)  # noqa: E731
    representative = normalize(
        train_set.audio[np.random.default_rng(job.seed).permutation(len(train_set.y))[:REPRESENTATIVE_EXAMPLES]]
    )
    float_bytes = quantize.convert_float(result.model)
    int8_bytes = quantize.convert_int8(result.model, representative)
    arena = quantize.tflm_smallest_arena(int8_bytes, params.shape)
    q_in, _ = quantize.io_quantization(int8_bytes)
    x_test = normalize(test_set.audio)
    float_top = result.model.predict(x_test, verbose=0).argmax(axis=1) if len(x_test) else np.zeros(0, int)
    x_q = q_in.quantize(x_test)
    int8_top = quantize.tflite_run(int8_bytes, x_q).argmax(axis=1) if len(x_q) else np.zeros(0, int)
    tflm_top = quantize.tflm_run(int8_bytes, x_q, arena).argmax(axis=1) if len(x_q) else np.zeros(0, int)
    accuracy = lambda top: float((top == test_set.y).mean()) if len(top) else None  # noqa: E731
    # The same test clips at the levels a device hears them (cleaned clips are peak-normalized).
    leveled = augment.capture_level(test_set.audio, np.random.default_rng([job.seed, 1]), augment.DEVICE_LEVELS)
    x_leveled = q_in.quantize(normalize(leveled))
    leveled_top = quantize.tflite_run(int8_bytes, x_leveled).argmax(axis=1) if len(x_leveled) else np.zeros(0, int)
    metrics = {
        "test_examples": int(len(test_set.y)),
        "float_top1": accuracy(float_top),
        "int8_tflite_top1": accuracy(int8_top),
        "int8_tflm_top1": accuracy(tflm_top),
        "tflite_tflm_agreement": float((int8_top == tflm_top).mean()) if len(int8_top) else None,
        "int8_top1_device_levels": accuracy(leveled_top),
        "model_bytes": len(int8_bytes),
        "arena_bytes": arena,
        "input_quantization": q_in.as_dict(),
        **evaluation.per_class(test_set.y, tflm_top, result.labels),
        "groups": evaluation.per_group(test_set.y, tflm_top, test_groups),
    }
    evaluation_started = time.monotonic()
    metrics["device"] = _device_evaluation(job, result, test_set, noises, int8_bytes).as_dict()
    metrics["device"]["seconds"] = round(time.monotonic() - evaluation_started, 1)
    metrics["streaming"] = evaluation.streaming_summary(metrics["device"])
    metrics["quality_gate"] = quality_gate(
        int8_accuracy=metrics["int8_tflm_top1"],
        y_test=test_set.y,
        floor=job.campaign.accuracy_floor,
        test_speakers=test_speakers,
        device=metrics["device"],
    )
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        keras_path = Path(tmp) / "model.keras"
        result.model.save(keras_path)
        for field, filename, data in (
            ("model_keras", "model.keras", keras_path.read_bytes()),
            ("model_float", "model_float.tflite", float_bytes),
            ("model_int8", "model.tflite", int8_bytes),
            ("model_c_array", "model_data.cc", c_array.model_source(int8_bytes).encode()),
        ):
            names[field] = default_storage.save(f"models/job-{job.id}/{filename}", ContentFile(data))
    passed = metrics["quality_gate"]["passed"]
    TrainingJob.objects.filter(id=job.id).update(
        labels=result.labels,
        normalization=result.normalization,
        metrics=metrics,
        arena_bytes=arena,
        ops=quantize.model_ops(int8_bytes),
        eta_s=0,
        **names,
    )
    job = TrainingJob.objects.get(id=job.id)
    # The state flips last, with the model card: a page that sees the job finished finds everything it shows.
    TrainingJob.objects.filter(id=job.id).update(
        state=TrainingJob.State.SUCCEEDED if passed else TrainingJob.State.FAILED_QUALITY,
        finished_at=timezone.now(),
        model_card=model_card(job, synthetic_share=_synthetic_share(job)),
    )
    return TrainingJob.objects.get(id=job.id)
