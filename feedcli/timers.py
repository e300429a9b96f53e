"""The monotonic clock and sleep that schedules run on, as one object that can be replaced.

Replay's pacing and the simulators' producers and heart-beats decide *when* to do things from
a monotonic clock. In production that is the event loop's clock; a test hands in a virtual
timer instead, so that "a heart-beat every 0.2 s" or "line 5 is due at 0.4 s" is checked as an
exact count of virtual time rather than as a window of wall time that a busy machine can miss.
Only scheduling goes through a timer: I/O timeouts (a close that must not hang) stay real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    """A monotonic clock in seconds and a sleep measured on it."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopTimer:
    """The running event loop's clock and `asyncio.sleep`: what everything uses outside tests."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


#: the one real timer; stateless, so shared
LOOP_TIMER: Timer = LoopTimer()


async def on_schedule(timer: Timer, rate: float, step: Callable[[int], None]) -> None:
    """Call `step(n)` with the number of events due, `rate` events a second, forever (the simulators' producers).

    Sleeping to a schedule (rather than sleeping 1/rate after each step) keeps the rate
    exact; at rates above the loop's timer resolution several events are due per wakeup
    and are performed together. If the loop was blocked for long, the backlog is capped at
    a quarter of a second of events rather than replayed in one burst.
    """
    interval = 1.0 / rate
    burst = max(1, int(rate / 4))
    start = timer.now()
    done = 0
    while True:
        due = int((timer.now() - start) / interval) - done
        if due > burst:
            done += due - burst
            due = burst
        step(due)
        done += due
        await timer.sleep(max(0.0, start + (done + 1) * interval - timer.now()))
