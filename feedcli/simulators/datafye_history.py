"""The history a Datafye recording holds, for `replay --serve` to answer history requests with.

A recording made with `feedcli record datafye --from T --to T` is the answer to a history
request, not a live stream: served again, it must answer the same request the same way (the
documented `{"action":"start","dataset","symbol","frequency","from","to"}` on `stocks/history`,
then the bars, then `stream_end`), not be played as live. This index holds such recordings'
bars by symbol and frequency, and the ranges they cover; it answers a request with the bars
starting in `[bar_start(from), to)` (the simulator's rule), or refuses one it cannot answer
with the error a client can act on. Pure: the server (`datafye_replay.py`) does the sending.

A recorded history counts as served once a reply has covered its whole range: that is when a
history recording has been "played", and `replay --serve` may end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from feedcli.events import DataEvent, epoch_iso
from feedcli.providers.datafye import recorded_option
from feedcli.simulators.datafye import (
    BAD_REQUEST,
    DEFAULT_FREQUENCY,
    INVALID_FREQUENCY,
    INVALID_RANGE,
    UNKNOWN_SYMBOL,
    Refused,
    _dataset,
    _frequency,
)
from feedcli.simulators.datafye_market import FREQUENCY_MS, bar_start, parse_time

#: the channel history bars are recorded on
CHANNEL = "aggregates"


class Span(NamedTuple):
    """One recorded history: a symbol's bars at a frequency over [start, end) (epoch ms)."""

    symbol: str
    frequency: str
    start: int
    end: int

    def describe(self) -> str:
        return f"{self.symbol} {self.frequency} bars from {iso(self.start)} to {iso(self.end)}"


class Answer(NamedTuple):
    """A request's answer: its bars in order, and the recorded spans it covers in full."""

    bars: list[dict[str, Any]]
    covers: list[Span]


def iso(ms: int) -> str:
    """Epoch ms as ISO 8601 UTC, as `from`/`to` may be written."""
    return epoch_iso(ms)


def _bar_ms(event: DataEvent) -> int | None:
    """A recorded bar's start, epoch ms: its `ts` (the codec's reading of its `datetime`)."""
    return parse_time(event.ts) if isinstance(event.ts, str) else None


class RecordedHistory:
    """The bars of a recording's history requests, by (symbol, frequency), and their spans."""

    def __init__(self) -> None:
        self._bars: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        self._spans: list[Span] = []
        self._served: set[Span] = set()

    def add(self, subscription: Mapping[str, Any], events: Iterable[DataEvent]) -> None:
        """Index one history recording: the `subscription` of its `recording` line, its data."""
        frequency = recorded_option(subscription, "frequency") or DEFAULT_FREQUENCY
        start = parse_time(recorded_option(subscription, "from_"))
        end = parse_time(recorded_option(subscription, "to"))
        if start is None or end is None or frequency not in FREQUENCY_MS:
            raise ValueError(f"not a history recording's subscription: {dict(subscription)}")
        symbols: dict[str, None] = {}
        for event in events:
            when = _bar_ms(event)
            if event.channel != CHANNEL or when is None:
                continue
            # a bar recorded twice (two parts of one recording) is the same bar: one copy
            self._bars.setdefault((event.symbol, frequency), {})[when] = event.data
            symbols[event.symbol] = None
        for symbol in symbols:
            span = Span(symbol, frequency, start, end)
            if span not in self._spans:
                self._spans.append(span)

    @property
    def spans(self) -> list[Span]:
        """Every recorded history, in the order recorded."""
        return list(self._spans)

    @property
    def done(self) -> bool:
        """Whether every recorded history has been served in full at least once."""
        return self._served >= set(self._spans)

    def answer(self, msg: Mapping[str, Any]) -> Answer:
        """The answer to a `start` message; Refused with the error code a client can act on."""
        _dataset(dict(msg))  # a dataset the server knows; the recording does not say which it was
        symbol = msg.get("symbol")
        if not isinstance(symbol, str) or not symbol:
            raise Refused(BAD_REQUEST, "symbol is required (one symbol per history stream)")
        frequency = _frequency(dict(msg))
        start, end = parse_time(msg.get("from")), parse_time(msg.get("to"))
        if start is None or end is None:
            raise Refused(INVALID_RANGE, "from and to must be ISO 8601 times, e.g. 2025-01-02T09:30:00")
        if start >= end:
            raise Refused(INVALID_RANGE, f"from ({msg['from']}) must be before to ({msg['to']})")
        mine = [s for s in self._spans if s.symbol == symbol]
        if not mine:
            raise Refused(UNKNOWN_SYMBOL, f"the recording has no history of {symbol}")
        at = [s for s in mine if s.frequency == frequency]
        if not at:
            held = ", ".join(dict.fromkeys(s.frequency for s in mine))
            raise Refused(INVALID_FREQUENCY, f"the recording holds {symbol} history at {held}, not {frequency}")
        if not any(s.start <= start and end <= s.end for s in at):
            held = "; ".join(s.describe() for s in at)
            raise Refused(INVALID_RANGE, f"outside the recording: it holds {held}")
        first = bar_start(start, frequency)
        bars = self._bars.get((symbol, frequency), {})
        chosen = [bars[t] for t in sorted(t for t in bars if first <= t < end)]
        return Answer(chosen, [s for s in at if start <= s.start and s.end <= end])

    def served(self, spans: Iterable[Span]) -> None:
        """Note that a reply covering these spans has been sent in full."""
        self._served.update(spans)
