"""End to end, for the two exchanges with JSON pings (Bybit and Gate.io): `feedcli stream X`
as a subprocess against `feedcli simulate X`, the same checks for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

import pytest

from tests.support.cli import Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Case:
    provider: str
    banner: str
    ws_path: str
    #: how the exchange spells FOO-USDT, and the code of its REST refusal
    unknown: str
    rest_refusal: str
    #: intervals the exchange has neither streamed nor over REST
    bad_intervals: tuple[str, str]

    @property
    def idle_env(self) -> str:
        return f"FEEDCLI_SIM_{self.provider.upper()}_IDLE"

    @property
    def ping_env(self) -> str:
        return f"FEEDCLI_{self.provider.upper()}_PING_INTERVAL"


BYBIT = Case("bybit", "Bybit v5 spot", "/v5/public/spot", "FOOUSDT", "10001", ("8h", "1s"))
GATE = Case("gate", "Gate.io API v4 spot", "/ws/v4/", "FOO_USDT", "INVALID_CURRENCY_PAIR", ("3m", "12h"))


@pytest.fixture(scope="module", params=[BYBIT, GATE], ids=lambda c: c.provider)
def case(request) -> Case:
    return request.param


@pytest.fixture(scope="module")
def sim(case: Case):
    with Simulator(case.provider, "--rate", "20", "--seed", "5") as s:
        yield s


def stream(sim: Simulator, *args: str) -> list[str]:
    return ["stream", sim.provider, "--url", sim.url, *args]


def data_lines(stdout: str) -> list[dict]:
    return [o for o in lines(stdout) if "channel" in o]


def _t(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def check_candle(o: dict, symbol: str = "BTC-USDT") -> None:
    assert o["provider"] in ("bybit", "gate") and o["channel"] == "candles" and o["symbol"] == symbol
    d = o["data"]
    assert set(d) == {"timestamp", "open", "high", "low", "close", "volume", "quote_volume", "closed"}
    for k in ("open", "high", "low", "close", "volume", "quote_volume"):
        assert isinstance(d[k], float), (k, d[k])
    assert isinstance(d["closed"], bool)
    assert d["low"] <= min(d["open"], d["close"]) <= max(d["open"], d["close"]) <= d["high"]
    assert _t(d["timestamp"]) % 60 == 0


def test_banner(sim, case: Case) -> None:
    assert sim.first_line.startswith(f"feedcli simulate: serving {case.banner} at http://127.0.0.1:")


def test_one_pair_live(sim, env, case: Case) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "1m", "--limit", "5", "--events"), env, timeout=30)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    assert len(data) == 5
    for o in data:
        check_candle(o)
        assert o["provider"] == case.provider
        assert o["ts"].endswith("Z")  # Bybit's `ts`, Gate's `time_ms`
    events = [o["event"] for o in out if "event" in o]
    assert events[:2] == ["connected", "subscribed"]
    connected = next(o for o in out if o.get("event") == "connected")
    assert connected["url"].endswith(case.ws_path)


def test_several_pairs_one_connection(sim, env) -> None:
    args = stream(sim, "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--pair", "SOL-USDT", "--limit", "30", "--events")
    result = run(args, env, timeout=30)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    assert {o["symbol"] for o in data} == {"BTC-USDT", "ETH-USDT", "SOL-USDT"}
    for o in data:
        check_candle(o, o["symbol"])
    assert sum(1 for o in out if o.get("event") == "connected") == 1


def test_backfill_seam_no_gap_no_duplicate(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--backfill", "5", "--limit", "25"), env, timeout=30)
    assert result.returncode == 0, result.stderr
    data = data_lines(result.stdout)
    assert len(data) == 25
    backfill = data[:5]
    live = [o for o in data[5:] if o["ts"] is not None]  # a later ts-null line is a top-up of a bar missed at the seam
    assert all(o["ts"] is None for o in backfill)  # REST rows carry no event time
    assert all(o["ts"] is not None for o in live)
    starts = [_t(o["data"]["timestamp"]) for o in [*backfill, *live]]
    assert starts == sorted(starts)
    distinct = sorted(set(starts))
    assert len(distinct) >= 5
    assert all(b - a == 60 for a, b in pairwise(distinct)), distinct  # no gap
    closed = [o["data"]["timestamp"] for o in data if o["data"]["closed"]]
    assert len(closed) == len(set(closed))  # no closed candle twice
    assert all(o["data"]["closed"] for o in backfill[:4])
    assert _t(live[0]["data"]["timestamp"]) >= starts[4]


def test_keepalive_keeps_the_connection(tmp_path, case: Case) -> None:
    sim_env = feedcli_env(tmp_path / "s", **{case.idle_env: "1.5"})
    with Simulator(case.provider, "--rate", "10", env=sim_env) as sim:
        # pings ten times as often as the limit: a client would have to stall for 1.35 s
        pinging = feedcli_env(tmp_path / "c", **{case.ping_env: "0.15"})
        result = run(stream(sim, "--pair", "BTC-USDT", "--duration", "5", "--events"), pinging, timeout=30)
        assert result.returncode == 0, result.stderr
        out = lines(result.stdout)
        assert not [o for o in out if o.get("event") in ("disconnected", "reconnected")], out
        recv = [_t(o["recv"]) for o in out if "channel" in o]
        assert recv and recv[-1] - recv[0] > 1.5  # candles past the idle limit
        # the same run without the keepalive is cut by the exchange after its idle limit
        silent = feedcli_env(tmp_path / "c", **{case.ping_env: "60"})
        cut = run(stream(sim, "--pair", "BTC-USDT", "--duration", "8", "--max-retries", "0"), silent, timeout=30)
        assert cut.returncode == 5, cut.stderr


def test_unknown_pair_exit_4(sim, env, case: Case) -> None:
    result = run(stream(sim, "--pair", "FOO-USDT", "--limit", "1"), env, timeout=30)
    assert result.returncode == 4
    message = result.stderr.strip()
    assert "\n" not in message and case.unknown in message


def test_unknown_pair_in_backfill_exit_4(sim, env, case: Case) -> None:
    result = run(stream(sim, "--pair", "FOO-USDT", "--backfill", "3", "--limit", "1"), env, timeout=30)
    assert result.returncode == 4
    assert "FOO-USDT" in result.stderr and case.rest_refusal in result.stderr


def test_bad_usage_exit_2(sim, env, case: Case) -> None:
    bad = [["--pair", "BTCUSDT"], *(["--pair", "BTC-USDT", "--interval", i] for i in case.bad_intervals)]
    for args in bad:
        result = run(stream(sim, *args, "--limit", "1"), env, timeout=30)
        assert result.returncode == 2, (args, result.stderr)


def test_rest_429_during_backfill(tmp_path, case: Case) -> None:
    # call 1 (the backfill) passes; the connection is cut after 10 messages, and the gap
    # fill that follows (call 2) is answered 429 with Retry-After: feedcli waits, asks
    # again (call 3) and streams on
    with Simulator(case.provider, "--rate", "20", "--rest-429-every", "2", "--drop-after", "10") as sim:
        env = feedcli_env(tmp_path)
        args = stream(sim, "--pair", "BTC-USDT", "--backfill", "3", "--limit", "20", "--events")
        result = run(args, env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "429" in result.stderr
    out = lines(result.stdout)
    assert any(o.get("event") == "reconnected" for o in out)
    data = [o for o in out if "channel" in o]
    assert len(data) == 20 and [o["ts"] for o in data[:3]] == [None] * 3
    starts = [_t(o["data"]["timestamp"]) for o in data]
    assert starts == sorted(starts)


def test_gate_polls_an_interval_its_websocket_lacks(env) -> None:
    # Gate streams no 1s candles; its REST API serves them: polled after each boundary.
    # (Bybit's WebSocket streams every interval its REST API serves: nothing to poll.)
    with Simulator("gate", "--rate", "20") as sim:
        args = stream(sim, "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--interval", "1s", "--limit", "10", "--events")
        result = run(args, env, timeout=30)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    connected = [o for o in out if o.get("event") == "connected"]
    assert len(connected) == 1 and connected[0]["mode"] == "poll"
    assert connected[0]["url"].endswith("/api/v4/spot/candlesticks")
    data = [o for o in out if "channel" in o]
    assert len(data) == 10 and {o["symbol"] for o in data} == {"BTC-USDT", "ETH-USDT"}
    for pair in ("BTC-USDT", "ETH-USDT"):
        closed = [_t(o["data"]["timestamp"]) for o in data if o["symbol"] == pair and o["data"]["closed"]]
        assert closed == sorted(set(closed))
        assert all(b - a == 1 for a, b in pairwise(closed)), closed  # a poll per bar, none skipped
