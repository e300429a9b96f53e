"""The connection engine: the only module that opens sockets (with picows_link.py, its picows transport).

It owns everything that is the same for every provider: connecting with the codec's
handshake, WebSocket pings, the data watchdog, capped full-jitter exponential backoff,
resubscription (by opening a fresh codec, whose opening frames subscribe again), control
lines, close-code mapping through the codec, and the hand-off to consumers.

The receive loop is the hot path. It avoids per-message timers (the watchdog polls a
counter), formats the receive time with a per-second cache, and only awaits a consumer
when it reports backpressure.

The WebSocket client is picows when it is installed (the `fast` extra; `picows_link.py`:
frames handled in its callback, a read's worth at a time, no wake-up per message), else
aiohttp's: its frame reader is compiled, and on this hot path the pure-Python parser of
`websockets` alone cost more than all of feedcli's own work per message (bench/README.md).
Everything aiohttp-specific stays in this module; every REST call
(login included) goes through the engine's httpx client in `rest.py`, and both follow one
retry policy (`backoff.py`).

What the engine will not do: follow a redirect (neither on the WebSocket handshake nor for
a REST call: one line names the Location and the attempt counts as failed), or retry a TLS
certificate that did not verify (final, exit 1). Text from servers reaches stderr only
through `Reporter`, which escapes control characters (`safe_text.printable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from feedcli import USER_AGENT
from feedcli.backoff import MAX_RETRY_AFTER, Backoff, retry_after_seconds
from feedcli.errors import AuthError, FeedError, MalformedFrame, ProviderError, RetriesExhausted, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, RecvClock
from feedcli.lazy import lazy_module
from feedcli.providers.base import Codec, ConnectionDead, HttpRequest, HttpResponse, is_loopback
from feedcli.ratelimit import RateLimiter, RestLimits, limiter_for
from feedcli.rest import CertificateRefused, RequestFailed, RestClient, Throttled, certificate_error
from feedcli.safe_text import printable, redact_url
from feedcli.timeouts import within

if TYPE_CHECKING:
    import aiohttp
else:
    aiohttp = lazy_module("aiohttp")

#: what a consumer raises for an event JSON cannot hold (orjson's TypeError, raised before
#: the consumer takes any of the event)
_EncodeError = orjson.JSONEncodeError


#: once the run's REST calls have been held back this long (seconds) in all, stderr says why
PACING_NOTE = 1.0


@dataclass
class SessionOptions:
    """Knobs of the engine; the defaults are what a long-running stream wants."""

    #: seconds without a data message before the connection is treated as dropped (None: never)
    stale_after: float | None = 120.0
    #: failed attempts in a row before giving up with exit 5 (None: never give up)
    max_retries: int | None = None
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    open_timeout: float = 10.0
    close_timeout: float = 2.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_size: int = 16 * 1024 * 1024
    user_agent: str = USER_AGENT
    #: honour HTTP(S)_PROXY and NO_PROXY from the environment
    trust_env: bool = True
    #: seconds an HTTP call may wait for its answer once connected
    http_timeout: float = 15.0
    #: a server's Retry-After longer than this (seconds) is read as this
    max_retry_after: float = MAX_RETRY_AFTER
    #: rate-limited or failing answers (429, 418, 5xx) to one HTTP call waited out in a row
    #: before giving up (None: the same bound as `max_retries`)
    throttle_retries: int | None = None
    #: the provider's REST limiter (feedcli.ratelimit), shared by every session of a run
    rest_limiter: RateLimiter | None = None


class _Redirected(Exception):
    """The WebSocket handshake was answered with a redirect: never followed."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.location = location

    def describe(self) -> str:
        return (
            f"the handshake was redirected to {redact_url(self.location) or 'nowhere'} "
            f"(HTTP {self.status}); redirects are not followed"
        )


async def _refuse_redirect(
    _session: aiohttp.ClientSession, _ctx: object, params: aiohttp.TraceRequestRedirectParams
) -> None:
    """aiohttp's ws_connect follows redirects with no way to say no; this trace hook does."""
    response = params.response
    location = response.headers.get("Location") or response.headers.get("URI") or ""
    response.close()
    raise _Redirected(response.status, location)


class Reporter:
    """Human notes on stderr, with repeats of the same kind folded into one line per period."""

    def __init__(self, write: Callable[[str], None], period: float = 5.0, *, connection_notes: bool = True) -> None:
        self._write = write
        self._period = period
        #: whether reconnects and retries are told (`record` off a terminal keeps them to its file)
        self._connection_notes = connection_notes
        self._last: dict[str, float] = {}
        self._folded: dict[str, int] = {}

    def note(self, message: str) -> None:
        """Write one line; control characters (a server's close reason may hold any) escaped."""
        self._write(printable(message))

    def connection(self, message: str) -> None:
        """A note on the connection's ups and downs (retrying, reconnecting, waiting out a limit)."""
        if self._connection_notes:
            self.note(message)

    def limited(self, kind: str, message: str) -> None:
        """Write at most one `kind` line per period; later ones are counted into the next."""
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self._period:
            self._folded[kind] = self._folded.get(kind, 0) + 1
            return
        folded = self._folded.pop(kind, 0)
        self._last[kind] = now
        self._write(printable(message) + (f" (and {folded} more like it)" if folded else ""))


class Session:
    """Keeps one logical subscription alive over as many connections as it takes.

    `transport` is "picows" or "aiohttp" for the WebSocket client; None picks picows when it
    is installed and no proxy applies (picows_link.wanted).

    `uniform` (the backoff's random draw) and `sleep` (its wait) are the real ones unless a
    test gives its own, to see the waits the engine chooses without waiting them.

    `emit_lines` takes finished NDJSON data lines (the consumer writes lines as they are): a
    codec with a line path (`Codec.line`) then gives each message's line without building
    events, handed on a batch at a time (over picows, the lines of one socket read), and only
    what it cannot vouch for goes through `parse` and `emit`.
    """

    def __init__(
        self,
        new_codec: Callable[[], Codec],
        emit: Callable[[Event], None],
        *,
        options: SessionOptions | None = None,
        pressure: Callable[[], Awaitable[None] | None] | None = None,
        reporter: Reporter | None = None,
        on_malformed: Callable[[int], None] | None = None,
        uniform: Callable[[float, float], float] = random.uniform,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        transport: str | None = None,
        emit_lines: Callable[[Sequence[bytes]], None] | None = None,
        emit_as_is: Callable[[Event], None] | None = None,
    ) -> None:
        self._new_codec = new_codec
        self._transport = transport
        self._emit = emit
        #: `emit` without its kind stamping (`vocabulary.stamped`), for a codec that stamps
        #: every data event itself (`Codec.stamps_kind`); None: `emit` for every codec
        self._emit_stamping = emit
        self._emit_as_is = emit_as_is
        #: the line path: where a codec's finished data lines go (`Codec.line`), None for none
        self._emit_lines = emit_lines
        self._opt = options or SessionOptions()
        self._pressure = pressure
        self._report = reporter or Reporter(lambda _m: None)
        self._on_malformed = on_malformed
        self._clock = RecvClock()
        self._policy = Backoff(
            self._opt.backoff_base, self._opt.backoff_cap, self._opt.max_retry_after, uniform=uniform
        )
        self._sleep = sleep
        self.data_count = 0
        self.malformed_count = 0
        self.reconnects = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        #: set while the receiver waits for a slow consumer: not the server's silence
        self._held_back = False
        self._http: aiohttp.ClientSession | None = None
        self._rest: RestClient | None = None
        #: when now() last saw any frame of the current connection (data, ping, pong)
        self._last_seen = 0.0
        #: (reason, the guard task closing it, whether the server proved reachable) when a
        #: guard (watchdog, keepalive) ended the current connection
        self._ended: tuple[str, asyncio.Task[None], bool] | None = None

    #: what a consumer raises for an event JSON cannot hold (for picows_link's receiver)
    encode_error = _EncodeError

    # ------------------------------------------------------------------ control lines
    def _control(self, provider: str, event: str, **fields: object) -> None:
        self._emit(ControlEvent(provider, event, self._clock.now(), dict(fields)))

    # ------------------------------------------------------------------ main loop
    async def run(self) -> None:
        """Stream until cancelled or a consumer stops it; raise FeedError for a final refusal."""
        self._rest = RestClient(
            user_agent=self._opt.user_agent,
            connect_timeout=self._opt.open_timeout,
            timeout=self._opt.http_timeout,
            trust_env=self._opt.trust_env,
            max_body=self._opt.max_size,
            limiter=self._opt.rest_limiter,
        )
        try:
            await self._run()
        finally:
            http, self._http = self._http, None
            if http is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(http.close())
            rest, self._rest = self._rest, None
            with contextlib.suppress(Exception):
                await asyncio.shield(rest.aclose())

    def _aiohttp_session(self) -> aiohttp.ClientSession:
        """aiohttp's client, made for the first connection that goes over it: a stream over
        picows never imports aiohttp (about 10 MB of memory and 0.3 s of start-up)."""
        if self._http is None:
            redirects = aiohttp.TraceConfig()
            redirects.on_request_redirect.append(_refuse_redirect)
            self._http = aiohttp.ClientSession(
                headers={"User-Agent": self._opt.user_agent},
                timeout=aiohttp.ClientTimeout(total=self._opt.open_timeout),
                auto_decompress=False,
                trust_env=self._opt.trust_env,
                trace_configs=[redirects],
            )
        return self._http

    async def _run(self) -> None:
        # Reconnection attempts made since the server last proved reachable (data flowed,
        # or a quiet connection stayed up until the watchdog): what --max-retries bounds.
        retries = 0
        connected_before = False
        while True:
            codec = self._new_codec()
            as_is = self._emit_as_is
            self._emit = as_is if as_is is not None and codec.stamps_kind else self._emit_stamping
            if codec.finished:  # e.g. a replay that has already ended: nothing to open
                return
            if codec.polling:
                await self._poll(codec)
                return
            try:
                await self._http_calls(codec)
                if codec.finished:  # an exchange made of HTTP calls alone (a login) is over
                    return
                announce = self._announcer(codec, again=connected_before, attempt=retries)
                ws = await self._open(codec, announce)
            except FeedError:
                raise
            except CertificateRefused as exc:
                raise ProviderError(f"{codec.provider}: {exc.describe()}") from None
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError, RequestFailed, _Redirected) as exc:
                reason = _describe_open_error(exc)
                self._give_up_if_spent(codec.provider, retries, reason, answered=_answered(exc))
                retries += 1
                self._report.connection(f"feedcli: {codec.provider}: {reason}; retrying (attempt {retries})")
                await self._backoff(retries, _retry_after(exc, time.time()))
                continue

            url = codec.handshake.describe()  # type: ignore[union-attr]  # None is handled above
            announce()
            connected_before = True

            healthy, reason, code, verdict = await self._serve(ws, codec)
            if codec.finished and verdict is None:
                # the provider said the stream is complete (the end of a replay): done, no reconnect
                self._control(codec.provider, "disconnected", url=url, reason="stream complete", code=1000, final=True)
                return
            if verdict is not None:
                self._control(codec.provider, "disconnected", url=url, reason=reason, code=code, final=True)
                raise verdict
            if healthy:
                retries = 0
            spent = self._opt.max_retries is not None and retries >= self._opt.max_retries
            if spent:
                self._control(codec.provider, "disconnected", url=url, reason=reason, code=code, final=True)
                self._give_up_if_spent(codec.provider, retries, reason)
            retries += 1
            self._control(codec.provider, "disconnected", url=url, reason=reason, code=code, attempt=retries)
            self._report.connection(f"feedcli: {codec.provider}: {reason}; reconnecting (attempt {retries})")
            await self._backoff(retries, None)

    def _announcer(self, codec: Codec, *, again: bool, attempt: int) -> Callable[[], None]:
        """The `connected` (or `reconnected`) line of the next connection, said once, before
        any of its data lines: picows calls it from its handshake, ahead of the frames that
        came in the same read; over aiohttp the engine calls it once the socket is open."""
        said: list[bool] = []

        def announce() -> None:
            if said:
                return
            said.append(True)
            url = codec.handshake.describe()  # type: ignore[union-attr]  # known once connected
            if again:
                self.reconnects += 1
                self._control(codec.provider, "reconnected", url=url, attempt=attempt)
            else:
                self._control(codec.provider, "connected", url=url)

        return announce

    def _give_up_if_spent(
        self, provider: str, retries: int, reason: str, *, answered: bool = False, limit: int | None = None
    ) -> None:
        limit = self._opt.max_retries if limit is None else limit
        if limit is not None and retries >= limit:
            tried = "no retries allowed" if retries == 0 else f"{retries} retr{'y' if retries == 1 else 'ies'} failed"
            raise RetriesExhausted(
                f"{provider}: gave up reconnecting: {reason} ({tried}, --max-retries {limit})",
                reason=reason,
                retries=retries,
                answered=answered,
            )

    async def _backoff(self, attempt: int, retry_after: float | None) -> None:
        """Full jitter: a uniform wait up to the capped exponential, so clients do not stampede."""
        await self._sleep(self._policy.delay(attempt, retry_after))

    def _picows_for(self, url: str) -> Any:
        """picows_link if this connection goes over picows, else None (aiohttp)."""
        if self._transport == "aiohttp":
            return None
        try:
            from feedcli import picows_link
        except ImportError:
            if self._transport == "picows":
                raise UsageError("the picows transport needs picows: pip install 'feedcli[fast]'") from None
            return None
        if self._transport == "picows" or picows_link.wanted(url, self._opt.trust_env):
            return picows_link
        return None

    async def _open(self, codec: Codec, announce: Callable[[], None] | None = None) -> Any:
        hs = codec.handshake
        assert hs is not None
        link = self._picows_for(hs.url)
        if link is not None:
            return await self._open_picows(link, codec, announce)
        try:
            return await self._aiohttp_session().ws_connect(
                hs.url,
                protocols=hs.subprotocols,
                headers=list(hs.headers),
                # Keepalive is ours (see _keepalive): aiohttp's heartbeat would declare the
                # server dead while we deliberately stop reading for a slow consumer.
                heartbeat=None,
                autoping=False,
                autoclose=True,
                max_msg_size=self._opt.max_size,
                compress=0,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self._opt.close_timeout),
                decode_text=False,
            )
        except aiohttp.InvalidURL as exc:
            raise UsageError(f"invalid URL {hs.describe()}: {exc}") from None
        except aiohttp.ClientConnectorCertificateError as exc:
            raise CertificateRefused(hs.url, certificate_error(exc.certificate_error)) from None
        except aiohttp.ClientConnectorError as exc:
            refused = certificate_error(exc)
            if refused is not None:
                raise CertificateRefused(hs.url, refused) from None
            raise
        except aiohttp.WSServerHandshakeError as exc:
            status = exc.status
            if status in (401, 403):
                raise AuthError(f"{codec.provider}: the server refused the connection (HTTP {status})") from None
            if status in (400, 404, 405):
                raise ProviderError(f"{codec.provider}: HTTP {status} at {hs.describe()}; is --url right?") from None
            raise

    async def _open_picows(self, link: Any, codec: Codec, announce: Callable[[], None] | None) -> Any:
        """Open over picows; failures are raised as the aiohttp path raises them, so that
        retries, refusals and their wording are the same whichever client connected."""
        hs = codec.handshake
        assert hs is not None
        try:
            return await link.open_connection(
                self,
                codec,
                hs,
                user_agent=self._opt.user_agent,
                open_timeout=self._opt.open_timeout,
                max_size=self._opt.max_size,
                on_connected=announce,
            )
        except link.OPEN_ERRORS as exc:
            refused = certificate_error(exc)
            if refused is not None:
                raise CertificateRefused(hs.url, refused) from None
            answer = link.handshake_status(exc)
            if answer is None:
                if isinstance(exc, OSError | asyncio.TimeoutError):
                    raise
                if exc.__class__.__name__ == "WSInvalidURL":
                    raise UsageError(f"invalid URL {hs.describe()}: {exc}") from None
                raise ConnectionError(f"{exc.__class__.__name__}: {exc}") from None
            status, header = answer
            if 300 <= status < 400:
                raise _Redirected(status, header("Location") or "") from None
            if status in (401, 403):
                raise AuthError(f"{codec.provider}: the server refused the connection (HTTP {status})") from None
            if status in (400, 404, 405):
                raise ProviderError(f"{codec.provider}: HTTP {status} at {hs.describe()}; is --url right?") from None
            retry_after = header("Retry-After")
            raise aiohttp.WSServerHandshakeError(
                None,  # type: ignore[arg-type]  # no aiohttp request behind it
                (),
                status=status,
                message=f"HTTP {status}",
                headers={"Retry-After": retry_after} if retry_after else None,  # type: ignore[arg-type]
            ) from None

    async def _serve(self, ws: Any, codec: Codec) -> tuple[bool, str, int | None, FeedError | None]:
        """Run one connection; return (server proved healthy, reason, close code, final verdict)."""
        if hasattr(ws, "receiver"):  # picows_link.PicowsSocket
            return await self._serve_picows(ws, codec)
        self._ws = ws
        self._ended = None
        self._last_seen = time.time()
        flowed = False
        guards = [asyncio.create_task(self._keepalive(ws))] if self._opt.ping_interval else []
        if self._opt.stale_after:
            guards.append(asyncio.create_task(self._watchdog(ws, codec)))
        guards.append(asyncio.create_task(self._protocol_timer(ws, codec)))
        code: int | None = None
        dead: str | None = None
        topping_up: asyncio.Task[None] | None = None
        reason = ""
        refused: FeedError | None = None
        try:
            for frame in codec.opening_frames():
                await _send(ws, frame)
            start_count = self.data_count
            receive = ws.receive
            parse = codec.parse
            emit = self._emit
            fmt = self._clock.format
            now = time.time
            pressure = self._pressure
            WSMsgType = aiohttp.WSMsgType
            text, binary = WSMsgType.TEXT, WSMsgType.BINARY
            emit_lines = self._emit_lines
            line_of = codec.line if emit_lines is not None else None
            while True:
                msg = await receive()
                kind = msg.type
                t = now()
                self._last_seen = t
                if kind is not text and kind is not binary:
                    if kind is WSMsgType.PING:
                        await ws.pong(msg.data)
                        continue
                    if kind is WSMsgType.PONG:
                        continue
                    code, reason = _close_info(ws, msg)
                    break
                frame = msg.data
                recv = fmt(t)
                line = line_of(frame, recv) if line_of is not None else None
                if line is not None:
                    # the line path: the codec's own line, no events, and nothing else a line
                    # needs (Codec.line: no frames to send, no HTTP, never the last message);
                    # counted as it is handed on, as picows_link counts its lines
                    self.data_count += 1
                    emit_lines((line,))  # type: ignore[misc]  # set whenever line_of is
                    flowed = True
                    if pressure is not None:
                        waiter = pressure()
                        if waiter is not None:
                            await self._held(waiter)
                    continue
                try:
                    events = parse(frame, recv)
                except MalformedFrame as exc:
                    self._malformed(codec.provider, frame, str(exc))
                    continue
                except ConnectionDead as exc:  # the provider said: this connection is unusable
                    dead = str(exc)
                    break
                for ev in events:
                    if type(ev) is DataEvent:
                        try:
                            emit(ev)
                        except _EncodeError as exc:  # nested past what JSON output can hold
                            self._unwritable(codec.provider, frame, exc)
                            continue
                        self.data_count += 1
                        continue
                    if ev.event == "unknown":  # type: ignore[union-attr]
                        self._report.limited(
                            "unknown",
                            f"feedcli: {codec.provider}: a frame of a kind feedcli does not know "
                            "(written as an 'unknown' control line with --events)",
                        )
                    try:
                        emit(ev)
                    except _EncodeError as exc:
                        self._unwritable(codec.provider, frame, exc)
                out = codec.take_outgoing()
                if out:
                    for f in out:
                        await _send(ws, f)
                if codec.wants_http:
                    codec.wants_http = False
                    if topping_up is None or topping_up.done():
                        topping_up = asyncio.create_task(self._http_while_connected(codec))
                        guards.append(topping_up)
                if codec.finished:
                    break
                if pressure is not None:
                    waiter = pressure()
                    if waiter is not None:
                        await self._held(waiter)
                if not flowed and self.data_count != start_count:
                    flowed = True
        except (aiohttp.ClientError, ConnectionError) as exc:
            code, reason = None, f"connection failed while sending ({exc.__class__.__name__})"
        except FeedError as exc:  # the codec read a final refusal in a frame (a subscription error)
            refused = exc
        finally:
            self._ws = None
            ended = self._ended
            await _stop_guards(guards, ended, ws, codec)
        if refused is not None:
            return flowed, str(refused), None, refused
        if dead is not None:
            return flowed, dead, None, None
        if ended is not None:
            # the server kept the connection up: it is reachable, only silent
            return ended[2], ended[0], None, None
        return flowed, _describe_close(code, reason), code, codec.close_verdict(code, reason)

    async def _held(self, waiter: Awaitable[None]) -> None:
        """Wait while the consumer is behind (the socket is not read meanwhile); the time held
        back is not silence from the server."""
        self._held_back = True
        try:
            await waiter
        finally:
            self._held_back = False
            self._last_seen = time.time()

    async def _serve_picows(self, ws: Any, codec: Codec) -> tuple[bool, str, int | None, FeedError | None]:
        """`_serve` for a picows connection: the receiver does the per-frame work in picows's
        callback (picows_link.Receiver); this waits for the connection to end and says why."""
        receiver = ws.receiver
        self._ws = ws
        self._ended = None
        self._last_seen = time.time()
        start_count = self.data_count
        guards = [asyncio.create_task(self._keepalive(ws))] if self._opt.ping_interval else []
        if self._opt.stale_after:
            guards.append(asyncio.create_task(self._watchdog(ws, codec)))
        guards.append(asyncio.create_task(self._protocol_timer(ws, codec)))
        code: int | None = None
        reason = ""
        try:
            for frame in codec.opening_frames():
                await _send(ws, frame)
            await receiver.gone
        except (OSError, RuntimeError) as exc:  # picows raises these for a send on a lost socket
            code, reason = None, f"connection failed while sending ({exc.__class__.__name__})"
        finally:
            self._ws = None
            # REST calls beside the stream end here, before the run may close the client they
            # use; frames that come while the connection closes start no new ones
            receiver.close_down()
            try:
                tasks = receiver.tasks
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                ended = self._ended  # (read now: a guard may have begun closing meanwhile)
                await _stop_guards(guards, ended, ws, codec)
        flowed = self.data_count != start_count
        failure = receiver.failure
        if failure is not None:
            if not isinstance(failure, FeedError):
                raise failure
            return flowed, str(failure), None, failure
        if receiver.dead is not None:
            return flowed, receiver.dead, None, None
        if ended is not None:
            return ended[2], ended[0], None, None
        if receiver.closed_by_server is not None:
            code, reason = receiver.closed_by_server
        elif not reason:
            info = ws.transport.close_handshake
            if info is not None and info.recv is not None:
                code, reason = int(info.recv.code), info.recv.reason or ""
            elif info is not None and info.sent is not None:  # picows's own (a frame too big)
                reason = f"closed by feedcli ({int(info.sent.code)}: {info.sent.reason or 'protocol error'})"
        if codec.finished and code is None:
            code = 1000
        return flowed, _describe_close(code, reason), code, codec.close_verdict(code, reason)

    async def _end(self, ws: aiohttp.ClientWebSocketResponse, reason: str, *, healthy: bool) -> None:
        """Close a connection we judged dead or stale; the receive loop learns why from _ended."""
        task = asyncio.current_task()
        assert task is not None
        self._ended = (reason, task, healthy)
        with contextlib.suppress(Exception):
            await ws.close(code=4000, message=reason.encode()[:120])

    async def _watchdog(self, ws: aiohttp.ClientWebSocketResponse, codec: Codec) -> None:
        """Close a connection that delivers no data for `stale_after` seconds; pings don't count.

        Time spent waiting for a slow consumer is not the server's silence and is not counted,
        nor is a silence the provider announced (a trading halt).
        """
        limit = float(self._opt.stale_after or 0)
        step = max(0.05, min(1.0, limit / 4))
        seen = self.data_count
        since = time.monotonic()
        while True:
            await asyncio.sleep(step)
            if self.data_count != seen or self._held_back or codec.expect_silence:
                seen = self.data_count
                since = time.monotonic()
            elif time.monotonic() - since >= limit and self._ended is None:
                await self._end(ws, f"no data for {limit:g}s", healthy=True)
                return

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Ping every interval; a server that sends nothing at all, not even a pong, is gone.

        Any frame counts as a sign of life. While the receiver is held back by a slow
        consumer the socket is not being read, so silence then proves nothing.
        """
        interval = float(self._opt.ping_interval or 0)
        timeout = float(self._opt.ping_timeout or interval)
        while True:
            await asyncio.sleep(interval)
            if self._held_back:
                continue
            sent = time.time()
            try:
                await ws.ping()
            except Exception:
                return  # the connection is already going; the receive loop will say why
            await asyncio.sleep(timeout)
            if self._last_seen < sent and not self._held_back and self._ended is None:
                await self._end(ws, f"no pong within {timeout:g}s", healthy=False)
                return

    async def _protocol_timer(self, ws: aiohttp.ClientWebSocketResponse, codec: Codec) -> None:
        """The provider's own keepalive (STOMP heart-beats, JSON pings), paced by the codec.

        The interval is read again each round: a codec learns its rate from the server
        (STOMP's CONNECTED, KuCoin's welcome). A codec that finds the peer silent for
        longer than its protocol allows raises ConnectionDead and the connection is dropped.
        """
        while True:
            interval = codec.timer_interval
            await asyncio.sleep(interval if interval else 0.25)
            if not interval or self._held_back or self._ended is not None:
                continue
            try:
                frames = codec.on_timer(time.time(), self._last_seen)
            except ConnectionDead as exc:
                await self._end(ws, str(exc), healthy=False)
                return
            try:
                for frame in frames:
                    await _send(ws, frame)
            except Exception:
                return  # the connection is already going; the receive loop will say why

    async def _request(self, codec: Codec, request: HttpRequest) -> HttpResponse:
        """One HTTP call for a codec; rate limits, redirects and failures raise RequestFailed
        (never handed on), a certificate that does not verify raises ProviderError."""
        rest = self._rest
        assert rest is not None
        try:
            response = await rest.request(request)
        except CertificateRefused as exc:
            raise ProviderError(f"{codec.provider}: {exc.describe()}") from None
        finally:
            # `rest`, read once: a connection awaits its cancelled calls before the run closes
            # the client (the cause, fixed there); this keeps a cancellation from ever becoming
            # an AttributeError here should a call outlive the run all the same
            limiter = self._opt.rest_limiter
            if rest.held_back > 0 and limiter is not None and limiter.waited >= PACING_NOTE:
                # many pairs' backfills or snapshots: say why they come slowly, now and then
                self._report.limited(
                    "pacing",
                    f"feedcli: {codec.provider}: REST calls paced to the exchange's documented limits "
                    f"({limiter.waited:.1f}s of waiting so far)",
                )
        return response

    async def _http_calls(self, codec: Codec) -> None:
        """Make the calls a codec wants before its WebSocket opens (a token, a backfill)."""
        while requests := codec.pending_requests(time.time()):
            await self._make_calls(codec, requests)
        if codec.handshake is None and not codec.finished:
            raise ProviderError(f"{codec.provider}: no WebSocket address after the HTTP calls")

    async def _make_calls(self, codec: Codec, requests: list[HttpRequest]) -> None:
        """Make calls one by one, each waiting out its rate limits, and deliver the answers."""
        for request in requests:
            response = await self._request_patiently(codec, request)
            if not self._deliver(codec, request, response):
                await self._backoff(2, None)  # an unreadable answer: never ask again at once

    async def _make_calls_together(self, codec: Codec, requests: list[HttpRequest]) -> None:
        """The calls a connected codec asked for; book snapshots all at once, each answer
        delivered as it comes, other calls one after another in their order, as before.

        Beside a stream one after another would not do for snapshots: twenty pairs' books
        would each wait for the one before, and under a fast stream (picows reads a whole
        socket buffer in one turn of the loop) each call takes many turns, so the last book
        synced seconds after the first. Snapshots of different books do not depend on each
        other; candle backfills and top-ups keep their order. The rate limiter still paces
        them all (it charges each call as it is made). A failure of a candle or other call
        ends it there, before any snapshot, as one after another would; a snapshot that fails
        does not stop the others: every snapshot call is still made and its answer delivered,
        and only then is the first failure (in the order asked) raised.
        """
        snapshots = [r for r in requests if r.purpose == "snapshot"]
        if len(snapshots) < 2:
            await self._make_calls(codec, requests)
            return
        await self._make_calls(codec, [r for r in requests if r.purpose != "snapshot"])
        results = await asyncio.gather(*(self._make_calls(codec, [r]) for r in snapshots), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _request_patiently(self, codec: Codec, request: HttpRequest) -> HttpResponse:
        """A call that waits out rate limits and retries itself, so calls already answered
        (the backfill of other pairs) are not made again; other failures end the attempt."""
        waits = 0
        limit = self._opt.throttle_retries
        while True:
            try:
                return await self._request(codec, request)
            except Throttled as exc:
                self._give_up_if_spent(codec.provider, waits, exc.describe(), answered=True, limit=limit)
                waits += 1
                self._report.connection(f"feedcli: {codec.provider}: {exc.describe()}; waiting (attempt {waits})")
                await self._backoff(waits, exc.retry_after)

    async def _http_while_connected(self, codec: Codec) -> None:
        """Calls a connected codec asked for, made beside the stream so it never waits.

        A failure here does not end the connection: the stream goes on, and stderr says
        what could not be fetched.
        """
        try:
            while True:
                requests = codec.pending_requests(time.time())
                if not requests:
                    if not codec.wants_http:
                        return
                    codec.wants_http = False
                    continue
                await self._make_calls_together(codec, requests)
        except asyncio.CancelledError:
            raise
        except (FeedError, OSError, asyncio.TimeoutError, RequestFailed) as exc:
            reason = _describe_open_error(exc) if not isinstance(exc, FeedError) else str(exc)
            self._report.note(f"feedcli: {codec.provider}: a REST call beside the stream failed: {reason}")

    def _deliver(self, codec: Codec, request: HttpRequest, response: HttpResponse) -> bool:
        """Hand an answer to the codec and its events on; False if the answer was unreadable."""
        try:
            events = codec.on_http(request, response, self._clock.now())
        except MalformedFrame as exc:
            self._malformed(codec.provider, response.body, f"{request.purpose} answer: {exc}")
            return False
        for ev in events:
            try:
                self._emit(ev)
            except _EncodeError as exc:
                self._unwritable(codec.provider, response.body, exc)
                continue
            if type(ev) is DataEvent:
                self.data_count += 1
        return True

    async def _poll(self, codec: Codec) -> None:
        """Serve a codec that has no WebSocket: ask it for HTTP calls, on its schedule, forever.

        Failures (network, 5xx, rate limits) back off and count against --max-retries like
        a dropped connection; control lines say the same as for a WebSocket.
        """
        retries = 0
        connected = False
        while True:
            try:
                requests = codec.pending_requests(time.time())
                for request in requests:
                    response = await self._request(codec, request)
                    if not connected or retries:
                        event = "reconnected" if connected else "connected"
                        fields = {"attempt": retries} if connected else {}
                        self._control(codec.provider, event, url=request.url, mode="poll", **fields)
                        connected = True
                    retries = 0
                    if not self._deliver(codec, request, response):
                        await self._backoff(2, None)
                    if self._pressure is not None:
                        waiter = self._pressure()
                        if waiter is not None:
                            await waiter
            except (OSError, asyncio.TimeoutError, RequestFailed) as exc:
                reason = _describe_open_error(exc)
                self._give_up_if_spent(codec.provider, retries, reason, answered=_answered(exc))
                retries += 1
                if connected and retries == 1:
                    self._control(codec.provider, "disconnected", url=_url_of(exc), reason=reason, attempt=retries)
                self._report.connection(f"feedcli: {codec.provider}: {reason}; retrying (attempt {retries})")
                await self._backoff(retries, exc.retry_after if isinstance(exc, RequestFailed) else None)
                continue
            if codec.finished:
                return
            if not requests:
                await asyncio.sleep(max(0.0, codec.poll_delay(time.time())))

    def _unwritable(self, provider: str, frame: bytes | str, exc: Exception) -> None:
        """A message that parsed but cannot be written out as JSON (nested deeper than orjson
        writes, 255 levels, while it reads 1024) is a malformed frame like any other: counted,
        reported, skipped, and the stream goes on.

        The engine learns it from the consumer that encodes the event: orjson raises before
        any of the event is taken, so this costs the hot path nothing, where checking each
        message's depth up front would cost a scan of every frame (about 1 µs for 600 bytes,
        a fifth of feedcli's whole budget per message).
        """
        self._malformed(provider, frame, f"cannot be written as JSON: {exc}")

    def _malformed(self, provider: str, frame: bytes | str, why: str) -> None:
        self.malformed_count += 1
        if self._on_malformed is not None:
            self._on_malformed(1)
        excerpt = frame[:60] if isinstance(frame, str) else frame[:60].decode("utf-8", "replace")
        self._report.limited(
            "malformed",
            f"feedcli: {provider}: skipped a malformed frame ({why}): {excerpt!r} [{self.malformed_count} so far]",
        )


async def _send(ws: aiohttp.ClientWebSocketResponse, frame: bytes | str) -> None:
    if isinstance(frame, str):
        await ws.send_str(frame)
    else:
        await ws.send_bytes(frame)


async def _stop_guards(
    guards: list[asyncio.Task[Any]], ended: tuple[str, asyncio.Task[None], bool] | None, ws: Any, codec: Codec
) -> None:
    """Stop a connection's guards (keepalive, watchdog, timers) once it is over, on either WebSocket.

    The guard that judged it dead or stale (`ended`, from `_end`) is completing the close it
    began: let it, or the socket leaks. If none did, nobody has closed it yet: close it here.
    """
    closing = ended[1] if ended is not None else None
    others = [guard for guard in guards if guard is not closing]
    for guard in others:
        guard.cancel()
    try:
        if closing is not None and closing in guards:
            await asyncio.wait((closing,))  # (a cancellation of this task still ends it)
            if not closing.cancelled():
                closing.exception()  # what it raised is the close it made; nothing more to say
    finally:
        # awaited, not only cancelled, even when this task is cancelled meanwhile: a REST call
        # beside the stream (aiohttp's guards hold it) must be over before the run closes the
        # client it uses
        await asyncio.gather(*others, return_exceptions=True)
    if ended is None:
        await _close_quietly(ws, codec)


async def _close_quietly(ws: aiohttp.ClientWebSocketResponse, codec: Codec | None) -> None:
    """Say goodbye the way the provider wants (unsubscribe), then close with 1000."""
    with contextlib.suppress(Exception):
        if codec is not None and not ws.closed:
            for frame in codec.closing_frames():
                await _send(ws, frame)
        await ws.close()


def _close_info(ws: aiohttp.ClientWebSocketResponse, msg: aiohttp.WSMessage) -> tuple[int | None, str]:
    """The close code and reason, from a CLOSE message or from what the client saw happen."""
    WSMsgType = aiohttp.WSMsgType
    if msg.type is WSMsgType.CLOSE:
        return int(msg.data), msg.extra or ""
    if msg.type is WSMsgType.ERROR:
        exc = msg.data
        if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
            return None, "no pong in time (ping timeout)"
        return None, f"{exc.__class__.__name__}: {exc}" if exc else "connection error"
    code = ws.close_code
    return (None if code in (None, 1006) else code), ""


def _describe_close(code: int | None, reason: str) -> str:
    if code is None:
        return reason or "connection lost without a close frame"
    return f"server closed the connection ({code}{': ' + reason if reason else ''})"


def _describe_open_error(exc: Exception) -> str:
    if isinstance(exc, RequestFailed | _Redirected):
        return exc.describe()
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"the server answered HTTP {exc.status} to the handshake"
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, ConnectionRefusedError):
            return "connection refused"
        return f"cannot connect ({os_error.strerror or os_error})"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timed out connecting"
    if isinstance(exc, ConnectionRefusedError):  # picows's (aiohttp wraps it, above)
        return "connection refused"
    if isinstance(exc, OSError):
        return f"cannot connect ({exc.strerror or exc})"
    return f"cannot connect ({exc.__class__.__name__}: {exc})"


def _answered(exc: Exception) -> bool:
    """Whether a failed attempt got an answer from the server (a refusal of sorts), not silence."""
    if isinstance(exc, RequestFailed):
        return exc.answered
    return isinstance(exc, _Redirected | aiohttp.WSServerHandshakeError)


def _retry_after(exc: Exception, now: float) -> float | None:
    if isinstance(exc, RequestFailed):
        return exc.retry_after
    if isinstance(exc, aiohttp.WSServerHandshakeError) and exc.headers:
        return retry_after_seconds(exc.headers.get("Retry-After"), now)
    return None


def _url_of(exc: Exception) -> str:
    if isinstance(exc, RequestFailed):
        return exc.request.url
    url = getattr(getattr(exc, "request_info", None), "url", None)
    return str(url) if url is not None else ""


_C = TypeVar("_C", bound=Codec)


def run_once(
    new_codec: Callable[[], _C],
    emit: Callable[[Event], None],
    *,
    base_url: str,
    timeout: float,
    what: str,
    note: Callable[[str], None] | None = None,
    throttle_retries: int = 0,
    max_retry_after: float = MAX_RETRY_AFTER,
    rest_limits: RestLimits | None = None,
) -> _C:
    """One connection for a one-shot exchange (a login, a login check, a search); the codec it used.

    No reconnects, no watchdog, no pings, at most `timeout` seconds: a server that cannot be
    reached or does not answer is a FeedError (exit 1) naming `what`; a refusal keeps its
    own exit code. Rate limits and 5xx answers to its HTTP calls are waited out up to
    `throttle_retries` times (each wait noted through `note`), as a stream waits them out.
    Whether the exchange completed is the caller's to judge from the codec. Its REST calls are
    paced to `rest_limits` (the exchange's documented weights), as a stream's are.
    """
    made: list[_C] = []

    def fresh() -> _C:
        made.append(new_codec())
        return made[-1]

    def where() -> str:
        handshake = made[-1].handshake if made else None
        return handshake.describe() if handshake is not None else base_url

    options = SessionOptions(
        stale_after=None,
        max_retries=0,
        ping_interval=None,
        ping_timeout=None,
        trust_env=not is_loopback(base_url),
        throttle_retries=throttle_retries,
        max_retry_after=max_retry_after,
        rest_limiter=limiter_for(rest_limits),
    )
    reporter = Reporter(note) if note is not None else None

    async def main() -> None:
        await within(Session(fresh, emit, options=options, reporter=reporter).run(), timeout)

    try:
        asyncio.run(main())
    except RetriesExhausted as exc:
        if exc.answered:
            tried = f" (still after {exc.retries} retr{'y' if exc.retries == 1 else 'ies'})" if exc.retries else ""
            raise FeedError(f"{what}: {where()}: {exc.reason}{tried}") from None
        raise FeedError(f"{what}: no answer from {where()}: {exc.reason}") from None
    except ConnectionDead as exc:
        raise FeedError(f"{what}: no answer from {where()}: {exc}") from None
    except asyncio.TimeoutError:
        raise FeedError(f"{what}: {where()} did not answer within {timeout:g}s") from None
    if not made:
        raise FeedError(f"{what}: nothing was opened")
    return made[-1]
