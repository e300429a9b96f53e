"""`feedcli record PROVIDER ... -o PATH`: the stream's lines, durably, for weeks."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from feedcli.cli import options as o
from feedcli.cli.provider_commands import Resolved, Shared, provider_group, run_pipeline, session_options, work_progress
from feedcli.providers.base import ProviderInfo

if TYPE_CHECKING:
    from feedcli.sinks.recording import RecordingWriter
    from feedcli.views.status_line import StatusLine

HELP = (
    "Record a stream to NDJSON files: rotated, compressed, on disk every second.\n\n"
    "Examples:\n\n"
    "  feedcli record binance --pair BTC-USDT -o rec/ --rotate-interval 1h --compress zstd\n\n"
    "  feedcli record tse --isin IRO1FOLD0001 -o foolad.ndjson --duration 6h"
)


class Compress(str, Enum):
    none = "none"
    gzip = "gzip"
    zstd = "zstd"


Output = Annotated[
    str,
    typer.Option(
        "--output",
        "-o",
        metavar="PATH",
        help="A file, or a directory (existing, or ending in /) where files are named by provider and start time.",
        show_default=False,
    ),
]
RotateSize = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--rotate-size", metavar="SIZE", help="Start a new file past SIZE (100MB, 1GiB).", show_default=False),
]
RotateInterval = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--rotate-interval",
        metavar="DURATION",
        help="Start a new file every DURATION (1h, 15m, 1d).",
        show_default=False,
    ),
]
CompressOpt = Annotated[
    Optional[Compress],  # noqa: UP045
    typer.Option(
        "--compress",
        help="Compress each file as a stream. Default: what the -o name says (.gz gzip, .zst zstd), else none.",
        show_default=False,
    ),
]
FlushInterval = Annotated[
    float,
    typer.Option(
        "--flush-interval",
        metavar="DURATION",
        parser=o.seconds("--flush-interval", least=0.05),
        help="Push what was received to the disk (fsync) at least this often: the most a crash can lose "
        "(at least 50ms).",
    ),
]

#: the options of every `record` subcommand
COMMON: tuple[Shared, ...] = (
    ("output", Output, ...),
    ("rotate_size", RotateSize, None),
    ("rotate_interval", RotateInterval, None),
    ("compress", CompressOpt, None),
    ("flush_interval", FlushInterval, 1.0),
    ("url", o.Url, None),
    ("limit", o.Limit, None),
    ("duration", o.Duration, None),
    *o.CONNECTION,
    *o.DELIVERY,
)


def run_record(resolved: Resolved, shared: dict[str, Any]) -> None:
    """Everything that can be checked is checked, and the first file opened, before connecting."""
    from feedcli.sinks.naming import compression_for
    from feedcli.sinks.recording import RecordingWriter
    from feedcli.sinks.remote import announce_to, open_sinks, parse_sinks
    from feedcli.units import parse_duration, parse_size

    asked = shared["compress"]
    compress = compression_for(shared["output"], asked.value if asked is not None else None)
    rotate_size = parse_size(shared["rotate_size"]) if shared["rotate_size"] else None
    rotate_interval = parse_duration(shared["rotate_interval"]) if shared["rotate_interval"] else None
    factories = resolved.factories()
    sink_specs = parse_sinks(shared["sink"] or ())  # exit 2 before anything connects
    options = session_options(shared, resolved.base_url, resolved.rest_limits)
    writer = RecordingWriter(
        shared["output"],
        provider=resolved.name,
        # what was asked for and where from; the credential never goes in (it is not in here)
        describe={
            "subscription": resolved.selectors,
            "url": resolved.base_url,
            **({"normalized": True} if shared["normalize"] else {}),
        },
        rotate_size=rotate_size,
        rotate_interval=rotate_interval,
        compress=compress,
        flush_interval=shared["flush_interval"],
    )
    writer.open()
    # the status line, on a terminal only; notes go above it rather than through it. Not on a
    # terminal (a service, a log file), reconnects and retries are kept to the file's control
    # lines unless -v: a log of a week-long recording is its errors, not every reconnect
    status = _status_line(writer, resolved.name) if o.is_terminal(sys.stderr) else None
    drawing: dict[str, Any] = {"note": status.note} if status is not None else {}
    verbose = False
    if status is None:  # no terminal: a backfill's progress as notes under -v, else nothing
        from feedcli.cli import verbosity

        verbose = verbosity.verbose()
        if not verbose:
            drawing["connection_notes"] = False

    async def main() -> None:
        from feedcli.pipeline import start_all

        sinks = open_sinks(sink_specs, **({"note": status.note} if status is not None else {}))
        consumers = [writer, *sinks]
        announce_to(sinks, consumers)
        await start_all(consumers)  # the recording is finished if a sink fails to start
        # helpers are made once everything started: a start that fails leaves none never awaited
        background = [status.run()] if status is not None else work_progress(on_terminal=False, verbose=verbose)
        await run_pipeline(factories, consumers, options, shared, background=background, **drawing)

    from feedcli.runner import run_command

    run_command(main())


def _status_line(writer: RecordingWriter, provider: str) -> StatusLine:
    """messages, rate, reconnects, the current file and its size, redrawn twice a second on stderr."""
    from rich.console import Group, RenderableType

    from feedcli import progress
    from feedcli.views.progress import RateMeter, RecordingStatus
    from feedcli.views.status_line import StatusLine
    from feedcli.views.work import work_lines

    meter = RateMeter(window=2.0)

    def render(final: bool) -> RenderableType:
        path = writer.current_file
        line = RecordingStatus(
            provider,
            writer.messages,
            meter.update(writer.messages),
            writer.reconnects,
            writer.connected,
            os.path.basename(path) if path is not None else None,
            writer.current_size,
        )
        tasks = progress.current()  # a backfill under way: its progress above the status
        return Group(work_lines(tasks, 100), line) if tasks and not final else line

    return StatusLine(render, every=0.5)


_STREAM_ONLY = ("|", "--limit", "--events", "--format", "-o", "--duration")


def _examples(info: ProviderInfo) -> list[str]:
    """The provider's first stream example, its selectors kept, made a recording."""
    if not info.examples:
        return []
    words: list[str] = []
    for word in info.examples[0].split()[3:]:  # after `feedcli stream NAME`
        if word in _STREAM_ONLY:
            break
        words.append(word)
    selectors = " ".join(words)
    return [
        f"feedcli record {info.name} {selectors} -o recordings/ --compress zstd --rotate-interval 1h",
        f"feedcli record {info.name} {selectors} -o {info.name}.ndjson.gz --duration 3600",
    ]


def command() -> Any:
    return provider_group("record", HELP, COMMON, run_record, _examples)
