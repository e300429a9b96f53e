"""Replay's pacing of lines that come in chunks (read back from Redis or NATS): each chunk is
written before the next is asked for, which is what lets a Redis group acknowledge it then."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from feedcli.replay.pacing import FLUSH_AT, Counters, pump_chunks


def record(i: int, pad: int = 0) -> tuple[str, bytes]:
    recv = f"2025-11-14T08:30:00.{i:06d}Z"
    return (
        recv,
        b'{"provider":"moex","channel":"trades","symbol":"A","ts":null,"recv":"%s","data":{"i":%06d,"p":"%s"}}'
        % (
            recv.encode(),
            i,
            b"x" * pad,
        ),
    )


class Log:
    """An Output and a source that write what happens, in order, into one log."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def start(self) -> None: ...

    async def send(self, lines: list[bytes]) -> None:
        self.log.append(f"sent {len(lines)}")

    async def aclose(self) -> None: ...

    async def chunks(self, sizes: list[int], pad: int = 0) -> AsyncIterator[list[tuple[str, bytes]]]:
        at = 0
        for size in sizes:
            self.log.append(f"asked {size}")
            yield [record(at + k, pad) for k in range(size)]
            at += size
        self.log.append("asked end")


def test_each_chunk_is_written_before_the_next_is_asked_for() -> None:
    log = Log()
    counters = Counters()
    asyncio.run(pump_chunks(log.chunks([3, 1, 2]), log, 0.0, counters))
    assert log.log == ["asked 3", "sent 3", "asked 1", "sent 1", "asked 2", "sent 2", "asked end"]
    assert counters.lines == 6 and counters.at == record(5)[0]


def test_a_big_chunk_is_written_in_pieces_of_flush_at_then_its_rest() -> None:
    log = Log()
    pad = 1000
    per_flush = -(-FLUSH_AT // len(record(0, pad)[1]))  # lines that reach FLUSH_AT
    asyncio.run(pump_chunks(log.chunks([per_flush + 5], pad), log, 0.0, Counters()))
    assert log.log == [f"asked {per_flush + 5}", f"sent {per_flush}", "sent 5", "asked end"]


def test_paced_chunks_are_written_before_the_next_is_asked_for_too() -> None:
    log = Log()
    asyncio.run(pump_chunks(log.chunks([2, 3]), log, 1000.0, Counters()))  # microseconds apart: hardly a sleep
    # between two asks, the lines of the chunk asked first were all sent (in one piece or more)
    segments: list[tuple[int, int]] = []
    for entry in log.log:
        word, count = entry.split()
        if word == "asked":
            segments.append((int(count) if count != "end" else 0, 0))
        else:
            size, sent = segments[-1]
            segments[-1] = (size, sent + int(count))
    assert segments == [(2, 2), (3, 3), (0, 0)]
