"""Runs sessions into consumers until a limit, a duration, a signal or a final error.

This is where `stream`, `record` and `demo` meet: codecs in, consumers out. How a run ends
(`--limit`, `--duration`, signals, the final flush, a vanished terminal) is the one run
helper's, feedcli/runner.py, which replay and the simulators use too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from feedcli import terminal
from feedcli.events import DataEvent, Event
from feedcli.providers.base import Codec
from feedcli.runner import run_until_done, stderr_note
from feedcli.session import Reporter, Session, SessionOptions
from feedcli.sinks.base import Consumer, StopStream, aclose_all

#: the line path's hand-off: finished NDJSON data lines, a batch at a time
EmitLines = Callable[[Sequence[bytes]], None]


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


def _single(consumer: Consumer, limit: int | None) -> tuple[Callable[[Event], None], EmitLines | None]:
    """Fanout for one consumer, without the loop: this runs once per message. Also the line
    path's hand-off (`Codec.line`) when the consumer takes finished lines (`emit_lines`), None
    if it does not; both count towards the one `limit`."""
    emit_lines: EmitLines | None = getattr(consumer, "emit_lines", None)
    if not limit:
        return consumer.emit, emit_lines
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

    if emit_lines is None:
        return emit, None
    consumer_lines = emit_lines

    def lines(batch: Sequence[bytes]) -> None:
        nonlocal count
        room = limit - count
        if room <= 0:
            raise StopStream(f"--limit {limit} reached")
        if len(batch) < room:
            consumer_lines(batch)
            count += len(batch)
            return
        consumer_lines(batch[:room])  # the lines up to the limit, not one more
        count = limit
        raise StopStream(f"--limit {limit} reached")

    return emit, lines


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
    normalize: bool = False,
    connection_notes: bool = True,
) -> None:
    """Stream until done (runner.run_until_done says what that is); raise the FeedError that ended the run.

    Consumers are started by the caller (before anything connects, so a bad output fails
    first) and closed here, in order, once the sessions have stopped. A consumer whose
    output is the user's terminal (`on_terminal`: the live view, NDJSON on the terminal)
    makes the run end when the terminal vanishes.

    Every data line gets its channel's `kind` (vocabulary.stamped, for codecs that do not
    stamp it themselves); `normalize` puts `data` in the common shape of its kind.
    `connection_notes=False` keeps reconnects and retries off `note` (they are still control
    lines for the consumers).
    """
    from feedcli.vocabulary import stamped

    receivers = _normalized(consumers) if normalize else list(consumers)
    fanout = Fanout(receivers, limit)
    emit, pressure = fanout.emit, fanout.pressure
    #: the line path (Codec.line): only for one consumer that takes lines as they are
    emit_lines: EmitLines | None = None
    if len(receivers) == 1:  # the common case: hand events straight to the one consumer
        (emit, emit_lines), pressure = _single(receivers[0], limit), receivers[0].pressure
    emit_as_is, emit = emit, stamped(emit)  # the first for codecs that stamp `kind` themselves
    reporter = Reporter(note, connection_notes=connection_notes)
    sessions = [
        Session(
            f,
            emit,
            options=options,
            pressure=pressure,
            reporter=reporter,
            on_malformed=on_malformed,
            emit_lines=emit_lines,
            emit_as_is=emit_as_is,
        )
        for f in codec_factories
    ]

    async def close() -> None:
        await aclose_all(consumers)

    try:
        await run_until_done(
            _all_sessions(sessions),
            close=close,
            helpers=background,
            duration=duration,
            on_terminal=any(getattr(c, "on_terminal", False) for c in consumers),
            note=note,
            left_behind=lambda: _undelivered(consumers),
        )
    finally:
        skipped = sum(s.malformed_count for s in sessions)
        if skipped and not terminal.gone():
            note(f"feedcli: {skipped} malformed frame{'s' if skipped != 1 else ''} skipped in all")


async def start_all(consumers: Sequence[Consumer]) -> None:
    """Start each consumer in order; if one fails or the start is interrupted, close those
    already started and raise.

    So a recording opened before a sink refused its credentials (exit 3), or before a Ctrl-C
    while a sink waited on a server that never answered, is a finished file, never one cut
    mid-frame. Once `run` has the consumers, it closes them.
    """
    started: list[Consumer] = []
    try:
        for consumer in consumers:
            start = getattr(consumer, "start", None)
            if start is not None:
                await start()
            started.append(consumer)
    except BaseException:
        with contextlib.suppress(Exception):  # the first failure is the one to report
            await aclose_all(started)
        raise


class _Normalized:
    """A consumer that is handed every data event in the common shape of its kind (`--normalize`)."""

    def __init__(self, consumer: Consumer) -> None:
        from feedcli.vocabulary import normalize_event

        self._consumer = consumer
        self._normalize = normalize_event
        self._emit = consumer.emit
        self.pressure = consumer.pressure
        self.aclose = consumer.aclose
        self.on_terminal = getattr(consumer, "on_terminal", False)

    async def start(self) -> None:
        return None  # started by the caller, as the consumer it wraps

    def emit(self, event: Event) -> None:
        self._emit(self._normalize(event) if type(event) is DataEvent else event)


def _normalized(consumers: Sequence[Consumer]) -> list[Consumer]:
    """The consumers, those that write lines normalized; the live view (`reads_market`) reads
    every provider's data through the channel tables, which take the provider's own payload."""
    return [c if getattr(c, "reads_market", False) else _Normalized(c) for c in consumers]  # type: ignore[misc]


def _undelivered(consumers: Sequence[Consumer]) -> str:
    from feedcli.sinks.delivery import undelivered

    return undelivered(consumers)


async def _all_sessions(sessions: Sequence[Session]) -> None:
    """Run every session; return when all have completed their streams, raise the first that ends otherwise.

    A session that returns has completed its stream (a replayed recording ended): the rest
    go on. One that raises (StopStream at --limit, an error) ends them all.
    """
    tasks = [asyncio.create_task(s.run(), name=f"session-{i}") for i, s in enumerate(sessions)]
    try:
        pending: set[asyncio.Task[None]] = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = None if task.cancelled() else task.exception()
                if exc is not None:
                    raise exc
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
