"""Inter-rater agreement statistics. Pure: numbers in, numbers out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items (None when undefined)."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    if not a:
        return None
    labels = sorted(set(a) | set(b))
    index = {label: i for i, label in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)))
    for x, y in zip(a, b):
        table[index[x], index[y]] += 1
    n = table.sum()
    observed = np.trace(table) / n
    expected = float((table.sum(axis=0) * table.sum(axis=1)).sum() / n**2)
    if expected == 1.0:
        return None  # both raters gave one and the same label throughout: agreement is not measurable
    return float((observed - expected) / (1 - expected))


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss' kappa for items x categories rating counts; items may have different numbers of raters.

    Items with fewer than two ratings carry no agreement information and are left out.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2:
        raise ValueError("counts must be items x categories")
    raters = counts.sum(axis=1)
    counts, raters = counts[raters >= 2], raters[raters >= 2]
    if len(counts) == 0:
        return None
    per_item = ((counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    observed = per_item.mean()
    proportions = counts.sum(axis=0) / raters.sum()
    expected = float((proportions**2).sum())
    if expected == 1.0:
        return None
    return float((observed - expected) / (1 - expected))
