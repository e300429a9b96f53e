"""End to end: `feedcli stream datafye` as a subprocess against `feedcli simulate datafye`."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.cli import Simulator, lines, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sim():
    with Simulator("datafye", "--rate", "300", "--seed", "3") as s:
        yield s


def stream(sim: Simulator, *args: str) -> list[str]:
    return ["stream", "datafye", "--url", sim.url, *args]


def test_first_line_names_the_url_and_no_credentials(sim) -> None:
    assert sim.first_line.startswith("feedcli simulate: serving Datafye at http://127.0.0.1:")
    assert "password" not in sim.first_line


def test_every_channel_on_its_own_connection_merged_into_one_output(sim, env) -> None:
    args = stream(
        sim,
        "--symbol",
        "AAPL",
        "--symbol",
        "MSFT",
        "-c",
        "quotes",
        "-c",
        "trades",
        "-c",
        "aggregates",
        "--frequency",
        "Second",
        "--events",
        "--limit",
        "150",
    )
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    assert len(data) == 150
    assert {o["channel"] for o in data} == {"quotes", "trades", "aggregates"}
    assert {o["symbol"] for o in data} <= {"AAPL", "MSFT"}
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 3 and events["subscribed"] == 3
    quote = next(o for o in data if o["channel"] == "quotes")
    assert quote["data"]["bidPrice"] < quote["data"]["askPrice"]
    assert quote["ts"].endswith("Z")
    bar = next(o["data"] for o in data if o["channel"] == "aggregates")
    assert bar["low"] <= min(bar["open"], bar["close"]) <= max(bar["open"], bar["close"]) <= bar["high"]


@pytest.mark.parametrize("symbols", [["AAPL"], ["AAPL", "MSFT"]])
def test_history_ends_cleanly_at_stream_end(sim, env, symbols) -> None:
    args = stream(sim, "-c", "aggregates", "--from", "2025-01-02T09:30:00", "--to", "2025-01-02T10:30:00", "--events")
    for s in symbols:
        args += ["--symbol", s]
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    for s in symbols:
        bars = [o for o in out if o.get("channel") == "aggregates" and o["symbol"] == s]
        times = [b["data"]["datetime"] for b in bars]
        assert times == sorted(times) and len(times) == len(set(times))
        assert 59 <= len(bars) <= 61  # one hour of minute bars
    kinds = [o["event"] for o in out if "event" in o]
    assert kinds.count("stream_end") == len(symbols)
    assert kinds[-1] == "disconnected"


def test_a_client_that_pongs_survives_many_pong_timeouts(env) -> None:
    with Simulator("datafye", "--rate", "50", "--heartbeat-interval", "0.2", "--pong-timeout", "0.6") as sim:
        result = run(stream(sim, "--symbol", "AAPL", "--events", "--duration", "3"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert not [o for o in out if o.get("event") == "disconnected"]
    assert sum(1 for o in out if "channel" in o) > 50


def test_halt_and_resume_are_control_lines_and_do_not_trip_the_watchdog(env) -> None:
    with Simulator("datafye", "--rate", "100", "--halt-every", "20", "--halt-seconds", "2") as sim:
        args = stream(sim, "--symbol", "AAPL", "--events", "--stale-after", "1", "--limit", "45")
        result = run(args, env)
    assert result.returncode == 0, result.stderr
    kinds = [o["event"] for o in lines(result.stdout) if "event" in o]
    assert "halt" in kinds and "resume" in kinds
    assert "disconnected" not in kinds


def test_reconnects_and_subscribes_again(env) -> None:
    with Simulator("datafye", "--rate", "300", "--drop-after", "15") as sim:
        args = stream(sim, "--symbol", "AAPL", "-c", "quotes", "-c", "trades", "--events", "--limit", "80")
        result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    kinds = Counter(o["event"] for o in out if "event" in o)
    assert kinds["reconnected"] >= 2
    assert kinds["subscribed"] >= 2 + kinds["reconnected"]  # every new connection subscribed again
    assert sum(1 for o in out if "channel" in o) == 80


def test_an_unknown_dataset_is_exit_4(sim, env) -> None:
    result = run(stream(sim, "--symbol", "AAPL", "--dataset", "NOPE"), env)
    assert result.returncode == 4, result.stderr
    assert "INVALID_DATASET" in result.stderr


def test_an_unknown_frequency_is_exit_4(sim, env) -> None:
    result = run(stream(sim, "--symbol", "AAPL", "-c", "aggregates", "--frequency", "Fortnight"), env)
    assert result.returncode == 4, result.stderr


def test_local_option_errors_are_exit_2(env) -> None:
    result = run(["stream", "datafye", "--symbol", "AAPL", "--deployment", "external", "--user", "acme"], env)
    assert result.returncode == 2 and "--type" in result.stderr


def test_moving_average_channels(sim, env) -> None:
    result = run(
        stream(sim, "--symbol", "AAPL", "-c", "sma", "-c", "ema", "--frequency", "Second", "--limit", "10"), env
    )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert {o["channel"] for o in out} <= {"sma", "ema"} and len(out) == 10
    assert all(isinstance(o["data"]["value"], int | float) for o in out)


def test_the_lifecycle_ends_with_unsubscribe_and_close_1000() -> None:
    import asyncio

    from feedcli.pipeline import run as run_pipeline
    from feedcli.providers import datafye
    from feedcli.session import SessionOptions
    from feedcli.simulators.datafye import DatafyeSimulator
    from feedcli.sinks.base import Consumer

    class Keep:
        def __init__(self) -> None:
            self.events: list = []

        def emit(self, event) -> None:
            self.events.append(event)

        def pressure(self) -> None:
            return None

        async def aclose(self) -> None:
            return None

    async def main() -> DatafyeSimulator:
        sim = DatafyeSimulator(rate=200)
        base = await sim.start()
        try:
            make = datafye.prepare({"symbol": ["AAPL"], "channel": ["quotes", "trades"]})
            keep: Consumer = Keep()
            factories = [lambda i=i: make(base, None)[i] for i in range(2)]
            await run_pipeline(
                factories, [keep], options=SessionOptions(trust_env=False), limit=20, note=lambda _m: None
            )
            await asyncio.sleep(0.2)
        finally:
            await sim.stop()
        return sim

    sim = asyncio.run(main())
    actions = [(channel, msg["action"]) for channel, msg in sim.received]
    assert ("quotes", "subscribe") in actions and ("quotes", "unsubscribe") in actions
    assert ("trades", "subscribe") in actions and ("trades", "unsubscribe") in actions
    assert actions.index(("quotes", "subscribe")) < actions.index(("quotes", "unsubscribe"))
    assert {code for _, code in sim.closes} == {1000}
