"""`feedcli demo`: a simulator in this process, streamed into the live view. Zero set-up.

Which providers have a demo, and what it streams, is each record's `demo` (with its
`simulator` and `credentials`): this module names no provider.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from feedcli import providers
from feedcli.cli import options as o

#: a Choice of the providers with a demo, in the registry's order (the first is the default)
DemoProvider = Enum(  # type: ignore[misc]
    "DemoProvider",
    {r.name: r.name for r in providers.records() if r.demo is not None and r.simulator is not None},
    type=str,
)
DEFAULT = next(iter(DemoProvider))


def demo(
    provider: Annotated[
        DemoProvider,  # type: ignore[valid-type]
        typer.Argument(help="Which simulated provider to watch."),
    ] = DEFAULT,
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="Simulated market events per second.")] = 40.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated market.")] = 1,
    duration: o.Duration = None,
    fmt: o.FormatOpt = o.Format.auto,
    limit: o.Limit = None,
    fps: o.Fps = 10.0,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            metavar="CHANNEL",
            help="Stream these channels rather than the demo's own (repeatable; the provider's channel names).",
        ),
    ] = None,
    focus: o.Focus = None,
    tz: o.Tz = None,
) -> None:
    """Watch a simulated market live: no account, no network, nothing to configure.

    It runs the provider's simulator on loopback, logs in to it with its demo
    credentials and streams what the provider's demo names (every symbol, or a few
    with their history first), exactly as `feedcli stream` would.
    Keys: arrows or j/k move the focus, / filters the symbols, ? lists the keys, q (or
    Ctrl-C) leaves. Piped, it writes NDJSON instead.

    Examples:

      feedcli demo

      feedcli demo binance --rate 200

      feedcli demo --limit 20 | jq -c .data
    """
    import asyncio
    import functools
    from collections.abc import Callable

    from feedcli import pipeline
    from feedcli.providers.base import Codec
    from feedcli.ratelimit import limiter_for
    from feedcli.session import SessionOptions
    from feedcli.sinks.base import Consumer
    from feedcli.sinks.ndjson import stdout_writer

    record = providers.get(provider.value)
    spec, plan = record.simulator, record.demo
    assert spec is not None and plan is not None  # the choices are the records with both
    show_view = o.wants_view(fmt)
    zone = o.zone(tz)  # exit 2 for an unknown zone

    async def main() -> None:
        driven = min(rate, plan.max_rate) if plan.max_rate is not None else rate
        sim = spec.build("127.0.0.1", 0, spec.values(rate=driven, seed=seed))
        base = await sim.start()
        try:
            credential = None
            if record.credentials is not None:
                credential = await asyncio.to_thread(record.credentials.demo_credential, base, sim)
            values = dict(plan.values(sim))
            if channel and plan.channels is not None:
                values = dict(plan.channels(sim, list(channel)))
            elif channel:
                # the provider's own channel option (`--channel`, or MOEX ISS+'s `--stream`)
                dest = next((x.dest for x in record.options if x.flag in ("--channel", "--stream")), None)
                if dest is None:
                    from feedcli.errors import UsageError

                    raise UsageError(f"demo {record.info.name} has no --channel to choose")
                values[dest] = list(channel)
            make = record.prepare(values, {})
            count = len(make(base, credential))
            factories = [functools.partial(lambda i: make(base, credential)[i], i) for i in range(count)]
            await watch(factories, dict(plan.names(sim)))
        finally:
            await sim.stop()

    async def watch(factories: list[Callable[[], Codec]], names: dict[str, str]) -> None:
        consumers: list[Consumer] = []
        background = []
        on_malformed = None
        if show_view:
            from feedcli.views.live import LiveView

            view = LiveView(title=f"feedcli demo {provider.value} (simulated)", names=names, focus=focus, zone=zone)
            consumers.append(view)
            background.append(view.run(fps=fps))
            on_malformed = view.note_malformed
        else:
            writer = stdout_writer(controls=False)
            await writer.start()
            consumers.append(writer)
        await pipeline.run(
            factories,
            consumers,
            # paced to the exchange's REST limits as a stream is (the simulator mirrors them)
            options=SessionOptions(stale_after=None, trust_env=False, rest_limiter=limiter_for(record.rest_limits)),
            limit=limit,
            duration=duration,
            background=background,
            on_malformed=on_malformed,
        )

    from feedcli.runner import run_command

    run_command(main())
