"""The training core on a synthetic corpus small enough for CI: classes, shares, and that it learns."""

import numpy as np
import pytest

from kws import train

WORDS = ["yes", "no", "up", "bed", "cat"]  # the last two are fillers -> _unknown_
KEYWORDS = ["yes", "no", "up"]


def corpus(n_per_word: int, seed: int):
    rng = np.random.default_rng(seed)
    t = np.arange(16_000) / 16_000
    audio, words = [], []
    for w, word in enumerate(WORDS):
        for _ in range(n_per_word):
            f0 = 250 * (w + 1) * rng.uniform(0.95, 1.05)
            envelope = np.exp(-((t - rng.uniform(0.4, 0.6)) ** 2) / 0.01)
            audio.append(0.4 * envelope * np.sin(2 * np.pi * f0 * t) + rng.normal(0, 0.003, t.size))
            words.append(word)
    noise = [rng.normal(0, 0.05, 16_000 * 5).astype(np.float32)]
    return np.array(audio, dtype=np.float32), words, noise


def test_examples_have_silence_and_unknown_at_their_shares():
    audio, words, noise = corpus(40, 0)
    ex = train.examples(audio, words, KEYWORDS, noise, np.random.default_rng(1), silence_share=0.1, unknown_share=0.1)
    assert ex.labels == ["_silence_", "_unknown_", "yes", "no", "up"]
    counts = np.bincount(ex.y, minlength=5) / len(ex.y)
    assert abs(counts[0] - 0.1) < 0.02 and abs(counts[1] - 0.1) < 0.02
    assert np.bincount(ex.y)[2:].tolist() == [40, 40, 40]
    silence_clips = ex.audio[ex.y == 0]
    assert np.abs(silence_clips).max() <= 0.05 * 6  # cut from the noise, at most full volume


def test_negative_speech_joins_unknown_at_its_share_as_windows_of_the_pieces():
    audio, words, noise = corpus(40, 0)
    ex = train.examples(audio, words, KEYWORDS, noise, np.random.default_rng(1), silence_share=0.1, unknown_share=0.1)
    ramp = np.arange(16_000 * 3, dtype=np.float32) / 1e6  # every window of it is recognizable by its first sample
    more = train.with_negative_speech(ex, [ramp, np.zeros(100, np.float32)], 0.2, np.random.default_rng(2))
    added = len(more.y) - len(ex.y)
    assert added == round(len(ex.y) * 0.2 / 0.8) and np.array_equal(more.audio[: len(ex.y)], ex.audio)
    assert (more.y[len(ex.y) :] == more.labels.index("_unknown_")).all() and (more.source[len(ex.y) :] == -1).all()
    for window in more.audio[len(ex.y) :]:  # whole 1 s windows of the long piece (the short one is skipped)
        start = int(round(window[0] * 1e6))
        assert np.array_equal(window, ramp[start : start + 16_000])
    assert train.with_negative_speech(ex, [], 0.2, np.random.default_rng(2)) is ex


def test_training_learns_the_synthetic_words_and_reports_each_epoch():
    audio, words, noise = corpus(60, 2)
    rng = np.random.default_rng(3)
    order = rng.permutation(len(words))
    audio, words = audio[order], [words[i] for i in order]
    train_set = train.examples(audio[:220], words[:220], KEYWORDS, noise, rng, silence_share=0.1, unknown_share=0.1)
    val_set = train.examples(audio[220:], words[220:], KEYWORDS, noise, rng, silence_share=0.1, unknown_share=0.1)
    seen = []
    result = train.train(
        train_set,
        val_set,
        noise,
        train.TrainParams(architecture="tiny_conv", epochs=6, batch_size=32, seed=0),
        on_epoch=lambda record: seen.append(record) or True,
    )
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5, 6] and result.history == seen
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(seen[-1])
    assert seen[-1]["val_accuracy"] >= 0.85 and seen[-1]["loss"] < seen[0]["loss"]
    assert result.normalization["kind"] == "scalar" and result.normalization["std"] > 0


def test_returning_false_from_on_epoch_stops_training():
    audio, words, noise = corpus(10, 4)
    ex = train.examples(audio, words, KEYWORDS, noise, np.random.default_rng(5), silence_share=0.1, unknown_share=0.1)
    result = train.train(
        ex,
        ex,
        noise,
        train.TrainParams(architecture="tiny_conv", epochs=5, batch_size=16),
        on_epoch=lambda r: r["epoch"] < 2,
    )
    assert [r["epoch"] for r in result.history] == [1, 2]


@pytest.mark.parametrize("bad", ["transformer"])
def test_unknown_architecture_is_refused(bad):
    audio, words, noise = corpus(4, 6)
    ex = train.examples(audio, words, KEYWORDS, noise, np.random.default_rng(7), silence_share=0.1, unknown_share=0.1)
    with pytest.raises(ValueError, match="unknown architecture"):
        train.train(ex, ex, noise, train.TrainParams(architecture=bad, epochs=1))
