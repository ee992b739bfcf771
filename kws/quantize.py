"""Full-integer int8 TFLite conversion, and running the result in TFLite and in the real TFLM interpreter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

ARENA_GRANULARITY = 16  # bytes; TFLM aligns tensors to 16


@dataclass(frozen=True)
class Quantization:
    scale: float
    zero_point: int

    def quantize(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.round(x / self.scale) + self.zero_point, -128, 127).astype(np.int8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return (q.astype(np.float32) - self.zero_point) * self.scale

    def as_dict(self) -> dict:
        return {"scale": self.scale, "zero_point": self.zero_point}


def _converter(model):
    """A converter for batch 1: with the batch left variable, TFLite adds SHAPE/PACK/STRIDED_SLICE ops the
    firmware would have to register for nothing."""
    import keras
    import tensorflow as tf

    single = keras.Input(shape=model.input_shape[1:], batch_size=1)
    return tf.lite.TFLiteConverter.from_keras_model(keras.Model(single, model(single)))


def convert_float(model) -> bytes:
    return _converter(model).convert()


def convert_int8(model, representative: np.ndarray) -> bytes:
    """Post-training full-integer quantization; int8 input and output, calibrated on `representative`."""
    import tensorflow as tf

    def samples() -> Iterable[list[np.ndarray]]:
        for x in representative:
            yield [x[None].astype(np.float32)]

    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = samples
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def _interpreter(model_bytes: bytes):
    import tensorflow as tf

    # TFLite's own kernels, not the XNNPACK delegate: XNNPACK rounds int8 differently (outputs off by up to
    # 9 steps from TFLM on the same model), TFLite's builtin kernels stay within one step.
    interpreter = tf.lite.Interpreter(
        model_content=model_bytes,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interpreter.allocate_tensors()
    return interpreter


def io_quantization(model_bytes: bytes) -> tuple[Quantization, Quantization]:
    interpreter = _interpreter(model_bytes)
    (i_scale, i_zero), (o_scale, o_zero) = (
        interpreter.get_input_details()[0]["quantization"],
        interpreter.get_output_details()[0]["quantization"],
    )
    return Quantization(float(i_scale), int(i_zero)), Quantization(float(o_scale), int(o_zero))


def model_ops(model_bytes: bytes) -> list[str]:
    """The distinct builtin ops the model uses: what the firmware must register, and nothing else."""
    interpreter = _interpreter(model_bytes)
    return sorted({op["op_name"] for op in interpreter._get_ops_details()})


def tflite_run(model_bytes: bytes, inputs: np.ndarray) -> np.ndarray:
    """Run a batch through the TFLite interpreter, one example at a time (inputs already in the model's dtype)."""
    interpreter = _interpreter(model_bytes)
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    outputs = []
    for x in inputs:
        interpreter.set_tensor(input_index, x[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_index)[0].copy())
    return np.stack(outputs)


def tflm_interpreter(model_bytes: bytes, arena_size: int):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)


def tflm_run(model_bytes: bytes, inputs: np.ndarray, arena_size: int) -> np.ndarray:
    """The same batch through the TensorFlow Lite for Microcontrollers interpreter."""
    interpreter = tflm_interpreter(model_bytes, arena_size)
    outputs = []
    for x in inputs:
        interpreter.set_input(x[None], 0)
        interpreter.invoke()
        outputs.append(interpreter.get_output(0)[0].copy())
    return np.stack(outputs)


def _allocates(model_bytes: bytes, arena_size: int, probe: np.ndarray) -> bool:
    try:
        interpreter = tflm_interpreter(model_bytes, arena_size)
        interpreter.set_input(probe, 0)
        interpreter.invoke()
        return True
    except (RuntimeError, ValueError):
        return False


def tflm_smallest_arena(model_bytes: bytes, input_shape: tuple[int, ...], *, upper: int = 1 << 20) -> int:
    """The smallest tensor arena (to ARENA_GRANULARITY bytes) in which TFLM allocates and runs the model."""
    probe = np.zeros((1, *input_shape), dtype=np.int8)
    if not _allocates(model_bytes, upper, probe):
        raise ValueError(f"the model does not fit a {upper}-byte arena")
    low, high = 0, upper // ARENA_GRANULARITY
    while high - low > 1:
        middle = (low + high) // 2
        if _allocates(model_bytes, middle * ARENA_GRANULARITY, probe):
            high = middle
        else:
            low = middle
    return high * ARENA_GRANULARITY
