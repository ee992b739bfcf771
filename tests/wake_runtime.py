"""ESPHome's own wake-word runtime (pymicro-wakeword) fed as a device feeds it, and a held-out stream to feed it:
shared by the tests that check a wake-word model, its ESPHome package and its Arduino sketch against it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kws import espeak, synthetic
from kws.micro_frontend import pcm16

HEARD_BEFORE, HEARD_AFTER = 8_000, 16_000  # samples around an utterance's end within which a wake hears it


def held_out_stream(phrase: str, voices: int = 8, seed: int = 77) -> tuple[np.ndarray, list[int]]:
    """Utterances by `voices` synthetic voices, 3 s apart over quiet pink noise: the audio and the sample where
    each utterance ends."""
    espeak.restart(seed=seed)
    rng = np.random.default_rng(seed)
    bed = synthetic.noise("pink", 3 * voices + 6, rng) * 0.02
    ends = []
    for i, speaker in enumerate(synthetic.speakers(voices, seed=seed)):
        utterance = synthetic.say(phrase, speaker, rng)
        at = 16_000 + i * 3 * 16_000
        bed[at : at + len(utterance)] += 0.4 * utterance / np.abs(utterance).max()
        ends.append(at + len(utterance))
    return bed.astype(np.float32), ends


def heard(wakes, ends: list[int]) -> list[bool]:
    """For each utterance, whether a wake (in samples) came near its end."""
    return [any(end - HEARD_BEFORE <= w <= end + HEARD_AFTER for w in wakes) for end in ends]


def elsewhere(wakes, ends: list[int]) -> list[int]:
    return [w for w in wakes if not any(end - HEARD_BEFORE <= w <= end + HEARD_AFTER for end in ends)]


def runtime_wakes(manifest: Path, audio: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Feed the runtime 10 ms at a time, as a device: the sample at which it wakes (its window's mean over the
    cutoff; once per second at most), and the mean it reports at each model step."""
    from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

    model, features = MicroWakeWord.from_config(manifest), MicroWakeWordFeatures()
    pcm, wakes, means, last, frames = pcm16(audio), [], [], -(10**9), 0
    for start in range(0, len(pcm), 320):
        for frame in features.process_streaming(pcm[start : start + 320]):
            mean = model.process_streaming_prob(frame)
            frames += 1
            if frames % model.stride == 0:  # the runtime ran the model on this frame: one value per stride
                means.append(mean)
            if mean > model.probability_cutoff and start // 2 - last > 16_000:
                wakes.append(start // 2)
                last = start // 2
    return wakes, np.asarray(means)
