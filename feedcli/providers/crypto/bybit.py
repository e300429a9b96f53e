"""Bybit v5 spot: public trades, `orderbook.{depth}` snapshot/delta, and the best bid/ask.

Sources (Bybit's own documentation; the GitHub copy bybit-exchange/docs was read at 072c197,
2026-07-24):
- "Orderbook", https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook: topic
  `orderbook.{depth}.{symbol}`, spot depths 1, 50, 200, 1000. "Once you have subscribed
  successfully, you will receive a snapshot. The WebSocket will keep pushing delta messages
  every time the orderbook changes. If you receive a new snapshot message, you will have to
  reset your local orderbook." A delta's size 0 deletes the entry, an unknown price is inserted,
  a known one updated. `u` "Update ID": "Occasionally, you'll receive "u"=1, which is a snapshot
  data due to the restart of the service. So please overwrite your local orderbook"; level 1 is
  snapshot-only and re-sent every 3 s without change with the same `u`. Message
  `{"topic","type":"snapshot"|"delta","ts","data":{"s","b","a","u","seq"},"cts"}`.
- The Chinese edition of the same page (…/docs/zh-TW/v5/websocket/public/orderbook) says what
  the English one leaves out: "一般情況下該id是連續的" — in general `u` is continuous.
- "Trade", …/v5/websocket/public/trade: topic `publicTrade.{symbol}`, data `[{"T","s","S":
  "Buy"|"Sell" (side of taker),"v","p","i":<trade id, a string>,"BT","seq"}]`.
- "Ticker", …/v5/websocket/public/ticker: spot tickers carry `lastPrice` but no best bid or ask,
  so feedcli's `ticker` channel reads the best bid and ask from `orderbook.1`.
- "Rate Limit Rules", …/v5/rate-limit: 600 HTTP requests per 5 s per IP; no more than 500
  WebSocket connections in 5 minutes. Bybit books need no REST call.

How feedcli applies them (`BybitBook`): any snapshot replaces the book (never merged); a delta
must carry `u` = the book's `u` + 1 (continuity, per the Chinese page), a delta at or below it
is a repeat and dropped, anything else is a gap: `Gap` and a resubscription (Bybit answers it
with a snapshot). The subscribed depth is the smallest documented one holding `--depth`.
"""

from __future__ import annotations

from typing import Any

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Parsed,
    Side,
    Ticker,
    Trade,
    field_of,
    format_number,
    integer,
    json_value,
    level_texts,
    levels,
    named_side,
    number,
)
from feedcli.providers.crypto.sync import ChainSync

EXCHANGE = "bybit"
SPOT_PATH = "/v5/public/spot"
#: the depths `orderbook.{depth}` serves on spot
DEPTHS = (1, 50, 200, 1000)
MAX_DEPTH = DEPTHS[-1]
#: (HTTP requests, seconds) per IP
HTTP_RATE_LIMIT = (600, 5.0)

_SIDES: dict[str, Side] = {"Buy": "buy", "Sell": "sell"}


def topic_depth(depth: int) -> int:
    """The smallest documented `orderbook.{N}` that holds `depth` levels."""
    for n in DEPTHS:
        if depth <= n:
            return n
    raise ValueError(f"bybit serves at most {MAX_DEPTH} levels, not {depth}")


def book_topic(symbol: str, depth: int) -> str:
    return f"orderbook.{topic_depth(depth)}.{symbol}"


def trade_topic(symbol: str) -> str:
    return f"publicTrade.{symbol}"


def ticker_topic(symbol: str) -> str:
    """Where feedcli's ticker comes from: the level-1 book."""
    return f"orderbook.1.{symbol}"


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message into neutral objects (acks and pongs: empty).

    An `orderbook.1.*` snapshot also yields a Ticker (the best bid and ask), since that is where
    the ticker channel comes from on spot.
    """
    message = json_value(frame, "bybit message")
    out = Parsed()
    if not isinstance(message, dict) or "topic" not in message:
        return out
    topic = str(message["topic"])
    if topic.startswith("orderbook."):
        kind = message.get("type")
        if kind == "snapshot":
            snapshot = parse_book(message, BookSnapshot)
            out.snapshots.append(snapshot)
            if topic.startswith("orderbook.1.") and snapshot.bids and snapshot.asks:
                out.tickers.append(ticker_from_book(snapshot))
        elif kind == "delta":
            out.deltas.append(parse_book(message, BookDelta))
        else:
            raise MalformedFrame(f"bybit orderbook message of type {kind!r}")
    elif topic.startswith("publicTrade."):
        data = message.get("data")
        if not isinstance(data, list):
            raise MalformedFrame("bybit trade data is not a list")
        out.trades.extend(parse_trade(item) for item in data)
    return out


def parse_book(message: dict[str, Any], kind: type) -> Any:
    what = f"bybit orderbook {message.get('type')}"
    data = field_of(message, "data", what)
    update_id = integer(field_of(data, "u", what), "u")
    common = {
        "symbol": str(field_of(data, "s", what)),
        "bids": levels(field_of(data, "b", what), "bids"),
        "asks": levels(field_of(data, "a", what), "asks"),
        "ts_ms": integer(field_of(message, "ts", what), "ts"),
    }
    if kind is BookSnapshot:
        return BookSnapshot(seq=update_id, **common)
    return BookDelta(first=update_id, last=update_id, **common)


def parse_trade(item: dict[str, Any]) -> Trade:
    what = "bybit trade"
    side = named_side(field_of(item, "S", what), _SIDES, what)
    return Trade(
        symbol=str(field_of(item, "s", what)),
        price=number(field_of(item, "p", what), "trade price"),
        size=number(field_of(item, "v", what), "trade size"),
        side=side,
        id=str(field_of(item, "i", what)),
        ts_ms=integer(field_of(item, "T", what), "trade time"),
    )


def ticker_from_book(snapshot: BookSnapshot) -> Ticker:
    """The best bid and ask of an `orderbook.1` snapshot as a ticker."""
    (bid, bid_size), (ask, ask_size) = snapshot.bids[0], snapshot.asks[0]
    return Ticker(snapshot.symbol, bid, bid_size, ask, ask_size, ts_ms=snapshot.ts_ms, seq=snapshot.seq)


# ------------------------------------------------------------------ encoding (simulators)
def encode_book(item: BookSnapshot | BookDelta, depth: int, cross_seq: int = 0) -> dict[str, Any]:
    """An `orderbook.{depth}` message (spot: `ts` before `type`, as the documentation notes)."""
    seq = item.seq if isinstance(item, BookSnapshot) else item.last
    ts = item.ts_ms or 0
    return {
        "topic": f"orderbook.{depth}.{item.symbol}",
        "ts": ts,
        "type": "snapshot" if isinstance(item, BookSnapshot) else "delta",
        "data": {
            "s": item.symbol,
            "b": level_texts(item.bids),
            "a": level_texts(item.asks),
            "u": seq,
            "seq": cross_seq,
        },
        "cts": ts,
    }


def encode_trades(symbol: str, trades: list[Trade], ts_ms: int) -> dict[str, Any]:
    return {
        "topic": f"publicTrade.{symbol}",
        "type": "snapshot",
        "ts": ts_ms,
        "data": [
            {
                "T": trade.ts_ms or 0,
                "s": trade.symbol,
                "S": "Buy" if trade.side == "buy" else "Sell",
                "v": format_number(trade.size),
                "p": format_number(trade.price),
                "i": str(trade.id),
                "BT": False,
                "seq": 0,
            }
            for trade in trades
        ],
    }


# ------------------------------------------------------------------ the book
class BybitBook(ChainSync):
    """`orderbook.{N}.{symbol}`, by "Process snapshot/delta": a snapshot resets, `u` continues by one."""

    exchange = EXCHANGE

    def link(self, delta: BookDelta) -> str | None:
        if delta.last == self._seq + 1:
            return None
        if delta.last <= self._seq:
            return "stale"
        return f"update id {delta.last} after {self._seq}: {delta.last - self._seq - 1} missed"
