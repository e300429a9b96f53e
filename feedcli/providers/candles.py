"""What the six candle exchanges share: pairs, intervals, the flat candle record, one codec.

Each exchange module (binance.py, okx.py, ...) describes only its own wire formats as an
`Exchange`: how a pair is spelt, which intervals its WebSocket and its REST API serve, the
subscription frames, how a message or a REST page becomes candles, its keepalive. The
`CandleCodec` here glues that to the session engine the same way for all six:

- `--backfill N` fetches the last N candles over REST before the WebSocket opens (paged
  when N exceeds what one call returns), and after a reconnect fetches what was missed;
- an interval the WebSocket does not serve is polled over REST just after each candle
  boundary (the source document's fallback);
- a `CandleFeed` shared by every connection of a run drops what was already written:
  a candle older than the newest one seen, or a closed candle closed again. That is the
  seam between REST and WebSocket, and between two connections: no gap, no duplicate.

Nothing here opens a socket or reads the clock: the engine passes `now`.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from feedcli import market
from feedcli.errors import FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_iso
from feedcli.providers.base import (
    Codec,
    ConnectionDead,
    Frame,
    Handshake,
    HttpRequest,
    HttpResponse,
    ProviderInfo,
    SelectorOption,
    check_selector,
)
from feedcli.providers.record import (
    DROP_AFTER,
    NO_TUNING,
    SEED,
    Channel,
    Demo,
    Knob,
    Provider,
    SimOption,
    Simulator,
    rate_option,
)

#: the intervals a user may write, in seconds; each exchange maps the ones it serves.
#: A month (`1M`) is counted as 30 days for pacing polls only; its candles come from the exchange.
INTERVAL_SECONDS: dict[str, int] = {
    "1s": 1,
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "8h": 28800,
    "12h": 43200,
    "1d": 86400,
    "3d": 259200,
    "1w": 604800,
    "1M": 2592000,
}

#: seconds after a candle boundary before a poll asks for the closed candle: exchanges
#: take a moment to publish it, and asking at the boundary itself returns the old one
POLL_LAG = 1.0
#: how long after its end a REST bar with nothing newer is taken as final (ms)
SETTLE_MS = 5_000
#: unreadable answers to one fetch before it is given up (each is reported and waited out)
MAX_MALFORMED = 3
#: REST pages for one backfill, at most (guards against an exchange that ignores `endTime`)
MAX_PAGES = 50

_PAIR = re.compile(r"^([A-Z0-9]{1,20})-([A-Z0-9]{1,20})$")


@dataclass(frozen=True)
class Pair:
    """A market as the user writes it, `BASE-QUOTE` (`BTC-USDT`); exchanges spell it their way."""

    base: str
    quote: str

    def __str__(self) -> str:
        return f"{self.base}-{self.quote}"


def parse_pair(text: str) -> Pair:
    """`btc-usdt` or `BTC-USDT` → Pair; anything else is bad usage (exit 2)."""
    check_selector("--pair", text)
    match = _PAIR.match(text.upper())
    if match is None:
        raise UsageError(f"--pair {text!r} must look like BASE-QUOTE, e.g. BTC-USDT")
    return Pair(match.group(1), match.group(2))


@dataclass(slots=True)
class Candle:
    """One bar; `start_ms` is when it opens (epoch ms). None fields are ones the exchange omits."""

    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float | None = None
    trades: int | None = None
    #: True once the interval is over and the bar is final; None when the exchange doesn't say
    closed: bool | None = None

    def record(self) -> dict[str, Any]:
        """The NDJSON `data` of a candle line (CONTRACT.md): flat, typed, no absent fields."""
        out: dict[str, Any] = {
            "timestamp": epoch_iso(self.start_ms / 1000),
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": self.volume,
        }
        if self.quote_volume is not None:
            out["quote_volume"] = self.quote_volume
        if self.trades is not None:
            out["trades"] = self.trades
        if self.closed is not None:
            out["closed"] = self.closed
        return out


def number(value: Any, what: str = "value") -> float:
    """An exchange's number (often a string, to keep precision) as a float, or MalformedFrame."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise MalformedFrame(f"{what} is not a number: {value!r}") from None


@dataclass
class Parsed:
    """What one WebSocket message held, in terms the shared codec understands."""

    #: (the exchange's symbol, the candle, the exchange's event time in ms or None)
    candles: list[tuple[str, Candle, int | None]] = field(default_factory=list)
    #: frames to send back at once (a pong to an application-level ping)
    replies: list[Frame] = field(default_factory=list)
    #: the exchange acknowledged a subscription (written as a `subscribed` control line)
    acks: list[str] = field(default_factory=list)
    #: the exchange refused a subscription: exit 4 with this message
    refusal: str | None = None
    #: the connection is unusable and should be re-opened (the exchange asked us to reconnect)
    reconnect: str | None = None
    #: the message was none of the kinds feedcli knows (an `unknown` control line)
    unknown: bool = False
    #: the server said the connection is ready (KuCoin's welcome): an exchange with
    #: `subscribe_when_ready` sends its subscriptions now rather than on opening
    ready: bool = False


class Exchange(ABC):
    """One exchange's wire formats. Subclasses are the provider modules' `EXCHANGE`."""

    name: str
    title: str
    #: the production base URLs: WebSocket and REST live on different hosts
    ws_base: str
    rest_base: str
    #: canonical interval → the exchange's spelling, for the WebSocket and for REST
    ws_intervals: Mapping[str, str]
    rest_intervals: Mapping[str, str]
    #: the most candles one REST call returns
    rest_limit: int = 500
    #: the most pairs one WebSocket connection may carry; more open further connections
    pairs_per_connection: int = 50
    #: seconds between the client's own keepalive messages (None: the exchange pings us)
    keepalive_interval: float | None = None
    #: seconds of total silence after which the connection is taken for dead (None: the
    #: engine's WebSocket pings decide)
    silence_limit: float | None = None
    #: subscribe only once a message parses as `Parsed.ready` (KuCoin: after the welcome)
    subscribe_when_ready: bool = False

    @abstractmethod
    def symbol(self, pair: Pair) -> str:
        """The exchange's spelling of a pair (`BTCUSDT`, `BTC_USDT`, ...)."""

    def check_pair(self, pair: Pair) -> None:
        """Refuse a pair the exchange's rules make impossible (exit 2); most can't know."""
        return None

    @abstractmethod
    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake | None:
        """The WebSocket to open; None when it comes from a token call (`token_request`)."""

    @abstractmethod
    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        """The frames that subscribe `symbols` to candles of `interval` (the exchange's spelling).

        `now` is the engine's clock (for an exchange that stamps its requests): a codec never
        reads the clock itself.
        """

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        """Frames to send before a deliberate close; many exchanges need none."""
        return []

    @abstractmethod
    def parse(self, frame: Frame) -> Parsed:
        """Read one WebSocket message; raise MalformedFrame if it can't be read."""

    def keepalive(self, now: float) -> list[Frame]:
        """The client's keepalive message(s), sent every `keepalive_interval` seconds."""
        return []

    def keepalive_for(self, handshake: Handshake | None) -> tuple[float | None, float | None]:
        """(keepalive interval, silence limit) of one connection; KuCoin's come with its token."""
        return self.keepalive_interval, self.silence_limit

    def tuned(self, tuning: Mapping[str, float]) -> Exchange:
        """The exchange with test knobs applied (`Provider.knobs`: a shorter ping interval).

        The knobs come from the CLI, which reads the environment; most exchanges have none.
        """
        return self

    def token_request(self, rest_base: str) -> HttpRequest | None:
        """A call that must precede every connection (KuCoin's bullet-public); None if none."""
        return None

    def on_token(self, response: HttpResponse, symbols: Sequence[str], interval: str) -> Handshake:
        """The handshake (and keepalive settings) from the token call's answer."""
        raise NotImplementedError

    @abstractmethod
    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        """The REST call for the newest `limit` candles ending at `end_ms` (None: now).

        `now_ms` is the engine's clock, for exchanges that want a time range rather than
        a count: a codec never reads the clock itself.
        """

    @abstractmethod
    def parse_rest(self, body: bytes) -> list[Candle]:
        """A REST page's candles, in any order (the codec sorts them)."""

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        """A final error in a REST answer (an unknown symbol → exit 4); None to read it as data."""
        if response.status in (400, 404):
            return SubscriptionError(f"{self.name}: {symbol} refused (HTTP {response.status}: {_excerpt(response)})")
        if response.status >= 400:
            return FeedError(f"{self.name}: REST call failed (HTTP {response.status}: {_excerpt(response)})")
        return None

    def preflight(self, rest_base: str, symbols: Sequence[str]) -> HttpRequest | None:
        """A call that tells whether the symbols exist, for exchanges that subscribe silently to anything."""
        return None

    def check_preflight(self, response: HttpResponse, symbols: Sequence[str]) -> None:
        """Raise SubscriptionError (exit 4) if the preflight answer names an unknown symbol."""
        return None


def _excerpt(response: HttpResponse) -> str:
    return response.body[:200].decode("utf-8", "replace").strip() or "no body"


# --------------------------------------------------------------------------- the shared state


@dataclass
class Request:
    """What the user asked for, checked."""

    pairs: tuple[Pair, ...]
    interval: str
    backfill: int = 0


class CandleFeed:
    """The state of one run, shared by all its connections and all their attempts.

    It decides what may be written: a candle older than the newest seen for its pair, or a
    closed candle already written closed, is a repeat (a REST page overlapping the stream,
    a replayed message after a reconnect) and is dropped.
    """

    def __init__(self, exchange: Exchange, request: Request, ws_base: str, rest_base: str) -> None:
        self.exchange = exchange
        self.request = request
        self.ws_base = ws_base
        self.rest_base = rest_base
        self.interval_ms = INTERVAL_SECONDS[request.interval] * 1000
        self.polling = request.interval not in exchange.ws_intervals
        #: the exchange's symbol → the pair as the user wrote it (the data line's `symbol`)
        self.pair_of: dict[str, str] = {exchange.symbol(p): str(p) for p in request.pairs}
        self.newest: dict[str, int] = {}
        self.closed_upto: dict[str, int] = {}
        #: symbols whose backfill is written (it is fetched once; later connections fill gaps)
        self.backfilled: set[str] = set()
        self.preflight_done = False
        #: backfills under way, kept across connection attempts: a page lost to a network
        #: error makes the engine start a new codec, which resumes the paging where it stopped
        self.partial: dict[str, _Backfill] = {}

    def admit(self, symbol: str, candle: Candle) -> bool:
        """Whether a candle is news: a bar closing for the first time, or the newest bar updating."""
        closed_upto = self.closed_upto.get(symbol, -1)
        if candle.start_ms <= closed_upto:
            return False  # written closed already
        if candle.closed:
            self.closed_upto[symbol] = candle.start_ms
            self.newest[symbol] = max(self.newest.get(symbol, candle.start_ms), candle.start_ms)
            return True
        newest = self.newest.get(symbol)
        if newest is not None and candle.start_ms < newest:
            return False  # an update of a bar already superseded
        self.newest[symbol] = candle.start_ms
        return True

    def connections(self) -> list[tuple[str, ...]]:
        """The symbols of each connection: as many as the exchange allows on one."""
        symbols = list(self.pair_of)
        if self.polling:
            return [tuple(symbols)]
        size = max(1, self.exchange.pairs_per_connection)
        return [tuple(symbols[i : i + size]) for i in range(0, len(symbols), size)]


# --------------------------------------------------------------------------- the codec


@dataclass
class _Backfill:
    """One symbol's paged REST fetch: pages arrive newest first, are written oldest first."""

    symbol: str
    wanted: int
    #: fetch only candles starting at or after this (a gap fill after a reconnect)
    since_ms: int | None = None
    got: dict[int, Candle] = field(default_factory=dict)
    end_ms: int | None = None
    pages: int = 0
    failures: int = 0
    done: bool = False


class CandleCodec(Codec):
    """One connection (or one poller) for some of a run's pairs."""

    def __init__(self, feed: CandleFeed, symbols: tuple[str, ...]) -> None:
        self.feed = feed
        self.ex = feed.exchange
        self.provider = self.ex.name
        self.symbols = symbols
        self.polling = feed.polling
        code = (self.ex.rest_intervals if self.polling else self.ex.ws_intervals)[feed.request.interval]
        self.code = code
        #: the REST spelling of the interval, for backfills and gap fills while streaming
        self.rest_code = self.ex.rest_intervals.get(feed.request.interval, code)
        self.handshake = None if self.polling else self.ex.handshake(feed.ws_base, symbols, code)
        self.timer_interval: float | None = None
        self.silence_limit: float | None = None
        if not self.polling:
            self.timer_interval, self.silence_limit = self.ex.keepalive_for(self.handshake)
        self._token_asked = self.polling or self.ex.token_request(feed.rest_base) is None
        self._preflight_asked = feed.preflight_done
        self._fills: list[_Backfill] = self._plan_fills()
        self._in_flight: dict[HttpRequest, _Backfill] = {}
        self._outgoing: list[Frame] = []
        self._next_poll = 0.0
        #: the latest time the engine told us (pending_requests, which it asks before every
        #: connection, and on_timer): what an exchange that stamps its requests stamps them with
        self._now = 0.0
        #: symbols whose first streamed candle this connection has seen
        self._streaming: set[str] = set()

    # -- before connecting -------------------------------------------------------------

    def _plan_fills(self) -> list[_Backfill]:
        feed = self.feed
        fills = []
        for symbol in self.symbols:
            if symbol in feed.newest and not self.polling:
                # a reconnect: fetch what the stream missed, from the newest candle seen on
                # (whether or not --backfill was given: an outage must not lose bars)
                fills.append(_Backfill(symbol, self.ex.rest_limit * MAX_PAGES, since_ms=feed.newest[symbol]))
            elif symbol not in feed.backfilled:
                wanted = feed.request.backfill or (2 if self.polling else 0)
                if wanted and not self.polling:
                    fills.append(feed.partial.setdefault(symbol, _Backfill(symbol, wanted)))
                elif wanted:
                    fills.append(_Backfill(symbol, wanted))
        return fills

    def pending_requests(self, now: float) -> list[HttpRequest]:
        self._now = now
        ex, feed = self.ex, self.feed
        # The engine asks again only once every call it was given is answered or has
        # failed (429, a network error): anything still marked in flight was lost.
        self._in_flight.clear()
        if not self._preflight_asked:
            self._preflight_asked = True
            request = ex.preflight(feed.rest_base, self.symbols)
            if request is not None:
                return [replace(request, purpose="preflight")]
            feed.preflight_done = True
        if not self._token_asked:
            self._token_asked = True
            request = ex.token_request(feed.rest_base)
            if request is not None:
                return [replace(request, purpose="token")]
        out = []
        for fill in self._fills:
            if not fill.done:
                page = max(1, min(ex.rest_limit, fill.wanted - len(fill.got)))
                request = ex.rest_request(
                    feed.rest_base, fill.symbol, self.rest_code, limit=page, end_ms=fill.end_ms, now_ms=int(now * 1000)
                )
                request = replace(request, purpose="poll" if self.polling else "backfill")
                self._in_flight[request] = fill
                out.append(request)
        if self.polling and not self._next_poll:
            self._next_poll = self._boundary_after(now)  # the first fetch is the one above
        if out or not self.polling:
            return out
        if now >= self._next_poll:
            # the boundary just passed: the closed candle and the new one, for every pair
            self._next_poll = self._boundary_after(now)
            self._fills = [self._poll_fill(s, now) for s in self.symbols]
            return self.pending_requests(now)
        return []

    def _poll_fill(self, symbol: str, now: float) -> _Backfill:
        """Everything since the newest bar written: a poll that came late (a backoff, a
        Retry-After, many pairs) still writes every bar that closed meanwhile."""
        newest = self.feed.newest.get(symbol)
        if newest is None:
            return _Backfill(symbol, 2)
        missed = int((now * 1000 - newest) // self.feed.interval_ms) + 2
        return _Backfill(symbol, max(2, min(self.ex.rest_limit, missed)), since_ms=newest)

    def _boundary_after(self, now: float) -> float:
        if self.feed.request.interval == "1M":
            this_month = bar_end_ms(int(now * 1000), "1M")  # the start of next month
            return this_month / 1000 + POLL_LAG
        step = self.feed.interval_ms / 1000
        # the lag stays well inside the interval: a poll per bar, none skipped (1s bars)
        return (now // step + 1) * step + min(POLL_LAG, step / 4)

    def poll_delay(self, now: float) -> float:
        return max(0.05, self._next_poll - now)

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        ex, feed = self.ex, self.feed
        if request.purpose == "preflight":
            ex.check_preflight(response, self.symbols)
            feed.preflight_done = True
            return []
        if request.purpose == "token":
            if response.status >= 400:
                raise FeedError(f"{ex.name}: the token call failed (HTTP {response.status}: {_excerpt(response)})")
            self.handshake = ex.on_token(response, self.symbols, self.code)
            self.timer_interval, self.silence_limit = ex.keepalive_for(self.handshake)
            return []
        fill = self._in_flight.pop(request, None)
        if fill is None:
            return []
        refusal = ex.rest_refusal(response, feed.pair_of.get(fill.symbol, fill.symbol))
        if refusal is not None:
            raise refusal
        try:
            page = ex.parse_rest(response.body)
        except MalformedFrame:
            fill.failures += 1
            if fill.failures >= MAX_MALFORMED:
                fill.done = True  # give up on this fetch; the stream (or the next poll) goes on
                feed.partial.pop(fill.symbol, None)
                feed.backfilled.add(fill.symbol)
            raise
        fill.pages += 1
        starts = [c.start_ms for c in page]
        oldest = min(starts) if starts else None
        for candle in page:
            if fill.since_ms is not None and candle.start_ms < fill.since_ms:
                continue
            fill.got[candle.start_ms] = candle
        if fill.since_ms is not None:
            # a gap fill pages back until it reaches the newest bar already written
            finished = oldest is None or oldest <= fill.since_ms
        else:
            finished = len(fill.got) >= fill.wanted or oldest is None
        ignored_end = fill.end_ms is not None and oldest is not None and oldest > fill.end_ms
        if finished or ignored_end or fill.pages >= MAX_PAGES:
            fill.done = True
            feed.partial.pop(fill.symbol, None)
            return self._write_fill(fill, recv)
        fill.end_ms = oldest - 1
        return []

    def _write_fill(self, fill: _Backfill, recv: str) -> list[Event]:
        feed = self.feed
        feed.backfilled.add(fill.symbol)
        candles = sorted(fill.got.values(), key=lambda c: c.start_ms)[-fill.wanted :]
        now_ms = _recv_ms(recv)
        out: list[Event] = []
        pair = feed.pair_of[fill.symbol]
        for i, candle in enumerate(candles):
            if candle.closed is None:
                # final when a later bar exists, or when it ended a while ago: a bar that
                # ended a moment ago may still be settling, and its final version will come
                later = i + 1 < len(candles)
                candle.closed = later or bar_end_ms(candle.start_ms, feed.request.interval) <= now_ms - SETTLE_MS
            if feed.admit(fill.symbol, candle):
                out.append(DataEvent(self.provider, "candles", pair, None, recv, candle.record()))
        return out

    # -- connected ---------------------------------------------------------------------

    def opening_frames(self) -> list[Frame]:
        if self.ex.subscribe_when_ready:
            return []  # sent when the server says it is ready (parse)
        return self.ex.subscribe(self.symbols, self.code, now=self._now)

    def closing_frames(self) -> list[Frame]:
        return self.ex.unsubscribe(self.symbols, self.code, now=self._now)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        parsed = self.ex.parse(frame)
        if parsed.refusal is not None:
            raise SubscriptionError(f"{self.provider}: {parsed.refusal}")
        if parsed.reconnect is not None:
            raise ConnectionDead(f"{self.provider}: {parsed.reconnect}")
        self._outgoing.extend(parsed.replies)
        if parsed.ready and self.ex.subscribe_when_ready:
            self._outgoing.extend(self.ex.subscribe(self.symbols, self.code, now=self._now))
        out: list[Event] = []
        feed = self.feed
        for symbol, candle, event_ms in parsed.candles:
            pair = feed.pair_of.get(symbol)
            newest = feed.newest.get(symbol)
            closed_upto = feed.closed_upto.get(symbol, -1)
            if pair is None or not feed.admit(symbol, candle):
                continue
            if newest is not None and candle.start_ms > newest:
                first = symbol not in self._streaming
                skipped = feed.request.interval != "1M" and candle.start_ms > newest + feed.interval_ms
                if skipped or (first and closed_upto < newest):
                    # The stream starts (or goes on) past bars that were never written closed:
                    # one that closed between the REST answer and this update, or bars the
                    # stream skipped. Fetch them over REST beside the stream.
                    self._top_up(symbol, newest, candle.start_ms)
            self._streaming.add(symbol)
            ts = epoch_iso(event_ms / 1000) if event_ms is not None else None
            out.append(DataEvent(self.provider, "candles", pair, ts, recv, candle.record()))
        for what in parsed.acks:
            out.append(ControlEvent(self.provider, "subscribed", recv, {"what": what}))
        if parsed.unknown:
            out.append(ControlEvent(self.provider, "unknown", recv, {}))
        return out

    def take_outgoing(self) -> list[Frame]:
        out, self._outgoing = self._outgoing, []
        return out

    def _top_up(self, symbol: str, newest: int, start_ms: int) -> None:
        month = self.feed.request.interval == "1M"
        wanted = 3 if month else int((start_ms - newest) // self.feed.interval_ms) + 2
        self._fills.append(_Backfill(symbol, max(2, min(self.ex.rest_limit, wanted)), since_ms=newest))
        self.wants_http = True

    def on_timer(self, now: float, last_heard: float) -> list[Frame]:
        self._now = now
        limit = self.silence_limit
        if limit is not None and now - last_heard > limit:
            raise ConnectionDead(f"{self.provider}: nothing received for {limit:g}s")
        return self.ex.keepalive(now)


def bar_end_ms(start_ms: int, interval: str) -> int:
    """When a bar ends: its length later, or for `1M` the first instant of the next month."""
    if interval != "1M":
        return start_ms + INTERVAL_SECONDS[interval] * 1000
    from datetime import datetime, timezone

    start = datetime.fromtimestamp(start_ms / 1000, tz=timezone.utc)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp() * 1000)


def _recv_ms(recv: str) -> int:
    from feedcli.events import parse_recv

    return int(parse_recv(recv) * 1000)


# --------------------------------------------------------------------------- CLI declaration


def default_interval(exchange: Exchange) -> str:
    """`1m`, or where the WebSocket has no 1m candles (Coinbase) the shortest it streams:
    a bare `stream PROVIDER --pair P` should stream, not poll."""
    if "1m" in exchange.ws_intervals or not exchange.ws_intervals:
        return "1m"
    return min(exchange.ws_intervals, key=lambda i: INTERVAL_SECONDS.get(i, 10**9))


def options(exchange: Exchange) -> tuple[SelectorOption, ...]:
    """The options every candle provider offers: pairs, the interval, a backfill."""
    intervals = [i for i in INTERVAL_SECONDS if i in exchange.ws_intervals or i in exchange.rest_intervals]
    return (
        SelectorOption("--pair", "pair", "Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).", "PAIR"),
        SelectorOption(
            "--interval",
            "interval",
            f"Candle interval (default {default_interval(exchange)}). Intervals without a WebSocket stream "
            "are polled over REST.",
            "INTERVAL",
            choices=tuple(intervals),
            single=True,
        ),
        SelectorOption(
            "--backfill",
            "backfill",
            "Fetch the last N candles over REST before streaming.",
            "N",
            single=True,
        ),
    )


def request_from(exchange: Exchange, values: Mapping[str, Any]) -> Request:
    """Check the command line (exit 2 for what can't be right) before anything connects."""
    raw = values.get("pair") or []
    if not raw:
        raise UsageError(f"{exchange.name}: give at least one --pair, e.g. --pair BTC-USDT")
    pairs = tuple(dict.fromkeys(parse_pair(p) for p in raw))  # btc-usdt and BTC-USDT are one pair
    for pair in pairs:
        exchange.check_pair(pair)
    interval = values.get("interval") or default_interval(exchange)
    if interval not in exchange.ws_intervals and interval not in exchange.rest_intervals:
        served = [i for i in INTERVAL_SECONDS if i in exchange.ws_intervals or i in exchange.rest_intervals]
        raise UsageError(f"{exchange.name} has no {interval} candles; it serves {', '.join(served)}")
    backfill_text = values.get("backfill")
    backfill = 0
    if backfill_text not in (None, ""):
        try:
            backfill = int(backfill_text)
        except ValueError:
            raise UsageError(f"--backfill wants a number of candles, not {backfill_text!r}") from None
        if backfill < 0 or backfill > exchange.rest_limit * MAX_PAGES:
            raise UsageError(f"--backfill must be between 0 and {exchange.rest_limit * MAX_PAGES}")
    return Request(pairs, interval, backfill)


def provider_info(
    exchange: Exchange, *, ws_path: str, examples: tuple[str, ...], title: str | None = None, pair: str = "BTC-USDT"
) -> ProviderInfo:
    """A candle provider's `INFO`: what `feedcli providers` lists and `--help` shows."""
    return ProviderInfo(
        name=exchange.name,
        title=title or exchange.title,
        default_url=exchange.ws_base,
        credentials=None,
        channels=("candles",),
        selectors=f"--pair {pair}... [--interval {default_interval(exchange)}] [--backfill N]",
        ws_path=ws_path,
        examples=examples,
    )


def preparer(
    exchange: Exchange,
) -> Callable[[Mapping[str, Any], Mapping[str, float]], Callable[[str, Any], list[Codec]]]:
    """A candle provider module's `prepare`."""
    return functools.partial(prepare_for, exchange)


def prepare_for(
    exchange: Exchange, values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING
) -> Callable[[str, Any], list[Codec]]:
    """A provider module's `prepare`: (base URL, no credential) → one codec per connection.

    With the production base URL, REST goes to the exchange's REST host; with `--url`
    (a simulator, a proxy) both WebSocket and REST go to the given host.
    """
    request = request_from(exchange, values)
    exchange = exchange.tuned(tuning)
    feeds: dict[str, CandleFeed] = {}

    def make(base_url: str, _credential: Any) -> list[Codec]:
        feed = feeds.get(base_url)
        if feed is None:
            rest = exchange.rest_base if base_url == exchange.ws_base else base_url
            feed = feeds[base_url] = CandleFeed(exchange, request, base_url, rest)
        return [CandleCodec(feed, symbols) for symbols in feed.connections()]

    return make


# --------------------------------------------------------------------------- the records


def candle_object(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A candle line's `data` (`Candle.record()`) in the vocabulary's terms."""
    bar = data if isinstance(data, Mapping) else {}
    n = market.number
    stamp, closed = bar.get("timestamp"), bar.get("closed")
    return (
        market.Candle(
            stamp if isinstance(stamp, str) else None,
            n(bar.get("open")),
            n(bar.get("high")),
            n(bar.get("low")),
            n(bar.get("close")),
            n(bar.get("volume")),
            closed if isinstance(closed, bool) else None,
        ),
    )


#: pairs a demo watches, and how many bars of history it fetches first
DEMO_PAIRS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")
DEMO_BACKFILL = "60"

SIM_OPTIONS: tuple[SimOption, ...] = (
    rate_option("Updates per second of each subscribed candle.", 2.0),
    SEED,
    SimOption(
        "--rest-429-every",
        "rest_429_every",
        "Answer every Nth REST call with 429 and Retry-After: 1.",
        metavar="N",
        min=1,
        fault=True,
    ),
    DROP_AFTER,
)


def provider(
    exchange: Exchange,
    info: ProviderInfo,
    simulator: Callable[[str, int, Mapping[str, Any]], Any],
    *,
    port: int,
    help_text: str,
    knobs: tuple[Knob, ...] = (),
) -> Provider:
    """A candle exchange's record: the `candles` channel, its simulator, a demo of three pairs."""
    return Provider(
        info=info,
        options=options(exchange),
        prepare=preparer(exchange),
        channels=(Channel("candles", "candle", candle_object, series=True),),
        simulator=Simulator(
            simulator,
            SIM_OPTIONS,
            port,
            help_text,
            f"feedcli simulate {exchange.name}, then feedcli stream {exchange.name} "
            f"--url http://127.0.0.1:{port} --pair BTC-USDT --interval 1m",
        ),
        # an hour of 1m history first, then three pairs live
        demo=Demo(
            values=lambda _sim: {"pair": list(DEMO_PAIRS), "interval": "1m", "backfill": DEMO_BACKFILL},
            max_rate=10.0,
        ),
        knobs=knobs,
    )
