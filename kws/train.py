"""Training a keyword spotter from cleaned 1 s clips: class layout, per-epoch augmentation, Keras fit.

Pure: the Django job feeds it arrays and gets back the model, the history and the normalization.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from kws import architectures, features, silence

SILENCE = "_silence_"
UNKNOWN = "_unknown_"


@dataclass(frozen=True)
class TrainParams:
    architecture: str = "ds_cnn"  # or "tiny_conv"
    epochs: int = 30
    batch_size: int = 100
    learning_rate: float = 3e-3  # Adam, decayed by cosine to 5% over the run
    seed: int = 0
    silence_share: float = 0.1  # share of training examples that are silence cut from background noise
    unknown_share: float = 0.1  # share that are filler / non-target words
    time_shift_ms: int = 100  # augmentation: random shift of +-this
    noise_probability: float = 0.8  # augmentation: share of examples mixed with background noise
    noise_max_volume: float = 0.1
    spec_augment: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Examples:
    """Clips of one split and their class indices (into `labels`)."""

    audio: np.ndarray  # (N, clip_samples) float32
    y: np.ndarray  # (N,) int
    labels: list[str]


@dataclass
class TrainResult:
    model: object
    labels: list[str]
    normalization: dict  # scalar mean/std applied to features before the model
    history: list[dict] = field(default_factory=list)


def class_labels(keywords: list[str]) -> list[str]:
    return [SILENCE, UNKNOWN, *keywords]


def examples(
    audio: np.ndarray, words: list[str], keywords: list[str], noises: list[np.ndarray], rng: np.random.Generator, *,
    silence_share: float, unknown_share: float, params: features.FeatureParams = features.DEFAULT_PARAMS,
) -> Examples:
    """Keywords keep their clips; other words become `_unknown_` (subsampled to their share); silence is cut
    from background noise to its share."""
    labels = class_labels(keywords)
    index = {w: labels.index(w) for w in keywords}
    known = np.array([w in index for w in words], dtype=bool)
    n_known = int(known.sum())
    other = np.flatnonzero(~known)
    n_unknown = min(len(other), int(round(n_known * unknown_share / max(1e-9, 1 - unknown_share - silence_share))))
    chosen_unknown = rng.choice(other, n_unknown, replace=False) if n_unknown else np.array([], dtype=int)
    n_silence = int(round((n_known + n_unknown) * silence_share / max(1e-9, 1 - silence_share)))
    silent = silence.cut_silence(noises, n_silence, rng, clip_samples=params.clip_samples)
    clips = np.concatenate([audio[known], audio[chosen_unknown], silent]).astype(np.float32)
    y = np.concatenate([
        np.array([index[w] for w, k in zip(words, known) if k], dtype=np.int64),
        np.full(n_unknown, labels.index(UNKNOWN)), np.full(n_silence, labels.index(SILENCE)),
    ]).astype(np.int64)
    return Examples(clips, y, labels)


def _augment(audio: np.ndarray, noises: list[np.ndarray], rng: np.random.Generator, p: TrainParams, sample_rate: int) -> np.ndarray:
    out = np.empty_like(audio)
    max_shift = p.time_shift_ms * sample_rate // 1000
    for i, clip in enumerate(audio):
        shift = int(rng.integers(-max_shift, max_shift + 1))
        shifted = np.roll(clip, shift)
        if shift > 0:
            shifted[:shift] = 0
        elif shift < 0:
            shifted[shift:] = 0
        if noises and rng.random() < p.noise_probability:
            shifted = shifted + silence.cut_silence(noises, 1, rng, clip_samples=len(clip), max_volume=p.noise_max_volume)[0]
        out[i] = np.clip(shifted, -1, 1)
    return out


def _spec_augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = x.copy()
    frames, channels = x.shape[1:]
    fill = x.mean()
    for sample in x:
        for _ in range(2):
            t = rng.integers(0, 6)
            t0 = rng.integers(0, frames - t + 1)
            sample[t0 : t0 + t] = fill
            f = rng.integers(0, 5)
            f0 = rng.integers(0, channels - f + 1)
            sample[:, f0 : f0 + f] = fill
    return x


def featurize_normalized(audio: np.ndarray, normalization: dict, params: features.FeatureParams) -> np.ndarray:
    x = np.concatenate([features.featurize_batch(audio[i : i + 512], params) for i in range(0, len(audio), 512)]) if len(audio) else np.zeros((0, *params.shape), np.float32)
    return ((x - normalization["mean"]) / normalization["std"]).astype(np.float32)


def train(
    train_set: Examples, validation_set: Examples, noises: list[np.ndarray], params: TrainParams, *,
    feature_params: features.FeatureParams = features.DEFAULT_PARAMS,
    on_epoch: Callable[[dict], bool] | None = None,
) -> TrainResult:
    """Fit with fresh augmentation each epoch. `on_epoch(progress)` is called after every epoch; returning
    False stops (a cancelled job)."""
    import keras

    keras.utils.set_random_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    plain = features.featurize_batch(train_set.audio[:2000], feature_params)
    normalization = {"kind": "scalar", "mean": float(plain.mean()), "std": float(plain.std() + 1e-6)}
    x_val = featurize_normalized(validation_set.audio, normalization, feature_params)
    model = architectures.build(params.architecture, feature_params.shape, len(train_set.labels))
    steps = params.epochs * int(np.ceil(len(train_set.y) / params.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(params.learning_rate, decay_steps=max(1, steps), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = []
    for epoch in range(params.epochs):
        audio = _augment(train_set.audio, noises, rng, params, feature_params.sample_rate)
        x = featurize_normalized(audio, normalization, feature_params)
        if params.spec_augment:
            x = _spec_augment(x, rng)
        fit = model.fit(
            x, train_set.y, batch_size=params.batch_size, epochs=1, verbose=0, shuffle=True,
            validation_data=(x_val, validation_set.y) if len(x_val) else None,
        )
        record = {"epoch": epoch + 1, **{k: float(v[-1]) for k, v in fit.history.items()}}
        history.append(record)
        if on_epoch is not None and on_epoch(record) is False:
            break
    return TrainResult(model=model, labels=train_set.labels, normalization=normalization, history=history)
