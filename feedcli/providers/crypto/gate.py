"""Gate.io API v4 spot: trades, `spot.order_book_update` with REST snapshots, book ticker.

Sources (Gate's own documentation, https://www.gate.io/docs/developers/apiv4/ws/en/):
- Envelope of every server notification: `{"time","time_ms","channel","event":"update","result"}`.
- "Public Trades Channel" `spot.trades`: result `{"id","id_market","create_time","create_time_ms"
  (string, ms with decimals),"side","currency_pair","amount","price","range"}`; "Only the taker
  side in notified" (`side` is the taker's).
- "Best bid or ask price" `spot.book_ticker`: result `{"t","u","s","b","B","a","A"}`.
- "Changed order book levels" `spot.order_book_update` (payload `["BTC_USDT","100ms"]`): result
  `{"t","e","E","s","U","u","b","a"}`, amounts absolute.
- "Limited-Level Full Order Book Snapshot" `spot.order_book`: result `{"t","lastUpdateId","s","bids","asks"}`.
- "How to maintain local order book": cache the notifications; get `GET /api/v4/spot/order_book?
  currency_pair=&limit=100&with_id=true` and record its `id` (baseID); start from the first
  notification with `U <= baseId+1` and `u >= baseId+1`; "dump all notifications which satisfy
  u < baseID+1"; "if baseID+1 < first notification U, it means current base order book falls
  behind notifications", fetch it again; "if any subsequent notification which satisfy
  U > baseID+1 is found, it means some updates are lost", rebuild from the snapshot. An amount
  of 0 deletes the price.
- REST "Retrieve order book" (https://www.gate.io/docs/developers/apiv4/en/#retrieve-order-book):
  params `currency_pair`, `interval` (0: no aggregation), `limit` (default 10), `with_id`;
  answer `{"id","current","update","asks","bids"}`.

How feedcli applies them (`GateBook`): the same range rule as Binance (the two documents say the
same thing in other words); the snapshot is the documented `limit=100`, so `--depth` is at most
50 and the book refreshes its snapshot when fewer than `--depth` levels remain within it.

ASSUMED (not read in Gate's documents this time): the REST rate limit of public spot market
endpoints, 200 requests per 10 seconds per endpoint and IP (`RATE_LIMIT`), and that 100 is the
largest `limit` (the documented example asks for it as "the full base order book").
"""

from __future__ import annotations

from typing import Any

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Parsed,
    SnapshotRequest,
    Ticker,
    Trade,
    check_side,
    field_of,
    format_number,
    integer,
    json_value,
    level_texts,
    levels,
    number,
)
from feedcli.providers.crypto.sync import RangeSync

EXCHANGE = "gate"
ORDER_BOOK_PATH = "/api/v4/spot/order_book"
SNAPSHOT_LIMIT = 100
MAX_DEPTH = 50
#: ASSUMED: (requests, seconds) per endpoint and IP for public spot market data
RATE_LIMIT = (200, 10.0)
TRADES = "spot.trades"
BOOK_TICKER = "spot.book_ticker"
BOOK_UPDATE = "spot.order_book_update"
BOOK_SNAPSHOT = "spot.order_book"


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message into neutral objects (acks, pongs and other channels: empty)."""
    message = json_value(frame, "gate message")
    out = Parsed()
    if not isinstance(message, dict) or message.get("event") != "update":
        return out
    channel, result = message.get("channel"), message.get("result")
    if not isinstance(result, dict):
        return out
    if channel == TRADES:
        out.trades.append(parse_trade(result))
    elif channel == BOOK_TICKER:
        out.tickers.append(parse_book_ticker(result))
    elif channel == BOOK_UPDATE:
        out.deltas.append(parse_book_update(result))
    elif channel == BOOK_SNAPSHOT:
        out.snapshots.append(parse_book_snapshot(result))
    return out


def _ms(value: Any) -> int:
    """`"1606292218213.4578"` (ms with decimals, a string) → 1606292218213."""
    return int(number(value, "create_time_ms"))


def parse_trade(result: dict[str, Any]) -> Trade:
    what = "gate trade"
    return Trade(
        symbol=str(field_of(result, "currency_pair", what)),
        price=number(field_of(result, "price", what), "trade price"),
        size=number(field_of(result, "amount", what), "trade amount"),
        side=check_side(field_of(result, "side", what)),
        id=integer(field_of(result, "id", what), "trade id"),
        ts_ms=_ms(field_of(result, "create_time_ms", what)),
    )


def parse_book_ticker(result: dict[str, Any]) -> Ticker:
    what = "gate book ticker"
    return Ticker(
        symbol=str(field_of(result, "s", what)),
        bid=number(field_of(result, "b", what), "best bid"),
        bid_size=number(field_of(result, "B", what), "best bid amount"),
        ask=number(field_of(result, "a", what), "best ask"),
        ask_size=number(field_of(result, "A", what), "best ask amount"),
        ts_ms=integer(field_of(result, "t", what), "update time"),
        seq=integer(field_of(result, "u", what), "order book update id"),
    )


def parse_book_update(result: dict[str, Any]) -> BookDelta:
    what = "gate order book update"
    return BookDelta(
        symbol=str(field_of(result, "s", what)),
        bids=levels(field_of(result, "b", what), "bids"),
        asks=levels(field_of(result, "a", what), "asks"),
        first=integer(field_of(result, "U", what), "first update id"),
        last=integer(field_of(result, "u", what), "last update id"),
        ts_ms=integer(field_of(result, "t", what), "update time"),
    )


def parse_book_snapshot(result: dict[str, Any]) -> BookSnapshot:
    what = "gate order book"
    return BookSnapshot(
        symbol=str(field_of(result, "s", what)),
        bids=levels(field_of(result, "bids", what), "bids"),
        asks=levels(field_of(result, "asks", what), "asks"),
        seq=integer(field_of(result, "lastUpdateId", what), "lastUpdateId"),
        ts_ms=integer(field_of(result, "t", what), "update time"),
    )


def parse_rest_snapshot(body: bytes | str, symbol: str) -> BookSnapshot:
    """The answer of `GET /api/v4/spot/order_book?...&with_id=true`."""
    payload = json_value(body, "gate order book")
    what = "gate order book"
    if not isinstance(payload, dict):
        raise MalformedFrame(f"{what} is not an object")
    return BookSnapshot(
        symbol=symbol,
        bids=levels(field_of(payload, "bids", what), "bids"),
        asks=levels(field_of(payload, "asks", what), "asks"),
        seq=integer(field_of(payload, "id", what), "order book id (with_id=true)"),
        ts_ms=integer(payload["current"], "current") if "current" in payload else None,
    )


# ------------------------------------------------------------------ encoding (simulators)
def envelope(channel: str, result: Any, time_ms: int) -> dict[str, Any]:
    return {"time": time_ms // 1000, "time_ms": time_ms, "channel": channel, "event": "update", "result": result}


def encode_trade(trade: Trade) -> dict[str, Any]:
    ts = trade.ts_ms or 0
    return {
        "id": trade.id,
        "id_market": trade.id,
        "create_time": ts // 1000,
        "create_time_ms": f"{ts}.0000",
        "side": trade.side,
        "currency_pair": trade.symbol,
        "amount": format_number(trade.size),
        "price": format_number(trade.price),
        "range": f"{trade.id}-{trade.id}",
    }


def encode_book_ticker(ticker: Ticker) -> dict[str, Any]:
    return {
        "t": ticker.ts_ms or 0,
        "u": ticker.seq or 0,
        "s": ticker.symbol,
        "b": format_number(ticker.bid),
        "B": format_number(ticker.bid_size),
        "a": format_number(ticker.ask),
        "A": format_number(ticker.ask_size),
    }


def encode_book_update(delta: BookDelta) -> dict[str, Any]:
    ts = delta.ts_ms or 0
    return {
        "t": ts,
        "e": "depthUpdate",
        "E": ts // 1000,
        "s": delta.symbol,
        "U": delta.first,
        "u": delta.last,
        "b": level_texts(delta.bids),
        "a": level_texts(delta.asks),
    }


def encode_book_snapshot(snapshot: BookSnapshot) -> dict[str, Any]:
    """`spot.order_book`'s result."""
    return {
        "t": snapshot.ts_ms or 0,
        "lastUpdateId": snapshot.seq,
        "s": snapshot.symbol,
        "bids": level_texts(snapshot.bids),
        "asks": level_texts(snapshot.asks),
    }


def encode_rest_snapshot(snapshot: BookSnapshot) -> dict[str, Any]:
    ts = snapshot.ts_ms or 0
    asks, bids = level_texts(snapshot.asks), level_texts(snapshot.bids)
    return {"id": snapshot.seq, "current": ts, "update": ts, "asks": asks, "bids": bids}


# ------------------------------------------------------------------ the book
class GateBook(RangeSync):
    """`spot.order_book_update` + `GET /api/v4/spot/order_book?with_id=true`, by "How to maintain local order book"."""

    exchange = EXCHANGE
    cap = SNAPSHOT_LIMIT * 10

    def snapshot_request(self) -> SnapshotRequest:
        params = (("currency_pair", self.symbol), ("limit", str(SNAPSHOT_LIMIT)), ("with_id", "true"))
        return SnapshotRequest(ORDER_BOOK_PATH, params, 1, SNAPSHOT_LIMIT)
