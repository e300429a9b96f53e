"""`feedcli providers`: what can be streamed, and how to select it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def providers(
    json: Annotated[bool, typer.Option("--json", help="Print one JSON array (even on a terminal).")] = False,
) -> None:
    """List the providers, their selectors, channels and paths: a table on a terminal, one JSON
    object per provider when piped, a JSON array with --json.

    Examples:

      feedcli providers

      feedcli providers | jq -r 'select(.credentials == null) | .name'   # the public ones

      feedcli providers --json | jq '.[0].channels'
    """
    import orjson

    from feedcli import providers as registry

    infos = [record.info for record in registry.records()]
    rows = [
        {
            "name": info.name,
            "title": info.title,
            "selectors": info.selectors,
            "channels": list(info.channels),
            "ws_path": info.ws_path,
            "default_url": info.default_url,
            "credentials": info.credentials,
        }
        for info in infos
    ]
    if json:
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        sys.stdout.flush()
        return
    if not sys.stdout.isatty():
        for row in rows:
            sys.stdout.buffer.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
        sys.stdout.flush()
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="feedcli providers", title_justify="left", expand=False)
    table.add_column("provider", style="bold cyan", no_wrap=True)
    table.add_column("what")
    table.add_column("selectors", no_wrap=True)
    table.add_column("channels")
    table.add_column("login", no_wrap=True)
    for info in infos:
        table.add_row(
            info.name,
            info.title,
            info.selectors,
            ", ".join(info.channels),
            f"feedcli login {info.credentials}" if info.credentials else "public",
        )
    Console().print(table)
