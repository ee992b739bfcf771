"""Mixed web load against gunicorn on PostgreSQL + Redis over loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chorus_bench_web REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python benchmarks/web_load.py [--seconds 30] [--clients 16] [--web-workers 3]

Recreates the database, seeds clips to review, starts gunicorn, and drives a closed-loop mix from
client processes: reviewers fetch the next clip and vote on it, volunteers upload takes (1 upload per
8 reviewer requests). Prints requests/s overall and p50/p99 per endpoint.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
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
from benchmarks._server import served_app  # noqa: E402
from benchmarks.review_queue import recreate_database  # noqa: E402
from tests.audio_factory import tone, wav_bytes  # noqa: E402

CAMPAIGN = "speech-commands-demo"
UPLOAD_EVERY = 8


def consented_session(base: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/c/{CAMPAIGN}/consent/")
    sha = session.get(f"{base}/api/campaigns/{CAMPAIGN}/consent/").json()["sha256"]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.post(
        f"{base}/api/campaigns/{CAMPAIGN}/consent/",
        json={"text_sha256": sha, "is_adult": True, "licence_accepted": True},
    ).raise_for_status()
    return session


def seed(base: str, clips: int) -> None:
    speakers = [consented_session(base) for _ in range(20)]
    for i in range(clips):
        speaker = speakers[i % len(speakers)]
        response = speaker.post(
            f"{base}/api/campaigns/{CAMPAIGN}/clips/",
            data={"keyword": "yes"},
            files={"audio": ("t.wav", wav_bytes(tone(1.0, seed=10**6 + i)), "audio/wav")},
        )
        response.raise_for_status()


class RawClient:
    """A keep-alive HTTP/1.1 connection with the volunteer's cookies; lighter than requests, so the
    load generator leaves the cores to the server."""

    def __init__(self, base: str, session: requests.Session):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port))
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        self.headers = {"Cookie": cookies, "X-CSRFToken": session.cookies["csrftoken"]}

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "chorusbench" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="{filename}"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def client_process(base: str, clients: int, seconds: float, seed_offset: int, out) -> None:
    uploads = [
        multipart({"keyword": "no"}, "t.wav", wav_bytes(tone(1.0, seed=seed_offset * 100_000 + i))) for i in range(400)
    ]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    raw = [RawClient(base, consented_session(base)) for _ in range(clients)]
    start = threading.Barrier(clients)
    stop_at = [0.0]
    next_path = f"/api/campaigns/{CAMPAIGN}/review/next/"
    upload_path = f"/api/campaigns/{CAMPAIGN}/clips/"

    def run(index):
        client = raw[index]
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
                body, content_type = uploads[(index * 50 + n) % len(uploads)]
                timed_on(client, "upload", "POST", upload_path, body, content_type)
                continue
            status, body = timed_on(client, "next", "GET", next_path)
            if status == 200:
                clip = json.loads(body)
                kind = "valid" if rng.random() < 0.8 else "invalid"
                timed_on(
                    client,
                    "vote",
                    "POST",
                    f"/api/review/clips/{clip['id']}/votes/",
                    json.dumps({"kind": kind, "ticket": clip["ticket"]}).encode(),
                    "application/json",
                )

    def timed_on(client, name, *args):
        t0 = time.perf_counter()
        status, body = client.request(*args)
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            samples[name].append(ms)
            if status >= 500 or status in (400, 403, 429):
                errors[f"{name}:{status}"] += 1
        return status, body

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send((dict(samples), dict(errors)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client connections in all")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--seed-clips", type=int, default=3000)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL=postgres://... (dropped and recreated) and REDIS_URL=redis://...")
    recreate_database(url)
    env = {
        **os.environ,
        "CHORUS_VAR_DIR": tempfile.mkdtemp(prefix="chorus-web-load-"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CHORUS_UPLOAD_RATE_CONTRIBUTOR": "1000000/min",
        "CHORUS_UPLOAD_RATE_ADDRESS": "1000000/min",
        # every simulated client comes from one address, and load tests measure speed, not throttles
        "CHORUS_VOTE_RATE_ADDRESS": "1000000/min",
        "CHORUS_VOTE_RATE_VOTER": "1000000/min",
        "CHORUS_CONSENT_RATE_ADDRESS": "1000000/min",
        "CHORUS_IDENTITY_RATE_ADDRESS": "1000000/min",
    }
    with served_app(env, args.port, args.web_workers) as base:
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
    total = sum(len(v) for v in samples.values())
    all_ms = np.concatenate([np.array(v) for v in samples.values()])
    print(
        f"web_workers={args.web_workers} clients={args.clients} seconds={args.seconds:g} requests={total} "
        f"errors={dict(errors) or 0}"
    )
    print(
        f"overall req_s={total / args.seconds:.1f} p50_ms={np.percentile(all_ms, 50):.1f} "
        f"p99_ms={np.percentile(all_ms, 99):.1f}"
    )
    for name in ("next", "vote", "upload"):
        ms = np.array(samples.get(name, [0.0]))
        print(
            f"{name} n={len(samples.get(name, []))} req_s={len(samples.get(name, [])) / args.seconds:.1f} "
            f"p50_ms={np.percentile(ms, 50):.1f} p99_ms={np.percentile(ms, 99):.1f}"
        )


if __name__ == "__main__":
    main()
