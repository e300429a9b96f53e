"""Binance spot: trades, the diff depth book with REST snapshots, partial depth, book ticker.

Sources (Binance's own documentation; the GitHub copy binance/binance-spot-api-docs was read at
a5e0bc3, 2026-07-21):
- Streams, https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams:
  `<symbol>@trade` `{"e":"trade","E","s","t":<trade id>,"p","q","T":<trade ms>,"m":<buyer is
  maker>,"M"}`; `<symbol>@aggTrade` `{"e":"aggTrade","E","s","a":<agg id>,"p","q","f","l","T","m","M"}`;
  `<symbol>@bookTicker` `{"u","s","b","B","a","A"}`; partial depth `<symbol>@depth<5|10|20>[@100ms]`
  `{"lastUpdateId","bids","asks"}` (no symbol: read it from the combined stream's name);
  diff depth `<symbol>@depth[@100ms]` `{"e":"depthUpdate","E","s","U","u","b","a"}`; combined
  streams wrap each payload as `{"stream":"<name>","data":<payload>}`.
- "How to manage a local order book correctly" (same page): buffer the stream's events and note
  the `U` of the first; get `GET /api/v3/depth?symbol=&limit=`; "if the lastUpdateId from the
  snapshot is strictly less than the U from step 2, go back to step 3"; "discard any event where
  u is <= lastUpdateId of the snapshot"; then for each event: "if u is less than the update ID of
  your local order book, ignore the event"; "if U is greater than the update ID of your local
  order book + 1, you have missed some events. Discard your local order book and restart";
  quantities are absolute, "if the quantity is zero, remove the price level"; set the book's id
  to `u`. The note: a snapshot holds at most 5000 levels a side, and "you won't learn the
  quantities for the levels outside of the initial snapshot unless they change" (our horizon).
- REST, https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
  "Order book": `GET /api/v3/depth`, limit default 100, max 5000; weight by limit 1-100: 5,
  101-500: 25, 501-1000: 50, 1001-5000: 250; answer `{"lastUpdateId","bids","asks"}`. Limits
  (rest-api "LIMITS", enums "Rate limiters"): REQUEST_WEIGHT 6000 a minute per IP, 429 with
  Retry-After, then 418 bans "from 2 minutes to 3 days".

How feedcli applies them (`BinanceBook`):
- the snapshot is fetched when the first update has arrived, so it can be checked against it;
- a snapshot is accepted when `lastUpdateId + 1 >= U` of the first buffered event: at
  `lastUpdateId == U - 1` the first event follows it exactly, which the documented rule
  (`lastUpdateId < U` → fetch again) refuses without need; everything stricter is as documented;
- "deep enough for --depth after removals": the limit is the cheapest weight tier holding at
  least five times `--depth` (100 levels, weight 5, for up to 20), never `limit=--depth`; the
  book keeps the snapshot's worst price as its horizon and refreshes the snapshot (no gap) when
  fewer than `--depth` levels are left on its near side.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import msgspec
import orjson

from feedcli.errors import MalformedFrame
from feedcli.events import EXACT_MS
from feedcli.providers.base import Frame
from feedcli.providers.crypto.model import (
    BookDelta,
    BookSnapshot,
    Level,
    Parsed,
    SnapshotRequest,
    Ticker,
    Trade,
    format_number,
    integer,
    level_texts,
    levels,
    number,
)
from feedcli.providers.crypto.sync import RangeSync

EXCHANGE = "binance"
DEPTH_PATH = "/api/v3/depth"
#: (the largest limit of a tier, its request weight)
DEPTH_WEIGHTS: tuple[tuple[int, int], ...] = ((100, 5), (500, 25), (1000, 50), (5000, 250))
MAX_LIMIT = 5000
#: the deepest --depth we build: a 5000-level snapshot still leaves 4000 levels to remove
MAX_DEPTH = 1000
#: the levels partial depth streams serve
PARTIAL_DEPTHS = (5, 10, 20)
#: the account-wide budget: REQUEST_WEIGHT per minute per IP
WEIGHT_PER_MINUTE = 6000


def depth_weight(limit: int) -> int:
    """The documented request weight of `GET /api/v3/depth?limit=`."""
    for top, weight in DEPTH_WEIGHTS:
        if limit <= top:
            return weight
    return DEPTH_WEIGHTS[-1][1]


def snapshot_limit(depth: int) -> int:
    """The cheapest tier's limit that holds five times `depth` (removals eat into a snapshot)."""
    want = 5 * depth
    for top, _weight in DEPTH_WEIGHTS:
        if want <= top:
            return top
    return MAX_LIMIT


# ------------------------------------------------------------------ stream names
def trade_stream(symbol: str) -> str:
    return f"{symbol.lower()}@trade"


def agg_trade_stream(symbol: str) -> str:
    return f"{symbol.lower()}@aggTrade"


def depth_stream(symbol: str) -> str:
    return f"{symbol.lower()}@depth@100ms"


def partial_depth_stream(symbol: str, levels_: int) -> str:
    if levels_ not in PARTIAL_DEPTHS:
        raise ValueError(f"partial depth is 5, 10 or 20 levels, not {levels_}")
    return f"{symbol.lower()}@depth{levels_}@100ms"


def book_ticker_stream(symbol: str) -> str:
    return f"{symbol.lower()}@bookTicker"


# ------------------------------------------------------------------ parsing
# The hot path: trades and depth diffs decoded by msgspec straight into the fields a line needs
# (C, no dict of the whole message, no per-field checks in Python), the numbers turned into
# floats here. Whatever it does not take (another message kind, an unexpected type, a number
# that is not a finite non-negative decimal) goes the general way below, which is the reference:
# the fast path only ever answers what the general one would (tests/unit/providers/crypto).
_INF = float("inf")
#: the integers orjson reads as integers (and writes: a line's `id` and `seq`); msgspec reads
#: any size, so a larger trade id is left to the general parser, which refuses it as orjson
#: reads it (a float), instead of making a trade the writer cannot encode
_ID_MIN, _ID_END = -(2**63), 2**64

# Every struct forbids unknown fields (as `_QuickKline` in feedcli/providers/binance.py does):
# msgspec skips an unknown field without reading it, so `"X":1e999` or a string of invalid
# UTF-8 there would pass here while orjson refuses the whole message. The fields Binance
# documents for each event and that the line does not use are declared as any JSON scalar
# with a default, so msgspec reads (and checks) them as orjson does; anything else, or a
# documented field holding a list or an object, sends the message the general way.
_Scalar = int | float | str | bool


class _TradeMsg(msgspec.Struct, tag_field="e", tag="trade", forbid_unknown_fields=True):
    s: str
    t: int
    p: str
    q: str
    T: int
    m: bool
    E: _Scalar = 0
    M: _Scalar = False
    b: _Scalar = 0  # buyer's order id (older documentation)
    a: _Scalar = 0  # seller's order id (older documentation)


class _AggTradeMsg(msgspec.Struct, tag_field="e", tag="aggTrade", forbid_unknown_fields=True):
    s: str
    a: int
    p: str
    q: str
    T: int
    m: bool
    E: _Scalar = 0
    M: _Scalar = False
    f: _Scalar = 0
    l: _Scalar = 0  # noqa: E741 (Binance's name)


class _DepthMsg(msgspec.Struct, tag_field="e", tag="depthUpdate", forbid_unknown_fields=True):
    s: str
    U: int
    u: int
    E: int
    b: msgspec.Raw  # the levels, read by `_decode_levels` (below)
    a: msgspec.Raw
    T: _Scalar = 0  # futures: transaction time
    pu: _Scalar = 0  # futures: the previous update's final id


_Event = _TradeMsg | _AggTradeMsg | _DepthMsg


class _Combined(msgspec.Struct, forbid_unknown_fields=True):
    stream: str
    data: _Event


_decode_combined = msgspec.json.Decoder(_Combined).decode
_decode_event = msgspec.json.Decoder(_Event).decode


def _fast(frame: bytes) -> Parsed | None:
    """The message as `parse` would give it, or None where the general parser must look."""
    try:
        event = _decode_combined(frame).data if frame.startswith(b'{"stream":') else _decode_event(frame)
    except msgspec.DecodeError:
        return None
    kind = type(event)
    try:
        if kind is _DepthMsg:
            bids, asks = _decode_levels(event.b), _decode_levels(event.a)
            delta = BookDelta(event.s, bids, asks, event.U, event.u, None, event.E)
            return Parsed([], [], [], [delta])  # positional: no default factories to call
        if kind is _TradeMsg or kind is _AggTradeMsg:
            price, size = float(event.p), float(event.q)
            if not (0 <= price < _INF and 0 <= size < _INF):
                return None
            ident = event.t if kind is _TradeMsg else event.a
            if not _ID_MIN <= ident < _ID_END:
                return None  # orjson reads it as a float, which the general parser refuses
            # the buyer made the resting order, so the seller took it
            return Parsed([Trade(event.s, price, size, "sell" if event.m else "buy", ident, event.T)], [], [], [])
    except (ValueError, msgspec.DecodeError):
        return None
    return None


#: the trade messages alone, combined-stream wrapped or raw (the line path: `quick_trade`)
_QuickTrade = _TradeMsg | _AggTradeMsg


class _CombinedTrade(msgspec.Struct, forbid_unknown_fields=True):
    stream: str
    data: _QuickTrade


_decode_combined_trade = msgspec.json.Decoder(_CombinedTrade).decode
_decode_trade = msgspec.json.Decoder(_QuickTrade).decode


def quick_trade(frame: Frame) -> tuple[str, float, float, str, int, int] | None:
    """(symbol, price, size, taker side, id, trade ms) of a message holding one trade, exactly
    as `parse` gives its `Trade` (the same decoder structs and number rules as `_fast`), or None
    for anything else: the engine's line path (`MarketCodec`) writes the trade's line from
    these without a `Parsed` or a `Trade`, and leaves what this declines to `parse`.

    Only what `parse` answers the same way on every path is taken: an id within 64 bits (what
    the writer can encode) and a trade time whose `ts` is the plain split of its milliseconds.
    """
    try:
        if type(frame) is str:  # as `parse` reads it (a text that is not UTF-8 then fails there)
            frame = frame.encode()
        event = _decode_combined_trade(frame).data if frame.startswith(b'{"stream":') else _decode_trade(frame)
        price, size = float(event.p), float(event.q)
    except (msgspec.DecodeError, ValueError):  # UnicodeEncodeError is a ValueError
        return None
    if not (0 <= price < _INF and 0 <= size < _INF):  # also false for NaN
        return None
    ident = event.t if type(event) is _TradeMsg else event.a
    ms = event.T
    if not (_ID_MIN <= ident < _ID_END and 0 < ms < EXACT_MS):
        return None
    # the buyer made the resting order, so the seller took it
    return event.s, price, size, "sell" if event.m else "buy", ident, ms


# A diff's levels (`_DepthMsg.b`, `.a`, left as read) are decoded in one go by a lax decoder,
# which turns the decimal strings into floats in C. Why not float() per number and a range check
# per level, as before: they were 60 % of reading a diff (bench/README.md). What the lax decoder
# takes it reads as float() does (the same double: checked once over 700,000 generated texts,
# numbers and strings, and over 12,000 against the general parser in test_binance_book_line.py);
# it refuses what float() would read differently or not at all (spaces, `+1`, `1_0`, `.5`, `01`,
# non-ASCII digits) and a price of 0 (`-0` would be read as 0.0), so those go the general way,
# which decides as always. The constraints are the general parser's: finite, not negative (NaN
# fails them too).
_Price = Annotated[float, msgspec.Meta(gt=0, le=sys.float_info.max)]
_Size = Annotated[float, msgspec.Meta(ge=0, le=sys.float_info.max)]
_decode_levels = msgspec.json.Decoder(list[tuple[_Price, _Size]], strict=False).decode


def quick_depth(frame: Frame) -> tuple[str, int, int, int, list[Level], list[Level]] | None:
    """(symbol, first id `U`, last id `u`, event ms `E`, bids, asks) of a depth diff, exactly as
    `parse` gives its `BookDelta`, or None for anything else: the engine's line path for books
    (`MarketCodec._book_line`) applies it to a synced book and writes the line itself, and
    leaves what this declines to `parse` (and hands it what this read of a diff it declines).

    Only what every path writes alike is taken: a last id within 64 bits (the line's `seq`,
    which the writer must encode), an event time whose `ts` is the plain split of its ms, and
    levels the lax decoder above reads as float() does.
    """
    try:
        if type(frame) is str:  # as `parse` reads it (a text that is not UTF-8 then fails there)
            frame = frame.encode()
        combined = frame.startswith(b'{"stream":')
        event = _decode_combined(frame).data if combined else _decode_event(frame)
        if type(event) is not _DepthMsg:
            return None
        ms, last = event.E, event.u
        if not (0 < ms < EXACT_MS and _ID_MIN <= last < _ID_END):
            return None
        return event.s, event.U, last, ms, _decode_levels(event.b), _decode_levels(event.a)
    except (msgspec.DecodeError, ValueError):  # UnicodeEncodeError is a ValueError
        return None


def parse(frame: bytes | str) -> Parsed:
    """One WebSocket message, raw (`/ws`) or combined (`/stream`), into neutral objects.

    Messages that are none of these (subscription answers, klines) give an empty Parsed.
    """
    fast = _fast(frame.encode() if isinstance(frame, str) else frame)
    if fast is not None:
        return fast
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"binance message is not JSON: {exc}") from None
    stream = None
    if isinstance(message, dict) and "stream" in message and "data" in message:
        stream, message = message["stream"], message["data"]
    return parse_payload(message, stream)


def parse_payload(payload: Any, stream: str | None = None) -> Parsed:
    out = Parsed()
    if not isinstance(payload, dict):
        return out
    kind = payload.get("e")
    if kind == "trade":
        out.trades.append(parse_trade(payload))
    elif kind == "aggTrade":
        out.trades.append(parse_agg_trade(payload))
    elif kind == "depthUpdate":
        out.deltas.append(parse_depth_update(payload))
    elif kind is None and "lastUpdateId" in payload and stream is not None:
        out.snapshots.append(parse_partial_depth(payload, stream.split("@", 1)[0].upper()))
    elif kind is None and {"u", "s", "b", "B", "a", "A"} <= payload.keys():
        out.tickers.append(parse_book_ticker(payload))
    return out


def _field(payload: dict[str, Any], key: str) -> Any:
    try:
        return payload[key]
    except KeyError:
        raise MalformedFrame(f"binance {payload.get('e', 'message')} lacks {key!r}") from None


def _taker(buyer_is_maker: Any) -> str:
    if not isinstance(buyer_is_maker, bool):
        raise MalformedFrame(f"binance 'm' is not a boolean: {buyer_is_maker!r}")
    # the buyer made the resting order, so the seller took it
    return "sell" if buyer_is_maker else "buy"


def parse_trade(payload: dict[str, Any]) -> Trade:
    return Trade(
        symbol=str(_field(payload, "s")),
        price=number(_field(payload, "p"), "trade price"),
        size=number(_field(payload, "q"), "trade quantity"),
        side=_taker(_field(payload, "m")),  # type: ignore[arg-type]
        id=integer(_field(payload, "t"), "trade id"),
        ts_ms=integer(_field(payload, "T"), "trade time"),
    )


def parse_agg_trade(payload: dict[str, Any]) -> Trade:
    """An aggregate trade: one taker order at one price; its id is the aggregate id `a`."""
    return Trade(
        symbol=str(_field(payload, "s")),
        price=number(_field(payload, "p"), "trade price"),
        size=number(_field(payload, "q"), "trade quantity"),
        side=_taker(_field(payload, "m")),  # type: ignore[arg-type]
        id=integer(_field(payload, "a"), "aggregate trade id"),
        ts_ms=integer(_field(payload, "T"), "trade time"),
    )


def parse_book_ticker(payload: dict[str, Any]) -> Ticker:
    return Ticker(
        symbol=str(payload["s"]),
        bid=number(payload["b"], "best bid"),
        bid_size=number(payload["B"], "best bid quantity"),
        ask=number(payload["a"], "best ask"),
        ask_size=number(payload["A"], "best ask quantity"),
        seq=integer(payload["u"], "book ticker update id"),
    )


def parse_depth_update(payload: dict[str, Any]) -> BookDelta:
    return BookDelta(
        symbol=str(_field(payload, "s")),
        bids=levels(_field(payload, "b"), "bids"),
        asks=levels(_field(payload, "a"), "asks"),
        first=integer(_field(payload, "U"), "first update id"),
        last=integer(_field(payload, "u"), "final update id"),
        ts_ms=integer(_field(payload, "E"), "event time"),
    )


def parse_partial_depth(payload: dict[str, Any], symbol: str) -> BookSnapshot:
    return BookSnapshot(
        symbol=symbol,
        bids=levels(_field(payload, "bids"), "bids"),
        asks=levels(_field(payload, "asks"), "asks"),
        seq=integer(_field(payload, "lastUpdateId"), "lastUpdateId"),
    )


def parse_depth_snapshot(body: bytes | str, symbol: str) -> BookSnapshot:
    """The answer of `GET /api/v3/depth` (same shape as a partial depth message)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"binance depth snapshot is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MalformedFrame("binance depth snapshot is not an object")
    return parse_partial_depth(payload, symbol)


# ------------------------------------------------------------------ encoding (simulators)
def encode_trade(trade: Trade) -> dict[str, Any]:
    ts = trade.ts_ms or 0
    return {
        "e": "trade",
        "E": ts,
        "s": trade.symbol,
        "t": trade.id,
        "p": format_number(trade.price),
        "q": format_number(trade.size),
        "T": ts,
        "m": trade.side == "sell",
        "M": True,
    }


def encode_agg_trade(trade: Trade, first_id: int, last_id: int) -> dict[str, Any]:
    ts = trade.ts_ms or 0
    return {
        "e": "aggTrade",
        "E": ts,
        "s": trade.symbol,
        "a": trade.id,
        "p": format_number(trade.price),
        "q": format_number(trade.size),
        "f": first_id,
        "l": last_id,
        "T": ts,
        "m": trade.side == "sell",
        "M": True,
    }


def encode_book_ticker(ticker: Ticker) -> dict[str, Any]:
    return {
        "u": ticker.seq or 0,
        "s": ticker.symbol,
        "b": format_number(ticker.bid),
        "B": format_number(ticker.bid_size),
        "a": format_number(ticker.ask),
        "A": format_number(ticker.ask_size),
    }


def encode_depth_update(delta: BookDelta) -> dict[str, Any]:
    return {
        "e": "depthUpdate",
        "E": delta.ts_ms or 0,
        "s": delta.symbol,
        "U": delta.first,
        "u": delta.last,
        "b": level_texts(delta.bids),
        "a": level_texts(delta.asks),
    }


def encode_depth_snapshot(snapshot: BookSnapshot) -> dict[str, Any]:
    """The REST answer, and the payload of a partial depth stream (the same shape)."""
    return {"lastUpdateId": snapshot.seq, "bids": level_texts(snapshot.bids), "asks": level_texts(snapshot.asks)}


def combined(stream: str, payload: Any) -> dict[str, Any]:
    """A payload as a combined stream (`/stream?streams=`) delivers it."""
    return {"stream": stream, "data": payload}


# ------------------------------------------------------------------ the book
class BinanceBook(RangeSync):
    """`<symbol>@depth@100ms` + `GET /api/v3/depth`, by "How to manage a local order book correctly"."""

    exchange = EXCHANGE
    cap = MAX_LIMIT

    def snapshot_request(self) -> SnapshotRequest:
        limit = snapshot_limit(self.depth)
        return SnapshotRequest(
            DEPTH_PATH, (("symbol", self.symbol.upper()), ("limit", str(limit))), depth_weight(limit), limit
        )
