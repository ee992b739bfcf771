"""A job's time left is measured on its steady epochs: the first, which also traces the graph and builds the data,
does not inflate it."""

from training.progress import EpochClock


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_first_epoch_gives_no_estimate_and_later_ones_the_steady_pace():
    clock = FakeClock()
    eta = EpochClock(10, clock=clock)
    clock.now += 30.0  # epoch 1: tracing and data set-up, then 2 s of training
    assert eta.epoch_ended(1) is None  # "estimating the time left"
    clock.now += 2.0
    assert eta.epoch_ended(2) == 16.0  # 8 epochs to go at 2 s, not 8 x 16 s as elapsed / epochs would say
    for epoch, seconds in ((3, 2.2), (4, 1.8), (5, 9.0)):  # one slow epoch (a checkpoint, a busy core) ...
        clock.now += seconds
        left = eta.epoch_ended(epoch)
    assert left == 10.5  # ... barely moves the median: 2.1 s x 5 epochs (the mean would say 3.75 s)
    clock.now += 2.0
    assert eta.epoch_ended(10) == 0.0
