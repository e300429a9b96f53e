"""One market vocabulary: six kinds of data, and a typed object for each, whatever the provider.

Every provider sends its own shapes: a TSE book is `{"Buy":[{"price","quantity","count"}]}`,
MOEX's `{"bids":[[p,q]]}`, Datafye's trades `tradePrice`/`tradeSize`. Each provider's channel
table (its `Provider` record, `feedcli/providers/record.py`) says which kind each channel is
and turns a line's `data` into the objects below; the live view (and `--normalize`, built on
the same objects) works on these and never on a provider's field names.

`to_json()` gives the contract's normalized shape of each kind (CONTRACT.md, "`--normalize`").
`stats` and `info` are "the provider's fields, flat": their objects keep those fields as they
came and add typed attributes for what a reader needs without knowing the provider (the last
price, the previous close, ...). One message may hold several objects (IME's holds best
limits, the day's aggregate, the price band and the contract's details); several classes may
share a kind (a day's statistics, an investor split and a price band are all `stats`).

Pure: no I/O, no clock; every object is immutable. They are named tuples rather than
dataclasses because this module is imported by every provider module, and so by every
command's start (`--help` included): a named tuple class costs a tenth of a dataclass to
create, and an instance is as cheap to build on the hot path.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

Kind = Literal["book", "trade", "candle", "quote", "stats", "info"]
#: the six kinds, in the contract's order
KINDS: tuple[Kind, ...] = ("book", "trade", "candle", "quote", "stats", "info")

Number = int | float
#: the fields of an object that has none
NO_FIELDS: Mapping[str, Any] = types.MappingProxyType({})


# --------------------------------------------------------------------------- reading values


def number(value: Any) -> Number | None:
    """A number from a payload value, or None: ints stay ints, text like "1,234.5" is read.

    Providers send numbers, numbers as strings (to keep precision), nulls and, now and
    then, garbage; none of that may raise.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            out = float(value.replace(",", ""))
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    return None


def count(value: Any) -> int | None:
    """A whole number (an order or trade count), or None."""
    out = number(value)
    return int(out) if out is not None else None


def text(value: Any) -> str | None:
    """Non-empty text, or None."""
    return value if isinstance(value, str) and value else None


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """A payload's fields, nested objects as dotted keys (`Aggregate.last_price`); values as sent.

    Anything that is not an object is one field, `value`.
    """
    if not isinstance(data, Mapping):
        return {prefix or "value": data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out.update(flat(value, name))
        else:
            out[name] = value
    return out


# --------------------------------------------------------------------------- the kinds


class Level(NamedTuple):
    """One price level of one side of a book; `orders` where the provider counts them."""

    price: Number
    size: Number | None = None
    orders: int | None = None

    def to_json(self) -> list[Any]:
        return [self.price, self.size] if self.orders is None else [self.price, self.size, self.orders]


class Book(NamedTuple):
    """Bids and asks, best first (bids falling, asks rising); empty sides are empty tuples."""

    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()

    @property
    def kind(self) -> Kind:
        return "book"

    def to_json(self) -> dict[str, Any]:
        # unpacked rather than `lv.to_json()`: this runs for every book line normalized
        return {
            "bids": [[p, s] if o is None else [p, s, o] for p, s, o in self.bids],
            "asks": [[p, s] if o is None else [p, s, o] for p, s, o in self.asks],
        }


class Trade(NamedTuple):
    """One trade; `side` is the taker's (`buy`/`sell`), None where the provider does not say."""

    price: Number | None
    size: Number | None = None
    side: Literal["buy", "sell"] | None = None
    id: str | int | None = None

    @property
    def kind(self) -> Kind:
        return "trade"

    def to_json(self) -> dict[str, Any]:
        return {"price": self.price, "size": self.size, "side": self.side, "id": self.id}


class Candle(NamedTuple):
    """One bar. `timestamp` is when it opens (ISO 8601 UTC with `Z`), None if unknown;
    `closed` is None where the provider does not say whether the bar is final."""

    timestamp: str | None
    open: Number | None = None
    high: Number | None = None
    low: Number | None = None
    close: Number | None = None
    volume: Number | None = None
    closed: bool | None = None

    @property
    def kind(self) -> Kind:
        return "candle"

    def to_json(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": self.volume,
            "closed": self.closed,
        }


class Quote(NamedTuple):
    """The best bid and offer (top of book), with their sizes where the provider gives them."""

    bid: Number | None = None
    bid_size: Number | None = None
    ask: Number | None = None
    ask_size: Number | None = None
    #: the last trade's price, where the quote carries it (not part of the normalized shape)
    last: Number | None = None

    @property
    def kind(self) -> Kind:
        return "quote"

    def to_json(self) -> dict[str, Any]:
        return {"bid": self.bid, "bid_size": self.bid_size, "ask": self.ask, "ask_size": self.ask_size}


class Stats(NamedTuple):
    """A trading day's statistics so far: the provider's fields, and the common figures typed."""

    fields: Mapping[str, Any] = NO_FIELDS
    last: Number | None = None
    open: Number | None = None
    high: Number | None = None
    low: Number | None = None
    close: Number | None = None
    prev_close: Number | None = None
    volume: Number | None = None
    value: Number | None = None
    trades: int | None = None
    #: the provider's own date and time of the figures, as it writes them
    date: str | None = None
    time: str | None = None

    @property
    def kind(self) -> Kind:
        return "stats"

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


class InvestorFlow(NamedTuple):
    """The day's trading split by side and by investor type (individuals, institutions)."""

    fields: Mapping[str, Any] = NO_FIELDS
    buy_individual_count: int | None = None
    buy_individual_volume: Number | None = None
    buy_institution_count: int | None = None
    buy_institution_volume: Number | None = None
    sell_individual_count: int | None = None
    sell_individual_volume: Number | None = None
    sell_institution_count: int | None = None
    sell_institution_volume: Number | None = None

    @property
    def kind(self) -> Kind:
        return "stats"

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


class PriceBand(NamedTuple):
    """The exchange's allowed price range for the day."""

    fields: Mapping[str, Any] = NO_FIELDS
    low: Number | None = None
    high: Number | None = None

    @property
    def kind(self) -> Kind:
        return "stats"

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


class Indicator(NamedTuple):
    """A figure derived from the market (a moving average): its name, value and fields."""

    name: str
    fields: Mapping[str, Any] = NO_FIELDS
    value: Number | None = None

    @property
    def kind(self) -> Kind:
        return "stats"

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


class Info(NamedTuple):
    """Reference data about an instrument (a contract's margins, a fund's NAV): labelled fields.

    `title` says what the fields describe (`contract`, `fund`).
    """

    title: str
    fields: Mapping[str, Any] = NO_FIELDS
    #: display names of fields whose name says little to a reader (`nav` → `NAV`), the provider's
    labels: Mapping[str, str] = NO_FIELDS

    @property
    def kind(self) -> Kind:
        return "info"

    def to_json(self) -> dict[str, Any]:
        return dict(self.fields)


Market = Book | Trade | Candle | Quote | Stats | InvestorFlow | PriceBand | Indicator | Info


# --------------------------------------------------------------------------- reading records


def stats_from(
    data: Mapping[str, Any],
    names: Mapping[str, str],
    *,
    price: Any = number,
    fields: Mapping[str, Any] | None = None,
) -> Stats:
    """A day's statistics from a provider's record, by a table of its field names.

    `names` maps Stats' figures (`last`, `open`, `high`, `low`, `close`, `prev_close`, `volume`,
    `value`, `trades`, `date`, `time`) to the provider's fields; `price` reads the prices (a
    provider whose 0 means "none yet" passes its own); `fields` are the line's, if more than
    `data` (default: `data`, flat).
    """

    def get(figure: str) -> Any:
        name = names.get(figure)
        return data.get(name) if name is not None else None

    return Stats(
        fields=flat(data) if fields is None else fields,
        last=price(get("last")),
        open=price(get("open")),
        high=price(get("high")),
        low=price(get("low")),
        close=price(get("close")),
        prev_close=price(get("prev_close")),
        volume=number(get("volume")),
        value=number(get("value")),
        trades=count(get("trades")),
        date=text(get("date")),
        time=text(get("time")),
    )


def candle_from(record: Mapping[str, Any]) -> Candle:
    """A candle from feedcli's flat candle record (`{"timestamp","open","high","low","close",
    "volume",...,"closed"}`, what the candle exchanges and MOEX write)."""
    stamp, closed = record.get("timestamp"), record.get("closed")
    return Candle(
        stamp if isinstance(stamp, str) else None,
        number(record.get("open")),
        number(record.get("high")),
        number(record.get("low")),
        number(record.get("close")),
        number(record.get("volume")),
        closed if isinstance(closed, bool) else None,
    )
