"""The market vocabulary on the line: `kind` from the channel tables, and `--normalize`'s `data`.

Codecs stamp `kind` (and `seq`) on their own events where they can; `stamp` is the generic
hook for a codec that does not (it reads the provider's channel table once per run, then one
dict lookup per line), so a provider's record alone decides every line's kind. `--normalize`
replaces `data` by the common shape of its kind (CONTRACT.md, "`--normalize`"): each provider's
channel table turns its `data` into `feedcli.market` objects, whose `to_json()` is that shape.
A normalized line also has its `ts` in UTC (a recording made before `ts` was, e.g. HT's
Tehran wall time, is converted with the provider's zone).

Nothing here knows a provider: it iterates the registry of records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from feedcli import market
from feedcli.events import DataEvent, Event
from feedcli.wallclock import ToUtc

if TYPE_CHECKING:
    from feedcli.providers.record import Channel

Emit = Callable[[Event], None]

#: the empty object of each kind: what a normalized line holds when its data cannot be read
EMPTY: dict[str, Any] = {
    "book": market.Book().to_json(),
    "trade": market.Trade(None).to_json(),
    "candle": market.Candle(None).to_json(),
    "quote": market.Quote().to_json(),
    "stats": {},
    "info": {},
}


@functools.cache
def kind_table() -> dict[str, dict[str, str]]:
    """Every provider's channels' kinds: {provider: {channel: kind}}."""
    from feedcli import providers

    return {record.name: record.kinds for record in providers.records()}


@functools.cache
def _channel(provider: str, channel: str) -> Channel | None:
    from feedcli import providers

    record = providers.find(provider)
    return record.channel(channel) if record is not None else None


@functools.cache
def _to_utc(provider: str) -> ToUtc | None:
    """The converter of a provider's offset-less times (None: they are UTC already)."""
    from feedcli import providers

    record = providers.find(provider)
    if record is None or record.ts_zone is None:
        return None
    return ToUtc(record.ts_zone)


def stamped(emit: Emit) -> Emit:
    """`emit` after giving a data event without a `kind` its channel's declared kind."""
    table = kind_table()
    none: dict[str, str] = {}

    def out(event: Event) -> None:
        if type(event) is DataEvent and event.kind is None:
            event.kind = table.get(event.provider, none).get(event.channel)
        emit(event)

    return out


#: the keys of the kinds whose shape is fixed: data with exactly these keys is normalized already
_SHAPES = {kind: frozenset(empty) for kind, empty in EMPTY.items() if empty}


def normalized_data(channel: Channel, data: Any, ts: str | None) -> Any:
    """The common shape of `data`, a line of `channel` (its kind's empty object if unreadable).

    Normalizing normalized data changes nothing (a recording made with `--normalize`, replayed
    or exported with it): a book, trade, candle or quote that already has exactly its kind's
    keys is kept, and the flat fields of stats and info are flat already.
    """
    shape = _SHAPES.get(channel.kind)
    if shape is not None and type(data) is dict and data.keys() == shape:
        return data
    try:
        obj = channel.line_object(data, ts)
    except Exception:  # a payload of an unexpected shape: the normalizers should not raise, but never stop
        obj = None
    if obj is None:
        empty = EMPTY[channel.kind]
        return {k: (list(v) if isinstance(v, list) else v) for k, v in empty.items()}
    return obj.to_json()


def normalize_event(event: DataEvent) -> DataEvent:
    """The event with its `data` in the common shape of its kind, `kind` set, `ts` in UTC.

    A channel no record declares (a search result) is left as it is.
    """
    channel = _channel(event.provider, event.channel)
    if channel is None:
        return event
    ts = event.ts
    if ts and ts[-1] != "Z":
        convert = _to_utc(event.provider)
        if convert is not None:
            ts = convert(ts)
    # the bar time and other readings use the UTC ts: normalizers accept both
    return DataEvent(
        event.provider,
        event.channel,
        event.symbol,
        ts,
        event.recv,
        normalized_data(channel, event.data, ts),
        event.kind or channel.kind,
        event.seq,
    )


def normalizing(emit: Emit) -> Emit:
    """`emit` after normalizing every data event (control events pass unchanged)."""

    def out(event: Event) -> None:
        if type(event) is DataEvent:
            event = normalize_event(event)
        emit(event)

    return out


def normalize_object(obj: dict[str, Any]) -> dict[str, Any] | None:
    """A parsed data line, normalized (a new dict, in the line's key order); None if it is not
    a data line of a declared channel."""
    provider, name = obj.get("provider"), obj.get("channel")
    if not isinstance(provider, str) or not isinstance(name, str):
        return None
    channel = _channel(provider, name)
    if channel is None:
        return None
    ts = obj.get("ts")
    if not isinstance(ts, str):
        ts = None
    elif ts and ts[-1] != "Z":
        convert = _to_utc(provider)
        if convert is not None:
            ts = convert(ts)
    out: dict[str, Any] = {
        "provider": provider,
        "channel": name,
        "symbol": obj.get("symbol"),
        "ts": ts,
        "recv": obj.get("recv"),
        "kind": obj.get("kind") or channel.kind,
    }
    seq = obj.get("seq")
    if seq is not None:
        out["seq"] = seq
    out["data"] = normalized_data(channel, obj.get("data"), ts)
    return out


def normalize_line(line: bytes) -> bytes:
    """One NDJSON line (without `\\n`), normalized; a control line, or one that is not a data
    line of a declared channel, comes back as it was (byte for byte)."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    if type(obj) is not dict or "channel" not in obj:
        return line
    out = normalize_object(obj)
    return line if out is None else orjson.dumps(out)
