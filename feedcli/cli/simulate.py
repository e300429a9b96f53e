"""`feedcli simulate PROVIDER`: the provider's real protocol on loopback, until interrupted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

app = typer.Typer(
    name="simulate",
    help="Serve a provider's real protocol on loopback with deterministic market data.",
    no_args_is_help=True,
)

Host = Annotated[str, typer.Option("--host", help="Address to bind (keep it on loopback).")]
Port = Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on; 0 picks a free one.")]
Rate = Annotated[float, typer.Option("--rate", metavar="MSGS_PER_S", min=0.1, help="Market events per second.")]
Seed = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the random walk: same seed, same data.")]
FAULTS = "Fault injection"
DropAfter = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--drop-after",
        metavar="N",
        min=1,
        help="Cut each connection (no close frame) after N messages.",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]
StallAfter = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--stall-after",
        metavar="N",
        min=1,
        help="Go silent on each connection after N messages (pings still answered).",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]
MalformedEvery = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--malformed-every",
        metavar="N",
        min=1,
        help="Send a malformed frame before every Nth message.",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]
LoginErrors = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--login-errors",
        metavar="STATUS,...",
        help="Answer the first logins with these HTTP statuses (e.g. 429,503).",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]


async def serve_until_signalled(sim: Any, host: str, port: int, listing: Callable[[], list[str]]) -> None:
    """Start a simulator, print its banner and listing on stderr, serve until SIGINT/SIGTERM/SIGHUP."""
    from feedcli.runner import serve_until_done

    await serve_until_done(sim, host, port, listing)


def _statuses(text: str | None) -> list[int]:
    from feedcli.errors import UsageError

    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--login-errors wants HTTP statuses like 429,503, not {text!r}") from None


def _run_ht(
    family: str,
    host: str,
    port: int,
    rate: float,
    seed: int,
    drop_after: int | None,
    stall_after: int | None,
    malformed_every: int | None,
    login_errors: str | None,
) -> None:
    from feedcli.errors import UsageError
    from feedcli.simulators.ht import Faults, HTSimulator

    try:
        faults = Faults(
            drop_after=drop_after,
            stall_after=stall_after,
            malformed_every=malformed_every,
            login_errors=_statuses(login_errors),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sim = HTSimulator(host=host, port=port, rate=rate, seed=seed, faults=faults)

    asyncio.run(serve_until_signalled(sim, host, port, lambda: sim.listing(family)))


def _ht_command(family: str) -> Callable[..., None]:
    """`simulate tse` and `simulate ime`: one HT server either way, listing `family` first."""

    def command(
        host: Host = "127.0.0.1",
        port: Port = 8765,
        rate: Rate = 20.0,
        seed: Seed = 1,
        drop_after: DropAfter = None,
        stall_after: StallAfter = None,
        malformed_every: MalformedEvery = None,
        login_errors: LoginErrors = None,
    ) -> None:
        _run_ht(family, host, port, rate, seed, drop_after, stall_after, malformed_every, login_errors)

    command.__name__ = f"simulate_{family}"
    return command


_HT_HELP = {
    "tse": "HT Data Engine (TSE & IFB, and IME on the same port): login, all 7 channels, close 1008.\n\n"
    "Example: feedcli simulate tse --port 8765, then feedcli login --url http://127.0.0.1:8765 -u demo",
    "ime": "HT Data Engine (IME, and TSE & IFB on the same port): login, the IME Stream, close 1008.\n\n"
    "Example: feedcli simulate ime --seed 7 --rate 100",
}
for _family, _help in _HT_HELP.items():
    app.command(_family, help=_help)(_ht_command(_family))


# ---------------------------------------------------------------------------------- datafye

DatafyeRate = Annotated[
    float,
    typer.Option(
        "--rate",
        metavar="MSGS_PER_S",
        min=0.1,
        help="Data messages per second on each connection, spread over its symbols.",
    ),
]
HeartbeatInterval = Annotated[
    float,
    typer.Option(
        "--heartbeat-interval",
        metavar="S",
        min=0.01,
        help="Seconds between heartbeats.",
        rich_help_panel=FAULTS,
    ),
]
PongTimeout = Annotated[
    float,
    typer.Option(
        "--pong-timeout",
        metavar="S",
        min=0.01,
        help="Close a connection (4001 'no pong') that leaves a heartbeat unanswered this long.",
        rich_help_panel=FAULTS,
    ),
]
HaltEvery = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--halt-every",
        metavar="N",
        min=1,
        help="Halt each live connection after every N data messages ('halt', silence, 'resume').",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]
HaltSeconds = Annotated[
    float,
    typer.Option(
        "--halt-seconds",
        metavar="S",
        min=0.01,
        help="How long a halt lasts.",
        rich_help_panel=FAULTS,
    ),
]
DatafyeStallAfter = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--stall-after",
        metavar="N",
        min=1,
        help="Go silent on each connection after N data messages, unannounced (heartbeats go on).",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]


@app.command(
    "datafye",
    help="Datafye WebSocket API: live quotes, trades, aggregates, SMA, EMA; history replay; heartbeats.\n\n"
    "Listens on port 8080 by default, the document's local deployment, so `feedcli stream datafye` "
    "reaches it without --url. Example: feedcli simulate datafye --heartbeat-interval 2 --halt-every 50",
)
def simulate_datafye(
    host: Host = "127.0.0.1",
    port: Port = 8080,
    rate: DatafyeRate = 20.0,
    seed: Seed = 1,
    heartbeat_interval: HeartbeatInterval = 10.0,
    pong_timeout: PongTimeout = 30.0,
    halt_every: HaltEvery = None,
    halt_seconds: HaltSeconds = 2.0,
    drop_after: DropAfter = None,
    stall_after: DatafyeStallAfter = None,
    malformed_every: MalformedEvery = None,
) -> None:
    from feedcli.errors import UsageError
    from feedcli.simulators.datafye import DatafyeFaults, DatafyeSimulator

    try:
        faults = DatafyeFaults(drop_after=drop_after, stall_after=stall_after, malformed_every=malformed_every)
        sim = DatafyeSimulator(
            host=host,
            port=port,
            rate=rate,
            seed=seed,
            heartbeat_interval=heartbeat_interval,
            pong_timeout=pong_timeout,
            halt_every=halt_every,
            halt_seconds=halt_seconds,
            faults=faults,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    asyncio.run(serve_until_signalled(sim, host, port, sim.listing))


# ---------------------------------------------------------------------------------- candle exchanges

#: exchange → (default port, one-line help); each simulator is `feedcli.simulators.<name>.SIMULATOR`
CANDLE_EXCHANGES: dict[str, tuple[int, str]] = {
    "binance": (9443, "Binance spot: kline streams on /ws and /stream, ping frames, REST /api/v3/klines."),
    "okx": (8443, "OKX: candles on /ws/v5/business, text ping/pong, REST /api/v5/market/candles."),
    "coinbase": (8444, "Coinbase Advanced Trade: 5-minute candles, heartbeats channel, REST candles."),
    "bybit": (8445, "Bybit v5 public spot: kline topics, JSON ping, REST /v5/market/kline."),
    "kucoin": (8446, "KuCoin: bullet-public token flow, welcome/ping/pong, REST /api/v1/market/candles."),
    "gate": (8447, "Gate.io API v4: spot.candlesticks, spot.ping, REST /api/v4/spot/candlesticks."),
}
CandleRate = Annotated[
    float,
    typer.Option("--rate", metavar="MSGS_PER_S", min=0.1, help="Updates per second of each subscribed candle."),
]
RestLimitEvery = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--rest-429-every",
        metavar="N",
        min=1,
        help="Answer every Nth REST call with 429 and Retry-After: 1.",
        rich_help_panel=FAULTS,
        show_default=False,
    ),
]


def _candle_command(exchange: str, default_port: int) -> Callable[..., None]:
    def command(
        host: Host = "127.0.0.1",
        port: Port = default_port,
        rate: CandleRate = 2.0,
        seed: Seed = 1,
        rest_429_every: RestLimitEvery = None,
        drop_after: DropAfter = None,
    ) -> None:
        import importlib

        from feedcli.errors import UsageError

        module = importlib.import_module(f"feedcli.simulators.{exchange}")
        try:
            sim = module.SIMULATOR(
                host=host, port=port, rate=rate, seed=seed, rest_limit_every=rest_429_every, drop_after=drop_after
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        asyncio.run(serve_until_signalled(sim, host, port, sim.listing))

    command.__name__ = f"simulate_{exchange}"
    return command


for _exchange, (_port, _help) in CANDLE_EXCHANGES.items():
    app.command(
        _exchange,
        help=_help + f"\n\nExample: feedcli simulate {_exchange}, then feedcli stream "
        f"{_exchange} --url http://127.0.0.1:{_port} --pair BTC-USDT --interval 1m",
    )(_candle_command(_exchange, _port))


# ---------------------------------------------------------------------------------- moex


def _fault(help_text: str) -> Any:
    return typer.Option(metavar="N", min=1, help=help_text, rich_help_panel=FAULTS, show_default=False)


@app.command(
    "moex",
    help="MOEX ISS+ over STOMP: CONNECT with metadata, securities, orderbooks and candles of MXSE, "
    "SEARCH.ticker, heart-beats, the documented ERROR codes.\n\n"
    "Example: feedcli simulate moex --port 8767, then "
    "feedcli stream moex --url http://127.0.0.1:8767 --ticker MXSE.TQBR.SBER --stream orderbooks",
)
def simulate_moex(
    host: Host = "127.0.0.1",
    port: Port = 8767,
    rate: Annotated[
        float,
        typer.Option("--rate", metavar="MSGS_PER_S", min=0.1, help="Market events per second, per instrument."),
    ] = 20.0,
    seed: Seed = 1,
    heart_beat: Annotated[
        int,
        typer.Option(
            "--heart-beat",
            metavar="MS",
            min=0,
            help="The server's heart-beat in CONNECTED (ms, both ways); the rate is agreed with the client's.",
        ),
    ] = 1000,
    drop_after: DropAfter = None,
    gap_every: Annotated[
        Optional[int],  # noqa: UP045
        _fault("Skip a seqnum in every Nth packet of a subscription (a lost packet: a gap)."),
    ] = None,
    error_after: Annotated[
        Optional[int],  # noqa: UP045
        _fault("Send ERROR --error-code after N messages on a connection, and close it."),
    ] = None,
    error_code: Annotated[
        str,
        typer.Option(
            "--error-code",
            metavar="CODE",
            help="The code --error-after sends: gateway.timeout, gateway.transport, gateway.exception, ...",
            rich_help_panel=FAULTS,
        ),
    ] = "gateway.timeout",
    stall_after: Annotated[
        Optional[int],  # noqa: UP045
        _fault("Send no more data on a connection after N messages; heart-beats go on."),
    ] = None,
    silent_after: Annotated[
        Optional[int],  # noqa: UP045
        _fault("Send nothing at all on a connection after N messages, not even heart-beats."),
    ] = None,
    malformed_every: MalformedEvery = None,
) -> None:
    from feedcli.errors import UsageError
    from feedcli.simulators.moex import MoexFaults, MoexSimulator

    try:
        faults = MoexFaults(
            drop_after=drop_after,
            gap_every=gap_every,
            error_after=error_after,
            error_code=error_code,
            stall_after=stall_after,
            silent_after=silent_after,
            malformed_every=malformed_every,
        )
        sim = MoexSimulator(host=host, port=port, rate=rate, seed=seed, heart_beat=heart_beat, faults=faults)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    asyncio.run(serve_until_signalled(sim, host, port, sim.listing))
