"""The C recognizer (firmware/src/chorus_recognizer.c) and kws.recognizer.Recognizer make the same decisions on
the same inference results: crafted edge cases and long random sequences."""
import numpy as np
import pytest

from kws import firmware
from kws.recognizer import Recognizer, RecognizerParams
from tests.firmware.libchorus import Recognizer as DeviceRecognizer

LABELS = ["_silence_", "_unknown_", "yes", "no", "stop"]
OUTPUT_SCALE = 1 / 256  # a softmax's int8 output: the device feeds these dequantized steps


def both(lib, params: RecognizerParams, labels=LABELS):
    """The Python recognizer and the C one, configured alike."""
    return Recognizer(labels, params), DeviceRecognizer(lib, labels, firmware.recognizer_config(labels, params))


def random_results(rng: np.random.Generator, n: int, *, dequantized: bool) -> tuple[np.ndarray, np.ndarray]:
    """Scores with bursts where one label dominates, timestamps 0..150 ms apart (repeats included)."""
    logits = rng.normal(0, 1, (n, len(LABELS)))
    label, left = 0, 0
    for i in range(n):
        if left == 0:
            label, left = int(rng.integers(len(LABELS))), int(rng.integers(1, 15))
        logits[i, label] += rng.uniform(0, 6)
        left -= 1
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if dequantized:
        probabilities = (np.clip(np.round(probabilities / OUTPUT_SCALE) - 128, -128, 127) + 128) * OUTPUT_SCALE
    probabilities = probabilities.astype(np.float32)
    times = np.cumsum(rng.choice([0, 20, 50, 100, 100, 100, 150], n))
    return probabilities, times


def same(got: list, expected: list) -> bool:
    return [d[:2] for d in got] == [d[:2] for d in expected] and np.allclose([d[2] for d in got], [d[2] for d in expected], atol=1e-6)


def run(recognizer, probabilities, times):
    out = []
    for p, t in zip(probabilities, times):
        found = recognizer.process(p, int(t))
        if found is not None:
            out.append((found.time_ms, found.label, found.score))
    return out


PARAMS = [
    RecognizerParams(),
    RecognizerParams(average_window_ms=300, detection_threshold=0.6, suppression_ms=1500, minimum_count=3),
    RecognizerParams(average_window_ms=500, detection_threshold=0.5, suppression_ms=0, minimum_count=1),
    RecognizerParams(average_window_ms=0, detection_threshold=0.4, suppression_ms=200, minimum_count=1),
    RecognizerParams(average_window_ms=1500, detection_threshold=0.8, suppression_ms=3000, minimum_count=8),
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"w{p.average_window_ms}-t{p.detection_threshold}-s{p.suppression_ms}-m{p.minimum_count}")
@pytest.mark.parametrize("dequantized", [True, False], ids=["int8-steps", "any-float"])
def test_random_sequences_give_the_same_detections(lib, params, dequantized):
    rng = np.random.default_rng(params.average_window_ms + params.minimum_count)
    total = 0
    for _ in range(6):
        probabilities, times = random_results(rng, 400, dequantized=dequantized)
        python, device = both(lib, params)
        expected = run(python, probabilities, times)
        assert same(run(device, probabilities, times), expected)
        assert device.dropped == 0
        total += len(expected)
    assert total > 0


def test_thresholds_and_windows_at_their_exact_boundaries(lib):
    params = RecognizerParams(average_window_ms=400, detection_threshold=0.75, suppression_ms=500, minimum_count=2)
    steps = np.array([[0, 0, 0.75, 0.25, 0], [0, 0, 0.75, 0.25, 0], [0, 0, 0.5, 0.5, 0], [0, 0, 1.0, 0, 0]], np.float32)
    for times in ([0, 100, 200, 300], [0, 400, 800, 900], [0, 99, 100, 600], [0, 0, 0, 0], [100, 500, 1000, 1400]):
        sequence = np.concatenate([steps, steps[::-1]])
        stamps = np.concatenate([times, np.array(times) + 1500])
        python, device = both(lib, params)
        assert same(run(device, sequence, stamps), run(python, sequence, stamps))


def test_out_of_order_results_are_refused_by_both(lib):
    for recognizer in both(lib, RecognizerParams()):
        recognizer.process(np.full(len(LABELS), 0.2, np.float32), 1000)
        with pytest.raises(ValueError, match="time order"):
            recognizer.process(np.full(len(LABELS), 0.2, np.float32), 999)


def test_labels_without_silence_or_unknown(lib):
    labels = ["on", "off"]
    params = RecognizerParams(average_window_ms=200, detection_threshold=0.5, suppression_ms=300, minimum_count=2)
    rng = np.random.default_rng(9)
    probabilities = rng.dirichlet([0.3, 0.3], 300).astype(np.float32)
    times = np.arange(300) * 50
    python, device = both(lib, params, labels)
    expected = run(python, probabilities, times)
    assert len(expected) > 10 and same(run(device, probabilities, times), expected)
