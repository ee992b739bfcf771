"""Feature extraction speed: the vectorized batch path vs a per-clip librosa loop, per core.

    .venv/bin/python benchmarks/featurize.py [--clips 5000] [--batch 256]

Runs on one core (BLAS and FFT threads pinned to 1) over the same synthetic clips, checks that both
paths agree, and prints clips/s for each plus the arithmetic limit: the floating-point operations a
clip needs (real FFTs + power spectrum + the filter bank's non-zero taps + log) divided by this core's
measured float32 matrix-multiply rate.
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
    gflops = matmul_gflops()
    limit = gflops * 1e9 / flops_per_clip()
    print(f"clips={len(clips)} batch={args.batch} max_rel_diff={max_relative:.2e}")
    print(f"fast_clips_s={fast_rate:.0f} librosa_clips_s={librosa_rate:.0f} speedup={fast_rate / librosa_rate:.1f}x")
    print(f"flops_per_clip={flops_per_clip() / 1e6:.2f}M core_matmul_gflops={gflops:.1f} arithmetic_limit_clips_s={limit:.0f} "
          f"fraction_of_limit={fast_rate / limit:.2f}")


if __name__ == "__main__":
    main()
