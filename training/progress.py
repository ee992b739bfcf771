"""The time a training job has left, from the durations of its own epochs."""

from __future__ import annotations

import statistics
import time

RECENT_EPOCHS = 5


class EpochClock:
    """Time left after each epoch: the median of the recent epochs' durations times the epochs to go.

    The first epoch also traces the graph and fills the data pipeline, often several times a later epoch's
    length, so it is left out, and there is no estimate (None: "estimating") until a second epoch has ended."""

    def __init__(self, total_epochs: int, *, clock=time.monotonic):
        self.total_epochs = total_epochs
        self.clock = clock
        self.last = clock()
        self.durations: list[float] = []

    def epoch_ended(self, epoch: int) -> float | None:
        now = self.clock()
        self.durations.append(now - self.last)
        self.last = now
        steady = self.durations[1:][-RECENT_EPOCHS:]
        if not steady:
            return None
        return round(statistics.median(steady) * max(0, self.total_epochs - epoch), 1)
