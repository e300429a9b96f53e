"""`feedcli providers`: what can be streamed, and how to select it."""

from __future__ import annotations

import sys


def providers() -> None:
    """List the providers, their selectors, channels and paths (NDJSON when piped)."""
    import orjson

    from feedcli import providers as registry

    infos = [record.info for record in registry.records()]
    if not sys.stdout.isatty():
        for info in infos:
            sys.stdout.buffer.write(
                orjson.dumps(
                    {
                        "name": info.name,
                        "title": info.title,
                        "selectors": info.selectors,
                        "channels": list(info.channels),
                        "ws_path": info.ws_path,
                        "default_url": info.default_url,
                        "credentials": info.credentials,
                    },
                    option=orjson.OPT_APPEND_NEWLINE,
                )
            )
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
