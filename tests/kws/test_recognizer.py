import numpy as np
import pytest

from kws.recognizer import (
    Detection,
    Recognizer,
    RecognizerParams,
    detections_over_stream,
    false_accepts_per_hour,
    match_detections,
)

LABELS = ["_silence_", "_unknown_", "yes", "no"]


def stream(duration_ms: int, step_ms: int, words=(), *, level: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One probability vector every step_ms: silence at `level` except while a word's label holds it."""
    times = np.arange(0, duration_ms, step_ms)
    frames = np.zeros((len(times), len(LABELS)))
    frames[:, 0], frames[:, 1] = level, 1 - level
    for start, end, label in words:
        during = (times >= start) & (times < end)
        frames[during] = 0
        frames[during, LABELS.index(label)], frames[during, 0] = level, 1 - level
    return frames, times


def test_a_600_ms_word_is_detected_once_when_the_window_average_crosses_the_threshold():
    # 20 ms hops, 500 ms window: 26 results in the window. 'yes' at 0.9 from 1000 ms; its average is
    # 0.9 * k / 26 after k word frames, first >= 0.7 at k = 21, the frame at 1400 ms.
    frames, times = stream(4_000, 20, [(1_000, 1_600, "yes")], level=0.9)
    params = RecognizerParams(average_window_ms=500)
    assert detections_over_stream(frames, times, LABELS, params) == [(1_400, "yes")]
    recognizer = Recognizer(LABELS, params)
    found = [d for d in (recognizer.process(f, int(t)) for f, t in zip(frames, times)) if d]
    assert found == [Detection(time_ms=1_400, label="yes", score=pytest.approx(0.9 * 21 / 26))]


def test_default_params_need_eight_of_eleven_results():
    # 100 ms hops, 1000 ms window with its boundary: 11 results; 8/11 = 0.727 is the first average >= 0.7
    frames, times = stream(4_000, 100, [(1_000, 2_000, "yes")])
    assert detections_over_stream(frames, times, LABELS, RecognizerParams()) == [(1_700, "yes")]


def test_suppression_prevents_a_double_detection():
    frames, times = stream(4_000, 100, [(1_000, 2_000, "yes")])
    # without suppression every result from 1700 to 2200 ms clears the threshold
    unsuppressed = detections_over_stream(frames, times, LABELS, RecognizerParams(suppression_ms=0))
    assert unsuppressed == [(t, "yes") for t in range(1_700, 2_300, 100)]
    assert detections_over_stream(frames, times, LABELS, RecognizerParams()) == [(1_700, "yes")]


def test_suppression_holds_for_any_label_and_ends_after_exactly_suppression_ms():
    # 'no' right after 'yes' first clears the threshold at 2700 ms (suppressed: 1000 ms after 'yes') and
    # last at 3200 ms, exactly 1500 ms after 'yes'
    frames, times = stream(5_000, 100, [(1_000, 2_000, "yes"), (2_000, 3_000, "no")])
    assert detections_over_stream(frames, times, LABELS, RecognizerParams()) == [(1_700, "yes"), (3_200, "no")]
    assert detections_over_stream(frames, times, LABELS, RecognizerParams(suppression_ms=1_501)) == [(1_700, "yes")]
    assert detections_over_stream(frames, times, LABELS, RecognizerParams(suppression_ms=0))[:2] == [
        (1_700, "yes"),
        (1_800, "yes"),
    ]


def test_noise_with_single_frame_spikes_and_unknown_speech_give_nothing():
    rng = np.random.default_rng(0)
    frames = rng.dirichlet([8, 2, 1, 1], size=3_000)
    spikes = rng.choice(3_000, 200, replace=False)
    frames[spikes] = [0.02, 0.01, 0.95, 0.02]  # a detector on single inferences would fire 200 times
    times = np.arange(3_000) * 20
    assert (frames.max(axis=1) >= 0.7).sum() >= 200
    assert detections_over_stream(frames, times, LABELS, RecognizerParams()) == []
    unknown = np.tile([0.02, 0.95, 0.02, 0.01], (500, 1))  # confident, but not a command
    assert detections_over_stream(unknown, np.arange(500) * 20, LABELS, RecognizerParams()) == []


@pytest.mark.parametrize(("minimum_count", "expected"), [(3, [(600, "yes")]), (4, [(900, "yes")]), (5, [])])
def test_minimum_count_is_respected(minimum_count, expected):
    times = [0, 300, 600, 900]
    frames = np.tile([0.0, 0.0, 1.0, 0.0], (4, 1))
    assert detections_over_stream(frames, times, LABELS, RecognizerParams(minimum_count=minimum_count)) == expected


def test_results_must_span_a_quarter_of_the_window():
    frames, times = stream(1_000, 10, [(0, 1_000, "yes")])
    assert detections_over_stream(frames, times, LABELS, RecognizerParams(minimum_count=3)) == [(250, "yes")]


def test_window_keeps_its_boundary_and_threshold_is_inclusive():
    params = RecognizerParams(minimum_count=2, detection_threshold=0.75)
    recognizer = Recognizer(LABELS, params)
    assert recognizer.process(np.array([0, 0, 1.0, 0]), 0) is None
    assert recognizer.process(np.array([0.5, 0, 0.5, 0]), 1_000) == Detection(1_000, "yes", 0.75)
    late = Recognizer(LABELS, params)
    late.process(np.array([0, 0, 1.0, 0]), 0)
    assert late.process(np.array([0.5, 0, 0.5, 0]), 1_001) is None  # the first result left the window


def test_out_of_order_time_raises_and_equal_time_is_accepted():
    recognizer = Recognizer(LABELS, RecognizerParams())
    recognizer.process(np.array([1.0, 0, 0, 0]), 100)
    recognizer.process(np.array([1.0, 0, 0, 0]), 100)
    recognizer.process(np.array([1.0, 0, 0, 0]), 300)
    for earlier in (99, 200):  # before the newest, even when still inside the window
        with pytest.raises(ValueError, match="time order"):
            recognizer.process(np.array([1.0, 0, 0, 0]), earlier)
    with pytest.raises(ValueError, match="expected 4 scores"):
        recognizer.process(np.array([1.0, 0, 0]), 200)
    recognizer.reset()
    assert recognizer.process(np.array([1.0, 0, 0, 0]), 0) is None  # reset forgets the past


def test_stream_inputs_must_pair_up():
    with pytest.raises(ValueError):
        detections_over_stream(np.zeros((3, 4)), [0, 20], LABELS)


def test_false_accepts_per_hour():
    assert false_accepts_per_hour([(1, "yes")] * 3, 1_800) == 6.0
    assert false_accepts_per_hour([], 60) == 0.0
    with pytest.raises(ValueError):
        false_accepts_per_hour([], 0)


def test_match_detections_counts_hits_misses_and_false_accepts():
    truth = [(1_000, "yes"), (5_000, "no"), (9_000, "yes")]
    detections = [(1_400, "yes"), (5_200, "yes"), (9_800, "yes"), (12_000, "no")]
    # 5200 has the wrong label, 9800 is 800 ms late: both misses, and with 12000 three false accepts
    assert match_detections(detections, truth) == (1, 2, 3)
    assert match_detections(detections, truth, tolerance_ms=800) == (2, 1, 2)
    assert match_detections([(1_750, "yes")], [(1_000, "yes")]) == (1, 0, 0)  # the tolerance is inclusive
    assert match_detections([(1_000, "yes")] * 2, [(1_000, "yes")]) == (1, 0, 1)  # one detection per command
    assert match_detections([], truth) == (0, 3, 0)


def test_match_detections_finds_the_largest_pairing():
    # pairing 1000 with its nearest detection (1500) would leave 2200 without one
    assert match_detections([(400, "yes"), (1_500, "yes")], [(1_000, "yes"), (2_200, "yes")]) == (2, 0, 0)


def test_recognizer_over_a_stream_scores_against_its_transcript():
    words = [(1_000, 2_000, "yes"), (4_000, 5_000, "no"), (8_000, 9_000, "yes")]
    frames, times = stream(11_000, 100, words)
    detections = detections_over_stream(frames, times, LABELS, RecognizerParams())
    assert detections == [(1_700, "yes"), (4_700, "no"), (8_700, "yes")]
    truth = [((start + end) // 2, label) for start, end, label in words]
    assert match_detections(detections, truth) == (3, 0, 0)
