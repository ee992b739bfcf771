"""ESPHome's features and model loop, proven against its own runtime: pymicro-wakeword (OHF) and the microWakeWord
model it ships. Chorus's featurizer must give the device's numbers, and Chorus's streaming scorer the device's
probabilities, on the same audio."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kws import synthetic
from kws.micro_frontend import MICRO_PARAMS, micro_features, pcm16
from kws.micro_wake_word import Detector, streaming_probabilities
from tests.services import require_espeak

pymicro_wakeword = pytest.importorskip("pymicro_wakeword")
from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model  # noqa: E402

BUNDLED = Path(pymicro_wakeword.__file__).parent / "models"


def spoken_in_noise(text: str, *, seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    """`text` by an espeak-ng voice, 1 s into `seconds` of pink noise at about 20 dB SNR."""
    rng = np.random.default_rng(seed)
    speech = synthetic.say(text, synthetic.speakers(1, seed=seed)[0], rng)
    audio = synthetic.noise("pink", seconds, rng)
    audio = 0.02 * audio / np.sqrt(np.mean(audio**2))
    start = synthetic.SAMPLE_RATE
    audio[start : start + len(speech)] += 0.2 * speech / np.abs(speech).max()
    return audio.astype(np.float32)


def device_features(audio: np.ndarray, chunk_samples: int) -> np.ndarray:
    """What pymicro-wakeword computes from a microphone that delivers `chunk_samples` at a time."""
    features = MicroWakeWordFeatures()
    pcm = pcm16(audio)
    frames = [
        frame.reshape(-1)
        for start in range(0, len(pcm), chunk_samples * 2)
        for frame in features.process_streaming(pcm[start : start + chunk_samples * 2])
    ]
    return np.asarray(frames, dtype=np.float32)


def detections(fired: np.ndarray) -> list[int]:
    """The step where each run of firing steps starts."""
    fired = np.asarray(fired, dtype=bool)
    return list(np.flatnonzero(fired & ~np.concatenate([[False], fired[:-1]])))


@pytest.mark.parametrize("chunk_samples", [160, 512, 1000])  # 10 ms, and the odd sizes microphone drivers use
def test_features_equal_the_device_frontends_on_synthetic_speech_and_noise(chunk_samples):
    require_espeak()
    audio = spoken_in_noise("hey jarvis")
    ours = micro_features(audio)
    assert ours.shape == (len(audio) // MICRO_PARAMS.step_samples - 2, 40)  # a frame per 10 ms, once 30 ms are in
    np.testing.assert_array_equal(ours, device_features(audio, chunk_samples))
    assert ours.std() > 0.5  # speech and noise, not a constant


def test_features_equal_the_device_frontends_on_tones_clipping_and_silence():
    t = np.arange(3 * 16_000) / 16_000
    audio = np.concatenate([np.zeros(8_000), 1.5 * np.sin(2 * np.pi * 440 * t), np.zeros(8_000)])  # clips at full scale
    np.testing.assert_array_equal(micro_features(audio), device_features(audio, 160))


def test_the_streaming_scorer_gives_the_probabilities_of_esphomes_runtime_on_the_bundled_model():
    require_espeak()
    config = json.loads((BUNDLED / "hey_jarvis.json").read_text())
    detector = Detector(config["micro"]["probability_cutoff"], config["micro"]["sliding_window_size"])
    audio = np.concatenate([spoken_in_noise("hey jarvis", seed=s) for s in range(3)])
    features = micro_features(audio)

    ours = streaming_probabilities((BUNDLED / config["model"]).read_bytes(), features)
    runtime = MicroWakeWord.from_builtin(Model.HEY_JARVIS)
    theirs = [runtime.process_streaming_prob(frame[None, None]) for frame in features]
    theirs = np.asarray(theirs[runtime.stride - 1 :: runtime.stride])  # it answers once per stride of frames

    assert len(ours) == len(features) // 3 == len(theirs)
    n = detector.sliding_window_size
    our_means = np.convolve(ours, np.ones(n) / n, mode="valid")
    their_means = theirs[n - 1 :]
    # The same int8 model in TFLM here and TensorFlow Lite's C library there: their kernels round intermediate
    # layers differently, which moves an output by a step or two, more where the probability climbs steeply
    # (measured on this stream: 93% of window means within one output step, the largest gap 0.0195).
    gap = np.abs(our_means - their_means)
    assert (gap <= 1 / 256 + 1e-6).mean() >= 0.9 and gap.max() <= 0.03, (np.percentile(gap, 99), gap.max())
    assert ours.max() > 0.9 and np.median(ours) < 0.1  # it hears the phrase, and not the noise
    # the same detections (a run of steps above the cutoff is one), at the manifest's cutoff and at one that
    # espeak-ng's voice surely crosses; a mean near the cutoff may cross a step earlier or later
    for cutoff in (detector.probability_cutoff, 0.5):
        ours_at, theirs_at = detections(Detector(cutoff, n).fires(ours)[n - 1 :]), detections(their_means > cutoff)
        assert len(ours_at) == len(theirs_at) and all(abs(a - b) <= 1 for a, b in zip(ours_at, theirs_at)), cutoff
    assert ours_at
