"""The library tab's time-left estimate: steady, and not inflated by the model's warm-up.

The first batch of passages carries the embedding model's load (seconds); counted in,
the first estimate for a 155-page book said 698 s for an import that took 367 s
(bench/window_import_bench.py). From the second batch the rate leaves it out."""

from __future__ import annotations

from tutor_desktop.core.library.service import _Rate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_first_batch_warm_up_is_not_in_the_estimate() -> None:
    clock = Clock()
    rate = _Rate(clock)
    assert rate.seconds_left(320) is None          # nothing measured yet
    clock.now += 12.0                              # model load + the first 32 passages
    rate.batch_done(32)
    assert rate.seconds_left(288) == 288 / (32 / 12.0)   # a first, rough estimate
    estimates = []
    remaining = 288
    for _ in range(8):                             # then 32 passages every 2 s
        clock.now += 2.0
        rate.batch_done(32)
        remaining -= 32
        estimates.append(rate.seconds_left(remaining))
    # a steady 16 passages/s from the first measured batch on: 256 left -> 16 s ... 32 -> 2 s
    assert estimates == [left / 16 for left in range(256, 0, -32)]
    # Counted from the start, warm-up included, the first estimate would have been 3.5x.
    with_warm_up = 256 / (64 / 14.0)
    first = estimates[0]
    assert first is not None and with_warm_up > 3 * first
