"""Trades, books and tickers beside candles: one connection per exchange carries every channel.

The pure crypto core (`feedcli.providers.crypto`) knows each exchange's wire format and its book
rules; this module glues it to the session engine. Each exchange describes its non-candle
channels as a `Wire` (stream names, subscription frames, which parser, which book machine, how
a REST snapshot answer reads); `MarketCodec` is the candle codec of that connection with these
channels added, so candles, keepalives, token calls and acknowledgements stay where they are.

What a `MarketCodec` adds:
- trades and tickers are written as they come, a trade seen before (a reconnect where the
  exchange sends recent trades again) dropped by `TradeGate`, shared by the run;
- a book machine per symbol (a new one for every connection, so a reconnect starts a new book
  and never merges a snapshot into a stale one), whose actions become lines: `EmitBook` a `book`
  line, `Gap` a `gap` control line, `FetchSnapshot` a REST call made beside the stream,
  `Resubscribe` frames sent at once.

Nothing here reads the clock or opens a socket.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from feedcli.errors import MalformedFrame, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_iso
from feedcli.providers.base import Frame, Handshake, HttpRequest, HttpResponse, http_url
from feedcli.providers.candles.codec import CandleCodec, CandleFeed
from feedcli.providers.crypto import model
from feedcli.providers.crypto.sync import BookSync, RangeSync

if TYPE_CHECKING:
    from feedcli.providers.candles.exchange import Exchange

#: every channel a crypto exchange offers, in the order --help lists them
CHANNELS = ("candles", "trades", "book", "ticker")
#: the --depth a book line shows unless told (CONTRACT.md)
DEFAULT_DEPTH = 10
#: non-numeric trade ids remembered per symbol, to drop repeats after a reconnect
RECENT_TRADE_IDS = 4096
#: seconds before a failed snapshot call is made again, doubling with each failure in a row, at most
SNAPSHOT_BACKOFF = 0.5
SNAPSHOT_BACKOFF_MAX = 30.0


#: what `Wire.quick_trade` reads of a trade message: (symbol, price, size, side, id, ms)
QuickTrade = tuple[str, float, float, str, int, int]
#: what `Wire.quick_depth` reads of a book update: (symbol, first id, last id, ms, bids, asks)
QuickDepth = tuple[str, int, int, int, list[model.Level], list[model.Level]]
#: "000000Z" ... "999000Z" as bytes: a trade line's `ts` after its second's prefix (MsClock's text)
_MS_TAILS = [f"{ms:03d}000Z".encode() for ms in range(1000)]


class Wire(ABC):
    """One exchange's trades, book and ticker streams, for one connection (create one per codec).

    Per connection because some exchanges number a connection's messages (Coinbase's
    `sequence_num`): that state must start again with the connection.
    """

    #: the deepest --depth the exchange's book can serve
    max_depth: int = 1000
    #: whether candles travel on the same connection as the other channels (OKX: no, they
    #: are on /ws/v5/business)
    shares_candles: bool = True
    #: the wire's hot path for trades, where it has one: (symbol, price, size, taker side, id,
    #: trade ms) of a message that holds one trade and nothing else, exactly what `parse` gives
    #: as its `Trade`, with a numeric id (its `seq`) that the writer can encode and a trade time
    #: of 1970..2106; None for anything else. With it, `MarketCodec` writes a trade's line
    #: itself (the engine's line path), the costliest part of a trades stream, without the
    #: `Parsed`, `Trade` and `DataEvent` objects. Only for a wire whose `lost` never says
    #: anything (a numbered connection must see every message in `parse`).
    quick_trade: Callable[[Frame], QuickTrade | None] | None = None
    #: the same for a range-numbered book update (RangeSync books): (symbol, first id, last id,
    #: event ms, bids, asks), exactly the `BookDelta` `parse` gives, with a last id the writer
    #: can encode and an event time of 1970..2106; None for anything else. With it, an update
    #: that continues a synced book is applied and written by `MarketCodec` itself
    #: (`RangeSync.quick`); anything unusual goes through `parse` and the machine's `on_delta`.
    quick_depth: Callable[[Frame], QuickDepth | None] | None = None

    @classmethod
    def depth_hint(cls) -> str:
        """The depths allowed, for the error message of a --depth beyond them."""
        return f"1 to {cls.max_depth}"

    @classmethod
    def check_depth(cls, name: str, depth: int) -> None:
        if not 1 <= depth <= cls.max_depth:
            raise UsageError(f"{name}: --depth {depth} is not served; allowed depths: {cls.depth_hint()}")

    def handshake(self, ws_base: str, symbols: Sequence[str]) -> Handshake | None:
        """The WebSocket for these channels; None: the candle exchange's own."""
        return None

    @abstractmethod
    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        """The frames that subscribe `channels` (not candles) of `symbols` (`now`: the engine's
        clock, for an exchange that stamps its requests)."""

    def resubscribe(self, symbol: str, depth: int) -> list[Frame]:
        """Frames that make the exchange send a fresh book snapshot (chained books)."""
        return []

    @abstractmethod
    def parse(self, frame: Frame) -> model.Parsed | None:
        """One message as neutral objects; an empty Parsed for messages of other kinds (the
        candle parser reads them); None for one of these channels that holds nothing to write
        (a repeat)."""

    def lost(self) -> str | None:
        """Why every book of this connection is out of sync since the last parse (Coinbase), or None."""
        return None

    @abstractmethod
    def book(self, symbol: str, depth: int) -> BookSync:
        """A new book machine for one symbol."""

    def parse_snapshot(self, body: bytes, symbol: str) -> model.BookSnapshot:
        """A REST snapshot answer (RangeSync exchanges)."""
        raise NotImplementedError


class MsClock:
    """Exchange times in epoch ms as the line's `ts` (what `epoch_iso` writes), formatting the
    date and time once per second: trades and book updates come many to a second, and
    `strftime` was a fifth of a trade line's cost."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        # not -1, which is a second too (a time of -1000..-1 ms would be written with no prefix)
        self._second: int | None = None
        self._prefix = ""

    def iso(self, ms: int | None) -> str | None:
        if not ms:
            return None
        second, rest = divmod(ms, 1000)
        if second != self._second:
            prefix = epoch_iso(second)
            if prefix is None:
                return None
            self._second, self._prefix = second, prefix[:20]  # "YYYY-MM-DDTHH:MM:SS."
        return f"{self._prefix}{rest:03d}000Z"


class TradeGate:
    """The trades a run has written, per symbol, so a reconnect writes none twice.

    A numeric id is compared with the highest written (the six number a market's trades in
    increasing order); another id with the last few thousand written.
    """

    def __init__(self) -> None:
        self.highest: dict[str, int] = {}
        self.recent: dict[str, tuple[set[str | int], deque[str | int]]] = {}

    def admit(self, symbol: str, trade: model.Trade) -> bool:
        seq = trade.seq
        if seq is not None:
            return self.admit_number(symbol, seq)
        seen, order = self.recent.setdefault(symbol, (set(), deque()))
        if trade.id in seen:
            return False
        seen.add(trade.id)
        order.append(trade.id)
        if len(order) > RECENT_TRADE_IDS:
            seen.discard(order.popleft())
        return True

    def admit_number(self, symbol: str, seq: int) -> bool:
        """`admit` of a trade whose id is the number `seq` (the line path has no `Trade`)."""
        top = self.highest.get(symbol)
        if top is not None and seq <= top:
            return False
        self.highest[symbol] = seq
        return True


def check_channels(exchange: Exchange, values: Any) -> tuple[tuple[str, ...], int]:
    """The channels and the depth asked for, checked (exit 2 for what cannot be served)."""
    raw = values.get("channel") or ["candles"]
    for channel in raw:
        if channel not in CHANNELS:
            raise UsageError(f"{exchange.name}: no channel {channel!r}; channels: {', '.join(CHANNELS)}")
    channels = tuple(dict.fromkeys(raw))
    if "candles" not in channels:
        # CONTRACT.md names `--channel book` with `--interval`; a backfill, or trades and
        # tickers with an interval, are the same mistake: candle options without candles
        for flag, key in (("--interval", "interval"), ("--backfill", "backfill")):
            if values.get(key) not in (None, ""):
                what = ", ".join(f"--channel {c}" for c in channels)
                raise UsageError(f"{exchange.name}: {flag} is for candles, not for {what}")
    depth_text = values.get("depth")
    depth = DEFAULT_DEPTH
    if depth_text not in (None, ""):
        try:
            depth = int(depth_text)
        except ValueError:
            raise UsageError(f"--depth wants a number of levels, not {depth_text!r}") from None
        if "book" not in channels:
            raise UsageError(f"{exchange.name}: --depth is for --channel book")
    if "book" in channels or depth_text not in (None, ""):
        wire = exchange.wire
        if wire is None:
            raise UsageError(f"{exchange.name}: no order books yet")
        wire.check_depth(exchange.name, depth)
    if any(c != "candles" for c in channels) and exchange.wire is None:
        raise UsageError(f"{exchange.name}: only candles so far")
    return channels, depth


class MarketCodec(CandleCodec):
    """One connection's candles (when it carries them), trades, books and tickers."""

    def __init__(
        self,
        feed: CandleFeed,
        symbols: tuple[str, ...],
        wire: Wire,
        trades: TradeGate,
        *,
        candles: bool,
    ) -> None:
        super().__init__(feed, symbols)
        request = feed.request
        self.wire = wire
        self.trades = trades
        self.candles = candles
        self.channels = tuple(c for c in request.channels if c != "candles")
        self.depth = request.depth
        # a WebSocket even when candles are polled over REST (an interval without a stream)
        if self.polling:
            self.polling = False
            code = self.ex.ws_intervals.get(request.interval, self.code)
            self.handshake = self.ex.handshake(feed.ws_base, symbols, code)
            self.timer_interval, self.silence_limit = self.ex.keepalive_for(self.handshake)
            self._token_asked = self.ex.token_request(feed.rest_base) is None
        own = wire.handshake(feed.ws_base, symbols)
        if own is not None:
            self.handshake = own
        if not candles:
            self._fills = []
        self.books: dict[str, BookSync] = (
            {s: wire.book(s, self.depth) for s in symbols} if "book" in self.channels else {}
        )
        #: REST snapshots to fetch, and those asked of the engine and not answered yet
        self._snapshots: list[tuple[str, model.SnapshotRequest]] = []
        self._snap_flight: dict[HttpRequest, str] = {}
        self._clock = MsClock()
        #: (frame, what `Wire.quick_depth` read of it, the book machine's answer if it applied
        #: the update) of the message the book line path last declined, for `parse`, which is
        #: handed it next
        self._declined: tuple[Frame, QuickDepth, list[model.Action] | None] | None = None
        #: snapshot calls failed in a row, and when the next may be made (the engine's clock)
        self._failures = 0
        self._retry_at = 0.0
        #: the line paths' `ts` up to its seconds (`YYYY-MM-DDTHH:MM:SS`), of the second last seen
        self._line_second: int | None = None
        self._line_prefix = b""
        quick = wire.quick_trade
        if quick is not None and "trades" in self.channels and type(wire).lost is Wire.lost:
            # the engine's line path (Codec.line) for trades; every other message: parse
            self._quick_trade = quick
            self._trade_heads: dict[str, bytes] = {}
            self._trade_recv = ""
            self._trade_recv_part = b""
            self.line = self._trade_line
        quick_depth = wire.quick_depth
        ranged = {s: m for s, m in self.books.items() if isinstance(m, RangeSync) and m.quick_ready}
        if quick_depth is not None and ranged and len(ranged) == len(self.books) and type(wire).lost is Wire.lost:
            # the line path for book updates that continue a synced book; trades first if both
            self._quick_depth = quick_depth
            #: per exchange symbol: its book machine and the start of its lines (one lookup)
            self._book_targets: dict[str, tuple[RangeSync, bytes]] = {}
            heads: dict[str, bytes] = {}
            for symbol, machine in ranged.items():
                head = self._line_head(heads, "book", symbol)
                if head is not None:
                    self._book_targets[symbol] = (machine, head)
            self._book_recv = ""
            self._book_recv_part = b""
            if self.line is None:
                self.line, self.lines = self._book_line, self._book_lines
            else:
                self.line = self._trade_or_book_line

    # -- subscribing -----------------------------------------------------------------

    def subscription_frames(self) -> list[Frame]:
        out = super().subscription_frames() if self.candles else []
        return out + self.wire.subscribe(self.symbols, self.channels, self.depth, now=self._now)

    def closing_frames(self) -> list[Frame]:
        # the candles' unsubscription only where this connection subscribed candles
        return super().closing_frames() if self.candles else []

    # -- REST snapshots --------------------------------------------------------------

    def pending_requests(self, now: float) -> list[HttpRequest]:
        # The engine asks again only once the calls it was given are answered or failed: a
        # snapshot still marked in flight failed (a network error, a 5xx). It is asked again
        # after a backoff that grows with each failure in a row, never in a tight loop.
        lost = list(self._snap_flight.values())
        self._snap_flight.clear()
        out = super().pending_requests(now)
        if lost:
            self._failures += 1
            self._retry_at = now + min(SNAPSHOT_BACKOFF_MAX, SNAPSHOT_BACKOFF * 2 ** (self._failures - 1))
        for symbol in lost:
            machine = self.books.get(symbol)
            if isinstance(machine, RangeSync):
                self._act(symbol, machine.on_snapshot_failed("the snapshot call failed"), "")
        if now < self._retry_at:
            return out
        for symbol, snap in self._snapshots:
            request = HttpRequest(
                snap.method, http_url(self.feed.rest_base, snap.path), snap.params, purpose="snapshot"
            )
            self._snap_flight[request] = symbol
            out.append(request)
        self._snapshots.clear()
        return out

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        symbol = self._snap_flight.pop(request, None)
        if symbol is None:
            return super().on_http(request, response, recv)
        self._failures = 0
        machine = self.books[symbol]
        assert isinstance(machine, RangeSync)
        if response.status >= 400:
            refusal = self.ex.rest_refusal(response, self.feed.pair_of.get(symbol, symbol))
            if refusal is not None:
                raise refusal
        try:
            snapshot = self.wire.parse_snapshot(response.body, symbol)
        except MalformedFrame:
            self._act(symbol, machine.on_snapshot_failed("the snapshot answer was unreadable"), recv)
            raise
        return self._act(symbol, machine.on_snapshot(snapshot), recv)

    # -- receiving -------------------------------------------------------------------

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        declined = self._declined
        if declined is not None and declined[0] is frame:
            # a book update the line path read and left to this (a book waiting for its
            # snapshot, a stale update, a gap, ...): the `BookDelta` the wire's `parse` gives
            # (Wire.quick_depth), without reading the message a second time
            self._declined = None
            symbol, first, last, ms, bids, asks = declined[1]
            answer = declined[2]
            if answer is not None:
                # the line path applied it and the book came out crossed or thin: the book
                # machine's answer to it, as `on_delta` below would have given it
                out = self._act(symbol, answer, recv)
                if self._snap_flight or self._snapshots:
                    self.wants_http = True  # as below
                return out
            delta = model.BookDelta(symbol, bids, asks, first, last, None, ms)
            got: model.Parsed | None = model.Parsed([], [], [], [delta])
        else:
            try:
                got = self.wire.parse(frame)
            except MalformedFrame:
                try:
                    events = super().parse(frame, recv)
                except MalformedFrame:
                    raise
                if any(isinstance(e, ControlEvent) and e.event == "unknown" for e in events):
                    raise
                return events
        out: list[Event] = []
        lost = self.wire.lost()
        if lost is not None:
            for symbol, machine in self.books.items():
                out += self._act(symbol, machine.invalidate(lost), recv)
        if got is None:
            return out
        if not (got.trades or got.tickers or got.snapshots or got.deltas):
            return out + super().parse(frame, recv)
        pair_of, provider, iso = self.feed.pair_of, self.provider, self._clock.iso
        if got.trades and "trades" in self.channels:
            admit = self.trades.admit
            for trade in got.trades:
                pair = pair_of.get(trade.symbol)
                if pair is None or not admit(trade.symbol, trade):
                    continue
                ts = iso(trade.ts_ms)
                out.append(DataEvent(provider, "trades", pair, ts, recv, trade.record(), "trade", trade.seq))
        if got.tickers and "ticker" in self.channels:
            for ticker in got.tickers:
                pair = pair_of.get(ticker.symbol)
                if pair is None:
                    continue
                ts = iso(ticker.ts_ms)
                out.append(DataEvent(provider, "ticker", pair, ts, recv, ticker.record(), "quote", ticker.seq))
        books = self.books
        for snapshot in got.snapshots:
            machine = books.get(snapshot.symbol)
            if machine is not None:
                out += self._act(snapshot.symbol, machine.on_snapshot(snapshot), recv)
        for delta in got.deltas:
            machine = books.get(delta.symbol)
            if machine is not None:
                out += self._act(delta.symbol, machine.on_delta(delta), recv)
        if self._snap_flight or self._snapshots:
            # snapshot work is outstanding: the engine asks again, which finds out a call that
            # failed beside the stream (the engine says nothing of it) and makes it again in time
            self.wants_http = True
        return out

    def _trade_line(self, frame: Frame, recv: str) -> bytes | None:
        """The NDJSON line `parse` and the writer would make of a message holding one trade (the
        same bytes: what `DataEvent.to_dict` + `orjson.dumps` write, field for field), straight
        from the wire's `quick_trade`. None, with nothing changed (the trade gate untouched), for
        everything else: another message, a pair not asked for, a trade without a plain `ts`,
        a repeat the gate drops, or any message while snapshot work is outstanding (`parse`
        then asks the engine for HTTP, which a line may not)."""
        got = self._quick_trade(frame)
        if got is None:
            return None
        symbol, price, size, side, ident, ms = got
        head = self._trade_heads.get(symbol)
        if head is None:
            head = self._line_head(self._trade_heads, "trades", symbol)
            if head is None:
                return None
        if self._snap_flight or self._snapshots:
            return None
        second, rest = divmod(ms, 1000)
        if second != self._line_second and not self._next_second(second):
            return None
        if not self.trades.admit_number(symbol, ident):
            return None  # a repeat: parse drops it too
        if recv is not self._trade_recv:
            self._trade_recv = recv
            self._trade_recv_part = b'","recv":' + orjson.dumps(recv) + b',"kind":"trade",'
        tail = orjson.dumps(
            {"seq": ident, "data": {"price": price, "size": size, "side": side, "id": ident}},
            option=orjson.OPT_APPEND_NEWLINE,
        )
        return b"".join((head, self._line_prefix, _MS_TAILS[rest], self._trade_recv_part, tail[1:]))

    def _next_second(self, second: int) -> bool:
        """The trade and book lines' `ts` prefix for a new epoch second, as MsClock.iso makes
        it; False for a second it cannot write (the message then goes through `parse`)."""
        prefix = epoch_iso(second)
        if prefix is None:
            return False
        self._line_second, self._line_prefix = second, prefix[:20].encode()
        return True

    def _book_line(self, frame: Frame, recv: str) -> bytes | None:
        """The NDJSON line `parse` and the writer would make of a book update that continues a
        synced book (the same bytes as `_act`'s `DataEvent` of its `EmitBook`, written by
        `encode_line`), or None: `_book_lines` for one frame."""
        out: list[bytes] = []
        return out[0] if self._book_lines((frame,), recv, out) else None

    def _book_lines(self, frames: Sequence[Frame], recv: str, out: list[bytes]) -> int:
        """`Codec.lines` of a connection carrying books alone: the lines of a read's book
        updates, appended to `out` up to the first frame without one; how many frames have
        theirs. One loop for the read, its lookups made once (a call of `_book_line` a frame
        was 4 % of a line, bench/README.md).

        A line: the wire's `quick_depth`, the machine's `quick` (applies it, top `depth`
        levels) and the line's bytes. None, with nothing changed, for everything else: another
        message, a symbol without a book, a book waiting for or refreshing from a snapshot, a
        repeat, a gap, or any message while snapshot work is outstanding (`parse` then asks the
        engine for HTTP, which a line may not). None too for an update the machine applied
        and answered otherwise than with a line (the book came out crossed or thin): `parse`,
        handed that frame next, takes the update as read here or hands the answer on
        (`_declined`)."""
        before = len(out)
        append, quick_depth, targets = out.append, self._quick_depth, self._book_targets
        if recv is not self._book_recv:
            self._book_recv = recv
            self._book_recv_part = b'","recv":' + orjson.dumps(recv) + b',"kind":"book","seq":'
        recv_part, line_second, prefix = self._book_recv_part, self._line_second, self._line_prefix
        for frame in frames:
            got = quick_depth(frame)
            if got is None:
                break
            symbol, first, last, ms, bids, asks = got
            target = targets.get(symbol)
            second, rest = divmod(ms, 1000)
            if (
                target is None
                or self._snap_flight
                or self._snapshots
                or (second != line_second and not self._next_second(second))
            ):
                # `parse` takes the update as read here (while snapshots are awaited, every one:
                # read once, by the quicker reader)
                self._declined = (frame, got, None)
                break
            if second != line_second:
                line_second, prefix = second, self._line_prefix
            top = target[0].quick(first, last, bids, asks, ms)
            if type(top) is not tuple:
                # declined untouched (None), or applied and answered otherwise than with a line
                self._declined = (frame, got, top)
                break
            # each side's top as orjson writes the levels EmitBook.record makes
            # (L2Book.advance); `seq` as orjson writes an integer
            append(
                b"".join(
                    (
                        target[1],
                        prefix,
                        _MS_TAILS[rest],
                        recv_part,
                        b'%d,"data":{"bids":[' % last,
                        top[0],
                        b'],"asks":[',
                        top[1],
                        b"]}}\n",
                    )
                )
            )
        return len(out) - before

    def _trade_or_book_line(self, frame: Frame, recv: str) -> bytes | None:
        """Both line paths of a connection carrying trades and books: a trade's, else a book's."""
        line = self._trade_line(frame, recv)
        return line if line is not None else self._book_line(frame, recv)

    def _act(self, symbol: str, actions: list[model.Action], recv: str) -> list[Event]:
        """A book machine's answers as lines, calls and frames."""
        out: list[Event] = []
        pair = self.feed.pair_of.get(symbol, symbol)
        for action in actions:
            if type(action) is model.EmitBook:
                ts = self._clock.iso(action.ts_ms)
                out.append(DataEvent(self.provider, "book", pair, ts, recv, action.record(), "book", action.seq))
            elif type(action) is model.Gap:
                fields = {"stream": "book", "symbol": pair, "reason": action.reason}
                out.append(ControlEvent(self.provider, "gap", recv, fields))
            elif type(action) is model.FetchSnapshot:
                self._snapshots.append((symbol, action.request))
                self.wants_http = True
            elif type(action) is model.Resubscribe:
                self._outgoing.extend(self.wire.resubscribe(symbol, self.depth))
        return out


def codecs_for(feed: CandleFeed, trades: TradeGate) -> list[CandleCodec]:
    """The codecs of one run's connections, for whatever channels it asked for."""
    request, exchange = feed.request, feed.exchange
    others = [c for c in request.channels if c != "candles"]
    want_candles = "candles" in request.channels
    if not others:
        return [CandleCodec(feed, symbols) for symbols in feed.connections()]
    wire_class = exchange.wire
    assert wire_class is not None
    out: list[CandleCodec] = []
    if want_candles and (not wire_class.shares_candles or feed.polling):
        out += [CandleCodec(feed, symbols) for symbols in feed.connections()]
    shared = want_candles and wire_class.shares_candles and not feed.polling
    for symbols in feed.connections(streaming=True):
        out.append(MarketCodec(feed, symbols, wire_class(), trades, candles=shared))
    return out
