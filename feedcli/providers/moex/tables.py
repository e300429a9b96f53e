"""MOEX ISS+ packets and tables: a packet read, a keyed table per subscription merging
snapshots, updates and removals, and the rows shaped into feedcli's lines (books, candles)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from feedcli.errors import MalformedFrame
from feedcli.events import epoch_iso
from feedcli.providers.moex.protocol import MOSCOW, PACKET_TYPES
from feedcli.providers.moex.values import read_number
from feedcli.wallclock import utc_of

# ----------------------------------------------------------------------------- packets


@dataclass
class Packet:
    """A MESSAGE (or REPLY) body: what happened, its number and time, and rows by column."""

    type: str
    columns: list[str]
    data: list[list[Any]]
    seqnum: int | None = None
    timestamp: Any = None


def parse_packet(body: bytes | str) -> Packet:
    """Read a packet; MalformedFrame if it is not one."""
    text = body.strip(b"\x00\r\n \t") if isinstance(body, bytes) else body.strip("\x00\r\n \t")
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"a MESSAGE body that is not JSON ({exc.msg})") from None
    if type(obj) is not dict:
        raise MalformedFrame("a MESSAGE body that is not a JSON object")
    props = obj.get("properties")
    if props is None:
        props = {}
    columns, data = obj.get("columns"), obj.get("data")
    if type(props) is not dict:
        raise MalformedFrame("'properties' is not an object")
    if type(columns) is not list or not all(type(c) is str for c in columns):
        raise MalformedFrame("a packet without 'columns' (a list of names)")
    if type(data) is not list or not all(type(r) is list and len(r) == len(columns) for r in data):
        raise MalformedFrame("a packet whose 'data' rows do not match its columns")
    kind = props.get("type", "snapshot")
    if kind not in PACKET_TYPES:
        raise MalformedFrame(f"unknown packet type {kind!r}")
    seq = props.get("seqnum")
    seqnum = None
    if seq is not None:
        number = read_number(seq)
        if number is None or not float(number).is_integer():
            raise MalformedFrame(f"seqnum {seq!r} is not a number")
        seqnum = int(number)
    return Packet(kind, columns, data, seqnum, props.get("timestamp"))


def packet_time(value: Any) -> str | None:
    """`properties.timestamp` as ISO 8601 UTC (epoch numbers in any unit); text as sent."""
    if isinstance(value, str):
        number = read_number(value)
        if number is None:
            return utc_of(value, MOSCOW)  # a wall-clock text: Moscow's, like every ISS time
        value = number
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_iso(value)
    return None


def rows_from_reply(body: bytes) -> tuple[list[str] | None, list[Any]]:
    """A REPLY body: a packet (columns, rows), or objects (None, [dict, ...])."""
    text = body.strip(b"\x00\r\n \t")
    try:
        obj = orjson.loads(text) if text else []
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"a REPLY body that is not JSON ({exc.msg})") from None
    if type(obj) is dict and "columns" in obj:
        packet = parse_packet(text)
        return packet.columns, packet.data
    if type(obj) is dict:
        obj = obj.get("data", [])
    if type(obj) is list and all(type(r) is dict for r in obj):
        return None, obj
    raise MalformedFrame("a REPLY body that is neither a packet nor a list of objects")


# ----------------------------------------------------------------------------- tables


class Table:
    """One subscription's rows by primary key: snapshot replaces, updates merge, removal deletes."""

    def __init__(self, keys: tuple[str, ...], limit: int | None = None) -> None:
        self.keys = keys
        self.limit = limit
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.keys:
            try:
                return tuple(_hashable(row[k]) for k in self.keys)
            except KeyError:
                if len(self.rows) == 1:  # a one-row table (securities of one ticker): the row
                    return next(iter(self.rows))
                missing = [k for k in self.keys if k not in row]
                raise MalformedFrame(f"a row without its key column(s) {', '.join(missing)}") from None
        return tuple(sorted((k, _hashable(v)) for k, v in row.items()))

    def replace(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        self.rows = {}
        return self.update(rows)

    def update(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        merged_rows = []
        for row in rows:
            key = self._key(row)
            old = self.rows.get(key)
            merged = {**old, **row} if old is not None else dict(row)
            self.rows[key] = merged
            merged_rows.append(merged)
        if self.limit is not None:
            while len(self.rows) > self.limit:
                del self.rows[next(iter(self.rows))]
        return merged_rows

    def remove(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        gone = []
        for row in rows:
            key = self._key(row)
            gone.append(self.rows.pop(key, None) or dict(row))
        return gone


def _hashable(value: Any) -> Any:
    """A value usable in a key: lists (undecoded `fixed`) become tuples, anything else
    unhashable (an object where a key column should be) is a malformed packet."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        raise MalformedFrame("a key column holding an object")
    return value


# ----------------------------------------------------------------------------- data lines

#: candles columns → the names every feedcli candle record uses (VALUE, the turnover in
#: roubles, is the quote currency's volume)
_CANDLE_NAMES = {
    "FROM": "timestamp",
    "OPEN": "open",
    "HIGH": "high",
    "LOW": "low",
    "CLOSE": "close",
    "VOLUME": "volume",
    "VALUE": "quote_volume",
    "TILL": "till",
}
_CANDLE_COLUMNS = {v: k for k, v in _CANDLE_NAMES.items()}
_TIMES = ("FROM", "TILL")


def _moscow_to_utc(value: Any) -> Any:
    """A Moscow wall-clock time ("2026-01-22T10:00:00") as ISO 8601 UTC, like every candle's timestamp."""
    if not isinstance(value, str) or len(value) < 19 or value.endswith("Z"):
        return value  # not a wall-clock time, or already UTC (an epoch the decoder converted)
    try:
        moment = datetime.fromisoformat(value[:19]).replace(tzinfo=MOSCOW)
    except ValueError:
        return value
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_to_moscow(value: Any) -> Any:
    if not isinstance(value, str) or not value.endswith("Z"):
        return value
    try:
        moment = datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return value
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")


def candle_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """A candles row as every feedcli candle is written: timestamp (the bar's start, UTC), OHLCV, ...

    Columns the metadata has beyond the usual ones follow under their own names.
    """
    out = {
        name: (_moscow_to_utc(row[col]) if col in _TIMES else row[col])
        for col, name in _CANDLE_NAMES.items()
        if col in row
    }
    out.update({k: v for k, v in row.items() if k not in _CANDLE_NAMES})
    return out


def candle_row(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `candle_data` (replay re-encodes a recorded candle)."""
    out = {}
    for key, value in data.items():
        if key == "removed":
            continue
        col = _CANDLE_COLUMNS.get(key, key)
        out[col] = _utc_to_moscow(value) if col in _TIMES else value
    return out


def _side(value: Any) -> str | None:
    text = str(value).strip().upper() if value is not None else ""
    if text.startswith("B"):
        return "bids"
    if text.startswith("S"):
        return "asks"
    return None


def book_data(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """Order-book rows → {"bids": [[price, qty], ...] best (highest) first, "asks": ... lowest first}."""
    book: dict[str, list[list[Any]]] = {"bids": [], "asks": []}
    for row in rows:
        side = _side(row.get("BUYSELL"))
        price = row.get("PRICE")
        if side is None or not isinstance(price, int | float) or isinstance(price, bool):
            continue
        book[side].append([price, row.get("QUANTITY")])
    book["bids"].sort(key=lambda lv: lv[0], reverse=True)
    book["asks"].sort(key=lambda lv: lv[0])
    return book


def book_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inverse of `book_data` (replay re-encodes a recorded book)."""
    rows = []
    for side, code in (("bids", "B"), ("asks", "S")):
        for level in data.get(side) or ():
            if isinstance(level, list | tuple) and len(level) >= 2:
                rows.append({"BUYSELL": code, "PRICE": level[0], "QUANTITY": level[1]})
    return rows
