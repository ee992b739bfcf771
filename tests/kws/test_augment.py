import numpy as np

from kws.augment import AugmentParams, augment_batch, mix_background, spec_augment, spec_augment_batch, time_shift

RAMP = np.arange(1, 16_001, dtype=np.float32) / 16_000  # nowhere zero, so a shift shows as its run of zeros


def recovered_shift(shifted: np.ndarray, original: np.ndarray) -> int:
    """The shift s with shifted == original moved by s, zero-filled; fails if there is none."""
    lead = int(np.argmax(shifted != 0))
    tail = int(np.argmax(shifted[::-1] != 0))
    s = lead if lead else -tail
    expected = np.zeros_like(original)
    if s >= 0:
        expected[s:] = original[: len(original) - s]
    else:
        expected[:s] = original[-s:]
    assert np.array_equal(shifted, expected), s
    return s


def test_time_shift_moves_the_clip_zero_filled_within_100_ms():
    rng = np.random.default_rng(0)
    before = RAMP.copy()
    shifts = [recovered_shift(time_shift(RAMP, rng), RAMP) for _ in range(2_000)]
    assert np.array_equal(RAMP, before)
    assert min(shifts) >= -1_600 and max(shifts) <= 1_600
    assert min(shifts) < -1_500 and max(shifts) > 1_500  # uniform over the whole range, both ways
    assert abs(np.mean(shifts)) < 60  # sd of the mean of 2000 uniform draws is ~21
    assert time_shift(RAMP, rng).dtype == np.float32


def test_time_shift_is_reproducible_and_zero_width_is_identity():
    a = time_shift(RAMP, np.random.default_rng(7), max_shift_samples=400)
    b = time_shift(RAMP, np.random.default_rng(7), max_shift_samples=400)
    assert np.array_equal(a, b) and abs(recovered_shift(a, RAMP)) <= 400
    assert np.array_equal(time_shift(RAMP, np.random.default_rng(1), max_shift_samples=0), RAMP)


def test_background_is_a_scaled_window_of_one_noise():
    rng = np.random.default_rng(3)
    ramp = np.linspace(-1, 1, 64_000, dtype=np.float32)  # a window of a ramp is known by its slope and offset
    step = 2 / 63_999  # not ramp[1] - ramp[0]: float32 rounding near -1 would skew it by 0.06 %
    gains = []
    for _ in range(200):
        mixed = mix_background(
            np.zeros(16_000, np.float32), [ramp, np.ones(10, np.float32)], rng, probability=1.0, max_volume=0.1
        )
        gain = (float(mixed[-1]) - float(mixed[0])) / (step * 15_999)
        gains.append(gain)
        start = int(round((mixed[0] / gain - ramp[0]) / step))
        assert 0 <= start <= 64_000 - 16_000
        assert np.allclose(mixed, gain * ramp[start : start + 16_000], atol=1e-5)
    assert 0 <= min(gains) and max(gains) <= 0.1 + 1e-5
    assert min(gains) < 0.01 and max(gains) > 0.09


def test_background_is_added_with_the_given_probability_and_clipped():
    rng = np.random.default_rng(4)
    noise = np.full(20_000, 0.5, np.float32)
    audio = np.full(16_000, 0.99, np.float32)
    outs = [mix_background(audio, [noise], rng, probability=0.8, max_volume=0.1) for _ in range(2_000)]
    changed = np.mean([not np.array_equal(o, audio) for o in outs])
    assert 0.77 <= changed <= 0.83
    assert max(o.max() for o in outs) == 1.0  # 0.99 + up to 0.05 clips at full scale
    assert all(o.dtype == np.float32 for o in outs)


def test_no_noise_or_no_luck_returns_an_unchanged_copy():
    audio = RAMP.copy()
    for noises, probability in [([np.ones(100, np.float32)], 1.0), ([], 1.0), ([np.ones(20_000, np.float32)], 0.0)]:
        out = mix_background(audio, noises, np.random.default_rng(0), probability=probability)
        assert np.array_equal(out, RAMP) and out is not audio
        out[0] = 5.0
        assert audio[0] == RAMP[0]


def masked(out: np.ndarray, value: float) -> tuple[np.ndarray, np.ndarray]:
    hit = out == value
    return np.flatnonzero(hit.all(axis=1)), np.flatnonzero(hit.all(axis=0))


def test_spec_augment_masks_whole_frames_and_channels_with_the_mean():
    features = np.random.default_rng(0).normal(-3, 2, (49, 40)).astype(np.float32)
    before = features.copy()
    widest_rows, widest_cols = 0, 0
    for seed in range(300):
        out = spec_augment(features, np.random.default_rng(seed))
        rows, cols = masked(out, features.mean())
        changed = out != features
        # every changed cell lies in a fully masked frame or channel, and nothing else moved
        assert np.array_equal(changed, np.isin(np.arange(49), rows)[:, None] | np.isin(np.arange(40), cols)[None, :])
        assert len(rows) <= 2 * 5 and len(cols) <= 2 * 4
        widest_rows, widest_cols = max(widest_rows, len(rows)), max(widest_cols, len(cols))
    assert widest_rows >= 9 and widest_cols >= 7  # widths reach their maximum
    assert np.array_equal(features, before)


def test_spec_augment_fill_and_no_masks():
    features = np.random.default_rng(1).normal(0, 1, (49, 40)).astype(np.float32)
    out = spec_augment(features, np.random.default_rng(2), time_masks=1, max_time_width=49, freq_masks=0, fill=0.0)
    rows, cols = masked(out, 0.0)
    assert len(cols) == 0 and np.array_equal(out[rows], np.zeros((len(rows), 40)))
    untouched = np.setdiff1d(np.arange(49), rows)
    assert np.array_equal(out[untouched], features[untouched])
    assert np.array_equal(spec_augment(features, np.random.default_rng(3), time_masks=0, freq_masks=0), features)


def test_spec_augment_batch_masks_each_example_on_its_own():
    batch = np.random.default_rng(5).normal(0, 1, (6, 49, 40)).astype(np.float32)
    out = spec_augment_batch(
        batch, np.random.default_rng(6), AugmentParams(time_masks=1, max_time_width=3, freq_masks=0)
    )
    assert out.shape == batch.shape
    for example, augmented in zip(batch, out):
        rows, _ = masked(augmented, example.mean())
        assert len(rows) <= 3 and np.array_equal(np.flatnonzero((augmented != example).any(axis=1)), rows)


AT_CLEANED_LEVEL = {"min_level_db": 0.0, "max_level_db": 0.0}  # stages tested alone: no capture level on top


def test_augment_batch_sets_every_clip_to_a_capture_level_in_range_noise_and_all():
    noise = np.full(40_000, 0.1, np.float32)
    batch = np.full((2_000, 16_000), 0.5, np.float32)
    params = AugmentParams(
        max_shift_samples=0, background_probability=1.0, background_max_volume=1.0, min_level_db=-30, max_level_db=0
    )
    out = augment_batch(batch, [noise], np.random.default_rng(3), params)
    mixed = augment_batch(
        batch, [noise], np.random.default_rng(3), AugmentParams(**{**params.as_dict(), **AT_CLEANED_LEVEL})
    )
    levels_db = 20 * np.log10(out[:, 0] / mixed[:, 0])  # the same mix, then one gain per clip
    assert np.allclose(out, mixed * (out[:, :1] / mixed[:, :1]), rtol=1e-5)
    assert params.min_level_db <= levels_db.min() < -29 and -1 < levels_db.max() <= params.max_level_db
    assert abs(np.median(levels_db) + 15) < 1.5  # uniform in dB


def test_augment_batch_shifts_every_clip_on_its_own():
    batch = np.stack([RAMP * (i + 1) / 8 for i in range(8)])
    before = batch.copy()
    out = augment_batch(batch, [], np.random.default_rng(0), AugmentParams(max_shift_samples=1_600, **AT_CLEANED_LEVEL))
    shifts = [recovered_shift(o, b) for o, b in zip(out, batch)]
    assert all(abs(s) <= 1_600 for s in shifts) and len(set(shifts)) == 8
    assert np.array_equal(batch, before) and out.dtype == np.float32
    again = augment_batch(
        batch, [], np.random.default_rng(0), AugmentParams(max_shift_samples=1_600, **AT_CLEANED_LEVEL)
    )
    assert np.array_equal(out, again)


def test_augment_batch_mixes_noise_into_the_expected_share_at_bounded_gain():
    noise = np.full(40_000, 1.0, np.float32)  # a constant noise makes each clip's gain readable
    params = AugmentParams(
        max_shift_samples=0, background_probability=0.8, background_max_volume=0.1, **AT_CLEANED_LEVEL
    )
    out = augment_batch(np.zeros((1_000, 16_000), np.float32), [noise], np.random.default_rng(1), params)
    assert np.array_equal(out.min(axis=1), out.max(axis=1))  # one constant per clip
    gains = out[:, 0]
    assert 0.76 <= (gains > 0).mean() <= 0.84
    assert gains.max() <= 0.1 and gains.max() > 0.099
    loud = augment_batch(
        np.full((50, 16_000), 0.95, np.float32),
        [noise],
        np.random.default_rng(2),
        AugmentParams(max_shift_samples=0, background_probability=1.0, background_max_volume=1.0, **AT_CLEANED_LEVEL),
    )
    assert loud.max() == 1.0


def test_augment_batch_noise_is_a_window_of_the_file():
    ramp = np.linspace(0, 1, 48_000, dtype=np.float32)
    step = 1 / 47_999
    params = AugmentParams(
        max_shift_samples=0, background_probability=1.0, background_max_volume=0.5, **AT_CLEANED_LEVEL
    )
    out = augment_batch(np.zeros((20, 16_000), np.float32), [ramp], np.random.default_rng(9), params)
    for clip in out:
        gain = (float(clip[-1]) - float(clip[0])) / (step * 15_999)
        start = int(round(clip[0] / gain / step))
        assert 0 <= gain <= 0.5 + 1e-5
        assert np.allclose(clip, gain * ramp[start : start + 16_000], atol=1e-5)
