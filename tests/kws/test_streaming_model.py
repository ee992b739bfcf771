"""The streaming wake-word network: trained whole, run 3 frames at a time with ring buffers in resource
variables, only on ops ESPHome registers, and read by ESPHome's own runtime (pymicro-wakeword) as Chorus reads
it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kws import streaming_model as sm
from kws import wake_word_eval
from kws.esphome import WakeWordModel, esphome_package
from kws.micro_wake_word import streaming_probabilities
from kws.quantize import model_ops, tflm_smallest_arena

pymicro_wakeword = pytest.importorskip("pymicro_wakeword")
from pymicro_wakeword import MicroWakeWord  # noqa: E402

SMALL = sm.StreamingSpec(first_filters=16, kernels=(3, 5), filters=16, window_steps=6)


def _features(seed: int, frames: int, level: float = 5.0) -> np.ndarray:
    """Feature-like streams: a slowly varying spectrum around `level`, in the frontend's 0-26 range."""
    rng = np.random.default_rng(seed)
    base = np.cumsum(rng.normal(0, 0.4, (frames, 40)), axis=0)
    return np.clip(level + base - base.mean(axis=0), 0, 26).astype(np.float32)


@pytest.fixture(scope="module")
def trained():
    """A small network fitted briefly to separate two kinds of stream (its batch norms hold real statistics,
    so folding them into the streaming model is exercised)."""
    import keras

    keras.utils.set_random_seed(0)
    model = sm.build(SMALL)
    low, high = _features(1, 900), _features(2, 900, level=16)
    x = np.concatenate([sm.windows(low, SMALL), sm.windows(high, SMALL)])
    y = np.concatenate([np.zeros(len(x) // 2), np.ones(len(x) - len(x) // 2)]).astype(np.float32)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    model_bytes = sm.convert_streaming_int8(model, SMALL, [low, high])
    return model, model_bytes


def test_the_streaming_int8_model_is_what_esphome_loads(trained):
    _, model_bytes = trained
    assert set(model_ops(model_bytes)) <= sm.ESPHOME_OPS
    assert {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= set(model_ops(model_bytes))  # state in variables
    from kws.quantize import tflm_interpreter

    interpreter = tflm_interpreter(model_bytes, 1 << 16)
    inputs, outputs = interpreter.get_input_details(0), interpreter.get_output_details(0)
    assert list(inputs["shape"]) == [1, 3, 40] and inputs["dtype"] == np.int8
    assert list(outputs["shape"]) == [1, 1] and outputs["dtype"] == np.uint8
    # ESPHome quantizes the frontend's output itself, as 0-26 onto -128..127: the model must expect exactly that
    scale, zero = inputs["quantization_parameters"]["scales"][0], inputs["quantization_parameters"]["zero_points"][0]
    assert zero == -128 and scale == pytest.approx(26 / 255, rel=1e-4)
    assert 1_000 < tflm_smallest_arena(model_bytes, (3, 40)) < 30_000


def test_streaming_steps_give_the_trained_networks_probabilities_within_quantization(trained):
    model, model_bytes = trained
    stream = np.concatenate([_features(3, 300), _features(4, 300, level=16)])
    streamed = streaming_probabilities(model_bytes, stream)
    whole = model.predict(sm.windows(stream, SMALL), verbose=0)[:, 0]
    assert len(streamed) == len(stream) // 3
    aligned = streamed[SMALL.steps : SMALL.steps + len(whole)]  # once the buffers hold only real frames
    assert len(aligned) == len(whole) > 150
    np.testing.assert_allclose(aligned, whole, atol=0.04)
    assert whole.min() < 0.2 and whole.max() > 0.8  # the comparison spans the whole range, not one value


def test_esphomes_runtime_loads_the_package_and_computes_our_probabilities(trained, tmp_path):
    _, model_bytes = trained
    package = WakeWordModel(
        "Hey Test", model_bytes, probability_cutoff=0.5, sliding_window_size=3, tensor_arena_size=8000
    )
    import io
    import zipfile

    zipfile.ZipFile(io.BytesIO(esphome_package(package, model_card="card"))).extractall(tmp_path)
    manifest = json.loads((tmp_path / "hey_test.json").read_text())
    runtime = MicroWakeWord.from_config(tmp_path / "hey_test.json")
    assert runtime.stride == 3 and manifest["micro"]["sliding_window_size"] == 3
    stream = np.concatenate([_features(5, 240), _features(6, 240, level=16)])
    theirs = [runtime.process_streaming_prob(frame[None, None]) for frame in stream]
    theirs = np.asarray(theirs[runtime.stride - 1 :: runtime.stride])
    ours = streaming_probabilities(model_bytes, stream)
    assert len(ours) == len(theirs)
    # the runtime answers with the mean over its sliding window, once the window is full
    our_means, their_means = np.convolve(ours, np.ones(3) / 3, mode="valid"), theirs[2:]
    # TFLM here, TensorFlow Lite's C library there: kernels round intermediate layers differently
    gap = np.abs(our_means - their_means)
    assert gap.max() <= 0.03 and np.mean(gap <= 1 / 256 + 1e-6) > 0.9, (np.percentile(gap, 90), gap.max())
    assert our_means.min() < 0.2 and our_means.max() > 0.8


def test_the_detector_wakes_once_per_refractory_second_on_the_mean_of_its_window():
    p = np.zeros(400)
    p[100:110] = 1.0  # 300 ms above: one wake
    p[200:202] = 1.0  # 60 ms: too short for a mean of 3 over 0.9
    p[300:360] = 1.0  # 1.8 s above: a wake, then another one refractory second later
    wakes = wake_word_eval.wakes(p, cutoff=0.9, window=3)
    refractory = int(wake_word_eval.REFRACTORY_S / wake_word_eval.STEP_S)
    assert list(wakes) == [102, 302, 302 + refractory]


def test_the_operating_point_is_the_fewest_misses_under_the_target():
    steps_per_hour = int(wake_word_eval.STEPS_PER_HOUR)
    negative = np.zeros(steps_per_hour)
    negative[[1000, 50_000, 90_000]] = [0.7, 0.8, 0.95]  # three near misses in an hour
    phrases = np.zeros(3000)
    spans = []
    for i, level in enumerate([0.99, 0.9, 0.75, 0.6]):
        at = 200 + 600 * i
        phrases[at : at + 10] = level
        spans.append((at - 20, at))
    phrase_stream = wake_word_eval.ScoredStream(phrases, spans)
    negative_stream = wake_word_eval.ScoredStream(negative, [])
    settings = wake_word_eval.sweep(
        [phrase_stream], [negative_stream], cutoffs=(0.5, 0.65, 0.85, 0.97), sliding_windows=(1,)
    )
    by_cutoff = {s.cutoff: (s.false_accepts, s.misses) for s in settings}
    assert by_cutoff == {0.5: (3, 0), 0.65: (3, 1), 0.85: (1, 2), 0.97: (0, 3)}
    chosen, reached = wake_word_eval.choose(settings, target_fa_per_hour=1.0)
    assert reached and chosen.cutoff == 0.85 and chosen.frr == 0.5
    assert wake_word_eval.frr_at(settings, 0.5) == 0.75


def test_phrase_streams_say_which_utterance_lies_where():
    """Per-group results map each scored phrase back to its speaker through these indices."""
    rng = np.random.default_rng(3)
    utterances = []
    for i in range(9):  # tone bursts of different lengths, in silence
        burst = np.zeros(16_000 + 800 * i, np.float32)
        burst[4_000 : 4_000 + 4_000 + 800 * i] = 0.5 * np.sin(np.arange(4_000 + 800 * i) * 0.3)
        utterances.append(burst)
    bed = rng.normal(0, 0.01, 16_000 * 20).astype(np.float32)
    streams = wake_word_eval.phrase_streams(utterances, [bed], rng)
    placed = [index for _, _, indices in streams for index in indices]
    assert sorted(placed) == list(range(9)) and len(streams) >= 2  # every utterance once, over several beds
    for _, spans, indices in streams:
        for (start, end), index in zip(spans, indices, strict=True):
            assert end - start == pytest.approx((4_000 + 800 * index) / 16_000, abs=0.021)
