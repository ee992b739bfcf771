"""A trained job as one model package: the zip a firmware engineer needs to put the model on a microcontroller.

Everything in it is generated from the job's stored artifacts and parameters; nothing is written twice by hand.
The zip is deterministic (fixed entry order, timestamps and permissions), so two exports of a job are the
same bytes.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import zipfile
from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from collector.errors import Conflict
from kws import c_array, features, firmware, quantize
from kws import train as kws_train
from kws.recognizer import DEFAULT_RECOGNIZER, UNKNOWN_LABEL, RecognizerParams
from training import jobs
from training.models import PreparedClip, TrainingJob

GOLDEN_CLIPS = 5  # test-split clips whose features and expected int8 outputs ship as golden vectors
GOLDEN_FORMAT_VERSION = 1
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no export time leaks into the bytes
ZIP_FILE_MODE = 0o100644
FIRMWARE_DIR = "firmware"
STAGES = ("models", "golden vectors", "firmware sketch", "zip")  # what on_progress counts

ProgressCallback = Callable[[int, int], None]


def model_package_filename(job: TrainingJob) -> str:
    return f"chorus-{job.campaign.slug}-job-{job.id}-model.zip"


def write_model_package(job: TrainingJob, fileobj: BinaryIO, *, on_progress: ProgressCallback | None = None) -> list[str]:
    """Write the job's model package to a binary file object and return its entry names, in zip order.

    `on_progress(done, total)` is called after each of the STAGES. Refuses (Conflict) a job that has not succeeded.
    """
    if job.state != TrainingJob.State.SUCCEEDED:
        raise Conflict(f"training job {job.id} is {job.state}: only a succeeded job has a model to export", code="job_not_succeeded")
    report = on_progress or (lambda done, total: None)
    entries = _entries(job, report)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ZIP_FILE_MODE << 16
            archive.writestr(info, data, compresslevel=9)
    report(len(STAGES), len(STAGES))
    return list(entries)


def _entries(job: TrainingJob, report: ProgressCallback) -> dict[str, bytes]:
    """Every entry of the package, in the order it is written."""
    params = features.FeatureParams(**job.feature_params)
    recognizer = DEFAULT_RECOGNIZER
    int8_bytes, float_bytes = _stored(job, "model_int8"), _stored(job, "model_float")
    q_in, q_out = quantize.io_quantization(int8_bytes)
    warning = withdrawn_warning(job)
    report(1, len(STAGES))
    golden = golden_vectors(job, int8_bytes, params, q_in, q_out)
    report(2, len(STAGES))
    sketch = firmware.render_sketch(model_int8=int8_bytes, labels=job.labels, feature_params=params, normalization=job.normalization,
                                    recognizer_params=recognizer, arena_bytes=job.arena_bytes)
    report(3, len(STAGES))
    entries = {
        "README.md": readme(job, warning=warning).encode(),
        "model.tflite": int8_bytes,
        "model_float.tflite": float_bytes,
        "model_data.cc": c_array.model_source(int8_bytes).encode(),
        "model_data.h": c_array.model_header().encode(),
        "labels.txt": "".join(f"{label}\n" for label in job.labels).encode(),
        "features.json": _json(features.features_json(params, normalization=job.normalization, input_quantization=q_in.as_dict())),
        "model_settings.h": sketch[f"{firmware.SKETCH_NAME}/model_settings.h"],  # the sketch's own, so the two never differ
        "recognizer.json": _json(recognizer_json(job, recognizer)),
        "metrics.json": _json(metrics_json(job)),
        "model_card.md": (warning + job.model_card).encode(),
        "golden_vectors.json": _json(golden),
    }
    entries.update({f"{FIRMWARE_DIR}/{path}": data for path, data in sorted(sketch.items())})
    return entries


def _stored(job: TrainingJob, field: str) -> bytes:
    file = getattr(job, field)
    if not file:
        raise Conflict(f"training job {job.id} has no stored {field}", code="missing_artifact")
    with file.open("rb") as f:
        return f.read()


def withdrawn_warning(job: TrainingJob) -> str:
    """The paragraph that heads the README and the model card of a model trained on since-withdrawn clips ('' if none)."""
    if not job.trained_on_withdrawn_data:
        return ""
    return (f"> **WARNING: this model was trained on withdrawn data.** {job.withdrawn_clips} of the {len(job.clip_ids)} clips it "
            "learned from have since been withdrawn by the people who recorded them. Do not ship or share this model; "
            "train a new one without them.\n\n")


def recognizer_json(job: TrainingJob, recognizer: RecognizerParams) -> dict:
    return {
        "labels": job.labels,
        **recognizer.as_dict(),
        "notes": "kws.recognizer.Recognizer: average the output probabilities over average_window_ms, report the top label "
                 "once its average >= detection_threshold over at least minimum_count results, then stay quiet for "
                 "suppression_ms; _silence_ and _unknown_ are never reported.",
    }


def metrics_json(job: TrainingJob) -> dict:
    return {
        **job.metrics,
        "job_id": job.id,
        "campaign": job.campaign.slug,
        "architecture": job.architecture,
        "labels": job.labels,
        "feature_params_hash": job.feature_params_hash,
        "code_version": job.code_version,
        "arena_bytes": job.arena_bytes,
        "ops": job.ops,
        "trained_on_withdrawn_data": job.trained_on_withdrawn_data,
        "withdrawn_clips": job.withdrawn_clips,
    }


def golden_clips(job: TrainingJob, *, count: int = GOLDEN_CLIPS) -> list[tuple[str, str]]:
    """(cleaned audio name, expected label) of up to `count` test-split clips: one per class first, in output
    order, then the next clips by id. Deterministic for a job."""
    rows = (PreparedClip.objects.filter(clip_id__in=job.clip_ids, split=PreparedClip.Split.TESTING)
            .order_by("clip_id").values_list("cleaned_audio", "clip__keyword__text"))
    labelled = [(name, word if word in job.keywords else UNKNOWN_LABEL) for name, word in rows.iterator(chunk_size=1000)]
    first_of_label = {}
    for i, (_, label) in enumerate(labelled):
        first_of_label.setdefault(label, i)
    chosen = [first_of_label[label] for label in job.labels if label in first_of_label][:count]
    chosen += [i for i in range(len(labelled)) if i not in chosen][: count - len(chosen)]
    return [labelled[i] for i in chosen]


def golden_vectors(job: TrainingJob, int8_bytes: bytes, params: features.FeatureParams, q_in: quantize.Quantization,
                   q_out: quantize.Quantization) -> dict:
    """A few test clips through the whole int8 path: their features, the int8 input and the int8 output of the
    TFLM interpreter. No audio, clip id or contributor goes in."""
    clips = golden_clips(job)
    audio = np.array([features.fit_length(jobs.clip_audio_load(name), params) for name, _ in clips], dtype=np.float32).reshape(-1, params.clip_samples)
    log_mel = features.featurize_batch(audio, params) if len(audio) else np.zeros((0, *params.shape), np.float32)
    x_q = q_in.quantize(kws_train.featurize_normalized(audio, job.normalization, params))
    outputs = quantize.tflm_run(int8_bytes, x_q, job.arena_bytes) if len(x_q) else np.zeros((0, len(job.labels)), np.int8)
    return {
        "format_version": GOLDEN_FORMAT_VERSION,
        "model_sha256": hashlib.sha256(int8_bytes).hexdigest(),
        "interpreter": f"tflite_micro {importlib.metadata.version('tflite_micro')}",
        "arena_bytes": job.arena_bytes,
        "labels": job.labels,
        "input_shape": [1, params.frames, params.channels],
        "normalization": job.normalization,
        "input_quantization": q_in.as_dict(),
        "output_quantization": q_out.as_dict(),
        "vectors": [
            {
                "label": label,
                "predicted": job.labels[int(np.argmax(output))],
                "features": feats.astype(np.float64).tolist(),
                "input_int8": x.tolist(),
                "output_int8": output.tolist(),
            }
            for (_, label), feats, x, output in zip(clips, log_mel, x_q, outputs)
        ],
    }


def readme(job: TrainingJob, *, warning: str = "") -> str:
    params = features.FeatureParams(**job.feature_params)
    lines = [
        *([warning] if warning else []),
        f"# Chorus model package: training job {job.id}",
        "",
        f"A {job.architecture} keyword spotter for {', '.join(job.keywords)} (campaign {job.campaign.slug}), trained by Chorus "
        f"(code version {job.code_version}). Every file here is generated; regenerate instead of editing.",
        "",
        "| File | What it is |",
        "|---|---|",
        "| `model.tflite` | The full-integer (int8 input and output) TFLite model: what runs on the device. |",
        "| `model_float.tflite` | The float32 model before quantization, for comparison. |",
        "| `model_data.cc`, `model_data.h` | `model.tflite` as a C array, `alignas(16) const unsigned char g_model[]`, and `g_model_len`. |",
        "| `labels.txt` | The classes, one per line, in the order of the output tensor. |",
        f"| `features.json` | How to compute the {params.frames} x {params.channels} input features from 1 s of 16 kHz audio with numpy "
        "and librosa, the normalization and the input quantization. |",
        "| `model_settings.h` | Every number the firmware needs (features, normalization, quantization, labels, recognizer, "
        "arena, ops) as C macros; the sketch holds the same file. |",
        "| `recognizer.json` | How the firmware smooths the outputs over time before it reports a command. |",
        f"| `metrics.json` | Test-split results, TFLM tensor arena ({job.arena_bytes} bytes), ops to register, lineage. |",
        "| `model_card.md` | What the model is for, how it was trained and how it does, per class and per speaker group. |",
        f"| `golden_vectors.json` | Up to {GOLDEN_CLIPS} test clips (no audio, no speaker): log-mel features, int8 input and the int8 output TFLM gives. |",
        f"| `{FIRMWARE_DIR}/{firmware.SKETCH_NAME}/` | The Arduino sketch rendered for this model (open `{firmware.SKETCH_NAME}.ino`); "
        "its README says how to build and flash it. |",
        "",
        "## The input",
        "",
        "features (frames x channels, see `features.json`) -> `(features - mean) / std` (`normalization`) -> "
        "`clip(round_half_even(x / scale) + zero_point, -128, 127)` as int8 (`input_quantization`) -> the model's input tensor "
        f"of shape [1, {params.frames}, {params.channels}]. The output is int8 per class; "
        "`(q - zero_point) * scale` gives the probability.",
        "",
        "## Checking the golden vectors",
        "",
        "Each vector's `input_int8` is its `features` normalized and quantized as above; feeding `input_int8` to the model "
        "in the TensorFlow Lite for Microcontrollers interpreter must give `output_int8` exactly. In Python:",
        "",
        "```python",
        "import json, numpy as np",
        "from tflite_micro.python.tflite_micro import runtime",
        "",
        'golden = json.load(open("golden_vectors.json"))',
        'interpreter = runtime.Interpreter.from_bytes(open("model.tflite", "rb").read(), arena_size=golden["arena_bytes"])',
        'for v in golden["vectors"]:',
        '    interpreter.set_input(np.array(v["input_int8"], dtype=np.int8)[None], 0)',
        "    interpreter.invoke()",
        '    assert interpreter.get_output(0)[0].tolist() == v["output_int8"]',
        "```",
        "",
        "On a device, compile the vectors' `input_int8` into a test build, run each through the interpreter "
        "with `g_model` and compare the output tensor with `output_int8`. TFLite's own interpreter may differ by one step.",
        "",
    ]
    return "\n".join(lines)


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]")


def _json(doc: dict) -> bytes:
    """Indented JSON with each list of numbers on one line (a matrix reads as one row per line)."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(part.strip() for part in m.group(1).split(",")) + "]", text)
    return (text + "\n").encode()
