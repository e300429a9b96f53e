"""`replay --serve` of a crypto exchange's recording: the exchange's simulator fed the recording.

One module for the six exchanges: each one's simulator (binance.py, okx.py, ...) already
speaks its protocol (REST paths, exchangeInfo/instruments, the token call, the WebSocket
subscribe and acks, keepalives, refusals); `serve(simulator_path, ...)` makes a subclass of it
whose market is the recording instead of the seeded generator, and whose pusher is the
replay's timeline instead of the clock. See `feedcli.simulators.replay_server` for the
timeline, the end of a recording and slow clients.

What is served where:
- REST klines/candles answer from the recorded candles: the lines recorded before the
  recorder's first connection opened (its REST backfill, preloaded, since a client fetches its
  backfill before it subscribes, that is, before the timeline starts) and every candle played
  so far, each bar in
  its latest recorded version. So `feedcli stream --backfill N` gets the recording's backfill
  back, but for a bar the recorder fetched while it was still forming (`closed` false): REST
  rows carry no such flag and a client would judge the bar closed by its own clock, so that
  line is pushed over the WebSocket instead, when the timeline reaches it, flag and all.
- The WebSocket pushes every other line (what came over the WebSocket, and any REST gap fill
  made beside it), in the exchange's own frame, with the recorded `ts` (else `recv`) as the
  frame's event time, to every client
  subscribed to its pair (at whatever interval it asked: a recording does not say which).
- Lines of other channels (trades, book, ticker) go through `CHANNEL_FRAMES`, a table of how a
  recorded line becomes the simulator's frames for a subscription; trades and tickers of the
  six exchanges are in `feedcli.simulators.crypto_replay_frames`, books in
  `feedcli.simulators.crypto_replay_books`.

The timeline starts at the first subscription: a connection whose accepted subscriptions have
not changed for SUBSCRIPTIONS_SETTLE seconds (so a client that subscribes pair by pair has them
all when the first line is played).
At the end each client is closed with 1000 "end of recording", which the candle codec takes as
the end of the stream; a client that connects after the end is closed the same way at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
from aiohttp import web

from feedcli.events import DataEvent
from feedcli.providers.candles import Candle
from feedcli.simulators.candles import CandleSimulator, Subscriber, _send
from feedcli.simulators.crypto_replay_frames import REPLAY_MIXINS
from feedcli.simulators.crypto_replay_frames import ticker_frames as _ticker_frames
from feedcli.simulators.crypto_replay_frames import trade_frames as _trade_frames
from feedcli.simulators.replay_server import CLOSE_TIMEOUT
from feedcli.timeouts import within
from feedcli.wallclock import utc_moment

#: how often the server looks for a connection's first accepted subscription (seconds)
SUBSCRIBED_POLL = 0.02
#: how long a connection's subscriptions must stay unchanged before it counts as subscribed
SUBSCRIPTIONS_SETTLE = 0.2
#: the close for a client that cannot keep up (try again later), as the other backends
TRY_AGAIN_LATER = 1013


class RecordedMarket:
    """The recording's candles standing in for `CandleMarket`: what REST answers read.

    `pairs` maps each recorded pair to a price (its first recorded close; 1.0 until one is
    known), which the simulators use for tick sizes in their instrument listings.
    """

    def __init__(self, symbols: Iterable[str]) -> None:
        self.pairs: dict[str, float] = dict.fromkeys(symbols, 1.0)
        self._priced: set[str] = set()
        self._bars: dict[str, dict[int, Candle]] = {}

    def add(self, pair: str, candle: Candle) -> None:
        self._bars.setdefault(pair, {})[candle.start_ms] = candle
        if pair not in self._priced:
            self._priced.add(pair)
            self.pairs[pair] = candle.close

    def history(self, pair: str, interval: str, limit: int, end_ms: int, now_ms: int) -> list[Candle]:
        """The newest `limit` recorded bars opening at or before `end_ms` (and now), oldest first."""
        bars = self._bars.get(pair, {})
        cutoff = min(end_ms, now_ms)
        starts = sorted(s for s in bars if s <= cutoff)[-limit:] if limit > 0 else []
        return [bars[s] for s in starts]

    def bar(self, pair: str, interval: str, start_ms: int, now_ms: int) -> Candle:
        raise LookupError("a recording has no bars beyond what it recorded")


def candle_of(data: Any) -> Candle | None:
    """A recorded candle line's `data` back as a Candle; None if it is not one."""
    if not isinstance(data, dict):
        return None
    start = epoch_ms(data.get("timestamp"))
    try:
        values = [float(data[k]) for k in ("open", "high", "low", "close", "volume")]
    except (KeyError, TypeError, ValueError):
        return None
    if start is None:
        return None
    quote = data.get("quote_volume")
    trades = data.get("trades")
    closed = data.get("closed")
    return Candle(
        start,
        *values,
        quote_volume=float(quote) if isinstance(quote, int | float) else None,
        trades=trades if isinstance(trades, int) and not isinstance(trades, bool) else None,
        closed=closed if isinstance(closed, bool) else None,
    )


def epoch_ms(ts: Any) -> int | None:
    """An ISO 8601 time (a line's `ts`, a candle's `timestamp`) as epoch milliseconds."""
    moment = utc_moment(ts)
    return None if moment is None else round(moment.timestamp() * 1000)


def _candle_frames(server: Any, sub: Subscriber, event: DataEvent) -> list[Any]:
    candle = candle_of(event.data)
    if candle is None:
        return []
    frames: list[Any] = []
    for (pair, interval), key in list(sub.subscriptions.items()):
        if pair == event.symbol:
            frames.extend(server.candle_message(sub, pair, interval, candle, key))
    return frames


def _book_frames(server: Any, sub: Subscriber, event: DataEvent) -> list[Any]:
    """A recorded book line as the update (or snapshot) that rebuilds it (crypto_replay_books)."""
    from feedcli.simulators.crypto_replay_books import book_frames

    return book_frames(server, sub, event)


#: channel → (server, subscriber, recorded line) → the frames that carry it to that subscriber
CHANNEL_FRAMES: dict[str, Callable[[Any, Subscriber, DataEvent], list[Any]]] = {
    "candles": _candle_frames,
    "trades": _trade_frames,
    "ticker": _ticker_frames,
    "book": _book_frames,
}


class CryptoReplay:
    """The replay half of a crypto simulator subclass (mixed in before the simulator's class)."""

    market: RecordedMarket
    subscribers: set[Subscriber]
    candle_message: Callable[..., Iterable[Any]]

    def _replay_init(self, symbols: list[str] | None, slow_timeout: float) -> None:
        self.market = RecordedMarket(symbols or ())
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[object], None] = lambda _connection: None
        self.end: tuple[int, str] | None = None
        #: the recorded time (epoch ms) of the line being framed, None between lines
        self.present_ms: int | None = None
        self._notified: set[int] = set()
        self._preloaded: set[tuple[str, str, str, bytes]] = set()
        self._watcher: asyncio.Task[None] | None = None

    # -- what the ReplayServer asks ----------------------------------------------------------

    @property
    def connections(self) -> int:
        return len(self.subscribers)

    @property
    def account(self) -> None:
        return None

    def now_ms(self) -> int:
        """The recorded time of the line being framed, so frames carry the recorded times; the
        real clock otherwise (what checks a request's timestamp, as Gate's subscribe, wants it;
        the REST answers hold only what was preloaded or played, whatever the clock)."""
        if self.present_ms is not None:
            return self.present_ms
        return int(self.clock() * 1000)

    def symbol_of(self, pair: str) -> str:
        """The exchange's spelling of a recorded pair."""
        from feedcli.providers.candles import parse_pair

        exchange = getattr(self, "exchange_spec", None)
        return exchange.symbol(parse_pair(pair)) if exchange is not None else pair.replace("-", "")

    def preload(self, events: list[DataEvent]) -> None:
        """The lines recorded before the recorder's first connection (its REST backfill):
        served by the REST endpoints from the start, and not pushed when the timeline reaches them."""
        for event in events:
            candle = candle_of(event.data) if event.channel == "candles" else None
            if candle is not None and candle.closed is False:
                # a bar still forming when it was fetched: REST rows carry no `closed`, and a
                # client would judge it closed by its own clock, so it is pushed over the
                # WebSocket when the timeline reaches it, with its flag
                continue
            if candle is not None:
                self.market.add(event.symbol, candle)
            self._preloaded.add(_identity(event))

    async def deliver(self, event: DataEvent) -> None:
        if _identity(event) in self._preloaded:
            return
        if event.channel == "candles":  # what later REST calls (a gap fill) are answered from
            candle = candle_of(event.data)
            if candle is not None:
                self.market.add(event.symbol, candle)
        frames_of = CHANNEL_FRAMES.get(event.channel)
        if frames_of is None:
            return
        stamp = epoch_ms(event.ts)
        for sub in list(self.subscribers):
            if sub.ws.closed:
                self.subscribers.discard(sub)
                continue
            self.present_ms = stamp if stamp is not None else epoch_ms(event.recv)
            try:
                frames = frames_of(self, sub, event)
            finally:
                self.present_ms = None
            for frame in frames:
                try:
                    await within(_send(sub.ws, frame), self.slow_timeout)
                except asyncio.TimeoutError:
                    self.subscribers.discard(sub)
                    await _close(sub.ws, TRY_AGAIN_LATER, "client too slow")
                    break
                except (ConnectionError, RuntimeError):
                    self.subscribers.discard(sub)
                    break

    async def finish(self, code: int, reason: str) -> None:
        self.end = (code, reason)
        await asyncio.gather(*(_close(s.ws, code, reason) for s in list(self.subscribers)), return_exceptions=True)
        self.subscribers.clear()

    # -- the simulator's life cycle, replayed ------------------------------------------------

    async def on_started(self) -> None:
        # no pusher: the timeline is the source. A watcher tells the ReplayServer of each
        # connection's first accepted subscription (each exchange's handler records it in
        # `sub.subscriptions`), which starts the timeline.
        self._watcher = asyncio.ensure_future(self._watch_subscriptions())

    async def on_stopping(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        await asyncio.gather(
            *(_close(s.ws, 1001, "server shutdown") for s in list(self.subscribers)), return_exceptions=True
        )

    async def _watch_subscriptions(self) -> None:
        """Tell of each connection once its subscriptions have settled: some, and none added for
        SUBSCRIPTIONS_SETTLE seconds (a client subscribing its pairs one message each, as on
        KuCoin, has them all before the timeline starts)."""
        loop = asyncio.get_running_loop()
        seen: dict[int, tuple[int, float]] = {}
        while True:
            await asyncio.sleep(SUBSCRIBED_POLL)
            now = loop.time()
            for sub in list(self.subscribers):
                # candles in `subscriptions`; other channels where each simulator keeps them
                count = (
                    len(sub.subscriptions) + len(sub.extra.get("feeds", {})) + len(sub.extra.get("channel_pairs", {}))
                )
                if not count or id(sub) in self._notified:
                    continue
                before = seen.get(id(sub))
                if before is None or before[0] != count:
                    seen[id(sub)] = (count, now)
                elif now - before[1] >= SUBSCRIPTIONS_SETTLE:
                    self._notified.add(id(sub))
                    self.on_subscribed(sub)

    @web.middleware
    async def _after_the_end(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """A WebSocket opened after the end is closed at once, the way the others were."""
        if self.end is not None and request.headers.get("Upgrade", "").lower() == "websocket":
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await _close(ws, *self.end)
            return ws
        return await handler(request)


def _identity(event: DataEvent) -> tuple[str, str, str, bytes]:
    """What tells one recorded line from another (the lines of one REST answer share a `recv`)."""
    return (event.channel, event.symbol, event.recv, orjson.dumps(event.data))


async def _close(ws: web.WebSocketResponse, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await within(ws.close(code=code, message=reason.encode()), CLOSE_TIMEOUT)


def serve(simulator: str, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float) -> Any:
    """The replay server of the exchange whose simulator is `module:Class` (a CandleSimulator)."""
    import importlib

    module, _, name = simulator.partition(":")
    base = getattr(importlib.import_module(module), name)
    if not issubclass(base, CandleSimulator):
        raise TypeError(f"{simulator} is not a crypto exchange simulator")

    def add_routes(self: Any, app: web.Application) -> None:
        app.middlewares.append(self._after_the_end)
        base.add_routes(self, app)

    from feedcli.simulators.crypto_replay_books import book_mixin

    pairs = [s for s in symbols or () if _is_pair(s)]  # a line's symbol is a pair as written
    # the recorded books' mixin first: it stands in for the simulator's book market; then the
    # exchange's trade/ticker mixins (what its simulator sends on subscribing)
    mixins = REPLAY_MIXINS.get(base.name, ())
    bases = (book_mixin(base.name), CryptoReplay, *mixins, base)
    cls = type(f"{base.__name__}Replay", bases, {"add_routes": add_routes})
    server = cls(host=host, port=port, pairs=dict.fromkeys(pairs, 1.0))
    server._replay_init(pairs, slow_timeout)
    return server


def _is_pair(symbol: str) -> bool:
    from feedcli.errors import UsageError
    from feedcli.providers.candles import parse_pair

    try:
        parse_pair(symbol)
    except UsageError:
        return False
    return True


__all__ = ["CHANNEL_FRAMES", "RecordedMarket", "candle_of", "serve"]
