"""The C wake detector (firmware/src/chorus_wake_detector.c) wakes at the steps kws.wake_word_eval.wakes does, on
the uint8 outputs of a streaming wake-word model: crafted edges and long random streams."""

import numpy as np
import pytest

from kws import wake_word_eval
from tests.firmware.libwake import WakeDetector

SCALE = 1 / 256  # a streaming model's uint8 output, zero point 0
REFRACTORY = int(wake_word_eval.REFRACTORY_S / wake_word_eval.STEP_S)


def device(lib, cutoff: float, window: int) -> WakeDetector:
    return WakeDetector(
        lib, window=window, cutoff=cutoff, refractory_steps=REFRACTORY, output_scale=SCALE, output_zero_point=0
    )


def python_wakes(raw: np.ndarray, cutoff: float, window: int) -> list[int]:
    return wake_word_eval.wakes(raw.astype(np.float32) * np.float32(SCALE), cutoff, window).tolist()


def bursty(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly low outputs with bursts that climb past any cutoff, some shorter than a window."""
    raw = rng.integers(0, 40, n)
    for start in rng.choice(n - 40, n // 60, replace=False):
        length, level = rng.integers(1, 30), rng.integers(120, 256)
        raw[start : start + length] = np.clip(level - rng.integers(0, 6, length), 0, 255)
    return raw


@pytest.mark.parametrize("cutoff, window", [(0.5, 3), (0.66, 5), (0.9, 7), (0.97, 10), (0.3, 1)])
def test_random_streams_wake_at_the_same_steps(lib, cutoff, window):
    rng = np.random.default_rng(int(cutoff * 100) + window)
    woke = 0
    for _ in range(20):
        raw = bursty(rng, 3000)
        expected = python_wakes(raw, cutoff, window)
        assert device(lib, cutoff, window).wakes(raw).tolist() == expected
        woke += len(expected)
    assert woke >= 10  # the streams do wake: the comparison is not of empty lists


def test_a_full_window_is_needed_and_the_mean_must_be_above_the_cutoff(lib):
    d = device(lib, 0.5, 3)
    assert [d.process(255)[0] for _ in range(2)] == [False, False]  # the window is still filling
    woke, mean = d.process(255)
    assert woke and mean == pytest.approx(255 / 256)
    exactly = device(lib, 0.5, 2)  # a mean equal to the cutoff does not wake, in Python neither
    assert not any(exactly.process(128)[0] for _ in range(5))
    assert python_wakes(np.full(5, 128), 0.5, 2) == []


def test_after_a_wake_it_stays_quiet_for_a_second_then_wakes_again(lib):
    raw = np.full(200, 255)
    got = device(lib, 0.5, 3).wakes(raw).tolist()
    assert (
        got
        == python_wakes(raw, 0.5, 3)
        == [2, 2 + REFRACTORY, 2 + 2 * REFRACTORY, 2 + 3 * REFRACTORY, 2 + 4 * REFRACTORY, 2 + 5 * REFRACTORY]
    )


def test_reset_forgets_the_window_and_the_quiet_time(lib):
    d = device(lib, 0.5, 3)
    assert d.wakes(np.full(3, 255)).tolist() == [2]
    d.reset()
    assert d.wakes(np.full(3, 255)).tolist() == [2]


@pytest.mark.parametrize("bad", [{"window": 0}, {"window": 33}, {"output_scale": 0.0}, {"refractory_steps": -1}])
def test_a_config_it_cannot_run_is_refused(lib, bad):
    config = dict(window=3, cutoff=0.5, refractory_steps=REFRACTORY, output_scale=SCALE, output_zero_point=0) | bad
    with pytest.raises(ValueError, match="chorus_wake_detector_init: -1"):
        WakeDetector(lib, **config)
