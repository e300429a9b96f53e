"""The one line format: data events, control events, and their NDJSON encoding.

`stream`, `record` and `replay` all speak these lines (CONTRACT.md, "The NDJSON line").
Encoding is on the hot path of every message, so it is kept to one orjson call and a
receive-time formatter that caches the per-second prefix.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson


@dataclass(slots=True)
class DataEvent:
    """One market-data message, as the NDJSON data line describes it."""

    provider: str
    channel: str
    symbol: str
    ts: str | None
    recv: str
    data: Any
    #: what the line is, in the one vocabulary (book, trade, candle, quote, stats, info);
    #: None leaves the field out of the line
    kind: str | None = None
    #: the provider's own sequence number of this message; None (most providers) leaves it out
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "provider": self.provider,
            "channel": self.channel,
            "symbol": self.symbol,
            "ts": self.ts,
            "recv": self.recv,
        }
        if self.kind is not None:
            out["kind"] = self.kind
        if self.seq is not None:
            out["seq"] = self.seq
        out["data"] = self.data
        return out


@dataclass(slots=True)
class ControlEvent:
    """A line about the stream rather than the market: connected, disconnected, gap, ...

    It carries `event` instead of `channel`, so `jq 'select(.channel)'` keeps data alone.
    """

    provider: str
    event: str
    recv: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"provider": self.provider, "event": self.event, "recv": self.recv}
        out.update(self.fields)
        return out


Event = DataEvent | ControlEvent


def encode_line(event: Event) -> bytes:
    """One NDJSON line, newline included."""
    return orjson.dumps(event.to_dict(), option=orjson.OPT_APPEND_NEWLINE)


def decode_line(line: bytes | str) -> Event:
    """Parse one NDJSON line back into an event (the inverse of `encode_line`)."""
    obj = orjson.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("an NDJSON line must be a JSON object")
    if "channel" in obj:
        return DataEvent(
            provider=obj["provider"],
            channel=obj["channel"],
            symbol=obj["symbol"],
            ts=obj.get("ts"),
            recv=obj["recv"],
            data=obj.get("data"),
            kind=obj.get("kind"),
            seq=obj.get("seq"),
        )
    if "event" in obj:
        rest = {k: v for k, v in obj.items() if k not in ("provider", "event", "recv")}
        return ControlEvent(provider=obj["provider"], event=obj["event"], recv=obj["recv"], fields=rest)
    raise ValueError("a line needs either 'channel' or 'event'")


class RecvClock:
    """Formats receive times as ISO 8601 UTC with microseconds and `Z`.

    Formatting a datetime costs more than the rest of the line; messages come many per
    second, so the `YYYY-MM-DDTHH:MM:SS.` prefix is computed once per second.
    """

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def now(self) -> str:
        return self.format(time.time())

    def format(self, t: float) -> str:
        sec = int(t)
        if sec != self._second:
            self._second = sec
            self._prefix = datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        return f"{self._prefix}{int((t - sec) * 1_000_000):06d}Z"


#: "YYYY-MM-DDTHH:MM:SS." by epoch second, for epoch_iso: a few entries, since one message
#: can carry times of different seconds (a kline: its event time and its bar's start), which
#: would make a cache of the last second alone miss on every call
_prefixes: dict[int, str] = {}


def _second_prefix(sec: int) -> str:
    if len(_prefixes) >= 64:
        _prefixes.clear()
    prefix = _prefixes[sec] = datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
    return prefix


def epoch_iso(value: float) -> str | None:
    """An epoch timestamp in s, ms, µs or ns (told apart by size) as ISO 8601 UTC with `Z`.

    On the hot path of every provider that sends epoch times (a kline carries two), so the
    `YYYY-MM-DDTHH:MM:SS.` prefix of each second is made once (strftime costs about 2 µs).
    Integers are split exactly (no float on the way); a float is rounded to the microsecond
    half to even, as `datetime.fromtimestamp` rounds it, so both give the same text.
    """
    try:
        if type(value) is int:
            magnitude = -value if value < 0 else value
            if magnitude >= 10**17:
                sec, us = divmod(value // 1000, 1_000_000)
            elif magnitude >= 10**14:
                sec, us = divmod(value, 1_000_000)
            elif magnitude >= 10**11:
                sec, ms = divmod(value, 1000)
                us = ms * 1000
            else:
                sec, us = value, 0
        else:
            magnitude = abs(value)
            if magnitude >= 1e17:
                seconds = value / 1e9
            elif magnitude >= 1e14:
                seconds = value / 1e6
            elif magnitude >= 1e11:
                seconds = value / 1e3
            else:
                seconds = float(value)
            frac, whole = math.modf(seconds)
            us = round(frac * 1e6)
            sec = int(whole)
            if us >= 1_000_000:
                sec, us = sec + 1, us - 1_000_000
            elif us < 0:
                sec, us = sec - 1, us + 1_000_000
        return f"{_prefixes.get(sec) or _second_prefix(sec)}{us:06d}Z"
    except (OverflowError, OSError, ValueError):
        return None


#: below this many ms (2106-02-07), `ms / 1000` is a float within 0.24 µs of the exact time, so
#: `epoch_iso` rounds it back to the exact ms: `epoch_ms_iso` may split the integer instead. In
#: 0 <= ms < EXACT_MS, `epoch_ms_iso(ms)` is its second's prefix + `MS_TAILS[ms % 1000]`
EXACT_MS = 2**32 * 1000


#: "000000Z" ... "999000Z": a list index costs less than formatting the milliseconds
MS_TAILS = [f"{ms:03d}000Z" for ms in range(1000)]


# (the underscored defaults are lookups bound once, not parameters: this runs twice a kline)
def epoch_ms_iso(ms: int, _tails: list[str] = MS_TAILS, _cached: Any = _prefixes.get) -> str | None:
    """`epoch_iso(ms / 1000)`, the same text, for a time in integer milliseconds (exchange times,
    a bar's start): split exactly, with no float and no magnitude guessing on the way, about a
    third of the cost. Outside 1970..2106, or for what is not an int, it is `epoch_iso(ms / 1000)`
    itself (which reads a huge value as ms or µs again).
    """
    if type(ms) is int and 0 <= ms < EXACT_MS:
        sec, rest = divmod(ms, 1000)
        return (_cached(sec) or _second_prefix(sec)) + _tails[rest]
    return epoch_iso(ms / 1000)


def parse_recv(recv: str) -> float:
    """The epoch seconds of a `recv` field (used by replay and by latency figures)."""
    return datetime.strptime(recv, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
