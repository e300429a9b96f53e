"""The `feedcli` command: every subcommand by name, its module imported only when used (`lazy`)."""

from __future__ import annotations

from typing import Any

HELP = (
    "Real-time market data on the command line: log in, stream, record, replay, simulate.\n\n"
    "Start with `feedcli demo`. Output is NDJSON when piped, a live view on a terminal. "
    "Every command takes -q (nothing on stderr but the final error) and -v (tracebacks of unexpected "
    "errors; also FEEDCLI_DEBUG=1), before or after the subcommand.\n\n"
    "Examples:\n\n"
    "  feedcli demo\n\n"
    "  feedcli stream binance --pair BTC-USDT --channel trades --limit 5\n\n"
    "  feedcli login && feedcli stream tse --isin IRO1FOLD0001 -o foolad.ndjson\n\n"
    "  feedcli replay foolad.ndjson --speed 0 | jq -c .data\n"
)
EXIT_CODES = (
    "Exit codes: 0 done, 1 unexpected error, 2 bad usage, 3 authentication refused, "
    "4 subscription refused, 5 gave up reconnecting."
)

_root: Any = None


def command() -> Any:
    """The Click group behind `feedcli` (for the entry point and the completion generator)."""
    global _root
    if _root is None:
        from feedcli.cli.lazy import root

        _root = root(HELP, EXIT_CODES)
    return _root
