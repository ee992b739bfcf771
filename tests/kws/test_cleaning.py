import numpy as np
import pytest

from kws.cleaning import CleaningParams, TooQuiet, clean, loudest_window_start


def test_the_loudest_second_is_kept_and_normalized():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.001, 40_000).astype(np.float32) + 0.2  # DC offset
    x[25_000:29_000] += 0.3 * np.sin(np.arange(4000) * 0.2)
    out = clean(x, 16_000)
    assert out.shape == (16_000,) and out.dtype == np.float32
    assert abs(np.abs(out).max() - 0.95) < 1e-6
    assert abs(out.mean()) < 0.01  # DC gone
    burst = np.flatnonzero(np.abs(out) > 0.3)
    assert burst.min() >= 0 and burst.max() < 16_000 and burst.max() - burst.min() > 3_500  # the whole word is inside


def test_short_clips_are_centred_in_silence_and_other_rates_resampled():
    t = np.arange(8_000) / 8_000
    half_second_at_8k = (0.5 * np.sin(2 * np.pi * 300 * t[:4_000])).astype(np.float32)
    out = clean(half_second_at_8k, 8_000)
    assert out.shape == (16_000,)
    loud = np.flatnonzero(np.abs(out) > 0.05)
    assert 3_900 <= loud.min() <= 4_100 and 11_900 <= loud.max() <= 12_100
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * 16_000 / 16_000 - 300) < 2


def test_too_quiet_clips_are_dropped():
    with pytest.raises(TooQuiet):
        clean(np.full(16_000, 0.001, np.float32) * np.sign(np.sin(np.arange(16_000))), 16_000)


def test_loudest_window_start_uses_a_sliding_sum():
    x = np.zeros(30_000)
    x[20_000:21_000] = 1.0
    start = loudest_window_start(x, 16_000)
    assert start <= 20_000 and start + 16_000 >= 21_000
    assert CleaningParams().as_dict()["clip_samples"] == 16_000
