"""End to end: `feedcli stream coinbase` as a subprocess against `feedcli simulate coinbase`."""

from __future__ import annotations

import itertools
import urllib.request
from collections import Counter

import pytest

from tests.support.cli import Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e

FIVE_MIN_MS = 300_000


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    env = feedcli_env(tmp_path_factory.mktemp("cfg"), FEEDCLI_SIM_COINBASE_IDLE="1.5")
    with Simulator("coinbase", "--rate", "20", "--seed", "5", env=env) as s:
        yield s


def stream(sim: Simulator, *args: str) -> list[str]:
    return ["stream", "coinbase", "--url", sim.url, *args]


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_banner_names_the_url(sim) -> None:
    assert sim.first_line.startswith("feedcli simulate: serving Coinbase Advanced Trade at http://127.0.0.1:")


def test_five_minute_candles_for_several_pairs(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--pair", "eth-usdt", "--interval", "5m", "--limit", "30"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 30
    assert {o["symbol"] for o in out} == {"BTC-USDT", "ETH-USDT"}
    for o in out:
        assert o["provider"] == "coinbase" and o["channel"] == "candles"
        assert o["ts"].endswith("Z") and o["recv"].endswith("Z")
        data = o["data"]
        assert set(data) == {"timestamp", "open", "high", "low", "close", "volume"}  # no closed/trades on the WS
        assert all(isinstance(data[k], float) for k in ("open", "high", "low", "close", "volume"))
        assert data["low"] <= min(data["open"], data["close"]) <= max(data["open"], data["close"]) <= data["high"]
        assert _ms(data["timestamp"]) % FIVE_MIN_MS == 0


def test_backfill_seam_has_no_gap_and_no_duplicate(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "5m", "--backfill", "5", "--limit", "15"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    back = out[:5]
    live = [o for o in out[5:] if o["ts"] is not None]  # a later ts-null line is a top-up of a missed bar
    assert all(o["ts"] is None for o in back) and all(o["ts"] is not None for o in live)
    starts = [_ms(o["data"]["timestamp"]) for o in back]
    assert starts == sorted(starts) and all(b - a == FIVE_MIN_MS for a, b in itertools.pairwise(starts))
    assert [o["data"]["closed"] for o in back] == [True] * 4 + [False]
    live_starts = [_ms(o["data"]["timestamp"]) for o in live]
    assert live_starts[0] in (starts[-1], starts[-1] + FIVE_MIN_MS)
    assert all(s >= starts[-1] for s in live_starts)
    # the same numbers across the seam: REST and WS speak of one market
    first_live = live[0]["data"]
    if live_starts[0] == starts[-1]:
        assert first_live["open"] == back[-1]["data"]["open"]


def test_an_interval_the_socket_lacks_is_polled(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "1m", "--events", "--limit", "2"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    connected = [o for o in out if o.get("event") == "connected"]
    assert connected and connected[0]["mode"] == "poll"
    assert "/api/v3/brokerage/market/products/BTC-USDT/candles" in connected[0]["url"]
    data = [o for o in out if "channel" in o]
    assert len(data) == 2 and all(_ms(o["data"]["timestamp"]) % 60_000 == 0 for o in data)
    assert data[0]["data"]["closed"] is True and data[1]["data"]["closed"] is False


def test_heartbeats_keep_the_connection_past_the_idle_close(sim, env) -> None:
    # the simulator closes a connection without heartbeats after 1.5 s without client messages
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "5m", "--events", "--duration", "4"), env)
    assert result.returncode == 0, result.stderr
    events = Counter(o["event"] for o in lines(result.stdout) if "event" in o)
    assert events["connected"] == 1 and events["reconnected"] == 0
    assert sum(1 for o in lines(result.stdout) if "channel" in o) > 20


def test_unknown_pair_exits_4(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-XYZ", "--interval", "5m"), env, timeout=30)
    assert result.returncode == 4, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "BTC-XYZ" in result.stderr


def test_unknown_pair_on_rest_exits_4(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-XYZ", "--interval", "1m"), env, timeout=30)
    assert result.returncode == 4, result.stderr
    assert "BTC-XYZ" in result.stderr


@pytest.mark.parametrize("args", [["--pair", "BTCUSD"], ["--pair", "BTC-USD", "--interval", "4h"]])
def test_bad_usage_exits_2(sim, env, args) -> None:
    result = run(stream(sim, *args), env)
    assert result.returncode == 2, result.stderr


def test_rate_limited_backfill_waits_and_succeeds(tmp_path, env) -> None:
    with Simulator("coinbase", "--rate", "20", "--rest-429-every", "2", env=env) as s:
        # spend the simulator's first REST call, so the stream's backfill is the rate-limited second
        url = f"{s.url}/api/v3/brokerage/market/products/BTC-USDT/candles?start=0&end=299&granularity=FIVE_MINUTE"
        with urllib.request.urlopen(url) as answer:
            assert answer.status == 200
        result = run(stream(s, "--pair", "BTC-USDT", "--interval", "5m", "--backfill", "5", "--limit", "7"), env)
    assert result.returncode == 0, result.stderr
    assert "rate limited" in result.stderr and "429" in result.stderr
    out = lines(result.stdout)
    assert len(out) == 7 and all(o["ts"] is None for o in out[:5])
