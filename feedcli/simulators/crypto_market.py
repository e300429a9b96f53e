"""A deterministic order book, trades and quotes per pair, for the crypto simulators.

Why deterministic per (seed, symbol, step): a test can step its own `BookMarket` to any update
id a `book` line names and compare the line with the true book at that id, whatever faults
the simulator injected (a skipped update is still applied to the true book, only not sent)
and whenever the client connected. The clock only decides how many steps have happened.

Prices are integer ticks inside (no float drift: a level is a level), shown with the pair's
decimals. The book keeps a fixed number of levels a side: a level removed near the top is
replaced far away, so a REST snapshot of any limit is always full and the top never runs dry.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from feedcli.providers.crypto.model import BookDelta, BookSnapshot, Level, Ticker, Trade

#: levels a side the true book holds
LEVELS = 400
#: levels near the top where changes happen
ACTIVE = 20
#: the first update id and trade id (exchanges' ids are large; a small one would hide bugs)
FIRST_UPDATE = 1_000_000
FIRST_TRADE = 50_000
#: the number of the market's first state for exchanges that number messages one by one
#: (Bybit's `u`, Coinbase's per-product book sequence): `step_id` is it plus the steps taken
FIRST_STEP = 100
#: trades remembered for a subscription's snapshot of recent trades
RECENT_TRADES = 20


def decimals(price: float) -> int:
    """Price decimals of a pair's book: cents above 1, five significant digits below (a tick
    of 0.01 at 67,000 as at 150, as on the exchanges' USDT books)."""
    return max(2, 4 - int(math.log10(max(price, 1e-9))))


@dataclass(frozen=True, slots=True)
class Step:
    """One update of the book: what changed (absolute sizes, 0 removes) and the trades in it."""

    delta: BookDelta
    trades: list[Trade]


class BookMarket:
    """One pair's book, stepped one update at a time."""

    def __init__(self, symbol: str, mid: float, seed: int = 1, *, pair: str | None = None, history: int = 0) -> None:
        self.symbol = symbol
        #: seeded by the pair as BASE-QUOTE, so every exchange's simulator has the same book
        self.rng = random.Random(f"{seed}|{pair or symbol}|book")
        self.dec = decimals(mid)
        self.tick = 10.0**-self.dec
        center = max(LEVELS + 10, round(mid / self.tick))
        #: about 100,000 quote units a level at most (a few BTC, dozens of ETH)
        self.size_scale = max(0.001, 100_000.0 / max(mid, 1.0))
        rng = self.rng
        #: tick index → size
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        price = center - 1
        for _ in range(LEVELS):
            self.bids[price] = self._size()
            price -= rng.randint(1, 3)
        price = center + 1
        for _ in range(LEVELS):
            self.asks[price] = self._size()
            price += rng.randint(1, 3)
        self.update_id = FIRST_UPDATE
        self.trade_id = FIRST_TRADE
        #: the last trade's price (None before the first)
        self.last: float | None = None
        #: steps taken; `step_id` numbers the state one by one
        self.steps = 0
        #: the latest trades (an exchange that sends recent trades on subscribing: Coinbase)
        self.recent: deque[Trade] = deque(maxlen=RECENT_TRADES)
        #: the last `history` states (update id, bids, asks), for a REST snapshot that lags
        self.past: deque[tuple[int, dict[int, float], dict[int, float]]] = deque(maxlen=max(1, history + 1))
        if history:
            self.past.append((self.update_id, dict(self.bids), dict(self.asks)))

    def _size(self) -> float:
        return round(self.rng.uniform(0.01, 3.0) * self.size_scale, 4)

    def price(self, index: int) -> float:
        return round(index * self.tick, self.dec)

    @property
    def step_id(self) -> int:
        return FIRST_STEP + self.steps

    # ------------------------------------------------------------------ reading
    def best_bid(self) -> int:
        return max(self.bids)

    def best_ask(self) -> int:
        return min(self.asks)

    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        bids = sorted(self.bids, reverse=True)[:n]
        asks = sorted(self.asks)[:n]
        return [(self.price(p), self.bids[p]) for p in bids], [(self.price(p), self.asks[p]) for p in asks]

    def snapshot(self, limit: int, lag: int = 0) -> BookSnapshot:
        """The top `limit` levels, now or `lag` updates ago (a REST snapshot that lags the stream)."""
        if lag and self.past:
            index = max(0, len(self.past) - 1 - lag)
            update_id, bids, asks = self.past[index]
        else:
            update_id, bids, asks = self.update_id, self.bids, self.asks
        top_bids = sorted(bids, reverse=True)[:limit]
        top_asks = sorted(asks)[:limit]
        return BookSnapshot(
            self.symbol,
            [(self.price(p), bids[p]) for p in top_bids],
            [(self.price(p), asks[p]) for p in top_asks],
            update_id,
        )

    def ticker(self, ts_ms: int | None = None) -> Ticker:
        bid, ask = self.best_bid(), self.best_ask()
        return Ticker(
            self.symbol,
            self.price(bid),
            self.bids[bid],
            self.price(ask),
            self.asks[ask],
            last=self.last,
            ts_ms=ts_ms,
            seq=self.update_id,
        )

    # ------------------------------------------------------------------ stepping
    def step(self, ts_ms: int = 0) -> Step:
        """One update: one to four level changes, sometimes a trade that takes a best level."""
        rng = self.rng
        changed_bids: dict[int, float] = {}
        changed_asks: dict[int, float] = {}
        trades: list[Trade] = []
        for _ in range(rng.randint(1, 4)):
            is_bid = rng.random() < 0.5
            book, changed = (self.bids, changed_bids) if is_bid else (self.asks, changed_asks)
            near = sorted(book, reverse=is_bid)[:ACTIVE]
            roll = rng.random()
            if roll < 0.45:  # a size changes
                price = rng.choice(near)
                book[price] = changed[price] = self._size()
            elif roll < 0.65:  # a level goes; a far one comes, to keep the side full
                price = rng.choice(near[1:])
                del book[price]
                changed[price] = 0.0
                self._refill(is_bid, changed)
            elif roll < 0.85:  # a new level near the top (inside the spread at times)
                best_other = self.best_ask() if is_bid else self.best_bid()
                if is_bid:
                    low, high = near[-1], best_other - 1
                else:
                    low, high = best_other + 1, near[-1]
                price = rng.randint(low, high) if low <= high else None
                if price is not None and price not in book:
                    book[price] = changed[price] = self._size()
                    self._trim(is_bid, changed)
            else:  # a taker takes (part of) the opposite best level
                taker_buys = not is_bid
                side = self.asks if taker_buys else self.bids
                side_changed = changed_asks if taker_buys else changed_bids
                best = min(side) if taker_buys else max(side)
                take = round(min(side[best], rng.uniform(0.1, 1.2) * side[best]), 4)
                left = round(side[best] - take, 4)
                if left <= 0 or take <= 0:
                    take = side[best]
                    del side[best]
                    side_changed[best] = 0.0
                    self._refill(not taker_buys, side_changed)
                else:
                    side[best] = side_changed[best] = left
                self.trade_id += 1
                self.last = self.price(best)
                trades.append(
                    Trade(self.symbol, self.price(best), take, "buy" if taker_buys else "sell", self.trade_id, ts_ms)
                )
        self.recent.extend(trades)
        first = self.update_id + 1
        self.update_id += max(1, len(changed_bids) + len(changed_asks))
        self.steps += 1
        if self.past.maxlen and self.past.maxlen > 1:
            self.past.append((self.update_id, dict(self.bids), dict(self.asks)))
        delta = BookDelta(
            self.symbol,
            [(self.price(p), s) for p, s in sorted(changed_bids.items(), reverse=True)],
            [(self.price(p), s) for p, s in sorted(changed_asks.items())],
            first,
            self.update_id,
            ts_ms=ts_ms,
        )
        return Step(delta, trades)

    def _refill(self, is_bid: bool, changed: dict[int, float]) -> None:
        book = self.bids if is_bid else self.asks
        if len(book) >= LEVELS:
            return
        far = min(book) - self.rng.randint(1, 3) if is_bid else max(book) + self.rng.randint(1, 3)
        if far > 0:
            book[far] = changed[far] = self._size()

    def _trim(self, is_bid: bool, changed: dict[int, float]) -> None:
        book = self.bids if is_bid else self.asks
        if len(book) <= LEVELS:
            return
        far = min(book) if is_bid else max(book)
        del book[far]
        changed[far] = 0.0


class TopView:
    """The top `depth` levels of a market as an exchange streaming a fixed depth shows them:
    its deltas are the changes of that view (levels entering it, leaving it as 0, changing)."""

    def __init__(self, market: BookMarket, depth: int) -> None:
        self.market = market
        self.depth = depth
        self.bids, self.asks = self._now()

    def _now(self) -> tuple[dict[float, float], dict[float, float]]:
        bids, asks = self.market.top(self.depth)
        return dict(bids), dict(asks)

    def diff(self) -> tuple[list[Level], list[Level]]:
        """What changed since the last call (or since the view was made)."""
        bids, asks = self._now()
        out = []
        for old, new, best_first in ((self.bids, bids, True), (self.asks, asks, False)):
            changes = {p: s for p, s in new.items() if old.get(p) != s}
            changes.update({p: 0.0 for p in old if p not in new})
            out.append(sorted(changes.items(), reverse=best_first))
        self.bids, self.asks = bids, asks
        return out[0], out[1]


def replay_to(pair: str, mid: float, seed: int, update_id: int) -> BookMarket:
    """The market of (pair, seed) stepped until its update id is `update_id` (for tests).

    ValueError when no step ends there (a line naming it would be wrong).
    """
    market = BookMarket(pair, mid, seed, pair=pair)
    while market.update_id < update_id:
        market.step()
    if market.update_id != update_id:
        raise ValueError(f"no update of {pair} ends at id {update_id}")
    return market
