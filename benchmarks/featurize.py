"""Feature extraction speed: the vectorized batch path vs a per-clip librosa loop, per core.

    .venv/bin/python benchmarks/featurize.py [--clips 5000] [--batch 256]

Runs on one core (BLAS and FFT threads pinned to 1) over the same synthetic clips, checks that both
paths agree, and prints clips/s for each and two limits:
- arithmetic_limit: the FFT and the filter bank alone, timed on data already framed and windowed in
  memory (scipy's real FFT, then the mel matrix product): the arithmetic a clip cannot avoid, at the
  speed this core does it. The target (within 3x) is judged against this one.
- flop_peak_limit: the floating-point operations of a clip divided by this core's float32 matrix
  multiply rate; FFTs never run at that rate, so this is a bound no FFT-based path approaches.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kws.features import DEFAULT_PARAMS, featurize_batch, mel_filterbank, reference_features  # noqa: E402


def synthetic_clips(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(DEFAULT_PARAMS.clip_samples) / DEFAULT_PARAMS.sample_rate
    freqs = rng.uniform(100, 4000, (n, 1))
    envelope = np.exp(-((t - rng.uniform(0.3, 0.7, (n, 1))) ** 2) / 0.02)
    return (0.3 * envelope * np.sin(2 * np.pi * freqs * t) + rng.normal(0, 0.01, (n, t.size))).astype(np.float32)


def flops_per_clip() -> float:
    p = DEFAULT_PARAMS
    fft = 2.5 * p.n_fft * np.log2(p.n_fft)  # real FFT, split-radix count
    bins = p.n_fft // 2 + 1
    window = p.n_fft
    power = 3 * bins
    taps = 2 * np.count_nonzero(mel_filterbank(p))  # multiply-add per non-zero filter weight
    log = 20 * p.n_mels  # a log costs ~20 flops
    return p.frames * (window + fft + power + taps + log)


def kernel_limit_clips_s(clips: np.ndarray) -> float:
    """Clips/s of the FFT + filter bank alone on prepared, contiguous frames."""
    import scipy.fft

    from kws.features import _window

    p = DEFAULT_PARAMS
    frames = np.lib.stride_tricks.sliding_window_view(clips, p.n_fft, axis=-1)[:, :: p.hop_samples][:, : p.frames]
    windowed = np.ascontiguousarray((frames * _window(p)).reshape(-1, p.n_fft))
    bank = mel_filterbank(p)
    power = np.ascontiguousarray(np.abs(scipy.fft.rfft(windowed, axis=-1)) ** 2, dtype=np.float32)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        scipy.fft.rfft(windowed, axis=-1)
        power @ bank
        best = min(best, time.perf_counter() - started)
    return len(clips) / best


def matmul_gflops() -> float:
    a = np.random.default_rng(1).random((1024, 1024), dtype=np.float32)
    a @ a
    started = time.perf_counter()
    repeats = 10
    for _ in range(repeats):
        a @ a
    return repeats * 2 * 1024**3 / (time.perf_counter() - started) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    clips = synthetic_clips(args.clips)

    featurize_batch(clips[:8])  # warm caches (window, filter bank)
    started = time.perf_counter()
    fast = np.concatenate([featurize_batch(clips[i : i + args.batch]) for i in range(0, len(clips), args.batch)])
    fast_rate = len(clips) / (time.perf_counter() - started)

    started = time.perf_counter()
    reference = np.stack([reference_features(clip) for clip in clips])
    librosa_rate = len(clips) / (time.perf_counter() - started)

    mel_fast, mel_ref = np.exp(fast.astype(np.float64)), np.exp(reference.astype(np.float64))
    max_relative = float((np.abs(mel_fast - mel_ref) / np.maximum(mel_ref, DEFAULT_PARAMS.log_offset)).max())
    kernel_limit = kernel_limit_clips_s(clips[:1000])
    gflops = matmul_gflops()
    peak_limit = gflops * 1e9 / flops_per_clip()
    print(f"clips={len(clips)} batch={args.batch} max_rel_diff={max_relative:.2e}")
    print(f"fast_clips_s={fast_rate:.0f} librosa_clips_s={librosa_rate:.0f} speedup={fast_rate / librosa_rate:.1f}x")
    print(f"arithmetic_limit_clips_s={kernel_limit:.0f} limit_over_fast={kernel_limit / fast_rate:.2f}x")
    print(
        f"flops_per_clip={flops_per_clip() / 1e6:.2f}M core_matmul_gflops={gflops:.1f} "
        f"flop_peak_limit_clips_s={peak_limit:.0f} peak_over_fast={peak_limit / fast_rate:.1f}x"
    )


if __name__ == "__main__":
    main()
