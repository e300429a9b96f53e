"""View models: what the screen shows, by kind of data, and how provider payloads map to them.

The renderers (`render.py`) know books, daily statistics, candles and key/value records;
they never see a provider's field names. Everything provider-specific about *reading*
a payload for display lives in the small mapping table at the bottom of this module, so
a new provider is a few functions here and no change to the renderers, and a provider
or channel nobody mapped still shows up, as a generic record of its latest data.

Mapping is done lazily (once per frame for the symbols that changed), not per message:
`LiveView.emit` only stores the latest event, so these functions may be unhurried.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from feedcli.events import DataEvent

# --------------------------------------------------------------------------- models


@dataclass(frozen=True, slots=True)
class Level:
    """One price level of a book, both sides (None where the provider gives nothing)."""

    bid_price: float | None = None
    bid_qty: float | None = None
    bid_orders: int | None = None
    ask_price: float | None = None
    ask_qty: float | None = None
    ask_orders: int | None = None


@dataclass(frozen=True, slots=True)
class Book:
    """Price levels, best first. `depth` tells a full order book from a best-limits subset."""

    levels: tuple[Level, ...]
    depth: bool = False

    @property
    def best(self) -> Level | None:
        return self.levels[0] if self.levels else None

    @property
    def has_orders(self) -> bool:
        """Whether any level carries order counts (IME's best limits do not)."""
        return any(lv.bid_orders is not None or lv.ask_orders is not None for lv in self.levels)


@dataclass(frozen=True, slots=True)
class Stats:
    """A trading day's aggregate: prices, volume and value so far."""

    last: float | None = None
    close: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    prev_close: float | None = None
    volume: float | None = None
    value: float | None = None
    trades: int | None = None
    date: str | None = None
    time: str | None = None

    @property
    def change(self) -> float | None:
        """Last against the previous close, the move traders mean by "up" or "down"."""
        if self.last is None or self.prev_close is None:
            return None
        return self.last - self.prev_close

    @property
    def change_pct(self) -> float | None:
        change = self.change
        if change is None or not self.prev_close:
            return None
        return change / self.prev_close * 100.0


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar; `key` names the bar (its start time) so updates replace, not append."""

    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: float | None = None
    key: str | None = None

    @property
    def up(self) -> bool:
        """A rising (or flat) bar: drawn green; a falling one red."""
        return self.open is None or self.close is None or self.close >= self.open


@dataclass(frozen=True, slots=True)
class InvestorFlow:
    """The day's trading split by buyer/seller and individual/institution (TSE)."""

    buy_individual_count: int | None = None
    buy_individual_volume: float | None = None
    buy_institution_count: int | None = None
    buy_institution_volume: float | None = None
    sell_individual_count: int | None = None
    sell_individual_volume: float | None = None
    sell_institution_count: int | None = None
    sell_institution_volume: float | None = None


@dataclass(frozen=True, slots=True)
class PriceRange:
    """The exchange's allowed price band for the day."""

    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """Anything else: labelled values of the latest message, in the provider's order."""

    title: str
    items: tuple[tuple[str, Any], ...]


Model = Book | Stats | Candle | PriceRange | InvestorFlow | Record


@dataclass(frozen=True, slots=True)
class SymbolView:
    """Everything known about one symbol, assembled from the latest event of each channel."""

    provider: str
    symbol: str
    book: Book | None = None
    depth: Book | None = None
    stats: Stats | None = None
    candle: Candle | None = None
    price_range: PriceRange | None = None
    records: tuple[Record, ...] = ()
    #: the provider's timestamp of the newest message, as sent
    ts: str | None = None
    #: a display name for the identifier (an ISIN's ticker name, a contract's name), if known
    name: str | None = None
    #: the recent bars, oldest first (kept by the live view; the latest is also `candle`)
    candles: tuple[Candle, ...] = ()
    flow: InvestorFlow | None = None
    #: per ladder level, whether its (bid, ask) side changed within the highlight time
    hot: tuple[tuple[bool, bool], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.symbol)

    @property
    def label(self) -> str:
        """What the row calls the symbol: its name when known, else the identifier subscribed."""
        return self.name or self.symbol

    @property
    def is_market(self) -> bool:
        """Whether there are prices to put in a quote row (else only generic records)."""
        return any(x is not None for x in (self.book, self.depth, self.stats, self.candle))

    @property
    def top(self) -> Level | None:
        """The best level: from best limits when subscribed, else from the full book."""
        for book in (self.book, self.depth):
            if book is not None and book.levels:
                return book.levels[0]
        return None

    @property
    def ladder(self) -> Book | None:
        """The book to draw: the full order book when subscribed (deeper), else best limits."""
        if self.depth is not None and self.depth.levels:
            return self.depth
        return self.book if self.book is not None else self.depth

    @property
    def last(self) -> float | None:
        if self.stats is not None and self.stats.last is not None:
            return self.stats.last
        return self.candle.close if self.candle is not None else None

    @property
    def change_pct(self) -> float | None:
        return self.stats.change_pct if self.stats is not None else None

    @property
    def direction(self) -> int:
        """+1 up, -1 down, 0 unchanged or unknown: the sign that picks green or red."""
        change = self.stats.change if self.stats is not None else None
        if change is None or change == 0:
            return 0
        return 1 if change > 0 else -1


@dataclass(frozen=True, slots=True)
class Connection:
    """One provider's connection as the status bar tells it."""

    provider: str
    state: str = "connecting"
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Status:
    """The figures of the status bar; latencies are in seconds, None when unknown."""

    connections: tuple[Connection, ...] = ()
    rate: float = 0.0
    total: int = 0
    reconnects: int = 0
    malformed: int = 0
    #: control `gap` events: stretches of data the provider says were lost
    gaps: int = 0
    p50: float | None = None
    p99: float | None = None
    #: wall-clock epoch seconds of the frame (the status bar's clock)
    now: float = 0.0


@dataclass(frozen=True, slots=True)
class ViewState:
    """One frame's worth of state: all a renderer needs, nothing about where it came from."""

    symbols: tuple[SymbolView, ...] = ()
    focus: tuple[str, str] | None = None
    status: Status = field(default_factory=Status)
    #: what is being watched ("feedcli stream tse"), shown when there is room
    title: str | None = None


# --------------------------------------------------------------------------- helpers


def number(value: Any) -> float | None:
    """A displayable number, or None: payloads may send strings, nulls or garbage."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            out = float(value.replace(",", ""))
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    return None


def price(value: Any) -> float | None:
    """A price; zero or negative means "none yet" (HT sends 0 before the first trade)."""
    out = number(value)
    return out if out is not None and out > 0 else None


def count(value: Any) -> int | None:
    out = number(value)
    return int(out) if out is not None else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def flatten(data: Any, limit: int = 32) -> tuple[tuple[str, Any], ...]:
    """Key/value pairs of a payload, nested objects as dotted keys, at most `limit` of them.

    The limit keeps a generic record, and the cost of drawing it, bounded whatever a
    provider sends.
    """
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if len(out) >= limit:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            out.append((prefix or "value", f"[{len(value)} items]"))
        else:
            out.append((prefix or "value", value))

    walk("", data)
    return tuple(out)


# --------------------------------------------------------------------------- HT payloads


def _ht_levels(data: Any) -> Book:
    """HT best limits: {"1": {buy_price, buy_quantity, [buy_order_count], sell_...}, "2": ...}."""
    levels: list[tuple[int, Level]] = []
    if isinstance(data, Mapping):
        for key, lv in data.items():
            if not isinstance(lv, Mapping):
                continue
            try:
                rank = int(key)
            except (TypeError, ValueError):
                continue
            levels.append(
                (
                    rank,
                    Level(
                        bid_price=price(lv.get("buy_price")),
                        bid_qty=number(lv.get("buy_quantity")),
                        bid_orders=count(lv.get("buy_order_count")),
                        ask_price=price(lv.get("sell_price")),
                        ask_qty=number(lv.get("sell_quantity")),
                        ask_orders=count(lv.get("sell_order_count")),
                    ),
                )
            )
    levels.sort(key=lambda item: item[0])
    return Book(tuple(lv for _, lv in levels), depth=False)


def _ht_order_book(data: Any) -> Book:
    """HT order book: {"Buy": [{price, quantity, count}], "Sell": [...]}, zipped into levels."""
    if not isinstance(data, Mapping):
        return Book((), depth=True)

    def side(name: str) -> list[Mapping[str, Any]]:
        rows = data.get(name) or data.get(name.lower()) or []
        return [r for r in rows if isinstance(r, Mapping) and price(r.get("price")) is not None]

    buys, sells = side("Buy"), side("Sell")
    levels = []
    for i in range(max(len(buys), len(sells))):
        b = buys[i] if i < len(buys) else {}
        s = sells[i] if i < len(sells) else {}
        levels.append(
            Level(
                bid_price=price(b.get("price")),
                bid_qty=number(b.get("quantity")),
                bid_orders=count(b.get("count")),
                ask_price=price(s.get("price")),
                ask_qty=number(s.get("quantity")),
                ask_orders=count(s.get("count")),
            )
        )
    return Book(tuple(levels), depth=True)


def _ht_aggregate(data: Any) -> Stats:
    """HT's Aggregate (same 11 fields for TSE and IME)."""
    if not isinstance(data, Mapping):
        return Stats()
    return Stats(
        last=price(data.get("last_price")),
        close=price(data.get("closing_price")),
        open=price(data.get("open_price")),
        high=price(data.get("high_price")),
        low=price(data.get("low_price")),
        prev_close=price(data.get("previous_close")),
        volume=number(data.get("total_volume")),
        value=number(data.get("total_value")),
        trades=count(data.get("trade_count")),
        date=_text(data.get("date")),
        time=_text(data.get("time")),
    )


def _ohlcv(data: Any) -> Candle:
    if not isinstance(data, Mapping):
        return Candle()
    return Candle(
        open=price(data.get("open")),
        high=price(data.get("high")),
        low=price(data.get("low")),
        close=price(data.get("close")),
        volume=number(data.get("volume")),
    )


def _investor_flow(data: Any) -> tuple[Model, ...]:
    """TSE's individual/institutional split: eight flat counters, read into one model."""
    if not isinstance(data, Mapping):
        return (Record("individual / institutional", flatten(data)),)
    return (
        InvestorFlow(
            buy_individual_count=count(data.get("buy_count_individual")),
            buy_individual_volume=number(data.get("buy_volume_individual")),
            buy_institution_count=count(data.get("buy_count_institution")),
            buy_institution_volume=number(data.get("buy_volume_institution")),
            sell_individual_count=count(data.get("sell_count_individual")),
            sell_individual_volume=number(data.get("sell_volume_individual")),
            sell_institution_count=count(data.get("sell_count_institution")),
            sell_institution_volume=number(data.get("sell_volume_institution")),
        ),
    )


def _record(title: str) -> Callable[[Any], tuple[Model, ...]]:
    return lambda data: (Record(title, flatten(data)),)


def _ime_stream(data: Any) -> tuple[Model, ...]:
    """IME sends everything about a contract in one message: split it by kind."""
    if not isinstance(data, Mapping):
        return (Record("IME Stream", flatten(data)),)
    out: list[Model] = []
    if "BestLimit" in data:
        out.append(_ht_levels(data["BestLimit"]))
    if "Aggregate" in data:
        out.append(_ht_aggregate(data["Aggregate"]))
    band = data.get("AllowedPriceRange")
    if isinstance(band, Mapping):
        out.append(PriceRange(price(band.get("minAllowedPrice")), price(band.get("maxAllowedPrice"))))
    info = data.get("ContractInfo")
    if isinstance(info, Mapping):
        out.append(Record("contract", flatten(info)))
    known = {"BestLimit", "Aggregate", "AllowedPriceRange", "ContractInfo"}
    rest = {k: v for k, v in data.items() if k not in known}
    if rest:
        out.append(Record("IME Stream", flatten(rest)))
    return tuple(out)


def _datafye_quote(data: Any) -> Book:
    """A top-of-book quote is a one-level book."""
    if not isinstance(data, Mapping):
        return Book(())
    level = Level(
        bid_price=price(data.get("bidPrice")),
        bid_qty=number(data.get("bidSize")),
        ask_price=price(data.get("askPrice")),
        ask_qty=number(data.get("askSize")),
    )
    return Book((level,))


def _datafye_trade(data: Any) -> Stats:
    """The last trade's price; Datafye streams no day statistics, so no change is shown."""
    if not isinstance(data, Mapping):
        return Stats()
    return Stats(last=price(data.get("tradePrice")))


def _moex_securities(data: Any) -> tuple[Model, ...]:
    """MOEX ISS+ securities: the day's statistics, and the best bid and offer as a one-level book."""
    if not isinstance(data, Mapping):
        return (Record("securities", flatten(data)),)
    stats = Stats(
        last=price(data.get("LAST")),
        close=price(data.get("LCLOSEPRICE")),
        open=price(data.get("OPEN")),
        high=price(data.get("HIGH")),
        low=price(data.get("LOW")),
        prev_close=price(data.get("PREVPRICE")),
        volume=number(data.get("VOLTODAY")),
        value=number(data.get("VALTODAY")),
        trades=count(data.get("NUMTRADES")),
        date=_text(data.get("TRADEDATE")),
        time=_text(data.get("TIME")),
    )
    top = Level(bid_price=price(data.get("BID")), ask_price=price(data.get("OFFER")))
    return (stats, Book((top,), depth=False))


def _moex_book(data: Any) -> Book:
    """MOEX ISS+ orderbooks, as feedcli writes them: {"bids": [[price, qty], ...], "asks": [...]}, best first."""
    if not isinstance(data, Mapping):
        return Book((), depth=True)

    def side(name: str) -> list[tuple[float, float | None]]:
        out = []
        for level in data.get(name) or ():
            if isinstance(level, list | tuple) and len(level) >= 2 and price(level[0]) is not None:
                out.append((price(level[0]), number(level[1])))
        return out

    bids, asks = side("bids"), side("asks")
    levels = []
    for i in range(max(len(bids), len(asks))):
        bid = bids[i] if i < len(bids) else (None, None)
        ask = asks[i] if i < len(asks) else (None, None)
        levels.append(Level(bid_price=bid[0], bid_qty=bid[1], ask_price=ask[0], ask_qty=ask[1]))
    return Book(tuple(levels), depth=True)


Mapper = Callable[[Any], tuple[Model, ...]]

#: channels whose `ts` is when a bar starts, not when the message was sent: they say
#: nothing about latency, and are left out of the status bar's p50/p99
BAR_TIMES: frozenset[tuple[str, str]] = frozenset({("datafye", "aggregates"), ("datafye", "sma"), ("datafye", "ema")})

#: the candle exchanges: every one writes the flat candle record on its `candles` channel
CANDLE_EXCHANGES = ("binance", "okx", "coinbase", "bybit", "kucoin", "gate")

#: (provider, channel) → how to read its `data`; anything missing becomes a generic Record
MAPPERS: dict[tuple[str, str], Mapper] = {
    ("tse", "best-limit"): lambda d: (_ht_levels(d),),
    ("tse", "order-book"): lambda d: (_ht_order_book(d),),
    ("tse", "aggregate"): lambda d: (_ht_aggregate(d),),
    ("tse", "ohlcv-last-1m"): lambda d: (_ohlcv(d),),
    ("tse", "institutional-vs-individual"): _investor_flow,
    ("tse", "contract-info"): _record("contract"),
    ("tse", "fund-info"): _record("fund"),
    ("ime", "IME Stream"): _ime_stream,
    ("datafye", "quotes"): lambda d: (_datafye_quote(d),),
    ("datafye", "trades"): lambda d: (_datafye_trade(d),),
    ("datafye", "aggregates"): lambda d: (_ohlcv(d),),
    **{(exchange, "candles"): lambda d: (_ohlcv(d),) for exchange in CANDLE_EXCHANGES},
    ("moex", "securities"): _moex_securities,
    ("moex", "orderbooks"): lambda d: (_moex_book(d),),
    ("moex", "candles"): lambda d: (_ohlcv(d),),
}


def map_data(provider: str, channel: str, data: Any) -> tuple[Model, ...]:
    """The view models in one message's data; never raises (a bad payload becomes a record)."""
    mapper = MAPPERS.get((provider, channel))
    if mapper is not None:
        try:
            return mapper(data)
        except Exception:  # a payload of an unexpected shape must not stop the view
            pass
    return (Record(channel, flatten(data)),)


#: channels whose messages are bars: the live view keeps a series of them per symbol
CANDLE_CHANNELS: frozenset[tuple[str, str]] = frozenset(
    {
        ("tse", "ohlcv-last-1m"),
        ("datafye", "aggregates"),
        ("moex", "candles"),
        *((e, "candles") for e in CANDLE_EXCHANGES),
    }
)
#: bars kept per symbol for the chart (more than any terminal is wide, in 1-column bars)
MAX_CANDLES = 240


def candle_of(event: DataEvent) -> Candle | None:
    """The bar in a candle channel's event, keyed by the time it starts.

    TSE's ohlcv-last-1m carries no bar time, so the message timestamp's minute is the key
    (every update within a minute is the same bar); Datafye's bars carry `datetime`.
    """
    models = map_data(event.provider, event.channel, event.data)
    candle = next((m for m in models if isinstance(m, Candle)), None)
    if candle is None:
        return None
    key: str | None = None
    if isinstance(event.data, Mapping):
        when = event.data.get("datetime", event.data.get("timestamp"))
        stamp = number(when) if not isinstance(when, str) else None
        # epoch numbers are padded so that keys compare as strings in time order
        key = _text(when) or (f"{stamp:020.3f}" if stamp is not None else None)
    if key is None and event.ts:
        key = event.ts[:16]
    return Candle(candle.open, candle.high, candle.low, candle.close, candle.volume, key)


def fold_candle(series: deque[Candle], candle: Candle) -> None:
    """Add a bar to a series: the same bar updating replaces the last one, a new one appends.

    Without keys on both, a changed open is taken as a new bar. A bar older than the last
    (a late or replayed message) is dropped rather than drawn out of order.
    """
    if series:
        last = series[-1]
        if candle.key is not None and last.key is not None:
            if candle.key == last.key:
                series[-1] = candle
                return
            if candle.key < last.key:
                return
        elif candle.open == last.open:
            series[-1] = candle
            return
    series.append(candle)


def build_symbol(
    provider: str,
    symbol: str,
    latest: Iterable[DataEvent],
    name: str | None = None,
    candles: tuple[Candle, ...] = (),
) -> SymbolView:
    """Assemble a symbol's view from the latest event of each of its channels."""
    book = depth = None
    stats = None
    candle = None
    flow = None
    band = None
    records: list[Record] = []
    newest: str | None = None
    for event in latest:
        if event.ts is not None and (newest is None or event.ts > newest):
            newest = event.ts
        for model in map_data(provider, event.channel, event.data):
            if isinstance(model, Book):
                if model.depth:
                    depth = model
                else:
                    book = model
            elif isinstance(model, Stats):
                stats = model
            elif isinstance(model, Candle):
                candle = model
            elif isinstance(model, PriceRange):
                band = model
            elif isinstance(model, InvestorFlow):
                flow = model
            else:
                records.append(model)
    if candles:
        candle = candles[-1]
    return SymbolView(
        provider, symbol, book, depth, stats, candle, band, tuple(records), newest, name, candles=candles, flow=flow
    )


# --------------------------------------------------------------------------- timestamps

#: HT's `timestamp` is Tehran wall time without an offset (UTC+03:30; +04:30 in summer before 2023)
_TEHRAN: tzinfo
try:
    from zoneinfo import ZoneInfo

    _TEHRAN = ZoneInfo("Asia/Tehran")
except Exception:  # no tz database (Windows without tzdata): today's fixed offset
    _TEHRAN = timezone(timedelta(hours=3, minutes=30), "IRST")

#: the zone of naive provider timestamps, by provider; the others are taken as UTC
NAIVE_TS_ZONE: dict[str, tzinfo] = {"tse": _TEHRAN, "ime": _TEHRAN}


def ts_epoch(provider: str, ts: str | None) -> float | None:
    """Epoch seconds of a provider timestamp, or None when it cannot be read."""
    if not ts:
        return None
    text = ts.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=NAIVE_TS_ZONE.get(provider, timezone.utc))
    return dt.timestamp()


def recv_epoch(recv: str) -> float | None:
    """Epoch seconds of a `recv` field (ISO 8601 UTC with `Z`)."""
    return ts_epoch("", recv)
