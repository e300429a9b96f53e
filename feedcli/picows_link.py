"""picows as the engine's WebSocket transport: frames handled in its callback, a batch per read.

With aiohttp every message costs a wake-up of the receive loop (`await ws.receive()`) and the
bookkeeping around it. picows (a Cython WebSocket client, the `fast` extra) calls
`on_ws_frame` for every frame of a socket read, inside that read: here each frame is parsed and
its events handed to the consumers at once, and what is per read rather than per message (the
receive stamp) is done once per read (`frame.last_in_buffer`). The
consumers batch their writes as they always do (one write per turn of the loop).

Everything else stays the engine's (session.py): the handshake's headers, the watchdog, the
keepalive, the provider's timer, close codes and their meaning, reconnects. `PicowsSocket`
gives the engine's guards what they use of a connection (ping, send, close). Backpressure: while
a consumer is behind, the socket stops being read (`pause_reading`), so the kernel's buffers
fill and TCP's window pushes back on the server, as with aiohttp.

Used when picows is installed and no HTTP proxy applies to the address (aiohttp honours the
proxy variables; this transport does not), unless FEEDCLI_TRANSPORT=aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from picows import WSError, WSFrame, WSHandshakeError, WSListener, WSMsgType, WSTransport, ws_connect

from feedcli.errors import MalformedFrame
from feedcli.events import DataEvent
from feedcli.providers.base import Codec, ConnectionDead, Handshake, lines_by_line
from feedcli.timeouts import within

if TYPE_CHECKING:
    from feedcli.session import Session

# picows logs what it refuses ("WS parser error: ...") through `logging`, which with no handler
# set prints it on stderr: feedcli says it once, in its own words (session.py), so the
# library's copy goes nowhere (stderr carries only feedcli's lines: CONTRACT.md)
_picows_log = logging.getLogger("picows")
_picows_log.addHandler(logging.NullHandler())
_picows_log.propagate = False

_TEXT, _BINARY, _CONT = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION
_PING, _PONG, _CLOSE = WSMsgType.PING, WSMsgType.PONG, WSMsgType.CLOSE

#: the socket's receive buffer (the kernel doubles it): picows reads whatever the kernel holds
#: into a buffer it doubles whenever a read fills it, and hands every frame of a read on before
#: a pause can take effect, so without a cap one read after a pause could be megabytes, all of
#: it into the consumers' buffers at once (RSS +24 MB in bench/'s memory row). 2 MiB in flight
#: still carries 20 MB/s at a 100 ms round trip.
RECEIVE_BUFFER = 1 << 20

#: the line path's lines held at most before they are handed on, within one socket read: the
#: consumer's pressure is looked at after each hand-off, so this bounds what goes past it
LINE_BATCH = 256

#: the errors of opening a connection that mean "try again later" (the engine's backoff)
OPEN_ERRORS: tuple[type[BaseException], ...] = (WSError, OSError, asyncio.TimeoutError)


def wanted(url: str, trust_env: bool) -> bool:
    """Whether this connection should go over picows: not when asked otherwise, not via a proxy."""
    if os.environ.get("FEEDCLI_TRANSPORT", "").strip().lower() == "aiohttp":
        return False
    if not trust_env:
        return True
    parsed = urllib.parse.urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    proxies = urllib.request.getproxies()
    if not (proxies.get(scheme) or proxies.get("all")):
        return True
    return bool(urllib.request.proxy_bypass(parsed.hostname or ""))


class PicowsSocket:
    """The connection as the engine's guards see it: ping, send, close (as aiohttp's ws offers)."""

    def __init__(self, transport: WSTransport, receiver: Receiver, close_timeout: float) -> None:
        self.transport = transport
        self.receiver = receiver
        self._close_timeout = close_timeout
        self._close_sent = False

    @property
    def closed(self) -> bool:
        return self._close_sent or self.transport.is_disconnected or self.transport.is_close_frame_sent

    async def ping(self) -> None:
        self.transport.send_ping()

    async def pong(self, data: bytes) -> None:
        self.transport.send_pong(data)

    async def send_str(self, text: str) -> None:
        self.transport.send(_TEXT, text.encode())

    async def send_bytes(self, data: bytes) -> None:
        self.transport.send(_BINARY, data)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> None:
        """Send a close frame and wait (close_timeout at most) for the server's, then hang up."""
        transport = self.transport
        if not self._close_sent and not transport.is_disconnected and not transport.is_close_frame_sent:
            self._close_sent = True
            transport.send_close(code, message)  # type: ignore[arg-type]  # a cpdef enum takes any int
        try:
            await within(transport.wait_disconnected(), self._close_timeout)
        except asyncio.TimeoutError:
            transport.disconnect(graceful=False)


class Receiver(WSListener):
    """Runs the engine's per-message work inside picows's frame callback."""

    def __init__(
        self, session: Session, codec: Codec, max_size: int, on_connected: Callable[[], None] | None = None
    ) -> None:
        self.session = session
        self._on_connected = on_connected
        self.codec = codec
        self.max_size = max_size
        self.transport: WSTransport | None = None
        #: set when the connection is gone
        self.gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        #: what ended the connection from inside the callback (StopStream, a refusal, ...)
        self.failure: BaseException | None = None
        #: the provider said this connection is unusable (ConnectionDead)
        self.dead: str | None = None
        #: the server's close frame: (code, reason)
        self.closed_by_server: tuple[int, str] | None = None
        #: the wait for a slow consumer, and the HTTP calls beside the stream: one of each at
        #: most (a done task is replaced, never piled up: a pipe pauses thousands of times)
        self._waiting: asyncio.Future[None] | None = None
        self._topping_up: asyncio.Future[None] | None = None
        self._recv: str | None = None
        self._parts: list[bytes] = []
        self._size = 0
        self._stopped = False
        self._paused = False
        #: the engine is closing the connection (close_down)
        self.closing = False
        self._emit = session._emit
        self._parse = codec.parse
        #: the line path (Codec.line): messages' finished lines, handed on a read at a time
        self._emit_lines = session._emit_lines
        self._line = codec.line if session._emit_lines is not None else None
        self._lines: list[bytes] = []
        #: the line path a read at a time: the read's whole text messages gathered (while
        #: `_gather`: a line path, not stopped), their lines made by one call (Codec.lines)
        self._batch: list[bytes] = []
        self._gather = self._line is not None
        self._make_lines = codec.lines or lines_by_line(self._line or (lambda _frame, _recv: None))
        self._fmt = session._clock.format
        self._pressure = session._pressure

    # ------------------------------------------------------------------ picows's callbacks
    def on_ws_connected(self, transport: WSTransport) -> None:
        """The handshake is done: picows calls this before the frames of the same read, so the
        engine's `connected` line comes before the connection's first data line."""
        self.transport = transport
        if self._stopped:  # abandoned while the upgrade was on its way
            transport.disconnect(graceful=False)
            return
        if self._on_connected is not None:
            try:
                self._on_connected()
            except BaseException as exc:
                self.failure = exc
                self.stop()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self._batch or self._lines:  # a read cut short (picows refused what followed): what came is kept
            try:
                if self._batch:
                    self._run_batch(False)
                self._hand_on_lines()
            except BaseException as exc:
                self.failure = self.failure or exc
        if not self.gone.done():
            self.gone.set_result(None)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """Every frame of a read, in the read: a whole data message is handled inline.

        On the line path (`Codec.line`) a whole text message is only gathered, until the
        read's last frame (or LINE_BATCH of them); then the codec makes their lines in one
        call (`Codec.lines`) and they are handed on at once (`_run_batch`). Whatever else
        comes (a ping, a close, a fragment, a binary message) first has the messages before
        it handled, so the order of lines is the order of frames.
        """
        if self._gather and frame.msg_type is _TEXT and frame.fin:
            # the hot path: about what picows's count-only client does, and a copy
            if self._recv is None:  # the first frame of this read: one stamp for all of them
                self._stamp_read()
            batch = self._batch
            batch.append(frame.get_payload_as_bytes())
            if frame.last_in_buffer:
                self._run_batch(True)
            elif len(batch) >= LINE_BATCH:
                self._run_batch(False)
            return
        if self._batch:  # what came before this frame first
            self._run_batch(False)
        if self._stopped:  # the engine is closing: frames still in flight are dropped
            if frame.msg_type is _CLOSE:  # the server's answer to our close frame
                transport.disconnect()
            return
        try:
            recv = self._recv
            if recv is None:  # the first frame of this read: one stamp for all of them
                recv = self._stamp_read()
            last = frame.last_in_buffer
            if last:
                self._recv = None
            kind = frame.msg_type
            if (kind is _TEXT or kind is _BINARY) and frame.fin:
                payload = frame.get_payload_as_bytes()
                line_of = self._line
                if line_of is not None:
                    line = line_of(payload, recv)
                    if line is not None:  # the line path: no events, no per-message bookkeeping
                        lines = self._lines
                        lines.append(line)
                        if not last and len(lines) < LINE_BATCH:
                            return
                        self._hand_on_lines()
                    else:
                        self._hand_on_lines()
                        self._message(payload, recv)
                else:
                    self._message(payload, recv)
            else:
                if self._lines:
                    self._hand_on_lines()
                self._other(transport, frame, kind, recv)
            self._heed_pressure()
        except BaseException as exc:
            self.failure = exc
            self._salvage()
            self.stop()

    def _heed_pressure(self) -> None:
        """Stop reading the socket while a consumer is behind (once a batch or a message)."""
        if self._pressure is not None and not self._paused and not self._stopped:
            waiter = self._pressure()
            if waiter is not None:
                self._pause(waiter)

    def _stamp_read(self) -> str:
        """The receive stamp of the read whose first frame this is (and the watchdog's news)."""
        t = time.time()
        self.session._last_seen = t
        recv = self._recv = self._fmt(t)
        return recv

    def _run_batch(self, last: bool) -> None:
        """The gathered messages: their lines made by the codec and handed on, a message
        without one read by `parse` in its place (then the lines after it); the consumer's
        pressure looked at once for all. `last`: the read's last frame is among them."""
        payloads = self._batch
        self._batch = []
        recv = self._recv
        assert recv is not None
        if last:
            self._recv = None
        try:
            make, total = self._make_lines, len(payloads)
            done = make(payloads, recv, self._lines)
            self._hand_on_lines()  # (a new `_lines` after each hand-off: the consumer has the old)
            while done < total:
                self._message(payloads[done], recv)
                done += 1
                if self._stopped:
                    return
                done += make(payloads[done:], recv, self._lines)
                self._hand_on_lines()
            self._heed_pressure()
        except BaseException as exc:
            self.failure = exc
            self._salvage()
            self.stop()

    def _hand_on_lines(self) -> None:
        """The lines held so far, to the consumer (counted as they go)."""
        lines = self._lines
        if lines:
            self._lines = []
            self.session.data_count += len(lines)
            self._emit_lines(lines)  # type: ignore[misc]  # set whenever lines are made

    def _salvage(self) -> None:
        """Hand on the lines held when something failed part way through a read: they came."""
        if self._lines:
            with contextlib.suppress(BaseException):
                self._hand_on_lines()

    # ------------------------------------------------------------------ the work
    def _other(self, transport: WSTransport, frame: WSFrame, kind: WSMsgType, recv: str) -> None:
        """Fragments, pings and the close frame."""
        if kind is _TEXT or kind is _BINARY:  # the first fragment of a message
            self._parts = [frame.get_payload_as_bytes()]
            self._size = len(self._parts[0])
        elif kind is _CONT:
            if not self._parts:
                return  # a continuation of nothing: picows's own checks would have closed
            self._parts.append(frame.get_payload_as_bytes())
            self._size += frame.payload_size
            if self._size > self.max_size:
                self.dead = f"a message of more than {self.max_size} bytes"
                self.stop()
                return
            if frame.fin:
                payload = b"".join(self._parts)
                self._parts, self._size = [], 0
                self._message(payload, recv)
        elif kind is _PING:
            transport.send_pong(frame.get_payload_as_bytes())
        elif kind is _CLOSE:
            self.closed_by_server = (int(frame.get_close_code()), frame.get_close_reason() or "")
            self._stopped = True
            if not transport.is_close_frame_sent:
                transport.send_close(frame.get_close_code())
            transport.disconnect()

    def _message(self, payload: bytes, recv: str) -> None:
        try:
            events = self._parse(payload, recv)
        except MalformedFrame as exc:
            self.session._malformed(self.codec.provider, payload, str(exc))
            return
        except ConnectionDead as exc:
            self.dead = str(exc)
            self.stop()
            return
        session = self.session
        emit = self._emit
        for ev in events:
            if type(ev) is DataEvent:
                try:
                    emit(ev)
                except session.encode_error as exc:
                    session._unwritable(self.codec.provider, payload, exc)
                    continue
                session.data_count += 1
            else:
                self._control(ev, payload)
        codec = self.codec
        out = codec.take_outgoing()
        if out:
            self._send_all(out)
        if codec.wants_http and not self.closing:
            codec.wants_http = False
            if self._topping_up is None or self._topping_up.done():
                self._topping_up = asyncio.ensure_future(session._http_while_connected(codec))
        if codec.finished:
            self.stop()

    def _control(self, ev: Any, payload: bytes) -> None:
        session = self.session
        provider = self.codec.provider
        if ev.event == "unknown":
            session._report.limited(
                "unknown",
                f"feedcli: {provider}: a frame of a kind feedcli does not know "
                "(written as an 'unknown' control line with --events)",
            )
        try:
            self._emit(ev)
        except session.encode_error as exc:
            session._unwritable(provider, payload, exc)

    def _send_all(self, frames: list[Any]) -> None:
        transport = self.transport
        assert transport is not None
        for f in frames:
            transport.send(_TEXT, f.encode()) if isinstance(f, str) else transport.send(_BINARY, f)

    def _pause(self, waiter: Any) -> None:
        """A consumer is behind: stop reading the socket until it has caught up."""
        transport = self.transport
        assert transport is not None
        self._paused = True
        self.session._held_back = True
        transport.underlying_transport.pause_reading()
        self._waiting = asyncio.ensure_future(self._wait_for_consumer(waiter))

    async def _wait_for_consumer(self, waiter: Any) -> None:
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # what the consumer's wait raised ends the run, as on aiohttp
            if self.failure is None:
                self.failure = exc
            self.stop()
        finally:
            self._paused = False
            self.session._held_back = False
            self.session._last_seen = time.time()
            transport = self.transport
            if transport is not None and not transport.is_disconnected:
                with contextlib.suppress(Exception):
                    transport.underlying_transport.resume_reading()

    def close_down(self) -> None:
        """The engine is closing the connection: frames still in flight are handled (their
        lines came) but start nothing more, no REST call and no wait for the consumer, so the
        tasks the engine cancels at the end are all there are."""
        self.closing = True
        self._pressure = None

    @property
    def tasks(self) -> list[asyncio.Future[None]]:
        """What the callback started and is still running: the engine cancels them at the end."""
        return [t for t in (self._waiting, self._topping_up) if t is not None and not t.done()]

    def stop(self) -> None:
        """Stop handling frames; the engine closes the connection (say goodbye, close frame)."""
        self._stopped = True
        self._gather = False  # frames still in flight take the long way, which drops them
        if not self.gone.done():
            self.gone.set_result(None)

    async def abandon(self) -> None:
        """For a connection whose open failed or was stopped: handle no more frames, drop the
        connection, and end what its first frames started (awaited, so none outlives the
        run's HTTP client)."""
        self.stop()
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.disconnect(graceful=False)
        tasks = self.tasks
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


async def open_connection(
    session: Session,
    codec: Codec,
    handshake: Handshake,
    *,
    user_agent: str,
    open_timeout: float,
    max_size: int,
    on_connected: Callable[[], None] | None = None,
) -> PicowsSocket:
    """Connect and upgrade; a redirect is refused (never followed), as with aiohttp."""
    headers: list[tuple[str, str]] = [("User-Agent", user_agent), *handshake.headers]
    if handshake.subprotocols:
        headers.append(("Sec-WebSocket-Protocol", ", ".join(handshake.subprotocols)))
    holder: list[Receiver] = []
    abandoned: list[bool] = []

    def factory() -> Receiver:
        receiver = Receiver(session, codec, max_size, on_connected)
        if abandoned:  # the upgrade came after the run stopped: on_ws_connected drops it
            receiver.stop()
        holder.append(receiver)
        return receiver

    try:
        transport, _ = await within(
            ws_connect(
                factory,
                handshake.url,
                websocket_handshake_timeout=open_timeout,
                enable_auto_pong=False,
                max_frame_size=max_size,
                extra_headers=headers,
                max_redirects=0,
                disconnect_on_exception=True,
            ),
            open_timeout,
        )
    except BaseException:
        # stopped (or out of time) part way: picows may have finished the upgrade already (it
        # calls on_ws_connected and handles the frames that came with the handshake answer
        # turns before ws_connect returns; they may have started REST calls or a wait for a
        # consumer), and the engine will never serve this connection: nothing else would
        # close it or end what it started
        abandoned.append(True)
        for receiver in holder:
            await receiver.abandon()
        raise
    sock = transport.underlying_transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    return PicowsSocket(transport, holder[-1], session._opt.close_timeout)


def handshake_status(exc: BaseException) -> tuple[int, Callable[[str], str | None]] | None:
    """(HTTP status, header getter) of a refused upgrade, or None for any other failure."""
    if isinstance(exc, WSHandshakeError) and exc.response is not None:
        headers = exc.response.headers
        return int(exc.response.status), lambda name: headers.get(name)
    return None
