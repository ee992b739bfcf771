"""A streaming wake-word network: trained on whole windows, run on the device 3 feature frames at a time.

The network is causal. A first convolution over 5 frames with stride 3 makes one 30 ms step from each 3 new
frames; depthwise-separable convolutions over past steps follow; a dense layer reads the last
`window_steps` steps and gives one probability. Trained non-streaming on windows of exactly the receptive
field, the same weights then run as a stateful model: each layer keeps the past it needs in a ring buffer
held in a resource variable, as microWakeWord's streaming layers do, so the device computes each step once.

Only ops that ESPHome's micro_wake_word registers are used (`ESPHOME_OPS`); the 4-D layout [1, time, 1,
channels] keeps Keras from emitting EXPAND_DIMS or SQUEEZE.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

STRIDE = 3  # feature frames per model step (30 ms), as ESPHome feeds them
FIRST_KERNEL = 5  # feature frames the first convolution reads
CHANNELS_IN = 40
INPUT_RANGE = (0.0, 26.0)  # the frontend's float features; the device quantizes this range to int8
BN_EPSILON = 1e-3

# ESPHome's micro_wake_word op resolver (streaming_model.cpp, register_streaming_ops_): nothing else loads.
ESPHOME_OPS = frozenset(
    {
        "CALL_ONCE",
        "VAR_HANDLE",
        "RESHAPE",
        "READ_VARIABLE",
        "STRIDED_SLICE",
        "CONCATENATION",
        "ASSIGN_VARIABLE",
        "CONV_2D",
        "MUL",
        "ADD",
        "MEAN",
        "FULLY_CONNECTED",
        "LOGISTIC",
        "QUANTIZE",
        "DEPTHWISE_CONV_2D",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "PAD",
        "PACK",
        "SPLIT_V",
    }
)


@dataclass(frozen=True)
class StreamingSpec:
    first_filters: int = 48
    kernels: tuple[int, ...] = (5, 9, 13)  # depthwise kernels over 30 ms steps
    filters: int = 48  # pointwise filters of each depthwise-separable block
    window_steps: int = 20  # steps the dense layer reads (600 ms)
    dropout: float = 0.2
    name: str = field(default="chorus_stream")

    @property
    def steps(self) -> int:
        """30 ms steps the network sees at once: the dense window plus what the convolutions consume."""
        return self.window_steps + sum(k - 1 for k in self.kernels)

    @property
    def input_frames(self) -> int:
        """Feature frames (10 ms) of one training window: the receptive field."""
        return STRIDE * (self.steps - 1) + FIRST_KERNEL

    def as_dict(self) -> dict:
        return {**asdict(self), "kernels": list(self.kernels), "input_frames": self.input_frames}


def build(spec: StreamingSpec = StreamingSpec()):
    """The non-streaming Keras model: [input_frames, 40] features in, one sigmoid probability out."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(spec.input_frames, CHANNELS_IN))
    x = layers.Reshape((spec.input_frames, 1, CHANNELS_IN))(inputs)
    x = layers.Conv2D(spec.first_filters, (FIRST_KERNEL, 1), strides=(STRIDE, 1), use_bias=False, name="first")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="first_bn")(x)
    x = layers.ReLU()(x)
    for i, kernel in enumerate(spec.kernels):
        x = layers.DepthwiseConv2D((kernel, 1), use_bias=False, name=f"depthwise{i}")(x)
        x = layers.Conv2D(spec.filters, 1, use_bias=False, name=f"pointwise{i}")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"pointwise{i}_bn")(x)
        x = layers.ReLU()(x)
    x = layers.Flatten()(x)  # exactly window_steps steps remain
    x = layers.Dropout(spec.dropout)(x)
    outputs = layers.Dense(1, activation="sigmoid", name="head")(x)
    return keras.Model(inputs, outputs, name=spec.name)


def _folded(model, conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """A convolution's kernel and bias with its batch normalization folded in."""
    kernel = model.get_layer(conv).get_weights()[0]
    gamma, beta, mean, variance = model.get_layer(bn).get_weights()
    scale = gamma / np.sqrt(variance + BN_EPSILON)
    return (kernel * scale).astype(np.float32), (beta - mean * scale).astype(np.float32)


def streaming_module(model, spec: StreamingSpec):
    """The trained weights as a stateful tf.Module: [1, 3, 40] features in, one probability out per call."""
    import tensorflow as tf

    first_kernel, first_bias = _folded(model, "first", "first_bn")
    blocks = []
    for i in range(len(spec.kernels)):
        depthwise = model.get_layer(f"depthwise{i}").get_weights()[0]
        pointwise, bias = _folded(model, f"pointwise{i}", f"pointwise{i}_bn")
        blocks.append((depthwise.astype(np.float32), pointwise, bias))
    head_kernel, head_bias = (w.astype(np.float32) for w in model.get_layer("head").get_weights())

    class Streaming(tf.Module):
        def __init__(self):
            super().__init__(name=spec.name)
            # Each buffer holds the past frames its layer reads besides the newest ones.
            self.first_state = tf.Variable(tf.zeros([1, FIRST_KERNEL - STRIDE, 1, CHANNELS_IN]), trainable=False)
            self.block_states = [
                tf.Variable(
                    tf.zeros([1, kernel - 1, 1, spec.first_filters if i == 0 else spec.filters]), trainable=False
                )
                for i, kernel in enumerate(spec.kernels)
            ]
            self.head_state = tf.Variable(tf.zeros([1, spec.window_steps - 1, 1, spec.filters]), trainable=False)

        @staticmethod
        def _push(state, newest):
            frames = tf.concat([state, newest], axis=1)
            state.assign(frames[:, 1 if newest.shape[1] == 1 else newest.shape[1] :])
            return frames

        @tf.function(input_signature=[tf.TensorSpec([1, STRIDE, CHANNELS_IN], tf.float32)])
        def __call__(self, features):
            x = tf.reshape(features, [1, STRIDE, 1, CHANNELS_IN])
            x = self._push(self.first_state, x)
            x = tf.nn.relu(tf.nn.conv2d(x, first_kernel, strides=1, padding="VALID") + first_bias)
            for state, (depthwise, pointwise, bias) in zip(self.block_states, blocks, strict=True):
                x = self._push(state, x)
                x = tf.nn.depthwise_conv2d(x, depthwise, strides=[1, 1, 1, 1], padding="VALID")
                x = tf.nn.relu(tf.nn.conv2d(x, pointwise, strides=1, padding="VALID") + bias)
            x = self._push(self.head_state, x)
            x = tf.reshape(x, [1, spec.window_steps * spec.filters])
            return tf.sigmoid(tf.matmul(x, head_kernel) + head_bias)

    return Streaming()


def _calibration_blocks(features: Iterable[np.ndarray]) -> Iterable[list[np.ndarray]]:
    """Consecutive [1, 3, 40] blocks of each stream, so the buffers fill as on the device. The first block
    spans the frontend's whole range so the input is quantized exactly as ESPHome quantizes features."""
    low, high = INPUT_RANGE
    span = np.full((1, STRIDE, CHANNELS_IN), low, np.float32)
    span[0, 0, 0] = high
    yield [span]
    for stream in features:
        clipped = np.clip(np.asarray(stream, np.float32), low, high)
        for start in range(0, len(clipped) - STRIDE + 1, STRIDE):
            yield [clipped[None, start : start + STRIDE]]


def convert_streaming_int8(model, spec: StreamingSpec, calibration: list[np.ndarray]) -> bytes:
    """The stateful int8 TFLite model ESPHome runs: int8 [1, 3, 40] in, uint8 probability out, int8 ring
    buffers in resource variables. `calibration`: feature streams (frames, 40) for post-training
    quantization."""
    import tensorflow as tf

    module = streaming_module(model, spec)
    with tempfile.TemporaryDirectory() as tmp:
        # Resource variables convert only from a SavedModel.
        path = str(Path(tmp) / "streaming")
        tf.saved_model.save(module, path, signatures=module.__call__.get_concrete_function())
        converter = tf.lite.TFLiteConverter.from_saved_model(path)
        converter.optimizations = {tf.lite.Optimize.DEFAULT}
        converter.experimental_enable_resource_variables = True
        converter._experimental_variable_quantization = True  # int8 buffers: ESPHome's variable arena expects them
        converter.target_spec.supported_ops = {tf.lite.OpsSet.TFLITE_BUILTINS_INT8}
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.uint8
        converter.representative_dataset = lambda: _calibration_blocks(calibration)
        return converter.convert()


def windows(features: np.ndarray, spec: StreamingSpec) -> np.ndarray:
    """The whole windows the streaming model reads over a stream, one per step, as views: (n, input_frames,
    40). Window i is what streaming step `spec.steps + i` reads (it ends at frame 3 * (spec.steps + i) + 3);
    earlier steps still hold the buffers' initial zeros."""
    n = (len(features) - spec.input_frames - 1) // STRIDE + 1
    if n <= 0:
        return np.zeros((0, spec.input_frames, CHANNELS_IN), np.float32)
    view = np.lib.stride_tricks.sliding_window_view(features, (spec.input_frames, CHANNELS_IN))[:, 0]
    return view[1 : 1 + n * STRIDE : STRIDE]
