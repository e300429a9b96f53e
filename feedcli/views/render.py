"""Rich renderables for the live view: pure functions of a `ViewState` and a terminal size.

Nothing here knows about sockets, providers' payloads or time passing: given the same
state and size, the same frame comes out, which is what makes frames testable as text.

Layout is decided here, against the size given, rather than left to Rich, because a
live view that wraps or scrolls is unreadable: every part is measured first (column
widths from the actual cells, panel heights from the actual rows) and what does not fit
is dropped by priority, so the frame is never wider or taller than the terminal. The
target is 80×24 with a dozen symbols; wider terminals get more columns, taller ones
more rows and a taller detail panel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from feedcli.views.models import Book, Status, SymbolView, ViewState

# --------------------------------------------------------------------------- styles

UP = "green"
DOWN = "red"
BID = "green"
ASK = "red"
MUTED = "dim"
HEADER = "bold"
FOCUS = "bold cyan"
STATE_STYLES = {"connected": "green", "disconnected": "red", "gave up": "red"}
STATE_DEFAULT_STYLE = "yellow"
DASH = "—"


def direction_style(direction: int) -> str:
    """Green up, red down, plain unchanged: always against the previous close."""
    return UP if direction > 0 else DOWN if direction < 0 else ""


# --------------------------------------------------------------------------- numbers


def fmt_price(value: float | None) -> str:
    """Thousands separators; decimals only when the price has them."""
    if value is None:
        return DASH
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) < 1:
        return f"{value:,.4f}"
    return f"{value:,.2f}"


def fmt_compact(value: float | None) -> str:
    """Three significant digits and a suffix (12.3M): for columns too narrow for the full number."""
    if value is None:
        return DASH
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= limit:
            scaled = value / limit
            digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
            return f"{scaled:.{digits}f}{suffix}"
    return fmt_qty(value)


def fmt_qty(value: float | None, compact: bool = False) -> str:
    """A quantity or volume: full with separators, or compact above 99,999 when asked."""
    if value is None:
        return DASH
    if compact and abs(value) >= 100_000:
        return fmt_compact(value)
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def fmt_pct(value: float | None) -> str:
    if value is None:
        return DASH
    if round(value, 2) == 0:
        return "0.00%"
    return f"{value:+.2f}%"


def fmt_change(value: float | None) -> str:
    if value is None:
        return DASH
    return "0" if value == 0 else ("+" if value > 0 else "-") + fmt_price(abs(value))


def fmt_latency(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    ms = seconds * 1000.0
    if abs(ms) < 10:
        return f"{ms:.1f}ms"
    if abs(ms) < 1000:
        return f"{ms:.0f}ms"
    return f"{seconds:.1f}s"


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 10 or rate == 0 else f"{rate:.1f}"


def ts_clock(ts: str | None) -> str | None:
    """The HH:MM:SS of a provider timestamp, as the provider wrote it (its own local time)."""
    if not ts or len(ts) < 19 or ts[10] not in "T ":
        return None
    return ts[11:19]


# --------------------------------------------------------------------------- quote table


@dataclass(slots=True)
class _Column:
    header: str
    priority: int
    cell: Callable[[SymbolView, bool], Text]
    justify: str = "right"
    min_width: int = 0
    #: columns that only make sense together (bid and ask quantity) are dropped together
    group: str | None = None


def _num(text: str, style: str = "") -> Text:
    return Text(text, style=MUTED if text == DASH else style)


def _symbol_cell(sym: SymbolView, focused: bool) -> Text:
    return Text.assemble(("▸ " if focused else "  ", FOCUS), (sym.label, FOCUS if focused else "bold"))


def _best(attr: str, qty: bool) -> Callable[[SymbolView, bool], Text]:
    """A cell of the best level: price in full, quantity compact when asked, dimmed."""

    def cell(sym: SymbolView, compact: bool) -> Text:
        top = sym.top
        value = getattr(top, attr) if top is not None else None
        return _num(fmt_qty(value, compact), MUTED) if qty else _num(fmt_price(value))

    return cell


def _stat(attr: str, fmt: Callable[[float | None], str]) -> Callable[[SymbolView, bool], Text]:
    return lambda sym, compact: _num(fmt(getattr(sym.stats, attr) if sym.stats is not None else None))


def _quote_columns() -> list[_Column]:
    """The quote row's columns in screen order; priority 0 always shows, higher drops first."""
    return [
        _Column("Symbol", 0, lambda s, c: Text(), justify="left", min_width=8),
        _Column("Mkt", 7, lambda s, c: Text(s.provider, style=MUTED), justify="left"),
        _Column("Last", 0, lambda s, c: _num(fmt_price(s.last), direction_style(s.direction))),
        _Column("Chg%", 0, lambda s, c: _num(fmt_pct(s.change_pct), direction_style(s.direction))),
        _Column("Bid qty", 3, _best("bid_qty", qty=True), group="qty"),
        _Column("Bid", 1, _best("bid_price", qty=False), group="best"),
        _Column("Ask", 1, _best("ask_price", qty=False), group="best"),
        _Column("Ask qty", 3, _best("ask_qty", qty=True), group="qty"),
        _Column("Volume", 2, lambda s, c: _num(fmt_qty(s.stats.volume if s.stats else None, c))),
        _Column("High", 5, _stat("high", fmt_price), group="range"),
        _Column("Low", 5, _stat("low", fmt_price), group="range"),
        _Column("Trades", 6, _stat("trades", fmt_qty)),
        _Column("Value", 8, _stat("value", fmt_compact)),
    ]


_QUOTE_COLUMNS = _quote_columns()


def quote_table(rows: Sequence[SymbolView], width: int, focus: tuple[str, str] | None = None, hidden: int = 0) -> Table:
    """One compact row per symbol: last, change, best bid/ask, volume, and more if room.

    Columns are sized from their cells. To fit `width`, the optional extras (market,
    high, low, trades, value) go first, then the gap narrows, then big quantities go
    compact (12.3M), and only then do the quantity, volume and bid/ask columns drop.
    `hidden` symbols that did not fit vertically are counted in the header.
    """
    multi = len({s.provider for s in rows}) > 1
    symbol_header = f"Symbol (+{hidden})" if hidden else "Symbol"
    symbol_cap = max(16, width // 5, len(symbol_header))

    def measure(cols: list[_Column], compact: bool) -> tuple[list[list[Text]], list[int]]:
        cells = [
            [_symbol_cell(s, s.key == focus) if c.header == "Symbol" else c.cell(s, compact) for s in rows]
            for c in cols
        ]
        widths = [
            max([len(symbol_header if i == 0 else c.header), c.min_width] + [t.cell_len for t in col])
            for i, (c, col) in enumerate(zip(cols, cells, strict=True))
        ]
        widths[0] = min(widths[0], symbol_cap)  # a long contract name is cut, not the columns
        return cells, widths

    cols = [c for c in _QUOTE_COLUMNS if multi or c.header != "Mkt"]
    fitted = None
    while fitted is None:
        # extras go before the gap narrows or numbers go compact
        extras = any(c.priority > 3 for c in cols)
        for compact, gap in ((False, 2),) if extras else ((False, 2), (False, 1), (True, 1)):
            cells, widths = measure(cols, compact)
            if sum(widths) + gap * (len(widths) - 1) <= width:
                fitted = (cells, widths, gap)
                break
        if fitted is not None:
            break
        droppable = [i for i, c in enumerate(cols) if c.priority > 0]
        if not droppable:  # narrower than the essential columns: squeeze the symbol, Rich crops the rest
            cells, widths = measure(cols, True)
            gap = 1
            widths[0] = max(4, widths[0] - (sum(widths) + len(widths) - 1 - width))
            fitted = (cells, widths, gap)
            break
        worst = max(droppable, key=lambda i: (cols[i].priority, i))
        group = cols[worst].group
        cols = [c for i, c in enumerate(cols) if i != worst and (group is None or c.group != group)]
    cells, widths, gap = fitted

    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1) if gap == 2 else (0, 0),
        collapse_padding=True,
        header_style=HEADER,
        border_style=MUTED,
    )
    for i, (c, w) in enumerate(zip(cols, widths, strict=True)):
        header = symbol_header if i == 0 else c.header
        table.add_column(header, justify=c.justify, width=w, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
    for r in range(len(rows)):
        table.add_row(*(col[r] for col in cells))
    return table


# --------------------------------------------------------------------------- focus panel


def ladder(book: Book | None, orders: bool = True) -> tuple[Table, int]:
    """The best-limit levels side by side: bid quantity and price | ask price and quantity.

    Returns the table and its width (measured from its cells, so the caller can decide
    whether the order counts fit beside the statistics without a trial render).
    """
    levels = book.levels if book is not None else ()
    show_orders = orders and book is not None and book.has_orders
    columns: list[tuple[Text, list[Text]]] = [
        (Text("Bid qty", style=HEADER), [_num(fmt_qty(lv.bid_qty)) for lv in levels]),
        (Text("Bid", style=f"bold {BID}"), [_num(fmt_price(lv.bid_price)) for lv in levels]),
        (Text("Ask", style=f"bold {ASK}"), [_num(fmt_price(lv.ask_price)) for lv in levels]),
        (Text("Ask qty", style=HEADER), [_num(fmt_qty(lv.ask_qty)) for lv in levels]),
    ]
    if show_orders:
        columns.insert(0, (Text("#", style=MUTED), [_num(fmt_qty(lv.bid_orders), MUTED) for lv in levels]))
        columns.append((Text("#", style=MUTED), [_num(fmt_qty(lv.ask_orders), MUTED) for lv in levels]))
    table = Table(box=None, pad_edge=False, padding=(0, 1), collapse_padding=True, show_edge=False)
    widths = []
    for header, cells in columns:
        w = max([header.cell_len] + [c.cell_len for c in cells])
        widths.append(w)
        table.add_column(header, justify="right", no_wrap=True, width=w)
    for r in range(len(levels)):
        table.add_row(*(cells[r] for _, cells in columns))
    return table, sum(widths) + 2 * (len(widths) - 1)


def ladder_height(book: Book | None) -> int:
    return 1 + (len(book.levels) if book is not None else 0)


#: display names of fields whose generic label would be long or unclear
LABELS = {
    "open_interest": "Open interest",
    "open_interest_changes": "OI change",
    "initial_margin": "Init. margin",
    "required_margin": "Req. margin",
    "nav": "NAV",
    "marketCap": "Market cap",
    "as_of": "As of",
}


def _label(key: str) -> str:
    """`open_interest_changes` → `OI change`; unknown keys: `marketValue` → `Market value`."""
    if key in LABELS:
        return LABELS[key]
    out: list[str] = []
    for ch in key.replace("_", " ").replace(".", " "):
        if ch.isupper() and out and out[-1] != " ":
            out.append(" ")
        out.append(ch.lower())
    text = "".join(out).strip()
    return text[:1].upper() + text[1:]


def _value_text(value: object) -> Text:
    if value is None:
        return Text(DASH, style=MUTED)
    if isinstance(value, bool):
        return Text(str(value).lower())
    if isinstance(value, (int, float)):
        return Text(fmt_qty(float(value)))
    return Text(str(value))


Line = tuple[int, str, Text]  # (priority: 0 first kept, label, value)


def stat_lines(sym: SymbolView) -> list[Line]:
    """The day's statistics (or the last candle) and the allowed range, in display order."""
    lines: list[Line] = []
    st = sym.stats
    if st is not None:
        lines += [
            (2, "Open", _num(fmt_price(st.open))),
            (0, "High", _num(fmt_price(st.high))),
            (0, "Low", _num(fmt_price(st.low))),
            (3, "Close", _num(fmt_price(st.close))),
            (0, "Prev close", _num(fmt_price(st.prev_close))),
            (1, "Trades", _num(fmt_qty(st.trades))),
            (1, "Volume", _num(fmt_qty(st.volume))),
            (1, "Value", _num(fmt_compact(st.value))),
        ]
    elif sym.candle is not None:
        c = sym.candle
        lines += [
            (0, "1m open", _num(fmt_price(c.open))),
            (0, "1m high", _num(fmt_price(c.high))),
            (0, "1m low", _num(fmt_price(c.low))),
            (0, "1m close", _num(fmt_price(c.close))),
            (1, "1m volume", _num(fmt_qty(c.volume))),
        ]
    if sym.price_range is not None:
        lines.append((0, "Max allowed", _num(fmt_price(sym.price_range.high))))
        lines.append((0, "Min allowed", _num(fmt_price(sym.price_range.low))))
    return lines


def record_lines(sym: SymbolView) -> list[Line]:
    """The generic records' fields (contract, fund, investor breakdown, unknown channels)."""
    return [(4, _label(key), _value_text(value)) for rec in sym.records for key, value in rec.items]


def _fit_lines(lines: list[Line], room: int) -> list[Line]:
    """Keep at most `room` lines, dropping the least important first, order preserved."""
    if len(lines) <= room:
        return lines
    ranked = sorted(range(len(lines)), key=lambda i: (lines[i][0], i))[: max(room, 0)]
    return [lines[i] for i in sorted(ranked)]


def _lines_width(lines: list[Line]) -> int:
    if not lines:
        return 0
    return max(len(label) for _, label, _ in lines) + 1 + max(value.cell_len for _, _, value in lines)


#: columns of the focus panel are at least this far apart
GAP = 3


@dataclass(slots=True)
class _FocusLayout:
    left: RenderableType | None
    left_width: int
    left_height: int
    columns: list[list[Line]]

    def heights(self) -> tuple[int, int]:
        """(minimum, wanted) content lines."""
        longest = max((len(c) for c in self.columns), default=0)
        least = max(self.left_height, min(len(self.columns[0]) if self.columns else 0, 6), 1)
        return least, max(self.left_height, longest, 1)


def _focus_layout(sym: SymbolView, width: int) -> _FocusLayout:
    """What goes beside what: the ladder, then statistics, then records if there is room."""
    inner = max(width - 4, 10)  # borders and padding
    stats, records = stat_lines(sym), record_lines(sym)
    left: RenderableType | None = None
    left_width = left_height = 0
    book = sym.ladder if sym.is_market else None
    if sym.is_market:
        if book is None or not book.levels:
            left, left_width, left_height = Text("no best limits yet", style=MUTED), 18, 1
        else:
            left, left_width = ladder(book)
            left_height = ladder_height(book)
    used = left_width + (GAP if left is not None else 0)
    if stats and records and used + _lines_width(stats) + GAP + _lines_width(records) <= inner:
        columns = [stats, records]
    else:
        columns = [stats + records] if stats or records else []
        wanted = used + _lines_width(columns[0]) if columns else used
        if wanted > inner and book is not None and book.has_orders:
            left, left_width = ladder(book, orders=False)
    return _FocusLayout(left, left_width, left_height, columns)


def focus_height(sym: SymbolView, width: int) -> tuple[int, int]:
    """(minimum, wanted) content lines of the focus panel at `width`, borders excluded."""
    return _focus_layout(sym, width).heights()


def _lines_grid(lines: list[Line]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=MUTED, no_wrap=True)
    grid.add_column(justify="right", no_wrap=True, overflow="ellipsis")
    for _, label, value in lines:
        grid.add_row(label, value)
    return grid


def focus_panel(sym: SymbolView, width: int, lines: int) -> Panel:
    """One symbol in detail: its best-limit ladder beside its day statistics and records."""
    layout = _focus_layout(sym, width)
    columns = [_fit_lines(c, lines) for c in layout.columns]
    parts: list[tuple[RenderableType, int]] = []
    if layout.left is not None:
        parts.append((layout.left, layout.left_width))
    parts += [(_lines_grid(c), _lines_width(c)) for c in columns if c]
    grid = Table.grid(padding=0, expand=True)
    cells: list[RenderableType] = []
    for i, (part, w) in enumerate(parts):
        if i:  # flexible space between parts: the last one sits at the right edge
            grid.add_column(ratio=1, min_width=GAP)
            cells.append(Text(""))
        grid.add_column(no_wrap=True, width=w)
        cells.append(part)
    if cells:
        grid.add_row(*cells)

    title = Text.assemble((sym.label, "bold"))
    if sym.name:
        title.append(f" {sym.symbol}")
    title.append(f" {sym.provider}", style=MUTED)
    if sym.last is not None:
        style = direction_style(sym.direction)
        arrow = " ▲" if sym.direction > 0 else " ▼" if sym.direction < 0 else ""
        change = sym.stats.change if sym.stats is not None else None
        title.append(f"  {fmt_price(sym.last)}", style=f"bold {style}".strip())
        if change is not None:
            title.append(f"  {fmt_change(change)}  {fmt_pct(sym.change_pct)}{arrow}", style=style)
    title.truncate(max(width - 6, 4), overflow="ellipsis")
    clock = ts_clock(sym.ts)
    subtitle = Text(f"as of {clock}", style=MUTED) if clock else None
    return Panel(
        grid,
        title=title,
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        box=box.ROUNDED,
        border_style=MUTED,
        padding=(0, 1),
        height=lines + 2,
        width=width,
    )


# --------------------------------------------------------------------------- generic records


def record_table(rows: Sequence[SymbolView], width: int) -> Table:
    """Symbols with nothing but generic records: their latest fields, one line each."""
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        header_style=HEADER,
        border_style=MUTED,
        width=width,
    )
    table.add_column("Symbol", no_wrap=True, overflow="ellipsis", max_width=max(8, width // 4))
    table.add_column("Channel", no_wrap=True, overflow="ellipsis", style=MUTED, max_width=max(8, width // 5))
    table.add_column("Latest", no_wrap=True, overflow="ellipsis", ratio=1)
    for sym in rows:
        rec = sym.records[-1] if sym.records else None
        fields = Text()
        for i, (key, value) in enumerate(rec.items if rec else ()):
            if i:
                fields.append("  ")
            fields.append(f"{key} ", style=MUTED)
            fields.append_text(_value_text(value))
        table.add_row(Text(sym.label, style="bold"), rec.title if rec else "", fields)
    return table


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


def status_bar(status: Status, width: int, title: str | None = None) -> Text:
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
    if status.p50 is not None and status.p99 is not None:
        p50, p99 = fmt_latency(status.p50), fmt_latency(status.p99)
        latency = Text.assemble(("p50 ", MUTED), (p50, "bold"), (" p99 ", MUTED), (p99, "bold"))
        short = Text.assemble(("p50/99 ", MUTED), (f"{p50.removesuffix('ms')}/{p99}", "bold"))
        items.append(_Item(3, latency, short, shorten=3))
    if status.now:
        clock = Text(time.strftime("%H:%M:%S", time.localtime(status.now)), style=MUTED)
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


# --------------------------------------------------------------------------- the screen


def _blank(lines: int) -> Text:
    """`lines` empty lines (a Text of n-1 newlines renders as n lines)."""
    return Text("\n" * (lines - 1))


def waiting(status: Status, width: int, height: int, title: str | None = None) -> RenderableType:
    """Before the first data: a centred note, and the status bar already in place."""
    providers = ", ".join(c.provider for c in status.connections) or "the provider"
    room = height - 1
    msg = Text(f"waiting for data from {providers}…", style=MUTED, justify="center", no_wrap=True)
    parts: list[RenderableType] = []
    above = (room - 1) // 2
    if above > 0:
        parts.append(_blank(above))
    if room > 0:
        parts.append(msg)
    below = room - above - 1
    if below > 0:
        parts.append(_blank(below))
    parts.append(status_bar(status, width, title))
    return Group(*parts)


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
    status = status_bar(state.status, width, state.title)
    if not state.symbols:
        return waiting(state.status, width, height, state.title)

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
    least, wanted = focus_height(focus, width)
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
    if panel_lines:
        parts.append(focus_panel(focus, width, panel_lines))
    if rest > 0:
        parts.append(_blank(rest))
    parts.append(status)
    return Group(*parts)
