import math
import struct
import zlib

import numpy as np
import pytest

from kws.metrics import (
    EMPTY_RGB,
    FULL_RGB,
    GRID_RGB,
    PNG_SIGNATURE,
    accuracy,
    accuracy_gap,
    confusion_matrix,
    confusion_matrix_png,
    group_accuracy,
    per_class_precision_recall,
)


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 4)
    assert cm.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    assert confusion_matrix([], [], 3).tolist() == [[0] * 3] * 3
    with pytest.raises(ValueError):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0], 3)


def test_precision_recall_and_accuracy_numbers():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 4)
    precision, recall = per_class_precision_recall(cm)
    assert np.allclose(precision[:3], [1 / 2, 1 / 2, 1.0]) and math.isnan(precision[3])  # class 3 never predicted
    assert np.allclose(recall[:3], [1 / 2, 1.0, 2 / 3]) and math.isnan(recall[3])  # ... nor present
    assert accuracy(cm) == pytest.approx(4 / 6)
    assert math.isnan(accuracy(np.zeros((2, 2), int)))
    precision, recall = per_class_precision_recall(np.array([[0, 5], [0, 5]]))
    assert math.isnan(precision[0]) and precision[1] == 0.5 and recall.tolist() == [0.0, 1.0]


def test_group_accuracy_skips_unstated_groups():
    y_true = [0, 1, 1, 0, 1, 0, 1, 1]
    y_pred = [0, 1, 0, 0, 1, 1, 1, 0]
    groups = ["f", "f", "f", "m", None, "", "prefer_not", "m"]
    result = group_accuracy(y_true, y_pred, groups)
    assert result == {"f": (pytest.approx(2 / 3), 3), "m": (0.5, 2)}
    with pytest.raises(ValueError):
        group_accuracy([0], [0, 1], ["a"])


def test_accuracy_gap_over_groups_with_enough_examples():
    acc = {"18-29": (0.95, 400), "30-49": (0.90, 350), "65+": (0.70, 12), "50-64": (0.85, 200)}
    assert accuracy_gap(acc) == ("18-29", "65+", pytest.approx(0.25))
    assert accuracy_gap(acc, min_examples=12) == ("18-29", "65+", pytest.approx(0.25))  # the bound is inclusive
    assert accuracy_gap(acc, min_examples=100) == ("18-29", "50-64", pytest.approx(0.10))
    assert accuracy_gap({"a": (0.8, 5)}) == ("a", "a", 0.0)
    assert accuracy_gap({"b": (0.8, 5), "a": (0.8, 5)}) == ("a", "a", 0.0)  # ties go to the name that sorts first
    best, worst, gap = accuracy_gap(acc, min_examples=1_000)
    assert best is None and worst is None and math.isnan(gap)


def decode_png(data: bytes) -> tuple[np.ndarray, dict[str, str]]:
    """A strict reader for what the encoder writes: checks every CRC, 8-bit RGB, filter 0."""
    assert data[:8] == PNG_SIGNATURE
    at, idat, text, kinds = 8, b"", {}, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        kinds.append(kind)
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 2, 0)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"iTXt":
            keyword, rest = body.split(b"\x00", 1)
            assert rest[:2] == b"\x00\x00"  # not compressed
            _, _, value = rest[2:].split(b"\x00", 2)
            text[keyword.decode("latin-1")] = value.decode("utf-8")
        at += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * 3)
    assert not raw[:, 0].any()
    return raw[:, 1:].reshape(height, width, 3), text


def test_png_decodes_to_one_block_per_cell_shaded_by_row_share():
    cm = np.array([[10, 0, 0], [0, 5, 5], [0, 0, 0]])
    labels = ["_silence_", "yes", "øl"]
    image, text = decode_png(confusion_matrix_png(cm, labels, cell_pixels=10))
    assert image.shape == (30, 30, 3)
    assert text["Labels"].split("\n") == labels
    assert "rows are the true class" in text["Comment"]
    centre = lambda r, c: image[r * 10 + 4, c * 10 + 4].tolist()  # noqa: E731
    assert centre(0, 0) == list(FULL_RGB) and centre(0, 1) == list(EMPTY_RGB)
    half = [round((e + f) / 2) for e, f in zip(EMPTY_RGB, FULL_RGB)]
    assert centre(1, 1) == centre(1, 2) == half
    assert centre(2, 2) == list(EMPTY_RGB)  # a class with no examples stays blank
    assert image[9, 0].tolist() == image[0, 29].tolist() == list(GRID_RGB)
    block = image[10:19, 10:19].reshape(-1, 3)
    assert (block == block[0]).all()


def test_png_default_size_and_rejects_bad_input():
    data = confusion_matrix_png(np.eye(12, dtype=int))
    image, text = decode_png(data)
    assert image.shape == (12 * 16, 12 * 16, 3) and "Labels" not in text
    with pytest.raises(ValueError):
        confusion_matrix_png(np.eye(3), ["a", "b"])
    with pytest.raises(ValueError):
        confusion_matrix_png(np.ones((2, 3)))
