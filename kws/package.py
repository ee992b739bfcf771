"""A trained model's package files, built in one place from its artefacts: models, C arrays, feature and
recognizer settings, golden vectors and the rendered firmware sketch. Pure: the caller gathers the artefacts
(stored models, texts) and writes the zip. Golden vectors come from synthetic signals made here, never from
anyone's recording: log-mel features of a real clip are close to invertible back to its audio."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kws import c_array, features, firmware, quantize
from kws import train as kws_train
from kws.recognizer import RecognizerParams

GOLDEN_FORMAT_VERSION = 2  # 2: synthetic signals ("signal"), no recorded clip ("label") any more
GOLDEN_VECTORS = 5
FIRMWARE_DIR = "firmware"
STAGES = ("models", "golden vectors", "firmware sketch", "zip")  # what on_progress counts

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class PackageArtefacts:
    """Everything a package is made of, as the training job left it."""

    model_int8: bytes
    model_float: bytes
    labels: list[str]
    feature_params: features.FeatureParams
    normalization: dict
    arena_bytes: int
    recognizer: RecognizerParams
    readme: str
    model_card: str
    metrics: dict


def package_entries(artefacts: PackageArtefacts, *, on_progress: ProgressCallback | None = None) -> dict[str, bytes]:
    """Every entry of the package, in write order; `on_progress(done, total)` after each of the first STAGES."""
    report = on_progress or (lambda done, total: None)
    a = artefacts
    q_in, q_out = quantize.io_quantization(a.model_int8)
    report(1, len(STAGES))
    golden = golden_vectors(a, q_in, q_out)
    report(2, len(STAGES))
    sketch = firmware.render_sketch(
        model_int8=a.model_int8,
        labels=a.labels,
        feature_params=a.feature_params,
        normalization=a.normalization,
        recognizer_params=a.recognizer,
        arena_bytes=a.arena_bytes,
    )
    report(3, len(STAGES))
    entries = {
        "README.md": a.readme.encode(),
        "model.tflite": a.model_int8,
        "model_float.tflite": a.model_float,
        "model_data.cc": c_array.model_source(a.model_int8).encode(),
        "model_data.h": c_array.model_header().encode(),
        "labels.txt": "".join(f"{label}\n" for label in a.labels).encode(),
        "features.json": json_bytes(
            features.features_json(a.feature_params, normalization=a.normalization, input_quantization=q_in.as_dict())
        ),
        "model_settings.h": sketch[
            f"{firmware.SKETCH_NAME}/model_settings.h"
        ],  # the sketch's own, so the two never differ
        "recognizer.json": json_bytes(
            recognizer_json(a.labels, a.recognizer, firmware.inference_stride_ms(a.feature_params))
        ),
        "metrics.json": json_bytes(a.metrics),
        "model_card.md": a.model_card.encode(),
        "golden_vectors.json": json_bytes(golden),
    }
    entries.update({f"{FIRMWARE_DIR}/{path}": data for path, data in sorted(sketch.items())})
    return entries


def recognizer_json(labels: list[str], recognizer: RecognizerParams, stride_ms: int) -> dict:
    return {
        "labels": labels,
        **recognizer.as_dict(),
        "stride_ms": stride_ms,
        "notes": (
            "Run the model on the last 1 s of audio every stride_ms. "
            "kws.recognizer.Recognizer: average the output probabilities over average_window_ms, report the top label "
            "once its average >= detection_threshold over at least minimum_count results, then stay quiet for "
            "suppression_ms; _silence_ and _unknown_ are never reported."
        ),
    }


def golden_signals(params: features.FeatureParams, count: int = GOLDEN_VECTORS) -> list[tuple[str, np.ndarray]]:
    """(name, samples) of `count` synthetic 1 s signals, the same on every machine: low noise, a tone, a chirp,
    two tones, amplitude-modulated noise, then more noise of other seeds. They exercise the whole input range
    of the features without holding anyone's voice."""
    n = params.clip_samples
    t = np.arange(n, dtype=np.float64) / params.sample_rate
    duration = n / params.sample_rate
    f0, f1 = 100.0, 0.25 * params.sample_rate
    chirp_phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * duration))
    # a faint noise floor under the tonal signals, as a microphone has: pure tones leave mel bands near zero,
    # where float32 features stop matching a float64 reference
    floor = lambda seed: 0.02 * np.random.default_rng(seed).standard_normal(n)  # noqa: E731
    make = [
        ("noise_low", lambda: 0.01 * np.random.default_rng(0).standard_normal(n)),
        ("tone_440hz", lambda: 0.5 * np.sin(2 * np.pi * 440.0 * t) + floor(2)),
        (f"chirp_{f0:.0f}_{f1:.0f}hz", lambda: 0.5 * np.sin(chirp_phase) + floor(3)),
        (
            "tones_300_2500hz",
            lambda: 0.3 * np.sin(2 * np.pi * 300.0 * t) + 0.3 * np.sin(2 * np.pi * 2500.0 * t) + floor(4),
        ),
        (
            "noise_am_4hz",
            lambda: 0.3 * np.random.default_rng(1).standard_normal(n) * (0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t)),
        ),
    ]
    signals = [(name, build()) for name, build in make[:count]]
    signals += [
        (f"noise_seed_{seed}", 0.2 * np.random.default_rng(seed).standard_normal(n)) for seed in range(len(make), count)
    ]
    return [(name, np.clip(x, -1.0, 1.0).astype(np.float32)) for name, x in signals]


def golden_vectors(a: PackageArtefacts, q_in: quantize.Quantization, q_out: quantize.Quantization) -> dict:
    """Synthetic signals through the whole int8 path: their features, the int8 input and the int8 output of the
    TFLM interpreter. No recording, clip id or contributor goes in."""
    params = a.feature_params
    signals = golden_signals(params)
    audio = np.array([samples for _, samples in signals], dtype=np.float32).reshape(-1, params.clip_samples)
    log_mel = features.featurize_batch(audio, params) if len(audio) else np.zeros((0, *params.shape), np.float32)
    x_q = q_in.quantize(kws_train.featurize_normalized(audio, a.normalization, params))
    outputs = quantize.tflm_run(a.model_int8, x_q, a.arena_bytes) if len(x_q) else np.zeros((0, len(a.labels)), np.int8)
    return {
        "format_version": GOLDEN_FORMAT_VERSION,
        "model_sha256": hashlib.sha256(a.model_int8).hexdigest(),
        "interpreter": f"tflite_micro {importlib.metadata.version('tflite_micro')}",
        "arena_bytes": a.arena_bytes,
        "labels": a.labels,
        "input_shape": [1, params.frames, params.channels],
        "normalization": a.normalization,
        "input_quantization": q_in.as_dict(),
        "output_quantization": q_out.as_dict(),
        "vectors": [
            {
                "signal": name,
                "predicted": a.labels[int(np.argmax(output))],
                "features": feats.astype(np.float64).tolist(),
                "input_int8": x.tolist(),
                "output_int8": output.tolist(),
            }
            for (name, _), feats, x, output in zip(signals, log_mel, x_q, outputs, strict=True)
        ],
    }


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]")


def json_bytes(doc: dict) -> bytes:
    """Indented JSON with each list of numbers on one line (a matrix reads as one row per line)."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(part.strip() for part in m.group(1).split(",")) + "]", text)
    return (text + "\n").encode()
