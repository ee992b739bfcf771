"""Likely label errors in a labelled clip set, by confident learning.

Every clip gets class probabilities from a small CNN that never saw it nor its speaker (k folds split by
speaker), and cleanlab scores each clip by the probability of its given label. Pure: the Django finder
(training/label_errors.py) feeds it cached features, class indices and speakers.

Why a CNN and not a linear model over pooled features: on 60 espeak-ng voices x 10 words with 5% of the labels
wrong, logistic regression, LDA and an RBF SVM over time-pooled log-mels agreed with the true words on 55-80% of
the clips out of fold, and most of their suspects were clean clips; this network agrees on 92-94%, in about a
minute on two cores (benchmarks/README.md, "Label errors").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

# A clip whose given word the out-of-fold model gives less than this is a suspect whatever the confident joint counts:
# the count is an estimate, and where a class is easy (its clips average 0.99) a clip the model gives 0.9 for its true
# word is not counted, so a mislabelled clip scored ~0 could fall just past it (it did, for one fold draw in twelve)
SURE_WRONG_BELOW = 0.02


@dataclass(frozen=True)
class FinderParams:
    folds: int = 5  # speaker-disjoint folds; fewer when there are fewer speakers
    steps_per_fold: int = 1350  # optimizer steps per fold model, within the epoch bounds below
    min_epochs: int = 6
    max_epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 3e-3  # Adam, decayed by cosine to 5% over a fold's steps
    # Each training clip moved up or down by up to this many mel channels: a held-out voice sits a little higher
    # or lower than the voices a fold learned from (without it, pure tones of the extreme speakers were misheard).
    channel_shift: int = 1
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def steps_per_epoch(self, examples: int) -> int:
        return max(1, int(np.ceil(examples / self.batch_size)))

    def epochs_for(self, examples: int) -> int:
        epochs = round(self.steps_per_fold / self.steps_per_epoch(examples))
        return int(np.clip(epochs, self.min_epochs, self.max_epochs))


DEFAULT_FINDER = FinderParams()


@dataclass
class LabelIssues:
    """The finder's answer over N clips of K classes."""

    probabilities: np.ndarray  # (N, K) out-of-fold class probabilities
    quality: np.ndarray  # (N,) cleanlab's label quality score: 0 the model is sure the label is wrong, 1 it agrees
    suspects: np.ndarray  # indices of the clips cleanlab flags, most likely error first
    # (M, K) class probabilities of the clips label_issues_find was given as `unlabelled` (the fold models' mean)
    unlabelled_probabilities: np.ndarray | None = None

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def accuracy(self, labels: np.ndarray) -> float:
        """Out-of-fold agreement with the given labels (planted errors count against it)."""
        return float((self.predicted == np.asarray(labels)).mean()) if len(labels) else 0.0


def speaker_folds(labels: np.ndarray, speakers: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """The fold of each clip: every speaker's clips in one fold, classes spread evenly across folds. The folds
    depend on the order of the clips, not on the speakers' names: the same clips in the same order (the finder
    orders them by content) get the same folds whatever ids their speakers were given."""
    from sklearn.model_selection import StratifiedGroupKFold

    names, first_seen, groups = np.unique(np.asarray(speakers), return_index=True, return_inverse=True)
    speakers = np.argsort(np.argsort(first_seen))[groups]  # speaker number = order of first appearance
    n_speakers = len(names)
    if n_speakers < 2:
        raise ValueError("finding label errors needs clips of at least 2 speakers")
    splitter = StratifiedGroupKFold(n_splits=min(folds, n_speakers), shuffle=True, random_state=seed)
    fold_of = np.full(len(labels), -1, np.int64)
    with warnings.catch_warnings():  # a class with fewer clips than folds is fine: it is missing from some folds
        warnings.simplefilter("ignore", UserWarning)
        for fold, (_, held_out) in enumerate(splitter.split(np.zeros(len(labels)), labels, speakers)):
            fold_of[held_out] = fold
    return fold_of


def _build(input_shape: tuple[int, int], n_classes: int, learning_rate: float, steps: int):
    """Three convolutions and a max over time and frequency: a word is found wherever it sits in the clip."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape)
    x = layers.Reshape((*input_shape, 1))(inputs)
    for filters, kernel, stride in ((16, 5, 2), (32, 3, 2), (32, 3, 1)):
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", activation="relu")(x)
    x = layers.GlobalMaxPooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="label_error_finder")
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(1, steps), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    return model


def _batches(tf, x: np.ndarray, labels: np.ndarray, params: FinderParams):
    """Every epoch's shuffled, channel-shifted batches as one stream: a single fit() call, without Keras's
    per-epoch overhead (most of the time on a small campaign)."""
    frames, channels, shift = *x.shape[1:], params.channel_shift

    def shifted(clip, label):
        edges = (tf.repeat(clip[:, :1], shift, axis=1), tf.repeat(clip[:, -1:], shift, axis=1))
        return tf.image.random_crop(tf.concat([edges[0], clip, edges[1]], axis=1), (frames, channels)), label

    stream = tf.data.Dataset.from_tensor_slices((x.astype(np.float32), labels))
    stream = stream.shuffle(len(labels), seed=params.seed, reshuffle_each_iteration=True)
    stream = stream.repeat(params.epochs_for(len(labels)))
    if shift:
        stream = stream.map(shifted)
    return stream.batch(params.batch_size)


def _predict(model, x: np.ndarray) -> np.ndarray:
    # called directly, not through predict(): a fresh model per fold would retrace predict's function each time
    return np.concatenate([model(x[i : i + 256], training=False).numpy() for i in range(0, len(x), 256)])


def fold_probabilities(
    x: np.ndarray,
    labels: np.ndarray,
    speakers: np.ndarray,
    n_classes: int,
    params: FinderParams = DEFAULT_FINDER,
    on_fold: Callable[[int, int], None] | None = None,
    unlabelled: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(N, frames, channels) features -> (N, n_classes) probabilities, each from a model trained without the
    clip's speaker, and for `unlabelled` clips (M, frames, channels; clips no fold trained on, such as clips waiting
    for review) the mean of every fold model's probabilities, (M, n_classes). `on_fold(done, total)` after each
    fold."""
    import keras
    import tensorflow as tf

    x, labels = np.asarray(x, np.float32), np.asarray(labels, np.int64)
    unlabelled = np.zeros((0, *x.shape[1:]), np.float32) if unlabelled is None else np.asarray(unlabelled, np.float32)
    fold_of = speaker_folds(labels, speakers, params.folds, params.seed)
    folds = int(fold_of.max()) + 1
    probabilities = np.zeros((len(labels), n_classes), np.float32)
    unlabelled_probabilities = np.zeros((len(unlabelled), n_classes), np.float32)
    for fold in range(folds):
        train, held_out = fold_of != fold, fold_of == fold
        mean, std = float(x[train].mean()), float(x[train].std() + 1e-6)
        keras.utils.set_random_seed(params.seed + fold)
        examples = int(train.sum())
        steps = params.epochs_for(examples) * params.steps_per_epoch(examples)
        model = _build(x.shape[1:], n_classes, params.learning_rate, steps)
        model.fit(_batches(tf, (x[train] - mean) / std, labels[train], params), epochs=1, shuffle=False, verbose=0)
        probabilities[held_out] = _predict(model, (x[held_out] - mean) / std)
        if len(unlabelled):
            unlabelled_probabilities += _predict(model, (unlabelled - mean) / std) / folds
        keras.backend.clear_session()
        if on_fold is not None:
            on_fold(fold + 1, folds)
    return probabilities, unlabelled_probabilities


def out_of_fold_probabilities(
    x: np.ndarray,
    labels: np.ndarray,
    speakers: np.ndarray,
    n_classes: int,
    params: FinderParams = DEFAULT_FINDER,
    on_fold: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The out-of-fold half of fold_probabilities."""
    return fold_probabilities(x, labels, speakers, n_classes, params, on_fold)[0]


def label_issues_ranked(labels: np.ndarray, probabilities: np.ndarray) -> LabelIssues:
    """Confident learning over out-of-fold probabilities. Every clip's score is its self-confidence (the
    probability of its given label); the suspects are the lowest-scoring clips, as many as the calibrated confident
    joint counts label errors, and at least every clip scored under SURE_WRONG_BELOW. On the benchmark's
    probabilities the count alone held 90% of the planted errors at 83% precision; cleanlab's find_label_issues
    filters found 61-85% at 70-98% (its default: 69% at 70%)."""
    from cleanlab.count import num_label_issues
    from cleanlab.rank import get_label_quality_scores

    labels = np.asarray(labels, np.int64)
    probabilities = np.asarray(probabilities, np.float64)
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    quality = get_label_quality_scores(labels, probabilities, method="self_confidence")
    count = num_label_issues(labels, probabilities, estimation_method="off_diagonal_calibrated")
    count = max(count, int((quality < SURE_WRONG_BELOW).sum()))
    suspects = np.argsort(quality, kind="stable")[:count]
    return LabelIssues(probabilities=probabilities, quality=quality, suspects=suspects.astype(np.int64))


def label_issues_find(
    x: np.ndarray,
    labels: np.ndarray,
    speakers: np.ndarray,
    n_classes: int,
    params: FinderParams = DEFAULT_FINDER,
    on_fold: Callable[[int, int], None] | None = None,
    unlabelled: np.ndarray | None = None,
) -> LabelIssues:
    probabilities, unlabelled_probabilities = fold_probabilities(
        x, labels, speakers, n_classes, params, on_fold, unlabelled
    )
    issues = label_issues_ranked(labels, probabilities)
    issues.unlabelled_probabilities = unlabelled_probabilities
    return issues
