"""kws.wake_word_firmware.render_wake_word_sketch on a real microWakeWord model (hey_jarvis, as pymicro-wakeword
ships it): the header carries the model, the sketch type-checks against the Arduino and TFLM declarations, and
what the device computes (the C frontend, the int8 model in TFLM, the C detector) is what training and ESPHome's
own runtime compute on the same stream."""

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kws import firmware, quantize, wake_word_eval, wake_word_firmware
from kws.micro_frontend import micro_features, pcm16
from kws.micro_wake_word import streaming_probabilities
from tests import wake_runtime
from tests.firmware import libmicro
from tests.firmware.build import require_tool
from tests.firmware.libwake import WakeDetector
from tests.services import require_espeak

pymicro_wakeword = pytest.importorskip("pymicro_wakeword")

BUNDLED = Path(pymicro_wakeword.__file__).parent / "models"
SKETCH = wake_word_firmware.WAKE_SKETCH_NAME
STUBS = Path(__file__).parent / "sketch_stubs"
REFRACTORY = int(round(wake_word_eval.REFRACTORY_S / wake_word_eval.STEP_S))


@pytest.fixture(scope="module")
def bundled():
    config = json.loads((BUNDLED / "hey_jarvis.json").read_text())
    return (BUNDLED / "hey_jarvis.tflite").read_bytes(), config["micro"]


@pytest.fixture(scope="module")
def sketch(bundled, tmp_path_factory):
    model, micro = bundled
    files = wake_word_firmware.render_wake_word_sketch(
        model_int8=model,
        phrase="hey jarvis",
        probability_cutoff=micro["probability_cutoff"],
        sliding_window_size=micro["sliding_window_size"],
        arena_bytes=micro["tensor_arena_size"],
    )
    root = tmp_path_factory.mktemp("wake")
    firmware.write_files(files, root)
    return files, root / SKETCH


@pytest.fixture(scope="module")
def micro_lib(firmware_build):
    return libmicro.load(firmware_build / "libchorus.so")


def macros(header: str) -> dict[str, str]:
    return dict(re.findall(r"^#define (CHORUS_\w+(?:\(\w+\))?) (.+?)(?:\s+//.*)?$", header, flags=re.M))


def test_the_sketch_folder_holds_its_own_files_the_shared_ones_and_the_core(sketch):
    files, _ = sketch
    own = {
        "chorus_wake_word.ino",
        "wake_feature_provider.cpp",
        "wake_feature_provider.h",
        "wake_model_runner.cpp",
        "wake_model_runner.h",
        "model_settings.h",
        "model_data.cpp",
        "model_data.h",
        "README.md",
    }
    shared = set(wake_word_firmware.SHARED_SKETCH_FILES)
    core = {f"src/{name}" for name in firmware.CORE_FILES}
    assert set(files) == {f"{SKETCH}/{name}" for name in own | shared | core}
    assert {"src/chorus_micro_frontend.c", "src/chorus_wake_detector.c"} <= core
    for name in shared:  # the commands sketch's microphone and responder, as they are tested there
        assert files[f"{SKETCH}/{name}"] == (firmware.FIRMWARE_DIR / firmware.SKETCH_NAME / name).read_bytes()


def test_the_header_carries_the_model_and_its_operating_point(sketch, bundled):
    files, _ = sketch
    model, micro = bundled
    m = macros(files[f"{SKETCH}/model_settings.h"].decode())
    q_in, q_out = quantize.io_quantization(model)
    ops = quantize.model_ops(model)
    assert m["CHORUS_PHRASE"] == '"hey jarvis"' and m["CHORUS_STRIDE_FRAMES"] == "3" and m["CHORUS_CHANNELS"] == "40"
    assert np.float32(m["CHORUS_INPUT_SCALE"].rstrip("f")) == np.float32(q_in.scale)
    assert int(m["CHORUS_INPUT_ZERO_POINT"].strip("()")) == q_in.zero_point == -128
    assert np.float32(m["CHORUS_OUTPUT_SCALE"].rstrip("f")) == np.float32(q_out.scale)
    assert m["CHORUS_OUTPUT_UNSIGNED"] == "1"  # microWakeWord models answer in uint8
    assert np.float32(m["CHORUS_PROBABILITY_CUTOFF"].rstrip("f")) == np.float32(micro["probability_cutoff"])
    assert m["CHORUS_SLIDING_WINDOW"] == str(micro["sliding_window_size"])
    assert m["CHORUS_REFRACTORY_STEPS"] == str(REFRACTORY)
    assert int(m["CHORUS_RESOURCE_VARIABLES"]) >= 1
    registered = re.findall(r"\(resolver\)\.(Add\w+)\(\)", m["CHORUS_REGISTER_OPS(resolver)"])
    assert registered == [firmware.RESOLVER_METHODS[op] for op in ops] and "AddVarHandle" in registered
    assert int(m["CHORUS_ARENA_BYTES"]) == firmware.firmware_arena_bytes(micro["tensor_arena_size"])
    model_array = files[f"{SKETCH}/model_data.cpp"].decode()
    assert bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", model_array)) == model


def test_the_sketch_type_checks_against_arduino_and_tflm_declarations(sketch):
    gxx = require_tool("g++")
    _, folder = sketch
    for source in sorted(folder.glob("*.cpp")) + [folder / f"{SKETCH}.ino"]:
        done = subprocess.run(
            [
                gxx,
                "-std=gnu++17",
                "-fsyntax-only",
                "-Wall",
                "-Wextra",
                "-Werror",
                f"-I{STUBS}",
                f"-I{folder}",
                "-x",
                "c++",
                str(source),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{source.name}:\n{done.stderr}"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"sliding_window_size": 40}, "sliding_window_size"),
        ({"probability_cutoff": 1.0}, "probability_cutoff"),
    ],
)
def test_an_operating_point_the_sketch_cannot_run_is_refused(bundled, bad, message):
    model, micro = bundled
    args = {
        "model_int8": model,
        "phrase": "hey jarvis",
        "probability_cutoff": 0.9,
        "sliding_window_size": 5,
        "arena_bytes": micro["tensor_arena_size"],
        **bad,
    }
    with pytest.raises(ValueError, match=message):
        wake_word_firmware.render_wake_word_sketch(**args)


def device_steps(micro_lib, model: bytes, audio: np.ndarray) -> np.ndarray:
    """The sketch's path on the host: the C frontend fed 10 ms at a time, its int8 features, the model in the
    TFLM interpreter every 3 frames: the raw output of each step."""
    frontend = libmicro.MicroFrontendC(micro_lib)
    frames = frontend.feed(np.frombuffer(pcm16(audio), "<i2"), chunk=160)
    q_in, _ = quantize.io_quantization(model)
    features = np.stack([frontend.quantize(f, q_in.scale, q_in.zero_point) for f in frames])
    interpreter = quantize.tflm_interpreter(model, 1 << 18)
    raw = []
    for start in range(0, len(features) - 2, 3):
        interpreter.set_input(features[start : start + 3][None], 0)
        interpreter.invoke()
        raw.append(int(interpreter.get_output(0).reshape(-1)[0]))
    return np.asarray(raw)


def test_the_device_path_computes_what_training_and_esphomes_runtime_compute(micro_lib, bundled, tmp_path):
    require_espeak()
    model, micro = bundled
    stream, ends = wake_runtime.held_out_stream("hey jarvis", voices=10, seed=91)
    raw = device_steps(micro_lib, model, stream)
    # the same steps training's evaluation scores (pymicro-features, then the model in TFLM): bit for bit
    ours = streaming_probabilities(model, micro_features(stream))
    assert np.array_equal(raw.astype(np.float32) / 256, ours)
    # the C detector wakes where the evaluation's detector does
    detector = WakeDetector(
        micro_lib,
        window=micro["sliding_window_size"],
        cutoff=micro["probability_cutoff"],
        refractory_steps=REFRACTORY,
        output_scale=1 / 256,
        output_zero_point=0,
    )
    device_wakes = detector.wakes(raw) * 480  # steps of 30 ms, in samples
    assert (
        device_wakes.tolist()
        == (wake_word_eval.wakes(ours, micro["probability_cutoff"], micro["sliding_window_size"]) * 480).tolist()
    )
    # and hears the utterances ESPHome's runtime hears on the same stream
    runtime, _ = wake_runtime.runtime_wakes(BUNDLED / "hey_jarvis.json", stream)
    assert wake_runtime.heard(device_wakes, ends) == wake_runtime.heard(runtime, ends)
    assert any(wake_runtime.heard(runtime, ends)), "the model hears none of the voices: nothing is compared"
