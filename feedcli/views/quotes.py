"""The quote list: one compact row per symbol, columns dropped by priority to fit the width;
and the table of symbols that have only generic records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text

from feedcli.views.formats import (
    DASH,
    FOCUS,
    HEADER,
    MUTED,
    direction_style,
    fmt_compact,
    fmt_pct,
    fmt_price,
    fmt_qty,
    num_text,
    value_text,
)
from feedcli.views.models import SymbolView

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


def _symbol_cell(sym: SymbolView, focused: bool) -> Text:
    return Text.assemble(("▸ " if focused else "  ", FOCUS), (sym.label, FOCUS if focused else "bold"))


def _best(attr: str, qty: bool) -> Callable[[SymbolView, bool], Text]:
    """A cell of the best level: price in full, quantity compact when asked, dimmed."""

    def cell(sym: SymbolView, compact: bool) -> Text:
        top = sym.top
        value = getattr(top, attr) if top is not None else None
        return num_text(fmt_qty(value, compact), MUTED) if qty else num_text(fmt_price(value))

    return cell


def _stat(attr: str, fmt: Callable[[float | None], str]) -> Callable[[SymbolView, bool], Text]:
    return lambda sym, compact: num_text(fmt(getattr(sym.stats, attr) if sym.stats is not None else None))


def _quote_columns() -> list[_Column]:
    """The quote row's columns in screen order; priority 0 always shows, higher drops first."""
    return [
        _Column("Symbol", 0, lambda s, c: Text(), justify="left", min_width=8),
        _Column("Mkt", 7, lambda s, c: Text(s.provider, style=MUTED), justify="left"),
        _Column("Last", 0, lambda s, c: num_text(fmt_price(s.last), direction_style(s.direction))),
        _Column("Chg%", 0, lambda s, c: num_text(fmt_pct(s.change_pct), direction_style(s.direction))),
        _Column("Bid qty", 3, _best("bid_qty", qty=True), group="qty"),
        _Column("Bid", 1, _best("bid_price", qty=False), group="best"),
        _Column("Ask", 1, _best("ask_price", qty=False), group="best"),
        _Column("Ask qty", 3, _best("ask_qty", qty=True), group="qty"),
        _Column("Volume", 2, lambda s, c: num_text(fmt_qty(s.stats.volume if s.stats else None, c))),
        _Column("High", 5, _stat("high", fmt_price), group="range"),
        _Column("Low", 5, _stat("low", fmt_price), group="range"),
        _Column("Trades", 6, _stat("trades", fmt_qty)),
        _Column("Value", 8, _stat("value", fmt_compact)),
    ]


_QUOTE_COLUMNS = _quote_columns()


def _has_values(column: _Column, rows: Sequence[SymbolView]) -> bool:
    return any(column.cell(s, False).plain != DASH for s in rows)


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
    # an optional column no row has a value for (bid and ask of a candles-only feed) is not shown
    cols = [c for c in cols if c.priority == 0 or c.header == "Mkt" or _has_values(c, rows)]
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
            fields.append_text(value_text(value))
        table.add_row(Text(sym.label, style="bold"), rec.title if rec else "", fields)
    return table
