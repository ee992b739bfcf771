"""`make run`: the web server and a Celery worker as one foreground program. Ctrl-C stops both."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

from config import env as chorus_env
from config.env import BASE_DIR


def _wait_healthy(url: str, processes: list[subprocess.Popen], timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings")}
    bin_dir = os.path.dirname(sys.executable)
    web = subprocess.Popen(
        [
            os.path.join(bin_dir, "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.web_workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--queues",
            f"default,{chorus_env.get('CHORUS_PREPARE_QUEUE')},{chorus_env.get('CHORUS_TRAINING_QUEUE')}",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    processes = [web, worker]

    def stop(*_):
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()

    # Ctrl-C and SIGTERM both stop the pair (set explicitly: a shell may start us with SIGINT ignored).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: (stop(), sys.exit(0)))
    url = f"http://{args.host}:{args.port}/"
    if _wait_healthy(url + "healthz", processes):
        print(
            f"\n  Chorus is running at {url}  (admin: {url}admin/, API docs: {url}api/docs/)\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        failed = [p for p in processes if p.poll() not in (None, 0)]
        print("a process stopped; shutting down the others", file=sys.stderr)
        return 1 if failed else 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
