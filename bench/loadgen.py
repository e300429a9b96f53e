"""A WebSocket load generator that is faster than any Python client it measures.

A websockets-library server tops out around 60–110k messages/s on this kind of machine,
which is slower than the clients under test (see real-components.md), so this is a raw
asyncio TCP server instead: it answers the HTTP upgrade itself and then writes server
text frames that were encoded once, up front, in chunks of a few hundred KiB. Per message
it costs nothing in fast mode; in paced mode it patches the send time into each frame.

It serves one of two sites (`--site`): `ht` (the default), an HT `best-limit` stream on
any WebSocket path, and `binance`, Binance spot as bench/binance_site.py describes it (REST
`exchangeInfo` and `klines`, `/ws` with SUBSCRIBE, `/stream?streams=`). A site says what a
plain HTTP request gets, which pre-framed corpus a WebSocket path or a subscription streams,
and what to answer to a text frame from the client.

It runs in its own process (`python bench/loadgen.py ...`) so that it never shares a GIL
with the client being measured. Protocol with the parent, one JSON object per stdout line:

    {"event": "listening", "port": P}            once, when ready
    {"event": "conn", "accepted": t, ...}        once per WebSocket connection, when it ends
    {"event": "http", "accepted": t, ...}        once per connection that never upgraded (REST only)
    {"event": "progress", "t": t, "sent": n}     every --progress seconds (if given): messages
                                                 handed to sockets so far, all connections

All times are `time.time()` (epoch seconds), comparable across processes on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Protocol

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ISIN = "IRO1FOLD0001"
CHANNEL = "best-limit"
#: a fixed-width stand-in for the send time that paced mode writes into each frame
STAMP_PLACEHOLDER = b"2025-11-14T12:00:00.000000"
STAMP_WIDTH = len(STAMP_PLACEHOLDER)
#: bytes of whole frames per write in fast mode: few system calls, still frame-aligned so
#: that a pong or a close can be slipped in between two writes
CHUNK_BYTES = 256 * 1024
WRITE_HIGH_WATER = 1024 * 1024


# ---------------------------------------------------------------------- messages and frames
def build_messages(count: int = 1000, seed: int = 7) -> list[bytes]:
    """`count` distinct HT best-limit messages, 2–4 price levels each (about 330–600 bytes).

    Built with json.dumps (not orjson) so that the generator does not depend on what the
    client uses; compact separators, as the HT server sends them.
    """
    rng = random.Random(seed)
    mid = 10_000
    out = []
    for _ in range(count):
        mid = max(1_000, mid + rng.randint(-30, 30))
        levels = {}
        for level in range(1, rng.randint(2, 4) + 1):
            levels[str(level)] = {
                "buy_order_count": rng.randint(1, 60),
                "buy_quantity": rng.randint(1, 500) * 100,
                "buy_price": mid - 10 * level,
                "sell_order_count": rng.randint(1, 60),
                "sell_quantity": rng.randint(1, 500) * 100,
                "sell_price": mid + 10 * level,
            }
        message = {
            "channel": CHANNEL,
            "symbolIsin": ISIN,
            "timestamp": STAMP_PLACEHOLDER.decode(),
            "data": levels,
        }
        out.append(json.dumps(message, separators=(",", ":")).encode())
    return out


def server_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked, final server frame (servers never mask, RFC 6455 §5.1)."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")
    return header + payload


def format_stamp(t: float) -> bytes:
    """The send time as HT writes `timestamp` (ISO 8601 without zone; here it is UTC)."""
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f").encode()


@dataclass
class Corpus:
    """The pre-encoded frames, and the same frames grouped into frame-aligned chunks."""

    frames: list[bytes]
    #: (start index, end index, bytes) of each chunk, covering `frames` in order
    chunks: list[tuple[int, int, bytes]]
    #: where the timestamp placeholder starts inside each frame (paced mode patches it)
    stamp_at: list[int]
    #: per frame, ids to move on at each new pass of a cycled corpus: (start, end, what one pass
    #: adds) of their digits; empty: the corpus is sent again as it is
    renumber: list[list[tuple[int, int, int]]] = field(default_factory=list)

    @classmethod
    def build(cls, count: int = 1000, seed: int = 7) -> Corpus:
        """The HT best-limit corpus (paced mode patches the send time into each frame)."""
        return cls.from_messages(build_messages(count, seed), stamped=True)

    @classmethod
    def from_messages(
        cls,
        messages: Sequence[bytes],
        *,
        stamped: bool = False,
        renumber: Sequence[list[tuple[int, int, int]]] | None = None,
    ) -> Corpus:
        """Frames of `messages`; `stamped`: each holds STAMP_PLACEHOLDER (paced mode needs it);
        `renumber`: per message, (start, end, step) of ids that go on by `step` at each pass."""
        frames = [server_frame(m) for m in messages]
        chunks: list[tuple[int, int, bytes]] = []
        start = 0
        size = 0
        for i, frame in enumerate(frames):
            size += len(frame)
            if size >= CHUNK_BYTES or i == len(frames) - 1:
                chunks.append((start, i + 1, b"".join(frames[start : i + 1])))
                start, size = i + 1, 0
        stamp_at = [f.index(STAMP_PLACEHOLDER) for f in frames] if stamped else []
        moves: list[list[tuple[int, int, int]]] = []
        if renumber is not None:
            for frame, message, spots in zip(frames, messages, renumber, strict=True):
                head = len(frame) - len(message)
                moves.append([(head + a, head + b, step) for a, b, step in spots])
        return cls(frames, chunks, stamp_at, moves)

    def pass_bytes(self, start: int, end: int, cycle: int) -> bytes:
        """Frames `start`..`end` as the pass number `cycle` (0: the first) sends them."""
        if not self.renumber or not cycle:
            return b"".join(self.frames[start:end])
        out = bytearray()
        for frame, spots in zip(self.frames[start:end], self.renumber[start:end], strict=True):
            if not spots:
                out += frame
                continue
            moved = bytearray(frame)
            for a, b, step in spots:
                digits = str(int(moved[a:b]) + cycle * step).encode()
                if len(digits) != b - a:  # a frame's length is in its header: never change it
                    raise RuntimeError("a renumbered id outgrew its digits: use a longer corpus")
                moved[a:b] = digits
            out += moved
        return bytes(out)

    def bytes_for(self, n: int) -> int:
        """Wire bytes of the first `n` messages the generator sends (for a raw reader)."""
        cycle = sum(len(f) for f in self.frames)
        full, rest = divmod(n, len(self.frames))
        return full * cycle + sum(len(f) for f in self.frames[:rest])


# ---------------------------------------------------------------------- sites
@dataclass
class HttpRequestHead:
    """The request line and headers of one HTTP request (the generator reads no bodies)."""

    method: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def is_upgrade(self) -> bool:
        return "sec-websocket-key" in self.headers and "websocket" in self.headers.get("upgrade", "").lower()


class Site(Protocol):
    """What one simulated service serves; the Generator does the sockets and the framing."""

    def rest(self, request: HttpRequestHead) -> tuple[int, bytes] | None:
        """(status, JSON body) for a plain HTTP request; None: answer 400 and close."""

    def stream_for(self, request: HttpRequestHead) -> Corpus | None:
        """The corpus a WebSocket on this path streams at once; None: wait for a subscription."""

    def on_text(self, payload: bytes) -> tuple[bytes | None, Corpus | None]:
        """A text frame from the client: (a text reply or None, the corpus to start streaming or None)."""

    def streaming(self, corpus: Corpus, stats: ConnStats) -> None:
        """A connection starts streaming `corpus`; `stats.sent` says how far it got, from then on
        (a site whose REST answers follow the stream, Binance's depth snapshot, reads it)."""


class HTSite:
    """HT: every WebSocket path streams the best-limit corpus; no REST."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def rest(self, request: HttpRequestHead) -> tuple[int, bytes] | None:
        return None

    def stream_for(self, request: HttpRequestHead) -> Corpus | None:
        return self.corpus

    def on_text(self, payload: bytes) -> tuple[bytes | None, Corpus | None]:
        return None, None

    def streaming(self, corpus: Corpus, stats: ConnStats) -> None:
        pass


# ---------------------------------------------------------------------- one connection
@dataclass
class ConnStats:
    """What the parent needs to compute rates and check what happened."""

    event: str = "conn"
    path: str = ""
    authorized: bool = False
    accepted: float = 0.0
    handshake: float | None = None
    #: when the client's subscription arrived (sites that wait for one)
    subscribed: float | None = None
    first_write: float | None = None
    last_write: float | None = None
    all_written: float | None = None
    close_rcvd: float | None = None
    end: float | None = None
    sent: int = 0
    pings: int = 0
    #: plain HTTP requests answered on this connection before it upgraded (or instead)
    http_requests: int = 0
    reason: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class Generator:
    """Serves every connection the same way: the configuration given on the command line."""

    def __init__(self, site: Site, count: int, rate: float, after: str) -> None:
        self.site = site
        self.count = count  # 0: without end
        self.rate = rate  # 0: as fast as the socket takes them
        self.after = after  # "keep" the connection open, or "close" it, once `count` are sent
        self.total_sent = 0  # over all connections, for progress reports

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stats = ConnStats(accepted=time.time())
        sender: asyncio.Task[None] | None = None
        upgraded = False
        try:
            request = await self._serve_http(reader, writer, stats)
            if request is None:
                return
            upgraded = True
            corpus = self._handshake(request, writer, stats)
            writer.transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)

            def start(corpus: Corpus) -> None:
                nonlocal sender
                if sender is None:
                    self.site.streaming(corpus, stats)
                    sender = asyncio.create_task(self._send(writer, stats, corpus))

            if corpus is not None:
                start(corpus)
            await self._read_client(reader, writer, stats, start)
            stats.reason = stats.reason or "client closed"
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            stats.reason = f"connection lost ({exc.__class__.__name__})"
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(BaseException):
                    await sender
            with contextlib.suppress(Exception):
                writer.close()
            stats.end = time.time()
            if not upgraded:
                stats.event = "http"
            sys.stdout.write(json.dumps(asdict(stats)) + "\n")
            sys.stdout.flush()

    async def _serve_http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: ConnStats
    ) -> HttpRequestHead | None:
        """Answer plain requests (keep-alive) until one asks for a WebSocket; None if none did."""
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                stats.reason = "client closed (HTTP)"
                return None
            request = _parse_head(head)
            stats.path = request.target
            stats.authorized = stats.authorized or bool(request.headers.get("authorization"))
            if request.is_upgrade:
                return request
            answer = self.site.rest(request)
            if answer is None:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                stats.reason = "not a WebSocket upgrade"
                return None
            status, body = answer
            stats.http_requests += 1
            writer.write(
                f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                + body
            )
            await writer.drain()

    def _handshake(self, request: HttpRequestHead, writer: asyncio.StreamWriter, stats: ConnStats) -> Corpus | None:
        key = request.headers["sec-websocket-key"]
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        stats.handshake = time.time()
        return self.site.stream_for(request)

    async def _send(self, writer: asyncio.StreamWriter, stats: ConnStats, corpus: Corpus) -> None:
        if self.rate > 0:
            await self._send_paced(writer, stats, corpus)
        else:
            await self._send_fast(writer, stats, corpus)
        stats.all_written = time.time()
        if self.after == "close":
            writer.write(server_frame((1000).to_bytes(2, "big"), 0x8))
            await writer.drain()

    async def _send_fast(self, writer: asyncio.StreamWriter, stats: ConnStats, corpus: Corpus) -> None:
        """Whole pre-built chunks, cycled (ids the corpus says to renumber moved on at each
        pass); only the last one is cut to end at `count`."""
        remaining = self.count or -1
        stats.first_write = time.time()
        cycle = 0
        while remaining:
            for start, end, chunk in corpus.chunks:
                n = end - start
                if 0 < remaining < n:
                    chunk = corpus.pass_bytes(start, start + remaining, cycle)
                    n = remaining
                elif cycle and corpus.renumber:
                    chunk = corpus.pass_bytes(start, end, cycle)
                writer.write(chunk)
                stats.sent += n
                self.total_sent += n
                stats.last_write = time.time()
                if remaining > 0:
                    remaining -= n
                    if not remaining:
                        break
                await writer.drain()
                # drain() returns without yielding while the buffer is below its high-water
                # mark, so a client that keeps up (picows) would have this loop run forever
                # without a turn for anything else: another connection's REST call (the depth
                # snapshot the client waits for), its SUBSCRIBE, its ping, its close
                await asyncio.sleep(0)
            cycle += 1
        await writer.drain()

    async def _send_paced(self, writer: asyncio.StreamWriter, stats: ConnStats, corpus: Corpus) -> None:
        """`rate` messages a second, each stamped with the time it is handed to the socket.

        asyncio sleeps in whole milliseconds (epoll), so messages that fall due within one
        tick are written together, each with its own stamp and its own write call.
        """
        frames = corpus.frames
        stamp_at = corpus.stamp_at
        if not stamp_at:
            raise RuntimeError("paced mode needs a corpus with a send-time placeholder (the HT one)")
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        stats.first_write = time.time()
        i = 0
        while not self.count or i < self.count:
            due = int((loop.time() - t0) * self.rate) + 1
            if self.count:
                due = min(due, self.count)
            while i < due:
                k = i % len(frames)
                frame = bytearray(frames[k])
                now = time.time()
                frame[stamp_at[k] : stamp_at[k] + STAMP_WIDTH] = format_stamp(now)
                writer.write(frame)
                i += 1
                self.total_sent += 1
                stats.sent = i
                stats.last_write = now
            await writer.drain()
            await asyncio.sleep(max(0.0, t0 + i / self.rate - loop.time()))

    async def _read_client(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stats: ConnStats,
        start: Callable[[Corpus], None],
    ) -> None:
        """Parse client frames just enough to answer pings, subscriptions and close."""
        while True:
            head = await reader.readexactly(2)
            opcode = head[0] & 0x0F
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            elif length == 127:
                length = int.from_bytes(await reader.readexactly(8), "big")
            mask = await reader.readexactly(4) if head[1] & 0x80 else b""
            payload = await reader.readexactly(length)
            if mask and length:
                key = (mask * (length // 4 + 1))[:length]
                payload = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
            if opcode == 0x9:
                stats.pings += 1
                writer.write(server_frame(payload, 0xA))
            elif opcode == 0x1:
                reply, corpus = self.site.on_text(payload)
                if reply is not None:
                    writer.write(server_frame(reply))
                if corpus is not None:
                    stats.subscribed = stats.subscribed or time.time()
                    start(corpus)
            elif opcode == 0x8:
                stats.close_rcvd = time.time()
                stats.reason = "client closed"
                writer.write(server_frame(payload[:2], 0x8))
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                return


def _parse_head(head: bytes) -> HttpRequestHead:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return HttpRequestHead(parts[0], parts[1] if len(parts) > 1 else "", headers)


async def report_progress(generator: Generator, period: float) -> None:
    """Shows from outside whether the generator is still getting messages into the socket."""
    while True:
        await asyncio.sleep(period)
        sys.stdout.write(json.dumps({"event": "progress", "t": time.time(), "sent": generator.total_sent}) + "\n")
        sys.stdout.flush()


async def serve(host: str, port: int, generator: Generator, progress: float) -> None:
    server = await asyncio.start_server(generator.handle, host, port, limit=1 << 20)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"event": "listening", "port": bound}) + "\n")
    sys.stdout.flush()
    reporter = asyncio.create_task(report_progress(generator, progress)) if progress > 0 else None
    async with server:
        await server.serve_forever()
    if reporter is not None:
        reporter.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (reported on stdout)")
    parser.add_argument("--count", type=int, default=0, help="messages per connection; 0: without end")
    parser.add_argument("--rate", type=float, default=0.0, help="messages/s; 0: as fast as the socket takes them")
    parser.add_argument("--after", choices=("keep", "close"), default="keep", help="once --count are sent")
    parser.add_argument("--distinct", type=int, default=1000, help="distinct pre-built messages, cycled")
    parser.add_argument("--progress", type=float, default=0.0, help="seconds between progress lines; 0: none")
    parser.add_argument("--site", choices=("ht", "binance"), default="ht", help="what to serve (see the docstring)")
    parser.add_argument(
        "--binance-frames",
        choices=("combined", "native"),
        default="combined",
        help="binance: `combined` wraps every event as /stream does, on /ws too, so that every client gets the "
        "same bytes; `native`: raw events on /ws, as after a plain SUBSCRIBE",
    )
    args = parser.parse_args(argv)
    site: Site
    if args.site == "binance":
        # a sibling script, not an installed package; it imports this module by name
        sys.modules.setdefault("loadgen", sys.modules[__name__])
        from binance_site import BinanceSite

        site = BinanceSite(args.distinct, combined_everywhere=args.binance_frames == "combined")
    else:
        site = HTSite(Corpus.build(args.distinct))
    generator = Generator(site, args.count, args.rate, args.after)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, generator, args.progress))


if __name__ == "__main__":
    main()
