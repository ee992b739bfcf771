"""A terminal progress bar for long management commands (no dependency, redraws in place)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str, stream=None, width: int = 30):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0
        self._last_draw = 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last_draw > 0.1 or self.done >= self.total:
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        fraction = min(self.done / self.total, 1.0)
        filled = int(self.width * fraction)
        rate = self.done / max(now - self.started, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else 0
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {rate:.0f}/s eta {eta:.0f}s ")
        self.stream.flush()

    def close(self) -> None:
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()


def follow(row, *, done_field: str, finished: set, bar: ProgressBar, poll_s: float = 0.5) -> None:
    """Redraws `bar` from a row that a worker advances, until the row's state is one of `finished`."""
    while row.state not in finished:
        time.sleep(poll_s)
        row.refresh_from_db()
        if getattr(row, done_field) > bar.done:
            bar.update(getattr(row, done_field) - bar.done)
    bar.close()
