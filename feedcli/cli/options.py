"""Options shared by several commands, declared once so every command spells them alike."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Optional

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
    typer.Option("--limit", metavar="N", min=1, help="Exit 0 after N data lines (N at least 1).", show_default=False),
]


def seconds(flag: str, *, zero: bool = False, least: float | None = None) -> Callable[[Any], float]:
    """A parser of a duration option: `90`, `90s`, `1.5m`, `15m`, `1h`, `1d` (exit 2 otherwise).

    `zero` lets 0 through (it turns the thing off); `least` is the smallest value taken.
    """

    def parse(value: Any) -> float:
        from feedcli.errors import UsageError
        from feedcli.units import parse_duration

        if isinstance(value, int | float):
            return float(value)  # a default
        text = str(value).strip()
        try:
            result = 0.0 if zero and text in ("0", "0.0", "0s") else parse_duration(text)
        except UsageError as exc:
            raise UsageError(f"{flag}: {exc}") from None
        if least is not None and result < least:
            raise UsageError(f"{flag}: {text!r} is too short: at least {least:g}s")
        return result

    return parse


DURATIONS = "seconds, or a number with a unit: 90, 90s, 1.5m, 15m, 1h, 1d"
Duration = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--duration",
        metavar="DURATION",
        parser=seconds("--duration"),
        help=f"Exit 0 after DURATION ({DURATIONS}).",
        show_default=False,
    ),
]
Events = Annotated[
    bool,
    typer.Option("--events", help="Also write control lines (connected, disconnected, reconnected, ...)."),
]
StaleAfter = Annotated[
    float,
    typer.Option(
        "--stale-after",
        metavar="DURATION",
        parser=seconds("--stale-after", zero=True),
        help="Reconnect when no data came for DURATION (pings and heartbeats don't count); 0 turns it off.",
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
        metavar="DURATION",
        parser=seconds("--ping-interval", zero=True),
        help="Ping the server every DURATION; one that answers nothing for as long again is gone. 0: no pings.",
    ),
]
Fps = Annotated[
    float, typer.Option("--fps", metavar="N", min=1.0, max=60.0, help="Redraws per second of the live view, 1 to 60.")
]
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

Focus = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--focus",
        metavar="SYMBOL",
        help="The live view's detail panel starts on SYMBOL (an identifier or a name); arrows or j/k move on.",
        show_default=False,
    ),
]
Tz = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="The zone of every clock in the live view: UTC (the default), local, or a name such as Asia/Tehran.",
        show_default=False,
    ),
]


def zone(name: str | None) -> Any:
    """The tzinfo of --tz (None: UTC); UsageError (exit 2) for a zone the system does not know."""
    from datetime import datetime, timezone

    if name is None or name.upper() == "UTC":
        return timezone.utc
    if name.lower() == "local":
        return datetime.now().astimezone().tzinfo
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        from feedcli.errors import UsageError

        raise UsageError(f"--tz: unknown time zone {name!r}: use UTC, local, or a name such as Asia/Tehran") from None


DEFAULT_STALE_AFTER = 120.0
DEFAULT_PROFILE_NAME = DEFAULT_PROFILE

#: how a live connection is kept up (stream and record alike): (parameter, option, default), in --help order
CONNECTION: tuple[tuple[str, Any, Any], ...] = (
    ("stale_after", StaleAfter, DEFAULT_STALE_AFTER),
    ("max_retries", MaxRetries, None),
    ("ping_interval", PingInterval, 20.0),
    ("profile", Profile, DEFAULT_PROFILE_NAME),
)
#: where else every line goes, and in which shape (stream and record alike)
DELIVERY: tuple[tuple[str, Any, Any], ...] = (
    ("sink", Sinks, None),
    ("normalize", Normalize, False),
)


def base_url(explicit: str | None, provider: str, default: str, *, family: str | None = None) -> str:
    """--url, else FEEDCLI_<PROVIDER>_URL, else FEEDCLI_<FAMILY>_URL, else production.

    Checked here, before credentials are looked up or anything connects (exit 2 if wrong).
    """
    return base_url_from(explicit, provider, default, family=family)[0]


def base_url_from(explicit: str | None, provider: str, default: str, *, family: str | None = None) -> tuple[str, str]:
    """`base_url`, and where it came from (`--url`, the variable's name, or "the default")."""
    from feedcli.providers.base import check_base_url

    if explicit is not None:
        return check_base_url(explicit.rstrip("/")), "--url"
    for name in (provider, family):
        if name:
            variable = f"FEEDCLI_{name.upper()}_URL"
            value = os.environ.get(variable)
            if value:
                return check_base_url(value.rstrip("/")), variable
    return default, "the default"


def family_base_url(explicit: str | None, family: str, default: str) -> tuple[str, str]:
    """The base URL `login FAMILY` talks to: the one every provider of the family would stream from.

    `stream tse` reads FEEDCLI_TSE_URL before FEEDCLI_HT_URL, so a login that read only the
    family's variable would send the password to production while the user believes they
    talk to a simulator. Any host the environment names wins over production; when the
    environment names several for one family, the user must say which with --url (exit 2)
    rather than have feedcli guess where the password goes.
    """
    from feedcli import providers
    from feedcli.errors import UsageError

    if explicit is not None:
        return base_url_from(explicit, family, default)
    found: dict[str, str] = {}
    names = [r.name for r in providers.records() if r.credentials is not None and r.credentials.family == family]
    for name in names or [family]:
        url, source = base_url_from(None, name, default, family=family)
        if source != "the default":
            found.setdefault(url, source)
    if len(found) > 1:
        where = ", ".join(f"{url} ({source})" for url, source in found.items())
        raise UsageError(f"the environment names several {family} hosts: {where}; say which with --url")
    if found:
        url, source = next(iter(found.items()))
        return url, source
    return default, "the default"


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
