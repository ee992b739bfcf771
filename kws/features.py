"""The feature definition: one frozen FeatureParams that training, export and firmware all read.

Log-mel (or MFCC) frames of a 1 s, 16 kHz clip, laid out frames x channels. The batch path below is a
vectorized STFT with librosa's own mel filter bank; `reference_features` is the per-clip librosa call it
must match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import scipy.fft

FEATURES_FORMAT_VERSION = 1


@dataclass(frozen=True)
class FeatureParams:
    sample_rate: int = 16_000  # Hz; input clips are resampled to this
    clip_samples: int = 16_000  # samples per clip (1 s); shorter input is zero-padded at the end
    window_samples: int = 480  # analysis window: 30 ms
    hop_samples: int = 320  # stride between frames: 20 ms
    n_fft: int = 512  # FFT size; the window is zero-padded to it, centred (as librosa does)
    window: str = "hann"  # periodic Hann (scipy.signal.get_window(..., fftbins=True))
    center: bool = False  # frames start at sample 0; no padding of the signal
    n_mels: int = 40  # mel channels
    fmin: float = 20.0  # lowest mel band edge, Hz
    fmax: float = 7_600.0  # highest mel band edge, Hz
    mel_htk: bool = False  # False: Slaney mel scale (librosa default)
    mel_norm: str | None = "slaney"  # filter normalization: 'slaney' (area) or None
    power: float = 2.0  # |STFT|**power before the filter bank (2: power spectrum)
    log_offset: float = 1e-6  # features are ln(mel + log_offset)
    n_mfcc: int | None = None  # None: log-mel; N: first N DCT-II (ortho) coefficients of the log-mel

    def __post_init__(self):
        if self.window_samples > self.n_fft:
            raise ValueError("window_samples must not exceed n_fft")
        if self.window != "hann":
            raise ValueError("only the Hann window is supported (the firmware implements it)")

    @property
    def frames(self) -> int:
        return 1 + (self.clip_samples - self.n_fft) // self.hop_samples

    @property
    def channels(self) -> int:
        return self.n_mfcc or self.n_mels

    @property
    def shape(self) -> tuple[int, int]:
        return (self.frames, self.channels)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def hash(self) -> str:
        """Stable across runs and machines: sha256 of the canonical JSON of the fields (12 hex digits)."""
        canonical = json.dumps({"v": FEATURES_FORMAT_VERSION, **self.as_dict()}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


DEFAULT_PARAMS = FeatureParams()


@lru_cache(maxsize=8)
def _window(params: FeatureParams) -> np.ndarray:
    """The analysis window zero-padded to n_fft and centred, exactly as librosa.stft builds it."""
    n = params.window_samples
    hann = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)  # periodic Hann
    padded = np.zeros(params.n_fft, dtype=np.float32)
    start = (params.n_fft - n) // 2
    padded[start : start + n] = hann
    return padded


@lru_cache(maxsize=8)
def mel_filterbank(params: FeatureParams) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels) float32, from librosa so the firmware header and training share it."""
    import librosa

    bank = librosa.filters.mel(
        sr=params.sample_rate,
        n_fft=params.n_fft,
        n_mels=params.n_mels,
        fmin=params.fmin,
        fmax=params.fmax,
        htk=params.mel_htk,
        norm=params.mel_norm,
        dtype=np.float32,
    )
    return np.ascontiguousarray(bank.T)


@lru_cache(maxsize=8)
def _dct_matrix(n_mels: int, n_mfcc: int) -> np.ndarray:
    """Orthonormal DCT-II, (n_mels, n_mfcc): what librosa.feature.mfcc applies to a log-mel."""
    k = np.arange(n_mfcc)[None, :]
    n = np.arange(n_mels)[:, None]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_mels)) * np.sqrt(2.0 / n_mels)
    basis[:, 0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


def fit_length(samples: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.shape[-1] >= params.clip_samples:
        return x[..., : params.clip_samples]
    pad = [(0, 0)] * (x.ndim - 1) + [(0, params.clip_samples - x.shape[-1])]
    return np.pad(x, pad)


def featurize_batch(clips: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """(N, clip_samples) float audio -> (N, frames, channels) float32 features, vectorized."""
    x = fit_length(np.atleast_2d(clips), params)
    frames = np.lib.stride_tricks.sliding_window_view(x, params.n_fft, axis=-1)[:, :: params.hop_samples][
        :, : params.frames
    ]
    return _frame_features(frames, params)


def featurize_stream(
    audio: np.ndarray, params: FeatureParams = DEFAULT_PARAMS, *, chunk_frames: int = 4096
) -> np.ndarray:
    """(samples,) audio of any length -> (frames, channels): every frame of the recording, once. The features of a
    1 s window starting at sample k * hop_samples are rows k .. k + params.frames - 1, the same numbers
    featurize_batch gives that window. Computed in chunks to bound memory on hours of audio."""
    x = np.asarray(audio, dtype=np.float32)
    if len(x) < params.n_fft:
        return np.zeros((0, params.channels), np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, params.n_fft)[:: params.hop_samples]
    return np.concatenate(
        [_frame_features(frames[i : i + chunk_frames][None], params)[0] for i in range(0, len(frames), chunk_frames)]
    )


def _frame_features(frames: np.ndarray, params: FeatureParams) -> np.ndarray:
    spectrum = scipy.fft.rfft(frames * _window(params), axis=-1)
    magnitude = spectrum.real**2 + spectrum.imag**2
    if params.power != 2.0:
        magnitude = magnitude ** (params.power / 2.0)
    mel = magnitude @ mel_filterbank(params)
    features = np.log(mel + np.float32(params.log_offset))
    if params.n_mfcc:
        features = features @ _dct_matrix(params.n_mels, params.n_mfcc)
    return features.astype(np.float32, copy=False)


def featurize(samples: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    return featurize_batch(samples[None, :], params)[0]


def reference_features(samples: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """The same features through librosa's own per-clip calls: the definition the fast path must match."""
    import librosa

    x = fit_length(samples, params).astype(np.float64)
    mel = librosa.feature.melspectrogram(
        y=x,
        sr=params.sample_rate,
        n_fft=params.n_fft,
        hop_length=params.hop_samples,
        win_length=params.window_samples,
        window=params.window,
        center=params.center,
        power=params.power,
        n_mels=params.n_mels,
        fmin=params.fmin,
        fmax=params.fmax,
        htk=params.mel_htk,
        norm=params.mel_norm,
    )
    log_mel = np.log(mel + params.log_offset)
    if params.n_mfcc:
        return librosa.feature.mfcc(S=log_mel, n_mfcc=params.n_mfcc, dct_type=2, norm="ortho").T.astype(np.float32)
    return log_mel.T.astype(np.float32)


def features_json(
    params: FeatureParams = DEFAULT_PARAMS, *, normalization: dict | None = None, input_quantization: dict | None = None
) -> dict:
    """Everything needed to recompute the features with numpy and librosa alone."""
    doc = {
        "format_version": FEATURES_FORMAT_VERSION,
        "params_hash": params.hash,
        **params.as_dict(),
        "log": "natural log of (mel power + log_offset)",
        "frames": params.frames,
        "channels": params.channels,
        "layout": "frames x channels",
        "framing": (
            "frame t covers samples [t*hop_samples, t*hop_samples + n_fft); the window is zero-padded to n_fft, centred"
        ),
        "mel_filterbank": "librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=mel_htk, norm=mel_norm)",
        "mfcc": None if not params.n_mfcc else "orthonormal DCT-II of the log-mel, first n_mfcc coefficients",
        "normalization": normalization or {"kind": "none"},
    }
    if input_quantization is not None:
        doc["input_quantization"] = input_quantization
    return doc
