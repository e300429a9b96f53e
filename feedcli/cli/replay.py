"""`feedcli replay FILE...`: play recordings back, byte for byte, at the speed asked for.

The work is in feedcli/replay/; this module only declares the options and checks them,
so that a bad option is exit 2 before any file is read, and decides what goes on the
terminal: a progress line on stderr only when stderr is a terminal and stdout is not (on a
terminal stdout, the lines or the view are the progress).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from feedcli.cli import options as o


def _servable() -> list[str]:
    """The providers whose recordings `--serve` can serve."""
    from feedcli import providers

    return [record.name for record in providers.records() if record.replay is not None]


def replay(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE|URL",
            help="Recordings (NDJSON, plain, gzip or zstd: told from the content); several are merged "
            "by receive time. - is standard input. Or one redis://HOST:PORT/DB?key=PATTERN[&group=NAME] "
            "or nats://HOST:PORT?subject=PATTERN&stream=NAME to read lines back from a --sink.",
            show_default=False,
        ),
    ],
    speed: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            "--speed",
            metavar="X",
            min=0.0,
            help="1: real time; 10: ten times faster; 0.5: half speed; 0: as fast as the reader takes them. "
            "[default: 1; with --follow, 0]",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        Optional[str],  # noqa: UP045 - Typer reads the annotation at run time on Python 3.10
        typer.Option(
            "--from",
            metavar="TIME",
            help="Start at this receive time (ISO 8601, inclusive; no zone means UTC).",
            show_default=False,
        ),
    ] = None,
    end: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--to",
            metavar="TIME",
            help="Stop before this receive time (ISO 8601, exclusive; no zone means UTC).",
            show_default=False,
        ),
    ] = None,
    channel: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--channel",
            metavar="C",
            help="Only data lines of this channel (repeatable). Control lines are kept.",
            show_default=False,
        ),
    ] = None,
    symbol: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--symbol",
            metavar="S",
            help="Only data lines of this symbol (repeatable). Control lines are kept.",
            show_default=False,
        ),
    ] = None,
    fmt: o.FormatOpt = o.Format.auto,
    fps: o.Fps = 10.0,
    focus: o.Focus = None,
    tz: o.Tz = None,
    normalize: o.Normalize = False,
    serve: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--serve",
            metavar="HOST:PORT",
            help=f"Serve the recording over its provider's own protocol ({', '.join(_servable())}) at HOST:PORT, "
            "so `feedcli stream --url` and the provider's clients connect to it as if it were live.",
            show_default=False,
        ),
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="With --serve: allow a HOST that is not loopback (0.0.0.0, a LAN address); the "
            "recording is then readable from the network.",
        ),
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-f",
            help="With a redis:// or nats:// URL: after what is there, keep reading new lines as they come.",
        ),
    ] = False,
    sink: o.Sinks = None,
    wait_clients: Annotated[
        int,
        typer.Option(
            "--wait-clients",
            metavar="N",
            min=1,
            help="With --serve: start the recording once N client connections have subscribed, so "
            "clients started together see the same lines (a Datafye client opens one connection per channel).",
        ),
    ] = 1,
) -> None:
    """Play recordings back: the lines exactly as recorded, paced by their receive times.

    The default speed is 1 (real time), which is what "replay" means to someone watching;
    scripts that only want the lines give --speed 0. Several files are merged in receive
    time order. --channel and --symbol select data lines; control lines (connected,
    gap, ...) are kept, as they say where the data has holes. Ctrl-C stops with exit 0.

    A redis:// or nats:// URL reads back what `--sink` sent there, like a recording;
    --follow then keeps reading (a live view of another machine's capture). --sink sends
    the replayed lines on, byte for byte.

    Examples:

      feedcli replay day.ndjson.zst

      feedcli replay --speed 0 a.ndjson b.ndjson.gz | jq 'select(.channel)'

      feedcli replay rec.ndjson --from 2025-11-14T08:30Z --to 2025-11-14T09:00Z --symbol IRO1FOLD0001

      feedcli replay 'redis://bus:6379/0?key=feedcli:binance:*' --follow --format view

      feedcli replay day.ndjson.zst --speed 0 --sink 'nats://bus:4222?stream=FEED'
    """
    import sys

    from feedcli import replay as engine
    from feedcli.errors import UsageError

    filters = engine.Filters(
        start=engine.parse_time(start, "--from") if start else "",
        end=engine.parse_time(end, "--to") if end else None,
        channels=frozenset(channel or ()),
        symbols=frozenset(symbol or ()),
    )
    if filters.end is not None and filters.start >= filters.end:
        raise UsageError("--from must be before --to")
    view = o.wants_view(fmt)
    options = engine.ReplayOptions(
        files=tuple(files),
        speed=speed if speed is not None else 0.0 if follow else 1.0,
        filters=filters,
        view=view,
        fps=fps,
        zone=o.zone(tz),
        focus=focus,
        progress=not view and not o.is_terminal(sys.stdout) and o.is_terminal(sys.stderr),
        follow=follow,
        sinks=tuple(sink or ()),
        normalize=normalize,
    )
    if wait_clients != 1 and serve is None:
        raise UsageError("--wait-clients goes with --serve")
    if public and serve is None:
        raise UsageError("--public goes with --serve")
    if serve is not None and (options.source is not None or follow or sink):
        raise UsageError("--serve serves recording files: not a redis:// or nats:// URL, nor with --follow or --sink")
    if serve is not None and normalize:
        raise UsageError("--normalize does not go with --serve: a server speaks the provider's own protocol")
    if serve is not None:
        engine.serve(options, serve, wait_clients=wait_clients, public=public)
    else:
        engine.run(options)
