"""Pacing: every kept line handed to the output when it is due, at the speed asked for.

Pacing is against one monotonic start point (a line is due at start + (its recv - the first
recv) / speed), not sleep after sleep, so a long replay does not drift and a reader that was
slow once does not push every later line back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from feedcli.replay.times import RecvSeconds
from feedcli.sinks.writer import FLUSH_AT

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


async def pump(records: Iterable[tuple[str, bytes]], out: Output, speed: float, counters: Counters) -> None:
    """Send every record to `out`, paced at `speed` (0: as fast as `out` takes them).

    A record with an empty line (reading.TICK) is no line: the loop gets a turn, nothing is sent.

    A line is due at start + (its recv - the first recv) / speed on the loop's monotonic
    clock: lines that are late are written at once, in one batch, and later lines are
    still due on the original schedule, so lateness never accumulates. Lines are flushed
    before every sleep (a reader sees each line when it is due) and every FLUSH_AT bytes.
    """
    batch: list[bytes] = []
    size = 0
    key = None

    async def send() -> None:
        nonlocal batch, size
        counters.lines += len(batch)
        counters.at = key
        await out.send(batch)  # may take a while (a slow reader): due times are absolute
        batch, size = [], 0

    if speed <= 0:
        for record in records:
            if not record[1]:  # reading.TICK: a stretch without lines; let signals and the progress line in
                await asyncio.sleep(0)
                continue
            key, line = record  # send() reads key
            batch.append(line)
            size += len(line)
            if size >= FLUSH_AT:
                await send()
    else:
        clock = asyncio.get_running_loop().time
        seconds = RecvSeconds()
        first: float | None = None
        started = 0.0
        for record in records:
            if not record[1]:  # reading.TICK
                await asyncio.sleep(0)
                continue
            key, line = record
            t = seconds(key)
            if first is None:
                first, started = t, clock()
            due = started + (t - first) / speed
            if due - clock() > MIN_SLEEP:
                if batch:
                    await send()
                counters.at = key
                wait = due - clock()
                if wait > MIN_SLEEP:
                    await asyncio.sleep(wait)
            batch.append(line)
            size += len(line)
            if size >= FLUSH_AT:
                await send()
    if batch:
        await send()
