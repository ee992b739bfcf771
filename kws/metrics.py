"""Evaluation numbers: confusion matrix and its PNG, per-class precision and recall, accuracy per speaker group.

The PNG is encoded here with zlib and struct (matplotlib is not a dependency): one shaded block per cell.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Hashable, Sequence

import numpy as np

IGNORED_GROUPS = frozenset({None, "", "prefer_not"})  # no answer, or declined: not a group to compare
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CELL_PIXELS = 16  # side of one matrix cell in the image
EMPTY_RGB = (255, 255, 255)  # share 0 of the row
FULL_RGB = (8, 48, 107)  # share 1 of the row (dark blue)
GRID_RGB = (200, 200, 200)  # one-pixel line on the right and bottom edge of every cell


def confusion_matrix(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> np.ndarray:
    """(n_classes, n_classes) int64 counts; rows are the true class, columns the predicted one."""
    t, p = np.asarray(y_true, dtype=np.int64).ravel(), np.asarray(y_pred, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true labels but {len(p)} predictions")
    if len(t) and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= n_classes):
        raise ValueError(f"class indices must lie in [0, {n_classes})")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def per_class_precision_recall(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(precision, recall) per class as float arrays.

    Either is nan where a class was never predicted (precision) or never present (recall).
    """
    cm = np.asarray(cm)
    hits = np.diag(cm).astype(np.float64)
    return _ratio(hits, cm.sum(axis=0)), _ratio(hits, cm.sum(axis=1))


def accuracy(cm: np.ndarray) -> float:
    """Share of examples on the diagonal; nan for an empty matrix."""
    cm = np.asarray(cm)
    total = cm.sum()
    return float(np.trace(cm) / total) if total else float("nan")


def group_accuracy(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, groups: Sequence[Hashable | None]
) -> dict[Hashable, tuple[float, int]]:
    """group -> (accuracy, number of examples), for the groups a speaker stated (see IGNORED_GROUPS)."""
    t, p = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if not len(t) == len(p) == len(groups):
        raise ValueError("y_true, y_pred and groups must have the same length")
    correct: dict[Hashable, list[int]] = {}
    for right, group in zip(t == p, groups):
        if group not in IGNORED_GROUPS:
            tally = correct.setdefault(group, [0, 0])
            tally[0] += int(right)
            tally[1] += 1
    return {group: (hits / n, n) for group, (hits, n) in sorted(correct.items(), key=lambda item: str(item[0]))}


def accuracy_gap(
    group_acc: dict[Hashable, tuple[float, int]], min_examples: int = 1
) -> tuple[Hashable | None, Hashable | None, float]:
    """(best group, worst group, best minus worst accuracy) over groups with at least `min_examples` examples.

    Ties go to the group whose name sorts first; with no group large enough the answer is (None, None, nan).
    """
    eligible = [(acc, str(group), group) for group, (acc, n) in group_acc.items() if n >= min_examples]
    if not eligible:
        return None, None, float("nan")
    best = min(eligible, key=lambda e: (-e[0], e[1]))
    worst = min(eligible, key=lambda e: (e[0], e[1]))
    return best[2], worst[2], float(best[0] - worst[0])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt(keyword: str, text: str) -> bytes:
    """An uncompressed international text chunk: UTF-8, so labels in any script survive."""
    # keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL, text
    return _chunk(b"iTXt", keyword.encode("latin-1") + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8"))


def png_rgb(image: np.ndarray, *, text: dict[str, str] | None = None) -> bytes:
    """(height, width, 3) uint8 -> PNG bytes: 8-bit RGB, no interlace, filter 0 on every row."""
    height, width, _ = image.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), image.astype(np.uint8).reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    chunks += [_itxt(k, v) for k, v in (text or {}).items()]
    chunks += [_chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)), _chunk(b"IEND", b"")]
    return PNG_SIGNATURE + b"".join(chunks)


def confusion_image(cm: np.ndarray, *, cell_pixels: int = CELL_PIXELS) -> np.ndarray:
    """(n * cell_pixels, n * cell_pixels, 3) uint8 heat map; a cell's shade is its share of the true class's row.

    Row shares rather than counts, so a rare class's errors are as visible as a common one's.
    """
    cm = np.asarray(cm, dtype=np.float64)
    share = np.nan_to_num(_ratio(cm, cm.sum(axis=1, keepdims=True)))
    empty, full = np.array(EMPTY_RGB, np.float64), np.array(FULL_RGB, np.float64)
    colours = np.rint(empty + share[..., None] * (full - empty)).astype(np.uint8)
    image = np.repeat(np.repeat(colours, cell_pixels, axis=0), cell_pixels, axis=1)
    if cell_pixels > 2:
        image[cell_pixels - 1 :: cell_pixels, :] = GRID_RGB
        image[:, cell_pixels - 1 :: cell_pixels] = GRID_RGB
    return image


def confusion_matrix_png(
    cm: np.ndarray, labels: Sequence[str] | None = None, *, cell_pixels: int = CELL_PIXELS
) -> bytes:
    """The confusion matrix as a PNG heat map.

    Labels are not drawn (no font); they travel in an iTXt chunk, in row order.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or not cm.shape[0]:
        raise ValueError(f"a confusion matrix is square and non-empty, not {cm.shape}")
    if labels is not None and len(labels) != cm.shape[0]:
        raise ValueError(f"{len(labels)} labels for a {cm.shape[0]}-class matrix")
    text = {
        "Comment": "confusion matrix: rows are the true class, columns the predicted one; shade is the share of the row"
    }
    if labels is not None:
        text["Labels"] = "\n".join(labels)
    return png_rgb(confusion_image(cm, cell_pixels=cell_pixels), text=text)
