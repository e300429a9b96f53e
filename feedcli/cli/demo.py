"""`feedcli demo`: a simulator in this process, streamed into the live view. Zero set-up."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated, Optional

import typer

from feedcli.cli import options as o


class DemoProvider(str, Enum):
    tse = "tse"
    ime = "ime"
    moex = "moex"
    binance = "binance"
    okx = "okx"
    coinbase = "coinbase"
    bybit = "bybit"
    kucoin = "kucoin"
    gate = "gate"


#: pairs a candle demo watches, and how many bars of history it fetches first
DEMO_PAIRS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")
DEMO_BACKFILL = "60"


def demo(
    provider: Annotated[DemoProvider, typer.Argument(help="Which simulated provider to watch.")] = DemoProvider.tse,
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="Simulated market events per second.")] = 40.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated market.")] = 1,
    duration: o.Duration = None,
    fmt: o.FormatOpt = o.Format.auto,
    limit: o.Limit = None,
    fps: o.Fps = 10.0,
) -> None:
    """Watch a simulated market live: no account, no network, nothing to configure.

    It runs the provider's simulator on loopback, logs in to it with its demo
    credentials and streams every symbol, exactly as `feedcli stream` would.
    For MOEX it watches three tickers' order books and quotes as the guest; for a
    candle exchange it fetches an hour of 1m history first (`--backfill`) and
    streams three pairs.
    Press Ctrl-C to leave. Piped, it writes NDJSON instead.
    """
    import functools
    import importlib
    from collections.abc import Callable

    from feedcli import auth, pipeline, providers
    from feedcli.providers import ime, tse
    from feedcli.providers.base import Codec
    from feedcli.session import SessionOptions
    from feedcli.simulators.ht import HTSimulator
    from feedcli.sinks.base import Consumer
    from feedcli.sinks.ndjson import stdout_writer

    show_view = o.wants_view(fmt)

    async def main() -> None:
        if provider is DemoProvider.moex:
            from feedcli.simulators.moex import MoexSimulator

            moex_sim = MoexSimulator(host="127.0.0.1", port=0, rate=rate, seed=seed)
            base = await moex_sim.start()
            try:
                tickers = list(moex_sim.instruments)[:3]
                make = providers.get("moex").prepare({"ticker": tickers, "stream": ["orderbooks", "securities"]})
                await watch([lambda: make(base, None)[0]], {})  # as the guest, as `stream moex` would
            finally:
                await moex_sim.stop()
            return
        if provider not in (DemoProvider.tse, DemoProvider.ime):
            sim_module = importlib.import_module(f"feedcli.simulators.{provider.value}")
            candle_sim = sim_module.SIMULATOR(host="127.0.0.1", port=0, rate=min(rate, 10.0), seed=seed)
            base = await candle_sim.start()
            try:
                make = providers.get(provider.value).prepare(
                    {"pair": list(DEMO_PAIRS), "interval": "1m", "backfill": DEMO_BACKFILL}
                )
                count = len(make(base, None))
                factories = [functools.partial(lambda i: make(base, None)[i], i) for i in range(count)]
                await watch(factories, {})
            finally:
                await candle_sim.stop()
            return
        sim = HTSimulator(host="127.0.0.1", port=0, rate=rate, seed=seed)
        base = await sim.start()
        try:
            token = await asyncio.to_thread(auth.login, base, sim.user, sim.password)
            names = {i.isin: i.name for i in sim.tse_instruments}
            names.update({c.contract_id: c.name for c in sim.ime_contracts})
            if provider is DemoProvider.tse:
                sub = tse.subscription([i.isin for i in sim.tse_instruments], [], [])
                factory = lambda: tse.codecs(sub, base, token.token)[0]  # noqa: E731
            else:
                isub = ime.subscription([c.contract_id for c in sim.ime_contracts], [])
                factory = lambda: ime.codecs(isub, base, token.token)[0]  # noqa: E731
            await watch([factory], names)
        finally:
            await sim.stop()

    async def watch(factories: list[Callable[[], Codec]], names: dict[str, str]) -> None:
        consumers: list[Consumer] = []
        background = []
        on_malformed = None
        if show_view:
            from feedcli.views.live import LiveView

            view = LiveView(title=f"feedcli demo {provider.value} (simulated)", names=names)
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
            options=SessionOptions(stale_after=None, trust_env=False),
            limit=limit,
            duration=duration,
            background=background,
            on_malformed=on_malformed,
        )

    asyncio.run(main())


DemoArg = Optional[DemoProvider]  # noqa: UP045
