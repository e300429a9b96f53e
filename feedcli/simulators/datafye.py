"""A local Datafye WebSocket server: the live endpoints, the history replay, heartbeats, halts.

Datafye's document lost its JSON examples (../shared/notes/protocols.md, "Datafye"), so the
wire format here is the one feedcli's codec ASSUMES (`feedcli.providers.datafye`, its
`ASSUMED` block), built with the codec's own helpers so client and server cannot drift apart.
What the samples do document is followed as given: one endpoint per channel under
`/datafye-ws/v1`, the subscribe and history messages, the datasets and frequencies, and the
field names of the REST domain classes for the records.

One connection, as the samples use it:

- The client connects and sends `{"action":"subscribe","dataset","symbols"[,"frequency"]}`
  (live endpoints) or `{"action":"start","dataset","symbol","frequency","from","to"}`
  (history). The server checks it and answers `{"type":"subscribed",...}` then data, or
  `{"type":"error","code":...,"message":...}` and leaves the connection open: a real server
  does not hang up on a typo, the client decides what an error means.
- Live data comes at `rate` messages per second per connection, spread round-robin over the
  connection's symbols. Each connection has its own market, seeded by `seed` and the symbol,
  so the same subscription gives the same records (all but the timestamps) on any
  connection and after any reconnect; quotes and trades of one symbol follow the same walk.
- Aggregates are built from the trades of the bar, sent each time the bar changes and once
  more when it closes at the frequency's boundary (UTC-aligned: Day bars start at midnight
  UTC). `sma` and `ema` are computed over the last `MA_PERIODS` bars' closes.
- History bars are a pure function of (seed, symbol, frequency, bar start), so a replay
  repeated after a reconnect, or an overlapping range, gives identical bars; that is what
  lets the codec skip bars it already delivered.
- Every `heartbeat_interval` seconds a heartbeat; a connection that leaves one unanswered
  for `pong_timeout` seconds is closed with 4001 "no pong" (4001, not 1008: the client should
  reconnect, and feedcli's own watchdog closes with 4000).

Faults for testing clients (halts, drops, malformed frames, stalls) are off by default.

The market (symbols, quotes, trades, bars, history) is `datafye_market.py`. What is left here,
about 650 lines, is one thing: a connection's life (subscribe, stream, halt, history, heartbeat,
faults), whose parts share the connection's state and are read together.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from feedcli.errors import MalformedFrame
from feedcli.providers.datafye import (
    DATASETS,
    ENDPOINTS,
    ERROR,
    FREQUENCIES,
    HALT,
    HEARTBEAT,
    HISTORY,
    PONG,
    PREFIX,
    RESUME,
    STREAM_END,
    SUBSCRIBED,
    TYPE_OF,
    UNSUBSCRIBED,
    control_message,
    data_message,
    parse_client_message,
)
from feedcli.simulators.base import LoopbackServer, malformed_frame, positive_rate
from feedcli.simulators.datafye_market import (
    FREQUENCY_MS,
    UNIVERSE,
    Averages,
    Bar,
    Book,
    Listing,
    bar_start,
    history_bars,
    parse_time,
)
from feedcli.timeouts import within
from feedcli.timers import LOOP_TIMER, Timer

log = logging.getLogger(__name__)

#: every live endpoint: the codec's three, and the two moving averages of the samples
#: (`SubscribeLiveSMA`/`EMA`), which the codec does not stream (yet)
_MA_ENDPOINTS = {"sma": "/stocks/live/sma", "ema": "/stocks/live/ema"}
LIVE_ENDPOINTS: dict[str, str] = {**ENDPOINTS, **{k: v for k, v in _MA_ENDPOINTS.items() if k not in ENDPOINTS}}
#: channel → the "type" of its data frames (sma/ema are ours: no material shows them)
FRAME_TYPES: dict[str, str] = {"sma": "sma", "ema": "ema", **TYPE_OF}
#: the endpoints whose subscriptions take a frequency and whose records are per bar
BAR_CHANNELS = frozenset({"aggregates", "sma", "ema"})
HISTORY_CHANNEL = "history"
DEFAULT_FREQUENCY = "Minute"
#: bars per history data frame
HISTORY_BATCH = 100
#: a history request for more bars than this is refused (INVALID_RANGE)
MAX_HISTORY_BARS = 500_000

#: error codes, one place so that tests and docs can name them
INVALID_DATASET = "INVALID_DATASET"
INVALID_FREQUENCY = "INVALID_FREQUENCY"
UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
INVALID_RANGE = "INVALID_RANGE"
BAD_REQUEST = "BAD_REQUEST"
HALT_REASON = "LULD pause"
#: close codes and reasons
NO_PONG = 4001
REASON_NO_PONG = "no pong"
GOING_AWAY = 1001
REASON_SHUTDOWN = "server shutting down"


@dataclass(frozen=True)
class DatafyeFaults:
    """Misbehaviour to inject, per connection, for testing clients. Everything is off by default.

    - `drop_after`: after N data messages on a connection, abort its TCP connection with no
      close frame (a crashed server or a cut network).
    - `stall_after`: after N data messages, send no more data on that connection, but keep
      sending heartbeats (a stuck upstream: only a data watchdog notices, and unlike a halt
      nothing announced it).
    - `malformed_every`: before every Nth data message, a malformed frame (alternately
      truncated JSON and a data envelope without `data`); the good message still follows.
    """

    drop_after: int | None = None
    stall_after: int | None = None
    malformed_every: int | None = None

    def __post_init__(self) -> None:
        for name in ("drop_after", "stall_after", "malformed_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive number of messages, not {value}")


# ----------------------------------------------------------------------------- requests


class Refused(Exception):
    """A request the server answers with an error frame (the connection stays open)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _dataset(msg: dict[str, Any]) -> str:
    dataset = msg.get("dataset")
    if not isinstance(dataset, str) or dataset not in UNIVERSE:
        known = ", ".join(DATASETS)
        if dataset is None:
            raise Refused(INVALID_DATASET, f"dataset is required: one of {known}")
        raise Refused(INVALID_DATASET, f"unknown dataset {dataset!r}: one of {known}")
    return dataset


def _frequency(msg: dict[str, Any]) -> str:
    frequency = msg.get("frequency")
    if frequency is None:
        return DEFAULT_FREQUENCY
    if not isinstance(frequency, str) or frequency not in FREQUENCIES or frequency not in FREQUENCY_MS:
        raise Refused(INVALID_FREQUENCY, f"unknown frequency {frequency!r}: one of {', '.join(FREQUENCIES)}")
    return frequency


def _symbols(msg: dict[str, Any]) -> list[str]:
    symbols = msg.get("symbols")
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) and s for s in symbols):
        raise Refused(BAD_REQUEST, "symbols must be a non-empty list of symbols")
    return list(dict.fromkeys(symbols))


def _known(dataset: str, symbols: list[str]) -> list[Listing]:
    table = UNIVERSE[dataset]
    unknown = [s for s in symbols if s not in table]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise Refused(UNKNOWN_SYMBOL, f"unknown symbol{plural} in {dataset}: {', '.join(unknown)}")
    return [table[s] for s in symbols]


@dataclass(frozen=True)
class Replay:
    """A checked history request."""

    listing: Listing
    frequency: str
    start: int
    end: int


def check_history(msg: dict[str, Any]) -> Replay:
    """Check a `start` message; raise Refused with the code a client can act on."""
    dataset = _dataset(msg)
    symbol = msg.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise Refused(BAD_REQUEST, "symbol is required (one symbol per history stream)")
    (listing,) = _known(dataset, [symbol])
    frequency = _frequency(msg)
    start, end = parse_time(msg.get("from")), parse_time(msg.get("to"))
    if start is None or end is None:
        raise Refused(INVALID_RANGE, "from and to must be ISO 8601 times, e.g. 2025-01-02T09:30:00")
    if start >= end:
        raise Refused(INVALID_RANGE, f"from ({msg['from']}) must be before to ({msg['to']})")
    count = (end - bar_start(start, frequency) + FREQUENCY_MS[frequency] - 1) // FREQUENCY_MS[frequency]
    if count > MAX_HISTORY_BARS:
        raise Refused(INVALID_RANGE, f"{count} bars at {frequency}: at most {MAX_HISTORY_BARS} per request")
    return Replay(listing, frequency, start, end)


# ----------------------------------------------------------------------------- connections


class _Dropped(Exception):
    """Raised out of a sending task once a fault has cut or silenced the connection."""


@dataclass
class _Sub:
    """One subscribed symbol of a live connection."""

    listing: Listing
    dataset: str
    frequency: str
    bar: Bar | None = None
    averages: Averages | None = None


class _Conn:
    """One WebSocket connection: what it subscribed, its counters and its tasks."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.BaseTransport | None, channel: str) -> None:
        self.ws = ws
        self.transport = transport
        self.channel = channel
        #: symbol → subscription, in the order subscribed (the round-robin order)
        self.subs: dict[str, _Sub] = {}
        #: symbol → its market, kept across unsubscribe/subscribe so the walk continues
        self.books: dict[str, Book] = {}
        self.wake = asyncio.Event()
        #: one writer at a time: data, replies and heartbeats come from different tasks
        self.lock = asyncio.Lock()
        #: (timestamp, loop time) of heartbeats not yet answered, oldest first
        self.unanswered: deque[tuple[int, float]] = deque()
        self.sent = 0  # data messages sent
        self.malformed = 0
        self.next_halt: int | None = None
        self.stalled = False
        self.tasks: set[asyncio.Task[Any]] = set()
        self.replay: asyncio.Task[None] | None = None

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class DatafyeSimulator(LoopbackServer):
    """A local Datafye WebSocket server on one port: `await start()` → base URL, `await stop()`.

    Also an async context manager. `rate` is data messages per second on each live connection
    (spread over its symbols); `seed` fixes the data. Heartbeats go out every
    `heartbeat_interval` s; one unanswered for `pong_timeout` s closes the connection (4001).
    `halt_every` N data messages, a live connection is halted for `halt_seconds`: a `halt`
    frame, silence (heartbeats excepted), a `resume` frame. `faults` injects misbehaviour.
    """

    faults_class = DatafyeFaults

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 20.0,
        seed: int = 1,
        heartbeat_interval: float = 10.0,
        pong_timeout: float = 30.0,
        halt_every: int | None = None,
        halt_seconds: float = 2.0,
        faults: DatafyeFaults | None = None,
        timer: Timer = LOOP_TIMER,
    ) -> None:
        rate = positive_rate(rate, "messages")
        if not heartbeat_interval > 0:
            raise ValueError(f"heartbeat_interval must be a positive number of seconds, not {heartbeat_interval}")
        if not pong_timeout > 0:
            raise ValueError(f"pong_timeout must be a positive number of seconds, not {pong_timeout}")
        if halt_every is not None and halt_every < 1:
            raise ValueError(f"halt_every must be a positive number of messages, not {halt_every}")
        if not halt_seconds > 0:
            raise ValueError(f"halt_seconds must be a positive number of seconds, not {halt_seconds}")
        super().__init__(host, port)
        self.rate = rate
        self.seed = seed
        self.heartbeat_interval = float(heartbeat_interval)
        self.pong_timeout = float(pong_timeout)
        self.halt_every = halt_every
        self.halt_seconds = float(halt_seconds)
        self.faults = faults or DatafyeFaults()
        #: what the data rate, halts and heartbeats are timed on (a virtual timer in tests)
        self.timer = timer
        self._conns: set[_Conn] = set()
        self.received = collections.deque(maxlen=1000)
        self.closes = collections.deque(maxlen=1000)

    # ---- what the CLI shows ------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """WebSocket connections open now."""
        return len(self._conns)

    def banner(self) -> str:
        """The first line `feedcli simulate` prints on stderr (no credentials: Datafye uses IP allow-lists)."""
        return f"feedcli simulate: serving Datafye at {self.url}"

    def listing(self) -> list[str]:
        """Lines telling the user what can be subscribed, printed after the banner."""
        lines = ['Endpoints (subscribe with {"action":"subscribe","dataset":...,"symbols":[...]}):']
        for channel, path in LIVE_ENDPOINTS.items():
            extra = "  [frequency Second|Minute|Hour|Day]" if channel in BAR_CHANNELS else ""
            lines.append(f"  {channel:<11} {PREFIX}{path}{extra}")
        lines.append(f"  {HISTORY_CHANNEL:<11} {PREFIX}{HISTORY}  [action start: symbol, frequency, from, to]")
        lines.append("Datasets and symbols:")
        by_symbols: dict[tuple[str, ...], list[str]] = {}
        for dataset, table in UNIVERSE.items():
            by_symbols.setdefault(tuple(table), []).append(dataset)
        for symbols, datasets in by_symbols.items():
            lines.append(f"  {', '.join(datasets)}: {' '.join(symbols)}")
        lines.append(
            f"Heartbeat every {self.heartbeat_interval:g}s; no pong within {self.pong_timeout:g}s closes the "
            f"connection ({NO_PONG} {REASON_NO_PONG!r})."
        )
        lines.append(f"Try: feedcli stream datafye --url {self.url} --symbol AAPL --channel quotes")
        return lines

    # ---- life cycle --------------------------------------------------------------------------

    # What clients did, for tests and for users checking their own clients: the last
    # client requests (not pongs) by endpoint, and each closed connection's close code.
    received: collections.deque[tuple[str, dict[str, Any]]]
    closes: collections.deque[tuple[str, int | None]]

    def add_routes(self, app: web.Application) -> None:
        for channel, path in LIVE_ENDPOINTS.items():
            app.router.add_get(PREFIX + path, self._handler(channel))
        app.router.add_get(PREFIX + HISTORY, self._handler(HISTORY_CHANNEL))

    async def on_stopping(self) -> None:
        """Close every connection (1001)."""
        await asyncio.gather(
            *(self._kick(c, GOING_AWAY, REASON_SHUTDOWN) for c in list(self._conns)), return_exceptions=True
        )

    # ---- one connection ----------------------------------------------------------------------

    def _handler(self, channel: str) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._socket(request, channel)

        return handle

    async def _socket(self, request: web.Request, channel: str) -> web.StreamResponse:
        """Accept, then read client messages until the client (or a fault, or `stop`) ends it."""
        ws = web.WebSocketResponse(max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = _Conn(ws, request.transport, channel)
        if channel != HISTORY_CHANNEL and self.halt_every is not None:
            conn.next_halt = self.halt_every
        self._conns.add(conn)
        conn.spawn(self._heartbeat(conn))
        if channel != HISTORY_CHANNEL:
            conn.spawn(self._stream(conn))
        try:
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._on_message(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionError, RuntimeError):
            pass  # the client went away while we answered it
        finally:
            self.closes.append((channel, ws.close_code))
            self._conns.discard(conn)
            tasks = list(conn.tasks)
            for task in tasks:
                task.cancel()
            # gather, not a bare await: their cancellation is expected and swallowed, while
            # a cancellation of this handler still propagates
            await asyncio.gather(*tasks, return_exceptions=True)
        return ws

    async def _on_message(self, conn: _Conn, frame: str | bytes) -> None:
        """One client message: a pong, a (un)subscribe, a history start, or an error reply."""
        with contextlib.suppress(orjson.JSONDecodeError):
            obj = orjson.loads(frame)
            if isinstance(obj, dict) and obj.get("action"):
                self.received.append((conn.channel, obj))
            if isinstance(obj, dict) and PONG in (obj.get("type"), obj.get("action")):
                self._pong(conn, obj.get("timestamp"))
                return
        try:
            msg = parse_client_message(frame)
            action = msg["action"]
            if conn.channel == HISTORY_CHANNEL:
                if action != "start":
                    raise Refused(BAD_REQUEST, f"the history endpoint takes action 'start', not {action!r}")
                self._history(conn, msg)
            elif action == "subscribe":
                await self._subscribe(conn, msg)
            elif action == "unsubscribe":
                await self._unsubscribe(conn, msg)
            else:
                raise Refused(BAD_REQUEST, f"a live endpoint takes 'subscribe' or 'unsubscribe', not {action!r}")
        except MalformedFrame as exc:
            await self._send(conn, control_message(ERROR, code=BAD_REQUEST, message=f"cannot read the request: {exc}"))
        except Refused as refusal:
            await self._send(conn, control_message(ERROR, code=refusal.code, message=refusal.message))

    async def _subscribe(self, conn: _Conn, msg: dict[str, Any]) -> None:
        dataset = _dataset(msg)
        frequency = _frequency(msg) if conn.channel in BAR_CHANNELS else DEFAULT_FREQUENCY
        listings = self._listings(dataset, _symbols(msg))
        reply: dict[str, Any] = {"symbols": [x.symbol for x in listings], "dataset": dataset}
        if conn.channel in BAR_CHANNELS:
            reply["frequency"] = frequency
        # the reply goes out before the stream can send any data for these symbols
        await self._send(conn, control_message(SUBSCRIBED, **reply))
        for listing in listings:
            old = conn.subs.get(listing.symbol)
            if old is not None and old.frequency == frequency and old.dataset == dataset:
                continue
            conn.books.setdefault(listing.symbol, Book(listing, self.seed))
            conn.subs[listing.symbol] = _Sub(listing, dataset, frequency)
        conn.wake.set()

    def _listings(self, dataset: str, symbols: list[str]) -> list[Listing]:
        """The listings a subscription names; Refused (UNKNOWN_SYMBOL) if one is not served.

        A method, not a direct call of `_known`, so that a server with another universe (the
        recording replay server serves what was recorded) can say what it knows.
        """
        return _known(dataset, symbols)

    async def _unsubscribe(self, conn: _Conn, msg: dict[str, Any]) -> None:
        # removed at once, before the reply: no data for them can follow it
        removed = [s for s in _symbols(msg) if conn.subs.pop(s, None) is not None]
        await self._send(conn, control_message(UNSUBSCRIBED, symbols=removed))

    def _pong(self, conn: _Conn, timestamp: Any) -> None:
        """A pong answers its heartbeat and every earlier one (all of them, without a timestamp)."""
        if isinstance(timestamp, int) and not isinstance(timestamp, bool):
            while conn.unanswered and conn.unanswered[0][0] <= timestamp:
                conn.unanswered.popleft()
        else:
            conn.unanswered.clear()

    # ---- sending -----------------------------------------------------------------------------

    async def _send(self, conn: _Conn, frame: bytes | str) -> None:
        async with conn.lock:
            await conn.ws.send_str(frame.decode() if isinstance(frame, bytes) else frame)

    async def _send_data(self, conn: _Conn, channel: str, records: list[dict[str, Any]] | dict[str, Any]) -> None:
        """Send one data message, applying the faults; raise _Dropped once they end the flow."""
        if conn.stalled:
            raise _Dropped
        if channel in TYPE_OF:
            frame = data_message(channel, records).decode()
        else:
            frame = control_message(FRAME_TYPES[channel], data=records).decode()
        faults = self.faults
        async with conn.lock:
            if faults.malformed_every is not None and (conn.sent + 1) % faults.malformed_every == 0:
                await conn.ws.send_str(self._malformed(conn, frame))
            await conn.ws.send_str(frame)
            conn.sent += 1
        if faults.drop_after is not None and conn.sent >= faults.drop_after:
            if conn.transport is not None:
                conn.transport.abort()
            raise _Dropped
        if faults.stall_after is not None and conn.sent >= faults.stall_after:
            conn.stalled = True
            raise _Dropped

    @staticmethod
    def _malformed(conn: _Conn, frame: str) -> str:
        """A frame a client must reject: truncated JSON, or a data envelope without `data`."""
        conn.malformed += 1
        return malformed_frame(frame, conn.malformed)

    # ---- live data ---------------------------------------------------------------------------

    async def _stream(self, conn: _Conn) -> None:
        """Send `rate` data messages per second, round-robin over the symbols, until cancelled.

        Sleeping to a schedule keeps the rate exact; a backlog (a blocked loop, a halt) is
        dropped rather than replayed in a burst. Bars are also closed at their boundary,
        trades or not.
        """
        timer = self.timer
        interval = 1.0 / self.rate
        next_at = timer.now()
        turn = 0
        try:
            while True:
                if not conn.subs:
                    conn.wake.clear()
                    await conn.wake.wait()
                    next_at = timer.now()
                    continue
                if conn.next_halt is not None and conn.sent >= conn.next_halt:
                    await self._halt(conn)
                    next_at = timer.now()
                    continue
                if conn.channel in BAR_CHANNELS:
                    await self._close_bars(conn)
                    boundary = min((s.bar.end for s in conn.subs.values() if s.bar is not None), default=None)
                    until_boundary = None if boundary is None else (boundary - _now_ms()) / 1000
                    if until_boundary is not None and until_boundary < next_at - timer.now():
                        await asyncio.sleep(max(0.0, until_boundary))
                        continue
                delay = next_at - timer.now()
                if delay > 0:
                    await timer.sleep(delay)
                now = timer.now()
                next_at = (now if now - next_at > 0.25 else next_at) + interval
                symbols = list(conn.subs)
                if not symbols:
                    continue
                sub = conn.subs[symbols[turn % len(symbols)]]
                turn += 1
                await self._send_data(conn, conn.channel, self._next_record(conn, sub))
        except (_Dropped, ConnectionError, RuntimeError):
            return  # the connection is cut, stalled or closing; the handler cleans up

    def _next_record(self, conn: _Conn, sub: _Sub) -> dict[str, Any]:
        book = conn.books[sub.listing.symbol]
        now_ms = _now_ms()
        if conn.channel == "quotes":
            return book.quote(now_ms)
        trade = book.trade(now_ms)
        if conn.channel == "trades":
            return trade
        price, size = trade["tradePrice"], trade["tradeSize"]
        if sub.bar is None:
            start = bar_start(now_ms, sub.frequency)
            sub.bar = Bar(sub.listing.symbol, start, FREQUENCY_MS[sub.frequency], price, size)
        else:
            sub.bar.add(price, size)
        return self._bar_record(conn.channel, sub, sub.bar)

    @staticmethod
    def _bar_record(channel: str, sub: _Sub, bar: Bar) -> dict[str, Any]:
        if channel == "aggregates":
            return bar.record()
        if sub.averages is None:
            sub.averages = Averages()
        return {"symbol": bar.symbol, "datetime": bar.start, "value": sub.averages.value(channel, bar.close)}

    async def _close_bars(self, conn: _Conn) -> None:
        """Send the final state of every bar whose period is over, and start afresh."""
        now_ms = _now_ms()
        for sub in list(conn.subs.values()):
            bar = sub.bar
            if bar is None or bar.end > now_ms:
                continue
            sub.bar = None
            record = self._bar_record(conn.channel, sub, bar)
            if sub.averages is not None:
                sub.averages.close_bar(bar.close)
            await self._send_data(conn, conn.channel, record)

    async def _halt(self, conn: _Conn) -> None:
        """Halt the connection's stream: `halt`, silence but for heartbeats, `resume`."""
        symbols = list(conn.subs)
        await self._send(conn, control_message(HALT, symbols=symbols, reason=HALT_REASON))
        await self.timer.sleep(self.halt_seconds)
        await self._send(conn, control_message(RESUME, symbols=symbols))
        assert self.halt_every is not None
        conn.next_halt = conn.sent + self.halt_every

    # ---- history -----------------------------------------------------------------------------

    def _history(self, conn: _Conn, msg: dict[str, Any]) -> None:
        """A history request: checked against what the server has (Refused if it cannot be
        served), then replayed. A method so that a server with another history (the recording
        replay server serves what was recorded) can say what it has."""
        self._start_replay(conn, check_history(msg))

    def _start_replay(self, conn: _Conn, replay: Replay) -> None:
        if conn.replay is not None:
            conn.replay.cancel()  # a new start replaces the replay under way
        conn.replay = conn.spawn(self._replay(conn, replay))

    async def _replay(self, conn: _Conn, replay: Replay) -> None:
        """Send the range's bars in batches as fast as the client reads, then `stream_end`."""
        bars = history_bars(replay.listing, self.seed, replay.frequency, replay.start, replay.end)
        try:
            batch: list[dict[str, Any]] = []
            for bar in bars:
                batch.append(bar)
                if len(batch) == HISTORY_BATCH:
                    await self._send_data(conn, "aggregates", batch)
                    batch = []
                    await asyncio.sleep(0)  # let heartbeats and client messages in
            if batch:
                await self._send_data(conn, "aggregates", batch)
            await self._send(conn, control_message(STREAM_END))
        except (_Dropped, ConnectionError, RuntimeError):
            return

    # ---- heartbeats --------------------------------------------------------------------------

    async def _heartbeat(self, conn: _Conn) -> None:
        """Send heartbeats; close the connection once one stays unanswered for `pong_timeout`."""
        timer = self.timer
        next_beat = timer.now() + self.heartbeat_interval
        try:
            while True:
                wake = next_beat
                if conn.unanswered:
                    wake = min(wake, conn.unanswered[0][1] + self.pong_timeout)
                await timer.sleep(max(0.0, wake - timer.now()))
                now = timer.now()
                if conn.unanswered and now - conn.unanswered[0][1] >= self.pong_timeout:
                    # not awaited here: the handler cancels this task as the connection ends
                    self.spawn(self._kick(conn, NO_PONG, REASON_NO_PONG))
                    return
                if now >= next_beat:
                    stamp = _now_ms()
                    conn.unanswered.append((stamp, now))
                    await self._send(conn, control_message(HEARTBEAT, timestamp=stamp))
                    next_beat += self.heartbeat_interval
                    if next_beat <= now:  # the loop was blocked: keep the interval, skip the backlog
                        next_beat = now + self.heartbeat_interval
        except (ConnectionError, RuntimeError):
            return

    async def _kick(self, conn: _Conn, code: int, reason: str) -> None:
        """Close one connection with a code and reason; abort it if the close cannot be written."""
        self._conns.discard(conn)
        for task in list(conn.tasks):
            task.cancel()
        try:
            await within(conn.ws.close(code=code, message=reason.encode()), 2.0)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            if conn.transport is not None:
                conn.transport.abort()
