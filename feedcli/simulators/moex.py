"""A local MOEX ISS+ gateway: STOMP over WebSocket at `/infocx/v3/websocket`, subprotocol `STOMP`.

It serves what wss://iss.moex.com/infocx/v3/websocket serves, as far as MOEX's document and
its own client and notebooks show it (../shared/notes/protocols.md, "MOEX ISS+"), so that
feedcli, the document's own Python examples and users' scripts run against it unchanged
with only the URL swapped:

- CONNECT with `domain`/`login`/`passcode`: domain DEMO with guest/guest, or domain
  passport with the one account the banner prints. Anything else is ERROR
  `gateway.access-denied` and the connection is closed. CONNECTED carries the metadata
  (`{"version": ..., "structure": ...}`, the key names of MOEX's own dump) for the streams
  served: MXSE securities, orderbooks and candles, and the SEARCH.ticker query.
- heart-beat: CONNECTED states the server's own `--heart-beat` (ms) and the rates are agreed
  as STOMP 1.2 says; the server then sends a bare "\\n" at the agreed rate, and closes a
  client it has heard nothing from for three times the agreed rate. A client that asks
  for none (the official one) gets none.
- SUBSCRIBE (`id`, `receipt`, `destination`, `selector`) → RECEIPT, then MESSAGEs whose body
  is a packet `{"properties": {"type", "seqnum", "timestamp"}, "columns", "data"}`: a
  `snapshot` first; then securities `updates` with only the changed columns plus TICKER,
  a whole order book per packet (as MOEX's notebook sees it), and the current candle row.
  `seqnum` counts each subscription's packets; `timestamp` is epoch milliseconds.
  An unknown destination, ticker, interval or unreadable selector is ERROR
  `gateway.invalidrequest` with the SUBSCRIBE's `receipt-id`; the connection stays open.
- REQUEST `SEARCH.ticker` (`selector: pattern="SBER*"`) → REPLY with `request-id` and a packet
  of the matching instruments; any other destination is ERROR `gateway.invalidrequest`.
- UNSUBSCRIBE stops a subscription; DISCONNECT is answered with its RECEIPT and a close.
- Frames are sent as binary WebSocket messages (what the official client expects), one frame
  per message, LF only; text and binary are both read.

Every frame is built and read with `feedcli.providers.moex` and `feedcli.stomp`, the client's
own codec, so that client and server cannot drift apart. Faults for testing clients are off
by default (`MoexFaults`). The instruments and their market are `moex_market.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiohttp import WSMsgType, web

from feedcli import stomp
from feedcli.providers.base import Refusal
from feedcli.providers.moex.metadata import STRUCTURE
from feedcli.providers.moex.protocol import (
    ACCESS_DENIED,
    GUEST_DOMAIN,
    INTERVALS,
    INVALID_REQUEST,
    NOT_CONNECTED,
    NOT_IMPLEMENTED,
    PASSPORT_DOMAIN,
    PATH,
    SEARCH_DESTINATION,
    SUBPROTOCOL,
    TIMEOUT,
)
from feedcli.providers.moex.server import (
    connected_frame,
    encode_packet,
    error_frame,
    message_frame,
    parse_selector,
    receipt_frame,
    reply_frame,
)
from feedcli.simulators.base import LoopbackServer, cancelled, positive_rate
from feedcli.simulators.moex_market import (
    BOOK_COLUMNS,
    CANDLE_COLUMNS,
    CANDLES,
    ORDERBOOKS,
    SEARCH_COLUMNS,
    SEC_COLUMNS,
    SECURITIES,
    UNIVERSE,
    Instrument,
    Listing,
)
from feedcli.timeouts import within
from feedcli.timers import LOOP_TIMER, Timer, on_schedule

log = logging.getLogger(__name__)

GOING_AWAY = 1001
REASON_SHUTDOWN = "server shutting down"
#: a client is closed after this many of its promised heart-beat intervals without a byte
#: (more lenient than feedcli's own 2x: a server should not be the first to give up)
CLIENT_TOLERANCE = 3.0
#: the streams served, by destination
SERVED = {r.destination: r for r in (SECURITIES, ORDERBOOKS, CANDLES)}


@dataclass(frozen=True)
class MoexFaults:
    """Misbehaviour to inject, per connection or subscription. Everything is off by default.

    - `drop_after`: after N MESSAGEs on a connection, abort its TCP connection, no close frame.
    - `gap_every`: every Nth packet of a subscription skips a seqnum (as if one were lost).
    - `error_after`: after N MESSAGEs, send ERROR `error_code` (gateway.timeout by default)
      and close the connection, as the gateway does when its upstream fails.
    - `stall_after`: after N MESSAGEs, send no more data, but keep heart-beats going.
    - `silent_after`: after N MESSAGEs, send nothing at all, not even heart-beats (WebSocket
      pings are still answered): only a STOMP heart-beat watch notices.
    - `malformed_every`: before every Nth MESSAGE, one whose body is not JSON.
    """

    drop_after: int | None = None
    gap_every: int | None = None
    error_after: int | None = None
    error_code: str = TIMEOUT
    stall_after: int | None = None
    silent_after: int | None = None
    malformed_every: int | None = None

    def __post_init__(self) -> None:
        for name in ("drop_after", "gap_every", "error_after", "stall_after", "silent_after", "malformed_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive number of messages, not {value}")
        if self.gap_every == 1:
            raise ValueError("gap_every must be at least 2 (every packet cannot be the one lost)")


# ----------------------------------------------------------------------------- connections


class _Sub:
    """One client subscription: what it gets, and its own packet numbering."""

    __slots__ = ("conn", "count", "destination", "interval", "seq", "sid", "stream", "ticker")

    def __init__(self, conn: _Conn, sid: str, destination: str, stream: str, ticker: str, interval: str | None) -> None:
        self.conn = conn
        self.sid = sid
        self.destination = destination
        self.stream = stream
        self.ticker = ticker
        self.interval = interval
        self.seq = 0
        self.count = 0

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.stream, self.ticker, self.interval)


class _Conn:
    """One WebSocket connection and its STOMP session."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.BaseTransport | None, queue_size: int) -> None:
        self.ws = ws
        self.transport = transport
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(queue_size)
        self.connected = False
        self.user: str | None = None
        self.subs: dict[str, _Sub] = {}
        self.send_ms = 0
        self.expect_ms = 0
        self.heard = 0.0
        self.messages = 0
        self.frames = 0
        #: data no longer routed here (stall); nothing at all sent (silent)
        self.stalled = False
        self.silent = False
        self.closing = False
        #: the close code and reason once the server is done with it (a replay's end)
        self.close_with: tuple[int, str] | None = None
        self.tasks: list[asyncio.Task[Any]] = []


class MoexSimulator(LoopbackServer):
    """A local ISS+ gateway on one port: `await start()` → base URL, `await stop()`.

    `rate` is market events per second per instrument; `seed` fixes the data; `user` and
    `password` are the passport account (the guest account is always there);
    `heart_beat` is the server's own heart-beat (ms, both ways) stated in CONNECTED.
    `received` keeps every frame clients sent, as (command, headers), for tests.
    """

    faults_class = MoexFaults

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 20.0,
        seed: int = 1,
        user: str = "demo",
        password: str = "issplus",
        heart_beat: int = 1000,
        faults: MoexFaults | None = None,
        *,
        queue_size: int = 4_096,
        listings: tuple[Listing, ...] = UNIVERSE,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        timer: Timer = LOOP_TIMER,
    ) -> None:
        rate = positive_rate(rate)
        if heart_beat < 0:
            raise ValueError("heart_beat must be >= 0 ms")
        super().__init__(host, port)
        self.rate = rate
        self.seed = seed
        self.user = user
        self.password = password
        self.heart_beat = heart_beat
        self.faults = faults or MoexFaults()
        self._queue_size = queue_size
        self._clock = clock
        #: what the market's schedule and heart-beats are timed on (a virtual timer in tests)
        self.timer = timer
        now = clock()
        self.instruments = {x.ticker: Instrument(x, seed, now) for x in listings}
        self._index: dict[tuple[str, str, str | None], dict[_Sub, None]] = {}
        self._conns: set[_Conn] = set()
        self._producer: asyncio.Task[None] | None = None
        self.received: list[tuple[str, dict[str, str]]] = []
        self.events = 0

    # ---- what the CLI shows ------------------------------------------------------------------

    def banner(self) -> str:
        return (
            f"feedcli simulate: serving MOEX ISS+ at {self.url} user {self.user} password {self.password}"
            f" (domain passport; or domain DEMO, guest/guest)"
        )

    def listing(self) -> list[str]:
        lines = ["Streams: MXSE.securities, MXSE.orderbooks, MXSE.candles; query SEARCH.ticker. Tickers:"]
        lines.extend(f"  {x.ticker}  {x.shortname}" for x in (i.listing for i in self.instruments.values()))
        lines.append(f"Try: feedcli stream moex --url {self.url} --ticker MXSE.TQBR.SBER --stream orderbooks")
        return lines

    @property
    def connections(self) -> int:
        return len(self._conns)

    # ---- life cycle --------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PATH, self._socket)

    async def on_started(self) -> None:
        self._producer = asyncio.ensure_future(self._produce())

    async def on_stopping(self) -> None:
        await cancelled(self._producer)
        self._producer = None
        await asyncio.gather(*(self._close(c, GOING_AWAY, REASON_SHUTDOWN) for c in list(self._conns)))

    # ---- the socket --------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), timeout=2.0, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = _Conn(ws, request.transport, self._queue_size)
        self._conns.add(conn)
        conn.heard = self.timer.now()
        conn.tasks.append(asyncio.ensure_future(self._send_loop(conn)))
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                conn.heard = self.timer.now()
                try:
                    frames = stomp.decode(msg.data)
                except stomp.StompProtocolError as exc:
                    await self._fail(conn, INVALID_REQUEST, f"cannot read the frame: {exc}")
                    break
                for frame in frames:
                    if conn.closing:
                        break  # nothing after DISCONNECT or a fatal ERROR is read
                    if not stomp.is_heartbeat(frame):
                        self.received.append((frame.cmd, dict(frame.headers)))
                    await self._on_frame(conn, frame)
        finally:
            self._drop(conn)
            for task in conn.tasks:
                task.cancel()
            await asyncio.gather(*conn.tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await ws.close()
        return ws

    async def _on_frame(self, conn: _Conn, frame: Any) -> None:
        cmd, headers = frame.cmd, frame.headers
        if stomp.is_heartbeat(frame):
            return
        if cmd in ("CONNECT", "STOMP"):
            await self._connect(conn, headers)
            return
        if not conn.connected:
            await self._fail(conn, NOT_CONNECTED, f"{cmd} before CONNECT")
            return
        if cmd == "SUBSCRIBE":
            self._subscribe(conn, headers)
        elif cmd == "UNSUBSCRIBE":
            sub = conn.subs.pop(headers.get("id", ""), None)
            if sub is not None:
                self._unroute(sub)
            self._receipt(conn, headers)
        elif cmd == "REQUEST":
            self._request(conn, headers)
        elif cmd == "DISCONNECT":
            self._receipt(conn, headers)
            conn.closing = True
            self._enqueue(conn, None)  # the sender closes once what is queued is out
        elif cmd == "SEND":
            self._enqueue(conn, error_frame(NOT_IMPLEMENTED, "SEND is not available here"))
        else:
            self._enqueue(conn, error_frame(INVALID_REQUEST, f"unknown command {cmd}"))

    async def _connect(self, conn: _Conn, headers: dict[str, str]) -> None:
        domain = headers.get("domain", "")
        login, passcode = headers.get("login", ""), headers.get("passcode", "")
        if conn.connected:
            await self._fail(conn, INVALID_REQUEST, "already connected")
            return
        if domain.upper() == GUEST_DOMAIN:
            good = (login, passcode) == ("guest", "guest")
        elif domain.lower() == PASSPORT_DOMAIN:
            good = secrets.compare_digest(login.encode(), self.user.encode()) and secrets.compare_digest(
                passcode.encode(), self.password.encode()
            )
        else:
            good = False
        if not good:
            await self._fail(conn, ACCESS_DENIED, "Authentication failed: wrong domain, login or passcode")
            return
        offered = [v.strip() for v in headers.get("accept-version", "1.0").split(",")]
        version = next((v for v in ("1.2", "1.1", "1.0") if v in offered), None)
        if version is None:
            await self._fail(conn, INVALID_REQUEST, f"no supported STOMP version in {offered}")
            return
        try:
            conn.send_ms, conn.expect_ms = stomp.server_heart_beat(
                (self.heart_beat, self.heart_beat), headers.get("heart-beat")
            )
        except stomp.StompProtocolError as exc:
            await self._fail(conn, INVALID_REQUEST, str(exc))
            return
        conn.connected, conn.user = True, login
        self._enqueue(conn, connected_frame(STRUCTURE, (self.heart_beat, self.heart_beat), version))
        if conn.send_ms or conn.expect_ms:
            conn.tasks.append(asyncio.ensure_future(self._heartbeats(conn)))

    def _receipt(self, conn: _Conn, headers: dict[str, str]) -> None:
        receipt = headers.get("receipt")
        if receipt:
            self._enqueue(conn, receipt_frame(receipt))

    def _subscribe(self, conn: _Conn, headers: dict[str, str]) -> None:
        receipt = headers.get("receipt")
        try:
            sid = headers.get("id")
            if not sid:
                raise Refusal("SUBSCRIBE without id")
            if sid in conn.subs:
                raise Refusal(f"subscription id {sid} is already in use")
            destination = headers.get("destination", "")
            resource = SERVED.get(destination)
            if resource is None:
                raise Refusal(f"unknown destination {destination!r}")
            params = parse_selector(headers.get("selector"))
            ticker = params.get("ticker")
            if not ticker:
                raise Refusal("the selector names no TICKER")
            if not self._knows(ticker) or not ticker.startswith(resource.market + "."):
                raise Refusal(f"unknown ticker {ticker} in {destination}")
            interval = None
            if resource.name == "candles":
                interval = params.get("interval", "M1")
                if interval not in INTERVALS:
                    raise Refusal(f"unknown interval {interval}")
        except Refusal as refusal:
            self._enqueue(conn, error_frame(INVALID_REQUEST, refusal.reason, receipt_id=receipt))
            return
        sub = _Sub(conn, sid, destination, resource.name, ticker, interval)
        conn.subs[sid] = sub
        if receipt:
            self._enqueue(conn, receipt_frame(receipt))
        if not conn.stalled:
            self._index.setdefault(sub.key, {})[sub] = None
        self._subscribed(sub)

    def _knows(self, ticker: str) -> bool:
        return ticker in self.instruments

    def _subscribed(self, sub: _Sub) -> None:
        """A subscription was accepted: its snapshot goes first."""
        self._snapshot(sub)

    def _unroute(self, sub: _Sub) -> None:
        subs = self._index.get(sub.key)
        if subs is not None:
            subs.pop(sub, None)
            if not subs:
                del self._index[sub.key]

    def _request(self, conn: _Conn, headers: dict[str, str]) -> None:
        rid = headers.get("id", "")
        destination = headers.get("destination", "")
        if destination != SEARCH_DESTINATION:
            error = error_frame(INVALID_REQUEST, f"unknown destination {destination!r}", request_id=rid)
            self._enqueue(conn, error)
            return
        try:
            params = parse_selector(headers.get("selector"))
        except Refusal as refusal:
            self._enqueue(conn, error_frame(INVALID_REQUEST, refusal.reason, request_id=rid))
            return
        rows = [i.search_row() for i in self.instruments.values() if _matches(i.listing, params)]
        body = encode_packet("snapshot", SEARCH_COLUMNS, rows, None, self._millis())
        self._enqueue(conn, reply_frame(rid, destination, body))

    # ---- data --------------------------------------------------------------------------------

    def _millis(self) -> int:
        return int(self._clock().timestamp() * 1000)

    def _snapshot(self, sub: _Sub) -> None:
        instrument = self.instruments[sub.ticker]
        if sub.stream == "securities":
            self._push(sub, "snapshot", SEC_COLUMNS, [[instrument.row[c] for c in SEC_COLUMNS]])
        elif sub.stream == "orderbooks":
            self._push(sub, "snapshot", BOOK_COLUMNS, instrument.book_rows())
        else:
            assert sub.interval is not None
            self._push(sub, "snapshot", CANDLE_COLUMNS, instrument.candles(sub.interval, self._clock()))

    def _push(self, sub: _Sub, kind: str, columns: list[str], rows: list[list[Any]]) -> None:
        sub.seq += 1
        sub.count += 1
        every = self.faults.gap_every
        if every is not None and sub.count % every == 0:
            sub.seq += 1  # a packet lost on the way: the client sees a jump
        body = encode_packet(kind, columns, rows, sub.seq, self._millis())
        self._enqueue(sub.conn, message_frame(sub.sid, sub.destination, f"{sub.sid}-{sub.seq}", body))

    def _enqueue(self, conn: _Conn, frame: bytes | None) -> None:
        try:
            conn.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._drop(conn)
            self.spawn(self._close(conn, 1013, "client too slow"))

    async def _produce(self) -> None:
        """Step every instrument `rate` times a second, on a fixed schedule, and fan out."""

        def step(due: int) -> None:
            for _ in range(due):
                self._step(self._clock())
            self.events += due

        try:
            await on_schedule(self.timer, self.rate, step)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("MOEX simulator: the market producer stopped")

    def _step(self, now: datetime) -> None:
        for ticker, instrument in self.instruments.items():
            changed, bars = instrument.step(now)
            subs = self._index.get(("securities", ticker, None))
            if subs and changed:
                columns = ["TICKER", *changed]
                row = [ticker, *changed.values()]
                for sub in tuple(subs):
                    self._push(sub, "updates", columns, [row])
            subs = self._index.get(("orderbooks", ticker, None))
            if subs:
                rows = instrument.book_rows()
                for sub in tuple(subs):
                    self._push(sub, "snapshot", BOOK_COLUMNS, rows)
            for interval, bar in bars.items():
                for sub in tuple(self._index.get(("candles", ticker, interval)) or ()):
                    self._push(sub, "updates", CANDLE_COLUMNS, [bar])

    # ---- sending, heart-beats and faults -------------------------------------------------------

    async def _send_loop(self, conn: _Conn) -> None:
        faults, ws = self.faults, conn.ws
        try:
            while True:
                frame = await conn.queue.get()
                if frame is None:
                    code, reason = conn.close_with or (1000, "")
                    await ws.close(code=code, message=reason.encode()[:120])
                    return
                is_message = frame.startswith(b"MESSAGE\n")
                if conn.silent or (is_message and conn.stalled):
                    continue
                if is_message and faults.malformed_every is not None:
                    conn.frames += 1
                    if conn.frames % faults.malformed_every == 0:
                        head = frame.split(b"\n\n", 1)[0]
                        await ws.send_bytes(head + b"\n\n{not json\x00")
                await ws.send_bytes(frame)
                if not is_message:
                    continue
                conn.messages += 1
                n = conn.messages
                if faults.drop_after is not None and n >= faults.drop_after:
                    self._drop(conn)
                    if conn.transport is not None:
                        conn.transport.abort()
                    return
                if faults.error_after is not None and n >= faults.error_after:
                    await self._fail(conn, faults.error_code, "upstream did not answer in time")
                    return
                if faults.stall_after is not None and n >= faults.stall_after:
                    self._stall(conn)
                if faults.silent_after is not None and n >= faults.silent_after:
                    self._stall(conn)
                    conn.silent = True
        except (ConnectionError, RuntimeError):
            self._drop(conn)

    def _stall(self, conn: _Conn) -> None:
        conn.stalled = True
        for sub in conn.subs.values():
            self._unroute(sub)

    async def _heartbeats(self, conn: _Conn) -> None:
        """Send "\\n" at the agreed rate; close a client silent past 3x the rate it promised."""
        timer = self.timer
        send = conn.send_ms / 1000
        expect = conn.expect_ms / 1000
        tick = min(x for x in (send, expect) if x) / 2
        last_sent = timer.now()
        while True:
            await timer.sleep(tick)
            now = timer.now()
            if send and now - last_sent >= send and not conn.silent:
                last_sent = now
                with contextlib.suppress(asyncio.QueueFull):
                    conn.queue.put_nowait(b"\n")
            if expect and now - conn.heard > CLIENT_TOLERANCE * expect:
                await self._fail(conn, TIMEOUT, f"no heart-beat from the client for {now - conn.heard:.1f}s")
                return

    async def _fail(self, conn: _Conn, code: str, text: str) -> None:
        """ERROR, then close: what the gateway does for errors that are not a single request's."""
        conn.closing = True
        self._drop(conn)
        with contextlib.suppress(Exception):
            await conn.ws.send_bytes(error_frame(code, text))
        await self._close(conn, 1000, "")

    def _drop(self, conn: _Conn) -> None:
        for sub in conn.subs.values():
            self._unroute(sub)
        self._conns.discard(conn)

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        self._drop(conn)
        try:
            await within(conn.ws.close(code=code, message=reason.encode()[:120]), 2.0)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            if conn.transport is not None:
                conn.transport.abort()


def _matches(listing: Listing, params: dict[str, str]) -> bool:
    """SEARCH.ticker: `ticker` exactly, or `pattern` (a glob with *, else a substring), any case."""
    ticker = params.get("ticker")
    if ticker:
        return listing.ticker.lower() == ticker.lower()
    pattern = (params.get("pattern") or "").lower()
    if not pattern:
        return True
    fields = [listing.ticker, listing.secid, listing.shortname, listing.name, listing.isin]
    if "*" in pattern or "?" in pattern:
        return any(fnmatch.fnmatchcase(f.lower(), pattern) for f in fields)
    return any(pattern in f.lower() for f in fields)
