"""What a trained model scores on held-out data: per-class and per-group results, streaming false accepts / rejects."""

from __future__ import annotations

import math

import numpy as np

from kws import features, metrics, quantize, streaming
from kws import train as kws_train

STREAM_KEYWORDS = 30  # keyword clips from the test split laid into one stream
NOISE_SECONDS = 120.0  # of background noise scored for false accepts
GROUP_MIN_EXAMPLES = 5  # groups smaller than this are reported but left out of the gap


def rounded(value: float | None) -> float | None:
    """A figure as it is stored and published: 4 decimals, None for a missing or NaN value."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 4)


def per_class(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    cm = metrics.confusion_matrix(y_true, y_pred, len(labels))
    precision, recall = metrics.per_class_precision_recall(cm)
    return {
        "confusion_matrix": cm.tolist(),
        "per_class": [
            {"label": label, "precision": rounded(p), "recall": rounded(r), "support": int(cm[i].sum())}
            for i, (label, p, r) in enumerate(zip(labels, precision, recall))
        ],
    }


def per_group(y_true: np.ndarray, y_pred: np.ndarray, groups: list[dict]) -> dict:
    """Accuracy by accent, gender and age bracket where speakers said, and the gap between best and worst group."""
    out = {}
    for field in ("accent", "gender", "age_bracket"):
        accuracy = metrics.group_accuracy(y_true, y_pred, [g.get(field) for g in groups])
        best, worst, gap = metrics.accuracy_gap(accuracy, min_examples=GROUP_MIN_EXAMPLES)
        out[field] = {
            "groups": {str(group): {"accuracy": rounded(acc), "examples": n} for group, (acc, n) in accuracy.items()},
            "best": best,
            "worst": worst,
            "gap": rounded(gap),
        }
    return out


def streaming_metrics(
    *,
    test_set: kws_train.Examples,
    noises: list[np.ndarray],
    int8_bytes: bytes,
    normalization: dict,
    params: features.FeatureParams,
    seed: int,
) -> dict:
    """False accepts per hour on noise and false rejects on keywords mixed into noise, with the firmware's smoothing."""
    rng = np.random.default_rng(seed)
    q_in, q_out = quantize.io_quantization(int8_bytes)

    def predict(windows: np.ndarray) -> np.ndarray:
        x = q_in.quantize(kws_train.featurize_normalized(windows, normalization, params))
        return q_out.dequantize(quantize.tflite_run(int8_bytes, x))

    labels = test_set.labels
    keyword_rows = np.flatnonzero(test_set.y >= 2)[:STREAM_KEYWORDS]
    noise = noises[0] if noises else rng.normal(0, 0.05, 16_000 * 10).astype(np.float32)
    keyword_streams = (
        [
            streaming.keyword_stream(
                test_set.audio[keyword_rows], [labels[i] for i in test_set.y[keyword_rows]], noise, rng
            )
        ]
        if len(keyword_rows)
        else []
    )
    noise_streams = [streaming.noise_stream(noise, NOISE_SECONDS, rng)]
    result = streaming.evaluate(keyword_streams, noise_streams, predict, labels)
    return {key: rounded(value) if isinstance(value, float) else value for key, value in result.as_dict().items()}
