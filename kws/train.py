"""Training a keyword spotter from cleaned 1 s clips: class layout, per-epoch augmentation, Keras fit.

Pure: the Django job feeds it arrays and gets back the model, the history and the normalization.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from kws import architectures, augment, features, silence
from kws.recognizer import SILENCE_LABEL as SILENCE
from kws.recognizer import UNKNOWN_LABEL as UNKNOWN

DEFAULT_EPOCHS = 30  # what the API, the train command and the training page offer

# A small campaign (a few hundred clips) used to get two optimizer steps an epoch at batch 100: too few to
# learn, and too few for BatchNorm's moving statistics (momentum 0.99) to leave their initial values, so the
# model scored in inference mode predicted one class. Small training sets get smaller batches, BatchNorm's
# momentum follows the steps an epoch, and its statistics are measured exactly once training ends.
MIN_STEPS_PER_EPOCH = 10
MIN_BATCH_SIZE = 16
RECALIBRATION_EXAMPLES = 2000


@dataclass(frozen=True)
class TrainParams:
    architecture: str = architectures.DEFAULT_ARCHITECTURE  # a key of architectures.ARCHITECTURES
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = 100
    learning_rate: float = 3e-3  # Adam, decayed by cosine to 5% over the run
    seed: int = 0
    silence_share: float = 0.1  # share of training examples that are silence cut from background noise
    unknown_share: float = 0.1  # share that are filler / non-target words
    # Share added as 1 s windows of running speech without keywords (_unknown_). 0.15 took the starter set's FRR at
    # 0.5 FA/h from "not reached" to 42% (benchmarks/README.md), but one CI run of it scored 87.3% clip accuracy,
    # under the starter set's 90% bar: off by default until that is understood.
    negative_speech_share: float = 0.0
    augment: dict = field(default_factory=lambda: augment.DEFAULT_AUGMENT.as_dict())  # kws.augment.AugmentParams
    spec_augment: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Examples:
    """Clips of one split and their class indices (into `labels`)."""

    audio: np.ndarray  # (N, clip_samples) float32
    y: np.ndarray  # (N,) int
    labels: list[str]
    source: np.ndarray  # (N,) index of each example in the input clips; -1 for silence cut from noise


@dataclass
class TrainResult:
    model: object
    labels: list[str]
    normalization: dict  # scalar mean/std applied to features before the model
    history: list[dict] = field(default_factory=list)


def class_labels(keywords: list[str]) -> list[str]:
    return [SILENCE, UNKNOWN, *keywords]


def examples(
    audio: np.ndarray,
    words: list[str],
    keywords: list[str],
    noises: list[np.ndarray],
    rng: np.random.Generator,
    *,
    silence_share: float,
    unknown_share: float,
    params: features.FeatureParams = features.DEFAULT_PARAMS,
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
    y = np.concatenate(
        [
            np.array([index[w] for w, k in zip(words, known) if k], dtype=np.int64),
            np.full(n_unknown, labels.index(UNKNOWN)),
            np.full(n_silence, labels.index(SILENCE)),
        ]
    ).astype(np.int64)
    source = np.concatenate([np.flatnonzero(known), chosen_unknown, np.full(n_silence, -1)]).astype(np.int64)
    return Examples(clips, y, labels, source)


def with_negative_speech(
    examples: Examples, pieces: list[np.ndarray], share: float, rng: np.random.Generator, *, clip_samples: int = 16_000
) -> Examples:
    """`examples` plus windows cut at random from running speech that holds no keyword, as `_unknown_`, making up
    `share` of the result: without them a model hears keywords in any speech it has not met."""
    usable = [p for p in pieces if len(p) >= clip_samples]
    count = int(round(len(examples.y) * share / max(1e-9, 1 - share)))
    if not usable or count == 0:
        return examples
    windows = np.empty((count, clip_samples), np.float32)
    for i in range(count):
        piece = usable[int(rng.integers(len(usable)))]
        start = int(rng.integers(0, len(piece) - clip_samples + 1))
        windows[i] = piece[start : start + clip_samples]
    return Examples(
        audio=np.concatenate([examples.audio, windows]),
        y=np.concatenate([examples.y, np.full(count, examples.labels.index(UNKNOWN), np.int64)]),
        labels=examples.labels,
        source=np.concatenate([examples.source, np.full(count, -1, np.int64)]),
    )


def featurize_normalized(audio: np.ndarray, normalization: dict, params: features.FeatureParams) -> np.ndarray:
    x = (
        np.concatenate([features.featurize_batch(audio[i : i + 512], params) for i in range(0, len(audio), 512)])
        if len(audio)
        else np.zeros((0, *params.shape), np.float32)
    )
    return ((x - normalization["mean"]) / normalization["std"]).astype(np.float32)


def train(
    train_set: Examples,
    validation_set: Examples,
    noises: list[np.ndarray],
    params: TrainParams,
    *,
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
    batch_size = batch_size_for(len(train_set.y), params.batch_size)
    steps_per_epoch = int(np.ceil(len(train_set.y) / batch_size))
    batch_norm_momentum_set(model, steps_per_epoch)
    steps = params.epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(params.learning_rate, decay_steps=max(1, steps), alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    augment_params = augment.AugmentParams(**params.augment)
    history = []
    for epoch in range(params.epochs):
        audio = augment.augment_batch(train_set.audio, noises, rng, augment_params)
        x = featurize_normalized(audio, normalization, feature_params)
        if params.spec_augment:
            x = augment.spec_augment_batch(x, rng, augment_params)
        fit = model.fit(
            x,
            train_set.y,
            batch_size=batch_size,
            epochs=1,
            verbose=0,
            shuffle=True,
            validation_data=(x_val, validation_set.y) if len(x_val) else None,
        )
        record = {"epoch": epoch + 1, **{k: float(v[-1]) for k, v in fit.history.items()}}
        history.append(record)
        if on_epoch is not None and on_epoch(record) is False:
            break
    batch_norm_recalibrated(model, x)
    return TrainResult(model=model, labels=train_set.labels, normalization=normalization, history=history)


def batch_size_for(examples: int, requested: int) -> int:
    """The requested batch, made smaller for a small training set so that an epoch has MIN_STEPS_PER_EPOCH steps."""
    return max(min(requested, MIN_BATCH_SIZE), min(requested, int(np.ceil(examples / MIN_STEPS_PER_EPOCH))))


def _batch_norms(model) -> list:
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def batch_norm_momentum_set(model, steps_per_epoch: int) -> None:
    """Moving statistics that settle within about two epochs however short an epoch is (0.9 to 0.99)."""
    for layer in _batch_norms(model):
        layer.momentum = float(np.clip(1 - 5 / steps_per_epoch, 0.9, 0.99))


def batch_norm_recalibrated(model, x: np.ndarray) -> None:
    """Replace each BatchNorm layer's moving statistics by the exact ones over (up to 2,000 of) the last epoch's
    inputs, layer by layer in order, so that inference normalizes as training did."""
    import keras

    x = x[:RECALIBRATION_EXAMPLES]
    for layer in _batch_norms(model):
        probe = keras.Model(model.inputs, layer.input)
        activations = np.concatenate([probe([x[i : i + 256]], training=False).numpy() for i in range(0, len(x), 256)])
        axes = tuple(range(activations.ndim - 1))
        layer.moving_mean.assign(activations.mean(axis=axes))
        layer.moving_variance.assign(activations.var(axis=axes))
