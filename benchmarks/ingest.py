"""End-to-end ingest: import a Speech Commands-style folder as validated and wait until every clip is featurized.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus_bench_ingest REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python benchmarks/ingest.py [--clips 20000] [--workers 2]

Recreates the database, writes a synthetic dataset (20 words, 200 speakers, 1 s 16 kHz clips: a voiced
tone burst in noise), starts `--workers` worker processes on the preparation queue, runs
`manage.py import_dataset --validated`, and prints clips/s from the start of the import until the last
clip is featurized, plus the workers' peak RSS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.review_queue import recreate_database  # noqa: E402
from tests.audio_factory import wav_bytes  # noqa: E402

WORDS = [
    "yes",
    "no",
    "up",
    "down",
    "left",
    "right",
    "on",
    "off",
    "stop",
    "go",
    "bed",
    "bird",
    "cat",
    "dog",
    "happy",
    "house",
    "marvin",
    "sheila",
    "tree",
    "wow",
]


def write_dataset(root: Path, clips: int) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(16_000) / 16_000
    for i in range(clips):
        word = WORDS[i % len(WORDS)]
        (root / word).mkdir(parents=True, exist_ok=True)
        f0 = 100 + 10 * (i % len(WORDS)) + rng.uniform(0, 40)
        envelope = np.exp(-((t - rng.uniform(0.35, 0.65)) ** 2) / 0.01)
        x = 0.3 * envelope * np.sin(2 * np.pi * f0 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * f0 * t)) + rng.normal(
            0, 0.005, t.size
        )
        (root / word / f"{i % 200:08x}_nohash_{i}.wav").write_bytes(wav_bytes(x.astype(np.float32)))


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a process and its children (the pool processes), largest one."""
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    peaks = []
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery pool size)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL=postgres://... (dropped and recreated) and REDIS_URL=redis://...")
    recreate_database(url)
    var_dir = tempfile.mkdtemp(prefix="chorus-ingest-")
    env = {
        **os.environ,
        "CHORUS_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(["redis-cli", "-u", os.environ["REDIS_URL"], "flushdb"], check=True, capture_output=True)
    dataset = Path(var_dir) / "dataset"
    write_dataset(dataset, args.clips)

    worker = subprocess.Popen(
        [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(args.workers),
            "--queues",
            "prepare",
        ],
        cwd=ROOT,
        env=env,
    )
    time.sleep(8)  # let the worker boot before the clock starts
    started = time.perf_counter()
    subprocess.run(
        [
            python,
            "manage.py",
            "import_dataset",
            str(dataset),
            "--campaign",
            "speech-commands-demo",
            "--validated",
            "--source",
            "bench",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    imported = time.perf_counter() - started
    import psycopg2

    database = psycopg2.connect(url)
    database.autocommit = True
    while True:
        with database.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM training_preparedclip WHERE state NOT IN ('queued', 'running')")
            if cursor.fetchone()[0] >= args.clips:
                break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    rss = peak_rss_mb(worker.pid)
    worker.terminate()
    worker.wait(timeout=30)
    print(f"clips={args.clips} workers={args.workers} import_s={imported:.1f} end_to_end_s={elapsed:.1f}")
    print(f"clips_per_s={args.clips / elapsed:.0f} worker_peak_rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
