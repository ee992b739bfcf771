import json

import numpy as np
import pytest

from kws.features import DEFAULT_PARAMS, FeatureParams, features_json, featurize, featurize_batch, reference_features
from tests.audio_factory import espeak_available, speak, tone


def signals():
    rng = np.random.default_rng(1)
    t = np.arange(16_000) / 16_000
    out = {
        "noise": rng.normal(0, 0.1, 16_000),
        "tone": 0.5 * np.sin(2 * np.pi * 1_000 * t),
        "burst": tone(1.0),
        "silence": np.zeros(16_000),
    }
    if espeak_available():
        import soxr

        word, rate = speak("left")
        out["speech"] = soxr.resample(word, rate, 16_000)[:16_000]
    return {k: v.astype(np.float32) for k, v in out.items()}


@pytest.mark.parametrize("name", ["noise", "tone", "burst", "silence", "speech"])
def test_fast_path_matches_librosa_melspectrogram_within_1e_4_relative(name):
    x = signals().get(name)
    if x is None:
        pytest.skip("espeak-ng is not installed")
    fast, reference = featurize(x), reference_features(x)
    assert fast.shape == reference.shape == (49, 40)
    mel_fast, mel_ref = np.exp(fast.astype(np.float64)), np.exp(reference.astype(np.float64))
    relative = np.abs(mel_fast - mel_ref) / np.maximum(mel_ref, DEFAULT_PARAMS.log_offset)
    assert relative.max() <= 1e-4


def test_mfcc_option_matches_librosa():
    params = FeatureParams(n_mfcc=13)
    x = signals()["burst"]
    assert featurize(x, params).shape == (49, 13)
    assert np.abs(featurize(x, params) - reference_features(x, params)).max() < 1e-3


def test_batch_equals_one_by_one():
    batch = np.stack(list(signals().values())[:4])
    together = featurize_batch(batch)
    for i, clip in enumerate(batch):
        assert np.array_equal(together[i], featurize(clip))


def test_params_hash_is_stable_and_tracks_every_field():
    assert DEFAULT_PARAMS.hash == FeatureParams().hash == "3780cad92091"  # changing it re-featurizes everything
    assert FeatureParams(n_mels=32).hash != DEFAULT_PARAMS.hash
    assert FeatureParams(log_offset=1e-5).hash != DEFAULT_PARAMS.hash
    assert DEFAULT_PARAMS.frames == 49 and DEFAULT_PARAMS.shape == (49, 40)


def test_features_json_is_enough_to_recompute_the_features_with_librosa_alone():
    import librosa

    doc = json.loads(json.dumps(features_json(input_quantization={"scale": 0.1, "zero_point": -3})))
    for key in [
        "sample_rate",
        "clip_samples",
        "window_samples",
        "hop_samples",
        "n_fft",
        "window",
        "center",
        "n_mels",
        "fmin",
        "fmax",
        "mel_htk",
        "mel_norm",
        "power",
        "log",
        "log_offset",
        "n_mfcc",
        "frames",
        "normalization",
        "input_quantization",
    ]:
        assert key in doc, key
    x = signals()["burst"]
    mel = librosa.feature.melspectrogram(
        y=x.astype(np.float64),
        sr=doc["sample_rate"],
        n_fft=doc["n_fft"],
        hop_length=doc["hop_samples"],
        win_length=doc["window_samples"],
        window=doc["window"],
        center=doc["center"],
        power=doc["power"],
        n_mels=doc["n_mels"],
        fmin=doc["fmin"],
        fmax=doc["fmax"],
        htk=doc["mel_htk"],
        norm=doc["mel_norm"],
    )
    recomputed = np.log(mel + doc["log_offset"]).T
    assert recomputed.shape == (doc["frames"], doc["n_mels"])
    assert np.abs(recomputed - featurize(x)).max() < 1e-3
