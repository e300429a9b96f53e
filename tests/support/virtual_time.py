"""A virtual clock for schedules (feedcli.timers.Timer): time moves only when the test moves it.

Replay's pacing and the simulators' producers and heart-beats take a `timer`; with this one a
test checks "due at 0.4 s" or "a heart-beat every 0.2 s" exactly, however busy the machine is,
instead of measuring wall-clock windows.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any


class VirtualTimer:
    """Sleepers wait on futures keyed by a virtual deadline; `advance` wakes them in order."""

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future  # a cancelled sleeper's future is skipped when its turn comes

    @property
    def sleeping(self) -> int:
        """How many tasks wait on this clock now."""
        return sum(not future.done() for _, _, future in self._sleepers)

    def next_deadline(self) -> float | None:
        live = [deadline for deadline, _, future in self._sleepers if not future.done()]
        return min(live, default=None)

    async def advance(self, seconds: float, settle: int = 20) -> None:
        """Move time forward by `seconds`, waking each sleeper at its own deadline in order.

        After each wake-up the loop runs `settle` times so the woken tasks reach their next
        await (a send, the next sleep) before time moves on.
        """
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self._now = max(self._now, deadline)
            future.set_result(None)
            for _ in range(settle):
                await asyncio.sleep(0)
        self._now = target
        for _ in range(settle):
            await asyncio.sleep(0)

    async def jump(self, seconds: float, settle: int = 20) -> None:
        """Move time forward by `seconds` at once, as a loop blocked that long sees it: every
        sleeper due by then wakes at the new time."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        for _ in range(settle):
            await asyncio.sleep(0)

    async def drive(self, task: asyncio.Task[object], *, sleepers: int = 1, limit: float = 3600.0) -> None:
        """Run `task` to its end on virtual time: whenever `sleepers` tasks wait on this clock
        (all the work there is is waiting for time), jump to the earliest deadline.

        For in-process work only (no sockets), where "every task waits on the clock" is exact.
        """
        while not task.done():
            await asyncio.sleep(0)
            if self.sleeping >= sleepers:
                deadline = self.next_deadline()
                assert deadline is not None
                assert deadline <= limit, f"virtual time ran past {limit} s"
                await self.advance(deadline - self._now, settle=0)
        await task


async def settled(ws: Any) -> None:
    """Return once a server has handled everything this `websockets` client sent before, and
    so has written everything it sent before that: a server answers a ping in order with the
    messages around it (aiohttp's handlers do, in their receive loop)."""
    await asyncio.wait_for(await ws.ping(), 10)
