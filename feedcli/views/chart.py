"""The candles chart: the last bars that fit, wicks and bodies coloured by direction, volume
beneath and the price scale at the right."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from feedcli.views.formats import DOWN, MUTED, UP, fmt_compact, fmt_price
from feedcli.views.models import Candle

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
