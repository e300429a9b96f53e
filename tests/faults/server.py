"""One hostile loopback server for the fault suite: HT Data Engine's protocol, with faults on cue.

It speaks enough of HT (the token on the handshake, the TSE WebSocket path with its
query-parameter subscription, the message envelope) that `feedcli stream tse` and `feedcli
record tse` run against it as they run against the real service, the token given in
`FEEDCLI_TOKEN` (the login, a form POST, is not a WebSocket server's to answer: the HT
simulator's and tests/e2e/test_ht.py's faults cover it). Every data message it sends carries its
number in `data["n"]`, counted across connections, and `sent` lists the numbers that left
it, so a test compares what feedcli wrote with what the server delivered: no gap, no repeat.

A test gives one `Attempt` per connection attempt, in order: an HTTP answer instead of the
handshake (302, 429, 503), or a connection that sends numbered messages (with extra frames
among them: malformed, too deep, giant) and then ends as told: stays open, closes with a code
and reason, drops without a close frame (or in the middle of one), resets (SO_LINGER 0), goes
half-open, or floods.
Where a fault would race the client (a reset discards what the peer has not read), the
attempt `hold`s until the test, having seen the lines, calls `release()`: counts and events,
never timing.

Built on `websockets` (asyncio) in its own thread; shares no code with feedcli.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import struct
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

TOKEN = "fault-suite-token"
ISIN = "IRO1FOLD0001"
WS_PATH = "/data-engine/tse-ifb/live/data/websocket/symbol/isin"

End = Literal["open", "close", "drop", "cut", "rst", "half-open", "flood"]


@dataclass
class Attempt:
    """What the server does with one connection attempt."""

    #: answer the handshake with this HTTP status instead of accepting it (302, 429, 503, ...)
    status: int | None = None
    #: headers of that answer (`Location`, `Retry-After`)
    headers: dict[str, str] = field(default_factory=dict)
    #: numbered data messages to send once connected
    send: int = 0
    #: send what is left of the server's `total` instead of `send` (for attempts a loaded
    #: machine may add: a watchdog that fires once more must not starve the test of lines)
    rest: bool = False
    #: extra frames sent just before the numbered message of that index (0-based, per attempt)
    extras: dict[int, list[bytes | str]] = field(default_factory=dict)
    #: wait for `release()` after sending, before ending (so the client has read everything)
    hold: bool = False
    #: how the connection ends once sent (and released): see the module docstring
    end: End = "open"
    close_code: int = 1000
    close_reason: str = ""
    #: for `end="flood"`: messages sent as fast as TCP takes them, each padded to about 1 KiB
    flood: int = 0


def message(n: int, *, pad: int = 0) -> str:
    """Data message number `n`, as HT sends it (a best-limit envelope)."""
    data: dict[str, Any] = {"n": n}
    if pad:  # hex of seeded random bytes: compresses to about half, so a flood fills a disk
        data["pad"] = random.Random(n).randbytes(pad // 2).hex()
    return json.dumps(
        {
            "channel": "best-limit",
            "symbolIsin": ISIN,
            "timestamp": f"2025-11-14T12:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:06d}",
            "data": data,
        }
    )


def deep_message(depth: int) -> str:
    """A valid HT message whose `data` nests `depth` levels (orjson reads 1024, writes 255)."""
    return json.dumps({"channel": "best-limit", "symbolIsin": ISIN, "timestamp": None, "data": {}})[:-3] + (
        '{"x":' + "[" * depth + "]" * depth + "}}"
    )


def giant_message(size: int) -> str:
    """A valid HT message of about `size` bytes (beyond what a client should hold)."""
    return json.dumps({"channel": "best-limit", "symbolIsin": ISIN, "timestamp": None, "data": {"blob": "y" * size}})


class FaultServer:
    """`with FaultServer([Attempt(...), ...]) as server: server.url` — attempts past the list
    get `default` (by default: accepted, then what is left of `total` sent, left open)."""

    def __init__(self, attempts: list[Attempt], *, default: Attempt | None = None, total: int | None = None) -> None:
        self.attempts = list(attempts)
        self.default = default or Attempt(rest=total is not None)
        #: how many numbered messages a `rest` attempt sends up to
        self.total = total
        self.url = ""
        #: the numbers of the data messages sent, in order, over every connection
        self.sent: list[int] = []
        #: every handshake's request target, in order
        self.requests: list[str] = []
        #: how many WebSocket connections were accepted
        self.connections = 0
        #: set once a flood found TCP pushing back (the client stopped reading)
        self.pushed_back = threading.Event()
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._released: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    # ------------------------------------------------------------------ the test's side
    def release(self) -> None:
        """Let a held attempt go on to its end (the test has seen what was sent)."""
        assert self._loop is not None and self._released is not None
        self._loop.call_soon_threadsafe(self._released.set)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("FaultServer did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(10)

    def _shutdown(self) -> None:
        assert self._stop is not None and self._stopping is not None
        self._stopping.set()
        if not self._stop.done():
            self._stop.set_result(None)

    # ------------------------------------------------------------------ the server's side
    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        self._stopping = asyncio.Event()
        self._released = asyncio.Event()
        async with serve(
            self._handler,
            "127.0.0.1",
            0,
            process_request=self._handshake,
            close_timeout=1,
            max_size=2**20,
            ping_interval=None,  # no pings of its own: a half-open server must send nothing at all
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            self._ready.set()
            await self._stop

    def _handshake(self, connection: ServerConnection, request: Any) -> Response | None:
        path = urlsplit(request.path).path
        self.requests.append(request.path)
        if path != WS_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such endpoint\n")
        attempt = self.attempts[self._next] if self._next < len(self.attempts) else self.default
        self._next += 1
        connection.attempt = attempt  # type: ignore[attr-defined]
        if attempt.status is not None:
            return _respond(attempt.status, f"{HTTPStatus(attempt.status).phrase}\n", attempt.headers)
        if request.headers.get("Authorization") != TOKEN:
            return connection.respond(HTTPStatus.FORBIDDEN, "bad token\n")
        query = parse_qs(urlsplit(request.path).query)
        if query.get("symbol_isins") != [ISIN] or "best-limit" not in query.get("channels", []):
            return connection.respond(HTTPStatus.BAD_REQUEST, f"subscribe to best-limit of {ISIN}\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        attempt: Attempt = ws.attempt  # type: ignore[attr-defined]
        self.connections += 1
        with contextlib.suppress(ConnectionClosed):  # the client left, or refused a frame: its side is tested
            await self._script(ws, attempt)

    async def _script(self, ws: ServerConnection, attempt: Attempt) -> None:
        count = max(0, (self.total or 0) - len(self.sent)) if attempt.rest else attempt.send
        for i in range(count):
            for extra in attempt.extras.get(i, []):
                await ws.send(extra)
            await self._send_numbered(ws)
        for extra in attempt.extras.get(count, []):  # frames after the last message
            await ws.send(extra)
        if attempt.hold:
            assert self._released is not None
            await self._released.wait()
            self._released.clear()
        await self._end(ws, attempt)

    async def _send_numbered(self, ws: ServerConnection, *, pad: int = 0) -> None:
        """Counted as it is handed to the socket, not after: a send waits for the buffer to
        drain, and meanwhile the client can have the message and a test can have read it from
        the client's output (a SIGKILL test found one more line on disk than `sent` held)."""
        n = len(self.sent) + 1
        self.sent.append(n)
        try:
            await ws.send(message(n, pad=pad))
        except BaseException:  # refused before anything was written (the connection is gone)
            self.sent.pop()
            raise

    async def _end(self, ws: ServerConnection, attempt: Attempt) -> None:
        transport = ws.transport
        if attempt.end == "close":
            await ws.close(attempt.close_code, attempt.close_reason)
        elif attempt.end == "drop":  # FIN after what was written, no close frame
            transport.close()
        elif attempt.end == "cut":  # half a frame (its header promises more), then FIN
            payload = message(len(self.sent) + 1).encode()
            # the length in its shortest form (RFC 6455 5.2: a 16-bit length under 126 is a
            # protocol error of its own, which a strict client reports instead of the cut)
            n = len(payload)
            header = bytes([0x81, n]) if n < 126 else bytes([0x81, 126]) + n.to_bytes(2, "big")
            transport.write(header + payload[: len(payload) // 2])
            transport.close()
        elif attempt.end == "rst":  # SO_LINGER 0: the kernel answers with a reset
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        elif attempt.end == "half-open":  # the peer vanished: nothing read, nothing sent, no pong
            transport.pause_reading()
            await self._until_stopped(ws)
            transport.abort()
        elif attempt.end == "flood":
            for _ in range(attempt.flood):
                await self._send_numbered(ws, pad=1000)
                if transport.get_write_buffer_size() > 0:  # the kernel took no more: TCP pushes back
                    self.pushed_back.set()
            await self._until_stopped(ws)
        else:  # open: pings are answered, no data comes (a stall, once the client expects more)
            await self._until_stopped(ws)

    async def _until_stopped(self, ws: ServerConnection) -> None:
        """Wait until the client leaves or the server stops."""
        assert self._stopping is not None
        stopping = asyncio.ensure_future(self._stopping.wait())
        closed = asyncio.ensure_future(ws.wait_closed())
        await asyncio.wait([stopping, closed], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        closed.cancel()


def _respond(status: int, body: str, headers: dict[str, str]) -> Response:
    """A plain HTTP answer with the headers given (`connection.respond` only sets text/plain)."""
    raw = body.encode()
    fields = Headers(headers)
    fields.setdefault("Content-Type", "text/plain; charset=utf-8")
    fields["Content-Length"] = str(len(raw))
    fields["Connection"] = "close"
    return Response(status, HTTPStatus(status).phrase, fields, raw)
