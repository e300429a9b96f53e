"""The status bar: one line of connection state, rates, counts, latency and the clock, items
shortened and then dropped by priority to fit the width."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone, tzinfo

from rich.text import Text

from feedcli.views.formats import (
    DOWN,
    MUTED,
    STATE_DEFAULT_STYLE,
    STATE_STYLES,
    fmt_clock,
    fmt_compact,
    fmt_latency,
    fmt_rate,
)
from feedcli.views.models import Status

# --------------------------------------------------------------------------- status bar


def _figure(value: str, label: str, value_style: str = "bold") -> Text:
    return Text.assemble((value, value_style), (f" {label}", MUTED))


@dataclass(slots=True)
class _Item:
    """One status-bar item: `priority` 0 never drops; `shorten` orders the use of `short`."""

    priority: int
    long: Text
    short: Text | None = None
    shorten: int = 0
    right: bool = False


def status_bar(status: Status, width: int, title: str | None = None, zone: tzinfo = timezone.utc) -> Text:
    """One line: connection, rates, counts, latency, clock.

    When the long forms do not fit, items switch to short forms (the counters first, then
    the total, then the latency), and then the lowest-priority items drop: the clock, the
    latency, the counters; the connection state and the message rate always stay.
    """
    items: list[_Item] = []
    if title:
        items.append(_Item(5, Text(title, style=f"bold {MUTED}")))
    by_state: dict[tuple[str, str | None], list[str]] = {}
    for conn in status.connections:  # providers in the same state share one item
        by_state.setdefault((conn.state, conn.reason), []).append(conn.provider)
    for (state, reason), providers in by_state.items():
        style = STATE_STYLES.get(state, STATE_DEFAULT_STYLE)
        items.append(_Item(0, Text.assemble(("● ", style), (" ".join(providers), "bold"), " ", (state, style))))
        if reason:
            items.append(_Item(6, Text(reason, style=MUTED)))
    items.append(_Item(0, _figure(fmt_rate(status.rate), "msg/s")))
    total = f"{status.total:,}"
    short_total = fmt_compact(status.total) if status.total >= 1_000_000 else total
    items.append(_Item(1, _figure(total, "msgs"), _figure(short_total, "msgs"), shorten=2))
    n = status.reconnects
    reconnects = _figure(f"{n:,}", "reconnect" if n == 1 else "reconnects")
    items.append(_Item(2, reconnects, _figure(f"{n:,}", "reconn"), shorten=1))
    m, bad_style = f"{status.malformed:,}", f"bold {DOWN}" if status.malformed else "bold"
    items.append(_Item(2, _figure(m, "malformed", bad_style), _figure(m, "bad", bad_style), shorten=1))
    g = status.gaps
    gap_style = f"bold {DOWN}" if g else "bold"
    gaps = _figure(f"{g:,}", "gap" if g == 1 else "gaps", gap_style)
    items.append(_Item(2 if g else 5, gaps, _figure(f"{g:,}", "gap" if g == 1 else "gaps", gap_style), shorten=1))
    if status.p50 is not None and status.p99 is not None:
        p50, p99 = fmt_latency(status.p50), fmt_latency(status.p99)
        latency = Text.assemble(("p50 ", MUTED), (p50, "bold"), (" p99 ", MUTED), (p99, "bold"))
        short = Text.assemble(("p50/99 ", MUTED), (f"{p50.removesuffix('ms')}/{p99}", "bold"))
        items.append(_Item(3, latency, short, shorten=3))
    if status.now:
        clock = Text(fmt_clock(status.now, zone), style=MUTED)
        items.append(_Item(4, clock, right=True))

    sep = "  "
    shown = [(item, item.long) for item in items]

    def length() -> int:
        return sum(text.cell_len for _, text in shown) + len(sep) * max(len(shown) - 1, 0)

    for rank in sorted({item.shorten for item in items if item.short is not None}):
        if length() <= width:
            break
        shown = [(it, it.short if it.shorten == rank and it.short is not None else t) for it, t in shown]
    while length() > width:
        droppable = [n for n, (it, _) in enumerate(shown) if it.priority > 0]
        if not droppable:
            break
        del shown[max(droppable, key=lambda n: (shown[n][0].priority, n))]
    line = Text(no_wrap=True, overflow="ellipsis")
    for n, (item, text) in enumerate(shown):
        if item.right:
            line.append(" " * max(width - line.cell_len - text.cell_len, len(sep)))
        elif n:
            line.append(sep)
        line.append_text(text)
    line.truncate(width, overflow="ellipsis")
    return line
