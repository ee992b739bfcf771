"""The Arduino sketch for one model: static sketch files, the portable C core, and the generated headers.

`model_settings_header` writes every number the firmware needs (feature parameters, normalization, int8 input and
output quantization, labels, recognizer parameters, tensor arena, the model's ops) as C macros, from the same
FeatureParams, RecognizerParams and model bytes that training produced: nothing is written twice by hand.
`render_sketch` adds the model as a C array and the sketch's README. Pure Python, no Django.

    .venv/bin/python -m kws.firmware settings > model_settings.h   # placeholder header (no model) for host builds
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kws import c_array, streaming
from kws.features import FEATURES_FORMAT_VERSION, FeatureParams
from kws.quantize import Quantization
from kws.recognizer import SILENCE_LABEL, UNKNOWN_LABEL, RecognizerParams

FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware"
SKETCH_NAME = "chorus_kws"
TARGET_BOARDS = ("Arduino Nano 33 BLE Sense (nRF52840, 256 KB RAM, 1 MB flash)",)  # what the sketch is written for
# The portable core is every .c and .h in firmware/src, the same files firmware/Makefile builds ($(wildcard src/*.c)):
# the folder is the one list of them.
CORE_FILES = tuple(sorted(path.name for path in (FIRMWARE_DIR / "src").glob("*.[ch]")))
SKETCH_SUFFIXES = (".ino", ".cpp", ".h")
ARENA_HEADROOM_BYTES = (
    2048  # over the host-measured arena: CMSIS-NN scratch buffers the reference kernels don't ask for
)
ARENA_ALIGN = 16
# A header for host builds without a model (the CLI, the size budget): the speech-commands words, no normalization,
# and an input scale that spans ln(1e-6) .. 6.
PLACEHOLDER_KEYWORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
PLACEHOLDER_INPUT = Quantization(scale=0.078125, zero_point=51)
PLACEHOLDER_OUTPUT = Quantization(scale=1 / 256, zero_point=-128)

# TFLite builtin op -> tflite::MicroMutableOpResolver method (the ones a keyword-spotting or a streaming
# wake-word model may use).
RESOLVER_METHODS = {
    "ADD": "AddAdd",
    "ASSIGN_VARIABLE": "AddAssignVariable",
    "CALL_ONCE": "AddCallOnce",
    "AVERAGE_POOL_2D": "AddAveragePool2D",
    "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D",
    "DEQUANTIZE": "AddDequantize",
    "EXPAND_DIMS": "AddExpandDims",
    "FULLY_CONNECTED": "AddFullyConnected",
    "HARD_SWISH": "AddHardSwish",
    "LOGISTIC": "AddLogistic",
    "MAX_POOL_2D": "AddMaxPool2D",
    "MEAN": "AddMean",
    "MUL": "AddMul",
    "PACK": "AddPack",
    "PAD": "AddPad",
    "QUANTIZE": "AddQuantize",
    "READ_VARIABLE": "AddReadVariable",
    "RELU": "AddRelu",
    "RELU6": "AddRelu6",
    "RESHAPE": "AddReshape",
    "SHAPE": "AddShape",
    "SOFTMAX": "AddSoftmax",
    "SPLIT_V": "AddSplitV",
    "SQUEEZE": "AddSqueeze",
    "STRIDED_SLICE": "AddStridedSlice",
    "SUB": "AddSub",
    "TANH": "AddTanh",
    "TRANSPOSE": "AddTranspose",
    "VAR_HANDLE": "AddVarHandle",
}


def c_float(value: float) -> str:
    """A float32 literal that parses back to exactly np.float32(value)."""
    x = np.float32(value)
    if not np.isfinite(x):
        raise ValueError(f"{value!r} is not a finite float32")
    text = str(x)
    return f"{text}f" if any(ch in text for ch in ".e") else f"{text}.0f"


def c_string(text: str) -> str:
    """A C string literal: printable ASCII as is, everything else (UTF-8 bytes included) as octal escapes."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        out.append(f"\\{ch}" if ch in '"\\' else ch if 32 <= byte < 127 else f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def normalization_values(normalization: dict) -> tuple[float, float]:
    kind = normalization.get("kind", "none")
    if kind == "none":
        return 0.0, 1.0
    if kind == "scalar":
        mean, std = float(normalization["mean"]), float(normalization["std"])
        if not std > 0:
            raise ValueError("normalization std must be positive")
        return mean, std
    raise ValueError(f"normalization {kind!r}: the firmware implements 'scalar' and 'none'")


def stride_frames(params: FeatureParams, stride_ms: int = streaming.STRIDE_MS) -> int:
    """Feature frames between inferences: the evaluation's stride (kws.streaming.STRIDE_MS) in hops."""
    samples = params.sample_rate * stride_ms // 1000
    if samples % params.hop_samples:
        raise ValueError(
            f"an inference stride of {stride_ms} ms is not a whole number of {params.hop_samples}-sample hops"
        )
    return max(1, samples // params.hop_samples)


def inference_stride_ms(params: FeatureParams, stride_ms: int = streaming.STRIDE_MS) -> int:
    return stride_frames(params, stride_ms) * params.hop_samples * 1000 // params.sample_rate


def recognizer_capacity(
    recognizer_params: RecognizerParams, feature_params: FeatureParams, stride_ms: int = streaming.STRIDE_MS
) -> int:
    """Results the recognizer's ring must hold: every inference of one averaging window, and one more."""
    return recognizer_params.average_window_ms // max(1, inference_stride_ms(feature_params, stride_ms)) + 2


def check_params(params: FeatureParams) -> None:
    """Refuse what the C feature code does not implement (chorus_features.c: config_ok)."""
    n = params.n_fft
    problems = []
    if n & (n - 1) or not 4 <= n <= 4096:
        problems.append("n_fft must be a power of two in 4..4096")
    if not 0 < params.hop_samples <= n:
        problems.append("hop_samples must be in 1..n_fft")
    if params.clip_samples < n:
        problems.append("clip_samples must be at least n_fft")
    if not 0 < params.n_mels <= 254:
        problems.append("n_mels must be in 1..254")
    if not 0 <= (params.n_mfcc or 0) <= params.n_mels:
        problems.append("n_mfcc must be at most n_mels")
    if params.mel_norm not in ("slaney", None):
        problems.append("mel_norm must be 'slaney' or None")
    if not 0 <= params.fmin < params.fmax:
        problems.append("need 0 <= fmin < fmax")
    if params.power <= 0 or params.log_offset <= 0:
        problems.append("power and log_offset must be positive")
    if problems:
        raise ValueError("feature parameters the firmware cannot compute: " + "; ".join(problems))


def resolver_calls(ops: Sequence[str]) -> list[str]:
    unknown = sorted(set(ops) - set(RESOLVER_METHODS))
    if unknown:
        raise ValueError(f"ops the sketch cannot register: {', '.join(unknown)}")
    return [RESOLVER_METHODS[op] for op in sorted(set(ops))]


def firmware_arena_bytes(measured: int) -> int:
    return -(-(measured + ARENA_HEADROOM_BYTES) // ARENA_ALIGN) * ARENA_ALIGN


def features_config(feature_params: FeatureParams, normalization: dict, input_quantization: Quantization) -> dict:
    """The C feature code's configuration (chorus_features_config, field for field): the header's CHORUS_<NAME>
    macros and the host tests' ctypes struct are both written from it."""
    p = feature_params
    check_params(p)
    mean, std = normalization_values(normalization)
    return {
        "sample_rate": p.sample_rate,
        "clip_samples": p.clip_samples,
        "window_samples": p.window_samples,
        "hop_samples": p.hop_samples,
        "n_fft": p.n_fft,
        "n_mels": p.n_mels,
        "n_mfcc": p.n_mfcc or 0,
        "mel_htk": int(p.mel_htk),
        "mel_norm_slaney": int(p.mel_norm == "slaney"),
        "fmin": float(p.fmin),
        "fmax": float(p.fmax),
        "power": float(p.power),
        "log_offset": float(p.log_offset),
        "norm_mean": mean,
        "norm_std": std,
        "input_scale": float(input_quantization.scale),
        "input_zero_point": int(input_quantization.zero_point),
    }


def recognizer_config(labels: Sequence[str], recognizer_params: RecognizerParams) -> dict:
    """The C recognizer's configuration (chorus_recognizer_config, field for field)."""
    labels = list(labels)
    r = recognizer_params
    return {
        "label_count": len(labels),
        "average_window_ms": int(r.average_window_ms),
        "detection_threshold": float(r.detection_threshold),
        "suppression_ms": int(r.suppression_ms),
        "minimum_count": int(r.minimum_count),
        "silence_index": labels.index(SILENCE_LABEL) if SILENCE_LABEL in labels else -1,
        "unknown_index": labels.index(UNKNOWN_LABEL) if UNKNOWN_LABEL in labels else -1,
    }


def _macro(name: str, value) -> str:
    literal = c_float(value) if isinstance(value, float) else str(int(value))
    return f"#define CHORUS_{name.upper()} {f'({literal})' if literal.startswith('-') else literal}"


def model_settings_header(
    *,
    feature_params: FeatureParams,
    labels: Sequence[str],
    normalization: dict,
    input_quantization: Quantization,
    output_quantization: Quantization,
    recognizer_params: RecognizerParams,
    arena_bytes: int,
    ops: Sequence[str],
    model_bytes: int = 0,
    stride_ms: int = streaming.STRIDE_MS,
    placeholder: bool = False,
) -> str:
    """model_settings.h: every number the sketch and the host tools read, as C macros (C and C++)."""
    p = feature_params
    labels = list(labels)
    if not labels:
        raise ValueError("a model has at least one label")
    features = features_config(p, normalization, input_quantization)
    recognizer = recognizer_config(labels, recognizer_params)
    calls = resolver_calls(ops)
    register = " && ".join(f"(resolver).{call}() == kTfLiteOk" for call in calls) or "true"
    q_out = output_quantization
    feature_keys = [
        "sample_rate",
        "clip_samples",
        "window_samples",
        "hop_samples",
        "n_fft",
        "n_mels",
        "n_mfcc",
        "mel_htk",
        "mel_norm_slaney",
        "fmin",
        "fmax",
        "power",
        "log_offset",
    ]
    lines = [
        "// Generated by Chorus (kws/firmware.py) from the model's FeatureParams, labels, normalization, int8",
        "// quantization and recognizer parameters. Do not edit: regenerate it.",
        "#ifndef CHORUS_MODEL_SETTINGS_H_",
        "#define CHORUS_MODEL_SETTINGS_H_",
        "",
        f"#define CHORUS_PLACEHOLDER {int(placeholder)}  // 1: no model; placeholder normalization and quantization",
        "",
        f"// Features: kws.features.FeatureParams, hash {p.hash} (features.json format {FEATURES_FORMAT_VERSION})",
        f'#define CHORUS_FEATURES_HASH "{p.hash}"',
        *(_macro(key, features[key]) for key in feature_keys),
        f"#define CHORUS_FRAMES {p.frames}",
        f"#define CHORUS_CHANNELS {p.channels}",
        "",
        "// Model input: x' = (x - NORM_MEAN) / NORM_STD, "
        "q = clamp(round_half_even(x' / INPUT_SCALE) + INPUT_ZERO_POINT, -128, 127)",
        *(_macro(key, features[key]) for key in ("norm_mean", "norm_std", "input_scale", "input_zero_point")),
        "// Model output: probability = (q - OUTPUT_ZERO_POINT) * OUTPUT_SCALE",
        _macro("output_scale", float(q_out.scale)),
        _macro("output_zero_point", int(q_out.zero_point)),
        "",
        _macro("label_count", recognizer["label_count"]),
        f"#define CHORUS_LABELS {{{', '.join(c_string(label) for label in labels)}}}",
        _macro("silence_index", recognizer["silence_index"]),
        _macro("unknown_index", recognizer["unknown_index"]),
        "",
        "// Recognizer: kws.recognizer.RecognizerParams; an inference every INFERENCE_STRIDE_FRAMES new feature frames",
        *(
            _macro(key, recognizer[key])
            for key in ("average_window_ms", "detection_threshold", "suppression_ms", "minimum_count")
        ),
        _macro("inference_stride_frames", stride_frames(p, stride_ms)),
        _macro("inference_stride_ms", inference_stride_ms(p, stride_ms)),
        _macro("recognizer_capacity", recognizer_capacity(recognizer_params, p, stride_ms)),
        "",
        "// TFLM: the tensor arena (measured in the host TFLM interpreter, plus headroom) and only the model's ops",
        _macro("model_bytes", model_bytes),
        _macro("arena_measured_bytes", arena_bytes),
        _macro("arena_bytes", firmware_arena_bytes(arena_bytes) if arena_bytes else 0),
        _macro("op_count", len(calls)),
        f'#define CHORUS_OP_NAMES "{" ".join(sorted(set(ops)))}"',
        "// On a tflite::MicroMutableOpResolver<CHORUS_OP_COUNT>: true when every op registered",
        f"#define CHORUS_REGISTER_OPS(resolver) ({register})",
        "",
        "#endif  // CHORUS_MODEL_SETTINGS_H_",
        "",
    ]
    return "\n".join(lines)


def placeholder_header(labels: Sequence[str] | None = None, feature_params: FeatureParams | None = None) -> str:
    from kws.features import DEFAULT_PARAMS
    from kws.recognizer import DEFAULT_RECOGNIZER

    return model_settings_header(
        feature_params=feature_params or DEFAULT_PARAMS,
        labels=list(labels or [SILENCE_LABEL, UNKNOWN_LABEL, *PLACEHOLDER_KEYWORDS]),
        normalization={"kind": "none"},
        input_quantization=PLACEHOLDER_INPUT,
        output_quantization=PLACEHOLDER_OUTPUT,
        recognizer_params=DEFAULT_RECOGNIZER,
        arena_bytes=0,
        ops=[],
        placeholder=True,
    )


def sketch_readme(
    *,
    labels: Sequence[str],
    feature_params: FeatureParams,
    recognizer_params: RecognizerParams,
    arena_bytes: int,
    ops: Sequence[str],
    model_bytes: int,
) -> str:
    commands = [label for label in labels if label not in (SILENCE_LABEL, UNKNOWN_LABEL)]
    p = feature_params
    r = recognizer_params
    stride_ms = inference_stride_ms(p)
    arena = firmware_arena_bytes(arena_bytes)
    recognizer = (
        f"{r.average_window_ms} ms average, threshold {r.detection_threshold}, "
        f"{r.suppression_ms} ms suppression, at least {r.minimum_count} results"
    )
    return f"""# {SKETCH_NAME}: keyword spotting on an Arduino Nano 33 BLE Sense

Generated by Chorus for one model. It listens on the board's PDM microphone (16 kHz), computes the same
features the model was trained on (C code in `src/`, checked against the Python featurizer on the host),
runs the int8 model with TensorFlow Lite for Microcontrollers every {stride_ms} ms on the last second of audio, and
reports commands on the serial port and the LED.

- Commands: {", ".join(commands) or "(none)"}; all labels: {", ".join(labels)}
- Model: {model_bytes} bytes int8 (`model_data.cpp`); ops registered: {", ".join(sorted(set(ops)))}
- Tensor arena: {arena} bytes ({arena_bytes} measured in the host TFLM interpreter + {ARENA_HEADROOM_BYTES} headroom)
- Features: {p.frames} frames x {p.channels} channels, FeatureParams hash {p.hash}
- Recognizer: {recognizer}

Every number is in `model_settings.h`, generated from the training run: do not edit it.

## Open and flash

You need the board support package "Arduino Mbed OS Nano Boards" and the TensorFlow Lite for
Microcontrollers Arduino library (`Arduino_TensorFlowLite`, from
https://github.com/tensorflow/tflite-micro-arduino-examples). The PDM library comes with the board package.

Arduino IDE:
1. Tools > Board > Boards Manager: install "Arduino Mbed OS Nano Boards".
2. Install the library: download the tflite-micro-arduino-examples repository as a ZIP and use
   Sketch > Include Library > Add .ZIP Library (or clone it into your `Arduino/libraries` folder as
   `Arduino_TensorFlowLite`).
3. File > Open: `{SKETCH_NAME}/{SKETCH_NAME}.ino` (keep the folder as it is: the IDE compiles every file in it
   and in `src/`).
4. Tools > Board: "Arduino Nano 33 BLE"; Tools > Port: the board's port. Upload.
5. Tools > Serial Monitor at 115200 baud: it prints the arena in use, then one line per detected command.

arduino-cli:

    arduino-cli core install arduino:mbed_nano
    git clone https://github.com/tensorflow/tflite-micro-arduino-examples ~/Arduino/libraries/Arduino_TensorFlowLite
    arduino-cli compile --fqbn arduino:mbed_nano:nano33ble {SKETCH_NAME}
    arduino-cli upload --fqbn arduino:mbed_nano:nano33ble --port /dev/ttyACM0 {SKETCH_NAME}
    arduino-cli monitor --port /dev/ttyACM0 --config baudrate=115200

The LED lights a colour per command for a moment when it is recognized; the orange built-in LED toggles on
every inference. Speak about 30 cm from the board; the microphone gain is set in `audio_provider.cpp`.
"""


def sketch_static_files(sketch: str = SKETCH_NAME, shared: Sequence[str] = ()) -> dict[str, bytes]:
    """The hand-written files of firmware/<sketch>/, the `shared` ones of the commands sketch beside them, and the
    portable core under src/, as a package ships them: {path under <sketch>/: bytes}."""
    files = {}
    for path in sorted((FIRMWARE_DIR / sketch).iterdir()):
        if path.is_file() and path.suffix in SKETCH_SUFFIXES:
            files[f"{sketch}/{path.name}"] = path.read_bytes()
    for name in shared:
        files[f"{sketch}/{name}"] = (FIRMWARE_DIR / SKETCH_NAME / name).read_bytes()
    for name in CORE_FILES:
        files[f"{sketch}/src/{name}"] = (FIRMWARE_DIR / "src" / name).read_bytes()
    return files


def render_sketch(
    *,
    model_int8: bytes,
    labels: Sequence[str],
    feature_params: FeatureParams,
    normalization: dict,
    recognizer_params: RecognizerParams,
    arena_bytes: int,
) -> dict[str, bytes]:
    """{path: content} of a complete Arduino sketch folder for the model, paths under `chorus_kws/`.

    `arena_bytes` is the smallest arena the host TFLM interpreter ran the model in (kws.quantize.tflm_smallest_arena);
    the sketch allocates it plus ARENA_HEADROOM_BYTES. Quantization and ops are read from the model itself."""
    from kws import quantize

    q_in, q_out = quantize.io_quantization(model_int8)
    ops = quantize.model_ops(model_int8)
    header = model_settings_header(
        feature_params=feature_params,
        labels=labels,
        normalization=normalization,
        input_quantization=q_in,
        output_quantization=q_out,
        recognizer_params=recognizer_params,
        arena_bytes=arena_bytes,
        ops=ops,
        model_bytes=len(model_int8),
    )
    files = sketch_static_files()
    files[f"{SKETCH_NAME}/model_settings.h"] = header.encode()
    # .cpp, not .cc: the Arduino builder compiles .c/.cpp/.S in the sketch folder
    files[f"{SKETCH_NAME}/model_data.cpp"] = c_array.model_source(model_int8).encode()
    files[f"{SKETCH_NAME}/model_data.h"] = c_array.model_header().encode()
    files[f"{SKETCH_NAME}/README.md"] = sketch_readme(
        labels=labels,
        feature_params=feature_params,
        recognizer_params=recognizer_params,
        arena_bytes=arena_bytes,
        ops=ops,
        model_bytes=len(model_int8),
    ).encode()
    return files


def write_files(files: dict[str, bytes], root: Path) -> list[Path]:
    written = []
    for name, content in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kws.firmware", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    settings = commands.add_parser("settings", help="print a placeholder model_settings.h (default features, no model)")
    settings.add_argument(
        "--labels", help="comma-separated labels (default: _silence_, _unknown_ and the 10 speech-commands words)"
    )
    args = parser.parse_args(argv)
    if args.command == "settings":
        labels = args.labels.split(",") if args.labels else None
        sys.stdout.write(placeholder_header(labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
