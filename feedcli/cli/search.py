"""`feedcli search PROVIDER PATTERN`: find instruments by name, a table on a terminal, NDJSON when piped.

The provider's record does the searching (`Provider.search`): it checks the pattern (exit 2
if it cannot be sent) and returns (base URL, credential) → a codec that finishes once the
answer has come, each match a data event. This command only runs that codec through the
session engine and prints what came back, so it knows no protocol and no provider.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from feedcli.cli import options as o

#: how long a search may take, connection included
TIMEOUT = 30.0
#: 429 and 5xx answers waited out before giving up (a search is one call: a few is plenty)
THROTTLE_RETRIES = 3


def _searchable() -> list[str]:
    from feedcli import providers

    return [record.name for record in providers.records() if record.search is not None]


def search(
    provider: Annotated[
        str, typer.Argument(metavar="PROVIDER", help=f"A provider with a search ({', '.join(_searchable())}).")
    ],
    pattern: Annotated[
        str, typer.Argument(metavar="PATTERN", help="What to look for: SBER, 'SBER*', an ISIN, a name ...")
    ],
    url: o.Url = None,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON array (even on a terminal).")] = False,
) -> None:
    from feedcli import providers
    from feedcli.cli.provider_commands import credential
    from feedcli.errors import UsageError

    record = providers.get(provider)  # exit 2 for an unknown provider
    if record.search is None:
        have = _searchable()
        raise UsageError(f"{provider} has no instrument search; providers with one: {', '.join(have) or 'none'}")
    info = record.info
    factory = record.search.codec(pattern)  # exit 2 for a pattern that cannot be sent
    base = o.base_url(url, provider, info.default_url, family=info.credentials)
    cred = credential(record, profile, base)
    rows = run_search(lambda: factory(base, cred), base, record.rest_limits)
    columns = record.search.columns
    if json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        sys.stdout.flush()
    elif sys.stdout.isatty():
        _table(provider, pattern, rows, columns)
    else:
        _ndjson(rows)


def run_search(new_codec: Any, base: str, rest_limits: Any = None) -> list[dict[str, Any]]:
    """Run a search codec once, without reconnects; the data events' payloads, in order.

    Its REST call is paced to the exchange's documented weights (one HTTP client, one limiter,
    as a stream's), and a 429 or 5xx answer is waited out a few times, each wait said on stderr."""
    from feedcli.errors import FeedError
    from feedcli.events import DataEvent
    from feedcli.session import run_once

    rows: list[dict[str, Any]] = []

    def emit(event: Any) -> None:
        if type(event) is DataEvent:
            rows.append(event.data)

    def note(message: str) -> None:
        sys.stderr.write(message + "\n")  # the engine's notes name feedcli already

    codec = run_once(
        new_codec,
        emit,
        base_url=base,
        timeout=TIMEOUT,
        what="search",
        note=note,
        throttle_retries=THROTTLE_RETRIES,
        rest_limits=rest_limits,
    )
    if not codec.finished:
        raise FeedError(f"search: {base} closed the connection before answering")
    return rows


def _ndjson(rows: list[dict[str, Any]]) -> None:
    import orjson

    out = sys.stdout.buffer
    for row in rows:
        out.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
    out.flush()


def _table(provider: str, pattern: str, rows: list[dict[str, Any]], preferred: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from feedcli.safe_text import printable

    def cell(value: object) -> Text:
        # a server's text: as Text, no markup is read in it; printable, no escape reaches the terminal
        return Text(printable("" if value is None else str(value)))

    console = Console()
    if not rows:
        console.print(cell(f"No {provider} instrument matches {pattern!r}."))
        return
    names = [c for c in (preferred or ()) if any(c in r for r in rows)] or list(rows[0])
    table = Table(title=cell(f"{provider}: {len(rows)} match{'es' if len(rows) != 1 else ''} for {pattern!r}"))
    for i, name in enumerate(names):
        table.add_column(cell(name), style="bold cyan" if i == 0 else None, no_wrap=i == 0)
    for row in rows:
        table.add_row(*(cell(row.get(n)) for n in names))
    console.print(table)


def _doc() -> str:
    from feedcli import providers

    examples = [line for record in providers.records() if record.search for line in record.search.examples]
    shown = "\n\n".join(f"  {line}" for line in examples)
    return (
        "Search a provider's instruments: a table on a terminal, one JSON object per match when piped, "
        "a JSON array with --json.\n\n"
    ) + (f"Examples:\n\n{shown}\n" if shown else "")


search.__doc__ = _doc()
