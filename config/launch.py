"""`make run`: the web server and a Celery worker as one foreground program. Ctrl-C stops both."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
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


WORKER_START_S = 60
BOLD, RESET = "\033[1m", "\033[0m"


def _worker(name: str, queues: list[str], concurrency: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
    command += ["--hostname", f"{name}@%h", "--concurrency", str(concurrency), "--queues", ",".join(queues)]
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )


def _relay(name: str, worker: subprocess.Popen, ready: threading.Event) -> None:
    """The worker's lines, each marked with its name; `ready` is set once Celery says it is."""
    for line in worker.stdout:
        sys.stdout.write(f"[{name}] {line}")
        sys.stdout.flush()
        if " ready." in line:
            ready.set()


def _banner(url: str, waiting: list[str]) -> str:
    lines = [
        f"Chorus is running at {url}",
        f"admin: {url}admin/   API docs: {url}api/docs/",
        "Press Ctrl-C to stop.",
    ]
    if waiting:
        lines.append(f"still starting: the {' and '.join(waiting)} worker (see its lines above)")
    width = max(map(len, lines)) + 4
    bold, reset = (BOLD, RESET) if sys.stdout.isatty() else ("", "")
    rule = "=" * width
    body = "\n".join(f"{bold}  {line}{reset}" for line in lines)
    return f"\n{rule}\n{body}\n{rule}\n"


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
    queue = chorus_env.get
    workers = {
        # uploads, preparation and everything else, two at a time
        "work": _worker("work", ["default", queue("CHORUS_PREPARE_QUEUE")], 2, env),
        # training jobs one at a time, as the training queue wants: two at once would halve each one's cores
        "training": _worker("training", [queue("CHORUS_TRAINING_QUEUE")], 1, env),
    }
    ready = {name: threading.Event() for name in workers}
    for name, worker in workers.items():
        threading.Thread(target=_relay, args=(name, worker, ready[name]), daemon=True).start()
    processes = [web, *workers.values()]

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
        deadline = time.monotonic() + WORKER_START_S
        for event in ready.values():  # the banner comes after the workers' own start-up lines, not among them
            event.wait(max(0.0, deadline - time.monotonic()))
        waiting = sorted(name for name, event in ready.items() if not event.is_set())
        print(_banner(url, waiting), flush=True)
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
