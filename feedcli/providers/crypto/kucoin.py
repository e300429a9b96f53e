"""KuCoin spot: trades (match), ticker, and level2 increments with REST snapshots.

Sources (KuCoin's own documentation, https://www.kucoin.com/docs/websocket/spot-trading/public-channels/,
the legacy copy at https://docs.kucoin.com/#level-2-market-data):
- Envelope: `{"type":"message","topic":"<channel>:<symbol>","subject":...,"data":...}`.
- Match execution `/market/match:{symbol}`, subject `trade.l3match`: data `{"sequence","type":
  "match","symbol","side","price","size","tradeId","takerOrderId","makerOrderId","time"}` with
  `time` in nanoseconds (a string); `side` is the taker order's side.
- Symbol ticker `/market/ticker:{symbol}`, subject `trade.ticker`: data `{"sequence","price",
  "size","bestAsk","bestAskSize","bestBid","bestBidSize"}` (`price` the last trade's price; newer
  pushes add `time`).
- Level2 market data `/market/level2:{symbol}`, subject `trade.l2update`: data `{"changes":
  {"asks":[[price,size,sequence]],"bids":[...]},"sequenceStart","sequenceEnd","symbol","time"}`.
  Calibration procedure: cache the increments; get the REST snapshot; play the cache back;
  an increment is valid when `sequenceStart(new) <= sequenceEnd(old) + 1` and
  `sequenceEnd(new) > sequenceEnd(old)`; "the sequence on each record in changes only
  represents the last modification of the corresponding sequence of the price, and does not
  serve as a basis for judging message continuity"; a price of 0 is ignored (it only advances
  the sequence); a size of 0 removes the price.
- REST "Get Part Order Book (aggregated)", `GET /api/v1/market/orderbook/level2_100?symbol=`
  (public; also `level2_20`): `{"code":"200000","data":{"sequence","time","bids","asks"}}`,
  asks low to high, bids high to low. The full book (`/api/v3/market/orderbook/level2`) needs
  an API key, so feedcli uses the 100-level one.

How feedcli applies them (`KucoinBook`): the range rule of `RangeSync` with first =
`sequenceStart`, last = `sequenceEnd`; within the increment that straddles the snapshot, a change
whose own sequence is at or below the book's sequence is already in the snapshot and is skipped
(the same test on later increments never skips anything). `--depth` is at most 50 (a 100-level
snapshot), refreshed as for Binance.

ASSUMED (not read in KuCoin's documents this time): the weight of `level2_100`, 4 in the
"Public" pool of 2000 per 30 s per IP (`SNAPSHOT_WEIGHT`, `PUBLIC_POOL`).
"""

from __future__ import annotations

from typing import Any

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto.book import L2Book
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Level,
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

EXCHANGE = "kucoin"
SNAPSHOT_PATH = "/api/v1/market/orderbook/level2_100"
SNAPSHOT_LIMIT = 100
MAX_DEPTH = 50
#: ASSUMED: weight of one level2_100 call, and the public pool (weight, seconds) per IP
SNAPSHOT_WEIGHT = 4
PUBLIC_POOL = (2000, 30.0)
MATCH = "/market/match"
TICKER = "/market/ticker"
LEVEL2 = "/market/level2"
#: the nanoseconds below the millisecond of a match `time` the simulators write. KuCoin's times
#: have them (its documented example: "1545913818099033203"); a whole millisecond times 10^6
#: is read as the millisecond before by clients that scale by 1e-6 in floating point and
#: truncate (ccxt, about a third of the time), so the simulators never send one
SUB_MILLISECOND_NS = 33_203


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message into neutral objects (welcome, ack, pong: empty)."""
    message = json_value(frame, "kucoin message")
    out = Parsed()
    if not isinstance(message, dict) or message.get("type") != "message":
        return out
    topic, data = str(message.get("topic", "")), message.get("data")
    channel, _, symbol = topic.partition(":")
    if not isinstance(data, dict):
        return out
    if channel == MATCH:
        out.trades.append(parse_match(data))
    elif channel == TICKER:
        out.tickers.append(parse_ticker(data, symbol))
    elif channel == LEVEL2:
        out.deltas.append(parse_level2(data))
    return out


def parse_match(data: dict[str, Any]) -> Trade:
    what = "kucoin match"
    return Trade(
        symbol=str(field_of(data, "symbol", what)),
        price=number(field_of(data, "price", what), "trade price"),
        size=number(field_of(data, "size", what), "trade size"),
        side=check_side(field_of(data, "side", what)),
        id=str(field_of(data, "tradeId", what)),
        ts_ms=integer(field_of(data, "time", what), "match time") // 1_000_000,
    )


def parse_ticker(data: dict[str, Any], symbol: str) -> Ticker:
    what = "kucoin ticker"
    ts = data.get("time", data.get("Time"))
    return Ticker(
        symbol=symbol,
        bid=number(field_of(data, "bestBid", what), "best bid"),
        bid_size=number(field_of(data, "bestBidSize", what), "best bid size"),
        ask=number(field_of(data, "bestAsk", what), "best ask"),
        ask_size=number(field_of(data, "bestAskSize", what), "best ask size"),
        last=number(data["price"], "last price") if "price" in data else None,
        ts_ms=None if ts is None else integer(ts, "ticker time"),
        seq=integer(field_of(data, "sequence", what), "ticker sequence"),
    )


def _changes(rows: Any, what: str) -> tuple[list[Level], list[int]]:
    """`[[price, size, sequence]]` → levels and their sequences; a price of 0 only moves the sequence."""
    if not isinstance(rows, list):
        raise MalformedFrame(f"kucoin {what} is not a list")
    out: list[Level] = []
    seqs: list[int] = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 3:
            raise MalformedFrame(f"kucoin {what} change is not [price, size, sequence]: {row!r}"[:200])
        [(price, size)] = levels([row], what)
        if price == 0:
            continue
        out.append((price, size))
        seqs.append(integer(row[2], f"{what} change sequence"))
    return out, seqs


def parse_level2(data: dict[str, Any]) -> BookDelta:
    what = "kucoin level2"
    changes = field_of(data, "changes", what)
    bids, bid_seqs = _changes(field_of(changes, "bids", what), "bids")
    asks, ask_seqs = _changes(field_of(changes, "asks", what), "asks")
    return BookDelta(
        symbol=str(field_of(data, "symbol", what)),
        bids=bids,
        asks=asks,
        first=integer(field_of(data, "sequenceStart", what), "sequenceStart"),
        last=integer(field_of(data, "sequenceEnd", what), "sequenceEnd"),
        ts_ms=integer(data["time"], "time") if "time" in data else None,
        level_seqs=(bid_seqs, ask_seqs),
    )


def parse_rest_snapshot(body: bytes | str, symbol: str) -> BookSnapshot:
    """The answer of `GET /api/v1/market/orderbook/level2_100`."""
    payload = json_value(body, "kucoin order book")
    what = "kucoin order book"
    if not isinstance(payload, dict) or payload.get("code") != "200000":
        raise MalformedFrame(f"{what} is not a success answer: {str(payload)[:200]}")
    data = field_of(payload, "data", what)
    return BookSnapshot(
        symbol=symbol,
        bids=levels(field_of(data, "bids", what), "bids"),
        asks=levels(field_of(data, "asks", what), "asks"),
        seq=integer(field_of(data, "sequence", what), "sequence"),
        ts_ms=integer(data["time"], "time") if "time" in data else None,
    )


# ------------------------------------------------------------------ encoding (simulators)
def envelope(channel: str, symbol: str, subject: str, data: Any) -> dict[str, Any]:
    return {"type": "message", "topic": f"{channel}:{symbol}", "subject": subject, "data": data}


def encode_match(trade: Trade, sequence: int) -> dict[str, Any]:
    return {
        "sequence": str(sequence),
        "type": "match",
        "symbol": trade.symbol,
        "side": trade.side,
        "price": format_number(trade.price),
        "size": format_number(trade.size),
        "tradeId": str(trade.id),
        "takerOrderId": f"t{trade.id}",
        "makerOrderId": f"m{trade.id}",
        "time": str((trade.ts_ms or 0) * 1_000_000 + SUB_MILLISECOND_NS),
    }


def encode_ticker(ticker: Ticker) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sequence": str(ticker.seq or 0),
        "bestAsk": format_number(ticker.ask),
        "bestAskSize": format_number(ticker.ask_size),
        "bestBid": format_number(ticker.bid),
        "bestBidSize": format_number(ticker.bid_size),
    }
    if ticker.last is not None:
        out["price"] = format_number(ticker.last)
        out["size"] = "0"
    if ticker.ts_ms is not None:
        out["time"] = ticker.ts_ms
    return out


def _changes_text(rows: list[Level], seqs: list[int]) -> list[list[str]]:
    return [[format_number(p), format_number(s), str(q)] for (p, s), q in zip(rows, seqs, strict=True)]


def encode_level2(delta: BookDelta) -> dict[str, Any]:
    """An increment; without per-change sequences every change carries `sequenceEnd`."""
    bid_seqs, ask_seqs = delta.level_seqs or ([delta.last] * len(delta.bids), [delta.last] * len(delta.asks))
    out: dict[str, Any] = {
        "changes": {"asks": _changes_text(delta.asks, ask_seqs), "bids": _changes_text(delta.bids, bid_seqs)},
        "sequenceEnd": delta.last,
        "sequenceStart": delta.first,
        "symbol": delta.symbol,
    }
    if delta.ts_ms is not None:
        out["time"] = delta.ts_ms
    return out


def encode_rest_snapshot(snapshot: BookSnapshot) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sequence": str(snapshot.seq),
        "bids": level_texts(snapshot.bids),
        "asks": level_texts(snapshot.asks),
    }
    if snapshot.ts_ms is not None:
        data["time"] = snapshot.ts_ms
    return {"code": "200000", "data": data}


# ------------------------------------------------------------------ the book
class KucoinBook(RangeSync):
    """`/market/level2:{symbol}` + `GET /api/v1/market/orderbook/level2_100`, by the calibration procedure."""

    exchange = EXCHANGE
    cap = SNAPSHOT_LIMIT * 10

    def snapshot_request(self) -> SnapshotRequest:
        return SnapshotRequest(SNAPSHOT_PATH, (("symbol", self.symbol),), SNAPSHOT_WEIGHT, SNAPSHOT_LIMIT)

    def apply_levels(self, book: L2Book, delta: BookDelta, seq: int) -> None:
        if delta.level_seqs is None:
            book.update(delta.bids, delta.asks)
            return
        bid_seqs, ask_seqs = delta.level_seqs
        for (price, size), own in zip(delta.bids, bid_seqs, strict=True):
            if own > seq:
                book.set_bid(price, size)
        for (price, size), own in zip(delta.asks, ask_seqs, strict=True):
            if own > seq:
                book.set_ask(price, size)
