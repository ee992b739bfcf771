"""Which real services this machine has. Missing ones skip their tests, except under CI where they fail."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def tcp_reachable(url: str | None) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    require(
        url.startswith("postgres") and tcp_reachable(url),
        "this test needs PostgreSQL: set DATABASE_URL=postgres://... to a running server",
    )


def require_redis() -> None:
    url = os.environ.get("REDIS_URL")
    require(tcp_reachable(url), "this test needs Redis: set REDIS_URL=redis://... to a running server")


def require_chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "this test needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    return path


def require_espeak() -> None:
    from kws import espeak

    try:
        espeak.engine()
    except espeak.EspeakMissing as exc:
        require(False, f"this test needs espeak-ng to synthesize speech: {exc}")
