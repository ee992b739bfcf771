"""The device's micro frontend (firmware/src/chorus_micro_frontend.c) against pymicro-features, the TFLite Micro
audio frontend that training and ESPHome use: bit for bit, on synthesized audio (tones, chirps, noises quiet to
clipping, silence, speech-like bursts, level steps that move the noise estimate) and on espeak-ng words.

The Python path is kws.micro_frontend.micro_features: a fresh MicroFrontend fed 10 ms at a time. The C path is
libchorus.so through ctypes, fed 10 ms at a time and in odd chunk sizes (37 samples, a cycle of ragged sizes, the
whole recording at once): the same frames must come out whichever way the audio arrives."""
import subprocess

import numpy as np
import pytest

from kws.micro_frontend import MICRO_PARAMS, micro_features
from tests.firmware import libmicro
from tests.firmware.build import require_tool
from tests.firmware.libmicro import MicroFrontendC

RATE = 16_000
# kws-side quantization of a microWakeWord model input: int8 = clip(round(f / scale + zp), -128, 127)
MODEL_SCALE, MODEL_ZERO_POINT = 0.10196078568696976, -128
RAGGED = [37, 1, 159, 160, 161, 479, 480, 481, 2, 1000, 3]


@pytest.fixture(scope="module")
def micro(firmware_build):
    return libmicro.load(firmware_build / "libchorus.so")


def pcm(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, np.float64) * 32767), -32768, 32767).astype(np.int16)


def speech_like(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """Voiced bursts: a gliding pitch with harmonics, two moving resonances, syllable envelopes, pauses."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = 110 + 40 * np.sin(2 * np.pi * 0.7 * t) + 30 * rng.standard_normal() * np.sin(2 * np.pi * 2.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = np.zeros(n)
    for h in range(1, 30):
        freq = h * f0
        first = np.exp(-(((freq - 700 - 300 * np.sin(3 * t)) / 250) ** 2))
        second = 0.6 * np.exp(-(((freq - 1800 - 500 * np.cos(2 * t)) / 400) ** 2))
        formants = first + second
        voice += np.where(freq < 7800, formants, 0) * np.sin(h * phase) / h**0.5
    syllables = np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None) ** 2 * (np.sin(2 * np.pi * 0.45 * t) > -0.3)
    hiss = rng.normal(0, 0.05, n) * (np.sin(2 * np.pi * 1.3 * t + 1) > 0.8)  # fricative-ish noise
    x = voice * syllables + hiss
    return 0.6 * x / np.abs(x).max()


def synthetic_audio() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240611)
    sec = 3
    t = np.arange(sec * RATE) / RATE
    white = rng.normal(0, 1, t.size)
    clips = {
        "tone_440": 0.5 * np.sin(2 * np.pi * 440 * t),
        "tone_3k_quiet": 0.002 * np.sin(2 * np.pi * 3000 * t),
        "tones_mix": 0.2 * (np.sin(2 * np.pi * 150 * t) + np.sin(2 * np.pi * 1234 * t) + np.sin(2 * np.pi * 7000 * t)),
        "chirp": 0.4 * np.sin(2 * np.pi * (50 + 7900 / (2 * sec) * t) * t),  # 50 Hz .. 8 kHz
        "below_band": 0.9 * np.sin(2 * np.pi * 40 * t),
        "square_full_scale": np.sign(np.sin(2 * np.pi * 1000 * t)),  # clips to the int16 limits
        "silence": np.zeros(t.size),
        "dc_offset": 0.3 + rng.normal(0, 1e-4, t.size),
        "lsb_noise": rng.normal(0, 2 / 32768, t.size),
        "clicks": (np.arange(t.size) % 800 == 0) * 0.9,
        "speech_like": speech_like(rng, sec),
        "speech_over_noise": speech_like(rng, sec) + 0.02 * white,
        # silence, then noise, then louder noise, then a tone on top: the noise estimate and PCAN adapt
        "level_steps": np.concatenate([
            np.zeros(8000), 0.01 * white[:16000], 0.3 * white[16000:32000],
            0.3 * white[32000:40000] + 0.5 * np.sin(2 * np.pi * 900 * t[:8000]),
        ]),
    }
    for db in (-70, -50, -30, -10, 0):
        clips[f"white_{db}dB"] = 10 ** (db / 20) * white / 4
    clips["odd_length"] = 0.3 * white[: 480 + 160 * 7 + 59]  # ends mid-step: the tail makes no frame
    clips["too_short"] = 0.3 * white[:479]  # not one window
    return {name: pcm(x) for name, x in clips.items()}


SYNTHETIC = synthetic_audio()


def expected_frames(n: int) -> int:
    return 0 if n < 480 else (n - 480) // 160 + 1


def reference(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pymicro-features' floats and the uint16 frontend values they scale (exact: value * 5/128 in float32)."""
    floats = micro_features(samples)
    values = floats.astype(np.float64) / libmicro.FEATURE_SCALE
    assert np.array_equal(values, np.round(values)), "pymicro-features' floats are not uint16 * 0.0390625"
    return floats, values.astype(np.uint16)


def assert_bit_exact(name: str, ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape, f"{name}: {ours.shape[0]} frames, pymicro-features {theirs.shape[0]}"
    if not np.array_equal(ours, theirs):
        diff = np.abs(ours.astype(np.int64) - theirs.astype(np.int64))
        first = np.argwhere(diff)[0]
        pytest.fail(
            f"{name}: {np.mean(diff == 0):.4%} of values equal, max |diff| {diff.max()} (of uint16), "
            f"first at frame {first[0]} channel {first[1]}"
        )


def test_frontend_configuration_is_pymicro_features():
    assert MICRO_PARAMS.sample_rate == RATE and MICRO_PARAMS.channels == libmicro.CHANNELS
    assert MICRO_PARAMS.step_samples == libmicro.STEP_SAMPLES
    assert MICRO_PARAMS.sample_rate * MICRO_PARAMS.window_ms // 1000 == libmicro.WINDOW_SAMPLES


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_bit_exact_with_pymicro_features(micro, name):
    samples = SYNTHETIC[name]
    floats, values = reference(samples)
    assert len(values) == expected_frames(len(samples))
    frontend = MicroFrontendC(micro)
    ours = frontend.feed(samples, libmicro.STEP_SAMPLES)
    assert_bit_exact(name, ours, values)
    assert frontend.frames == len(values)
    assert frontend.input_used == (len(samples) if len(samples) < 480 else 320 + (len(samples) - 480) % 160)
    if len(values):
        c_floats = np.stack([frontend.to_float(f) for f in ours])
        assert c_floats.dtype == floats.dtype and np.array_equal(c_floats, floats)


@pytest.mark.parametrize("chunk", [37, RAGGED, 1_000_000], ids=["37", "ragged", "all_at_once"])
def test_chunk_sizes_do_not_change_frames(micro, chunk):
    frontend = MicroFrontendC(micro)
    for name in ("speech_like", "level_steps", "chirp", "odd_length", "too_short"):
        samples = SYNTHETIC[name]
        _, values = reference(samples)
        frontend.reset()
        assert_bit_exact(f"{name} in chunks of {chunk}", frontend.feed(samples, chunk), values)


def test_reset_is_a_fresh_frontend(micro):
    frontend = MicroFrontendC(micro)
    first = frontend.feed(SYNTHETIC["level_steps"])
    frontend.reset()
    assert frontend.frames == 0 and frontend.input_used == 0
    assert np.array_equal(frontend.feed(SYNTHETIC["level_steps"]), first)


def test_one_frame_per_step_after_the_first_window(micro):
    frontend = MicroFrontendC(micro)
    samples = SYNTHETIC["white_-10dB"]
    made = []
    for i in range(6):
        frame_made, read, _ = frontend.process(samples[i * 160 : (i + 1) * 160])
        made.append(frame_made)
        assert read == 160
    assert made == [False, False, True, True, True, True]
    # a window that lacks 160 samples takes no more than that, whatever it is offered
    assert frontend.process(samples[:1000])[:2] == (True, 160)
    # a window that lacks 1 sample takes 1
    assert frontend.process(samples[:159])[:2] == (False, 159)
    assert frontend.process(samples[:1000])[:2] == (True, 1)


@pytest.mark.parametrize("scale,zero_point", [(MODEL_SCALE, MODEL_ZERO_POINT), (0.078125, -5), (0.5, 0), (0.02, -100)])
def test_int8_matches_kws_quantization(micro, scale, zero_point):
    frontend = MicroFrontendC(micro)
    names = ("speech_like", "white_0dB", "square_full_scale", "tones_mix")
    frames = np.concatenate([frontend.feed(SYNTHETIC[name]) for name in names])
    every_value = np.arange(0, 65536, dtype=np.uint16)  # every possible frontend output too
    frames = np.concatenate([frames, every_value[: (len(every_value) // 40) * 40].reshape(-1, 40)])
    floats = frames.astype(np.float32) * np.float32(libmicro.FEATURE_SCALE)
    expected = np.clip(np.round(floats / scale + zero_point), -128, 127).astype(np.int8)
    ours = np.stack([frontend.quantize(f, scale, zero_point) for f in frames])
    assert np.array_equal(ours, expected), f"{np.mean(ours == expected):.4%} equal"
    # scale 0.078125 puts every odd value exactly halfway: numpy's round-half-even must be followed
    if scale == 0.078125:
        assert np.any(np.abs(floats / scale - np.round(floats / scale)) == 0.5)


def test_on_espeak_words(micro):
    require_tool("espeak-ng")
    from kws import synthetic

    assert synthetic.SAMPLE_RATE == RATE
    rng = np.random.default_rng(5)
    beds = {kind: synthetic.noise(kind, 4, rng) for kind in ("white", "pink", "hum")}
    pieces = []
    for i, speaker in enumerate(synthetic.speakers(6, seed=3)):
        take = synthetic.say(["okay nabu", "hey jarvis", "stop", "seven", "alexa", "left"][i], speaker, rng)
        bed = list(beds.values())[i % 3] if i % 2 else None
        pieces.append(synthetic.place(take, rng, noise_bed=bed, snr_db=10.0 if bed is not None else None, seconds=1.5))
    samples = pcm(np.concatenate(pieces))
    _, values = reference(samples)
    frontend = MicroFrontendC(micro)
    assert_bit_exact("espeak words", frontend.feed(samples), values)
    frontend.reset()
    assert_bit_exact("espeak words, chunks of 37", frontend.feed(samples, 37), values)


def test_c_unit_tests_pass(firmware_build):
    done = subprocess.run([str(firmware_build / "test_micro_frontend")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ", 0 failed" in done.stdout
