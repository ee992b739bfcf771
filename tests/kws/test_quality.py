import numpy as np

from kws.quality import TOO_QUIET_MEAN_ABS, loudest_window_mean_abs, measure
from tests.audio_factory import tone


def test_full_scale_sine_metrics():
    t = np.arange(16_000) / 16_000
    metrics = measure(np.sin(2 * np.pi * 100 * t), 16_000)
    assert abs(metrics.rms_dbfs - (-3.01)) < 0.05
    assert abs(metrics.peak - 1.0) < 1e-3
    assert abs(metrics.loudest_1s_mean_abs - 2 / np.pi) < 1e-3
    assert metrics.voiced_duration_s > 0.95
    assert not metrics.too_quiet


def test_clipped_ratio_counts_samples_at_full_scale():
    x = np.zeros(16_000)
    x[:1600] = 1.0
    x[1600:3200] = 0.5
    assert measure(x, 16_000).clipped_ratio == 0.1


def test_voiced_duration_measures_the_burst():
    metrics = measure(tone(1.0), 16_000)  # 0.5 s of tone in 1 s with a faint noise floor
    assert 0.45 <= metrics.voiced_duration_s <= 0.56


def test_speech_commands_floor_flags_quiet_clips():
    quiet = tone(1.0, amplitude=0.004)  # mean |x| of the loudest second ~ 0.5 * 0.004 * 2/pi
    loud = tone(1.0, amplitude=0.05)
    assert measure(quiet, 16_000).too_quiet
    assert not measure(loud, 16_000).too_quiet
    assert measure(np.zeros(16_000), 16_000).rms_dbfs == -120.0


def test_loudest_window_finds_the_loud_second_in_a_longer_clip():
    x = np.full(48_000, 0.001)
    x[20_000:36_000] = 0.2
    assert abs(loudest_window_mean_abs(x, 16_000) - 0.2) < 1e-9
    assert loudest_window_mean_abs(x, 16_000) > TOO_QUIET_MEAN_ABS
