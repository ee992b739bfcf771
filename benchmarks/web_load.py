"""Mixed web load against gunicorn on PostgreSQL + Redis over loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus_bench_web REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python benchmarks/web_load.py [--seconds 30] [--clients 32] [--web-workers 4]

Recreates the database, seeds clips to review, starts gunicorn, and drives a closed-loop mix from
client processes: reviewers fetch the next clip and vote on it, volunteers upload takes (1 upload per
8 reviewer requests). Prints requests/s overall and p50/p99 per endpoint.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.review_queue import recreate_database  # noqa: E402
from tests.audio_factory import tone, wav_bytes  # noqa: E402

CAMPAIGN = "speech-commands-demo"
UPLOAD_EVERY = 8


def consented_session(base: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/c/{CAMPAIGN}/consent/")
    sha = session.get(f"{base}/api/campaigns/{CAMPAIGN}/consent/").json()["sha256"]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.post(f"{base}/api/campaigns/{CAMPAIGN}/consent/", json={"text_sha256": sha, "is_adult": True, "licence_accepted": True}).raise_for_status()
    return session


def seed(base: str, clips: int) -> None:
    speakers = [consented_session(base) for _ in range(20)]
    for i in range(clips):
        speaker = speakers[i % len(speakers)]
        response = speaker.post(f"{base}/api/campaigns/{CAMPAIGN}/clips/", data={"keyword": "yes"},
                                files={"audio": ("t.wav", wav_bytes(tone(1.0, seed=10**6 + i)), "audio/wav")})
        response.raise_for_status()


def client_process(base: str, clients: int, seconds: float, seed_offset: int, out) -> None:
    uploads = [wav_bytes(tone(1.0, seed=seed_offset * 100_000 + i)) for i in range(400)]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    sessions = [consented_session(base) for _ in range(clients)]
    start = threading.Barrier(clients)
    stop_at = [0.0]

    def timed(name, call):
        t0 = time.perf_counter()
        response = call()
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            samples[name].append(ms)
            if response.status_code >= 500 or response.status_code in (400, 403, 429):
                errors[f"{name}:{response.status_code}"] += 1
        return response

    def run(index):
        session = sessions[index]
        rng = np.random.default_rng(seed_offset * 1000 + index)
        n = 0
        start.wait()
        if index == 0:
            stop_at[0] = time.monotonic() + seconds
        while not stop_at[0]:
            time.sleep(0.001)
        while time.monotonic() < stop_at[0]:
            n += 1
            if n % UPLOAD_EVERY == 0:
                body = uploads[(index * 50 + n) % len(uploads)] + b""
                timed("upload", lambda: session.post(f"{base}/api/campaigns/{CAMPAIGN}/clips/", data={"keyword": "no"}, files={"audio": ("t.wav", body, "audio/wav")}))
                continue
            clip = timed("next", lambda: session.get(f"{base}/api/campaigns/{CAMPAIGN}/review/next/"))
            if clip.status_code == 200:
                clip_id = clip.json()["id"]
                kind = "valid" if rng.random() < 0.8 else "invalid"
                timed("vote", lambda: session.post(f"{base}/api/review/clips/{clip_id}/votes/", json={"kind": kind}))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((dict(samples), dict(errors)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32, help="concurrent client connections in all")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--seed-clips", type=int, default=3000)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL=postgres://... (dropped and recreated) and REDIS_URL=redis://...")
    recreate_database(url)
    env = {**os.environ, "CHORUS_VAR_DIR": tempfile.mkdtemp(prefix="chorus-web-load-"), "DJANGO_SETTINGS_MODULE": "config.settings",
           "CHORUS_UPLOAD_RATE_CONTRIBUTOR": "1000000/min", "CHORUS_UPLOAD_RATE_ADDRESS": "1000000/min"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(python), "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.web_workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        seed(base, args.seed_clips)
        context = multiprocessing.get_context("fork")
        pipes, children = [], []
        per_process = args.clients // args.client_processes
        for p in range(args.client_processes):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=client_process, args=(base, per_process, args.seconds, p, send))
            child.start()
            pipes.append(receive)
            children.append(child)
        samples: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        for receive, child in zip(pipes, children):
            s, e = receive.recv()
            for k, v in s.items():
                samples[k] += v
            for k, v in e.items():
                errors[k] += v
            child.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in samples.values())
    all_ms = np.concatenate([np.array(v) for v in samples.values()])
    print(f"web_workers={args.web_workers} clients={args.clients} seconds={args.seconds:g} requests={total} errors={dict(errors) or 0}")
    print(f"overall req_s={total / args.seconds:.1f} p50_ms={np.percentile(all_ms, 50):.1f} p99_ms={np.percentile(all_ms, 99):.1f}")
    for name in ("next", "vote", "upload"):
        ms = np.array(samples.get(name, [0.0]))
        print(f"{name} n={len(samples.get(name, []))} req_s={len(samples.get(name, [])) / args.seconds:.1f} p50_ms={np.percentile(ms, 50):.1f} p99_ms={np.percentile(ms, 99):.1f}")


if __name__ == "__main__":
    main()
