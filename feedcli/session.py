"""The connection engine: the only module that opens sockets.

It owns everything that is the same for every provider: connecting with the codec's
handshake, WebSocket pings, the data watchdog, capped full-jitter exponential backoff,
resubscription (by opening a fresh codec, whose opening frames subscribe again), control
lines, close-code mapping through the codec, and the hand-off to consumers.

The receive loop is the hot path. It avoids per-message timers (the watchdog polls a
counter), formats the receive time with a per-second cache, and only awaits a consumer
when it reports backpressure.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)
from websockets.protocol import State

from feedcli import __version__
from feedcli.errors import AuthError, FeedError, MalformedFrame, ProviderError, RetriesExhausted, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, RecvClock
from feedcli.providers.base import Codec

#: One stable User-Agent for login and WebSocket: HT binds a token to the client that got it.
USER_AGENT = f"feedcli/{__version__}"


@dataclass
class SessionOptions:
    """Knobs of the engine; the defaults are what a long-running stream wants."""

    #: seconds without a data message before the connection is treated as dropped (None: never)
    stale_after: float | None = 60.0
    #: failed attempts in a row before giving up with exit 5 (None: never give up)
    max_retries: int | None = None
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    open_timeout: float = 10.0
    close_timeout: float = 2.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: messages websockets may queue before it stops reading the socket (see real-components.md)
    max_queue: int = 1024
    max_size: int = 16 * 1024 * 1024
    user_agent: str = USER_AGENT


class _Stale(Exception):
    pass


class Reporter:
    """Human notes on stderr, with repeats of the same kind folded into one line per period."""

    def __init__(self, write: Callable[[str], None], period: float = 5.0) -> None:
        self._write = write
        self._period = period
        self._last: dict[str, float] = {}
        self._folded: dict[str, int] = {}

    def note(self, message: str) -> None:
        self._write(message)

    def limited(self, kind: str, message: str) -> None:
        """Write at most one `kind` line per period; later ones are counted into the next."""
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self._period:
            self._folded[kind] = self._folded.get(kind, 0) + 1
            return
        folded = self._folded.pop(kind, 0)
        self._last[kind] = now
        self._write(message + (f" (and {folded} more like it)" if folded else ""))


class Session:
    """Keeps one logical subscription alive over as many connections as it takes."""

    def __init__(
        self,
        new_codec: Callable[[], Codec],
        emit: Callable[[Event], None],
        *,
        options: SessionOptions | None = None,
        pressure: Callable[[], Awaitable[None] | None] | None = None,
        reporter: Reporter | None = None,
        on_malformed: Callable[[int], None] | None = None,
    ) -> None:
        self._new_codec = new_codec
        self._emit = emit
        self._opt = options or SessionOptions()
        self._pressure = pressure
        self._report = reporter or Reporter(lambda _m: None)
        self._on_malformed = on_malformed
        self._clock = RecvClock()
        self.data_count = 0
        self.malformed_count = 0
        self.reconnects = 0
        self._ws: ClientConnection | None = None
        self._stale: ClientConnection | None = None

    # ------------------------------------------------------------------ control lines
    def _control(self, provider: str, event: str, **fields: object) -> None:
        self._emit(ControlEvent(provider, event, self._clock.now(), dict(fields)))

    # ------------------------------------------------------------------ main loop
    async def run(self) -> None:
        """Stream until cancelled or a consumer stops it; raise FeedError for a final refusal."""
        failures = 0  # failed attempts in a row, reset once data flows again
        connected_before = False
        while True:
            codec = self._new_codec()
            try:
                ws = await self._open(codec)
            except FeedError:
                raise
            except Exception as exc:  # network-level failure: retry
                failures += 1
                self._give_up_or_wait_note(failures, codec.provider, _describe_open_error(exc))
                await self._backoff(failures, _retry_after(exc))
                continue

            if connected_before:
                self.reconnects += 1
                self._control(codec.provider, "reconnected", url=codec.handshake.describe(), attempt=failures)
            else:
                self._control(codec.provider, "connected", url=codec.handshake.describe())
            connected_before = True

            flowed, reason, code, verdict = await self._serve(ws, codec)
            if verdict is not None:
                self._control(codec.provider, "disconnected", reason=reason, code=code, final=True)
                raise verdict
            if flowed:
                failures = 0
            failures += 1
            self._control(codec.provider, "disconnected", reason=reason, code=code, attempt=failures)
            self._give_up_or_wait_note(failures, codec.provider, reason)
            await self._backoff(failures, None)

    def _give_up_or_wait_note(self, failures: int, provider: str, reason: str) -> None:
        limit = self._opt.max_retries
        if limit is not None and failures > limit:
            raise RetriesExhausted(
                f"{provider}: gave up after {failures} failed attempt{'s' if failures != 1 else ''} "
                f"in a row (last: {reason})"
            )
        self._report.note(f"feedcli: {provider}: {reason}; reconnecting (attempt {failures})")

    async def _backoff(self, failures: int, retry_after: float | None) -> None:
        """Full jitter: a uniform wait up to the capped exponential, so clients do not stampede."""
        ceiling = min(self._opt.backoff_cap, self._opt.backoff_base * (2 ** (failures - 1)))
        delay = random.uniform(0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._opt.backoff_cap * 4))
        await asyncio.sleep(delay)

    async def _open(self, codec: Codec) -> ClientConnection:
        hs = codec.handshake
        try:
            return await connect(
                hs.url,
                additional_headers=list(hs.headers),
                subprotocols=list(hs.subprotocols) or None,  # type: ignore[arg-type]
                user_agent_header=self._opt.user_agent,
                open_timeout=self._opt.open_timeout,
                ping_interval=self._opt.ping_interval,
                ping_timeout=self._opt.ping_timeout,
                close_timeout=self._opt.close_timeout,
                max_size=self._opt.max_size,
                max_queue=self._opt.max_queue,
                compression=None,
            )
        except InvalidURI as exc:
            raise UsageError(f"invalid URL {hs.describe()}: {exc}") from None
        except InvalidStatus as exc:
            status = exc.response.status_code
            detail = _body_detail(exc.response.body)
            if status in (401, 403):
                raise AuthError(
                    f"{codec.provider}: the server refused the connection (HTTP {status}){detail}"
                ) from None
            if status in (400, 404, 405):
                raise ProviderError(
                    f"{codec.provider}: HTTP {status} at {hs.describe()}{detail}; is --url right?"
                ) from None
            raise

    async def _serve(self, ws: ClientConnection, codec: Codec) -> tuple[bool, str, int | None, FeedError | None]:
        """Run one connection; return (data flowed, reason, close code, final verdict)."""
        self._ws = ws
        flowed = False
        stale = False
        watchdog: asyncio.Task[None] | None = None
        if self._opt.stale_after:
            watchdog = asyncio.create_task(self._watchdog(ws))
        try:
            for frame in codec.opening_frames():
                await ws.send(frame)
            start_count = self.data_count
            recv = ws.recv
            parse = codec.parse
            emit = self._emit
            fmt = self._clock.format
            now = time.time
            pressure = self._pressure
            while True:
                frame = await recv(decode=False) if _BYTES_RECV else await recv()
                try:
                    events = parse(frame, fmt(now()))
                except MalformedFrame as exc:
                    self._malformed(codec.provider, frame, str(exc))
                    continue
                for ev in events:
                    if type(ev) is DataEvent:
                        self.data_count += 1
                    emit(ev)
                out = codec.take_outgoing()
                if out:
                    for f in out:
                        await ws.send(f)
                if pressure is not None:
                    waiter = pressure()
                    if waiter is not None:
                        await waiter
                if not flowed and self.data_count != start_count:
                    flowed = True
        except ConnectionClosed as exc:
            code, reason = _close_of(exc)
            stale = self._stale is ws
            if stale:
                return flowed, f"no data for {self._opt.stale_after:g}s", None, None
            verdict = codec.close_verdict(code, reason)
            return flowed, _describe_close(code, reason), code, verdict
        finally:
            self._ws = None
            if watchdog is not None and not watchdog.done():
                watchdog.cancel()
            if not stale:
                await _close_quietly(ws, codec)

    async def _watchdog(self, ws: ClientConnection) -> bool:
        """Close a connection that delivers no data for `stale_after` seconds; pings don't count."""
        limit = float(self._opt.stale_after or 0)
        step = max(0.05, min(1.0, limit / 4))
        seen = self.data_count
        since = time.monotonic()
        while True:
            await asyncio.sleep(step)
            if self.data_count != seen:
                seen = self.data_count
                since = time.monotonic()
            elif time.monotonic() - since >= limit:
                self._stale = ws  # before closing: the receive loop must know why it ended
                with contextlib.suppress(Exception):
                    await _close_draining(ws, 4000, "no data")
                return True

    def _malformed(self, provider: str, frame: bytes | str, why: str) -> None:
        self.malformed_count += 1
        if self._on_malformed is not None:
            self._on_malformed(self.malformed_count)
        excerpt = frame[:60] if isinstance(frame, str) else frame[:60].decode("utf-8", "replace")
        self._report.limited(
            "malformed",
            f"feedcli: {provider}: skipped a malformed frame ({why}): {excerpt!r} [{self.malformed_count} so far]",
        )

    async def close(self) -> None:
        """Close the live connection politely, sending the codec's farewell frames first."""
        ws = self._ws
        if ws is not None:
            await _close_quietly(ws, None)


# websockets ≥ 13 can hand text frames over as bytes, which orjson reads without a decode.
_BYTES_RECV = True


async def _close_quietly(ws: ClientConnection, codec: Codec | None) -> None:
    """Say goodbye the way the provider wants (unsubscribe), then close with 1000."""
    with contextlib.suppress(Exception):
        if codec is not None and ws.state is State.OPEN:
            for frame in codec.closing_frames():
                await ws.send(frame)
        await _close_draining(ws, 1000, "")


async def _close_draining(ws: ClientConnection, code: int, reason: str) -> None:
    """Close, discarding what is still queued so the server's close frame can be read.

    With a full receive queue websockets stops reading the socket, and the closing
    handshake would then wait the whole close timeout for a frame it cannot see.
    """
    closer = asyncio.ensure_future(ws.close(code, reason))
    try:
        while not closer.done():
            await ws.recv(decode=False)
    except (ConnectionClosed, RuntimeError):
        pass  # closed, or a receive is still running in the task being cancelled
    await closer


def _close_of(exc: ConnectionClosed) -> tuple[int | None, str]:
    if exc.rcvd is not None:
        return exc.rcvd.code, exc.rcvd.reason
    return None, ""


def _describe_close(code: int | None, reason: str) -> str:
    if code is None:
        return "connection lost without a close frame"
    return f"server closed the connection ({code}{': ' + reason if reason else ''})"


def _describe_open_error(exc: Exception) -> str:
    if isinstance(exc, InvalidStatus):
        return f"the server answered HTTP {exc.response.status_code} to the handshake"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timed out connecting"
    if isinstance(exc, InvalidHandshake):
        return f"handshake failed ({exc})"
    if isinstance(exc, OSError):
        return f"cannot connect ({exc.strerror or exc})"
    return f"cannot connect ({exc.__class__.__name__}: {exc})"


def _retry_after(exc: Exception) -> float | None:
    if isinstance(exc, InvalidStatus):
        value = exc.response.headers.get("Retry-After")
        if value:
            with contextlib.suppress(ValueError):
                return max(0.0, float(value))
    return None


def _body_detail(body: bytes | None) -> str:
    if not body:
        return ""
    import orjson

    with contextlib.suppress(Exception):
        obj = orjson.loads(body)
        if isinstance(obj, dict) and obj.get("detail"):
            return f": {obj['detail']}"
    text = body[:120].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""
