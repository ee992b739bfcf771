"""`make run`'s launcher: web and worker come up together, and an interrupt stops both."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from config.env import BASE_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.worker
def test_launcher_serves_and_ctrl_c_stops_web_and_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "CHORUS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "config.launch", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(launcher.stdout), daemon=True)
    reader.start()
    banner = f"Chorus is running at http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while not any(banner in line for line in list(output)):  # printed once /healthz answers
            if time.monotonic() > deadline or launcher.poll() is not None:
                pytest.fail("the launcher never announced its URL:\n" + "".join(output[-40:]))
            time.sleep(0.2)
        lines = list(output)
        at = next(i for i, line in enumerate(lines) if banner in line)
        for name in ("work", "training"):  # each worker's lines marked; the banner after both said they are ready
            assert any(line.startswith(f"[{name}] ") and " ready." in line for line in lines[:at]), lines[:at]
        training = [line for line in lines if line.startswith("[training] ")]
        assert any("concurrency: 1 (" in line for line in training)  # one training job at a time
        assert any(".> training " in line for line in training) and not any(".> default " in line for line in training)
        children = subprocess.run(["pgrep", "-g", str(launcher.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 4  # launcher, gunicorn (+ its workers), two celery workers (+ their pools)
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=40) == 0
        time.sleep(1)
        left = subprocess.run(["pgrep", "-g", str(launcher.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], "web or worker processes outlived the launcher"
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
