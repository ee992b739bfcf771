"""What a finished job reports: per-class and per-group results, streaming metrics, and the model card."""
from __future__ import annotations

import math

import numpy as np

from kws import features, metrics, quantize, streaming
from kws import train as kws_train

STREAM_KEYWORDS = 30  # keyword clips from the test split laid into one stream
NOISE_SECONDS = 120.0  # of background noise scored for false accepts
GROUP_MIN_EXAMPLES = 5  # groups smaller than this are reported but left out of the gap


def _clean(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 4)


def per_class(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    cm = metrics.confusion_matrix(y_true, y_pred, len(labels))
    precision, recall = metrics.per_class_precision_recall(cm)
    return {
        "confusion_matrix": cm.tolist(),
        "per_class": [{"label": label, "precision": _clean(p), "recall": _clean(r), "support": int(cm[i].sum())}
                      for i, (label, p, r) in enumerate(zip(labels, precision, recall))],
    }


def per_group(y_true: np.ndarray, y_pred: np.ndarray, groups: list[dict]) -> dict:
    """Accuracy by accent, gender and age bracket where speakers said, and the gap between best and worst group."""
    out = {}
    for field in ("accent", "gender", "age_bracket"):
        accuracy = metrics.group_accuracy(y_true, y_pred, [g.get(field) for g in groups])
        best, worst, gap = metrics.accuracy_gap(accuracy, min_examples=GROUP_MIN_EXAMPLES)
        out[field] = {
            "groups": {str(group): {"accuracy": _clean(acc), "examples": n} for group, (acc, n) in accuracy.items()},
            "best": best, "worst": worst, "gap": _clean(gap),
        }
    return out


def streaming_metrics(job, test_set: kws_train.Examples, noises: list[np.ndarray], int8_bytes: bytes, normalization: dict,
              params: features.FeatureParams) -> dict:
    """False accepts per hour on noise and false rejects on keywords inserted into noise, with the firmware's smoothing."""
    rng = np.random.default_rng(job.seed)
    q_in, q_out = quantize.io_quantization(int8_bytes)

    def predict(windows: np.ndarray) -> np.ndarray:
        x = q_in.quantize(kws_train.featurize_normalized(windows, normalization, params))
        return q_out.dequantize(quantize.tflite_run(int8_bytes, x))

    labels = test_set.labels
    keyword_rows = np.flatnonzero(test_set.y >= 2)[:STREAM_KEYWORDS]
    noise = noises[0] if noises else rng.normal(0, 0.05, 16_000 * 10).astype(np.float32)
    keyword_streams = [streaming.keyword_stream(test_set.audio[keyword_rows], [labels[i] for i in test_set.y[keyword_rows]], noise, rng)] if len(keyword_rows) else []
    noise_streams = [streaming.noise_stream(noise, NOISE_SECONDS, rng)]
    result = streaming.evaluate(keyword_streams, noise_streams, predict, labels)
    return {key: _clean(value) if isinstance(value, float) else value for key, value in result.as_dict().items()}


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def model_card(job) -> str:
    """A markdown model card: lineage, metrics, per-group results, known limits."""
    m = job.metrics
    lines = [
        f"# Model card: training job {job.id}",
        "",
        "## Model",
        f"- Architecture: {job.architecture}; classes (output order): {', '.join(job.labels)}",
        f"- int8 TFLite: {m.get('model_bytes')} bytes; TFLM tensor arena: {job.arena_bytes} bytes; ops: {', '.join(job.ops)}",
        f"- Input: {features.FeatureParams(**job.feature_params).frames} x {job.feature_params.get('n_mfcc') or job.feature_params.get('n_mels')} "
        f"log-mel features (FeatureParams {job.feature_params_hash}), normalized ({job.normalization.get('mean', 0):.3f}, "
        f"{job.normalization.get('std', 1):.3f}), quantized with scale {m.get('input_quantization', {}).get('scale')} and zero point "
        f"{m.get('input_quantization', {}).get('zero_point')}",
        "",
        "## Data lineage",
        f"- Campaign: {job.campaign.name} ({job.campaign.slug}), licence {job.campaign.licence}",
        f"- {len(job.clip_ids)} clips frozen at launch; release: {job.release_name or 'none'}; code version {job.code_version}",
        "- Splits by hashed speaker id (10% validation, 10% test): test speakers never appear in training.",
        "",
        "## Results on the test split",
        f"- Top-1: float {_fmt(m.get('float_top1'))}, int8 TFLite {_fmt(m.get('int8_tflite_top1'))}, int8 TFLM {_fmt(m.get('int8_tflm_top1'))} "
        f"({m.get('test_examples')} examples); TFLite/TFLM agreement {_fmt(m.get('tflite_tflm_agreement'))}",
        f"- Streaming (recognizer smoothing): {_fmt(m.get('streaming', {}).get('false_accepts_per_hour'))} false accepts per hour of noise, "
        f"false-reject rate {_fmt(m.get('streaming', {}).get('false_reject_rate'))}",
        "",
        "| Class | Precision | Recall | Support |",
        "|---|---|---|---|",
        *[f"| {c['label']} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {c['support']} |" for c in m.get("per_class", [])],
        "",
        "## Per-group accuracy",
    ]
    for field, result in m.get("groups", {}).items():
        groups = ", ".join(f"{g} {_fmt(v['accuracy'])} (n={v['examples']})" for g, v in result["groups"].items()) or "no speaker stated it"
        lines.append(f"- {field}: {groups}; gap best-worst {_fmt(result['gap'])}")
    lines += [
        "",
        "## Known limits",
        "- Groups with fewer than 5 test examples are not compared; speakers who preferred not to say are not in any group.",
        "- Accuracy is measured on clips reviewers accepted, cut to their loudest second; real streams are noisier.",
        "- The test split is small for small campaigns: treat differences of a few points as noise.",
    ]
    return "\n".join(lines) + "\n"
