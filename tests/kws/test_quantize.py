"""Float, int8 TFLite and int8 TFLM agree on a small trained model (the CI-sized check of 4/6)."""

import numpy as np
import pytest

from kws import architectures, quantize

N_CLASSES = 4
SHAPE = (49, 40)


@pytest.fixture(scope="module")
def trained():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (N_CLASSES, *SHAPE)).astype(np.float32)
    labels = rng.integers(0, N_CLASSES, 600)
    x = centres[labels] + rng.normal(0, 1.0, (600, *SHAPE)).astype(np.float32)
    model = architectures.build("tiny_conv", SHAPE, N_CLASSES)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:500], labels[:500], epochs=3, batch_size=50, verbose=0)
    return model, x[500:], labels[500:], x[:200]


def test_int8_tflite_and_tflm_agree_with_the_float_model(trained):
    model, x_test, y_test, representative = trained
    float_top = model.predict(x_test, verbose=0).argmax(axis=1)
    int8_model = quantize.convert_int8(model, representative)
    q_in, q_out = quantize.io_quantization(int8_model)
    x_q = q_in.quantize(x_test)
    tflite_out = quantize.tflite_run(int8_model, x_q)
    arena = quantize.tflm_smallest_arena(int8_model, SHAPE)
    tflm_out = quantize.tflm_run(int8_model, x_q, arena)
    assert tflite_out.dtype == tflm_out.dtype == np.int8
    agreement_tflm = (tflite_out.argmax(1) == tflm_out.argmax(1)).mean()
    assert agreement_tflm >= 0.995
    assert (float_top == tflite_out.argmax(1)).mean() >= 0.95
    assert (float_top == y_test).mean() >= 0.9  # the model did learn
    assert not quantize._allocates(int8_model, arena - quantize.ARENA_GRANULARITY, np.zeros((1, *SHAPE), np.int8))
    # batch fixed at 1: no SHAPE/PACK/STRIDED_SLICE for the firmware to register
    assert quantize.model_ops(int8_model) == ["CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"]
    assert len(int8_model) < len(quantize.convert_float(model)) / 2


def test_ds_cnn_builds_for_the_feature_shape():
    model = architectures.build("ds_cnn", SHAPE, 12)
    assert model.output_shape == (None, 12)
    with pytest.raises(ValueError, match="unknown architecture"):
        architectures.build("transformer", SHAPE, 12)
