"""What an HT instrument is at a moment, and what a subscriber sees of it: the payloads.

The state of one instrument or contract (its order book, the day's statistics, a fund's NAV,
an option's open interest) and the builders of each channel's payload from it, in exactly the
shapes of the source documents (../shared/seeds/ht-tse-ifb-websocket.md and
ht-ime-websocket.md). Pure: `ht_market.py` changes the state, these read it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from feedcli.providers import ime
from feedcli.simulators.ht_universe import Contract, Instrument

#: Iran Standard Time. Iran abolished daylight saving time in 2022, so a fixed offset is exact.
TEHRAN = timezone(timedelta(hours=3, minutes=30), "IRST")

#: levels shown by each payload
BEST_LIMIT_LEVELS = 5
ORDER_BOOK_LEVELS = 10
IME_BEST_LIMIT_LEVELS = 3

_IVI_FIELDS: tuple[str, ...] = (
    "buy_count_individual",
    "buy_volume_individual",
    "buy_count_institution",
    "buy_volume_institution",
    "sell_count_individual",
    "sell_volume_individual",
    "sell_count_institution",
    "sell_volume_institution",
)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def tehran_timestamp(moment: datetime) -> str:
    """The provider's `timestamp`: Tehran local time, naive ISO 8601 with microseconds.

    The source documents show `"2025-11-14T12:00:00.000000"`: no offset, six fraction digits,
    and the server is in Tehran, so that is the local wall clock (UTC+03:30).
    """
    return as_utc(moment).astimezone(TEHRAN).strftime("%Y-%m-%dT%H:%M:%S.%f")


def utc_millis(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`, the shape of fund-info's `as_of`."""
    utc = as_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Trade(NamedTuple):
    """A trade, kept only with `record_trades=True` (the tests check payloads against these)."""

    key: str
    at: datetime
    price: int
    quantity: int
    buyer_institution: bool
    seller_institution: bool


@dataclass(eq=False)
class Day:
    """One trading day's statistics for one instrument."""

    date: str = ""
    time: str = ""
    trade_count: int = 0
    volume: int = 0
    value: int = 0
    open: int = 0
    high: int = 0
    low: int = 0
    last: int = 0
    ivi: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_IVI_FIELDS, 0))
    #: the current candle's minute (Tehran, "YYYY-MM-DDTHH:MM") and its o/h/l/c/v
    minute: str = ""
    candle: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


@dataclass(eq=False)
class State:
    """Everything that changes about one instrument or contract."""

    spec: Instrument | Contract
    #: its own generator, seeded by the market's seed and its key: what it does depends on
    #: nothing else, so an instrument looks the same whatever else the market holds
    rng: random.Random = field(default_factory=random.Random)
    #: whether its payloads were taken as known yet (at the first step that sees it)
    known: bool = False
    prev_close: int = 0
    low_limit: int = 0
    high_limit: int = 0
    bids: dict[int, list[int]] = field(default_factory=dict)
    asks: dict[int, list[int]] = field(default_factory=dict)
    day: Day = field(default_factory=Day)
    open_interest: int = 0
    oi_at_open: int = 0
    nav: int = 0
    units: int = 0
    fund_values: tuple[int, int, int] | None = None
    as_of: str = ""
    #: the last payload produced per channel: the "only on change" memory
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    #: options whose margins depend on this instrument's price
    dependants: list[State] = field(default_factory=list)
    underlying: State | None = None

    @property
    def is_ime(self) -> bool:
        return isinstance(self.spec, Contract)

    @property
    def visible(self) -> int:
        """Levels a subscriber sees: order events are kept within them, so each one shows."""
        return IME_BEST_LIMIT_LEVELS if self.is_ime else ORDER_BOOK_LEVELS

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def top(self, buy: bool, n: int) -> list[int]:
        """The best `n` prices of one side, best first."""
        side = self.bids if buy else self.asks
        return sorted(side, reverse=buy)[:n]

    def reference(self) -> int:
        """The price the day's valuations use: the last trade, or the previous close."""
        return self.day.last or self.prev_close


def build(st: State, channel: str, now: datetime) -> dict[str, Any] | None:
    """One channel's payload, or None while it has nothing to say (no trade yet today)."""
    if channel == ime.CHANNEL:
        return _ime_payload(st)
    if channel == "best-limit":
        return _best_limit(st, BEST_LIMIT_LEVELS, counts=True)
    if channel == "order-book":
        return {
            "Buy": [_level(st.bids, p) for p in st.top(True, ORDER_BOOK_LEVELS)],
            "Sell": [_level(st.asks, p) for p in st.top(False, ORDER_BOOK_LEVELS)],
        }
    day = st.day
    if channel == "ohlcv-last-1m":
        if not day.trade_count:
            return None
        o, h, lo, c, v = day.candle
        return {"open": float(o), "high": float(h), "low": float(lo), "close": float(c), "volume": v}
    if channel == "aggregate":
        return _aggregate(st) if day.trade_count else None
    if channel == "institutional-vs-individual":
        return dict(day.ivi) if day.trade_count else None
    if channel == "contract-info":
        initial, required = _margins(st)
        return {"open_interest": st.open_interest, "initial_margin": initial, "required_margin": required}
    if channel == "fund-info":
        values = (st.nav, st.units, st.units * st.reference())
        if values != st.fund_values:
            st.fund_values = values
            st.as_of = utc_millis(now)
        return {"nav": values[0], "units": values[1], "marketCap": values[2], "as_of": st.as_of}
    raise ValueError(f"unknown channel {channel!r}")


def _level(side: dict[int, list[int]], price: int) -> dict[str, int]:
    orders = side[price]
    return {"price": price, "quantity": sum(orders), "count": len(orders)}


def _best_limit(st: State, levels: int, *, counts: bool) -> dict[str, dict[str, int]]:
    """Levels "1".."n"; a level a side does not have is all zeros, as the exchange shows it."""
    bids, asks = st.top(True, levels), st.top(False, levels)
    out: dict[str, dict[str, int]] = {}
    for i in range(levels):
        bid = bids[i] if i < len(bids) else None
        ask = asks[i] if i < len(asks) else None
        buy_orders = st.bids[bid] if bid is not None else []
        sell_orders = st.asks[ask] if ask is not None else []
        level: dict[str, int] = {}
        if counts:
            level["buy_order_count"] = len(buy_orders)
        level["buy_quantity"] = sum(buy_orders)
        level["buy_price"] = bid or 0
        if counts:
            level["sell_order_count"] = len(sell_orders)
        level["sell_quantity"] = sum(sell_orders)
        level["sell_price"] = ask or 0
        out[str(i + 1)] = level
    return out


def closing_price(st: State) -> int:
    """TSE's final price: the day's volume-weighted average, rounded half up to the tick."""
    day, tick = st.day, st.spec.tick
    if not day.volume:
        return st.prev_close
    return tick * ((2 * day.value + day.volume * tick) // (2 * day.volume * tick))


def _aggregate(st: State) -> dict[str, Any]:
    day = st.day
    return {
        "date": day.date,
        "time": day.time,
        "trade_count": day.trade_count,
        "total_volume": day.volume,
        "total_value": day.value,
        "closing_price": closing_price(st) if day.trade_count else 0,
        "last_price": day.last,
        "low_price": day.low,
        "high_price": day.high,
        "open_price": day.open,
        "previous_close": st.prev_close,
    }


def _margins(st: State) -> tuple[int, int]:
    """A short call's margins, shaped like TSE's rule: a share of the underlying's price
    less the out-of-the-money amount (floored), plus the premium, per contract, rounded up
    to 10,000 rials; the required (maintenance) margin is 70 % of the initial one."""
    spec = st.spec
    assert isinstance(spec, Instrument)
    underlying = st.underlying.reference() if st.underlying is not None else spec.strike
    size = spec.contract_size
    out_of_money = max(spec.strike - underlying, 0)
    per_contract = max(underlying * size // 5 - out_of_money * size, underlying * size // 10)
    per_contract += st.reference() * size
    initial = -(-per_contract // 10_000) * 10_000
    required = -(-initial * 7 // 100_000) * 10_000
    return initial, required


def _ime_payload(st: State) -> dict[str, Any]:
    return {
        "BestLimit": _best_limit(st, IME_BEST_LIMIT_LEVELS, counts=False),
        "Aggregate": _aggregate(st),
        "AllowedPriceRange": {"minAllowedPrice": st.low_limit, "maxAllowedPrice": st.high_limit},
        "ContractInfo": {
            "open_interest": st.open_interest,
            "open_interest_changes": st.open_interest - st.oi_at_open,
        },
    }
