"""Upload throughput and latency against gunicorn over loopback.

    .venv/bin/python benchmarks/upload.py [--uploads 600] [--threads 8] [--web-workers 2]

Uses DATABASE_URL / REDIS_URL when set (PostgreSQL + Redis), else the embedded default in a temp dir.
Each upload is a distinct 1.5 s 48 kHz stereo 16-bit WAV, so the server decodes, resamples to 16 kHz
mono, measures quality, stores the file and writes the row. Prints req_s and p50/p99 in ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._server import served_app  # noqa: E402
from benchmarks.web_load import consented_session  # noqa: E402
from tests.audio_factory import tone, wav_bytes  # noqa: E402

CAMPAIGN = "speech-commands-demo"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="chorus-bench-")
    env = {
        **os.environ,
        "CHORUS_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CHORUS_UPLOAD_RATE_CONTRIBUTOR": "100000/min",
        "CHORUS_UPLOAD_RATE_ADDRESS": "100000/min",
        # every simulated client comes from one address, and load tests measure speed, not throttles
        "CHORUS_VOTE_RATE_ADDRESS": "100000/min",
        "CHORUS_VOTE_RATE_VOTER": "100000/min",
        "CHORUS_CONSENT_RATE_ADDRESS": "100000/min",
        "CHORUS_IDENTITY_RATE_ADDRESS": "100000/min",
    }
    with served_app(env, args.port, args.web_workers) as base:
        sessions = [consented_session(base) for _ in range(args.threads)]
        bodies = [
            wav_bytes(np.stack([tone(1.5, sample_rate=48_000, seed=i)] * 2, axis=1), 48_000)
            for i in range(args.uploads)
        ]

        def send(i: int) -> float:
            session = sessions[i % len(sessions)]
            started = time.perf_counter()
            response = session.post(
                f"{base}/api/campaigns/{CAMPAIGN}/clips/",
                data={"keyword": "yes"},
                files={"audio": ("take.wav", bodies[i], "audio/wav")},
                headers={"X-CSRFToken": session.cookies["csrftoken"]},
            )
            assert response.status_code == 201, response.text
            return (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            latencies = np.array(list(pool.map(send, range(args.uploads))))
        elapsed = time.perf_counter() - started
    database = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(f"database={database} web_workers={args.web_workers} threads={args.threads} uploads={args.uploads}")
    print(
        f"req_s={args.uploads / elapsed:.1f} p50_ms={np.percentile(latencies, 50):.1f} "
        f"p99_ms={np.percentile(latencies, 99):.1f}"
    )


if __name__ == "__main__":
    main()
