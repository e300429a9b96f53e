"""Options shared by several commands, declared once so every command spells them alike."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from feedcli.config import DEFAULT_PROFILE


class Format(str, Enum):
    auto = "auto"
    ndjson = "ndjson"
    view = "view"


Url = Annotated[
    Optional[str],  # noqa: UP045 - Typer reads the annotation at run time on Python 3.10
    typer.Option(
        "--url",
        metavar="BASE",
        help="Base URL of another host (a self-hosted engine, a simulator): http://HOST:PORT. "
        "Also FEEDCLI_<PROVIDER>_URL.",
        show_default=False,
    ),
]
Profile = Annotated[
    str,
    typer.Option("--profile", metavar="P", envvar="FEEDCLI_PROFILE", help="Credentials profile."),
]
OutputFile = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--output", "-o", metavar="FILE", help="Write NDJSON to FILE instead of stdout.", show_default=False),
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", help="auto: a live view on a terminal, NDJSON otherwise."),
]
Limit = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--limit", metavar="N", min=1, help="Exit 0 after N data lines.", show_default=False),
]
Duration = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--duration", metavar="SECONDS", min=0.0, help="Exit 0 after SECONDS.", show_default=False),
]
Events = Annotated[
    bool,
    typer.Option("--events", help="Also write control lines (connected, disconnected, reconnected, ...)."),
]
StaleAfter = Annotated[
    float,
    typer.Option(
        "--stale-after",
        metavar="SECONDS",
        min=0.0,
        help="Reconnect when no data came for SECONDS (pings and heartbeats don't count); 0 turns it off.",
    ),
]
MaxRetries = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--max-retries",
        metavar="N",
        min=-1,
        help="Give up (exit 5) after N failed attempts in a row. Default, or -1: never give up.",
        show_default=False,
    ),
]
PingInterval = Annotated[
    float,
    typer.Option(
        "--ping-interval",
        metavar="SECONDS",
        min=0.0,
        help="Ping the server every SECONDS; one that answers nothing for as long again is gone. 0: no pings.",
    ),
]
Fps = Annotated[float, typer.Option("--fps", min=1.0, max=60.0, help="Redraws per second of the live view.")]
Sinks = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--sink",
        metavar="URL",
        help="Also send every line, control lines too, to redis://HOST:PORT/DB?key=TEMPLATE or "
        "nats://HOST:PORT?subject=TEMPLATE&stream=NAME (repeatable). A sink that is down holds the stream back.",
        show_default=False,
    ),
]
Normalize = Annotated[
    bool,
    typer.Option(
        "--normalize",
        help="Write each line's data in the common shape of its kind (book, trade, candle, quote, stats, info), "
        "whatever the provider, and its ts in UTC.",
    ),
]

DEFAULT_STALE_AFTER = 120.0
DEFAULT_PROFILE_NAME = DEFAULT_PROFILE


def base_url(explicit: str | None, provider: str, default: str, *, family: str | None = None) -> str:
    """--url, else FEEDCLI_<PROVIDER>_URL, else FEEDCLI_<FAMILY>_URL, else production.

    Checked here, before credentials are looked up or anything connects (exit 2 if wrong).
    """
    from feedcli.providers.base import check_base_url

    if explicit is not None:
        return check_base_url(explicit.rstrip("/"))
    for name in (provider, family):
        if name:
            value = os.environ.get(f"FEEDCLI_{name.upper()}_URL")
            if value:
                return check_base_url(value.rstrip("/"))
    return default


def wants_view(fmt: Format) -> bool:
    if fmt is Format.view:
        return True
    return fmt is Format.auto and sys.stdout is not None and sys.stdout.isatty()


def is_terminal(stream: object) -> bool:
    """Whether a standard stream is a terminal (False for a closed or missing one)."""
    try:
        return stream is not None and stream.isatty()  # type: ignore[attr-defined]
    except (ValueError, OSError, AttributeError):
        return False
