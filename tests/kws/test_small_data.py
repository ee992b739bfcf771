"""On a small campaign (20 synthetic speakers x 4 words x 3 takes) the default architecture learns: it used to
predict one class for every input (two optimizer steps an epoch, BatchNorm statistics never settled)."""

import numpy as np

from kws import architectures, cleaning, features, synthetic, train
from tests.services import require_espeak

WORDS = ["yes", "no", "up", "down"]


def small_campaign():
    rng = np.random.default_rng(0)
    bed = synthetic.noise("pink", 20, rng)
    audio, words, speaker_of = [], [], []
    for n, voice in enumerate(synthetic.speakers(20)):
        for word in WORDS:
            for _ in range(3):
                take = synthetic.take(word, voice, rng, beds=[bed], snr_db=(10, 25))
                audio.append(cleaning.clean(take, synthetic.SAMPLE_RATE, cleaning.CleaningParams()))
                words.append(word)
                speaker_of.append(n)
    return np.array(audio, np.float32), words, np.array(speaker_of), [synthetic.noise("white", 10, rng) * 0.05]


def test_the_default_architecture_beats_the_majority_class_by_a_wide_margin_on_a_small_campaign():
    require_espeak()
    audio, words, speaker_of, noises = small_campaign()
    split = speaker_of % 5  # by speaker: 4 test speakers, 4 validation speakers, 12 training speakers

    def examples(mask):
        chosen = [w for w, keep in zip(words, mask, strict=True) if keep]
        return train.examples(
            audio[mask], chosen, WORDS, noises, np.random.default_rng(1), silence_share=0.1, unknown_share=0.1
        )

    train_set, validation_set, test_set = examples(split >= 2), examples(split == 1), examples(split == 0)
    params = train.TrainParams(seed=0)
    assert params.architecture == architectures.DEFAULT_ARCHITECTURE and len(train_set.y) < 2 * params.batch_size
    result = train.train(train_set, validation_set, noises, params)
    x = train.featurize_normalized(test_set.audio, result.normalization, features.DEFAULT_PARAMS)
    predicted = result.model.predict(x, verbose=0).argmax(axis=1)
    accuracy = float((predicted == test_set.y).mean())
    majority = np.bincount(test_set.y).max() / len(test_set.y)
    assert {test_set.labels[i] for i in predicted} >= set(WORDS)  # not one class for every input
    assert accuracy >= majority + 0.4, (accuracy, majority)


def test_small_training_sets_get_enough_steps_and_large_ones_keep_their_batch():
    assert train.batch_size_for(160, 100) == 16  # 10 steps an epoch, not 2
    assert train.batch_size_for(40, 100) == 16  # never below the smallest batch
    assert train.batch_size_for(5000, 100) == 100
    assert train.batch_size_for(100, 8) == 8  # a requested batch smaller than the floor is kept


def test_batch_norm_statistics_are_measured_exactly_after_training():
    import keras

    model = architectures.build("ds_cnn", features.DEFAULT_PARAMS.shape, 5)
    x = np.random.default_rng(0).normal(2.0, 3.0, (300, *features.DEFAULT_PARAMS.shape)).astype(np.float32)
    train.batch_norm_recalibrated(model, x)
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in (norms[0], norms[-1]):
        inputs = keras.Model(model.inputs, layer.input)([x], training=False).numpy()
        axes = tuple(range(inputs.ndim - 1))
        np.testing.assert_allclose(layer.moving_mean.numpy(), inputs.mean(axis=axes), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(layer.moving_variance.numpy(), inputs.var(axis=axes), rtol=1e-3, atol=1e-5)
