"""Training the streaming wake-word network: phrase against everything else, then hard negatives mined.

After the first pass the model is run over every window of the training negative recordings (features once
per recording, the model in batches); the windows it scores highest join the negatives and training goes on.
These are the false wakes a device would have had, so the model learns from its own mistakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from kws import streaming_model, wake_word_data
from kws.micro_frontend import micro_features
from kws.train import RECALIBRATION_EXAMPLES, batch_norm_momentum_set, batch_norm_recalibrated


@dataclass(frozen=True)
class WakeWordTrainParams:
    epochs: int = 24
    mining_epochs: int = 8
    batch_size: int = 128
    learning_rate: float = 0.003
    negative_weight: float = 2.0  # a false wake costs more than a miss: one in every hour of a home's audio
    per_positive: int = 6
    negatives_per_positive: float = 5.0
    mined_share: float = 0.15  # mined windows, as a share of the first pass's negatives
    mining_floor: float = 0.1  # windows scored below this teach nothing new
    seed: int = 0
    spec: streaming_model.StreamingSpec = field(default_factory=streaming_model.StreamingSpec)

    def as_dict(self) -> dict:
        return {**asdict(self), "spec": self.spec.as_dict()}


@dataclass
class WakeWordTrainResult:
    model: object
    history: list[dict]
    mined: int
    train_windows: int


def mined_windows(
    model, recordings: list[np.ndarray], spec: streaming_model.StreamingSpec, count: int, floor: float
) -> np.ndarray:
    """The `count` windows of the recordings the model scores highest (above `floor`), as a device hears
    them: the frontend run over each whole recording."""
    best_scores, best_windows = np.zeros(0, np.float32), np.zeros((0, spec.input_frames, 40), np.float32)
    for audio in recordings:
        views = streaming_model.windows(micro_features(audio), spec)
        if not len(views):
            continue
        scores = model.predict(views, batch_size=1024, verbose=0)[:, 0]
        keep = np.flatnonzero(scores > floor)
        best_scores = np.concatenate([best_scores, scores[keep]])
        best_windows = np.concatenate([best_windows, np.asarray(views[keep], np.float32)])
        if len(best_scores) > count:
            top = np.argsort(-best_scores)[:count]
            best_scores, best_windows = best_scores[top], best_windows[top]
    return best_windows


def _fit(
    model,
    data: wake_word_data.Windows,
    validation: wake_word_data.Windows,
    params,
    epochs,
    epoch_offset,
    on_epoch,
    history,
):
    import keras

    weights = np.where(data.y > 0, 1.0, params.negative_weight).astype(np.float32)
    best = {"loss": np.inf, "weights": model.get_weights()}
    batch_norm_momentum_set(model, max(1, len(data.y) // params.batch_size))
    sample = data.x[np.random.default_rng(params.seed).permutation(len(data.y))[:RECALIBRATION_EXAMPLES]]

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            # a small campaign gives few steps: moving statistics would still hold their initial values
            batch_norm_recalibrated(self.model, sample)
            p = self.model.predict(validation.x, batch_size=1024, verbose=0)[:, 0] if len(validation.y) else np.zeros(0)
            positives, negatives = validation.y > 0, validation.y == 0
            record = {
                "epoch": epoch_offset + epoch + 1,
                "loss": round(float(logs.get("loss", np.nan)), 5),
                "accuracy": round(float(logs.get("accuracy", np.nan)), 5),
                "val_loss": round(float(logs.get("val_loss", np.nan)), 5),
                "val_accuracy": round(float(logs.get("val_accuracy", np.nan)), 5),
                "val_recall": round(float((p[positives] > 0.5).mean()), 5) if positives.any() else None,
                "val_false_positive_rate": round(float((p[negatives] > 0.5).mean()), 5) if negatives.any() else None,
            }
            history.append(record)
            if record["val_loss"] < best["loss"]:
                best.update(loss=record["val_loss"], weights=self.model.get_weights())
            if on_epoch is not None and on_epoch(record) is False:
                self.model.stop_training = True

    validation_data = (validation.x, validation.y) if len(validation.y) else None
    model.fit(
        data.x,
        data.y,
        sample_weight=weights,
        batch_size=params.batch_size,
        epochs=epochs,
        shuffle=True,
        validation_data=validation_data,
        callbacks=[Report()],
        verbose=0,
    )
    if validation_data is not None:
        model.set_weights(best["weights"])  # the epoch that generalized best, not the last one
    return model.stop_training


def train(
    train_sources: wake_word_data.Sources,
    validation_sources: wake_word_data.Sources,
    params: WakeWordTrainParams = WakeWordTrainParams(),
    *,
    on_epoch: Callable[[dict], bool] | None = None,
) -> WakeWordTrainResult:
    """`on_epoch` gets each epoch's record (epochs counted across both passes); returning False stops."""
    import keras

    keras.utils.set_random_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    spec = params.spec
    make = lambda sources, per: wake_word_data.windows(  # noqa: E731
        sources, spec.input_frames, rng, per_positive=per, negatives_per_positive=params.negatives_per_positive
    )
    data, validation = make(train_sources, params.per_positive), make(validation_sources, 1)
    model = streaming_model.build(spec)
    total_epochs = params.epochs + (params.mining_epochs if train_sources.negative_audio else 0)
    steps = total_epochs * max(1, int(np.ceil(len(data.y) * (1 + params.mined_share) / params.batch_size)))
    schedule = keras.optimizers.schedules.CosineDecay(params.learning_rate, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="binary_crossentropy", metrics=["accuracy"])
    history: list[dict] = []
    stopped = _fit(model, data, validation, params, params.epochs, 0, on_epoch, history)
    mined = 0
    if not stopped and params.mining_epochs and train_sources.negative_audio:
        count = int((data.y == 0).sum() * params.mined_share)
        hard = mined_windows(model, train_sources.negative_audio, spec, count, params.mining_floor)
        mined = len(hard)
        if mined:
            data = wake_word_data.Windows(
                np.concatenate([data.x, hard]),
                np.concatenate([data.y, np.zeros(mined, np.float32)]),
                np.concatenate([data.kind, np.full(mined, "mined")]),
            )
        _fit(model, data, validation, params, params.mining_epochs, params.epochs, on_epoch, history)
    return WakeWordTrainResult(model=model, history=history, mined=mined, train_windows=len(data.y))
