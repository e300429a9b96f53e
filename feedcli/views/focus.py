"""The focus panel: one symbol in detail, its ladder beside its candles, day statistics, the
investor split and its records, each part shown only if it fits beside those before it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone, tzinfo

from rich import box
from rich.console import RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from feedcli.views.chart import candles_chart, chart_width
from feedcli.views.formats import (
    ASK,
    BID,
    HEADER,
    MUTED,
    direction_style,
    fmt_change,
    fmt_compact,
    fmt_pct,
    fmt_price,
    fmt_qty,
    label_of,
    num_text,
    ts_clock,
    value_text,
)
from feedcli.views.ladder import BAR_MAX, BAR_MIN, ladder, measure_ladder
from feedcli.views.models import InvestorFlow, SymbolView
from feedcli.views.tape import TAPE_MIN_ROWS, tape, tape_width


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
    day = (st.open, st.high, st.low, st.close, st.prev_close, st.trades, st.volume, st.value) if st else ()
    if st is not None and any(v is not None for v in day):
        lines += [
            (2, "Open", num_text(fmt_price(st.open))),
            (0, "High", num_text(fmt_price(st.high))),
            (0, "Low", num_text(fmt_price(st.low))),
            (3, "Close", num_text(fmt_price(st.close))),
            (0, "Prev close", num_text(fmt_price(st.prev_close))),
            (1, "Trades", num_text(fmt_qty(st.trades))),
            (1, "Volume", num_text(fmt_qty(st.volume))),
            (1, "Value", num_text(fmt_compact(st.value))),
        ]
    elif sym.candle is not None:
        c = sym.candle
        lines += [
            (0, "1m open", num_text(fmt_price(c.open))),
            (0, "1m high", num_text(fmt_price(c.high))),
            (0, "1m low", num_text(fmt_price(c.low))),
            (0, "1m close", num_text(fmt_price(c.close))),
            (1, "1m volume", num_text(fmt_qty(c.volume))),
        ]
    if sym.price_range is not None:
        lines.append((0, "Max allowed", num_text(fmt_price(sym.price_range.high))))
        lines.append((0, "Min allowed", num_text(fmt_price(sym.price_range.low))))
    return lines


def record_lines(sym: SymbolView) -> list[Line]:
    """The generic records' fields (contract, fund, unknown channels), labelled for people."""
    return [(4, label_of(key, rec.labels), value_text(value)) for rec in sym.records for key, value in rec.items]


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
    if book is not None:  # a feed without a book (candles, trades) gets no empty book panel
        lad = measure_ladder(book)
        # the stats column (or the chart) should fit beside the ladder: bars take what is left
        beside = min(_lines_width(stats) if stats else 0, 30)
        if sym.candles:
            beside = max(beside, CHART_MIN) if not stats else min(beside, CHART_MIN)
        if sym.tape:
            beside += GAP + tape_width(sym.tape)
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
    if sym.tape:
        w = tape_width(sym.tape)
        if used + (GAP if used else 0) + w <= inner:
            prints = sym.tape
            parts.append(_Part(lambda h, p=prints: tape(p, h), w, TAPE_MIN_ROWS + 1, 1 + len(prints)))
            used += (GAP if used else 0) + w
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


def focus_panel(sym: SymbolView, width: int, lines: int, zone: tzinfo = timezone.utc) -> Panel:
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
    clock = ts_clock(sym.ts, sym.provider, zone)
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
