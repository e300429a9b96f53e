"""Helpers for the sink tests: numbered events, a consumer that keeps what it is given, a driver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from datetime import datetime, timezone
from typing import Any, TypeVar

import orjson

from feedcli.events import ControlEvent, DataEvent, Event, RecvClock, encode_line
from feedcli.sinks.delivery import BrokerSink

T = TypeVar("T")
CLOCK = RecvClock()
SYMBOLS = ("MXSE.TQBR.SBER", "IRO1FOLD0001", "BTC-USDT")


def arun(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run a test's coroutine; a hang is a clear TimeoutError, not a stuck suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


_last_us = 0


def recv() -> str:
    """A receive time later than every one before (one microsecond at least): a total order."""
    global _last_us
    _last_us = max(_last_us + 1, time.time_ns() // 1000)
    return datetime.fromtimestamp(_last_us / 1e6, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def data(i: int, symbol: str | None = None, pad: int = 0) -> DataEvent:
    sym = symbol or SYMBOLS[i % len(SYMBOLS)]
    return DataEvent("moex", "orderbooks", sym, None, recv(), {"i": i, "pad": "x" * pad})


def control(event: str, **fields: object) -> ControlEvent:
    return ControlEvent("moex", event, recv(), dict(fields))


def line(event: Event) -> bytes:
    return encode_line(event)[:-1]


def numbers(lines: list[bytes]) -> list[int]:
    """The `i` of every data line, in order (control lines skipped)."""
    out = []
    for raw in lines:
        obj = orjson.loads(raw)
        if "channel" in obj:
            out.append(obj["data"]["i"])
    return out


class Keep:
    """A consumer that keeps every event (where sink-down/sink-up lines are announced)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def pressure(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def named(self, name: str) -> list[ControlEvent]:
        return [e for e in self.events if isinstance(e, ControlEvent) and e.event == name]


async def feed(sink: BrokerSink, events: list[Event], *, held: list[float] | None = None) -> None:
    """Emit events as the receive loop does: wait on pressure() after each one."""
    loop = asyncio.get_running_loop()
    for event in events:
        sink.emit(event)
        waiter = sink.pressure()
        if waiter is not None:
            began = loop.time()
            await waiter
            if held is not None:
                held.append(loop.time() - began)


async def drained(sink: BrokerSink, timeout: float = 30.0) -> None:
    """Wait until the sink's server has confirmed every line emitted so far."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while sink.pending():
        if loop.time() > deadline:
            raise TimeoutError(f"{sink.pending()} lines still pending")
        await asyncio.sleep(0.01)
