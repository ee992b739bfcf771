"""The device's feature code against the Python featurizer, on the same WAV files: espeak-ng words over noise,
noises, tones and edge cases. The C path is the CLI (firmware/build/chorus_features) and libchorus.so (ctypes);
the Python path is kws.features.featurize_batch and the training normalization and quantization."""
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from kws import features, firmware, synthetic, train
from kws.quantize import Quantization
from tests.firmware.build import require_tool
from tests.firmware.libchorus import Features

LOG_MEL_TOLERANCE = 0.01
INT8_IDENTICAL = 0.999
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "zero", "seven"]
RATE = synthetic.SAMPLE_RATE


@dataclass
class ParitySet:
    paths: list[Path]
    pcm: list[np.ndarray]  # int16, as written
    reference: np.ndarray  # (N, frames, channels) Python log-mel of the WAVs as read back
    normalization: dict
    quantization: Quantization
    reference_int8: np.ndarray


def to_pcm(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, np.float64) * 32767), -32768, 32767).astype(np.int16)


def parity_audio(rng: np.random.Generator) -> list[np.ndarray]:
    t = np.arange(RATE) / RATE
    speakers = synthetic.speakers(len(WORDS), seed=7)
    beds = {kind: synthetic.noise(kind, 5, rng) for kind in ("white", "pink", "brown", "hum")}
    clips = []
    for i in range(40):  # words, half of them over noise at 0..30 dB SNR
        take = synthetic.say(WORDS[i % len(WORDS)], speakers[(i * 5) % len(speakers)], rng)
        bed = list(beds.values())[i % 4] if i % 2 else None
        clips.append(synthetic.place(take, rng, noise_bed=bed, snr_db=float(rng.uniform(0, 30)) if bed is not None else None))
    for kind, bed in beds.items():  # noise alone, quiet to loud
        for volume in (0.003, 0.05, 0.8):
            start = int(rng.integers(0, len(bed) - RATE))
            clips.append(bed[start : start + RATE] / np.abs(bed).max() * volume)
    clips += [
        0.5 * np.sin(2 * np.pi * 440 * t),  # a tone
        0.3 * np.sin(2 * np.pi * (100 + 3800 * t) * t),  # a chirp up to ~7.7 kHz
        0.9 * np.sin(2 * np.pi * 30 * t),  # below fmin
        np.sign(np.sin(2 * np.pi * 1000 * t)),  # full-scale square wave: clips to int16 limits
        np.zeros(RATE),  # digital silence: every band at ln(log_offset)
        0.3 + rng.normal(0, 1e-4, RATE),  # DC offset
        rng.normal(0, 3 / 32768, RATE),  # a few LSBs of noise
        (np.arange(RATE) % 800 == 0).astype(float) * 0.9,  # clicks
        0.4 * np.sin(2 * np.pi * 2000 * t[: RATE * 2 // 5]),  # 0.4 s: zero-padded to 1 s
        0.2 * np.sin(2 * np.pi * 5000 * np.arange(RATE * 3 // 2) / RATE),  # 1.5 s: cut to 1 s
    ]
    return clips


def input_quantization(x: np.ndarray) -> Quantization:
    """What TFLite's calibration picks for an int8 input that spans x: min..max over 256 steps."""
    low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = (high - low) / 255
    return Quantization(scale=scale, zero_point=int(np.clip(round(-128 - low / scale), -128, 127)))


@pytest.fixture(scope="module")
def parity(tmp_path_factory) -> ParitySet:
    require_tool("espeak-ng")
    folder = tmp_path_factory.mktemp("parity")
    rng = np.random.default_rng(20)
    paths, pcm, audio = [], [], []
    for i, clip in enumerate(parity_audio(rng)):
        path = folder / f"clip{i:02d}.wav"
        sf.write(path, to_pcm(clip), RATE, subtype="PCM_16")
        paths.append(path)
        pcm.append(sf.read(path, dtype="int16")[0])
        audio.append(features.fit_length(sf.read(path, dtype="float32")[0]))  # int16 / 32768, as training reads WAVs
    audio = np.stack(audio)
    reference = features.featurize_batch(audio)
    normalization = {"kind": "scalar", "mean": float(reference.mean()), "std": float(reference.std() + 1e-6)}
    normalized = train.featurize_normalized(audio, normalization, features.DEFAULT_PARAMS)
    quantization = input_quantization(normalized)
    return ParitySet(paths, pcm, reference, normalization, quantization, quantization.quantize(normalized))


def cli(build: Path, *args) -> str:
    return subprocess.run([str(build / "chorus_features"), *map(str, args)], capture_output=True, text=True, check=True).stdout


def parse(text: str, dtype) -> np.ndarray:
    return np.array([line.split() for line in text.strip().splitlines()], dtype=np.float64).astype(dtype)


def quantization_flags(parity: ParitySet) -> list[str]:
    n, q = parity.normalization, parity.quantization
    return ["--mean", repr(n["mean"]), "--std", repr(n["std"]), "--scale", repr(q.scale), "--zero-point", str(q.zero_point)]


@pytest.fixture(scope="module")
def cli_outputs(firmware_build, parity):
    log_mel = np.stack([parse(cli(firmware_build, "--log-mel", path), np.float32) for path in parity.paths])
    int8 = np.stack([parse(cli(firmware_build, *quantization_flags(parity), path), np.int8) for path in parity.paths])
    return log_mel, int8


def test_the_parity_set_is_big_and_varied(parity):
    assert len(parity.paths) >= 50
    assert parity.reference.shape[1:] == features.DEFAULT_PARAMS.shape


def test_c_log_mel_matches_the_python_featurizer(parity, cli_outputs):
    log_mel, _ = cli_outputs
    assert log_mel.shape == parity.reference.shape
    diff = np.abs(log_mel.astype(np.float64) - parity.reference)
    print(f"log-mel: {len(parity.paths)} clips, max abs diff {diff.max():.3g}, mean {diff.mean():.3g}")
    assert diff.max() <= LOG_MEL_TOLERANCE


def test_c_int8_inputs_match_the_training_path(parity, cli_outputs):
    _, int8 = cli_outputs
    steps = int8.astype(int) - parity.reference_int8.astype(int)
    identical = float(np.mean(steps == 0))
    print(f"int8: {identical:.5%} identical, {int(np.sum(steps != 0))} of {steps.size} off by one")
    assert identical >= INT8_IDENTICAL
    assert np.abs(steps).max() <= 1


def test_the_cli_and_the_library_compute_the_same_numbers(lib, parity, cli_outputs):
    log_mel, int8 = cli_outputs
    config = firmware.features_config(features.DEFAULT_PARAMS, parity.normalization, parity.quantization)
    device = Features(lib, config)
    for i, pcm in enumerate(parity.pcm):
        assert np.array_equal(device.log_mel(pcm), log_mel[i])
        assert np.array_equal(device.int8(pcm), int8[i])


def test_streaming_windows_equal_the_features_of_their_clip(lib, parity):
    """Audio pushed in uneven chunks: whenever a frame completes, the window is the clip starting at its first frame."""
    config = firmware.features_config(features.DEFAULT_PARAMS, parity.normalization, parity.quantization)
    stream, clip = Features(lib, config), Features(lib, config)
    audio = np.concatenate(parity.pcm[:4])[: RATE * 3]
    rng = np.random.default_rng(3)
    p = features.DEFAULT_PARAMS
    position, checked = 0, 0
    assert stream.window_end_ms() == -1
    while position < len(audio):
        chunk = audio[position : position + int(rng.integers(1, 700))]
        new = stream.push(chunk)
        position += len(chunk)
        assert stream.frames_total == max(0, 1 + (position - p.n_fft) // p.hop_samples)
        if new and stream.ready:
            start = (stream.frames_total - p.frames) * p.hop_samples
            assert np.array_equal(stream.matrix(), clip.int8(audio[start : start + p.clip_samples]))
            assert stream.window_end_ms() == (start + p.clip_samples) * 1000 // p.sample_rate
            checked += 1
    assert stream.frames_total == 1 + (len(audio) - p.n_fft) // p.hop_samples and checked >= 50


def test_rounding_is_numpy_round_half_to_even(lib):
    q = Quantization(scale=0.5, zero_point=-3)
    device = Features(lib, firmware.features_config(features.DEFAULT_PARAMS, {"kind": "none"}, q))
    halves = 0.25 * (2 * np.arange(-140, 140) + 1)  # x / 0.5 = k + 1/2 exactly
    values = np.concatenate([halves, np.linspace(-90, 90, 2001), [1e6, -1e6, 0.0, -0.0]]).astype(np.float32)
    expected = q.quantize(values)
    assert np.array_equal([device.quantize(float(v)) for v in values], expected)
    assert [lib.chorus_round_half_even(v) for v in (0.5, 1.5, 2.5, -0.5, -1.5, 2.4999998, -2.5000002)] == [0, 2, 2, 0, -2, 2, -3]


@pytest.mark.parametrize("changes", [
    {"n_mfcc": 13},
    {"mel_htk": True, "mel_norm": None},
    {"power": 1.0, "n_mels": 64, "fmin": 0.0, "fmax": 8000.0},
    {"n_fft": 1024, "window_samples": 640, "hop_samples": 160},
    {"window_samples": 512, "log_offset": 1e-3},
], ids=["mfcc", "htk-unnormalized", "magnitude-64-mels", "fft1024", "full-window"])
def test_other_feature_parameters_match_too(lib, parity, changes):
    params = replace(features.DEFAULT_PARAMS, **changes)
    device = Features(lib, firmware.features_config(params, {"kind": "none"}, Quantization(0.1, 0)))
    pcm = parity.pcm[::6]
    reference = features.featurize_batch(np.stack([features.fit_length(x.astype(np.float32) / 32768, params) for x in pcm]), params)
    c = np.stack([device.log_mel(x) for x in pcm])
    assert c.shape == reference.shape == (len(pcm), *params.shape)
    assert np.abs(c - reference).max() <= LOG_MEL_TOLERANCE


def test_the_header_configures_the_cli_like_python_configures_the_library(firmware_build):
    printed = dict(line.split("=", 1) for line in cli(firmware_build, "--config").splitlines())
    expected = firmware.features_config(features.DEFAULT_PARAMS, {"kind": "none"}, firmware.PLACEHOLDER_INPUT)
    for key, value in expected.items():
        assert np.float32(printed[key]) == np.float32(value), key
    assert printed["features_hash"] == features.DEFAULT_PARAMS.hash
    assert (int(printed["frames"]), int(printed["channels"])) == features.DEFAULT_PARAMS.shape


def test_the_cli_refuses_what_the_device_would_not_hear(firmware_build, tmp_path):
    sf.write(tmp_path / "8k.wav", np.zeros(8000, np.int16), 8000, subtype="PCM_16")
    sf.write(tmp_path / "stereo.wav", np.zeros((16000, 2), np.int16), RATE, subtype="PCM_16")
    sf.write(tmp_path / "float.wav", np.zeros(16000, np.float32), RATE, subtype="FLOAT")
    for name, message in [("8k.wav", "8000 Hz"), ("stereo.wav", "mono"), ("float.wav", "16-bit PCM")]:
        done = subprocess.run([str(firmware_build / "chorus_features"), str(tmp_path / name)], capture_output=True, text=True)
        assert done.returncode == 1 and message in done.stderr
    assert subprocess.run([str(firmware_build / "chorus_features")], capture_output=True).returncode == 2
