"""The device-way evaluation's parts: stream features equal per-window features, the vectorized recognizer
equals the Recognizer the firmware mirrors, the sweep counts what it should, the operating point is the fewest
misses under the target, negatives hold no keyword and come from their cache the second time."""

import math

import numpy as np
import pytest

from kws import device_eval, features, negatives, operating_point, recognizer
from kws.operating_point import ScoredStream
from kws.recognizer import RecognizerParams
from tests.services import require_espeak

LABELS = ["_silence_", "_unknown_", "yes", "no"]


def test_a_window_of_stream_features_is_the_window_featurized_alone():
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.1, 16_000 * 4).astype(np.float32)
    params = features.DEFAULT_PARAMS
    stream = features.featurize_stream(audio, params, chunk_frames=37)  # chunks must not change a number
    for start in (0, 1_600, 20_800, 48_000):
        alone = features.featurize_batch(audio[start : start + 16_000][None], params)[0]
        rows = stream[start // params.hop_samples :][: params.frames]
        np.testing.assert_allclose(rows, alone, atol=1e-5)


def test_the_vectorized_recognizer_detects_exactly_what_the_recognizer_does():
    rng = np.random.default_rng(1)
    for _ in range(200):
        frames = int(rng.integers(1, 150))
        stride = int(rng.choice([50, 100, 120]))
        scores = rng.dirichlet(np.full(4, 0.3), size=frames)
        times = np.arange(frames) * stride + int(rng.integers(0, 1000))
        params = RecognizerParams(
            average_window_ms=int(rng.choice([200, 500, 1000])),
            detection_threshold=float(rng.uniform(0.3, 0.9)),
            suppression_ms=int(rng.choice([0, 500, 1500])),
            minimum_count=int(rng.integers(1, 5)),
        )
        assert operating_point.detections(scores, times, LABELS, params) == recognizer.detections_over_stream(
            scores, times, LABELS, params
        )


def confident(frames: int, label: int, at: list[int]) -> np.ndarray:
    """Scores of `_silence_` everywhere except `label` at the given frames (and two frames after each)."""
    scores = np.tile([0.9, 0.1, 0.0, 0.0], (frames, 1))
    for i in at:
        scores[i : i + 3] = np.eye(4)[label] * 0.95 + 0.0125
    return scores


def test_the_sweep_counts_false_accepts_per_hour_and_misses_and_the_choice_respects_the_target():
    times = np.arange(600) * 100  # one minute at 100 ms
    # Negatives: one confident "yes" of 0.96 in a minute.
    negative = ScoredStream(confident(600, 2, [300]), times, [], 60.0)
    keywords = ScoredStream(
        confident(600, 2, [100, 400]), times, [(10_500, "yes"), (40_500, "yes"), (55_000, "no")], 60.0
    )
    points = operating_point.sweep([keywords], [negative], LABELS, windows_ms=(300,), suppressions_ms=(1_000,))
    by_threshold = {p.params.detection_threshold: p for p in points}
    low = by_threshold[0.5]
    assert (low.false_accepts, low.fa_per_hour, low.misses, low.utterances) == (1, 60.0, 1, 3)  # "no" never said
    assert math.isclose(low.frr, 1 / 3)
    high = by_threshold[0.99]  # above every score: silence everywhere
    assert (high.false_accepts, high.misses) == (0, 3)
    chosen, reached = operating_point.choose(points, target_fa_per_hour=0.5)
    assert reached and chosen.false_accepts == 0 and chosen.params.detection_threshold == 0.99
    chosen, reached = operating_point.choose(points, target_fa_per_hour=100)
    # The highest threshold that still hears both: 3 of the 4 frames in a 300 ms window at 0.9625 average 0.72.
    assert reached and chosen.misses == 1 and chosen.params.detection_threshold == 0.7
    assert operating_point.frr_at(points, 0.5) == 1.0 and operating_point.frr_at(points, 100) == pytest.approx(1 / 3)
    curve = operating_point.det_curve(points, chosen.params)
    assert [c["threshold"] for c in curve] == sorted(by_threshold) and curve[0]["fa_per_hour"] == 60.0


def test_confidence_intervals_are_the_textbook_ones():
    low, high = operating_point.wilson_interval(3, 100)
    assert low == pytest.approx(0.0103, abs=1e-4) and high == pytest.approx(0.0845, abs=1e-4)
    low, high = operating_point.poisson_rate_interval(0, 10.0)
    assert low == 0.0 and high == pytest.approx(0.3689, abs=1e-4)  # 3.689 events / 10 h
    low, high = operating_point.poisson_rate_interval(5, 1.0)
    assert low == pytest.approx(1.6235, abs=1e-3) and high == pytest.approx(11.668, abs=1e-3)


def test_negatives_hold_no_keyword_and_come_from_their_cache_the_second_time(tmp_path):
    require_espeak()
    words = negatives.vocabulary_without(["go", "on", "stop"])
    assert "go" not in words and "good" not in words and "on" not in words and "long" not in words
    assert "stop" not in words and "kitchen" in words
    first = list(negatives.synthetic_negatives(tmp_path, ["go", "on", "stop"], 61))
    assert [len(p) for p in first] == [60 * 16_000] * 2 and all(np.sqrt(np.mean(p**2)) > 0.01 for p in first)
    cached = sorted(p.name for p in next(tmp_path.iterdir()).iterdir())
    assert cached == ["00000.wav", "00001.wav"]
    again = list(negatives.synthetic_negatives(tmp_path, ["go", "on", "stop"], 61))
    np.testing.assert_array_equal(np.concatenate(again), np.concatenate(first))


def test_keyword_streams_mark_where_each_keyword_ends():
    rng = np.random.default_rng(0)
    clips = np.zeros((25, 16_000), np.float32)
    clips[:, 4_000:12_000] = 0.5
    bed = rng.normal(0, 0.01, 16_000 * 60).astype(np.float32)
    streams = list(device_eval.keyword_streams(clips, ["yes"] * 25, iter([bed, bed]), rng))
    assert [len(truth) for _, truth in streams] == [20, 5]
    audio, truth = streams[0]
    under = np.resize(bed, len(audio)) * device_eval.BED_GAIN
    added = audio - under
    for end_ms, label in truth:
        start = end_ms * 16 - 16_000
        word, local = added[start : start + 16_000], under[start : start + 16_000]  # SNR over the whole clip
        snr_db = 10 * np.log10(np.mean(word**2) / np.mean(local**2))
        assert label == "yes" and device_eval.KEYWORD_SNR_DB[0] - 0.5 <= snr_db <= device_eval.KEYWORD_SNR_DB[1] + 0.5
    assert np.abs(added[: truth[0][0] * 16 - 12_000]).max() < 1e-6  # nothing but the bed before the first word
