"""Firmware operation counts: one feature frame against its 20 ms stride, and each model's multiply-accumulates
against the inference rate the sketch needs, on the Nano 33 BLE's 64 MHz Cortex-M4F; then the size of the
Cortex-M4F build of the portable core (make -C firmware arm).

    .venv/bin/python benchmarks/firmware_ops.py [--model path/to/model.tflite ...]

Without --model it counts the two architectures training offers (tiny_conv and the 24-channel DS-CNN, 12
classes), converted to int8 untrained: MACs depend on the layer shapes only. The cycle costs are the stated
assumptions of kws/opcount.py (estimates, not measurements on a board).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kws import architectures, features, opcount, quantize  # noqa: E402

CLASSES = 12  # _silence_, _unknown_ and the ten speech-commands words


def untrained_int8(architecture: str) -> bytes:
    import keras

    keras.utils.set_random_seed(0)
    model = architectures.build(architecture, features.DEFAULT_PARAMS.shape, CLASSES)
    representative = np.random.default_rng(0).normal(0, 1, (16, *features.DEFAULT_PARAMS.shape)).astype(np.float32)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():  # the converter's chatter
        warnings.simplefilter("ignore")
        return quantize.convert_int8(model, representative)


def report_frame() -> None:
    p = features.DEFAULT_PARAMS
    ops = opcount.frame_ops(p)
    stride_ms = 1000 * p.hop_samples / p.sample_rate
    print(
        f"assumptions: clock={opcount.CLOCK_HZ // 1_000_000}MHz cycles_per_flop={opcount.CYCLES_PER_FLOP} "
        f"cycles_per_logf={opcount.CYCLES_PER_LOG} cycles_per_divide={opcount.CYCLES_PER_DIVIDE} "
        f"macs_per_cycle={opcount.MACS_PER_CYCLE:g}"
    )
    print("frame: " + " ".join(f"{k}={v}" for k, v in ops.as_dict().items()))
    print(
        f"frame_ops={ops.total_ops} frame_cycles={ops.cycles} frame_ms_at_64mhz={ops.ms_at():.3f} "
        f"stride_ms={stride_ms:g} share_of_stride={ops.ms_at() / stride_ms:.1%}"
    )


def report_model(name: str, model: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ops = opcount.model_ops(model)
    arena = quantize.tflm_smallest_arena(model, features.DEFAULT_PARAMS.shape)
    needed = 1000 / opcount.STRIDE_MS_NEEDED
    inference_ms = ops.cycles() / opcount.CLOCK_HZ * 1000
    by_op = " ".join(f"{op.lower()}={macs}" for op, macs in sorted(ops.by_op.items()))
    print(f"model={name} model_bytes={len(model)} arena_bytes={arena} model_macs={ops.macs} ({by_op})")
    print(
        f"model={name} inference_ms_at_64mhz={inference_ms:.2f} inferences_per_s={ops.inferences_per_s():.1f} "
        f"inferences_per_s_at_2_macs_per_cycle={ops.inferences_per_s(2.0):.1f} needed_per_s={needed:g} "
        f"cpu_share_at_needed_rate={needed * inference_ms / 1000:.1%}"
    )


def report_size() -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "firmware"), f"PYTHON={sys.executable}", "arm"], capture_output=True, text=True
    )
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.rstrip())
        sys.exit(done.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path, help="an int8 .tflite model to count (repeatable)")
    args = parser.parse_args()
    report_frame()
    models = (
        {path.name: path.read_bytes() for path in args.model}
        if args.model
        else {a: untrained_int8(a) for a in architectures.ARCHITECTURES}
    )
    for name, model in models.items():
        report_model(name, model)
    report_size()


if __name__ == "__main__":
    main()
