"""The delivery core of every message-system sink (Redis, NATS): a bounded queue, one sender, reconnects.

A sink on another machine fails in ways a pipe does not: the server restarts, the network
drops, Redis fills up, a JetStream stream reaches its limits. None of that may lose a line,
and none of it may grow memory. So every sink is the same machine with a small transport
behind it:

- **`emit` only queues** (the line encoded once, its key or subject rendered from the
  template): it never blocks the receive loop. When the queue holds more than `high_water`
  bytes, `pressure()` returns a future and the receiver stops reading its socket until the
  sender has brought the queue under half of that: the same bounded backpressure as the
  NDJSON writer, so a stopped sink costs a few MiB, however long it is down.
- **One sender task** takes batches from the head of the queue and hands them to the
  transport (a Redis pipeline, NATS publishes followed by a flush or by their JetStream
  acknowledgements). A line leaves the queue only once the server has confirmed it. When a
  batch fails (connection lost, server full, limits), the lines not confirmed stay at the
  head and are sent again after a reconnect: at-least-once, byte-identical.
- **Outages are told, not hidden**: the first failure is a `sink-down` control line (with
  the reason) and a note on stderr; reconnects follow with capped, jittered exponential
  backoff; the first batch taken again is a `sink-up` line. Those lines go to every output
  (`announce`), the sink itself included, so consumers of the sink see its gaps in time.
- **Errors that retrying cannot fix** (wrong credentials, a key of the wrong type) end the
  run with their exit code, saying how many lines were not delivered.
- **The end waits for the sink**: `aclose()` returns only when every line is confirmed (or
  the run loop gave up with `abandon()`, after a second Ctrl-C; `pending()` says how many
  lines that leaves behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import orjson

from feedcli.errors import FeedError
from feedcli.events import ControlEvent, DataEvent, Event, RecvClock, encode_line

#: queued bytes above which the receiver is held back; it resumes below half of it
HIGH_WATER = 4 << 20
#: what a queued line costs beyond its bytes (the tuple, the bytes object), for the bound
LINE_OVERHEAD = 96
#: lines and bytes sent in one round trip (one Redis pipeline, one NATS flush)
BATCH_LINES = 1000
BATCH_BYTES = 512 << 10
#: reconnect backoff: first delay, cap, jitter (a fraction of the delay)
BACKOFF_FIRST = 0.25
BACKOFF_CAP = 5.0
BACKOFF_JITTER = 0.2
#: seconds aclose waits silently before it says it is waiting for a sink
WAIT_NOTE_AFTER = 1.0
#: rendered destinations remembered (per provider, channel, symbol, kind)
ROUTE_CACHE = 65536

Note = Callable[[str], None]
Route = tuple[str, bytes]


def stderr_note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class SinkUnavailable(Exception):
    """The sink cannot take lines now; retry later.

    `taken` lines from the head of the batch were confirmed before the failure.
    `connected` says the connection itself is fine (a full Redis, stream limits): the same
    connection is used again after the backoff instead of a new one.
    """

    def __init__(self, reason: str, *, taken: int = 0, connected: bool = False) -> None:
        super().__init__(reason)
        self.taken = taken
        self.connected = connected


class Transport(Protocol):
    """What a message system contributes: connect, send a batch, close.

    `connect` and `send` raise SinkUnavailable for what retrying may fix and a FeedError
    (AuthError for credentials) for what it cannot.
    """

    #: the server for messages, its password hidden
    name: str

    async def connect(self) -> None: ...

    async def send(self, batch: Sequence[Route]) -> None: ...

    async def close(self) -> None: ...


class Router(Protocol):
    """Where a line goes: its Redis key or NATS subject."""

    def data(self, provider: str, channel: str, symbol: str, kind: str | None) -> str: ...

    def control(self, provider: str) -> str: ...


class BrokerSink:
    """A Consumer (feedcli.sinks.base) that delivers every line to a message system, at least once.

    Hooks for the run loop beyond the Consumer protocol: `start()` (connect before the data
    flows: wrong credentials are exit 3 before any line), `emit_line()` (a raw NDJSON line,
    for replay, sent byte for byte), `pending()` and `abandon()` (a second Ctrl-C), and
    `announce` (where sink-down and sink-up lines go; by default only into this sink).
    """

    def __init__(
        self,
        transport: Transport,
        router: Router,
        *,
        note: Note = stderr_note,
        high_water: int = HIGH_WATER,
    ) -> None:
        self.name = transport.name
        self.note = note
        #: where this sink's own control lines go; set it to hand them to every consumer
        self.announce: Callable[[Event], None] | None = None
        self._transport = transport
        self._router = router
        self._high = high_water
        self._low = high_water // 2
        self._queue: deque[Route] = deque()
        self._bytes = 0
        self._routes: dict[tuple[str, str, str, str | None], str] = {}
        self._controls: dict[str, str] = {}
        self._waiter: asyncio.Future[None] | None = None
        self._wake: asyncio.Event | None = None
        self._idle = False
        self._task: asyncio.Task[None] | None = None
        self._connected = False
        self._down_since: float | None = None
        self._down_reason = ""
        self._closing = False
        self._given_up = False
        self._abandoned = 0
        self._error: FeedError | None = None
        self._provider = "feedcli"
        self._clock = RecvClock()
        #: lines confirmed by the server, and lines sent again after a failure
        self.delivered = 0
        self.resent = 0

    # ------------------------------------------------------------------ the run loop's hooks
    async def start(self) -> None:
        """Connect once now: exit 3 on wrong credentials before anything streams.

        A server that cannot be reached is not fatal: the sink starts down (a `sink-down`
        line) and keeps trying in the background while lines queue up to the bound.
        """
        try:
            await self._transport.connect()
        except SinkUnavailable as exc:
            still_cancelled()
            self._went_down(str(exc))
        else:
            self._connected = True
        self._ensure_sender()

    def pending(self) -> int:
        """Lines taken by `emit` and not yet confirmed by the server."""
        return len(self._queue)

    def abandon(self) -> int:
        """Give up on what is left (a second Ctrl-C): return how many lines that was.

        `aclose()` then returns at once; lines emitted afterwards are dropped too.
        """
        left = len(self._queue)
        self._abandoned += left
        self._queue.clear()
        self._bytes = 0
        self._closing = True
        self._given_up = True
        self._release()
        if self._task is not None:
            self._task.cancel()
        return left

    # ------------------------------------------------------------------ Consumer
    def emit(self, event: Event) -> None:
        if self._error is not None:
            raise self._error
        if type(event) is DataEvent:
            key = (event.provider, event.channel, event.symbol, getattr(event, "kind", None))
            dest = self._routes.get(key)
            if dest is None:
                dest = self._route(key)
        else:
            dest = self._controls.get(event.provider) or self._control_route(event.provider)
        self._provider = event.provider
        self._put(dest, encode_line(event)[:-1])

    def emit_line(self, line: bytes) -> None:
        """Queue one NDJSON line as it is (without its newline): replay's lines go out byte for byte."""
        if self._error is not None:
            raise self._error
        obj = orjson.loads(line)
        if type(obj) is not dict:
            raise ValueError("an NDJSON line must be a JSON object")
        provider = str(obj.get("provider", "feedcli"))
        channel = obj.get("channel")
        if channel is not None:
            kind = obj.get("kind")
            key = (provider, str(channel), str(obj.get("symbol", "")), None if kind is None else str(kind))
            dest = self._routes.get(key) or self._route(key)
        else:
            dest = self._controls.get(provider) or self._control_route(provider)
        self._provider = provider
        self._put(dest, bytes(line))

    def pressure(self) -> asyncio.Future[None] | None:
        return self._waiter

    async def aclose(self) -> None:
        """Return when every line is confirmed (or abandoned); raise what ended the sink, if anything."""
        self._closing = True
        task = self._task
        if task is not None and not task.done():
            if self._wake is not None:
                self._wake.set()
            # asyncio.wait, not `await task`: abandon() cancels the task, and that must not
            # look like our own cancellation (nor may ours be swallowed)
            done, _ = await asyncio.wait({task}, timeout=WAIT_NOTE_AFTER)
            if not done:
                if self._queue:
                    self.note(
                        f"feedcli: waiting for {self.name} to take {len(self._queue)} more line"
                        f"{'s' if len(self._queue) != 1 else ''} (Ctrl-C again abandons them)"
                    )
                await asyncio.wait({task})
        with contextlib.suppress(Exception):
            await self._transport.close()
        self._connected = False
        if self._error is not None:
            raise self._error

    # ------------------------------------------------------------------ queueing
    def _route(self, key: tuple[str, str, str, str | None]) -> str:
        if len(self._routes) >= ROUTE_CACHE:
            self._routes.clear()
        dest = self._routes[key] = self._router.data(*key)
        return dest

    def _control_route(self, provider: str) -> str:
        dest = self._controls[provider] = self._router.control(provider)
        return dest

    def _put(self, dest: str, line: bytes) -> None:
        if self._given_up:
            self._abandoned += 1
            return
        self._queue.append((dest, line))
        self._bytes += len(line) + LINE_OVERHEAD
        if self._bytes >= self._high and self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
        if self._idle:
            self._idle = False
            assert self._wake is not None
            self._wake.set()
        elif self._task is None:
            self._ensure_sender()

    def _pop(self, count: int) -> None:
        queue = self._queue
        freed = 0
        for _ in range(count):
            freed += len(queue.popleft()[1]) + LINE_OVERHEAD
        self._bytes -= freed
        self.delivered += count
        if self._waiter is not None and self._bytes < self._low:
            self._release()

    def _release(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------ sending
    def _ensure_sender(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._sender(), name=f"sink {self.name}")

    async def _sender(self) -> None:
        try:
            await self._send_all()
        except FeedError as exc:
            self._fail(exc)
        except Exception as exc:  # a bug or a library surprise: said, never a silent stop
            self._fail(FeedError(f"{self.name}: {exc.__class__.__name__}: {exc}"))

    async def _send_all(self) -> None:
        assert self._wake is not None
        queue = self._queue
        attempt = 0
        while True:
            if not queue:
                if self._closing:
                    return
                self._wake.clear()
                self._idle = True
                await self._wake.wait()
                continue
            if not self._connected:
                if self._down_since is not None:
                    await asyncio.sleep(_backoff(attempt))
                    attempt += 1
                try:
                    await self._transport.connect()
                except SinkUnavailable as exc:
                    still_cancelled()
                    self._went_down(str(exc))
                    continue
                self._connected = True
            batch: list[Route] = []
            size = 0
            for item in queue:
                batch.append(item)
                size += len(item[1])
                if len(batch) >= BATCH_LINES or size >= BATCH_BYTES:
                    break
            if self._down_since is not None:
                self.resent += len(batch)
            try:
                await self._transport.send(batch)
            except SinkUnavailable as exc:
                still_cancelled()
                self._pop(exc.taken)
                if exc.taken:
                    # progress, but not yet up: a full Redis takes a few lines of each batch
                    # while it frees room, and an up/down pair per batch would say nothing
                    attempt = 0
                if not exc.connected:
                    self._connected = False
                    with contextlib.suppress(Exception):
                        await self._transport.close()
                self._went_down(str(exc))
                if exc.connected:
                    await asyncio.sleep(_backoff(attempt))
                    attempt += 1
                continue
            self._pop(len(batch))
            if self._down_since is not None:
                self._came_up()
                attempt = 0

    def _went_down(self, reason: str) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self._down_reason = reason
            self._announce("sink-down", reason=reason)
            self.note(f"feedcli: sink {self.name} is down ({reason}); holding the stream back and retrying")
        elif reason != self._down_reason:
            self._down_reason = reason
            self.note(f"feedcli: sink {self.name} is still down ({reason}); retrying")

    def _came_up(self) -> None:
        if self._down_since is None:
            return
        down_for = time.monotonic() - self._down_since
        self._down_since = None
        self._down_reason = ""
        self._announce("sink-up", down_seconds=round(down_for, 3))
        self.note(f"feedcli: sink {self.name} is up again after {down_for:.1f} s")

    def _announce(self, what: str, **fields: object) -> None:
        event = ControlEvent(self._provider, what, self._clock.now(), {"sink": self.name, **fields})
        target = self.announce
        if target is None:
            self.emit(event)
            return
        with contextlib.suppress(Exception):  # an output's own failure surfaces on its next line
            target(event)

    def _fail(self, exc: FeedError) -> None:
        left = len(self._queue)
        if left:
            exc = type(exc)(f"{exc}; {left} line{'s' if left != 1 else ''} not delivered to {self.name}")
        self._error = exc
        self._closing = True
        self._release()


def _backoff(attempt: int) -> float:
    delay = min(BACKOFF_CAP, BACKOFF_FIRST * (2**attempt))
    return delay * (1 + random.uniform(-BACKOFF_JITTER, BACKOFF_JITTER))


_T = TypeVar("_T")


def still_cancelled() -> None:
    """Raise CancelledError if this task was cancelled and a client library turned that into an
    error of its own: redis-py can give a TimeoutError for a cancel that lands while it reads
    (1 in ~300 in a loop cancelling a PING to a silent server). Taken for "the sink is down",
    it was retried: a Ctrl-C while a sink started was lost, a second Ctrl-C waited forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def read_again(name: str, why: object, attempt: Callable[[], Awaitable[_T]], note: Note = stderr_note) -> _T:
    """A follower's way back after it lost its server (Redis, NATS): said once, retried with backoff.

    `attempt` is tried until it returns; a SinkUnavailable from it is waited out, anything
    else it raises ends the reading. Its result (a new connection, or None) is returned.
    """
    from feedcli.backoff import Backoff

    note(f"feedcli: {name}: cannot read ({why}); trying again")
    backoff = Backoff(base=0.25, cap=5.0)
    tries = 0
    while True:
        tries += 1
        await asyncio.sleep(backoff.delay(tries))
        try:
            result = await attempt()
        except SinkUnavailable:
            still_cancelled()
            continue
        note(f"feedcli: {name}: reading again")
        return result


def announce_to(sinks: Sequence[BrokerSink], consumers: Sequence[object]) -> None:
    """Hand the sinks' sink-down/sink-up lines to every consumer (stdout, files, views, sinks)."""

    def broadcast(event: Event) -> None:
        for consumer in consumers:
            with contextlib.suppress(Exception):
                consumer.emit(event)  # type: ignore[attr-defined]

    for sink in sinks:
        sink.announce = broadcast


def pending_lines(consumers: Sequence[object]) -> int:
    """Lines the consumers that deliver elsewhere (sinks) still hold: what a second Ctrl-C abandons."""
    return sum(c.pending() for c in consumers if isinstance(c, BrokerSink))


def undelivered(consumers: Sequence[object]) -> str:
    """What a second Ctrl-C abandons, for its line on stderr: the lines the sinks have not confirmed yet."""
    left = pending_lines(consumers)
    return f"; {left} line{'s' if left != 1 else ''} not taken by the sinks abandoned" if left else ""


def abandon_all(consumers: Sequence[object]) -> int:
    """Abandon what every sink still holds; return the number of lines given up."""
    return sum(c.abandon() for c in consumers if isinstance(c, BrokerSink))
