"""The neutral objects every crypto wire codec parses into and encodes from, and the actions
a book sync machine answers with.

Why neutral objects: six exchanges spell a trade six ways, but the NDJSON line (CONTRACT.md,
"Crypto channels") has one shape per kind, and the simulators must speak each exchange's own
spelling of the same thing. So each exchange module turns its wire format into these objects
and back (`parse(encode(x)) == x`), and nothing outside the exchange modules knows a field name.

Numbers are floats: exchanges send decimal strings, and a float parsed from a decimal string of
at most 15 significant digits maps back to that decimal exactly (`format_number`), so equal
prices are equal keys and the simulators' text round-trips. A price is a price level's key, so
`"0.0010"` and `"0.001"` are the same level, as they are on the exchange.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from feedcli.errors import MalformedFrame

#: (price, size); a size of 0 in an update removes the level
Level = tuple[float, float]
Side = Literal["buy", "sell"]


def number(value: Any, what: str = "value") -> float:
    """An exchange's decimal (string or number) as a finite float, or MalformedFrame."""
    if isinstance(value, bool):
        raise MalformedFrame(f"{what} is not a number: {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise MalformedFrame(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(out):
        raise MalformedFrame(f"{what} is not finite: {value!r}")
    return out


def integer(value: Any, what: str = "value") -> int:
    """An exchange's integer (number or digit string) as an int, or MalformedFrame."""
    if isinstance(value, bool):
        raise MalformedFrame(f"{what} is not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise MalformedFrame(f"{what} is not an integer: {value!r}")


def levels(rows: Any, what: str) -> list[Level]:
    """`[["price", "size", ...], ...]` → [(price, size)]; extra columns (order counts) are dropped.

    A negative size or price is malformed: no exchange sends one, and a book built from it
    would be wrong.
    """
    if not isinstance(rows, list):
        raise MalformedFrame(f"{what} is not a list: {rows!r}"[:200])
    out: list[Level] = []
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) < 2:
            raise MalformedFrame(f"{what} entry is not [price, size]: {row!r}"[:200])
        price, size = number(row[0], f"{what} price"), number(row[1], f"{what} size")
        if price < 0 or size < 0:
            raise MalformedFrame(f"{what} entry is negative: {row!r}"[:200])
        out.append((price, size))
    return out


def format_number(value: float) -> str:
    """A float as the shortest decimal text that parses back to it, never in exponent form.

    `1.0` → `"1"`, `0.00001` → `"0.00001"`, `8476.98` → `"8476.98"`. The simulators write numbers
    this way, as the exchanges do (strings, to keep precision).
    """
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def level_texts(rows: list[Level]) -> list[list[str]]:
    """Book levels as the exchanges write them: `[[price, size], ...]`, both decimal text."""
    return [[format_number(price), format_number(size)] for price, size in rows]


def check_side(value: Any, what: str = "side") -> Side:
    if value == "buy" or value == "sell":
        return value
    raise MalformedFrame(f"{what} is neither buy nor sell: {value!r}")


def named_side(value: Any, names: dict[str, Side], what: str) -> Side:
    """A side an exchange writes in its own words (`Buy`, `SELL`), as buy or sell; else MalformedFrame."""
    side = names.get(value) if isinstance(value, str) else None
    if side is None:
        raise MalformedFrame(f"{what} side is neither {' nor '.join(names)}: {value!r}")
    return side


#: the objects made once a message (trades, tickers, book updates, book lines) are not frozen:
#: a frozen dataclass's __init__ sets each field through object.__setattr__, five times the cost
#: of a plain one (about 1.5 µs a trade here); nothing changes them once made, all the same
_PER_MESSAGE = dataclass(slots=True)


@_PER_MESSAGE
class Trade:
    """One trade; `side` is the taker's side (CONTRACT.md: "the taker's side")."""

    symbol: str
    price: float
    size: float
    side: Side
    #: the exchange's trade id as it sends it (an int where it is a JSON number)
    id: str | int
    ts_ms: int | None = None
    #: the trade id as a number where it is one (CONTRACT.md: `seq` where the id is a number);
    #: worked out once here (the trade gate and the line both read it)
    seq: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.price < 0 or self.size < 0:
            raise MalformedFrame(f"trade with a negative price or size: {self.price} {self.size}")
        ident = self.id
        self.seq = ident if isinstance(ident, int) else (int(ident) if ident.isdigit() else None)

    def record(self) -> dict[str, Any]:
        """The NDJSON `data` of a trade line."""
        return {"price": self.price, "size": self.size, "side": self.side, "id": self.id}


@_PER_MESSAGE
class Ticker:
    """Best bid and ask (and the last price where the exchange sends it in the same message)."""

    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    last: float | None = None
    ts_ms: int | None = None
    #: the exchange's own number of this quote (Binance/Gate book update id), where it sends one
    seq: int | None = None

    def __post_init__(self) -> None:
        if min(self.bid, self.bid_size, self.ask, self.ask_size) < 0:
            raise MalformedFrame(
                f"ticker with a negative number: {self.bid} {self.bid_size} {self.ask} {self.ask_size}"
            )

    def record(self) -> dict[str, Any]:
        """The NDJSON `data` of a ticker line."""
        out: dict[str, Any] = {"bid": self.bid, "bid_size": self.bid_size, "ask": self.ask, "ask_size": self.ask_size}
        if self.last is not None:
            out["last"] = self.last
        return out


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """A whole book (REST answer or WebSocket snapshot message), best first on each side."""

    symbol: str
    bids: list[Level]
    asks: list[Level]
    #: the update id the snapshot is at (Binance lastUpdateId, Gate id, KuCoin sequence, OKX seqId, ...)
    seq: int
    ts_ms: int | None = None
    #: OKX's CRC32 of the top 25 levels (0 or None: not sent or not to be checked)
    checksum: int | None = None
    #: the price and size texts as sent, per side, where a checksum is computed over them (OKX)
    texts: tuple[list[tuple[str, str]], list[tuple[str, str]]] | None = None


@_PER_MESSAGE
class BookDelta:
    """One update message: absolute sizes per price (0 removes), with the exchange's ids.

    `first`..`last` is the range of update ids the message covers (Binance `U`..`u`, Gate `U`..`u`,
    KuCoin `sequenceStart`..`sequenceEnd`); an exchange that numbers messages singly sets both to
    the message's number. `prev` is the id the message says it follows (OKX `prevSeqId`).
    """

    symbol: str
    bids: list[Level]
    asks: list[Level]
    first: int
    last: int
    prev: int | None = None
    ts_ms: int | None = None
    checksum: int | None = None
    texts: tuple[list[tuple[str, str]], list[tuple[str, str]]] | None = None
    #: KuCoin: each change's own sequence, parallel to bids and asks
    level_seqs: tuple[list[int], list[int]] | None = None


# ------------------------------------------------------------------ what a sync machine asks for
@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """A REST snapshot to fetch: the path under the exchange's REST base, its query, and its
    documented request weight, so the engine's client-side limiter can pace it (issue 15 item 7).

    Phase 2 turns it into a `providers.base.HttpRequest` with `http_url(rest_base, path)`.
    """

    path: str
    params: tuple[tuple[str, str], ...]
    #: the exchange's documented cost of this call in its own unit (Binance weight, KuCoin weight, or 1)
    weight: int
    #: how many levels per side were asked for: a snapshot that returns this many is truncated
    limit: int
    method: str = "GET"


@_PER_MESSAGE
class EmitBook:
    """Write a `book` line: the top `depth` levels, best first, never crossed."""

    seq: int
    bids: list[Level]
    asks: list[Level]
    ts_ms: int | None = None

    def record(self) -> dict[str, Any]:
        return {"bids": list(map(list, self.bids)), "asks": list(map(list, self.asks))}


@dataclass(frozen=True, slots=True)
class FetchSnapshot:
    """Make this REST call and hand the parsed answer to `on_snapshot` (or `on_snapshot_failed`)."""

    request: SnapshotRequest
    #: why, in a few words ("initial", "gap", "snapshot older than the stream", "refresh: ...")
    reason: str


@dataclass(frozen=True, slots=True)
class Resubscribe:
    """Unsubscribe and subscribe the book channel again: the exchange then sends a fresh snapshot."""

    reason: str


@dataclass(frozen=True, slots=True)
class Gap:
    """Write a `gap` control line: the book was found out of sync and was discarded."""

    reason: str


Action = EmitBook | FetchSnapshot | Resubscribe | Gap


@dataclass(slots=True)
class Parsed:
    """What one WebSocket message of an exchange held, as neutral objects."""

    trades: list[Trade] = field(default_factory=list)
    tickers: list[Ticker] = field(default_factory=list)
    snapshots: list[BookSnapshot] = field(default_factory=list)
    deltas: list[BookDelta] = field(default_factory=list)


def json_value(frame: bytes | str, what: str) -> Any:
    """A frame's JSON, or MalformedFrame naming what it was meant to be."""
    import orjson

    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"{what} is not JSON: {exc}") from None


def field_of(payload: Any, key: str, what: str) -> Any:
    """`payload[key]`, or MalformedFrame saying which message lacked it."""
    try:
        return payload[key]
    except (KeyError, TypeError, IndexError):
        raise MalformedFrame(f"{what} lacks {key!r}") from None
