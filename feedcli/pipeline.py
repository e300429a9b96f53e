"""Runs sessions into consumers until a limit, a duration, a signal or a final error.

This is where `stream` (and later `record` and `demo`) meet: codecs in, consumers out,
and one place that knows how a run ends: `--limit` and `--duration` end it with exit 0,
SIGINT and SIGTERM too (after consumers have flushed), a FeedError with its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from feedcli.events import DataEvent, Event
from feedcli.providers.base import Codec
from feedcli.session import Reporter, Session, SessionOptions
from feedcli.sinks.base import Consumer, StopStream


class Fanout:
    """Hands every event to every consumer, counts data lines and stops at `limit`."""

    def __init__(self, consumers: Sequence[Consumer], limit: int | None) -> None:
        self.consumers = list(consumers)
        self.limit = limit or 0
        self.count = 0

    def emit(self, event: Event) -> None:
        is_data = type(event) is DataEvent
        if is_data and self.limit and self.count >= self.limit:
            # another connection's session got here before the first one's stop took effect
            raise StopStream(f"--limit {self.limit} reached")
        for consumer in self.consumers:
            consumer.emit(event)
        if is_data:
            self.count += 1
            if self.limit and self.count >= self.limit:
                raise StopStream(f"--limit {self.limit} reached")

    def pressure(self) -> Awaitable[None] | None:
        for consumer in self.consumers:
            waiter = consumer.pressure()
            if waiter is not None:
                return waiter
        return None


def _single(consumer: Consumer, limit: int | None) -> Callable[[Event], None]:
    """Fanout for one consumer, without the loop: this runs once per message."""
    if not limit:
        return consumer.emit
    consumer_emit = consumer.emit
    count = 0

    def emit(event: Event) -> None:
        nonlocal count
        if type(event) is DataEvent:
            if count >= limit:  # several connections: one may get here after another reached the limit
                raise StopStream(f"--limit {limit} reached")
            consumer_emit(event)
            count += 1
            if count >= limit:
                raise StopStream(f"--limit {limit} reached")
        else:
            consumer_emit(event)

    return emit


def exit_quietly_on_signals() -> None:
    """After a run's own signal handling is gone, late SIGINT/SIGTERM are ignored.

    By then consumers have flushed and closed; the process is about to exit with its own
    code. A handler would not do: interpreter finalization resets every Python-handled
    signal to its default, and a second Ctrl-C landing then would kill feedcli (130).
    An ignored signal stays ignored.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def stderr_note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


async def run(
    codec_factories: Sequence[Callable[[], Codec]],
    consumers: Sequence[Consumer],
    *,
    options: SessionOptions,
    limit: int | None = None,
    duration: float | None = None,
    background: Sequence[Coroutine[Any, Any, Any]] = (),
    on_malformed: Callable[[int], None] | None = None,
    note: Callable[[str], None] = stderr_note,
) -> None:
    """Stream until done; raise the FeedError that ended the run, if one did."""
    fanout = Fanout(consumers, limit)
    emit, pressure = fanout.emit, fanout.pressure
    if len(consumers) == 1:  # the common case: hand events straight to the one consumer
        emit, pressure = _single(consumers[0], limit), consumers[0].pressure
    reporter = Reporter(note)
    sessions = [
        Session(f, emit, options=options, pressure=pressure, reporter=reporter, on_malformed=on_malformed)
        for f in codec_factories
    ]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed: list[int] = []

    def on_signal(signum: int) -> None:
        # The first signal ends the run cleanly (flush, close); a second one, sent because
        # that is taking too long (a reader that stopped reading), ends it at once.
        if stop.is_set():
            from feedcli.sinks.delivery import pending_lines

            left = pending_lines(consumers)
            lost = f"; {left} line{'s' if left != 1 else ''} not taken by the sinks abandoned" if left else ""
            note(f"feedcli: second {signal.Signals(signum).name}: exiting without flushing what is left{lost}")
            os._exit(0)  # still the user's interruption (CONTRACT.md: exit 0)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)

    tasks = [asyncio.create_task(s.run(), name=f"session-{i}") for i, s in enumerate(sessions)]
    helpers = [asyncio.create_task(c) for c in background]
    stopper = asyncio.create_task(stop.wait())
    error: BaseException | None = None
    deadline = None if duration is None else loop.time() + duration
    try:
        pending = set(tasks)
        while pending:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            done, _ = await asyncio.wait([*pending, stopper], timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if not done or stopper in done:
                break  # --duration reached, or a signal
            finished_early = False
            for task in done:
                pending.discard(task)
                exc = None if task.cancelled() else task.exception()
                if isinstance(exc, StopStream):
                    finished_early = True
                elif exc is not None:
                    error = exc
            if error is not None or finished_early:
                break
            # a session that returned normally has completed its stream (a replay): wait for the rest
    finally:
        # Stop the data first, then let consumers finish (the view draws its last frame,
        # writers flush), and only then stop helpers such as the view's redraw loop.
        for task in (*tasks, stopper):
            task.cancel()
        await asyncio.gather(*tasks, stopper, return_exceptions=True)
        close_error: BaseException | None = None
        for consumer in consumers:
            try:
                await consumer.aclose()
            except Exception as exc:
                close_error = close_error or exc
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        for sig in installed:
            loop.remove_signal_handler(sig)
        if installed:
            exit_quietly_on_signals()
        skipped = sum(s.malformed_count for s in sessions)
        if skipped:
            note(f"feedcli: {skipped} malformed frame{'s' if skipped != 1 else ''} skipped in all")
        if error is None and close_error is not None:
            error = close_error
    if error is not None:
        raise error
