"""What the six candle-exchange simulators share: one deterministic market and one pusher.

The market is a pure function of (pair, second): the price at any second is the same
whether a REST call asks for a bar an hour later or the WebSocket pushes it live. That
is what lets tests check the seam between a REST backfill and the stream (no gap, no
duplicate, the same numbers) and lets `record`/`replay` tests be reproducible.

An exchange simulator subclasses `CandleSimulator` and supplies its paths, its
subscription handling and its message formats; this module runs the clock: it pushes
the forming bar of every subscription `rate` times a second and the closed bar when the
interval ends, as the real exchanges do.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from feedcli.knobs import env_seconds
from feedcli.providers.candles import INTERVAL_SECONDS, Candle, Exchange, parse_pair
from feedcli.providers.candles.channels import CHANNELS
from feedcli.simulators.base import LoopbackServer, positive_rate
from feedcli.simulators.crypto_market import BookMarket, Step
from feedcli.simulators.rest_limits import RestEnforcer

#: pairs every simulator lists, with a starting price; others are unknown (exit 4 at the client)
DEFAULT_PAIRS: dict[str, float] = {
    "BTC-USDT": 67_000.0,
    "ETH-USDT": 3_500.0,
    "SOL-USDT": 150.0,
    "BTC-USD": 67_000.0,
    "ETH-BTC": 0.052,
}

#: samples per bar when computing a bar from the price path: enough to look like a
#: market, few enough that a 1000-bar daily backfill answers at once
SAMPLES_PER_BAR = 60


class CandleMarket:
    """A seeded, deterministic price and volume path for each pair, as a function of time."""

    def __init__(self, seed: int = 1, pairs: dict[str, float] | None = None) -> None:
        self.seed = seed
        self.pairs = dict(pairs or DEFAULT_PAIRS)

    def _noise(self, pair: str, second: int, salt: str = "") -> float:
        """A uniform number in [0, 1) from (seed, pair, second): reproducible, unordered."""
        digest = hashlib.blake2b(f"{self.seed}|{pair}|{second}|{salt}".encode(), digest_size=8).digest()
        return struct.unpack(">Q", digest)[0] / 2**64

    def price(self, pair: str, second: int) -> float:
        base = self.pairs[pair]
        phase = (self.seed % 97) * 0.37
        swing = 0.02 * math.sin(2 * math.pi * second / 3600 + phase) + 0.006 * math.sin(2 * math.pi * second / 317)
        jitter = 0.002 * (self._noise(pair, second) - 0.5)
        return round(base * (1 + swing + jitter), _decimals(base))

    def volume(self, pair: str, second: int) -> float:
        return round(self._noise(pair, second, "v") * 2.0 * 1000 / max(self.pairs[pair], 1.0), 6)

    def bar(self, pair: str, interval: str, start_ms: int, now_ms: int) -> Candle:
        """The bar of `interval` opening at `start_ms`, as it stands at `now_ms`."""
        length = INTERVAL_SECONDS[interval]
        start = start_ms // 1000
        end = min(start + length, max(start + 1, now_ms // 1000 + 1))
        step = max(1, length // SAMPLES_PER_BAR)
        seconds = range(start, end, step)
        prices = [self.price(pair, s) for s in seconds]
        volume = round(sum(self.volume(pair, s) for s in seconds) * step, 6)
        closed = now_ms >= start_ms + length * 1000
        quote = round(volume * (sum(prices) / len(prices)), 4)
        trades = int(volume * 37) + len(prices)
        return Candle(start_ms, prices[0], max(prices), min(prices), prices[-1], volume, quote, trades, closed)

    def history(self, pair: str, interval: str, limit: int, end_ms: int, now_ms: int) -> list[Candle]:
        """The newest `limit` bars starting at or before `end_ms`, oldest first."""
        length_ms = INTERVAL_SECONDS[interval] * 1000
        last = min(end_ms, now_ms) // length_ms * length_ms
        starts = [last - i * length_ms for i in range(limit)][::-1]
        return [self.bar(pair, interval, s, now_ms) for s in starts if s >= 0]


def _decimals(price: float) -> int:
    return max(2, 6 - int(math.log10(max(price, 1e-9))))


def bar_start(now_ms: int, interval: str) -> int:
    length = INTERVAL_SECONDS[interval] * 1000
    return now_ms // length * length


@dataclass(eq=False)
class Subscriber:
    """One WebSocket connection of a simulator and what it asked for."""

    ws: web.WebSocketResponse
    #: (pair as BASE-QUOTE, canonical interval) → the exchange's own subscription key
    subscriptions: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: open bar start per subscription, to push the closed bar once at the boundary
    open_bar: dict[tuple[str, str], int] = field(default_factory=dict)
    last_heard: float = field(default_factory=time.monotonic)
    sent: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class CandleSimulator(LoopbackServer):
    """The clock and bookkeeping of a candle exchange; subclasses speak the protocol.

    Subclasses implement `add_routes` (the exchange's real WS and REST paths) and
    `candle_message(sub, pair, interval, candle, key)` (the frame carrying a bar). They
    open a client's WebSocket with `accept()`, which registers it for the pushes.
    `rate` is pushes per second per subscription; `now_ms` can be overridden by tests.
    An exchange that closes silent clients sets `default_idle` (seconds) and `idle_env`,
    the environment variable that shortens it for tests; `idle=` overrides both.
    """

    name = "exchange"
    default_idle: float | None = None
    idle_env: str | None = None

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 2.0,
        seed: int = 1,
        *,
        pairs: dict[str, float] | None = None,
        clock: Callable[[], float] = time.time,
        rest_limit_every: int | None = None,
        drop_after: int | None = None,
        idle: float | None = None,
        rest_limits_scale: float | None = None,
        skip_update_every: int | None = None,
        bad_checksum_every: int | None = None,
        snapshot_lag: int | None = None,
        channels: Sequence[str] | None = None,
    ) -> None:
        super().__init__(host, port)
        unknown = [c for c in channels or () if c not in CHANNELS]
        if unknown:
            raise ValueError(f"{self.name}: no channel {unknown[0]!r}; channels: {', '.join(CHANNELS)}")
        #: the channels served (`simulate --channel`); a subscription to another is refused the
        #: exchange's way, as it refuses a topic it does not have
        self.channels: tuple[str, ...] = tuple(c for c in CHANNELS if c in channels) if channels else CHANNELS
        self.rate = positive_rate(rate, "messages")
        self.seed = seed
        self.market = CandleMarket(seed, pairs)
        self.clock = clock
        #: answer every Nth REST call with 429 and Retry-After (tests of the client's patience)
        self.rest_limit_every = rest_limit_every
        #: cut each connection without a close frame after N candle messages
        self.drop_after = drop_after
        self.subscribers: set[Subscriber] = set()
        #: seconds of client silence before the exchange closes a connection (None: never)
        self.idle: float | None = idle
        if idle is None and self.default_idle is not None:
            self.idle = env_seconds(self.idle_env, self.default_idle) if self.idle_env else self.default_idle
        #: book faults: every Nth update of a pair not sent (a gap), every Nth with a wrong
        #: checksum (where the exchange sends one), REST snapshots this many updates old
        self.skip_update_every = skip_update_every
        self.bad_checksum_every = bad_checksum_every
        self.snapshot_lag = snapshot_lag or 0
        #: the pairs' books, trades and quotes (made when first asked for)
        self.books: dict[str, BookMarket] = {}
        self._rounds = 0
        self._checksums = 0
        self.rest_calls = 0
        #: the exchange's documented REST limits, enforced (scaled by this factor) when given
        self.enforcer = RestEnforcer.for_exchange(self.name, rest_limits_scale, clock)
        #: every REST call's path and query, for tests
        self.rest_log: list[tuple[str, dict[str, str]]] = []
        self._pusher: asyncio.Task[None] | None = None

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    #: what the banner calls the exchange ("Binance spot")
    title = "exchange"

    def banner(self) -> str:
        return f"feedcli simulate: serving {self.title} at {self.url} ({self.served_text()})"

    def served_text(self) -> str:
        """`channels candles, book` and, when some are not served, which are refused."""
        text = f"channels {', '.join(self.channels)}"
        refused = [c for c in CHANNELS if c not in self.channels]
        return f"{text}; {', '.join(refused)} refused" if refused else text

    def served_names(self, names: Iterable[tuple[str, str]]) -> list[str]:
        """The exchange's names (given with our channel each) of what is served, in order: a
        listing names only what a client can subscribe to under `simulate --channel`."""
        return [name for channel, name in names if channel in self.channels]

    def serves(self, channel: str | None) -> bool:
        """Whether our channel (`candles`, `trades`, `book`, `ticker`) is served; None (a topic
        that is none of them: heartbeats, pings) always is."""
        return channel is None or channel in self.channels

    def listing(self) -> list[str]:
        return [f"Pairs: {' '.join(self.market.pairs)}"]

    def known_pair(self, pair: str) -> bool:
        return pair in self.market.pairs

    # -- REST helpers ----------------------------------------------------------------------

    def rest_gate(self, request: web.Request) -> web.Response | None:
        """Count a REST call; the 429 answer when rate limiting is injected, else None."""
        self.rest_calls += 1
        self.rest_log.append((request.path, dict(request.query)))
        if self.rest_limit_every and self.rest_calls % self.rest_limit_every == 0:
            return web.json_response({"msg": "Too many requests"}, status=429, headers={"Retry-After": "1"})
        if self.enforcer is not None:
            return self.enforcer.check(request.path, request.query)
        return None

    # -- pushing -----------------------------------------------------------------------------

    async def on_started(self) -> None:
        self._pusher = asyncio.ensure_future(self._push_forever())

    async def on_stopping(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
            await asyncio.gather(self._pusher, return_exceptions=True)
            self._pusher = None
        await asyncio.gather(*(s.ws.close(code=1001, message=b"server shutdown") for s in list(self.subscribers)))

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Candle, key: Any) -> Iterable[Any]:
        """The frame(s) carrying one bar to one subscriber (str or bytes each)."""
        raise NotImplementedError

    def due_keepalive(self, sub: Subscriber, now: float) -> Iterable[Any]:
        """Frames the server sends on its own (Binance's ping frames, Coinbase's heartbeats)."""
        return ()

    def idle_limit(self) -> float | None:
        """Seconds of client silence after which the exchange closes the connection, if any."""
        return self.idle

    def pair_map(self, exchange: Exchange) -> dict[str, str]:
        """The exchange's symbol of every pair served → the pair as BASE-QUOTE."""
        return {exchange.symbol(parse_pair(p)): p for p in self.market.pairs}

    async def accept(self, request: web.Request, **extra: Any) -> Subscriber:
        """Open a client's WebSocket (pings answered) and register it for pushes."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        sub = Subscriber(ws, extra=dict(extra))
        self.subscribers.add(sub)
        return sub

    async def serve(self, sub: Subscriber, answer: Callable[[Subscriber, str], Iterable[str]]) -> web.WebSocketResponse:
        """Read a client's text messages until it goes, sending back what `answer` makes of each.

        Every text message counts as hearing from the client (the idle rule); other message
        types are skipped. The client is forgotten when it goes.
        """
        ws = sub.ws
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                sub.last_heard = time.monotonic()
                for reply in answer(sub, msg.data):
                    await ws.send_str(reply)
        finally:
            self.subscribers.discard(sub)
        return ws

    # -- trades, books, tickers ---------------------------------------------------------------

    def book_market(self, pair: str, symbol: str) -> BookMarket:
        """The pair's book (made on first use, with the history a lagging snapshot needs)."""
        market = self.books.get(pair)
        if market is None:
            market = self.books[pair] = BookMarket(
                symbol, self.market.pairs[pair], self.seed, pair=pair, history=self.snapshot_lag
            )
        return market

    def channel_pairs(self, sub: Subscriber) -> dict[str, str]:
        """The pairs a subscriber follows on trade, book or ticker streams → the exchange's symbol."""
        return sub.extra.get("channel_pairs", {})

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        """The frames one round of steps makes for one subscriber (`skipped`: pairs whose book
        update is not sent this round, the skipped-update fault)."""
        return ()

    def checksum_fault(self, pair: str) -> bool:
        """Whether the next checksummed message gets a wrong checksum (the bad-checksum fault)."""
        every = self.bad_checksum_every
        if not every:
            return False
        self._checksums += 1
        return self._checksums % every == 0

    async def _push_channels(self, now_ms: int) -> None:
        wanted: dict[str, str] = {}
        for sub in self.subscribers:
            wanted.update(self.channel_pairs(sub))
        if not wanted:
            return
        steps = {pair: self.book_market(pair, symbol).step(now_ms) for pair, symbol in wanted.items()}
        every = self.skip_update_every
        self._rounds += 1
        skipped = set(steps) if every and self._rounds % every == 0 else set()
        for sub in list(self.subscribers):
            if sub.ws.closed or not self.channel_pairs(sub):
                continue
            try:
                for frame in self.channel_messages(sub, steps, skipped):
                    if not await self._send_counted(sub, frame):
                        break
            except (ConnectionError, RuntimeError):
                self.subscribers.discard(sub)

    async def _send_counted(self, sub: Subscriber, frame: Any) -> bool:
        """Send a data frame, or cut the connection (no close frame) past `drop_after`."""
        if self.drop_after is not None and sub.sent >= self.drop_after:
            self.subscribers.discard(sub)
            transport = sub.ws._req.transport if sub.ws._req is not None else None
            if transport is not None:
                transport.abort()  # no close frame: a dropped connection
            return False
        await _send(sub.ws, frame)
        sub.sent += 1
        return True

    async def _push_forever(self) -> None:
        period = 1.0 / self.rate
        while True:
            await asyncio.sleep(period)
            now_ms = self.now_ms()
            await self._push_channels(now_ms)
            for sub in list(self.subscribers):
                if sub.ws.closed:
                    self.subscribers.discard(sub)
                    continue
                try:
                    await self._push(sub, now_ms)
                except (ConnectionError, RuntimeError):
                    self.subscribers.discard(sub)

    async def _push(self, sub: Subscriber, now_ms: int) -> None:
        limit = self.idle_limit()
        if limit is not None and time.monotonic() - sub.last_heard > limit:
            self.subscribers.discard(sub)
            await sub.ws.close(code=1000, message=b"idle: no ping from the client")
            return
        for frame in self.due_keepalive(sub, time.monotonic()):
            await _send(sub.ws, frame)
        for (pair, interval), key in list(sub.subscriptions.items()):
            start = bar_start(now_ms, interval)
            previous = sub.open_bar.get((pair, interval))
            frames: list[Any] = []
            if previous is not None and previous != start:
                # the boundary passed: the final bar(s) first, as exchanges do. Every bar
                # that closed is sent, even when this push came late (a loaded machine):
                # an exchange does not skip a bar, and a gap would be the simulator's
                length_ms = INTERVAL_SECONDS[interval] * 1000
                for closing in range(previous, start, length_ms):
                    final = self.market.bar(pair, interval, closing, now_ms)
                    frames.extend(self.candle_message(sub, pair, interval, final, key))
            sub.open_bar[(pair, interval)] = start
            frames.extend(self.candle_message(sub, pair, interval, self.market.bar(pair, interval, start, now_ms), key))
            for frame in frames:
                if not await self._send_counted(sub, frame):
                    return


async def _send(ws: web.WebSocketResponse, frame: Any) -> None:
    if isinstance(frame, bytes):
        await ws.send_bytes(frame)
    elif isinstance(frame, str):
        await ws.send_str(frame)
    else:  # a ("ping", payload) pair: a WebSocket ping frame
        await ws.ping(frame[1])
