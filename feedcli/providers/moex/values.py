"""MOEX ISS+ value coders: every column typed from the metadata (`fixed` values `[value,
decimals]` become numbers; enums, dates, times and datetimes are decoded), and back for the
server's side."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from feedcli.events import epoch_iso
from feedcli.providers.moex.schema import Column, Resource, Schema

# ----------------------------------------------------------------------------- values


def read_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return None
    return None


def decode_fixed(value: Any) -> Any:
    """`[value, decimals]` → the number (an int when it has no decimals and is whole)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        number, decimals = read_number(value[0]), read_number(value[1])
        if number is None or decimals is None:
            return value[0] if value[0] is None else value
        if decimals == 0 and float(number).is_integer():
            return int(number)
        return float(number)
    number = read_number(value)
    return value if number is None else number


def encode_fixed(value: Any, decimals: int | None = None) -> Any:
    """A number → `[value, decimals]` (the decimals counted from the number when not given)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if decimals is None:
        if isinstance(value, int) or float(value).is_integer():
            decimals = 0
        else:
            text = repr(float(value))
            decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text else 6
    if decimals == 0:
        return [int(value), 0]
    return [round(float(value), decimals), decimals]


def _integer(value: Any) -> Any:
    number = read_number(value)
    if number is None:
        return value
    return int(number) if float(number).is_integer() else number


def _float(value: Any) -> Any:
    number = read_number(value)
    return value if number is None else float(number)


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
        return value.lower() in ("true", "1")
    return value


def _date(value: Any) -> Any:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None:
        return value
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _time(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 240000:
        value = f"{value:06d}"
    if isinstance(value, str) and len(value) == 6 and value.isdigit():
        return f"{value[:2]}:{value[2:4]}:{value[4:]}"
    return value


def _datetime(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) >= 19 and value[10] == " ":
            return value[:10] + "T" + value[11:]
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_iso(value)
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "fixed": decode_fixed,
    "integer": _integer,
    "float": _float,
    "bool": _bool,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
}


def _identity(value: Any) -> Any:
    return value


def value_decoder(column: Column | None, schema: Schema | None, market: str) -> Callable[[Any], Any]:
    """How one column's values are read: by its type in the metadata; as sent when unknown."""
    if column is None:
        return _identity
    if column.type == "enum" and schema is not None and column.enum is not None:
        texts = schema.enums.get((market, column.enum))
        if texts:
            return lambda v: v if v is None else texts.get(str(v), v)
        return _identity
    decode = _DECODERS.get(column.type, _identity)
    return lambda v: None if v is None else decode(v)


def value_encoder(column: Column | None, schema: Schema | None, market: str) -> Callable[[Any], Any]:
    """The inverse of `value_decoder`: a typed value back to what the wire carries."""
    if column is None:
        return _identity
    if column.type == "fixed":
        return encode_fixed
    if column.type == "enum" and schema is not None and column.enum is not None:
        ids = schema.enum_ids.get((market, column.enum)) or {}
        return lambda v: v if v is None else ids.get(v, v)
    if column.type == "datetime":
        return lambda v: v[:10] + " " + v[11:] if isinstance(v, str) and len(v) >= 19 and v[10] == "T" else v
    return _identity


class RowDecoder:
    """Rows of one resource → typed dicts; the per-column decoders are built once per column list."""

    def __init__(self, resource: Resource | None, schema: Schema | None, market: str) -> None:
        self._columns = {c.name: c for c in resource.output} if resource is not None else {}
        self._schema = schema
        self._market = market
        self._cache: dict[tuple[str, ...], list[Callable[[Any], Any]]] = {}

    def __call__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        key = tuple(columns)
        decoders = self._cache.get(key)
        if decoders is None:
            decoders = [value_decoder(self._columns.get(c), self._schema, self._market) for c in key]
            self._cache[key] = decoders
        return [{c: d(v) for c, d, v in zip(key, decoders, row, strict=True)} for row in rows]
