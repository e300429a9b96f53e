"""Styles and number formats of the live view: one place, so every renderable spells a price,
a quantity or a dash alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo

from rich.text import Text

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


def fmt_clock(epoch: float, zone: tzinfo) -> str:
    """`HH:MM:SS ZONE`: a clock always says its zone (`UTC`, `+0330`, `EST`)."""
    moment = datetime.fromtimestamp(epoch, zone)
    return f"{moment:%H:%M:%S} {moment.strftime('%Z') or 'UTC'}"


def ts_clock(ts: str | None, provider: str = "", zone: tzinfo = timezone.utc) -> str | None:
    """The time of a provider timestamp in `zone`, with the zone's name; None if unreadable.

    A timestamp without an offset is in the provider's own zone (HT's: Tehran), so it is
    converted from there rather than shown as if it were the viewer's.
    """
    from feedcli.views.models import ts_epoch

    epoch = ts_epoch(provider, ts)
    return fmt_clock(epoch, zone) if epoch is not None else None


def num_text(text: str, style: str = "") -> Text:
    return Text(text, style=MUTED if text == DASH else style)


# --------------------------------------------------------------------------- records and tables


def label_of(key: str, labels: Mapping[str, str] | None = None) -> str:
    """A field's display name: the provider's label if it gives one (`open_interest_changes` →
    `OI change`), else made from the name (`marketValue` → `Market value`)."""
    if labels and key in labels:
        return labels[key]
    out: list[str] = []
    for ch in key.replace("_", " ").replace(".", " "):
        if ch.isupper() and out and out[-1] != " ":
            out.append(" ")
        out.append(ch.lower())
    text = "".join(out).strip()
    return text[:1].upper() + text[1:]


def value_text(value: object) -> Text:
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
