"""`feedcli stream PROVIDER ...`: NDJSON when piped, the live view on a terminal."""

from __future__ import annotations

import sys
from typing import Any

from feedcli.cli import options as o
from feedcli.cli.provider_commands import (
    Resolved,
    Shared,
    provider_group,
    run_pipeline,
    session_options,
    work_progress,
)

HELP = (
    "Stream live data as NDJSON (piped) or a live view (terminal). `feedcli stream PROVIDER --help` "
    "lists a provider's selectors, channels and intervals.\n\n"
    "Examples:\n\n"
    "  feedcli stream binance --pair BTC-USDT --channel trades --limit 10\n\n"
    "  feedcli stream tse --isin IRO1FOLD0001 --duration 1h -o foolad.ndjson\n\n"
    "  feedcli stream moex --ticker MXSE.TQBR.SBER --stream orderbooks --format view"
)

#: the options of every `stream` subcommand
COMMON: tuple[Shared, ...] = (
    ("url", o.Url, None),
    ("fmt", o.FormatOpt, o.Format.auto),
    ("output", o.OutputFile, None),
    ("limit", o.Limit, None),
    ("duration", o.Duration, None),
    ("events", o.Events, False),
    *o.CONNECTION,
    ("fps", o.Fps, 10.0),
    ("focus", o.Focus, None),
    ("tz", o.Tz, None),
    *o.DELIVERY,
)


def run_stream(resolved: Resolved, shared: dict[str, Any]) -> None:
    """Wire codecs, the NDJSON writer and/or the live view into a pipeline and run it."""
    from feedcli.sinks.base import Consumer
    from feedcli.sinks.ndjson import open_output, stdout_writer
    from feedcli.sinks.remote import announce_to, open_sinks, parse_sinks

    factories = resolved.factories()  # checks the URL before anything connects
    sink_specs = parse_sinks(shared["sink"] or ())  # so are --sink URLs (exit 2)
    options = session_options(shared, resolved.base_url, resolved.rest_limits)
    events = shared["events"]
    show_view = o.wants_view(shared["fmt"])
    zone = o.zone(shared["tz"])  # exit 2 for an unknown zone, before connecting
    output = shared["output"]
    writer = open_output(output, controls=events) if output is not None else None
    if writer is None and not show_view:
        writer = stdout_writer(controls=events)

    async def main() -> None:
        from feedcli.pipeline import start_all

        consumers: list[Consumer] = []
        background = []
        on_malformed = None
        if writer is not None:
            consumers.append(writer)
        view = None
        if show_view:
            from feedcli.views.live import LiveView

            view = LiveView(
                title=f"feedcli stream {resolved.name}", providers=(resolved.name,), focus=shared["focus"], zone=zone
            )
            consumers.append(view)
            on_malformed = view.note_malformed
        sinks = open_sinks(sink_specs)
        consumers += sinks
        announce_to(sinks, consumers)
        await start_all(consumers)
        # helpers are made once everything started: a start that fails leaves none never awaited
        if view is not None:
            background.append(view.run(fps=shared["fps"]))
        else:
            from feedcli.cli import verbosity

            background += work_progress(on_terminal=o.is_terminal(sys.stderr), verbose=verbosity.verbose())
        await run_pipeline(factories, consumers, options, shared, background=background, on_malformed=on_malformed)

    from feedcli.runner import run_command

    run_command(main())


def command() -> Any:
    return provider_group("stream", HELP, COMMON, run_stream)
