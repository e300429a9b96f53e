"""Pacing: every kept line handed to the output when it is due, at the speed asked for.

Pacing is against one monotonic start point (a line is due at start + (its recv - the first
recv) / speed), not sleep after sleep, so a long replay does not drift and a reader that was
slow once does not push every later line back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from typing import Protocol

from feedcli.replay.times import RecvSeconds
from feedcli.sinks.writer import FLUSH_AT
from feedcli.timers import LOOP_TIMER, Timer

#: a line due sooner than this is written now rather than after a sleep the loop cannot
#: time that finely anyway
MIN_SLEEP = 0.0005


@dataclass
class Counters:
    """What the pump has done, for the progress line and the end of the run."""

    lines: int = 0
    at: str | None = None


class Output(Protocol):
    async def start(self) -> None: ...

    async def send(self, lines: list[bytes]) -> None:
        """Deliver lines (without `\\n`); return when more may be sent. May raise StopStream (reader gone)."""
        ...

    async def aclose(self) -> None: ...


class Pacer:
    """Hands lines to `out` when they are due, at `speed` (0: as fast as `out` takes them).

    A record with an empty line (reading.TICK) is no line: the loop gets a turn, nothing is sent.

    A line is due at start + (its recv - the first recv) / speed on the loop's monotonic
    clock: lines that are late are written at once, in one batch, and later lines are
    still due on the original schedule, so lateness never accumulates. Lines are flushed
    before every sleep (a reader sees each line when it is due) and every FLUSH_AT bytes.

    The schedule lives across calls of `take`, so lines that come in pieces (a file, or
    pages read from Redis or NATS, `pump_chunks`) are paced as one timeline. `timer` is the
    loop's clock but in tests, which check the schedule on a virtual one.
    """

    def __init__(self, out: Output, speed: float, counters: Counters, timer: Timer = LOOP_TIMER) -> None:
        self.out = out
        self.speed = speed
        self.counters = counters
        self.timer = timer
        self._batch: list[bytes] = []
        self._size = 0
        self._key: str | None = None
        self._seconds = RecvSeconds()
        self._first: float | None = None
        self._started = 0.0

    async def flush(self) -> None:
        """Send what is gathered; returns once `out` has taken it."""
        if not self._batch:
            return
        batch, self._batch, self._size = self._batch, [], 0
        counters = self.counters
        counters.lines += len(batch)
        counters.at = self._key
        await self.out.send(batch)  # may take a while (a slow reader): due times are absolute

    async def take(self, records: Iterable[tuple[str, bytes]]) -> None:
        """Pace every (key, line) of `records`; the last ones may stay gathered (`flush`)."""
        speed = self.speed
        batch, size, key = self._batch, self._size, self._key
        if speed <= 0:
            for record in records:
                if not record[1]:  # reading.TICK: a stretch without lines; let signals and the progress line in
                    await asyncio.sleep(0)
                    continue
                key, line = record
                batch.append(line)
                size += len(line)
                if size >= FLUSH_AT:
                    self._key = key
                    await self.flush()
                    batch, size = self._batch, 0
            self._size, self._key = size, key
            return
        # the loop's own bound clock when it is the loop's (a call a line: 0.2 µs, not 0.4)
        clock = asyncio.get_running_loop().time if self.timer is LOOP_TIMER else self.timer.now
        seconds = self._seconds
        for record in records:
            if not record[1]:  # reading.TICK
                await asyncio.sleep(0)
                continue
            key, line = record
            t = seconds(key)
            if self._first is None:
                self._first, self._started = t, clock()
            due = self._started + (t - self._first) / speed
            if due - clock() > MIN_SLEEP:
                if batch:
                    self._size = size
                    await self.flush()
                    batch, size = self._batch, 0
                self.counters.at = key
                wait = due - clock()
                if wait > MIN_SLEEP:
                    await self.timer.sleep(wait)
            batch.append(line)
            size += len(line)
            self._key = key
            if size >= FLUSH_AT:
                await self.flush()
                batch, size = self._batch, 0
        self._size = size


async def pump(
    records: Iterable[tuple[str, bytes]], out: Output, speed: float, counters: Counters, timer: Timer = LOOP_TIMER
) -> None:
    """Send every record to `out`, paced at `speed` (0: as fast as `out` takes them); see Pacer."""
    pacer = Pacer(out, speed, counters, timer)
    await pacer.take(records)
    await pacer.flush()


async def pump_chunks(
    chunks: AsyncIterable[Iterable[tuple[str, bytes]]],
    out: Output,
    speed: float,
    counters: Counters,
    timer: Timer = LOOP_TIMER,
) -> None:
    """`pump` for lines that arrive in chunks (read back from Redis or NATS, perhaps live).

    Each chunk is written out before the next is asked for: a live line is not held back
    waiting for more, and a source may take a chunk's being asked for as the sign that the
    one before has been written (a Redis consumer group acknowledges it then).
    """
    pacer = Pacer(out, speed, counters, timer)
    async for chunk in chunks:
        await pacer.take(chunk)
        await pacer.flush()
