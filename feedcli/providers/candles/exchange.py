"""What the candle exchanges share on the wire: pairs, intervals, the flat candle record, and
the `Exchange` each one describes its own formats with."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import epoch_ms_iso
from feedcli.providers.base import (
    Frame,
    Handshake,
    HttpRequest,
    HttpResponse,
    check_selector,
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

if TYPE_CHECKING:
    from feedcli.providers.candles.channels import Wire

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
            "timestamp": epoch_ms_iso(self.start_ms),
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


#: a streamed candle read by `Exchange.quick_candle`: (the exchange's symbol, the bar's start in
#: ms, closed or None, the line's `ts`: `epoch_ms_iso` of the event time, or None, the line's
#: `data`: `Candle.record()` of the bar)
QuickCandle = tuple[str, int, bool | None, str | None, dict[str, Any]]


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
    #: its trades, books and tickers (`channels.Wire`); None: candles only
    wire: type[Wire] | None = None

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

    def quick_candle(self, frame: Frame) -> QuickCandle | None:
        """The hot path, for an exchange whose candle messages come many a second (Binance):
        a message of the one common shape read straight into what the line needs, or None for
        anything else, which `parse` then reads (and refuses with its own error). Whatever this
        reads, `parse` must read the same: a differential test holds an exchange to it.
        Not overridden: no hot path, `parse` reads everything."""
        return None

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
            return SubscriptionError(f"{self.name}: {symbol} refused (HTTP {response.status}: {excerpt(response)})")
        if response.status >= 400:
            return FeedError(f"{self.name}: REST call failed (HTTP {response.status}: {excerpt(response)})")
        return None

    def preflight(self, rest_base: str, symbols: Sequence[str]) -> HttpRequest | None:
        """A call that tells whether the symbols exist, for exchanges that subscribe silently to anything."""
        return None

    def check_preflight(self, response: HttpResponse, symbols: Sequence[str]) -> None:
        """Raise SubscriptionError (exit 4) if the preflight answer names an unknown symbol."""
        return None

    def instruments_request(self, rest_base: str) -> HttpRequest | None:
        """The call that lists every spot instrument (`feedcli search`); None: the exchange has none here."""
        return None

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        """The instruments of that answer, each `{"pair","symbol","base","quote","status"}`;
        MalformedFrame for a body that is not such a list."""
        raise MalformedFrame(f"{self.name}: no instrument list")


class PingingExchange(Exchange):
    """An exchange that wants the client's own pings (Bybit, Gate, OKX): one every
    `keepalive_interval` seconds, and `silence_factor` periods without a word mean the connection
    is dead. The one knob, `ping_interval` (a test's FEEDCLI_<NAME>_PING_INTERVAL, read by the
    CLI), builds a copy with another period."""

    #: the exchange's ping period (seconds) when no knob sets one
    ping_interval: ClassVar[float]
    #: silence after which the connection is taken for dead, in ping periods
    silence_factor: ClassVar[float] = 3.0

    def __init__(self, ping_interval: float | None = None) -> None:
        self.keepalive_interval = self.ping_interval if ping_interval is None else ping_interval
        self.silence_limit = self.keepalive_interval * self.silence_factor

    def tuned(self, tuning: Mapping[str, float]) -> PingingExchange:
        return type(self)(tuning.get("ping_interval", self.keepalive_interval))


def instrument_rows(listed: list[Any], symbol: str, base: str, quote: str, status: str) -> list[dict[str, Any]]:
    """`parse_instruments`'s rows from an exchange's list of instrument objects, by the names of
    its fields; entries without a symbol, base and quote are left out."""
    rows = []
    for item in listed:
        if isinstance(item, dict) and item.get(symbol) and item.get(base) and item.get(quote):
            b, q = str(item[base]), str(item[quote])
            rows.append({"pair": f"{b}-{q}", "symbol": item[symbol], "base": b, "quote": q, "status": item.get(status)})
    return rows


def excerpt(response: HttpResponse) -> str:
    return response.body[:200].decode("utf-8", "replace").strip() or "no body"


@dataclass
class Request:
    """What the user asked for, checked."""

    pairs: tuple[Pair, ...]
    interval: str
    backfill: int = 0
    #: the channels asked for (`candles`, `trades`, `book`, `ticker`)
    channels: tuple[str, ...] = ("candles",)
    #: the levels a book line shows
    depth: int = 10


def bar_end_ms(start_ms: int, interval: str) -> int:
    """When a bar ends: its length later, or for `1M` the first instant of the next month."""
    if interval != "1M":
        return start_ms + INTERVAL_SECONDS[interval] * 1000
    from datetime import datetime, timezone

    start = datetime.fromtimestamp(start_ms / 1000, tz=timezone.utc)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp() * 1000)
