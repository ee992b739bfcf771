"""Operation counts for the device: one feature frame (the C code in firmware/src, loop by loop) and one inference
(the multiply-accumulates of the model's convolutions and fully connected layers, read from the TFLite flatbuffer),
turned into time on a 64 MHz Cortex-M4F under stated cycle costs. Estimates, not measurements: the assumptions are
the constants below, chosen at the pessimistic end of what the core does.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from kws.features import FeatureParams

CLOCK_HZ = 64_000_000  # the Nano 33 BLE's nRF52840 runs its Cortex-M4F at 64 MHz
CYCLES_PER_FLOP = 2  # a single-precision FPU add/multiply issues in 1 cycle; +1 for its share of loads, stores, loop
CYCLES_PER_DIVIDE = 14  # VDIV.F32
CYCLES_PER_LOG = 100  # newlib's logf: range reduction and a polynomial, ~30 FPU ops with their loads
CYCLES_PER_MOVE = 1  # per 4-byte word copied (the int8 window shifts by one frame; the pending audio by one hop)
MACS_PER_CYCLE = 1.0  # CMSIS-NN int8 kernels on Cortex-M4 reach 1-2 MACs/cycle (dual 16-bit SMLAD); the low end
STRIDE_MS_NEEDED = 100  # kws.streaming.STRIDE_MS: the sketch runs the model every 100 ms


@dataclass(frozen=True)
class FrameOps:
    """Floating-point operations of one frame in chorus_features_frame and its quantization (chorus_features.c)."""

    window: int  # int16 -> float and the window multiply, per windowed sample
    fft_butterflies: int  # radix-2 butterflies of the n_fft/2-point complex FFT
    fft: int  # 10 flops per butterfly: a complex multiply (4 mul, 2 add) and two complex adds
    split: int  # the real-FFT split: 18 flops per pair of bins
    power: int  # re^2 + im^2 per bin that feeds a band
    mel: int  # each bin feeds two bands: t*p, (1 - t)*p and two accumulations
    normalize_log: int  # filter normalization and + log_offset, per band
    logs: int  # logf calls
    dct: int  # MFCC: 2 flops per DCT coefficient
    divides: int  # quantization: (x - mean) / std / scale per channel
    quantize: int  # subtraction, rounding, clamping per channel (counted as 8 flops)
    moves: int  # words moved: the int8 window shift and the pending-audio shift

    @property
    def flops(self) -> int:
        return (
            self.window + self.fft + self.split + self.power + self.mel + self.normalize_log + self.dct + self.quantize
        )

    @property
    def total_ops(self) -> int:
        return self.flops + self.logs + self.divides + self.moves

    @property
    def cycles(self) -> int:
        return (
            self.flops * CYCLES_PER_FLOP
            + self.logs * CYCLES_PER_LOG
            + self.divides * CYCLES_PER_DIVIDE
            + self.moves * CYCLES_PER_MOVE
        )

    def ms_at(self, clock_hz: int = CLOCK_HZ) -> float:
        return self.cycles / clock_hz * 1000

    def as_dict(self) -> dict:
        return {**asdict(self), "flops": self.flops, "total_ops": self.total_ops, "cycles": self.cycles}


def frame_ops(params: FeatureParams) -> FrameOps:
    from kws.features import mel_filterbank

    m = params.n_fft // 2
    butterflies = (m // 2) * int(math.log2(m))
    used_bins = int(np.count_nonzero(mel_filterbank(params).any(axis=1)))  # bins inside [fmin, fmax]
    channels = params.channels
    return FrameOps(
        window=2 * params.window_samples,
        fft_butterflies=butterflies,
        fft=10 * butterflies,
        split=18 * (m // 2),
        power=3 * used_bins,
        mel=5 * used_bins,
        normalize_log=2 * params.n_mels,
        logs=params.n_mels,
        dct=2 * params.n_mels * (params.n_mfcc or 0),
        divides=2 * channels,
        quantize=8 * channels,
        moves=(params.frames - 1) * channels // 4 + (params.n_fft - params.hop_samples) // 2,
    )


@dataclass(frozen=True)
class ModelOps:
    macs: int  # multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
    by_op: dict  # op name -> MACs
    other_ops: dict  # op name -> output elements of every other op (pooling, softmax, ...): small next to the MACs

    def cycles(self, macs_per_cycle: float = MACS_PER_CYCLE) -> float:
        return self.macs / macs_per_cycle

    def inferences_per_s(self, macs_per_cycle: float = MACS_PER_CYCLE, clock_hz: int = CLOCK_HZ) -> float:
        return clock_hz / self.cycles(macs_per_cycle)


def model_ops(model_bytes: bytes) -> ModelOps:
    """MACs per inference from the flatbuffer's tensor shapes (TFLite interpreter's op and tensor details)."""
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=model_bytes)
    shapes = {t["index"]: tuple(int(d) for d in t["shape"]) for t in interpreter.get_tensor_details()}
    by_op: dict[str, int] = {}
    other: dict[str, int] = {}
    for op in interpreter._get_ops_details():
        name = op["op_name"]
        out = shapes[op["outputs"][0]]
        if name == "CONV_2D":  # filter [out_c, kh, kw, in_c]
            _, kh, kw, in_c = shapes[op["inputs"][1]]
            macs = int(np.prod(out)) * kh * kw * in_c
        elif name == "DEPTHWISE_CONV_2D":  # filter [1, kh, kw, out_c]
            _, kh, kw, _ = shapes[op["inputs"][1]]
            macs = int(np.prod(out)) * kh * kw
        elif name == "FULLY_CONNECTED":  # weights [units, inputs]
            macs = int(np.prod(out)) * shapes[op["inputs"][1]][-1]
        else:
            other[name] = other.get(name, 0) + int(np.prod(out))
            continue
        by_op[name] = by_op.get(name, 0) + macs
    return ModelOps(macs=sum(by_op.values()), by_op=by_op, other_ops=other)
