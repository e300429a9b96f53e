"""The trades tape: the latest trades, newest on top, each in the colour of its taker's side.

A buyer taking the offer is green, a seller hitting the bid red (a trade whose side the provider
does not say is plain). It knows only `Print`s (price, size, side).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from feedcli.views.formats import ASK, BID, HEADER, fmt_price, fmt_qty
from feedcli.views.models import Print

#: the tape is worth showing only with this many trades in view
TAPE_MIN_ROWS = 3


def tape_width(prints: Sequence[Print]) -> int:
    """Columns the tape needs: its widest price and size, a side mark between them."""
    if not prints:
        return 0
    price = max(len(fmt_price(p.price)) for p in prints)
    size = max(len(fmt_qty(p.size)) for p in prints)
    return max(price + 1 + size + 2, len("Trades"))


def tape(prints: Sequence[Print], rows: int) -> Text:
    """The newest `rows - 1` trades under a header, right-aligned in `tape_width` columns."""
    width = tape_width(prints)
    out = Text("Trades".ljust(width), style=HEADER, no_wrap=True)
    price_w = max(len(fmt_price(p.price)) for p in prints) if prints else 0
    size_w = width - price_w - 3
    for p in prints[: max(rows - 1, 0)]:
        style = BID if p.side == "buy" else ASK if p.side == "sell" else ""
        mark = "▲" if p.side == "buy" else "▼" if p.side == "sell" else " "
        out.append("\n")
        out.append(f"{fmt_price(p.price):>{price_w}} {mark} ", style=style)
        out.append(f"{fmt_qty(p.size):>{size_w}}")
    return out
