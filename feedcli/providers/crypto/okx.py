"""OKX API v5: trades, the `books` channel with seqId/prevSeqId and checksum, `books5`, tickers.

Sources (OKX's own documentation, https://www.okx.com/docs-v5/en/):
- "WS / Order book channel" (#order-book-trading-market-data-ws-order-book-channel), on
  `/ws/v5/public`: `books` sends 400 levels in an initial `"action":"snapshot"`, then
  `"action":"update"` increments every 100 ms; `books5` sends a 5-level snapshot every time it
  changes. Data `{"asks":[[px,sz,"0",orders]],"bids":[...],"ts","checksum","prevSeqId","seqId"}`.
  "The prevSeqId in the new message matches with seqId of the previous message"; a snapshot has
  `prevSeqId` -1; exceptions: with no change for about 60 s OKX sends an update with empty asks
  and bids whose `seqId` equals its `prevSeqId`; after maintenance the sequence may be reset, the
  update then has a `seqId` smaller than its `prevSeqId` (and later ones follow on from it).
  Merging: size 0 deletes the price, a changed size replaces it, a new price is inserted.
  Checksum: "use the first 25 bids and asks in the full load to form a string (where a colon
  connects the price and size in an ask or a bid), and then calculate the CRC32 value (32-bit
  signed integer)", bids and asks alternating, missing levels skipped.
- "OKX Order Book Channels Checksum Field Deprecation" (OKX announcement, 21 May 2026): from
  23 June 2026 the `checksum` of `books`, `books-l2-tbt` and `books50-l2-tbt` "will remain
  present in push messages but will always return 0"; use seqId/prevSeqId instead.
- "WS / Trades channel": data `[{"instId","tradeId","px","sz","side","ts","count","source","seqId"}]`,
  `side` "Trade side of taker", one message per taker order, fill price and source
  (`tradeId` the last of the aggregated trades).
- "WS / Tickers channel": data `[{"instType","instId","last","lastSz","askPx","askSz","bidPx","bidSz",...,"ts"}]`.
- REST "Get order book" `GET /api/v5/market/books` (sz up to 400): rate limit 40 requests per
  2 seconds per IP. feedcli does not need it: the WebSocket sends its own snapshots.

How feedcli applies them (`OkxBook`): an update applies when its `prevSeqId` is the book's
`seqId` (which also accepts the documented reset and the keepalive); an update whose `seqId`
is at or below the book's, not following it, is a repeat and is dropped; anything else is a
gap: `Gap` and a resubscription, which brings a new snapshot. The checksum is checked when it
is non-zero, over the exchange's own price and size texts (kept beside the book), and a
mismatch is a gap too.
"""

from __future__ import annotations

import zlib
from typing import Any

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto.book import L2Book
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Level,
    Parsed,
    Ticker,
    Trade,
    check_side,
    field_of,
    format_number,
    integer,
    json_value,
    levels,
    number,
)
from feedcli.providers.crypto.sync import ChainSync

EXCHANGE = "okx"
PUBLIC_PATH = "/ws/v5/public"
BOOKS = "books"
BOOKS5 = "books5"
TRADES = "trades"
TICKERS = "tickers"
#: levels the `books` channel keeps; --depth beyond it cannot be served
MAX_DEPTH = 400
CHECKSUM_LEVELS = 25
#: REST `GET /api/v5/market/books`: (requests, seconds) per IP
BOOKS_RATE_LIMIT = (40, 2.0)

Texts = list[tuple[str, str]]


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message into neutral objects (events, `pong`: empty)."""
    if frame in ("pong", b"pong"):
        return Parsed()
    message = json_value(frame, "okx message")
    out = Parsed()
    if not isinstance(message, dict) or "data" not in message:
        return out
    arg = message.get("arg") or {}
    if not isinstance(arg, dict):
        raise MalformedFrame("okx arg is not an object")
    channel, inst = arg.get("channel"), str(arg.get("instId", ""))
    data = message["data"]
    if not isinstance(data, list):
        raise MalformedFrame("okx data is not a list")
    for item in data:
        if not isinstance(item, dict):
            raise MalformedFrame("okx data item is not an object")
        if channel == BOOKS:
            if message.get("action") == "snapshot":
                out.snapshots.append(parse_book_snapshot(item, inst))
            else:
                out.deltas.append(parse_book_update(item, inst))
        elif channel == BOOKS5:
            out.snapshots.append(parse_book_snapshot(item, inst))
        elif channel == TRADES:
            out.trades.append(parse_trade(item))
        elif channel == TICKERS:
            out.tickers.append(parse_ticker(item))
    return out


def _texts(rows: Any, what: str) -> Texts:
    if not isinstance(rows, list):
        raise MalformedFrame(f"okx {what} is not a list")
    return [(str(row[0]), str(row[1])) for row in rows if isinstance(row, list) and len(row) >= 2]


def _checksum(item: dict[str, Any]) -> int | None:
    return integer(item["checksum"], "checksum") if "checksum" in item else None


def parse_book_snapshot(item: dict[str, Any], inst: str) -> BookSnapshot:
    what = "okx book snapshot"
    bids, asks = field_of(item, "bids", what), field_of(item, "asks", what)
    return BookSnapshot(
        symbol=inst,
        bids=levels(bids, "bids"),
        asks=levels(asks, "asks"),
        seq=integer(field_of(item, "seqId", what), "seqId"),
        ts_ms=integer(field_of(item, "ts", what), "ts"),
        checksum=_checksum(item),
        texts=(_texts(bids, "bids"), _texts(asks, "asks")),
    )


def parse_book_update(item: dict[str, Any], inst: str) -> BookDelta:
    what = "okx book update"
    bids, asks = field_of(item, "bids", what), field_of(item, "asks", what)
    seq = integer(field_of(item, "seqId", what), "seqId")
    return BookDelta(
        symbol=inst,
        bids=levels(bids, "bids"),
        asks=levels(asks, "asks"),
        first=seq,
        last=seq,
        prev=integer(field_of(item, "prevSeqId", what), "prevSeqId"),
        ts_ms=integer(field_of(item, "ts", what), "ts"),
        checksum=_checksum(item),
        texts=(_texts(bids, "bids"), _texts(asks, "asks")),
    )


def parse_trade(item: dict[str, Any]) -> Trade:
    what = "okx trade"
    return Trade(
        symbol=str(field_of(item, "instId", what)),
        price=number(field_of(item, "px", what), "trade price"),
        size=number(field_of(item, "sz", what), "trade size"),
        side=check_side(field_of(item, "side", what)),
        id=str(field_of(item, "tradeId", what)),
        ts_ms=integer(field_of(item, "ts", what), "ts"),
    )


def parse_ticker(item: dict[str, Any]) -> Ticker:
    what = "okx ticker"
    last = item.get("last")
    return Ticker(
        symbol=str(field_of(item, "instId", what)),
        bid=number(field_of(item, "bidPx", what), "bid price"),
        bid_size=number(field_of(item, "bidSz", what), "bid size"),
        ask=number(field_of(item, "askPx", what), "ask price"),
        ask_size=number(field_of(item, "askSz", what), "ask size"),
        last=None if last in (None, "") else number(last, "last price"),
        ts_ms=integer(field_of(item, "ts", what), "ts"),
    )


def checksum(bids: Texts, asks: Texts) -> int:
    """OKX's CRC32 of the top 25 levels, as a signed 32-bit integer."""
    parts: list[str] = []
    for index in range(min(CHECKSUM_LEVELS, max(len(bids), len(asks)))):
        if index < len(bids):
            parts += bids[index]
        if index < len(asks):
            parts += asks[index]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


# ------------------------------------------------------------------ encoding (simulators)
def _rows(rows: list[Level]) -> list[list[str]]:
    return [[format_number(price), format_number(size), "0", "1"] for price, size in rows]


def push(channel: str, inst: str, data: list[Any], action: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"arg": {"channel": channel, "instId": inst}}
    if action is not None:
        out["action"] = action
    out["data"] = data
    return out


def encode_book_snapshot(snapshot: BookSnapshot) -> dict[str, Any]:
    """One `books` snapshot item (`books5` items have the same fields and `prevSeqId` absent)."""
    bids, asks = _rows(snapshot.bids), _rows(snapshot.asks)
    return {
        "asks": asks,
        "bids": bids,
        "ts": str(snapshot.ts_ms or 0),
        "checksum": snapshot.checksum if snapshot.checksum is not None else 0,
        "prevSeqId": -1,
        "seqId": snapshot.seq,
    }


def encode_book_update(delta: BookDelta) -> dict[str, Any]:
    return {
        "asks": _rows(delta.asks),
        "bids": _rows(delta.bids),
        "ts": str(delta.ts_ms or 0),
        "checksum": delta.checksum if delta.checksum is not None else 0,
        "prevSeqId": delta.prev if delta.prev is not None else delta.first,
        "seqId": delta.last,
    }


def encode_trade(trade: Trade) -> dict[str, Any]:
    return {
        "instId": trade.symbol,
        "tradeId": str(trade.id),
        "px": format_number(trade.price),
        "sz": format_number(trade.size),
        "side": trade.side,
        "ts": str(trade.ts_ms or 0),
        "count": "1",
        "source": "0",
    }


def encode_ticker(ticker: Ticker) -> dict[str, Any]:
    return {
        "instType": "SPOT",
        "instId": ticker.symbol,
        "last": "" if ticker.last is None else format_number(ticker.last),
        "askPx": format_number(ticker.ask),
        "askSz": format_number(ticker.ask_size),
        "bidPx": format_number(ticker.bid),
        "bidSz": format_number(ticker.bid_size),
        "ts": str(ticker.ts_ms or 0),
    }


def book_checksum(book: L2Book) -> int:
    """The checksum a simulator sends for its book (texts as `format_number` writes them)."""
    bids, asks = book.top(CHECKSUM_LEVELS)
    return checksum(
        [(format_number(p), format_number(s)) for p, s in bids],
        [(format_number(p), format_number(s)) for p, s in asks],
    )


# ------------------------------------------------------------------ the book
class OkxBook(ChainSync):
    """The `books` channel, by "WS / Order book channel": seqId/prevSeqId, checksum when non-zero."""

    exchange = EXCHANGE

    def __init__(self, symbol: str, depth: int) -> None:
        super().__init__(symbol, depth)
        #: price → (price text, size text) per side, as OKX sent them (the checksum is over them)
        self._bid_texts: dict[float, tuple[str, str]] = {}
        self._ask_texts: dict[float, tuple[str, str]] = {}

    def link(self, delta: BookDelta) -> str | None:
        if delta.prev == self._seq:
            return None
        if delta.last <= self._seq and delta.prev is not None and delta.prev < self._seq:
            return "stale"
        return f"update {delta.last} follows {delta.prev}, the book is at {self._seq}"

    def load(self, book: L2Book, snapshot: BookSnapshot) -> None:
        book.load(snapshot.bids, snapshot.asks)
        self._bid_texts, self._ask_texts = {}, {}
        if snapshot.texts is not None:
            self._remember(snapshot.bids, snapshot.texts[0], self._bid_texts)
            self._remember(snapshot.asks, snapshot.texts[1], self._ask_texts)

    def apply_levels(self, book: L2Book, delta: BookDelta) -> None:
        book.update(delta.bids, delta.asks)
        if delta.texts is not None:
            self._remember(delta.bids, delta.texts[0], self._bid_texts)
            self._remember(delta.asks, delta.texts[1], self._ask_texts)

    @staticmethod
    def _remember(rows: list[Level], texts: Texts, into: dict[float, tuple[str, str]]) -> None:
        for (price, size), text in zip(rows, texts, strict=True):
            if size > 0:
                into[price] = text
            else:
                into.pop(price, None)

    def verify(self, book: L2Book, checksum_: int | None) -> str | None:
        if not checksum_:
            return None  # 0: OKX no longer computes it (deprecation of 2026-06-23)
        bids, asks = book.top(CHECKSUM_LEVELS)
        try:
            mine = checksum([self._bid_texts[p] for p, _ in bids], [self._ask_texts[p] for p, _ in asks])
        except KeyError:
            return "checksum cannot be computed: a level came without its text"
        if mine != checksum_:
            return f"checksum mismatch: OKX {checksum_}, local book {mine}"
        return None
