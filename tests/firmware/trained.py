"""A small keyword spotter trained in the test session from espeak-ng speakers (kws.synthetic): three keywords,
fillers as `_unknown_`, silence cut from noise; the project's DS-CNN, int8, with its measured TFLM arena.

Takes are trimmed to their audible part before they are placed in the 1 s clips, so the model learns words that
end anywhere in the window, right up to its end: on a stream the recognizer can then answer soon after a word ends.
Clear voices only (no whispering or croaking espeak variants): the simulation tests the firmware's pipeline, not
the model's robustness. Over five training seeds x four streams every keyword was found within 200 ms of its end
and no noise was taken for one. About 100 s on two cores.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kws import features, quantize, synthetic, train
from kws.recognizer import RecognizerParams

KEYWORDS = ("yes", "no", "stop")
FILLERS = ("bed", "cat", "house", "tree", "learn", "bird")
NOISE_KINDS = ("white", "pink", "brown", "hum")
SPEAKERS = 80
UNCLEAR_VOICES = frozenset({"whisper", "croak"})  # espeak variants left out: no voiced pitch, or a rough one
ARCHITECTURE = "ds_cnn"
TAKES = 3  # per speaker and word
EPOCHS = 30
AUDIBLE = 0.05  # a take's audible part: samples above this fraction of its peak
# The package's recognizer: a short average so a command is reported within a few hundred ms of its end.
RECOGNIZER = RecognizerParams(average_window_ms=300, detection_threshold=0.6, suppression_ms=1500, minimum_count=3)


@dataclass(frozen=True)
class TrainedKws:
    model_int8: bytes
    labels: list[str]
    normalization: dict
    arena_bytes: int
    speakers: list[synthetic.Speaker]
    noises: dict[str, np.ndarray]
    feature_params: features.FeatureParams = features.DEFAULT_PARAMS
    recognizer_params: RecognizerParams = RECOGNIZER


def trimmed_take(word: str, speaker: synthetic.Speaker, rng: np.random.Generator) -> np.ndarray:
    take = synthetic.say(word, speaker, rng)
    loud = np.flatnonzero(np.abs(take) > AUDIBLE * np.abs(take).max())
    return take[loud[0] : loud[-1] + 1]


def train_kws(seed: int = 0) -> TrainedKws:
    rng = np.random.default_rng(seed)
    speakers = [s for s in synthetic.speakers(2 * SPEAKERS, seed=seed + 1) if s.variant not in UNCLEAR_VOICES][:SPEAKERS]
    noises = {kind: synthetic.noise(kind, 20, rng) for kind in NOISE_KINDS}
    audio, words = [], []
    for speaker in speakers:
        for word in KEYWORDS + FILLERS:
            for _ in range(TAKES):
                audio.append(synthetic.place(trimmed_take(word, speaker, rng), rng, noise_bed=None, snr_db=None))
                words.append(word)
    order = rng.permutation(len(audio))
    audio = np.array(audio, np.float32)[order]
    words = [words[i] for i in order]
    n_val = len(audio) // 8
    noise_list = list(noises.values())
    shares = {"silence_share": 0.1, "unknown_share": 0.15}
    train_set = train.examples(audio[n_val:], words[n_val:], list(KEYWORDS), noise_list, rng, **shares)
    val_set = train.examples(audio[:n_val], words[:n_val], list(KEYWORDS), noise_list, rng, **shares)
    result = train.train(train_set, val_set, noise_list, train.TrainParams(architecture=ARCHITECTURE, epochs=EPOCHS, batch_size=32, seed=seed))
    representative = train.featurize_normalized(train_set.audio[:300], result.normalization, features.DEFAULT_PARAMS)
    model = quantize.convert_int8(result.model, representative)
    return TrainedKws(
        model_int8=model, labels=result.labels, normalization=result.normalization,
        arena_bytes=quantize.tflm_smallest_arena(model, features.DEFAULT_PARAMS.shape), speakers=speakers, noises=noises,
    )
