"""Coinbase Advanced Trade: `market_trades`, `level2` (received as `l2_data`), `ticker`.

Sources (Coinbase's own documentation, https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels
and the AsyncAPI pages under https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/):
- Every message: `{"channel","client_id","timestamp","sequence_num","events":[...]}`.
- "Level2 channel": "guarantees delivery of all updates and is the easiest way to keep a
  snapshot of the order book"; subscribe `level2`, messages carry channel `l2_data`, events
  `{"type":"snapshot"|"update","product_id","updates":[{"side":"bid"|"offer","event_time",
  "price_level","new_quantity"}]}`; "new_quantity is the updated size at a price level (not a
  delta); a value of "0" means the level can be removed".
- "Market trades channel": events `{"type","trades":[{"trade_id","product_id","price","size",
  "side":"BUY"|"SELL","time"}]}`, collected over 250 ms.
- "Ticker channel": events `{"type","tickers":[{"type":"ticker","product_id","price",...,
  "best_bid","best_bid_quantity","best_ask","best_ask_quantity"}]}`.
- "Heartbeats channel": subscribe to it so that channels without updates are not closed after
  60-90 s.

`sequence_num`, and how feedcli treats it: it numbers the messages of one connection, across
all its channels (a heartbeat, a trade and a book update share one counter), not the updates of
one book. So the book machine cannot check it alone: `ConnectionSequence` sees every message of
a connection, and a jump anywhere (a message of any channel was lost) invalidates every book of
that connection (`CoinbaseBook.invalidate`: `Gap`, then a resubscription to `level2`, which
Coinbase answers with a snapshot). A number at or below the last one is a repeat and dropped.
Within that, `CoinbaseBook` replaces its book on every snapshot and applies updates in order.

ASSUMED: `side` of `market_trades` is the taker's side (the channel reports the trade the taker
made; Coinbase Exchange's legacy `match` reported the maker's, and libraries disagree about
Advanced Trade). Parsed as sent, upper case to lower.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Level,
    Parsed,
    Side,
    Ticker,
    Trade,
    field_of,
    format_number,
    integer,
    json_value,
    named_side,
    number,
)
from feedcli.providers.crypto.sync import ChainSync

EXCHANGE = "coinbase"
LEVEL2 = "level2"
L2_DATA = "l2_data"
MARKET_TRADES = "market_trades"
TICKER = "ticker"
HEARTBEATS = "heartbeats"
_SIDES: dict[str, Side] = {"BUY": "buy", "SELL": "sell"}


class ConnectionSequence:
    """Checks the `sequence_num` of every message of one connection, whatever its channel."""

    def __init__(self) -> None:
        self.last: int | None = None

    def check(self, sequence_num: int) -> str:
        """ "ok" (the next one, or the first), "stale" (a repeat: drop it) or "gap" (some were lost)."""
        last = self.last
        if last is not None:
            if sequence_num <= last:
                return "stale"
            if sequence_num != last + 1:
                self.last = sequence_num
                return "gap"
        self.last = sequence_num
        return "ok"


def timestamp_ms(text: Any) -> int:
    """`"2023-02-09T20:32:50.714964855Z"` (RFC 3339, nanoseconds) → epoch milliseconds."""
    if not isinstance(text, str):
        raise MalformedFrame(f"coinbase time is not a string: {text!r}")
    head, dot, rest = text.rstrip("Z").partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit()) if dot else ""
    try:
        whole = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise MalformedFrame(f"coinbase time is not RFC 3339: {text!r}") from None
    return int(whole.timestamp()) * 1000 + int((digits + "000")[:3])


def sequence_of(frame: bytes | str) -> int | None:
    """A message's `sequence_num` (None where it has none), for `ConnectionSequence`."""
    message = json_value(frame, "coinbase message")
    if isinstance(message, dict) and "sequence_num" in message:
        return integer(message["sequence_num"], "sequence_num")
    return None


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message into neutral objects (subscriptions, heartbeats: empty)."""
    message = json_value(frame, "coinbase message")
    out = Parsed()
    if not isinstance(message, dict):
        return out
    channel = message.get("channel")
    if channel not in (L2_DATA, MARKET_TRADES, TICKER):
        return out
    what = f"coinbase {channel}"
    seq = integer(field_of(message, "sequence_num", what), "sequence_num")
    ts = timestamp_ms(field_of(message, "timestamp", what))
    events = field_of(message, "events", what)
    if not isinstance(events, list):
        raise MalformedFrame(f"{what} events is not a list")
    for event in events:
        if channel == L2_DATA:
            parse_l2_event(event, seq, ts, out)
        elif channel == MARKET_TRADES:
            out.trades.extend(parse_trade(item) for item in _items(event, "trades", what))
        else:
            out.tickers.extend(parse_ticker(item, ts) for item in _items(event, "tickers", what))
    return out


def _items(event: Any, key: str, what: str) -> list[Any]:
    """`event[key]`, which must be a list (of trades, tickers, book updates)."""
    items = field_of(event, key, what)
    if not isinstance(items, list):
        raise MalformedFrame(f"{what} {key} is not a list")
    return items


def parse_l2_event(event: dict[str, Any], seq: int, ts: int, out: Parsed) -> None:
    what = "coinbase l2_data event"
    product = str(field_of(event, "product_id", what))
    bids: list[Level] = []
    asks: list[Level] = []
    for update in _items(event, "updates", what):
        side = field_of(update, "side", what)
        price = number(field_of(update, "price_level", what), "price_level")
        size = number(field_of(update, "new_quantity", what), "new_quantity")
        if price < 0 or size < 0:
            raise MalformedFrame(f"{what} has a negative level: {update!r}"[:200])
        if side == "bid":
            bids.append((price, size))
        elif side in ("offer", "ask"):
            asks.append((price, size))
        else:
            raise MalformedFrame(f"{what} side is neither bid nor offer: {side!r}")
    kind = field_of(event, "type", what)
    if kind == "snapshot":
        bids.sort(reverse=True)
        asks.sort()
        out.snapshots.append(BookSnapshot(product, bids, asks, seq, ts))
    elif kind == "update":
        out.deltas.append(BookDelta(product, bids, asks, seq, seq, ts_ms=ts))
    else:
        raise MalformedFrame(f"{what} type is {kind!r}")


def parse_trade(item: dict[str, Any]) -> Trade:
    what = "coinbase trade"
    side = named_side(field_of(item, "side", what), _SIDES, what)
    return Trade(
        symbol=str(field_of(item, "product_id", what)),
        price=number(field_of(item, "price", what), "trade price"),
        size=number(field_of(item, "size", what), "trade size"),
        side=side,
        id=str(field_of(item, "trade_id", what)),
        ts_ms=timestamp_ms(field_of(item, "time", what)),
    )


def parse_ticker(item: dict[str, Any], ts: int) -> Ticker:
    what = "coinbase ticker"
    return Ticker(
        symbol=str(field_of(item, "product_id", what)),
        bid=number(field_of(item, "best_bid", what), "best_bid"),
        bid_size=number(field_of(item, "best_bid_quantity", what), "best_bid_quantity"),
        ask=number(field_of(item, "best_ask", what), "best_ask"),
        ask_size=number(field_of(item, "best_ask_quantity", what), "best_ask_quantity"),
        last=number(item["price"], "price") if "price" in item else None,
        ts_ms=ts,
    )


# ------------------------------------------------------------------ encoding (simulators)
def rfc3339(ms: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}000000Z"


def message(channel: str, sequence_num: int, ts_ms: int, events: list[Any]) -> dict[str, Any]:
    stamp = rfc3339(ts_ms)
    return {"channel": channel, "client_id": "", "timestamp": stamp, "sequence_num": sequence_num, "events": events}


def encode_l2_event(item: BookSnapshot | BookDelta) -> dict[str, Any]:
    ts = rfc3339(item.ts_ms or 0)
    updates = [
        {"side": "bid", "event_time": ts, "price_level": format_number(p), "new_quantity": format_number(s)}
        for p, s in item.bids
    ] + [
        {"side": "offer", "event_time": ts, "price_level": format_number(p), "new_quantity": format_number(s)}
        for p, s in item.asks
    ]
    kind = "snapshot" if isinstance(item, BookSnapshot) else "update"
    return {"type": kind, "product_id": item.symbol, "updates": updates}


def encode_trade(trade: Trade) -> dict[str, Any]:
    return {
        "trade_id": str(trade.id),
        "product_id": trade.symbol,
        "price": format_number(trade.price),
        "size": format_number(trade.size),
        "side": trade.side.upper(),
        "time": rfc3339(trade.ts_ms or 0),
    }


def encode_ticker(ticker: Ticker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "ticker", "product_id": ticker.symbol}
    if ticker.last is not None:
        out["price"] = format_number(ticker.last)
    out |= {
        "best_bid": format_number(ticker.bid),
        "best_bid_quantity": format_number(ticker.bid_size),
        "best_ask": format_number(ticker.ask),
        "best_ask_quantity": format_number(ticker.ask_size),
    }
    return out


# ------------------------------------------------------------------ the book
class CoinbaseBook(ChainSync):
    """`level2`: snapshot then updates; ordering is checked connection-wide by `ConnectionSequence`."""

    exchange = EXCHANGE

    def link(self, delta: BookDelta) -> str | None:
        return "stale" if delta.last <= self._seq else None
