"""Trying a published model on one take: the take decoded as uploads are, then scored by the same code that
evaluated the job, at the job's own operating point.

- A commands model: the log-mel features of the whole take (`kws.features`), the int8 model on a 1 s window every
  `stride_ms` in TensorFlow Lite (`kws.device_eval.window_scores`), the recognizer on top
  (`kws.recognizer.Recognizer`, with the job's chosen settings).
- A wake-word model: the TFLite Micro frontend (`kws.micro_frontend`), the streaming int8 model every 30 ms in the
  TFLM interpreter (`kws.micro_wake_word`), ESPHome's detector (`kws.wake_word_eval.wakes`) at the job's chosen
  cutoff and window.

Nothing is stored: the take is read from memory and dropped with the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.errors import ApplicationError, NotFound
from kws import audio as kws_audio
from kws import device_eval, recognizer, streaming, wake_word_eval
from kws.micro_frontend import micro_features
from kws.micro_wake_word import streaming_probabilities
from training import publishing
from training.models import TrainingJob

TRY_MAX_SECONDS = 10.0  # longer takes are refused: scoring costs about 1 s of CPU per 10 s of audio
TRY_MIN_SECONDS = kws_audio.MIN_DURATION_S


@dataclass(frozen=True)
class Heard:
    label: str
    time_ms: int  # when the detector confirmed it, from the take's start
    score: float  # the averaged probability that crossed the threshold


@dataclass(frozen=True)
class TakeScore:
    kind: str  # "commands" or "wake_word"
    duration_s: float
    detections: list[Heard]
    times_ms: list[int]  # one per model inference
    series: dict[str, list[float]]  # label -> its probability at each inference (commands: keywords only)
    threshold: float  # the operating point's threshold (commands) or probability cutoff (wake word)
    settings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "duration_s": round(self.duration_s, 3),
            "detections": [
                {"label": d.label, "time_ms": d.time_ms, "score": round(d.score, 4)} for d in self.detections
            ],
            "times_ms": self.times_ms,
            "series": {label: [round(v, 4) for v in values] for label, values in self.series.items()},
            "threshold": self.threshold,
            "settings": self.settings,
        }


def published_model_get(*, model_id: int) -> TrainingJob:
    job = publishing.published_models().filter(id=model_id).first()
    if job is None or not job.model_int8:
        raise NotFound(f"no published model {model_id}")
    return job


def take_decode(*, audio: bytes, max_bytes: int) -> np.ndarray:
    """The take as 16 kHz mono float32, validated as an upload is, up to TRY_MAX_SECONDS long."""
    try:
        decoded = kws_audio.decode_upload(
            audio, max_bytes=max_bytes, min_duration_s=TRY_MIN_SECONDS, max_duration_s=TRY_MAX_SECONDS
        )
    except kws_audio.AudioRejected as exc:
        raise ApplicationError(str(exc), code=exc.code) from None
    return decoded.samples


def _model_bytes(job: TrainingJob) -> bytes:
    with job.model_int8.open("rb") as f:
        return f.read()


def take_score(*, job: TrainingJob, samples: np.ndarray) -> TakeScore:
    """What the published model hears in the take, at the job's operating point."""
    if job.is_wake_word:
        return _wake_word_score(job, samples)
    return _commands_score(job, samples)


def _commands_score(job: TrainingJob, samples: np.ndarray) -> TakeScore:
    params = job.features
    stride_ms = int(job.metrics.get("device", {}).get("stride_ms", streaming.STRIDE_MS))
    duration_s = len(samples) / params.sample_rate
    if len(samples) < params.clip_samples:  # a take shorter than the model's window: silence after it
        samples = np.concatenate([samples, np.zeros(params.clip_samples - len(samples), np.float32)])
    predict = device_eval.int8_predictor(_model_bytes(job), job.normalization)
    scores, times = device_eval.window_scores(samples, predict, params, stride_ms)
    settings = job.recognizer_params
    listener = recognizer.Recognizer(job.labels, settings)
    found = [listener.process(frame, int(t)) for frame, t in zip(scores, times)]
    detections = [Heard(d.label, d.time_ms, d.score) for d in found if d is not None]
    series = {
        label: scores[:, i].astype(float).tolist()
        for i, label in enumerate(job.labels)
        if label not in recognizer.NOT_COMMANDS
    }
    return TakeScore(
        kind="commands",
        duration_s=duration_s,
        detections=detections,
        times_ms=[int(t) for t in times],
        series=series,
        threshold=settings.detection_threshold,
        settings={**settings.as_dict(), "stride_ms": stride_ms},
    )


def _wake_word_score(job: TrainingJob, samples: np.ndarray) -> TakeScore:
    chosen = job.metrics["wake_word"]["chosen"]
    cutoff, window = float(chosen["probability_cutoff"]), int(chosen["sliding_window_size"])
    probabilities = streaming_probabilities(_model_bytes(job), micro_features(samples))
    steps = wake_word_eval.wakes(probabilities, cutoff, window)
    params = job.features
    frames_per_step = round(wake_word_eval.STEP_S * 1000) // params.step_ms

    def heard_until_ms(step: int) -> int:  # the end of the audio behind the step's last feature frame
        return ((step + 1) * frames_per_step - 1) * params.step_ms + params.window_ms

    means = np.convolve(np.asarray(probabilities, np.float64), np.ones(window) / window, mode="valid")
    phrase = job.keywords[0]
    detections = [Heard(phrase, heard_until_ms(int(s)), float(means[int(s) - window + 1])) for s in steps]
    return TakeScore(
        kind="wake_word",
        duration_s=len(samples) / kws_audio.TARGET_SAMPLE_RATE,
        detections=detections,
        times_ms=[heard_until_ms(i) for i in range(len(probabilities))],
        series={phrase: probabilities.astype(float).tolist()},
        threshold=cutoff,
        settings={"probability_cutoff": cutoff, "sliding_window_size": window},
    )
