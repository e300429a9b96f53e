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

from feedcli.views.models import Book, Candle, InvestorFlow, Status, SymbolView, ViewState

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

#: the depth bars of the ladder are at most this wide, and are left out below the minimum
BAR_MAX = 12
BAR_MIN = 2
#: a changed level's cells are drawn so while highlighted (an attribute, not a colour: NO_COLOR keeps it)
HOT = "reverse"
FLAG = "bold reverse red"
SEP = " │ "


@dataclass(slots=True)
class _Ladder:
    """A book measured for drawing: the column widths decide the panel's layout."""

    book: Book | None
    orders: bool
    widths: tuple[int, int, int]  # order count, quantity, price

    def width(self, bar: int) -> int:
        """Cells of one row with depth bars `bar` wide: ##_qty_bar_price │ price_bar_qty_##."""
        wo, wq, wp = self.widths
        side = (wo + 1 if self.orders else 0) + wq + 1 + (bar + 1 if bar else 0) + wp
        return 2 * side + len(SEP)


def measure_ladder(book: Book | None, orders: bool = True) -> _Ladder:
    levels = book.levels if book is not None else ()
    show = orders and book is not None and book.has_orders
    wo = max([1] + [len(fmt_qty(v)) for lv in levels for v in (lv.bid_orders, lv.ask_orders)])
    wq = max([len("Bid qty")] + [len(fmt_qty(v)) for lv in levels for v in (lv.bid_qty, lv.ask_qty)])
    wp = max([len("Bid")] + [len(fmt_price(v)) for lv in levels for v in (lv.bid_price, lv.ask_price)])
    return _Ladder(book, show, (wo, wq, wp))


def _bar(qty: float | None, scale: float, width: int) -> int:
    """Cells of a depth bar: proportional to quantity, at least one for any quantity."""
    if not qty or qty <= 0 or scale <= 0:
        return 0
    return max(1, min(width, round(qty / scale * width)))


def book_summary(book: Book | None) -> Text:
    """Spread and mid of the best level, and a loud flag if the book is crossed or empty."""
    best = book.best if book is not None else None
    bid = best.bid_price if best is not None else None
    ask = best.ask_price if best is not None else None
    if book is None or (bid is None and ask is None):
        return Text(" EMPTY BOOK ", style=FLAG) if book is not None else Text("no book yet", style=MUTED)
    if bid is None or ask is None:
        return Text(" NO BIDS " if bid is None else " NO ASKS ", style=FLAG)
    spread, mid = ask - bid, (ask + bid) / 2
    out = Text.assemble(("Spread ", MUTED), (fmt_price(spread), "bold"))
    if mid:
        out.append(f" {spread / mid * 100:.2f}%", style=MUTED)
    out.append_text(Text.assemble(("  Mid ", MUTED), (fmt_price(round(mid, 4)), "bold")))
    if bid >= ask:
        out = Text.assemble((" CROSSED ", FLAG), " ", out)
    return out


def ladder(lad: _Ladder, bar: int, rows: int, hot: Sequence[tuple[bool, bool]] = ()) -> Text:
    """The book side by side with depth bars: bids grow left from the price, asks right.

    Bars share one scale (the biggest quantity shown on either side), so their lengths
    compare across the spread. Levels that changed within the highlight time are drawn
    reversed. The last line is the spread and mid, or the flag of a crossed/empty book.
    """
    wo, wq, wp = lad.widths
    levels = lad.book.levels[: max(rows, 0)] if lad.book is not None else ()
    scale = max([lv.bid_qty or 0 for lv in levels] + [lv.ask_qty or 0 for lv in levels] + [0])
    out = Text(no_wrap=True, overflow="crop")
    # header
    if lad.orders:
        out.append(f"{'#':>{wo}} ", style=MUTED)
    out.append(f"{'Bid qty':>{wq}} ", style=HEADER)
    if bar:
        out.append(" " * (bar + 1))
    out.append(f"{'Bid':>{wp}}", style=f"bold {BID}")
    out.append(SEP, style=MUTED)
    out.append(f"{'Ask':<{wp}}", style=f"bold {ASK}")
    if bar:
        out.append(" " * (bar + 1))
    out.append(f" {'Ask qty':>{wq}}", style=HEADER)
    if lad.orders:
        out.append(f" {'#':>{wo}}", style=MUTED)
    for i, lv in enumerate(levels):
        hb, ha = hot[i] if i < len(hot) else (False, False)
        bid_style, ask_style = (HOT if hb else ""), (HOT if ha else "")
        out.append("\n")
        if lad.orders:
            out.append(f"{fmt_qty(lv.bid_orders):>{wo}}", style=f"{MUTED} {bid_style}".strip())
            out.append(" ")
        out.append(f"{fmt_qty(lv.bid_qty):>{wq}}", style=bid_style or (MUTED if lv.bid_qty is None else ""))
        out.append(" ")
        if bar:
            n = _bar(lv.bid_qty, scale, bar)
            out.append(" " * (bar - n))
            out.append("█" * n, style=BID)
            out.append(" ")
        out.append(f"{fmt_price(lv.bid_price):>{wp}}", style=f"{BID} {bid_style}".strip())
        out.append(SEP, style=MUTED)
        out.append(f"{fmt_price(lv.ask_price):<{wp}}", style=f"{ASK} {ask_style}".strip())
        if bar:
            n = _bar(lv.ask_qty, scale, bar)
            out.append(" ")
            out.append("█" * n, style=ASK)
            out.append(" " * (bar - n))
        out.append(" ")
        out.append(f"{fmt_qty(lv.ask_qty):>{wq}}", style=ask_style or (MUTED if lv.ask_qty is None else ""))
        if lad.orders:
            out.append(" ")
            out.append(f"{fmt_qty(lv.ask_orders):>{wo}}", style=f"{MUTED} {ask_style}".strip())
    out.append("\n")
    out.append_text(book_summary(lad.book))
    return out


def ladder_height(book: Book | None, levels: int | None = None) -> int:
    """Header, levels, and the spread line."""
    n = len(book.levels) if book is not None else 0
    return 2 + (n if levels is None else min(n, levels))


# --------------------------------------------------------------------------- candles

#: eighths of a cell, for volume bars
_EIGHTHS = " ▁▂▃▄▅▆▇█"
WICK = "│"
BODY = "┃"


def candles_chart(candles: Sequence[Candle], width: int, height: int) -> Text:
    """The last bars that fit: wicks '│', bodies '┃' (green up, red down), volume beneath.

    One bar per column, with a space between bars when that still shows a useful number
    of them; the price scale (high and low of the bars shown) sits at the right.
    """
    shown_all = [c for c in candles if c.high is not None and c.low is not None]
    label_w = max([len(fmt_price(c.high)) for c in shown_all] + [len(fmt_price(c.low)) for c in shown_all] + [0])
    label_w = label_w + 1 if label_w and width - label_w - 1 >= 8 else 0
    room = max(width - label_w, 1)
    # spaced bars read best; packed ones only when spacing would leave too few to see a trend
    step = 2 if room // 2 >= min(len(candles), 10) else 1
    shown = list(candles)[-max(room // step, 1) :]
    vol_rows = 0 if height < 4 else 1 if height < 9 else 2
    price_rows = max(height - vol_rows, 1)
    highs = [c.high for c in shown if c.high is not None]
    lows = [c.low for c in shown if c.low is not None]
    hi, lo = (max(highs), min(lows)) if highs and lows else (0.0, 0.0)

    def row(p: float) -> int:
        if hi <= lo:
            return price_rows // 2
        return round((hi - p) / (hi - lo) * (price_rows - 1))

    spans: list[tuple[int, int, int, int, str] | None] = []  # wick top/bottom, body top/bottom, style
    for c in shown:
        if c.high is None or c.low is None:
            spans.append(None)
            continue
        o = c.open if c.open is not None else c.close if c.close is not None else c.low
        cl = c.close if c.close is not None else o
        spans.append((row(c.high), row(c.low), row(max(o, cl)), row(min(o, cl)), UP if c.up else DOWN))
    vols = [c.volume or 0.0 for c in shown]
    vmax = max([*vols, 0.0])
    out = Text(no_wrap=True, overflow="crop")
    for r in range(price_rows):
        if r:
            out.append("\n")
        for i, span in enumerate(spans):
            if i and step == 2:
                out.append(" ")
            if span is None:
                out.append(" ")
                continue
            top, bottom, body_top, body_bottom, style = span
            if body_top <= r <= body_bottom:
                out.append(BODY, style=style)
            elif top <= r <= bottom:
                out.append(WICK, style=style)
            else:
                out.append(" ")
        if label_w:
            used = len(spans) * step - (1 if step == 2 and spans else 0)
            label = fmt_price(hi) if r == 0 else fmt_price(lo) if r == price_rows - 1 else ""
            out.append(" " * (room - used) + f" {label:>{label_w - 1}}", style=MUTED)
    for k in range(vol_rows - 1, -1, -1):
        out.append("\n")
        for i, (c, v) in enumerate(zip(shown, vols, strict=True)):
            if i and step == 2:
                out.append(" ")
            eighths = round(v / vmax * 8 * vol_rows) if vmax > 0 else 0
            fill = min(max(eighths - 8 * k, 0), 8)
            if v > 0 and k == 0 and fill == 0:
                fill = 1  # any volume shows
            out.append(_EIGHTHS[fill], style=f"{UP if c.up else DOWN} {MUTED}")
        if label_w and k == vol_rows - 1:
            used = len(shown) * step - (1 if step == 2 and shown else 0)
            out.append(" " * (room - used) + f" {fmt_compact(vmax):>{label_w - 1}}", style=MUTED)
    return out


def chart_width(candles: Sequence[Candle], most: int) -> int:
    """Columns the chart wants: every bar spaced, plus the price scale, at most `most`."""
    labels = max([len(fmt_price(c.high)) for c in candles] + [len(fmt_price(c.low)) for c in candles] + [0]) + 1
    return min(most, 2 * len(candles) - 1 + labels)


# --------------------------------------------------------------------------- records and tables

#: display names of fields whose generic label would be long or unclear
LABELS = {
    "open_interest": "Open interest",
    "open_interest_changes": "OI change",
    "initial_margin": "Initial margin",
    "required_margin": "Required margin",
    "nav": "NAV",
    "units": "Units",
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
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] in "T ":
        # an ISO timestamp (fund-info's as_of): date and minute are what a reader wants
        zone = " UTC" if value.endswith(("Z", "+00:00")) else ""
        return Text(f"{value[:10]} {value[11:16]}{zone}")
    return Text(str(value))


def flow_table(flow: InvestorFlow) -> tuple[Table, int]:
    """Buy/sell × individual/institution: volume, its share of the side, and the trader count."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    sides = (
        ("Buy", BID, flow.buy_individual_volume, flow.buy_individual_count, flow.buy_institution_volume,
         flow.buy_institution_count),
        ("Sell", ASK, flow.sell_individual_volume, flow.sell_individual_count, flow.sell_institution_volume,
         flow.sell_institution_count),
    )  # fmt: skip
    rows: list[list[Text]] = [[Text(""), Text("Individual", style=HEADER), Text("Institution", style=HEADER)]]
    for name, style, ind_vol, ind_n, inst_vol, inst_n in sides:
        total = (ind_vol or 0) + (inst_vol or 0)

        def cell(vol: float | None, n: int | None, total: float = total) -> Text:
            pct = f" {vol / total * 100:.0f}%" if vol is not None and total > 0 else ""
            return Text.assemble((fmt_compact(vol), "bold"), (pct, ""), (f" ×{fmt_qty(n)}", MUTED))

        rows.append([Text(name, style=style), cell(ind_vol, ind_n), cell(inst_vol, inst_n)])
    widths = [max(r[i].cell_len for r in rows) for i in range(3)]
    for r in rows:
        table.add_row(*r)
    return table, sum(widths) + 2


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
    """The generic records' fields (contract, fund, unknown channels), labelled for people."""
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
#: the candles chart is worth showing only this wide
CHART_MIN = 16
#: … and asks for this many lines when the terminal has them (taller adds little)
CHART_TALL = 12


@dataclass(slots=True)
class _Part:
    """One block of the focus panel: how to draw it at a height, its width and heights."""

    draw: Callable[[int], RenderableType]
    width: int
    least: int
    wanted: int


def _focus_parts(sym: SymbolView, width: int) -> list[_Part]:
    """What goes beside what, left to right, by priority: the ladder with depth bars, the
    candles chart, the day statistics, the investor split, the records; each only if it
    fits beside those before it. The chart takes the width the others leave.
    """
    inner = max(width - 4, 10)  # borders and padding
    stats, records = stat_lines(sym), record_lines(sym)
    parts: list[_Part] = []
    used = 0
    book = sym.ladder if sym.is_market else None
    if sym.is_market and book is None:
        note = Text("no book yet", style=MUTED)
        parts.append(_Part(lambda h, note=note: note, note.cell_len, 1, 1))
        used = note.cell_len
    elif sym.is_market:
        lad = measure_ladder(book)
        # the stats column (or the chart) should fit beside the ladder: bars take what is left
        beside = min(_lines_width(stats) if stats else 0, 30)
        if sym.candles:
            beside = max(beside, CHART_MIN) if not stats else min(beside, CHART_MIN)
        spare = inner - lad.width(0) - (GAP + beside if beside else 0)
        if spare < 2 * (BAR_MIN + 1) and lad.orders:
            lad = measure_ladder(book, orders=False)
            spare = inner - lad.width(0) - (GAP + beside if beside else 0)
        bar = min(BAR_MAX, spare // 2 - 1)
        bar = bar if bar >= BAR_MIN else 0
        levels = len(book.levels) if book is not None else 0
        hot = sym.hot
        parts.append(
            _Part(
                lambda h, lad=lad, bar=bar, hot=hot: ladder(lad, bar, h - 2, hot),
                lad.width(bar),
                2 + min(levels, 3),
                2 + levels,
            )
        )
        used = lad.width(bar)
    if sym.candles:
        room = inner - used - (GAP if parts else 0)
        # leave room for the statistics, then for the investor split, if the chart still fits
        with_stats = (GAP + _lines_width(stats)) if stats else 0
        with_flow = with_stats + (GAP + flow_table(sym.flow)[1] if sym.flow is not None else 0)
        want = chart_width(sym.candles, 80)
        w = room
        for others in (with_flow, with_stats):
            if room - others >= CHART_MIN:
                w = min(want, room - others)
                break
        if w >= CHART_MIN:
            candles = sym.candles
            parts.append(_Part(lambda h, c=candles, w=w: candles_chart(c, w, h), w, 4, CHART_TALL))
            used += (GAP if used else 0) + w
    blocks: list[tuple[list[Line] | None, Table | None, int]] = []
    if stats:
        blocks.append((stats, None, _lines_width(stats)))
    if sym.flow is not None:
        table, w = flow_table(sym.flow)
        blocks.append((None, table, w))
    if records:
        blocks.append((records, None, _lines_width(records)))
    for lines, table, w in blocks:
        if used + (GAP if used else 0) + w > inner:
            if not parts and lines is not None:  # nothing else to show: records take the panel
                w = inner
            else:
                continue
        if lines is not None:
            parts.append(
                _Part(
                    lambda h, lines=lines: _lines_grid(_fit_lines(lines, h)),
                    w,
                    min(len(lines), 6),
                    len(lines),
                )
            )
        elif table is not None:
            parts.append(_Part(lambda h, t=table: t, w, 3, 3))
        used += (GAP if used else 0) + w
    return parts


def focus_height(sym: SymbolView, width: int) -> tuple[int, int]:
    """(minimum, wanted) content lines of the focus panel at `width`, borders excluded."""
    parts = _focus_parts(sym, width)
    least = max([p.least for p in parts] + [1])
    return least, max([p.wanted for p in parts] + [least])


def _lines_grid(lines: list[Line]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=MUTED, no_wrap=True)
    grid.add_column(justify="right", no_wrap=True, overflow="ellipsis")
    for _, label, value in lines:
        grid.add_row(label, value)
    return grid


def focus_panel(sym: SymbolView, width: int, lines: int) -> Panel:
    """One symbol in detail: its ladder beside its candles, day statistics and records."""
    parts = _focus_parts(sym, width)
    grid = Table.grid(padding=0, expand=True)
    cells: list[RenderableType] = []
    for i, part in enumerate(parts):
        if i:  # flexible space between parts: the last one sits at the right edge
            grid.add_column(ratio=1, min_width=GAP)
            cells.append(Text(""))
        grid.add_column(no_wrap=True, width=part.width)
        cells.append(part.draw(lines))
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
