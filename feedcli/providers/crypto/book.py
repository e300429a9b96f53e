"""An L2 order book: price → size per side, updated in place, read as the top N levels.

Why a dict plus a sorted list of prices (and not `sortedcontainers` or a tree): a level whose
size changes, by far the most common update, is one dict store; only a new or removed level
touches the sorted list, with `bisect` (C) and a `memmove` that costs nothing at the few
thousand levels a book holds. Reading the top N is a slice. `bench/book_bench.py` measures it
against the naive dict-and-`sorted()` book in the same run.

The horizon: a REST snapshot of L levels says nothing about the levels beyond its L-th price.
An update can later remove the known levels until unknown ones would come into view, and a book
that showed them would show a hole where a real level sits. So a side loaded from a truncated
snapshot keeps its worst price as a horizon (the bid floor, the ask ceiling): it stores only
levels on the near side of it, ignores updates beyond it, and `known()` says how many levels it
can vouch for. The sync machine asks for a fresh snapshot before that drops below `--depth`.
A side can also be capped (`cap`): it then drops its worst levels and moves its horizon in, so
memory stays bounded on a long run.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

import orjson

from feedcli.providers.crypto.model import Level

_INF = float("inf")


class L2Book:
    """Both sides of one market. Not thread-safe; one per (connection, symbol)."""

    __slots__ = (
        "_ask_prices",
        "_ask_texts",
        "_asks",
        "_bid_prices",
        "_bid_texts",
        "_bids",
        "_top_ask_texts",
        "_top_asks",
        "_top_bid_texts",
        "_top_bids",
        "_top_depth",
        "ask_ceiling",
        "bid_floor",
        "cap",
    )

    def __init__(self, cap: int | None = None) -> None:
        #: price → size
        self._bids: dict[float, float] = {}
        self._asks: dict[float, float] = {}
        #: the same prices, ascending (the best bid is the last, the best ask the first)
        self._bid_prices: list[float] = []
        self._ask_prices: list[float] = []
        #: the worst bid / ask price the book knows the whole book up to; None: no horizon
        self.bid_floor: float | None = None
        self.ask_ceiling: float | None = None
        #: keep at most about this many levels per side (None: all)
        self.cap = cap
        #: `advance`'s text of each side's top as of its last call (for `_top_depth` levels),
        #: None once anything else may have changed that side
        self._top_bids: bytes | None = None
        self._top_asks: bytes | None = None
        self._top_depth = 0
        #: the texts of those tops' levels, best first (good while the side's text is)
        self._top_bid_texts: list[bytes] = []
        self._top_ask_texts: list[bytes] = []
        #: price → the level as orjson writes `(price, size)`, for levels `advance` set or wrote
        #: in a top; every writer drops the text of a level it changes (`update` all of them),
        #: so a text here is always its level's
        self._bid_texts: dict[float, bytes] = {}
        self._ask_texts: dict[float, bytes] = {}

    # ------------------------------------------------------------------ writing
    def clear(self) -> None:
        self._top_bids = self._top_asks = None
        self._bid_texts.clear()
        self._ask_texts.clear()
        self._bids.clear()
        self._asks.clear()
        self._bid_prices.clear()
        self._ask_prices.clear()
        self.bid_floor = self.ask_ceiling = None

    def load(
        self,
        bids: Iterable[Level],
        asks: Iterable[Level],
        *,
        bids_truncated: bool = False,
        asks_truncated: bool = False,
    ) -> None:
        """Replace everything with a snapshot (never merge into what was there).

        A truncated side gets its worst price as its horizon. Zero sizes in a snapshot are
        dropped: a level of size 0 is no level.
        """
        self.clear()
        self._bids = {price: size for price, size in bids if size > 0}
        self._asks = {price: size for price, size in asks if size > 0}
        self._bid_prices = sorted(self._bids)
        self._ask_prices = sorted(self._asks)
        if bids_truncated and self._bid_prices:
            self.bid_floor = self._bid_prices[0]
        if asks_truncated and self._ask_prices:
            self.ask_ceiling = self._ask_prices[-1]
        if self.cap is not None:
            self._trim_bids()
            self._trim_asks()

    def set_bid(self, price: float, size: float) -> None:
        """Set a bid level's absolute size; 0 removes it (removing an absent level is no error)."""
        self._top_bids = None
        self._bid_texts.pop(price, None)
        sizes = self._bids
        if size > 0:
            if price in sizes:
                sizes[price] = size
                return
            floor = self.bid_floor
            if floor is not None and price < floor:
                return
            sizes[price] = size
            insort(self._bid_prices, price)
            if self.cap is not None and len(sizes) > 2 * self.cap:
                self._trim_bids()
        elif sizes.pop(price, None) is not None:
            prices = self._bid_prices
            del prices[bisect_left(prices, price)]

    def set_ask(self, price: float, size: float) -> None:
        """Set an ask level's absolute size; 0 removes it (removing an absent level is no error)."""
        self._top_asks = None
        self._ask_texts.pop(price, None)
        sizes = self._asks
        if size > 0:
            if price in sizes:
                sizes[price] = size
                return
            ceiling = self.ask_ceiling
            if ceiling is not None and price > ceiling:
                return
            sizes[price] = size
            insort(self._ask_prices, price)
            if self.cap is not None and len(sizes) > 2 * self.cap:
                self._trim_asks()
        elif sizes.pop(price, None) is not None:
            prices = self._ask_prices
            del prices[bisect_left(prices, price)]

    def update(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Apply one update message's levels, in the order sent.

        A new size for a level the book holds, the most common change, is stored here without
        the call to `set_bid`/`set_ask` (the hot path of every book line that is not `advance`'s).
        """
        self._top_bids = self._top_asks = None
        if self._bid_texts:
            self._bid_texts.clear()
        if self._ask_texts:
            self._ask_texts.clear()
        sizes = self._bids
        for price, size in bids:
            if size > 0 and price in sizes:
                sizes[price] = size
            else:
                self.set_bid(price, size)
        sizes = self._asks
        for price, size in asks:
            if size > 0 and price in sizes:
                sizes[price] = size
            else:
                self.set_ask(price, size)

    def advance(self, bids: list[Level], asks: list[Level], depth: int) -> tuple[bytes, bytes] | None:
        """`update`, then `top(depth)` as orjson writes each side, within its brackets
        (`orjson.dumps(top_bids)[1:-1]`, the same of the asks); None where the update left the
        book crossed or thin for `depth` (it is applied all the same: the caller then answers
        as the general way does after applying, `RangeSync._emit`). The line path
        (`MarketCodec._book_line`) writes these texts into its line as they are.

        The levels are applied as `update` applies them (`set_bid`/`set_ask` without the calls).
        The top of a side is written again only when the update touched a price at or inside its
        `depth`-th level (or there are fewer, or the side was trimmed): a change further out
        leaves it as it was, and the text of the last call is handed out again.

        Why texts and not lists of levels: a top is written from the texts of its levels, kept
        per level (`_bid_texts`), so a top of ten levels costs a `join` instead of ten tuples and
        the formatting of twenty floats (bench/README.md). A level set at or inside the top gets
        its text then; one set further out loses its text (most never reach the top), and is
        given one when a removal or a trim brings it into the top (`_top_texts`). A top whose levels
        only changed their sizes is the kept list of its texts with the new ones put in place,
        joined (a `map` over the prices and their texts cost four times the `join`).
        """
        bid_prices, ask_prices = self._bid_prices, self._ask_prices
        # the kept tops (text, and the texts of its levels, best first); a side's text is
        # dropped (None) once the update touches its top, its list once a level comes into the
        # top or leaves it (a new size is written into the list where it stands)
        top_bids, top_asks = (self._top_bids, self._top_asks) if self._top_depth == depth else (None, None)
        bid_list = self._top_bid_texts if top_bids is not None else None
        ask_list = self._top_ask_texts if top_asks is not None else None
        self._top_bids = self._top_asks = None
        dumps, cap = orjson.dumps, self.cap
        cut = bid_prices[-depth] if len(bid_prices) >= depth else -_INF
        sizes, texts, floor = self._bids, self._bid_texts, self.bid_floor
        bids_in = 0  # levels that may come into the top from further out, without a text
        for price, size in bids:
            if size > 0:
                if price in sizes:
                    sizes[price] = size
                    if price >= cut:
                        text = texts[price] = dumps((price, size))
                        top_bids = None
                        if bid_list is not None:  # its place, counted from the best
                            bid_list[len(bid_prices) - 1 - bisect_left(bid_prices, price)] = text
                    else:
                        texts.pop(price, None)
                elif floor is None or price >= floor:
                    sizes[price] = size
                    insort(bid_prices, price)
                    if price >= cut:
                        texts[price] = dumps((price, size))
                        top_bids = bid_list = None
                    if cap is not None and len(sizes) > 2 * cap:
                        self._trim_bids()
                        floor, top_bids, bid_list, bids_in = self.bid_floor, None, None, depth
            elif sizes.pop(price, None) is not None:
                del bid_prices[bisect_left(bid_prices, price)]
                texts.pop(price, None)
                if price >= cut:
                    top_bids = bid_list = None
                    bids_in += 1
        cut = ask_prices[depth - 1] if len(ask_prices) >= depth else _INF
        sizes, texts, ceiling = self._asks, self._ask_texts, self.ask_ceiling
        asks_in = 0
        for price, size in asks:
            if size > 0:
                if price in sizes:
                    sizes[price] = size
                    if price <= cut:
                        text = texts[price] = dumps((price, size))
                        top_asks = None
                        if ask_list is not None:
                            ask_list[bisect_left(ask_prices, price)] = text
                    else:
                        texts.pop(price, None)
                elif ceiling is None or price <= ceiling:
                    sizes[price] = size
                    insort(ask_prices, price)
                    if price <= cut:
                        texts[price] = dumps((price, size))
                        top_asks = ask_list = None
                    if cap is not None and len(sizes) > 2 * cap:
                        self._trim_asks()
                        ceiling, top_asks, ask_list, asks_in = self.ask_ceiling, None, None, depth
            elif sizes.pop(price, None) is not None:
                del ask_prices[bisect_left(ask_prices, price)]
                texts.pop(price, None)
                if price <= cut:
                    top_asks = ask_list = None
                    asks_in += 1
        # crossed or thin (`crossed()`, `thin(depth)`): the general way's answer, not a line
        if bid_prices and ask_prices and bid_prices[-1] >= ask_prices[0]:
            return None
        if (floor is not None and len(bid_prices) < depth) or (ceiling is not None and len(ask_prices) < depth):
            return None
        if top_bids is None:
            if bid_list is None:
                bid_list = self._top_texts(bid_prices[: -depth - 1 : -1], bids_in, self._bids, self._bid_texts)
            top_bids = b",".join(bid_list)
        if top_asks is None:
            if ask_list is None:
                ask_list = self._top_texts(ask_prices[:depth], asks_in, self._asks, self._ask_texts)
            top_asks = b",".join(ask_list)
        self._top_bids, self._top_asks, self._top_depth = top_bids, top_asks, depth
        self._top_bid_texts, self._top_ask_texts = bid_list, ask_list
        return top_bids, top_asks

    @staticmethod
    def _top_texts(
        chosen: list[float], came_in: int, sizes: dict[float, float], texts: dict[float, bytes]
    ) -> list[bytes]:
        """The texts of the levels at `chosen` prices, those that have none made first: the
        `came_in` at the far end (brought in by a removal or a trim), or any other (levels from
        a snapshot or another writer)."""
        if came_in:
            for price in chosen[-came_in:]:
                if price not in texts:
                    texts[price] = orjson.dumps((price, sizes[price]))
        try:
            return list(map(texts.__getitem__, chosen))
        except KeyError:
            for price in chosen:
                if price not in texts:
                    texts[price] = orjson.dumps((price, sizes[price]))
            return list(map(texts.__getitem__, chosen))

    def _trim_bids(self) -> None:
        cap, prices = self.cap, self._bid_prices
        if cap is None or len(prices) <= cap:
            return
        cut = len(prices) - cap
        texts = self._bid_texts
        for price in prices[:cut]:
            del self._bids[price]
            texts.pop(price, None)
        del prices[:cut]
        self.bid_floor = prices[0] if prices else None

    def _trim_asks(self) -> None:
        cap, prices = self.cap, self._ask_prices
        if cap is None or len(prices) <= cap:
            return
        texts = self._ask_texts
        for price in prices[cap:]:
            del self._asks[price]
            texts.pop(price, None)
        del prices[cap:]
        self.ask_ceiling = prices[-1] if prices else None

    # ------------------------------------------------------------------ reading
    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        """The best `n` levels of each side, best first."""
        bid_prices = self._bid_prices[-n:] if n > 0 else []
        bid_prices.reverse()
        ask_prices = self._ask_prices[:n]
        # zip and map run in C: no Python step per level
        return (
            list(zip(bid_prices, map(self._bids.__getitem__, bid_prices), strict=False)),
            list(zip(ask_prices, map(self._asks.__getitem__, ask_prices), strict=False)),
        )

    def thin(self, depth: int) -> bool:
        """Whether a truncated side knows fewer than `depth` levels (see the horizon above)."""
        return (self.bid_floor is not None and len(self._bid_prices) < depth) or (
            self.ask_ceiling is not None and len(self._ask_prices) < depth
        )

    def known(self) -> tuple[int, int]:
        """How many levels each side holds, all of them trustworthy (see the horizon above)."""
        return len(self._bid_prices), len(self._ask_prices)

    @property
    def truncated(self) -> tuple[bool, bool]:
        """Whether each side has a horizon beyond which the book knows nothing."""
        return self.bid_floor is not None, self.ask_ceiling is not None

    def best_bid(self) -> float | None:
        return self._bid_prices[-1] if self._bid_prices else None

    def best_ask(self) -> float | None:
        return self._ask_prices[0] if self._ask_prices else None

    def crossed(self) -> bool:
        """True when the best bid is at or above the best ask: a book no exchange shows."""
        return bool(self._bid_prices and self._ask_prices and self._bid_prices[-1] >= self._ask_prices[0])

    def size(self, side: str, price: float) -> float | None:
        """The size at a price ("bid" or "ask"), None where there is no level."""
        return (self._bids if side == "bid" else self._asks).get(price)

    def __len__(self) -> int:
        return len(self._bid_prices) + len(self._ask_prices)

    def __repr__(self) -> str:
        bids, asks = self.top(3)
        return f"L2Book(bids={bids}..., asks={asks}..., levels={self.known()})"
