"""The device, simulated on the host: a 20 s stream with keywords at known times goes through the C feature
provider (libchorus.so, fed one hop of int16 audio at a time, as the sketch feeds it from the microphone), the
int8 model in the TFLM Python interpreter every CHORUS_INFERENCE_STRIDE_FRAMES frames, and the C recognizer.

Truth time: when the spoken keyword ends (the last audible sample of the take). A detection counts when it has
the keyword's label and its timestamp (the end of the inference window that confirmed it) is within 300 ms of
that. The takes are new takes by the training speakers: this tests the firmware's pipeline, not how the model
generalizes (benchmarks/train_kws.py measures that).
"""
import numpy as np
import pytest

from kws import features, firmware, quantize, recognizer, streaming, train
from tests.firmware import trained
from tests.firmware.libchorus import Features
from tests.firmware.libchorus import Recognizer as DeviceRecognizer

STREAM_SECONDS = 20
KEYWORDS_IN_STREAM = 6
TOLERANCE_MS = 300
RATE = 16_000


def keyword_stream(kws: trained.TrainedKws, rng: np.random.Generator) -> streaming.Stream:
    """Six keywords in pink noise, 3 s apart; each take ends exactly where its 1 s slot ends, so the stream's
    truth (kws.streaming: where each clip ends) is where the word ends."""
    words = [trained.KEYWORDS[i % len(trained.KEYWORDS)] for i in rng.permutation(KEYWORDS_IN_STREAM)]
    clips = np.zeros((len(words), RATE), np.float32)
    for clip, word in zip(clips, words):
        take = trained.trimmed_take(word, kws.speakers[int(rng.integers(len(kws.speakers)))], rng)[:RATE]
        clip[RATE - len(take) :] = take / np.abs(take).max() * rng.uniform(0.3, 0.9)
    stream = streaming.keyword_stream(clips, words, kws.noises["pink"], rng, noise_volume=0.05)
    tail = streaming.noise_stream(kws.noises["pink"], STREAM_SECONDS - len(stream.audio) / RATE, rng, noise_volume=0.05)
    return streaming.Stream(np.concatenate([stream.audio, tail.audio]), stream.truth)


def noise_only_stream(kws: trained.TrainedKws, rng: np.random.Generator) -> streaming.Stream:
    """20 s of background: 5 s each of white, pink, brown noise and mains hum, at kws.streaming's noise volume."""
    parts = [streaming.noise_stream(noise, STREAM_SECONDS / len(kws.noises), rng).audio for noise in kws.noises.values()]
    return streaming.Stream(np.concatenate(parts), [])


def to_pcm(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)


def run_device(lib, kws: trained.TrainedKws, pcm: np.ndarray):
    """The sketch's loop: push a hop, run the model when an inference is due, feed the recognizer."""
    p = kws.feature_params
    q_in, q_out = quantize.io_quantization(kws.model_int8)
    device_features = Features(lib, firmware.features_config(p, kws.normalization, q_in))
    capacity = firmware.recognizer_capacity(kws.recognizer_params, p)  # CHORUS_RECOGNIZER_CAPACITY: the sketch's ring
    device_recognizer = DeviceRecognizer(lib, kws.labels, firmware.recognizer_config(kws.labels, kws.recognizer_params), capacity)
    interpreter = quantize.tflm_interpreter(kws.model_int8, firmware.firmware_arena_bytes(kws.arena_bytes))
    stride = firmware.stride_frames(p)
    inputs, probabilities, times, detections = [], [], [], []
    for start in range(0, len(pcm), p.hop_samples):
        if not device_features.push(pcm[start : start + p.hop_samples]) or not device_features.ready:
            continue
        if (device_features.frames_total - p.frames) % stride:
            continue
        x = device_features.matrix()
        interpreter.set_input(x[None], 0)
        interpreter.invoke()
        scores = q_out.dequantize(interpreter.get_output(0)[0])
        time_ms = device_features.window_end_ms()
        found = device_recognizer.process(scores, time_ms)
        if found is not None:
            detections.append((found.time_ms, found.label))
        inputs.append(x)
        probabilities.append(scores)
        times.append(time_ms)
    assert device_recognizer.dropped == 0
    return detections, np.array(inputs), np.array(probabilities), np.array(times)


@pytest.fixture(scope="module")
def simulated(lib, kws_model):
    rng = np.random.default_rng(2024)
    keywords, noise = keyword_stream(kws_model, rng), noise_only_stream(kws_model, rng)
    return {
        "keywords": (keywords, run_device(lib, kws_model, to_pcm(keywords.audio))),
        "noise": (noise, run_device(lib, kws_model, to_pcm(noise.audio))),
    }


def test_every_keyword_is_detected_within_300_ms_and_nothing_else(simulated):
    stream, (detections, *_) = simulated["keywords"]
    assert len(stream.audio) == STREAM_SECONDS * RATE and len(stream.truth) == KEYWORDS_IN_STREAM
    offsets = [(label, min((d - t for d, lbl in detections if lbl == label), key=abs, default=None)) for t, label in stream.truth]
    print(f"truth {stream.truth}\ndetections {detections}\noffsets_ms {offsets}")
    hits, misses, false_accepts = recognizer.match_detections(detections, stream.truth, tolerance_ms=TOLERANCE_MS)
    assert (hits, misses, false_accepts) == (KEYWORDS_IN_STREAM, 0, 0)


def test_noise_alone_is_never_a_command(simulated):
    stream, (detections, _, probabilities, _) = simulated["noise"]
    assert len(stream.audio) == STREAM_SECONDS * RATE and len(probabilities) > 150
    assert detections == []


def test_the_device_sees_what_training_evaluates(simulated, kws_model):
    """Inference windows and times are kws.streaming.stream_scores's; the int8 inputs are the training path's."""
    stream, (_, inputs, _, times) = simulated["keywords"]
    q_in, _ = quantize.io_quantization(kws_model.model_int8)
    audio = to_pcm(stream.audio).astype(np.float32) / 32768
    windows_seen = {}

    def predict(windows):
        windows_seen["x"] = windows
        return np.zeros((len(windows), len(kws_model.labels)), np.float32)

    _, expected_times = streaming.stream_scores(streaming.Stream(audio, []), predict)
    assert np.array_equal(times, expected_times)
    expected = q_in.quantize(train.featurize_normalized(windows_seen["x"], kws_model.normalization, features.DEFAULT_PARAMS))
    steps = inputs.astype(int) - expected.astype(int)
    assert np.mean(steps == 0) >= 0.999 and np.abs(steps).max() <= 1


def test_the_c_recognizer_decides_as_the_python_one(simulated, kws_model):
    for stream, (detections, _, probabilities, times) in simulated.values():
        assert recognizer.detections_over_stream(probabilities, times, kws_model.labels, kws_model.recognizer_params) == detections
