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

Who trades (the listed universe, and the synthetic instruments any well-formed identifier
stands for) is `ht_universe.py`; this module makes them move.

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
from collections import OrderedDict
from datetime import datetime
from typing import Any, NamedTuple

from feedcli.simulators.ht_payloads import (
    TEHRAN,
    Day,
    State,
    Trade,
    as_utc,
    build,
    closing_price,
    tehran_timestamp,
    utc_millis,
)
from feedcli.simulators.ht_universe import IME_UNIVERSE, TSE_UNIVERSE, Contract, Instrument

__all__ = [
    "IME_UNIVERSE",
    "TSE_UNIVERSE",
    "Contract",
    "HTMarket",
    "Instrument",
    "MarketUpdate",
    "Trade",
    "tehran_timestamp",
    "utc_millis",
]

_BOOK_CHANNELS: tuple[str, ...] = ("best-limit", "order-book")


class MarketUpdate(NamedTuple):
    """One changed payload: unpacks as `(instrument, channel, data)`."""

    instrument: Instrument | Contract
    channel: str
    data: dict[str, Any]


class HTMarket:
    """The seeded market: the listed universe and the synthetic instruments added to it, one
    random event per `step(now)`.

    Each instrument draws its events from its own generator (seeded by `seed` and its key), and
    the market's own generator only picks which instrument moves next: an instrument's
    payloads, one after another, are the same whatever else is listed or added.

    Synthetic instruments (`ht_universe`) come and go with their subscribers: `add` starts
    stepping one, `release` stops it (it keeps its state, so a client that reconnects finds
    the market where it left it, until `MAX_IDLE` others have been released since).

    `record_trades=True` keeps the day's trades per instrument (memory grows with them, so
    only tests use it). The universe can be replaced, for instance by a smaller one in tests.
    """

    #: released synthetic instruments kept (frozen) for when they are asked for again
    MAX_IDLE = 1_000

    def __init__(
        self,
        seed: int = 1,
        instruments: tuple[Instrument, ...] = TSE_UNIVERSE,
        contracts: tuple[Contract, ...] = IME_UNIVERSE,
        *,
        record_trades: bool = False,
    ) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._record = record_trades
        self._instruments = tuple(instruments)
        self._contracts = tuple(contracts)
        #: every state, stepped or idle, by key
        self._by_key: dict[str, State] = {}
        #: the states stepped, in the order they were added
        self._states: list[State] = []
        #: released synthetic states, least recently released first
        self._idle: OrderedDict[str, None] = OrderedDict()
        self._date: str | None = None
        for spec in (*self._instruments, *self._contracts):
            if spec.key in self._by_key:
                raise ValueError("instrument ISINs and contract ids must be unique")
            self._states.append(self._new_state(spec, strict=True))

    def _new_state(self, spec: Instrument | Contract, *, strict: bool = False) -> State:
        """A fresh state at its first day's open, registered by key (not yet stepped)."""
        if spec.price % spec.tick:
            raise ValueError(f"{spec.key}: price {spec.price} is not on its tick grid ({spec.tick})")
        st = State(spec, rng=random.Random(f"feedcli-ht-market/{self._seed}/{spec.key}"))
        self._by_key[spec.key] = st
        rng = st.rng
        self._open_day(st, spec.price)
        self._refill(st)
        if isinstance(spec, Instrument) and spec.kind == "fund":
            st.nav = spec.price + spec.tick * rng.randint(-20, 20)
            st.units = spec.lot * rng.randint(2_000_000, 6_000_000)
        if isinstance(spec, Instrument) and spec.kind == "option":
            st.open_interest = spec.lot * rng.randint(5_000, 40_000)
            if spec.underlying is not None:
                underlying = self._by_key.get(spec.underlying)
                # a synthetic option follows a listed underlying only: a synthetic one may be
                # dropped, and what an instrument does must not depend on what was asked before
                if underlying is None or underlying.spec.synthetic:
                    if strict:
                        raise ValueError(f"{spec.key}: underlying {spec.underlying} is not in the universe")
                else:
                    st.underlying = underlying
                    underlying.dependants.append(st)
        if isinstance(spec, Contract):
            st.open_interest = spec.lot * rng.randint(500, 5_000)
        st.oi_at_open = st.open_interest
        return st

    # ---- what the server needs to know -------------------------------------------------------

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The listed TSE & IFB instruments (synthetic ones are not listed)."""
        return self._instruments

    @property
    def contracts(self) -> tuple[Contract, ...]:
        """The listed IME contracts."""
        return self._contracts

    def payload(self, key: str, channel: str) -> dict[str, Any] | None:
        """The last payload produced (or taken as known) for an instrument's channel."""
        return self._by_key[key].sent.get(channel)

    def trades(self, key: str) -> list[Trade]:
        """Today's trades of an instrument (empty unless `record_trades=True`)."""
        return list(self._by_key[key].trades)

    def add(self, spec: Instrument | Contract) -> None:
        """Step a synthetic instrument from now on (a listed one is stepped always).

        A new one's payloads are taken as known at the next step, as the listed ones' were at
        the first: the real server sends no snapshot. One released before resumes as it was.
        """
        st = self._by_key.get(spec.key)
        if st is None:
            self._states.append(self._new_state(spec))
        elif spec.key in self._idle:
            del self._idle[spec.key]
            self._states.append(st)

    def release(self, key: str) -> None:
        """Stop stepping a synthetic instrument nobody subscribes to any more; keep the last
        `MAX_IDLE` released. A listed instrument, or an unknown key, is left as it is."""
        st = self._by_key.get(key)
        if st is None or not st.spec.synthetic or key in self._idle:
            return
        self._states.remove(st)
        self._idle[key] = None
        while len(self._idle) > self.MAX_IDLE:
            old, _ = self._idle.popitem(last=False)
            del self._by_key[old]

    @property
    def stepped(self) -> int:
        """How many instruments and contracts move now."""
        return len(self._states)

    # ---- the event loop's one entry point ----------------------------------------------------

    def step(self, now: datetime) -> list[MarketUpdate]:
        """Perform one market event at `now` and return the payloads it changed."""
        date = as_utc(now).astimezone(TEHRAN).strftime("%Y-%m-%d")
        if self._date is None:
            self._date = date  # the first step fixes the day
        for st in self._states:
            if not st.known:
                # What a subscriber could not have seen change is taken as already known.
                st.known = True
                for channel in st.spec.channels:
                    data = build(st, channel, now)
                    if data is not None:
                        st.sent[channel] = data
        rolled: list[tuple[State, tuple[str, ...]]] = []
        if date != self._date:
            self._date = date
            for st in self._by_key.values():
                self._open_day(st, closing_price(st) if st.day.trade_count else st.prev_close)
                self._refill(st)
                if st.known:
                    rolled.append((st, st.spec.channels))
        if not self._states:
            return self._diff(rolled, now)

        st = self._rng.choice(self._states)
        rng = st.rng
        changed: list[tuple[State, tuple[str, ...]]]
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

    def _open_day(self, st: State, previous_close: int) -> None:
        """Start a trading day: new previous close, allowed range and statistics."""
        spec = st.spec
        st.prev_close = previous_close
        st.low_limit = spec.tick * math.ceil(previous_close * (1 - spec.limit) / spec.tick)
        st.high_limit = spec.tick * math.floor(previous_close * (1 + spec.limit) / spec.tick)
        st.day = Day()
        st.trades = []
        st.oi_at_open = st.open_interest
        # Orders outside the new range are purged, as the exchange does at the open.
        for side in (st.bids, st.asks):
            for price in [p for p in side if not st.low_limit <= p <= st.high_limit]:
                del side[price]

    @staticmethod
    def _new_orders(st: State) -> list[int]:
        rng, lot = st.rng, st.spec.lot
        return [lot * rng.randint(1, 20) for _ in range(rng.randint(1, 4))]

    def _refill(self, st: State) -> None:
        """Keep a couple of levels beyond the visible depth on each side, and no more than a few.

        Deep orders arriving and leaving is what keeps a side from running dry when trades eat
        through it; the cap keeps the book (and the work per event) small.
        """
        rng, tick = st.rng, st.spec.tick
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
                side[price] = self._new_orders(st)
            while len(side) > cap:
                del side[min(side) if buy else max(side)]

    def _add_order(self, st: State) -> None:
        """A limit order at or near the top, never crossing the other side, inside the range."""
        rng, tick = st.rng, st.spec.tick
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

    def _cancel_order(self, st: State) -> None:
        """One resting order within the visible levels leaves the book."""
        rng = st.rng
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

    def _trade(self, st: State, now: datetime) -> bool:
        """A marketable order fills against the best level of the other side.

        The aggressor leans against the distance from the previous close, so prices wander
        but drift back towards the middle of the allowed range instead of pinning to a limit.
        """
        rng, spec = st.rng, st.spec
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

    def _record_trade(self, st: State, now: datetime, price: int, quantity: int) -> None:
        rng, day = st.rng, st.day
        local = as_utc(now).astimezone(TEHRAN)
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
            st.trades.append(Trade(st.spec.key, as_utc(now), price, quantity, buyer_institution, seller_institution))

    def _publish_nav(self, st: State) -> None:
        """The fund publishes a NAV near its price; now and then units are issued or redeemed."""
        rng, spec = st.rng, st.spec
        st.nav = max(1, round(st.reference() * (1 + rng.uniform(-0.006, 0.006))))
        if rng.random() < 0.4:
            st.units = max(spec.lot, st.units + spec.lot * rng.randint(-20_000, 20_000))

    # ---- payloads ----------------------------------------------------------------------------

    def _diff(self, pending: list[tuple[State, tuple[str, ...]]], now: datetime) -> list[MarketUpdate]:
        """Build the payloads an event may have changed; keep those that did change."""
        out: list[MarketUpdate] = []
        seen: set[tuple[str, str]] = set()
        for st, channels in pending:
            for channel in channels:
                if channel not in st.spec.channels or (st.spec.key, channel) in seen:
                    continue
                seen.add((st.spec.key, channel))
                data = build(st, channel, now)
                if data is None or data == st.sent.get(channel):
                    continue
                st.sent[channel] = data
                out.append(MarketUpdate(st.spec, channel, data))
        return out
