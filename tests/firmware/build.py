"""Building firmware/ from the tests: tools they need and `make -C firmware`, serialized across processes.
Without a tool the tests skip, except in CI (CI=true), where they fail."""
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
BUILD = FIRMWARE / "build"


def require_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed; CI installs it (.ci/run)")
        pytest.skip(f"{tool} is not installed")
    return path


def make(*targets: str, **variables: str) -> str:
    """make in firmware/ with this interpreter; one at a time (parallel test processes share firmware/build)."""
    require_tool("make")
    BUILD.mkdir(parents=True, exist_ok=True)
    args = ["make", "-C", str(FIRMWARE), f"PYTHON={sys.executable}", *(f"{k}={v}" for k, v in variables.items()), *targets]
    with open(BUILD / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout
