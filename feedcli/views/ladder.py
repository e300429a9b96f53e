"""The book ladder: bids and asks side by side with depth bars on one scale, changed levels
highlighted, and the spread and mid (or the flag of a crossed, empty or one-sided book)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from feedcli.views.formats import ASK, BID, HEADER, MUTED, fmt_price, fmt_qty
from feedcli.views.models import Book

# --------------------------------------------------------------------------- focus panel

#: the depth bars of the ladder are at most this wide, and are left out below the minimum
BAR_MAX = 12
BAR_MIN = 2
#: a changed level's cells are drawn so while highlighted (an attribute, not a colour: NO_COLOR keeps it)
HOT = "reverse"
FLAG = "bold reverse red"
SEP = " │ "


@dataclass(slots=True)
class Ladder:
    """A book measured for drawing: the column widths decide the panel's layout."""

    book: Book | None
    orders: bool
    widths: tuple[int, int, int]  # order count, quantity, price

    def width(self, bar: int) -> int:
        """Cells of one row with depth bars `bar` wide: ##_qty_bar_price │ price_bar_qty_##."""
        wo, wq, wp = self.widths
        side = (wo + 1 if self.orders else 0) + wq + 1 + (bar + 1 if bar else 0) + wp
        return 2 * side + len(SEP)


def measure_ladder(book: Book | None, orders: bool = True) -> Ladder:
    levels = book.levels if book is not None else ()
    show = orders and book is not None and book.has_orders
    wo = max([1] + [len(fmt_qty(v)) for lv in levels for v in (lv.bid_orders, lv.ask_orders)])
    wq = max([len("Bid qty")] + [len(fmt_qty(v)) for lv in levels for v in (lv.bid_qty, lv.ask_qty)])
    wp = max([len("Bid")] + [len(fmt_price(v)) for lv in levels for v in (lv.bid_price, lv.ask_price)])
    return Ladder(book, show, (wo, wq, wp))


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


def ladder(lad: Ladder, bar: int, rows: int, hot: Sequence[tuple[bool, bool]] = ()) -> Text:
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
