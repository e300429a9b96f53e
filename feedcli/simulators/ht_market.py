"""A seeded model of the markets HT Data Engine streams: TSE & IFB instruments and IME contracts.

Pure on purpose: no sockets, no asyncio, no clock reads. The caller passes `now` into every
`step`, so the same seed and the same clock values give the same payloads, byte for byte. That
is what makes `record`/`replay` tests and bug reports reproducible, and it lets the model be
tested with plain function calls (DESIGN.md, "Provider codecs are pure", applied to the data).

The model is an order book per instrument (individual orders queued FIFO at each price level)
plus the day's trade statistics. Every `step` performs one market event (an order added, an
order cancelled, a trade, or for the fund a NAV publication) and reports the channel payloads
that changed because of it. Payloads are built in exactly the shapes of the source documents
(../shared/seeds/ht-tse-ifb-websocket.md and ht-ime-websocket.md), and they agree with one
another: the order book's top five levels are the best-limit levels, the aggregate adds up the
trades, the candle is the current minute's trades, and the institutional/individual split sums
to the traded volume on each side.

The real server only sends on change, with no snapshot on connect, and so does this model: a
channel's first payload is taken as already known, and a message is produced only when a later
payload differs from the last one produced for that instrument and channel.

Simplifications, chosen for usefulness over fidelity:
- the market is always open (TSE trades 09:00-12:30 Tehran time; a simulator that slept most
  of the day would be useless for testing);
- a trade fills against one price level only;
- the trading day rolls at Tehran midnight: the day's closing price becomes the previous close,
  the allowed price range is centred on it again and the day's statistics restart;
- tick sizes and price levels are plausible, not authoritative.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple

from feedcli.providers import ime, tse

#: Iran Standard Time. Iran abolished daylight saving time in 2022, so a fixed offset is exact.
TEHRAN = timezone(timedelta(hours=3, minutes=30), "IRST")

Kind = Literal["stock", "fund", "option"]

#: the channels every TSE instrument carries; funds add fund-info, options add contract-info
_COMMON_CHANNELS: tuple[str, ...] = (
    "best-limit",
    "order-book",
    "ohlcv-last-1m",
    "aggregate",
    "institutional-vs-individual",
)
_KIND_CHANNELS: dict[str, tuple[str, ...]] = {
    "stock": _COMMON_CHANNELS,
    "fund": (*_COMMON_CHANNELS, "fund-info"),
    "option": (*_COMMON_CHANNELS, "contract-info"),
}
assert all(set(chs) <= set(tse.CHANNELS) for chs in _KIND_CHANNELS.values())
_BOOK_CHANNELS: tuple[str, ...] = ("best-limit", "order-book")

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


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def tehran_timestamp(moment: datetime) -> str:
    """The provider's `timestamp`: Tehran local time, naive ISO 8601 with microseconds.

    The source documents show `"2025-11-14T12:00:00.000000"`: no offset, six fraction digits,
    and the server is in Tehran, so that is the local wall clock (UTC+03:30).
    """
    return _as_utc(moment).astimezone(TEHRAN).strftime("%Y-%m-%dT%H:%M:%S.%f")


def utc_millis(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`, the shape of fund-info's `as_of`."""
    utc = _as_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Instrument:
    """A TSE or IFB instrument: how it is subscribed (ISIN or name) and how its price moves."""

    isin: str
    name: str
    kind: Kind
    #: the previous close on the first simulated day, in rials, on the tick grid
    price: int
    tick: int
    #: order quantities are multiples of this (shares; contracts for an option)
    lot: int
    #: the daily price limit around the previous close, as a fraction
    limit: float = 0.05
    #: options only: the underlying's ISIN, the strike and the shares per contract
    underlying: str | None = None
    strike: int = 0
    contract_size: int = 1

    @property
    def key(self) -> str:
        return self.isin

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels that carry messages for this instrument.

        A stock subscribed to fund-info or contract-info is accepted but gets no message of
        that channel, since it has no such data; the real server subscribes to a stream that
        simply never fires.
        """
        return _KIND_CHANNELS[self.kind]


@dataclass(frozen=True)
class Contract:
    """An IME contract: subscribed by id or by name, one `IME Stream` payload."""

    contract_id: str
    name: str
    price: int
    tick: int
    lot: int
    limit: float = 0.05

    @property
    def key(self) -> str:
        return self.contract_id

    @property
    def channels(self) -> tuple[str, ...]:
        return (ime.CHANNEL,)


TSE_UNIVERSE: tuple[Instrument, ...] = (
    Instrument("IRO1FOLD0001", "فولاد", "stock", price=5_870, tick=1, lot=1_000),
    Instrument("IRO1IKCO0001", "خودرو", "stock", price=2_450, tick=1, lot=5_000),
    Instrument("IRO1BMLT0001", "وبملت", "stock", price=3_210, tick=1, lot=2_000),
    Instrument("IRO1PNES0001", "شپنا", "stock", price=6_540, tick=1, lot=1_000),
    Instrument("IRO1MSMI0001", "فملی", "stock", price=7_480, tick=1, lot=1_000),
    Instrument("IRT1AHRM0001", "اهرم", "fund", price=28_150, tick=10, lot=500),
    Instrument(
        "IRO9FOLD4121",
        "ضفلا4012",
        "option",
        price=1_480,
        tick=1,
        lot=1,
        underlying="IRO1FOLD0001",
        strike=4_600,
        contract_size=1_000,
    ),
)

IME_UNIVERSE: tuple[Contract, ...] = (
    Contract("100101", "طلا0412", price=98_500_000, tick=1_000, lot=1),
    Contract("100205", "زعفران0412", price=2_540_000, tick=1_000, lot=1),
    Contract("100310", "نقره0501", price=1_312_000, tick=100, lot=1),
    Contract("100412", "پسته0503", price=40_600_000, tick=10_000, lot=1),
)


class MarketUpdate(NamedTuple):
    """One changed payload: unpacks as `(instrument, channel, data)`."""

    instrument: Instrument | Contract
    channel: str
    data: dict[str, Any]


class Trade(NamedTuple):
    """A trade, kept only with `record_trades=True` (the tests check payloads against these)."""

    key: str
    at: datetime
    price: int
    quantity: int
    buyer_institution: bool
    seller_institution: bool


@dataclass(eq=False)
class _Day:
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
class _State:
    """Everything that changes about one instrument or contract."""

    spec: Instrument | Contract
    prev_close: int = 0
    low_limit: int = 0
    high_limit: int = 0
    bids: dict[int, list[int]] = field(default_factory=dict)
    asks: dict[int, list[int]] = field(default_factory=dict)
    day: _Day = field(default_factory=_Day)
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
    dependants: list[_State] = field(default_factory=list)
    underlying: _State | None = None

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


class HTMarket:
    """The seeded market: a fixed universe, one random event per `step(now)`.

    `record_trades=True` keeps the day's trades per instrument (memory grows with them, so
    only tests use it). The universe can be replaced, for instance by a smaller one in tests.
    """

    def __init__(
        self,
        seed: int = 1,
        instruments: tuple[Instrument, ...] = TSE_UNIVERSE,
        contracts: tuple[Contract, ...] = IME_UNIVERSE,
        *,
        record_trades: bool = False,
    ) -> None:
        self._rng = random.Random(seed)
        self._record = record_trades
        self._instruments = tuple(instruments)
        self._contracts = tuple(contracts)
        self._states: list[_State] = [_State(spec) for spec in (*self._instruments, *self._contracts)]
        self._by_key: dict[str, _State] = {st.spec.key: st for st in self._states}
        if len(self._by_key) != len(self._states):
            raise ValueError("instrument ISINs and contract ids must be unique")
        self._date: str | None = None
        for st in self._states:
            spec = st.spec
            if spec.price % spec.tick:
                raise ValueError(f"{spec.key}: price {spec.price} is not on its tick grid ({spec.tick})")
            self._open_day(st, spec.price)
            self._refill(st)
            if isinstance(spec, Instrument) and spec.kind == "fund":
                st.nav = spec.price + spec.tick * self._rng.randint(-20, 20)
                st.units = spec.lot * self._rng.randint(2_000_000, 6_000_000)
            if isinstance(spec, Instrument) and spec.kind == "option":
                st.open_interest = spec.lot * self._rng.randint(5_000, 40_000)
                if spec.underlying is not None:
                    st.underlying = self._by_key.get(spec.underlying)
                    if st.underlying is None:
                        raise ValueError(f"{spec.key}: underlying {spec.underlying} is not in the universe")
                    st.underlying.dependants.append(st)
            if isinstance(spec, Contract):
                st.open_interest = spec.lot * self._rng.randint(500, 5_000)
            st.oi_at_open = st.open_interest

    # ---- what the server needs to know -------------------------------------------------------

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._instruments

    @property
    def contracts(self) -> tuple[Contract, ...]:
        return self._contracts

    def payload(self, key: str, channel: str) -> dict[str, Any] | None:
        """The last payload produced (or taken as known) for an instrument's channel."""
        return self._by_key[key].sent.get(channel)

    def trades(self, key: str) -> list[Trade]:
        """Today's trades of an instrument (empty unless `record_trades=True`)."""
        return list(self._by_key[key].trades)

    # ---- the event loop's one entry point ----------------------------------------------------

    def step(self, now: datetime) -> list[MarketUpdate]:
        """Perform one market event at `now` and return the payloads it changed."""
        date = _as_utc(now).astimezone(TEHRAN).strftime("%Y-%m-%d")
        if self._date is None:
            # The first step fixes the day and takes every payload as already known.
            self._date = date
            for st in self._states:
                for channel in st.spec.channels:
                    data = self._build(st, channel, now)
                    if data is not None:
                        st.sent[channel] = data
        rolled: list[tuple[_State, tuple[str, ...]]] = []
        if date != self._date:
            self._date = date
            for st in self._states:
                self._open_day(st, self._closing_price(st) if st.day.trade_count else st.prev_close)
                self._refill(st)
                rolled.append((st, st.spec.channels))

        rng = self._rng
        st = rng.choice(self._states)
        changed: list[tuple[_State, tuple[str, ...]]]
        if isinstance(st.spec, Instrument) and st.spec.kind == "fund" and rng.random() < 0.12:
            self._publish_nav(st)
            return self._diff([*rolled, (st, ("fund-info",))], now)
        roll = rng.random()
        if roll < 0.45:
            self._add_order(st)
            changed = [(st, _BOOK_CHANNELS)]
        elif roll < 0.68:
            self._cancel_order(st)
            changed = [(st, _BOOK_CHANNELS)]
        elif self._trade(st, now):
            changed = [(st, st.spec.channels)]
            changed += [(dep, ("contract-info",)) for dep in st.dependants]
        else:
            changed = []
        return self._diff([*rolled, *changed], now)

    # ---- events ------------------------------------------------------------------------------

    def _open_day(self, st: _State, previous_close: int) -> None:
        """Start a trading day: new previous close, allowed range and statistics."""
        spec = st.spec
        st.prev_close = previous_close
        st.low_limit = spec.tick * math.ceil(previous_close * (1 - spec.limit) / spec.tick)
        st.high_limit = spec.tick * math.floor(previous_close * (1 + spec.limit) / spec.tick)
        st.day = _Day()
        st.trades = []
        st.oi_at_open = st.open_interest
        # Orders outside the new range are purged, as the exchange does at the open.
        for side in (st.bids, st.asks):
            for price in [p for p in side if not st.low_limit <= p <= st.high_limit]:
                del side[price]

    def _new_orders(self, spec: Instrument | Contract) -> list[int]:
        return [spec.lot * self._rng.randint(1, 20) for _ in range(self._rng.randint(1, 4))]

    def _refill(self, st: _State) -> None:
        """Keep a couple of levels beyond the visible depth on each side, and no more than a few.

        Deep orders arriving and leaving is what keeps a side from running dry when trades eat
        through it; the cap keeps the book (and the work per event) small.
        """
        rng, tick = self._rng, st.spec.tick
        target, cap = st.visible + 2, st.visible + 8
        for buy in (True, False):
            side = st.bids if buy else st.asks
            while len(side) < target:
                gap = tick * rng.randint(1, 3)
                if side:
                    price = min(side) - gap if buy else max(side) + gap
                else:
                    other = st.best_ask() if buy else st.best_bid()
                    if other is None:
                        anchor = st.prev_close if buy else (st.best_bid() or st.prev_close)
                        price = anchor - gap if buy else anchor + gap
                    else:
                        price = other - gap if buy else other + gap
                if not st.low_limit <= price <= st.high_limit:
                    break
                side[price] = self._new_orders(st.spec)
            while len(side) > cap:
                del side[min(side) if buy else max(side)]

    def _add_order(self, st: _State) -> None:
        """A limit order at or near the top, never crossing the other side, inside the range."""
        rng, tick = self._rng, st.spec.tick
        buy = rng.random() < 0.5
        side = st.bids if buy else st.asks
        shown = st.top(buy, st.visible)
        if buy:
            other = st.best_ask()
            ceiling = min(st.high_limit, other - tick if other is not None else st.high_limit)
            if shown:
                high = min(ceiling, shown[0] + 2 * tick)
                low = shown[-1] if len(shown) == st.visible else max(st.low_limit, shown[-1] - 3 * tick)
            else:
                high, low = ceiling, max(st.low_limit, ceiling - 5 * tick)
        else:
            other = st.best_bid()
            floor = max(st.low_limit, other + tick if other is not None else st.low_limit)
            if shown:
                low = max(floor, shown[0] - 2 * tick)
                high = shown[-1] if len(shown) == st.visible else min(st.high_limit, shown[-1] + 3 * tick)
            else:
                low, high = floor, min(st.high_limit, floor + 5 * tick)
        bid, ask = st.best_bid(), st.best_ask()
        if bid is not None and ask is not None and ask - bid > tick and rng.random() < 0.3:
            # Orders that improve on a wide spread: what keeps it from widening for ever.
            low, high = bid + tick, ask - tick
        if low > high:
            return
        price = low + tick * rng.randint(0, (high - low) // tick)
        side.setdefault(price, []).append(st.spec.lot * rng.randint(1, 20))
        self._refill(st)

    def _cancel_order(self, st: _State) -> None:
        """One resting order within the visible levels leaves the book."""
        rng = self._rng
        buy = rng.random() < 0.5
        if not (st.bids if buy else st.asks):
            buy = not buy
        side = st.bids if buy else st.asks
        shown = st.top(buy, st.visible)
        if not shown:
            return
        price = rng.choice(shown)
        orders = side[price]
        orders.pop(rng.randrange(len(orders)))
        if not orders:
            del side[price]
        self._refill(st)

    def _trade(self, st: _State, now: datetime) -> bool:
        """A marketable order fills against the best level of the other side.

        The aggressor leans against the distance from the previous close, so prices wander
        but drift back towards the middle of the allowed range instead of pinning to a limit.
        """
        rng, spec = self._rng, st.spec
        bid, ask = st.best_bid(), st.best_ask()
        if bid is None and ask is None:
            return False
        mid = (bid + ask) / 2 if bid is not None and ask is not None else (bid if ask is None else ask)
        assert mid is not None
        half_range = max(st.high_limit - st.prev_close, spec.tick)
        lean = (mid - st.prev_close) / half_range
        buyer_aggressor = rng.random() < min(0.9, max(0.1, 0.5 - 0.5 * lean))
        if ask is None:
            buyer_aggressor = False
        elif bid is None:
            buyer_aggressor = True
        side = st.asks if buyer_aggressor else st.bids
        price = ask if buyer_aggressor else bid
        assert price is not None
        orders = side[price]
        quantity = min(spec.lot * rng.randint(1, 20), sum(orders))
        left = quantity
        while left:
            if orders[0] <= left:
                left -= orders.pop(0)
            else:
                orders[0] -= left
                left = 0
        if not orders:
            del side[price]
        self._refill(st)
        self._record_trade(st, now, price, quantity)
        return True

    def _record_trade(self, st: _State, now: datetime, price: int, quantity: int) -> None:
        rng, day = self._rng, st.day
        local = _as_utc(now).astimezone(TEHRAN)
        day.trade_count += 1
        day.volume += quantity
        day.value += price * quantity
        if day.trade_count == 1:
            day.open = day.high = day.low = price
        day.high = max(day.high, price)
        day.low = min(day.low, price)
        day.last = price
        day.date = local.strftime("%Y-%m-%d")
        day.time = local.strftime("%H:%M:%S")
        minute = local.strftime("%Y-%m-%dT%H:%M")
        if minute != day.minute:
            day.minute = minute
            day.candle = (price, price, price, price, quantity)
        else:
            o, h, lo, _c, v = day.candle
            day.candle = (o, max(h, price), min(lo, price), price, v + quantity)
        buyer_institution = rng.random() < 0.3
        seller_institution = rng.random() < 0.3
        buyer = "institution" if buyer_institution else "individual"
        seller = "institution" if seller_institution else "individual"
        day.ivi[f"buy_count_{buyer}"] += 1
        day.ivi[f"buy_volume_{buyer}"] += quantity
        day.ivi[f"sell_count_{seller}"] += 1
        day.ivi[f"sell_volume_{seller}"] += quantity
        if isinstance(st.spec, Contract) or st.spec.kind == "option":
            # Both sides opening adds to open interest, both closing removes, else it transfers.
            roll = rng.random()
            if roll < 0.45:
                st.open_interest += quantity
            elif roll < 0.75 and st.open_interest >= quantity:
                st.open_interest -= quantity
        if self._record:
            st.trades.append(Trade(st.spec.key, _as_utc(now), price, quantity, buyer_institution, seller_institution))

    def _publish_nav(self, st: _State) -> None:
        """The fund publishes a NAV near its price; now and then units are issued or redeemed."""
        rng, spec = self._rng, st.spec
        st.nav = max(1, round(st.reference() * (1 + rng.uniform(-0.006, 0.006))))
        if rng.random() < 0.4:
            st.units = max(spec.lot, st.units + spec.lot * rng.randint(-20_000, 20_000))

    # ---- payloads ----------------------------------------------------------------------------

    def _diff(self, pending: list[tuple[_State, tuple[str, ...]]], now: datetime) -> list[MarketUpdate]:
        """Build the payloads an event may have changed; keep those that did change."""
        out: list[MarketUpdate] = []
        seen: set[tuple[str, str]] = set()
        for st, channels in pending:
            for channel in channels:
                if channel not in st.spec.channels or (st.spec.key, channel) in seen:
                    continue
                seen.add((st.spec.key, channel))
                data = self._build(st, channel, now)
                if data is None or data == st.sent.get(channel):
                    continue
                st.sent[channel] = data
                out.append(MarketUpdate(st.spec, channel, data))
        return out

    def _build(self, st: _State, channel: str, now: datetime) -> dict[str, Any] | None:
        """One channel's payload, or None while it has nothing to say (no trade yet today)."""
        if channel == ime.CHANNEL:
            return self._ime_payload(st)
        if channel == "best-limit":
            return self._best_limit(st, BEST_LIMIT_LEVELS, counts=True)
        if channel == "order-book":
            return {
                "Buy": [self._level(st.bids, p) for p in st.top(True, ORDER_BOOK_LEVELS)],
                "Sell": [self._level(st.asks, p) for p in st.top(False, ORDER_BOOK_LEVELS)],
            }
        day = st.day
        if channel == "ohlcv-last-1m":
            if not day.trade_count:
                return None
            o, h, lo, c, v = day.candle
            return {"open": float(o), "high": float(h), "low": float(lo), "close": float(c), "volume": v}
        if channel == "aggregate":
            return self._aggregate(st) if day.trade_count else None
        if channel == "institutional-vs-individual":
            return dict(day.ivi) if day.trade_count else None
        if channel == "contract-info":
            initial, required = self._margins(st)
            return {"open_interest": st.open_interest, "initial_margin": initial, "required_margin": required}
        if channel == "fund-info":
            values = (st.nav, st.units, st.units * st.reference())
            if values != st.fund_values:
                st.fund_values = values
                st.as_of = utc_millis(now)
            return {"nav": values[0], "units": values[1], "marketCap": values[2], "as_of": st.as_of}
        raise ValueError(f"unknown channel {channel!r}")

    @staticmethod
    def _level(side: dict[int, list[int]], price: int) -> dict[str, int]:
        orders = side[price]
        return {"price": price, "quantity": sum(orders), "count": len(orders)}

    @staticmethod
    def _best_limit(st: _State, levels: int, *, counts: bool) -> dict[str, dict[str, int]]:
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

    @staticmethod
    def _closing_price(st: _State) -> int:
        """TSE's final price: the day's volume-weighted average, rounded half up to the tick."""
        day, tick = st.day, st.spec.tick
        if not day.volume:
            return st.prev_close
        return tick * ((2 * day.value + day.volume * tick) // (2 * day.volume * tick))

    def _aggregate(self, st: _State) -> dict[str, Any]:
        day = st.day
        return {
            "date": day.date,
            "time": day.time,
            "trade_count": day.trade_count,
            "total_volume": day.volume,
            "total_value": day.value,
            "closing_price": self._closing_price(st) if day.trade_count else 0,
            "last_price": day.last,
            "low_price": day.low,
            "high_price": day.high,
            "open_price": day.open,
            "previous_close": st.prev_close,
        }

    @staticmethod
    def _margins(st: _State) -> tuple[int, int]:
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

    def _ime_payload(self, st: _State) -> dict[str, Any]:
        return {
            "BestLimit": self._best_limit(st, IME_BEST_LIMIT_LEVELS, counts=False),
            "Aggregate": self._aggregate(st),
            "AllowedPriceRange": {"minAllowedPrice": st.low_limit, "maxAllowedPrice": st.high_limit},
            "ContractInfo": {
                "open_interest": st.open_interest,
                "open_interest_changes": st.open_interest - st.oi_at_open,
            },
        }
