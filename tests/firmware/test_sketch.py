"""kws.firmware.render_sketch: a complete Arduino sketch folder for the trained model, whose generated header and
portable core build on the host and compute what the Python side computes, and whose C++ type-checks against
declarations of the Arduino core and the TFLM library (sketch_stubs/)."""
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kws import c_array, features, firmware, quantize
from kws.quantize import Quantization
from kws.recognizer import DEFAULT_RECOGNIZER
from tests.firmware import trained
from tests.firmware.build import FIRMWARE, require_tool
from tests.firmware.libchorus import Features

STUBS = Path(__file__).parent / "sketch_stubs"
SKETCH = firmware.SKETCH_NAME


@pytest.fixture(scope="module")
def sketch(kws_model, tmp_path_factory):
    files = firmware.render_sketch(
        model_int8=kws_model.model_int8, labels=kws_model.labels, feature_params=kws_model.feature_params,
        normalization=kws_model.normalization, recognizer_params=kws_model.recognizer_params, arena_bytes=kws_model.arena_bytes,
    )
    root = tmp_path_factory.mktemp("package")
    firmware.write_files(files, root)
    return files, root / SKETCH


def macros(header: str) -> dict[str, str]:
    return dict(re.findall(r"^#define (CHORUS_\w+(?:\(\w+\))?) (.+?)(?:\s+//.*)?$", header, flags=re.M))


def test_the_sketch_folder_is_complete(sketch):
    files, _ = sketch
    sketch_files = {"chorus_kws.ino", "audio_provider.cpp", "audio_provider.h", "feature_provider.cpp", "feature_provider.h",
                    "model_runner.cpp", "model_runner.h", "recognize_commands.cpp", "recognize_commands.h",
                    "command_responder.cpp", "command_responder.h", "model_settings.h", "model_data.cpp", "model_data.h", "README.md"}
    core = {f"src/{name}" for name in firmware.CORE_FILES}
    assert set(files) == {f"{SKETCH}/{name}" for name in sketch_files | core}
    assert all(isinstance(content, bytes) and content for content in files.values())
    for name in firmware.CORE_FILES:  # the core ships as it is tested
        assert files[f"{SKETCH}/src/{name}"] == (FIRMWARE / "src" / name).read_bytes()


def test_model_settings_carry_the_model(sketch, kws_model):
    files, _ = sketch
    m = macros(files[f"{SKETCH}/model_settings.h"].decode())
    q_in, q_out = quantize.io_quantization(kws_model.model_int8)
    ops = quantize.model_ops(kws_model.model_int8)
    assert m["CHORUS_PLACEHOLDER"] == "0"
    assert m["CHORUS_LABELS"] == "{" + ", ".join(f'"{label}"' for label in kws_model.labels) + "}"
    assert (m["CHORUS_SILENCE_INDEX"], m["CHORUS_UNKNOWN_INDEX"], m["CHORUS_LABEL_COUNT"]) == ("0", "1", str(len(kws_model.labels)))
    assert np.float32(m["CHORUS_INPUT_SCALE"].rstrip("f")) == np.float32(q_in.scale)
    assert int(m["CHORUS_INPUT_ZERO_POINT"].strip("()")) == q_in.zero_point
    assert np.float32(m["CHORUS_OUTPUT_SCALE"].rstrip("f")) == np.float32(q_out.scale)
    assert np.float32(m["CHORUS_NORM_MEAN"].strip("()f")) == np.float32(kws_model.normalization["mean"])
    assert m["CHORUS_FEATURES_HASH"] == f'"{kws_model.feature_params.hash}"'
    assert int(m["CHORUS_ARENA_MEASURED_BYTES"]) == kws_model.arena_bytes
    assert int(m["CHORUS_ARENA_BYTES"]) == firmware.firmware_arena_bytes(kws_model.arena_bytes) and int(m["CHORUS_ARENA_BYTES"]) % 16 == 0
    assert m["CHORUS_OP_COUNT"] == str(len(ops)) and m["CHORUS_OP_NAMES"] == f'"{" ".join(ops)}"'
    registered = re.findall(r"\(resolver\)\.(Add\w+)\(\)", m["CHORUS_REGISTER_OPS(resolver)"])
    assert registered == [firmware.RESOLVER_METHODS[op] for op in ops]  # every op the model needs, nothing else
    r = kws_model.recognizer_params
    assert (m["CHORUS_AVERAGE_WINDOW_MS"], m["CHORUS_SUPPRESSION_MS"], m["CHORUS_MINIMUM_COUNT"]) == (
        str(r.average_window_ms), str(r.suppression_ms), str(r.minimum_count))
    assert (m["CHORUS_INFERENCE_STRIDE_FRAMES"], m["CHORUS_INFERENCE_STRIDE_MS"]) == ("5", "100")


def test_the_model_array_is_the_model(sketch, kws_model):
    files, _ = sketch
    source = files[f"{SKETCH}/model_data.cpp"].decode()
    assert bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", source)) == kws_model.model_int8
    assert files[f"{SKETCH}/model_data.h"].decode() == c_array.model_header()


def test_the_shipped_header_and_core_build_the_host_tool_and_compute_like_python(sketch, kws_model, lib, tmp_path):
    """Built from the package's own src/ and model_settings.h, the CLI's defaults are the model's: its int8 matrix
    equals the library's with the configuration Python derives from the same model."""
    cc = require_tool("cc")
    _, folder = sketch
    tool = tmp_path / "chorus_features"
    host = FIRMWARE / "host"
    subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{folder / 'src'}", f"-I{folder}", f"-I{host}",
                    str(host / "chorus_features_main.c"), str(host / "wav.c"), *map(str, sorted((folder / "src").glob("*.c"))),
                    "-lm", "-o", str(tool)], check=True)
    q_in, _ = quantize.io_quantization(kws_model.model_int8)
    config = firmware.features_config(kws_model.feature_params, kws_model.normalization, q_in)
    printed = dict(line.split("=", 1) for line in subprocess.run([tool, "--config"], capture_output=True, text=True, check=True).stdout.splitlines())
    assert all(np.float32(printed[key]) == np.float32(value) for key, value in config.items())
    rng = np.random.default_rng(5)
    take = trained.trimmed_take("stop", kws_model.speakers[0], rng)
    pcm = np.clip(np.round(take[:16_000] * 0.8 / np.abs(take).max() * 32767), -32768, 32767).astype(np.int16)
    sf.write(tmp_path / "stop.wav", pcm, 16_000, subtype="PCM_16")
    printed = subprocess.run([tool, tmp_path / "stop.wav"], capture_output=True, text=True, check=True).stdout
    matrix = np.array([line.split() for line in printed.strip().splitlines()], dtype=int)
    assert np.array_equal(matrix, Features(lib, config).int8(pcm))


def test_the_sketch_type_checks_against_arduino_and_tflm_declarations(sketch):
    gxx = require_tool("g++")
    _, folder = sketch
    sources = sorted(folder.glob("*.cpp")) + [folder / f"{SKETCH}.ino"]
    for source in sources:
        done = subprocess.run([gxx, "-std=gnu++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", f"-I{STUBS}", f"-I{folder}",
                               "-x", "c++", str(source)], capture_output=True, text=True)
        assert done.returncode == 0, f"{source.name}:\n{done.stderr}"
    cc = require_tool("cc")
    for source in sorted((folder / "src").glob("*.c")):  # the core as the Arduino builder compiles it: C, from src/
        subprocess.run([cc, "-std=gnu11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", str(source)], check=True)


def test_the_placeholder_sketch_refuses_to_build(tmp_path):
    gxx = require_tool("g++")
    (tmp_path / "model_settings.h").write_text(firmware.placeholder_header())
    done = subprocess.run([gxx, "-std=gnu++17", "-fsyntax-only", f"-I{STUBS}", f"-I{tmp_path}", "-x", "c++",
                           str(FIRMWARE / SKETCH / f"{SKETCH}.ino")], capture_output=True, text=True)
    assert done.returncode != 0 and "placeholder" in done.stderr


def test_the_readme_says_how_to_open_and_flash_it(sketch, kws_model):
    files, _ = sketch
    readme = files[f"{SKETCH}/README.md"].decode()
    for needle in ("Arduino_TensorFlowLite", "Arduino Nano 33 BLE", "arduino-cli compile --fqbn arduino:mbed_nano:nano33ble",
                   "arduino-cli upload", "Serial Monitor", *trained.KEYWORDS, str(firmware.firmware_arena_bytes(kws_model.arena_bytes))):
        assert needle in readme


@pytest.mark.parametrize("bad, message", [
    ({"feature_params": features.FeatureParams(n_fft=500, window_samples=480)}, "power of two"),
    ({"feature_params": features.FeatureParams(mel_norm=1.0)}, "mel_norm"),
    ({"normalization": {"kind": "per_channel", "mean": [0.0], "std": [1.0]}}, "scalar"),
    ({"ops": ["CONV_2D", "UNIDIRECTIONAL_SEQUENCE_LSTM"]}, "cannot register"),
    ({"labels": []}, "at least one label"),
])
def test_what_the_firmware_cannot_do_is_refused(bad, message):
    args = {"feature_params": features.DEFAULT_PARAMS, "labels": ["_silence_", "_unknown_", "yes"], "normalization": {"kind": "none"},
            "input_quantization": Quantization(0.1, 0), "output_quantization": Quantization(1 / 256, -128),
            "recognizer_params": DEFAULT_RECOGNIZER, "arena_bytes": 4096, "ops": ["CONV_2D"], **bad}
    with pytest.raises(ValueError, match=message):
        firmware.model_settings_header(**args)


def test_labels_become_safe_c_strings():
    assert firmware.c_string('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert firmware.c_string("café") == '"caf\\303\\251"'
