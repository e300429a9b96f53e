"""`feedcli export FILE... -o OUT.parquet|OUT.csv`: recordings as a table of one kind of data."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedcli.cli import options as o


def export(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE",
            help="Recordings (NDJSON, plain, gzip or zstd), as `record` or `stream` wrote them, normalized or not.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="OUT",
            help="OUT.parquet (needs pip install 'feedcli\\[parquet]') or OUT.csv.",
            show_default=False,
        ),
    ],
    kind: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads the annotation at run time on Python 3.10
        typer.Option(
            "--kind",
            metavar="K",
            help="book, trade, candle, quote, stats or info. Default: the one kind the lines hold.",
            show_default=False,
        ),
    ] = None,
    channel: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--channel", metavar="C", help="Only lines of this channel (repeatable).", show_default=False),
    ] = None,
    symbol: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--symbol", metavar="S", help="Only lines of this symbol (repeatable).", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
) -> None:
    """Export recordings to one Parquet or CSV table of one kind (book, trade, candle, quote, stats, info).

    Every line is normalized first (the common shape of its kind, whatever the provider), so
    one table can hold TSE, MOEX and crypto books alike. Books are one row per line with level
    columns (bid_price_1, bid_size_1, ask_price_1, ...); stats and info hold every field the
    lines have. ts and recv are timestamps in Parquet. The file appears only once complete.

    Examples:

      feedcli export day.ndjson.zst -o books.parquet --kind book

      feedcli export a.ndjson b.ndjson.gz -o trades.csv --kind trade --symbol BTC-USDT
    """
    import sys

    from feedcli import export as engine

    options = engine.ExportOptions(
        files=tuple(files),
        output=output,
        kind=kind,
        channels=frozenset(channel or ()),
        symbols=frozenset(symbol or ()),
        force=force,
        progress=o.is_terminal(sys.stderr),
    )
    rows = engine.run(options)
    if not options.progress:
        return
    from feedcli.terminal import stderr_note

    stderr_note(f"feedcli: {rows:,} rows written to {output}")
