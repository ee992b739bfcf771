import numpy as np

from kws.silence import cut_silence


def test_silence_clips_are_windows_of_the_noise_at_bounded_volume():
    rng = np.random.default_rng(0)
    ramp = np.linspace(-1, 1, 80_000, dtype=np.float32)  # a window of a ramp is identifiable by its slope and offset
    clips = cut_silence([ramp, np.ones(100, np.float32)], 50, rng, max_volume=0.5)
    assert clips.shape == (50, 16_000)
    step = ramp[1] - ramp[0]
    for clip in clips:
        gain = (float(clip[-1]) - float(clip[0])) / (step * (len(clip) - 1))
        assert 0 <= gain <= 0.5 + 1e-4
        if gain > 1e-2:
            start = int(round((clip[0] / gain - ramp[0]) / step))
            assert np.allclose(clip, gain * ramp[start : start + 16_000], atol=1e-3)


def test_no_usable_noise_gives_digital_silence():
    assert not cut_silence([np.ones(10, np.float32)], 3, np.random.default_rng(1)).any()
