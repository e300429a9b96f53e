"""`feedcli stream PROVIDER ...`: one subcommand per provider, all ending in `run_stream`."""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated

import typer

from feedcli.cli import options as o
from feedcli.providers import tse as _tse
from feedcli.providers.base import Codec

#: the codec's channel list as a Choice, so --help and shell completion offer the seven names
TseChannel = Enum("TseChannel", {c: c for c in _tse.CHANNELS}, type=str)  # type: ignore[misc]

app = typer.Typer(
    name="stream",
    help="Stream live data as NDJSON (piped) or a live view (terminal).",
    no_args_is_help=True,
)


def run_stream(
    provider: str,
    make_codecs: Callable[[str], list[Codec]],
    *,
    url: str,
    fmt: o.Format,
    output: str | None,
    limit: int | None,
    duration: float | None,
    events: bool,
    stale_after: float,
    max_retries: int | None,
    fps: float = 10.0,
) -> None:
    """Wire codecs, the NDJSON writer and/or the live view into a pipeline and run it."""
    from feedcli import pipeline
    from feedcli.session import SessionOptions
    from feedcli.sinks.base import Consumer
    from feedcli.sinks.ndjson import NdjsonWriter, open_output

    codecs = make_codecs(url)  # validates the URL before anything connects
    factories = [functools.partial(_fresh, make_codecs, url, i) for i in range(len(codecs))]
    options = SessionOptions(
        stale_after=stale_after or None,
        max_retries=None if max_retries is None or max_retries < 0 else max_retries,
    )
    show_view = o.wants_view(fmt)

    async def main() -> None:
        consumers: list[Consumer] = []
        background = []
        on_malformed = None
        if output is not None:
            consumers.append(open_output(output, controls=events))
        elif not show_view:
            consumers.append(NdjsonWriter(sys.stdout.fileno(), "stdout", controls=events))
        if show_view:
            from feedcli.views.live import LiveView

            view = LiveView(title=f"feedcli stream {provider}")
            consumers.append(view)
            background.append(view.run(fps=fps))
            on_malformed = view.note_malformed
        for consumer in consumers:
            start = getattr(consumer, "start", None)
            if start is not None:
                await start()
        await pipeline.run(
            factories,
            consumers,
            options=options,
            limit=limit,
            duration=duration,
            background=background,
            on_malformed=on_malformed,
        )

    asyncio.run(main())


def _fresh(make_codecs: Callable[[str], list[Codec]], url: str, index: int) -> Codec:
    """A new codec for every connection attempt, so no state survives a reconnect."""
    return make_codecs(url)[index]


@app.command("tse", no_args_is_help=True)
def stream_tse(
    isin: Annotated[list[str], typer.Option("--isin", metavar="ISIN", help="Symbol by ISIN (repeatable).")] = [],  # noqa: B006
    name: Annotated[list[str], typer.Option("--name", metavar="NAME", help="Symbol by name (repeatable).")] = [],  # noqa: B006
    channel: Annotated[
        list[TseChannel],
        typer.Option(
            "--channel",
            "-c",
            metavar="CHANNEL",
            help=f"{', '.join(_tse.CHANNELS)} (repeatable). Default: all seven.",
            show_default=False,
        ),
    ] = [],  # noqa: B006
    url: o.Url = None,
    fmt: o.FormatOpt = o.Format.auto,
    output: o.OutputFile = None,
    limit: o.Limit = None,
    duration: o.Duration = None,
    events: o.Events = False,
    stale_after: o.StaleAfter = o.DEFAULT_STALE_AFTER,
    max_retries: o.MaxRetries = None,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
    bearer: Annotated[bool, typer.Option("--bearer", help="Send 'Authorization: Bearer <token>'.")] = False,
    fps: o.Fps = 10.0,
) -> None:
    """HT Data Engine, Tehran Stock Exchange & IFB.

    Example: feedcli stream tse --isin IRO1FOLD0001 --channel best-limit --limit 10 | jq .data
    """
    from feedcli import auth
    from feedcli.providers import tse

    sub = tse.subscription(isin, name, [c.value for c in channel])
    base = o.base_url(url, "tse", tse.INFO.default_url, family="ht")
    token = auth.token_for(profile, base)
    run_stream(
        "tse",
        lambda u: tse.codecs(sub, u, token, bearer=bearer),
        url=base,
        fmt=fmt,
        output=output,
        limit=limit,
        duration=duration,
        events=events,
        stale_after=stale_after,
        max_retries=max_retries,
        fps=fps,
    )


@app.command("ime", no_args_is_help=True)
def stream_ime(
    contract_id: Annotated[
        list[str], typer.Option("--contract-id", metavar="ID", help="Contract by id (repeatable).")
    ] = [],  # noqa: B006
    contract_name: Annotated[
        list[str], typer.Option("--contract-name", metavar="NAME", help="Contract by name (repeatable).")
    ] = [],  # noqa: B006
    url: o.Url = None,
    fmt: o.FormatOpt = o.Format.auto,
    output: o.OutputFile = None,
    limit: o.Limit = None,
    duration: o.Duration = None,
    events: o.Events = False,
    stale_after: o.StaleAfter = o.DEFAULT_STALE_AFTER,
    max_retries: o.MaxRetries = None,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
    bearer: Annotated[bool, typer.Option("--bearer", help="Send 'Authorization: Bearer <token>'.")] = False,
    fps: o.Fps = 10.0,
) -> None:
    """HT Data Engine, Iran Mercantile Exchange: the `IME Stream` of each contract.

    Example: feedcli stream ime --contract-id 100101 --limit 5
    """
    from feedcli import auth
    from feedcli.providers import ime

    sub = ime.subscription(contract_id, contract_name)
    base = o.base_url(url, "ime", ime.INFO.default_url, family="ht")
    token = auth.token_for(profile, base)
    run_stream(
        "ime",
        lambda u: ime.codecs(sub, u, token, bearer=bearer),
        url=base,
        fmt=fmt,
        output=output,
        limit=limit,
        duration=duration,
        events=events,
        stale_after=stale_after,
        max_retries=max_retries,
        fps=fps,
    )
