"""Keyword-spotting models small enough for a Cortex-M4F (functional Keras, one builder each).

ARCHITECTURES is the one registry: the API's choices, the `train` command, the training page and the
defaults all read it, so adding an architecture is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def build_tiny_conv(input_shape: tuple[int, int], n_classes: int, *, dropout: float = 0.2):
    """micro_speech's tiny_conv: one strided convolution and a fully connected layer."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="features")
    x = layers.Reshape((*input_shape, 1))(inputs)
    x = layers.Conv2D(8, (10, 8), strides=(2, 2), padding="same", activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="tiny_conv")


def build_ds_cnn(
    input_shape: tuple[int, int], n_classes: int, *, channels: int = 24, blocks: int = 4, dropout: float = 0.2
):
    """A depthwise-separable CNN (Zhang et al., "Hello Edge"), narrow enough that the int8 model and the TFLM
    arena each fit in 32 KB: the widest activations are 25 x 20 x channels bytes, two of them live at once."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="features")
    x = layers.Reshape((*input_shape, 1))(inputs)
    x = layers.Conv2D(channels, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for _ in range(blocks):
        x = layers.DepthwiseConv2D((3, 3), padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(channels, (1, 1), use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="ds_cnn")


@dataclass(frozen=True)
class Architecture:
    name: str
    label: str  # how the training page offers it
    builder: Callable  # (input_shape, n_classes) -> keras.Model


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture("ds_cnn", "DS-CNN (more accurate)", build_ds_cnn),
        Architecture("tiny_conv", "tiny_conv (smallest, fastest)", build_tiny_conv),
    )
}
DEFAULT_ARCHITECTURE = "ds_cnn"


def build(architecture: str, input_shape: tuple[int, int], n_classes: int):
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[architecture].builder(input_shape, n_classes)
