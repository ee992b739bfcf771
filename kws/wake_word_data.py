"""Training windows for a wake-word model: audio laid out as the device hears it, then featurized by the
frontend the device runs.

A positive window ends 0-350 ms after the phrase does (the streaming model should fire there); negatives are
confusable phrases placed the same way, the phrase cut off before its end, stretches of long negative
recordings, and noise. Every window is mixed at a random level over a noise bed (real microphones never give
digital silence), with half a second of the same bed before it so the frontend's noise estimate and gain
control settle as they do on a device that has been listening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kws.micro_frontend import MICRO_PARAMS, micro_features

SAMPLE_RATE = MICRO_PARAMS.sample_rate
HOP = MICRO_PARAMS.step_samples
FRAME = SAMPLE_RATE * MICRO_PARAMS.window_ms // 1000
WARMUP_FRAMES = 50
POSITIVE_END_S = (0.0, 0.35)  # after the phrase ends, while the window still holds it all
CUT_OFF_S = (0.25, 0.6)  # the phrase still this far from its end: not yet the wake word
LEVEL_DB = (-32.0, -1.0)  # peak level of speech at the microphone
SNR_DB = (0.0, 30.0)
NOISE_FLOOR = 10 ** (-72 / 20)  # a microphone's self-noise, relative to full scale


@dataclass(frozen=True)
class Sources:
    positives: list[np.ndarray]  # utterances of the phrase, 16 kHz
    confusables: list[np.ndarray]  # other words and near-miss phrases, one per clip
    negative_audio: list[np.ndarray]  # long recordings that hold no wake word
    noises: list[np.ndarray]  # background noise recordings


@dataclass(frozen=True)
class Windows:
    x: np.ndarray  # (n, frames, 40) float32 features
    y: np.ndarray  # (n,) 1.0 for the wake word
    kind: np.ndarray  # (n,) what each window is: positive, confusable, cut_off, negative_audio, noise


def speech_span(audio: np.ndarray) -> tuple[int, int]:
    """(first, last + 1) sample of the utterance: the 10 ms frames louder than halfway (in dB) between the
    clip's noise floor and its loudest frame, so a take recorded over noise is not all "speech"."""
    x = np.asarray(audio, np.float64)
    n = len(x) // HOP
    if n == 0:
        return 0, len(x)
    energy = 10 * np.log10(np.mean(x[: n * HOP].reshape(n, HOP) ** 2, axis=1) + 1e-12)
    floor, peak = float(np.percentile(energy, 10)), float(energy.max())
    loud = np.flatnonzero(energy > max(peak - 35.0, (floor + peak) / 2))
    return int(loud[0] * HOP), int((loud[-1] + 1) * HOP)


def window_samples(frames: int) -> int:
    """Audio samples from which the frontend makes exactly `frames` frames."""
    return (frames - 1) * HOP + FRAME


def _bed(noises: list[np.ndarray], samples: int, rng: np.random.Generator) -> np.ndarray:
    usable = [n for n in noises if len(n) >= samples]
    floor = rng.normal(0, NOISE_FLOOR, samples).astype(np.float32)
    if not usable or rng.random() < 0.15:
        return floor
    noise = usable[rng.integers(len(usable))]
    start = int(rng.integers(0, len(noise) - samples + 1))
    return noise[start : start + samples].astype(np.float32) + floor


def _level(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    peak = float(np.abs(audio).max()) or 1.0
    return audio * (10 ** (rng.uniform(*LEVEL_DB) / 20) / peak)


def _mix(speech: np.ndarray, bed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speech over the bed at a random SNR (the bed keeps its floor when it is only that)."""
    active = speech[np.abs(speech) > 1e-6]
    speech_power = float(np.mean(active**2)) if len(active) else 0.0
    bed_power = float(np.mean(bed**2)) + 1e-15
    if speech_power and bed_power > NOISE_FLOOR**2 * 4:
        bed = bed * np.sqrt(speech_power / bed_power / 10 ** (rng.uniform(*SNR_DB) / 10))
    return np.clip(speech + bed, -1.0, 1.0)


def _placed(utterance: np.ndarray, end_before_window_end: float, samples: int) -> np.ndarray:
    """The utterance in `samples` of silence, its speech ending this many seconds before the end (negative:
    after it, so the end is cut off)."""
    _, end = speech_span(utterance)
    out = np.zeros(samples, np.float32)
    stop = samples - int(end_before_window_end * SAMPLE_RATE)  # where the speech's end lands
    first = stop - end
    src_from, dst_from = max(0, -first), max(0, first)
    length = min(len(utterance) - src_from, samples - dst_from)
    if length > 0:
        out[dst_from : dst_from + length] = utterance[src_from : src_from + length]
    return out


def featurized(audio: np.ndarray, frames: int) -> np.ndarray:
    """The last `frames` frames of the frontend run over the audio (warm-up first)."""
    features = micro_features(audio)
    return features[-frames:]


def windows(
    sources: Sources,
    frames: int,
    rng: np.random.Generator,
    *,
    per_positive: int = 3,
    negatives_per_positive: float = 5.0,
) -> Windows:
    """Augmented windows of `frames` feature frames: each positive `per_positive` times, and negatives of each
    kind in proportion."""
    samples = window_samples(WARMUP_FRAMES + frames)
    n_pos = len(sources.positives) * per_positive
    n_neg = int(n_pos * negatives_per_positive)
    shares = {"confusable": 0.35, "cut_off": 0.1, "negative_audio": 0.4, "noise": 0.15}
    if not sources.confusables:
        shares["negative_audio"] += shares.pop("confusable")
    if not sources.negative_audio:
        shares["confusable" if sources.confusables else "noise"] += shares.pop("negative_audio")
    plan = [("positive", i % len(sources.positives)) for i in range(n_pos)] if sources.positives else []
    total = sum(shares.values())
    for kind, share in shares.items():
        plan += [(kind, None)] * int(round(n_neg * share / total))
    xs, ys, kinds = [], [], []
    for kind, index in plan:
        bed = _bed(sources.noises, samples, rng)
        if kind == "positive":
            speech = _placed(_level(sources.positives[index], rng), rng.uniform(*POSITIVE_END_S), samples)
        elif kind == "confusable":
            clip = sources.confusables[rng.integers(len(sources.confusables))]
            speech = _placed(_level(clip, rng), rng.uniform(-0.1, 0.6), samples)
        elif kind == "cut_off" and sources.positives:
            clip = sources.positives[rng.integers(len(sources.positives))]
            speech = _placed(_level(clip, rng), -rng.uniform(*CUT_OFF_S), samples)
        elif kind == "negative_audio":
            audio = sources.negative_audio[rng.integers(len(sources.negative_audio))]
            start = int(rng.integers(0, max(1, len(audio) - samples)))
            piece = np.zeros(samples, np.float32)
            chunk = audio[start : start + samples]
            piece[: len(chunk)] = chunk
            speech = _level(piece, rng) if np.abs(piece).max() > 0 else piece
        else:
            speech = np.zeros(samples, np.float32)
            bed = bed * 10 ** (rng.uniform(-20, 10) / 20)
        xs.append(featurized(_mix(speech, bed, rng), frames))
        ys.append(1.0 if kind == "positive" else 0.0)
        kinds.append(kind)
    return Windows(np.asarray(xs, np.float32), np.asarray(ys, np.float32), np.asarray(kinds))
