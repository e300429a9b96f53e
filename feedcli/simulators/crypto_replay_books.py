"""`replay --serve` of recorded crypto order books: each recorded `book` line made a book update
again, over each exchange's own protocol, so a client's sync machine rebuilds the same lines.

A recorded book line is the top `--depth` levels of the recorder's book after an update, with
the exchange's update id (`seq`) and the update's time (`ts`). The simulators speak each
exchange's book protocol from a `BookMarket` (snapshots, diffs with their sequence numbers,
checksums); here `RecordedBook` stands in for it: its whole book is the latest recorded line,
and each new line becomes the diff from the one before (levels that changed, levels gone as
size 0), numbered so that every exchange's rule holds:

- the update covers the ids after the previous line's `seq` up to this line's (Binance and Gate
  `U`..`u`, KuCoin `sequenceStart`..`sequenceEnd`, OKX `prevSeqId` → `seqId`), so the client's
  line has the recorded `seq`; a `seq` that does not grow (a recording of another session
  appended, Coinbase's per-connection numbers) is served as the previous one plus 1;
- OKX's CRC32 checksum is that of the top 25 levels the client will hold (the recorded ones);
- Bybit's `u` must grow by one: numbers skipped between two lines (updates beyond the recorded
  depth, which made no line) are sent as empty deltas, as Bybit sends them; a jump of more
  than FILL_LIMIT is a new snapshot instead (Bybit: a snapshot resets the book);
- Coinbase's `sequence_num` numbers a connection's messages: where the recorded `seq` is ahead
  of the connection's count (messages of other channels, heartbeats), heartbeats fill the gap
  (up to FILL_LIMIT), so the line's `seq` comes back too when the client subscribed as the
  recorder did;
- a line equal to the one before (a change beyond the recorded depth) is one update that
  states the best level again (OKX, Bybit and Coinbase clients write no line for an empty
  update); Binance, Gate and KuCoin write a line for any update in range, empty or not.

Snapshots. Exchanges that send the snapshot over the WebSocket (OKX `books`, Bybit, Coinbase
`level2`) send it with the first line played after the subscription, not at the subscription
(before any line there is no book to show, and a client would write an empty one): the
client's first line is that line. Exchanges whose client fetches a REST snapshot after the
first update (Binance `/api/v3/depth`, KuCoin `level2_100`, Gate `order_book`) get the update
first; while a client that got its first update has not fetched its snapshot, the timeline
waits (up to SNAPSHOT_WAIT seconds), and the REST snapshot answers the book as it was before
that update (its `lastUpdateId`/`sequence`/`id` the previous line's `seq`), so the client
applies the update to it and writes the line with the update's own time, as recorded. The
timeline then waits SNAPSHOT_SETTLE seconds more, for the answer to reach the client before
the next update (the client builds its book from the snapshot and every update that came
before it, and writes one line for all of them). Any other REST snapshot answers the book as
it stands, but one asked before any line of its pair was played (ccxt fetches its snapshot as
it subscribes, before any update): it waits for that line (SNAPSHOT_WAIT at most), since the
exchange always has a book and an empty one at id 0 fits no update.

Times. Each frame carries the line's recorded `ts` as the exchange's event time; a line
recorded without one (made from a REST snapshot alone) is sent with time 0, which a client
reads as no time, so it comes back without one too.

What a recording's control lines do: none is played (`ReplayServer` plays data lines only).
A `gap` line (the recorder lost sync and resynced) leaves the lines on either side of it: the
next book line is served as one update from the last, so the client stays in sync and writes
the same book lines, without the gap. A reconnect of the recorder is the same: its new book's
first line is an update from the last line of the old one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from feedcli.events import DataEvent
from feedcli.providers.crypto.model import BookDelta, BookSnapshot, Level
from feedcli.simulators.candles import Subscriber
from feedcli.timeouts import within

#: seconds the timeline waits for a client's REST snapshot after its first book update
SNAPSHOT_WAIT = 10.0
#: seconds the timeline waits after that snapshot was answered, for it to reach the client
SNAPSHOT_SETTLE = 0.5
#: numbers filled with empty updates (Bybit) or heartbeats (Coinbase) at most between two lines
FILL_LIMIT = 1000

Side = dict[float, float]


def levels_of(rows: Any) -> list[Level]:
    """A recorded side `[[price, size(, count)], ...]` as levels; rows that are not numbers skipped."""
    out: list[Level] = []
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, list) and len(row) >= 2:
                price, size = row[0], row[1]
                if _is_number(price) and _is_number(size) and size > 0:
                    out.append((float(price), float(size)))
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _changes(old: Side, new: Side, best_first: bool) -> list[Level]:
    changed = {p: s for p, s in new.items() if old.get(p) != s}
    changed.update({p: 0.0 for p in old if p not in new})
    return sorted(changed.items(), reverse=best_first)


class RecordedBook:
    """One pair's recorded book standing in for `BookMarket`: what the simulators read
    (`top`, `snapshot`, `update_id`, `step_id`), advanced one recorded line at a time."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: Side = {}
        self.asks: Side = {}
        #: the update id of the latest line served (None before the first)
        self.update_id: int | None = None
        #: the recorded time of the latest line (epoch ms)
        self.ts_ms: int | None = None
        #: the book before the latest line: (update id, bids, asks)
        self.before: tuple[int, Side, Side] = (0, {}, {})
        #: clients that got their first update and have not fetched their REST snapshot yet
        self.waiting = 0
        #: set when `waiting` comes down to 0
        self.fetched = asyncio.Event()
        #: whether the line being played was some client's first update (the timeline waits)
        self.hold = False
        #: set once the first line has been played (a REST snapshot asked before waits for it)
        self.started = asyncio.Event()
        #: whether the latest line has a recorded time (a line without one was made from a REST
        #: snapshot alone, and a client's snapshot answers that line itself)
        self.timed = True

    @property
    def step_id(self) -> int:
        """Bybit's `u` and Coinbase's numbering read this: the update id."""
        return self.update_id or 0

    def advance(
        self, bids: list[Level], asks: list[Level], seq: int | None, ts_ms: int | None, *, timed: bool = True
    ) -> BookDelta:
        """Make a recorded line the book; the update from the book before, ids included."""
        previous = self.update_id
        grows = isinstance(seq, int) and (previous is None or seq > previous)
        served = seq if grows and seq is not None else (previous or 0) + 1
        new_bids, new_asks = dict(bids), dict(asks)
        delta = BookDelta(
            self.symbol,
            _changes(self.bids, new_bids, True),
            _changes(self.asks, new_asks, False),
            served if previous is None else previous + 1,
            served,
            prev=served - 1 if previous is None else previous,
            ts_ms=ts_ms,
        )
        self.before = (served - 1 if previous is None else previous, self.bids, self.asks)
        self.bids, self.asks = new_bids, new_asks
        self.update_id, self.ts_ms, self.timed = served, ts_ms, timed
        return delta

    # ------------------------------------------------------------------ reading
    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        bids = sorted(self.bids.items(), reverse=True)[:n]
        asks = sorted(self.asks.items())[:n]
        return bids, asks

    def current(self, limit: int) -> BookSnapshot:
        """The book as it stands, at most `limit` levels a side."""
        bids, asks = self.top(limit)
        return BookSnapshot(self.symbol, bids, asks, self.update_id or 0, self.ts_ms)

    def snapshot(self, limit: int, lag: int = 0) -> BookSnapshot:
        """A REST snapshot: the book before the latest update while a client that got that update
        waits for its snapshot (it applies the update to it, and writes the line with the
        update's time), else the book as it stands (also for a line recorded without a time:
        the recorder made it from a snapshot alone)."""
        if not self.waiting:
            return self.current(limit)
        self.waiting -= 1
        if not self.waiting:
            self.fetched.set()
        if not self.timed:  # recorded as made from a snapshot alone: that snapshot
            return replace(self.current(limit), ts_ms=None)
        update_id, bids, asks = self.before
        return BookSnapshot(
            self.symbol,
            sorted(bids.items(), reverse=True)[:limit],
            sorted(asks.items())[:limit],
            update_id,
        )

    def restated(self, delta: BookDelta) -> BookDelta:
        """`delta`, or where it changes nothing, the best level stated again (an update a client
        applies and writes a line for)."""
        if delta.bids or delta.asks:
            return delta
        bids, asks = self.top(1)
        return replace(delta, bids=bids, asks=[] if bids else asks)


# ====================================================================== per exchange
def _first(sub: Subscriber, key: Any) -> bool:
    """Whether this is the first line `sub` gets on the book feed `key` (and note it got one)."""
    seen: set[Any] = sub.extra.setdefault("books_started", set())
    if key in seen:
        return False
    seen.add(key)
    return True


def _dumps(payload: Any) -> str:
    return orjson.dumps(payload).decode()


def _binance(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers.crypto import binance as wire

    combined = sub.extra.get("combined")
    out = []
    for name, (feed_pair, kind) in sub.extra.get("feeds", {}).items():
        if feed_pair != pair or not kind.startswith("depth"):
            continue
        if kind == "depth":
            if _first(sub, name):
                _await_snapshot(book)
            payload = wire.encode_depth_update(delta)
        else:  # a partial depth stream: the top N, whole, each time
            payload = wire.encode_depth_snapshot(book.current(int(kind[5:])))
        out.append(_dumps(wire.combined(name, payload) if combined else payload))
    return out


def _okx(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers.crypto import okx as wire
    from feedcli.simulators.okx import _checksum

    out = []
    for name, inst in sorted(sub.extra.get("feeds", ())):
        if inst != pair:
            continue
        if name == wire.BOOKS:
            if _first(sub, (name, inst)):
                snapshot = replace(book.current(wire.MAX_DEPTH), checksum=_checksum(*book.top(wire.CHECKSUM_LEVELS)))
                out.append(wire.push(wire.BOOKS, inst, [wire.encode_book_snapshot(snapshot)], "snapshot"))
                continue
            bids, asks = book.top(wire.CHECKSUM_LEVELS)
            update = replace(book.restated(delta), checksum=_checksum(bids, asks))
            out.append(wire.push(wire.BOOKS, inst, [wire.encode_book_update(update)], "update"))
        elif name == wire.BOOKS5:
            item = wire.encode_book_snapshot(book.current(5))
            del item["prevSeqId"]
            out.append(wire.push(wire.BOOKS5, inst, [item]))
    return [_dumps(frame) for frame in out]


def _bybit(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers.crypto import bybit as wire
    from feedcli.simulators.crypto_market import TopView

    out = []
    views: dict[str, TopView] = sub.extra.setdefault("book_views", {})
    sent: dict[str, int] = sub.extra.setdefault("book_u", {})
    for topic, (feed_pair, symbol, depth) in list(sub.extra.get("feeds", {}).items()):
        if feed_pair != pair or not depth:
            continue
        u = book.step_id
        view = views.get(topic)
        last = sent.get(topic)
        if view is None or depth == 1 or last is None or not 0 < u - last <= FILL_LIMIT + 1:
            # the first line, level 1 (snapshots only) or a jump too far to fill: a snapshot
            views[topic] = TopView(book, depth)
            snapshot = replace(book.current(depth), seq=u)
            out.append(_dumps(wire.encode_book(snapshot, depth)))
        else:
            for filler in range(last + 1, u):  # updates beyond the recorded depth: empty
                out.append(_dumps(wire.encode_book(BookDelta(symbol, [], [], filler, filler, ts_ms=book.ts_ms), depth)))
            bids, asks = view.diff()
            change = book.restated(BookDelta(symbol, bids, asks, u, u, ts_ms=book.ts_ms))
            out.append(_dumps(wire.encode_book(change, depth)))
        sent[topic] = u
    return out


def _coinbase(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers import coinbase as cb
    from feedcli.providers.crypto import coinbase as wire

    if (wire.LEVEL2, pair) not in sub.extra.get("feeds", ()):
        return []
    stamp = wire.rfc3339(book.ts_ms or 0)
    out = []
    seq = sub.extra.get("seq", 0)
    wanted = book.update_id or 0
    if seq < wanted <= seq + FILL_LIMIT:  # the recorder's connection had other messages between
        for _ in range(wanted - seq):
            counter = sub.extra["hb"] = sub.extra.get("hb", 0) + 1
            beat = {"current_time": stamp, "heartbeat_counter": counter}
            out.append(cb.message(wire.HEARTBEATS, seq, [beat], stamp).decode())
            seq += 1
    if _first(sub, (wire.LEVEL2, pair)):
        event = wire.encode_l2_event(book.current(len(book.bids) + len(book.asks)))
    else:
        event = wire.encode_l2_event(book.restated(delta))
    out.append(cb.message(wire.L2_DATA, seq, [event], stamp).decode())
    sub.extra["seq"] = seq + 1
    return out


def _kucoin(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers.crypto import kucoin as wire

    if (wire.LEVEL2, pair) not in sub.extra.get("feeds", ()):
        return []
    if _first(sub, (wire.LEVEL2, pair)):
        _await_snapshot(book)
    # every change carries sequenceEnd: the snapshot a client builds on is always before it
    return [_dumps(wire.envelope(wire.LEVEL2, pair, "trade.l2update", wire.encode_level2(delta)))]


def _gate(server: Any, sub: Subscriber, pair: str, book: RecordedBook, delta: BookDelta) -> list[str]:
    from feedcli.providers.crypto import gate as wire

    symbol = book.symbol
    if (wire.BOOK_UPDATE, symbol) not in sub.extra.get("feeds", ()):
        return []
    if _first(sub, (wire.BOOK_UPDATE, symbol)):
        _await_snapshot(book)
    return [_dumps(wire.envelope(wire.BOOK_UPDATE, wire.encode_book_update(delta), book.ts_ms or 0))]


def _await_snapshot(book: RecordedBook) -> None:
    """A client got its first update: REST snapshots answer the book before it until it fetched."""
    if not book.waiting:
        book.fetched = asyncio.Event()
    book.waiting += 1
    book.hold = True


#: exchange → (server, subscriber, pair, its book, the line's update) → frames for that subscriber
FRAMES: dict[str, Callable[[Any, Subscriber, str, RecordedBook, BookDelta], list[str]]] = {
    "binance": _binance,
    "okx": _okx,
    "bybit": _bybit,
    "coinbase": _coinbase,
    "kucoin": _kucoin,
    "gate": _gate,
}


def book_frames(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    """The `CHANNEL_FRAMES` entry of `book`: the frames carrying the line being played to `sub`."""
    played = getattr(server, "books_played", {}).get(event.symbol)
    frames_of = FRAMES.get(server.name)
    if played is None or frames_of is None:
        return []
    book, delta = played
    return frames_of(server, sub, event.symbol, book, delta)


# ====================================================================== the simulator's side
class BookReplay:
    """Mixed in before `CryptoReplay`: the recorded books, and the subscription snapshots held
    back until the first line (see the module's docstring)."""

    name: str
    books_played: dict[str, tuple[RecordedBook, BookDelta]]
    recorded_books: dict[str, RecordedBook]

    def book_market(self, pair: str, symbol: str) -> RecordedBook:  # type: ignore[override]
        books = self.__dict__.setdefault("recorded_books", {})
        book = books.get(pair)
        if book is None:
            book = books[pair] = RecordedBook(symbol)
        return book

    def exchange_symbol(self, pair: str) -> str:
        """The exchange's spelling of a recorded pair (BTCUSDT, BTC_USDT, BTC-USDT)."""
        for symbol, known in getattr(self, "pair_of", {}).items():
            if known == pair:
                return str(symbol)
        return pair

    async def deliver(self, event: DataEvent) -> None:
        played: dict[str, tuple[RecordedBook, BookDelta]] = self.__dict__.setdefault("books_played", {})
        book = None
        if event.channel == "book" and isinstance(event.data, dict):
            from feedcli.simulators.crypto_replay import epoch_ms

            book = self.book_market(event.symbol, self.exchange_symbol(event.symbol))
            ts_ms = epoch_ms(event.ts)
            delta = book.advance(
                levels_of(event.data.get("bids")),
                levels_of(event.data.get("asks")),
                event.seq if isinstance(event.seq, int) and not isinstance(event.seq, bool) else None,
                ts_ms,  # none: the frames say 0, which a client reads as no time, as recorded
                timed=ts_ms is not None,
            )
            played[event.symbol] = (book, delta)
        await super().deliver(event)  # type: ignore[misc]
        if book is not None:
            book.started.set()
        if book is not None and book.hold:
            book.hold = False
            await self._snapshot_fetched(book)

    async def _snapshot_fetched(self, book: RecordedBook) -> None:
        """Hold the timeline until the clients that got their first update fetched their snapshot
        (or SNAPSHOT_WAIT passed), then SNAPSHOT_SETTLE more for the answer to reach them."""
        if book.waiting:
            try:
                await within(book.fetched.wait(), SNAPSHOT_WAIT)
            except asyncio.TimeoutError:
                book.waiting = 0  # a client that does not fetch one: later snapshots are current
                return
        await asyncio.sleep(SNAPSHOT_SETTLE)

    async def finish(self, code: int, reason: str) -> None:
        for book in self.__dict__.get("recorded_books", {}).values():
            book.started.set()  # no line will come: snapshots asked meanwhile answer at once
        await super().finish(code, reason)  # type: ignore[misc]

    async def _once_played(self, pair: str | None) -> None:
        """Before a REST snapshot of a pair none of whose lines has been played yet (a client
        that fetches it as it subscribes, as ccxt does): wait for the first (SNAPSHOT_WAIT at
        most), since the exchange always has a book and an empty one at id 0 fits no update."""
        if pair is None or getattr(self, "end", None) is not None:
            return
        book = self.book_market(pair, self.exchange_symbol(pair))
        if not book.started.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await within(book.started.wait(), SNAPSHOT_WAIT)


class BinanceBookReplay(BookReplay):
    async def depth(self, request: web.Request) -> web.Response:
        await self._once_played(getattr(self, "pair_of", {}).get(request.query.get("symbol", "")))
        return await super().depth(request)  # type: ignore[misc,no-any-return]


class GateBookReplay(BookReplay):
    async def order_book(self, request: web.Request) -> web.Response:
        await self._once_played(getattr(self, "pair_of", {}).get(request.query.get("currency_pair", "")))
        return await super().order_book(request)  # type: ignore[misc,no-any-return]


class KucoinBookReplay(BookReplay):
    async def order_book(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        await self._once_played(symbol if self.known_pair(symbol) else None)  # type: ignore[attr-defined]
        return await super().order_book(request)  # type: ignore[misc,no-any-return]


class OkxBookReplay(BookReplay):
    def _public(self, sub: Subscriber, op: str, name: str, inst: str) -> list[dict[str, Any]]:
        from feedcli.providers.crypto import okx as wire

        out: list[dict[str, Any]] = super()._public(sub, op, name, inst)  # type: ignore[misc]
        if name == wire.BOOKS:  # the snapshot comes with the next line played
            out = [frame for frame in out if frame.get("action") != "snapshot"]
            sub.extra.get("books_started", set()).discard((name, inst))
        return out


class BybitBookReplay(BookReplay):
    def on_message(self, sub: Subscriber, text: str) -> list[str]:
        out: list[str] = super().on_message(sub, text)  # type: ignore[misc]
        kept = []
        for frame in out:
            if '"type":"snapshot"' in frame and '"topic":"orderbook.' in frame:
                topic = orjson.loads(frame).get("topic")
                sub.extra.get("book_views", {}).pop(topic, None)  # a snapshot with the next line
                continue
            kept.append(frame)
        return kept


class CoinbaseBookReplay(BookReplay):
    def _snapshot(self, sub: Subscriber, channel: str, product: str) -> list[bytes]:
        """No snapshot at the subscription: a `level2` one comes with the next book line played;
        the simulator's `market_trades` and `ticker` ones would come from its generated market
        (the recorded book here has no trades nor ticker), and the recording's own trades and
        tickers are its lines, played on the timeline."""
        sub.extra.get("books_started", set()).discard((channel, product))
        return []


MIXINS: dict[str, type[BookReplay]] = {
    "binance": BinanceBookReplay,
    "gate": GateBookReplay,
    "kucoin": KucoinBookReplay,
    "okx": OkxBookReplay,
    "bybit": BybitBookReplay,
    "coinbase": CoinbaseBookReplay,
}


def book_mixin(exchange: str) -> type[BookReplay]:
    """The class that adds recorded books to `exchange`'s replay server."""
    return MIXINS.get(exchange, BookReplay)


__all__ = ["FRAMES", "RecordedBook", "book_frames", "book_mixin", "levels_of"]
