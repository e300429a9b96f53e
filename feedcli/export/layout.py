"""The columns of an exported table, by kind: what a first pass learns, and each line's row.

Every table starts with the line's own fields: `provider`, `channel`, `symbol`, `ts`, `recv`
(times) and `seq`. Then, by kind, the normalized `data` (CONTRACT.md, "`--normalize`"):

- `book`: one row per line; level i of each side in `bid_price_i`, `bid_size_i`, `ask_price_i`,
  `ask_size_i` (1 is the best), and `bid_orders_i`, `ask_orders_i` where a provider counts
  orders; as many levels as the deepest book of the lines exported, empty past a book's depth;
- `trade`: `price`, `size`, `side`, `id` (text: ids are numbers for some providers, text for others);
- `candle`: `timestamp` (a time), `open`, `high`, `low`, `close`, `volume`, `closed`;
- `quote`: `bid`, `bid_size`, `ask`, `ask_size`;
- `stats`, `info`: every field any of the lines has, in the order first seen, typed by what
  its values are (true/false, whole numbers, numbers, else text; a list or an object as JSON);
  a field named like one of the line's own columns is `data.NAME`.

The schema must be known before the first row is written (Parquet's is in its header, CSV's
in its first line), hence the first pass (`scan`) over every line; the second (`row`) fills it.
"""

from __future__ import annotations

from typing import Any

import orjson

#: a column's type: text, a number, a whole number, true/false, a time (ISO 8601 UTC in the line)
ColumnType = str  # "str" | "float" | "int" | "bool" | "time"

LINE_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("provider", "str"),
    ("channel", "str"),
    ("symbol", "str"),
    ("ts", "time"),
    ("recv", "time"),
    ("seq", "int"),
)
_LINE_NAMES = frozenset(name for name, _ in LINE_COLUMNS)

FIXED: dict[str, tuple[tuple[str, ColumnType], ...]] = {
    "trade": (("price", "float"), ("size", "float"), ("side", "str"), ("id", "str")),
    "candle": (
        ("timestamp", "time"),
        ("open", "float"),
        ("high", "float"),
        ("low", "float"),
        ("close", "float"),
        ("volume", "float"),
        ("closed", "bool"),
    ),
    "quote": (("bid", "float"), ("bid_size", "float"), ("ask", "float"), ("ask_size", "float")),
}


#: what a number column takes as it is (a whole number is a number; Parquet stores it as a float)
_NUMBERS = frozenset((int, float))


def _number(value: Any) -> float | None:
    if type(value) in (int, float):
        return float(value)
    if type(value) is str:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if type(value) is str else orjson.dumps(value).decode()


class Layout:
    """The columns of one kind's table, learnt from the lines (`scan`), and the rows (`row`)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        #: book: the deepest side seen, and whether any level had an order count
        self.depth = 0
        self.orders = False
        #: stats, info: field → the Python types of its values, in the order first seen
        self._fields: dict[str, set[type]] = {}

    # ------------------------------------------------------------------ the first pass

    def scan(self, data: Any) -> None:
        """Learn what the columns must hold from one line's normalized `data`."""
        if self.kind == "book":
            if type(data) is not dict:
                return
            for side in ("bids", "asks"):
                levels = data.get(side)
                if type(levels) is list:
                    self.depth = max(self.depth, len(levels))
                    if not self.orders:
                        self.orders = any(type(lv) is list and len(lv) > 2 for lv in levels)
        elif self.kind in ("stats", "info") and type(data) is dict:
            fields = self._fields
            for key, value in data.items():
                types = fields.get(key)
                if types is None:
                    types = fields[key] = set()
                if value is not None:
                    types.add(type(value))

    # ------------------------------------------------------------------ the schema

    def columns(self) -> list[tuple[str, ColumnType]]:
        """(name, type) of every column, the line's own first."""
        out = list(LINE_COLUMNS)
        if self.kind == "book":
            for i in range(1, self.depth + 1):
                for side in ("bid", "ask"):
                    out += [(f"{side}_price_{i}", "float"), (f"{side}_size_{i}", "float")]
                    if self.orders:
                        out.append((f"{side}_orders_{i}", "int"))
        elif self.kind in FIXED:
            out += FIXED[self.kind]
        else:
            out += [(self._name(key), _type_of(types)) for key, types in self._fields.items()]
        return out

    @staticmethod
    def _name(key: str) -> str:
        return f"data.{key}" if key in _LINE_NAMES else key

    # ------------------------------------------------------------------ the second pass

    def row(self, line: dict[str, Any]) -> list[Any]:
        """One normalized line's values, column by column (the order of `columns`)."""
        seq = line.get("seq")
        out = [
            line.get("provider"),
            line.get("channel"),
            line.get("symbol"),
            line.get("ts"),
            line.get("recv"),
            seq if type(seq) is int else None,
        ]
        data = line.get("data")
        if type(data) is not dict:
            data = {}
        kind = self.kind
        if kind == "book":
            out += self._book(data)
        elif kind == "trade":
            side, ident = data.get("side"), data.get("id")
            out += (
                _number(data.get("price")),
                _number(data.get("size")),
                side if type(side) is str else None,
                None if ident is None else str(ident),
            )
        elif kind == "candle":
            stamp, closed = data.get("timestamp"), data.get("closed")
            out.append(stamp if type(stamp) is str else None)
            out += [_number(data.get(name)) for name in ("open", "high", "low", "close", "volume")]
            out.append(closed if type(closed) is bool else None)
        elif kind == "quote":
            out += [_number(data.get(name)) for name in ("bid", "bid_size", "ask", "ask_size")]
        else:
            out += [_cell(data.get(key), _type_of(types)) for key, types in self._fields.items()]
        return out

    def _book(self, data: dict[str, Any]) -> list[Any]:
        """The level cells, levels as the normalized line has them (numbers, as the vocabulary
        makes them; a cell that is not one is the table writer's to read or null)."""
        bids, asks = data.get("bids"), data.get("asks")
        bids = bids if type(bids) is list else []
        asks = asks if type(asks) is list else []
        width = 3 if self.orders else 2
        empty = [None] * width
        out: list[Any] = []
        extend = out.extend
        for i in range(self.depth):
            for levels in (bids, asks):
                level = levels[i] if i < len(levels) else None
                n = len(level) if type(level) is list else 0
                if n == width:
                    extend(level)
                elif n > width:
                    extend(level[:width])
                elif n >= 2:
                    extend(level)
                    out.append(None)  # a level without its order count, in a table that has them
                else:
                    extend(empty)
        return out


def _type_of(types: set[type]) -> ColumnType:
    """The column type of a field whose values were of these types."""
    if not types:
        return "str"
    if types == {bool}:
        return "bool"
    if types == {int}:
        return "int"
    if types <= {int, float}:
        return "float"
    return "str"


def _cell(value: Any, kind: ColumnType) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "str":
        return _text(value)
    return value
