"""What a trained model scores on held-out data: per-class and per-group results, streaming false accepts / rejects."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from kws import anonymity, metrics

GROUP_MIN_EXAMPLES = 5  # groups smaller than this are reported but left out of the gap
GROUP_FIELDS = ("accent", "gender", "age_bracket")


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
    """Accuracy by accent, gender and age bracket where speakers said, and the gap between best and worst group.

    Each entry of `groups` is one example's {"speaker": id, field: value}. A group is published only under the
    rule of five, as releases publish demographics (kws.anonymity): a value fewer than K test speakers share is
    withheld, its examples counted in no group."""
    out = {}
    for field in GROUP_FIELDS:
        speakers: dict = {}
        for g in groups:
            value = g.get(field)
            if g.get("speaker") is not None and value not in metrics.IGNORED_GROUPS:
                speakers[g["speaker"]] = {field: str(value)}
        shown = {s: v[field] for s, v in anonymity.publishable(speakers, [field]).items() if v[field]}
        published = [shown.get(g.get("speaker")) if g.get("speaker") is not None else None for g in groups]
        accuracy = metrics.group_accuracy(y_true, y_pred, published)
        speakers_in = Counter(shown.values())
        best, worst, gap = metrics.accuracy_gap(accuracy, min_examples=GROUP_MIN_EXAMPLES)
        out[field] = {
            "groups": {
                str(group): {
                    "accuracy": rounded(acc),
                    "examples": n,
                    "speakers": speakers_in[group],
                }
                for group, (acc, n) in accuracy.items()
            },
            "best": best,
            "worst": worst,
            "gap": rounded(gap),
        }
    return out


def streaming_summary(device: dict) -> dict:
    """The device evaluation's chosen operating point in the four figures job pages and model cards show."""
    chosen = device["chosen"]
    return {
        "false_accepts_per_hour": chosen["fa_per_hour"],
        "false_reject_rate": chosen["frr"],
        "keywords": chosen["utterances"],
        "noise_seconds": round(device["negative_hours"] * 3600, 1),
    }
