"""View models: what the screen shows, by kind of data, made from the market vocabulary.

The renderers (`render.py` and its parts) know books, daily statistics, candles and key/value records;
they never see a provider's field names, and neither does this module: each provider's
channel table (its record, `feedcli.providers.record`) turns a line's `data` into
`feedcli.market` objects, and this module turns those into view models. A new provider
changes nothing here, and a provider or channel nobody declared still shows up, as a
generic record of its latest data.

Mapping is done lazily (once per frame for the symbols that changed), not per message:
`LiveView.emit` only stores the latest event, so these functions may be unhurried.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from typing import Any

from feedcli import market, providers
from feedcli.events import DataEvent
from feedcli.providers.record import Channel
from feedcli.wallclock import read_moment

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
        """Whether any level carries order counts (some providers' best limits do not)."""
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
class Print:
    """One trade on the tape: price, size and the taker's side (None where unknown)."""

    price: float | None
    size: float | None = None
    side: str | None = None


@dataclass(frozen=True, slots=True)
class InvestorFlow:
    """The day's trading split by buyer/seller and individual/institution."""

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
    #: display names of some fields, from the provider's channel table
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


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
    #: the latest trades, newest first (kept by the live view for a trades tape)
    tape: tuple[Print, ...] = ()

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
        """The best level: from best limits (or a quote) when subscribed, else from the full book.

        A quote without sizes (MOEX's securities rows have the best prices but not the lots at
        them) gives way to the full book when there is one, whose best level has both.
        """
        quoted = self.book.levels[0] if self.book is not None and self.book.levels else None
        full = self.depth.levels[0] if self.depth is not None and self.depth.levels else None
        if quoted is None:
            return full
        if full is not None and quoted.bid_qty is None and quoted.ask_qty is None:
            return full
        return quoted

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
    #: what is being watched ("feedcli stream PROVIDER"), shown when there is room
    title: str | None = None
    #: the zone every clock of the frame is shown in (and says it is in)
    zone: tzinfo = timezone.utc
    #: the symbol filter being typed after `/` (None: not typing)
    prompt: str | None = None
    #: the symbol filter in force, and how many symbols it hides
    query: str | None = None
    filtered_out: int = 0
    #: the keys are listed instead of the focus panel (`?`)
    show_keys: bool = False


# --------------------------------------------------------------------------- helpers


def number(value: Any) -> float | None:
    """A displayable number, or None: payloads may send strings, nulls or garbage."""
    out = market.number(value)
    return float(out) if out is not None else None


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


# --------------------------------------------------------------------------- from the vocabulary


def _levels(book: market.Book) -> tuple[Level, ...]:
    """Bids and asks side by side, best first: level i of each side on row i."""
    bids, asks = book.bids, book.asks
    out = []
    for i in range(max(len(bids), len(asks))):
        b = bids[i] if i < len(bids) else None
        a = asks[i] if i < len(asks) else None
        out.append(
            Level(
                bid_price=price(b.price) if b is not None else None,
                bid_qty=number(b.size) if b is not None else None,
                bid_orders=count(b.orders) if b is not None else None,
                ask_price=price(a.price) if a is not None else None,
                ask_qty=number(a.size) if a is not None else None,
                ask_orders=count(a.orders) if a is not None else None,
            )
        )
    return tuple(out)


def _model(obj: market.Market, channel: Channel) -> Model:
    """The view model of one market object (prices of zero or less are shown as none)."""
    if isinstance(obj, market.Book):
        return Book(_levels(obj), depth=channel.full_book)
    if isinstance(obj, market.Quote):
        top = Level(price(obj.bid), number(obj.bid_size), None, price(obj.ask), number(obj.ask_size), None)
        return Book((top,), depth=False)
    if isinstance(obj, market.Stats):
        return Stats(
            last=price(obj.last),
            close=price(obj.close),
            open=price(obj.open),
            high=price(obj.high),
            low=price(obj.low),
            prev_close=price(obj.prev_close),
            volume=number(obj.volume),
            value=number(obj.value),
            trades=count(obj.trades),
            date=_text(obj.date),
            time=_text(obj.time),
        )
    if isinstance(obj, market.Trade):
        return Stats(last=price(obj.price))  # the last trade: no day statistics, so no change
    if isinstance(obj, market.Candle):
        return Candle(price(obj.open), price(obj.high), price(obj.low), price(obj.close), number(obj.volume))
    if isinstance(obj, market.PriceBand):
        return PriceRange(price(obj.low), price(obj.high))
    if isinstance(obj, market.InvestorFlow):
        return InvestorFlow(
            buy_individual_count=count(obj.buy_individual_count),
            buy_individual_volume=number(obj.buy_individual_volume),
            buy_institution_count=count(obj.buy_institution_count),
            buy_institution_volume=number(obj.buy_institution_volume),
            sell_individual_count=count(obj.sell_individual_count),
            sell_individual_volume=number(obj.sell_individual_volume),
            sell_institution_count=count(obj.sell_institution_count),
            sell_institution_volume=number(obj.sell_institution_volume),
        )
    if isinstance(obj, market.Indicator):
        return Record(obj.name, flatten(obj.fields))
    if isinstance(obj, market.Info):
        return Record(obj.title, flatten(obj.fields), obj.labels)
    raise TypeError(f"not a market object: {obj!r}")


@functools.lru_cache(maxsize=1024)
def channel_of(provider: str, channel: str) -> Channel | None:
    """A provider's declared channel, None for one no record declares (it is shown generically)."""
    record = providers.find(provider)
    return record.channel(channel) if record is not None else None


def is_tape(provider: str, channel: str) -> bool:
    """Whether a channel's lines are trades, one per line (the live view keeps a tape of them)."""
    declared = channel_of(provider, channel)
    return declared is not None and declared.kind == "trade"


def print_of(event: DataEvent) -> Print | None:
    """The trade in a trade channel's event, for the tape."""
    declared = channel_of(event.provider, event.channel)
    if declared is None or not isinstance(event.data, Mapping):
        return None
    try:
        trade = declared.line_object(event.data, event.ts)
    except Exception:  # as map_data: a bad payload is no trade
        return None
    if not isinstance(trade, market.Trade):
        return None
    return Print(price(trade.price), number(trade.size), trade.side)


def channel_facts(provider: str, channel: str) -> tuple[bool, bool]:
    """(its candles are a series, its `ts` is a bar time) for a channel; both False if unknown."""
    declared = channel_of(provider, channel)
    return (declared.series, declared.bar_time) if declared is not None else (False, False)


def map_data(provider: str, channel: str, data: Any, ts: str | None = None) -> tuple[Model, ...]:
    """The view models in one message's data; never raises (a bad payload becomes a record)."""
    declared = channel_of(provider, channel)
    if declared is not None and isinstance(data, Mapping):
        try:
            return tuple(_model(obj, declared) for obj in declared.normalize(data, ts))
        except Exception:  # a payload of an unexpected shape must not stop the view
            pass
    return (Record(channel, flatten(data)),)


#: bars kept per symbol for the chart (more than any terminal is wide, in 1-column bars)
MAX_CANDLES = 240


def candle_of(event: DataEvent) -> Candle | None:
    """The bar in a candle channel's event, keyed by the time it starts.

    The key is the vocabulary's bar time (the provider's, or for a provider whose bars carry
    none, the message's minute); without either, the message timestamp's minute as sent.
    """
    declared = channel_of(event.provider, event.channel)
    if declared is None or not isinstance(event.data, Mapping):
        return None
    try:
        bar = next((m for m in declared.normalize(event.data, event.ts) if isinstance(m, market.Candle)), None)
    except Exception:  # as map_data: a bad payload is no bar
        return None
    if bar is None:
        return None
    candle = _model(bar, declared)
    assert isinstance(candle, Candle)
    key = bar.timestamp or (event.ts[:16] if event.ts else None)
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
        for model in map_data(provider, event.channel, event.data, event.ts):
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


@functools.lru_cache(maxsize=64)
def _zone(provider: str) -> tzinfo:
    """The zone of a provider's timestamps that carry no offset (its record's), else UTC."""
    record = providers.find(provider)
    return record.ts_zone() if record is not None and record.ts_zone is not None else timezone.utc


def ts_epoch(provider: str, ts: str | None) -> float | None:
    """Epoch seconds of a provider timestamp, or None when it cannot be read."""
    if not ts:
        return None
    dt = read_moment(ts.strip(), None)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone(provider))
    return dt.timestamp()


def recv_epoch(recv: str) -> float | None:
    """Epoch seconds of a `recv` field (ISO 8601 UTC with `Z`)."""
    return ts_epoch("", recv)
