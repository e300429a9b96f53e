"""The live view's frame: a pure function of a `ViewState` and a terminal size.

Nothing here knows about sockets, providers' payloads or time passing: given the same
state and size, the same frame comes out, which is what makes frames testable as text.

Layout is decided here, against the size given, rather than left to Rich, because a
live view that wraps or scrolls is unreadable: every part is measured first (column
widths from the actual cells, panel heights from the actual rows) and what does not fit
is dropped by priority, so the frame is never wider or taller than the terminal. The
target is 80×24 with a dozen symbols; wider terminals get more columns, taller ones
more rows and a taller detail panel.

The parts are modules of their own, each a renderable that knows only its numbers:
`quotes` (the quote list), `ladder`, `chart` (candles), `focus` (the detail panel),
`status` (the status bar), on the styles and number formats of `formats`. This module
lays them out on the screen.
"""

from __future__ import annotations

import dataclasses
from datetime import timezone, tzinfo

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from feedcli.views.chart import candles_chart
from feedcli.views.focus import flow_table, focus_height, focus_panel
from feedcli.views.formats import MUTED, fmt_compact, fmt_latency, fmt_pct, fmt_price, fmt_qty
from feedcli.views.models import Status, ViewState
from feedcli.views.quotes import quote_table, record_table
from feedcli.views.status import status_bar

#: the frame, and the renderables and formats callers knew by this module's name
__all__ = [
    "candles_chart",
    "flow_table",
    "fmt_compact",
    "fmt_latency",
    "fmt_pct",
    "fmt_price",
    "fmt_qty",
    "screen",
    "waiting",
]

UTC: tzinfo = timezone.utc

# --------------------------------------------------------------------------- the screen


def _blank(lines: int) -> Text:
    """`lines` empty lines (a Text of n-1 newlines renders as n lines)."""
    return Text("\n" * (lines - 1))


def waiting(
    status: Status, width: int, height: int, title: str | None = None, note: str | None = None, zone: tzinfo = UTC
) -> RenderableType:
    """Before the first data (or when a filter hides every symbol): a centred note, and the
    status bar already in place."""
    providers = ", ".join(c.provider for c in status.connections) or "the provider"
    room = height - 1
    msg = Text(note or f"waiting for data from {providers}…", style=MUTED, justify="center", no_wrap=True)
    parts: list[RenderableType] = []
    above = (room - 1) // 2
    if above > 0:
        parts.append(_blank(above))
    if room > 0:
        parts.append(msg)
    below = room - above - 1
    if below > 0:
        parts.append(_blank(below))
    parts.append(status_bar(status, width, title, zone))
    return Group(*parts)


#: what `?` shows: the keys of the live view
KEYS = (
    ("↑ ↓  k j", "move the focus (the symbol shown in detail)"),
    ("PgUp PgDn  Home End", "move the focus by a page, to the first or last"),
    ("/", "filter the symbols: type, Enter keeps it, Esc drops it"),
    ("Esc", "drop the filter"),
    ("q", "quit (exit 0)"),
    ("?", "show or hide these keys"),
)


def keys_panel(width: int, lines: int) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(style=MUTED)
    for key, what in KEYS[: max(lines, 1)]:
        grid.add_row(key, what)
    return Panel(grid, title="keys", title_align="left", border_style=MUTED, height=lines + 2, width=width)


def _prompt_line(state: ViewState, width: int) -> Text | None:
    """The line above the status bar while a filter is typed or in force."""
    if state.prompt is not None:
        line = Text.assemble(("/", "bold"), state.prompt, ("█", MUTED), ("  Enter keeps it, Esc drops it", MUTED))
    elif state.query:
        hidden = f", {state.filtered_out} hidden" if state.filtered_out else ""
        line = Text.assemble(("filter ", MUTED), (state.query, "bold"), (f"{hidden}  (Esc drops it)", MUTED))
    else:
        return None
    line.no_wrap = True
    line.truncate(width, overflow="ellipsis")
    return line


#: a focus panel is shown only if the symbol table keeps at least this many rows
MIN_TABLE_ROWS = 4


def screen(state: ViewState, width: int, height: int) -> RenderableType:
    """The whole frame: symbol table, focus panel, generic records, status bar; ≤ width×height.

    The status bar always has the last line, so it stays put while rows come and go.
    The rest goes to the quote rows and the generic-record rows, then to the focus
    panel; when not everything fits, the panel shrinks to its ladder, then the rows are
    cut (the header counts the hidden ones), and the panel is dropped only if fewer
    than MIN_TABLE_ROWS rows would be left.
    """
    width = max(width, 20)
    height = max(height, 2)
    status = status_bar(state.status, width, state.title, state.zone)
    prompt = _prompt_line(state, width)
    if prompt is not None and height > 2:
        query = state.prompt if state.prompt is not None else state.query
        if not state.symbols:
            note = f"no symbol matches {query!r}" if query else None
            inner = waiting(state.status, width, height - 1, state.title, note, state.zone)
        else:
            inner = screen(dataclasses.replace(state, prompt=None, query=None), width, height - 1)
        return _before_status(inner, prompt)
    if not state.symbols:
        return waiting(state.status, width, height, state.title, zone=state.zone)

    market = [s for s in state.symbols if s.is_market]
    generic = [s for s in state.symbols if not s.is_market]
    focus = next((s for s in state.symbols if s.key == state.focus), None)
    if focus is None and market:
        focus = market[0]
    elif focus is None:
        focus = generic[0]

    room = height - 1  # the status bar
    table_need = 2 + len(market) if market else 0
    generic_need = 2 + len(generic) if generic else 0

    panel_lines = 0
    least, wanted = (len(KEYS), len(KEYS)) if state.show_keys else focus_height(focus, width)
    spare = room - table_need - generic_need - 2
    if spare >= least:
        panel_lines = min(wanted, spare)
    elif room - 2 - least - 2 >= min(len(market) or len(generic), MIN_TABLE_ROWS):
        panel_lines = least
    panel_total = panel_lines + 2 if panel_lines else 0

    rest = room - panel_total
    shown_market = market
    shown_generic = generic
    if market:
        rows = max(min(len(market), rest - 2), 0)
        shown_market = market[:rows]
        rest -= 2 + rows if rows else 0
    if generic:
        rows = max(min(len(generic), rest - 2), 0)
        shown_generic = generic[:rows]
        rest -= 2 + rows if rows else 0

    parts: list[RenderableType] = []
    if shown_market:
        parts.append(quote_table(shown_market, width, focus.key, hidden=len(market) - len(shown_market)))
    if shown_generic:
        parts.append(record_table(shown_generic, width))
    if panel_lines and state.show_keys:
        parts.append(keys_panel(width, panel_lines))
    elif panel_lines:
        parts.append(focus_panel(focus, width, panel_lines, state.zone))
    if rest > 0:
        parts.append(_blank(rest))
    parts.append(status)
    return Group(*parts)


def _before_status(frame: RenderableType, line: Text) -> RenderableType:
    """`frame` (a Group ending in its status bar) with `line` inserted just above the bar."""
    if isinstance(frame, Group):
        parts = list(frame.renderables)
        return Group(*parts[:-1], line, parts[-1])
    return Group(frame, line)
