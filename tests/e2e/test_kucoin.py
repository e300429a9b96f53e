"""End to end: `feedcli stream kucoin` as a subprocess against `feedcli simulate kucoin`."""

from __future__ import annotations

import itertools
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime

import pytest

from tests.support.cli import Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e

MIN_MS = 60_000


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    # a short ping interval: a client that does not ping is closed after 0.5 + 0.5 s
    env = feedcli_env(
        tmp_path_factory.mktemp("cfg"),
        FEEDCLI_SIM_KUCOIN_PING_INTERVAL="0.5",
        FEEDCLI_SIM_KUCOIN_PING_TIMEOUT="0.5",
    )
    with Simulator("kucoin", "--rate", "20", "--seed", "4", env=env) as s:
        yield s


def stream(sim: Simulator, *args: str) -> list[str]:
    return ["stream", "kucoin", "--url", sim.url, *args]


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_banner_and_token_endpoint(sim) -> None:
    assert sim.first_line.startswith("feedcli simulate: serving KuCoin at http://127.0.0.1:")
    with pytest.raises(urllib.error.HTTPError) as err:  # the token call is a POST; GET fails
        urllib.request.urlopen(f"{sim.url}/api/v1/bullet-public")
    assert err.value.code == 405
    with pytest.raises(urllib.error.HTTPError) as err:  # no token, no socket
        urllib.request.urlopen(f"{sim.url}/?connectId=1")
    assert err.value.code == 401


def test_candles_for_several_pairs(sim, env) -> None:
    args = stream(sim, "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--interval", "1m", "--events", "--limit", "30")
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    assert len(data) == 30 and {o["symbol"] for o in data} == {"BTC-USDT", "ETH-USDT"}
    for o in data:
        assert o["provider"] == "kucoin" and o["channel"] == "candles" and o["ts"].endswith("Z")
        d = o["data"]
        assert {"timestamp", "open", "high", "low", "close", "volume", "quote_volume"} <= set(d)
        assert all(isinstance(d[k], float) for k in ("open", "high", "low", "close", "volume", "quote_volume"))
        assert d["low"] <= min(d["open"], d["close"]) <= max(d["open"], d["close"]) <= d["high"]
        assert _ms(d["timestamp"]) % MIN_MS == 0
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 1 and events["subscribed"] == 2
    connected = next(o for o in out if o.get("event") == "connected")
    assert "connectId=" in connected["url"] and "token" not in connected["url"]


def test_backfill_seam_has_no_gap_and_no_duplicate(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "1m", "--backfill", "5", "--limit", "20"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    back = out[:5]
    live = [o for o in out[5:] if o["ts"] is not None]  # a later ts-null line is a top-up of a missed bar
    assert all(o["ts"] is None for o in back) and all(o["ts"] is not None for o in live)
    starts = [_ms(o["data"]["timestamp"]) for o in back]
    assert all(b - a == MIN_MS for a, b in itertools.pairwise(starts))
    assert [o["data"]["closed"] for o in back] == [True] * 4 + [False]
    live_starts = [_ms(o["data"]["timestamp"]) for o in live]
    assert live_starts[0] in (starts[-1], starts[-1] + MIN_MS) and live_starts == sorted(live_starts)
    closed = [o["data"]["timestamp"] for o in out if o["data"].get("closed")]
    assert len(closed) == len(set(closed))


def test_five_minutes_are_polled_over_rest(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "5m", "--events", "--limit", "2"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    connected = next(o for o in out if o.get("event") == "connected")
    assert connected["mode"] == "poll" and "/api/v1/market/candles" in connected["url"]
    data = [o for o in out if "channel" in o]
    assert len(data) == 2 and all(_ms(o["data"]["timestamp"]) % 300_000 == 0 for o in data)


def test_pings_keep_the_connection_past_several_ping_intervals(sim, env) -> None:
    result = run(stream(sim, "--pair", "BTC-USDT", "--interval", "1m", "--events", "--duration", "3.5"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 1 and events["reconnected"] == 0, events
    assert sum(1 for o in out if "channel" in o) > 30


def test_a_fresh_token_for_every_reconnect(tmp_path) -> None:
    # the simulator's tokens open one connection each: a reused token would be refused (exit 3)
    env = feedcli_env(tmp_path)
    with Simulator("kucoin", "--rate", "20", "--drop-after", "6", env=env) as s:
        result = run(stream(s, "--pair", "BTC-USDT", "--interval", "1m", "--events", "--limit", "25"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["reconnected"] >= 2
    urls = [o["url"] for o in out if o.get("event") in ("connected", "reconnected")]
    assert len(set(urls)) == len(urls)  # a new connectId each time
    assert sum(1 for o in out if "channel" in o) == 25


def test_unknown_pair_exits_4(sim, env) -> None:
    result = run(stream(sim, "--pair", "XBT-USDT", "--interval", "1m"), env, timeout=30)
    assert result.returncode == 4, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "not found" in result.stderr


def test_unknown_pair_on_rest_exits_4(sim, env) -> None:
    result = run(stream(sim, "--pair", "XBT-USDT", "--interval", "1m", "--backfill", "3"), env, timeout=30)
    assert result.returncode == 4, result.stderr
    assert "XBT-USDT" in result.stderr and "400100" in result.stderr


@pytest.mark.parametrize("args", [["--pair", "BTC_USDT"], ["--pair", "BTC-USDT", "--interval", "1s"]])
def test_bad_usage_exits_2(sim, env, args) -> None:
    result = run(stream(sim, *args), env)
    assert result.returncode == 2, result.stderr


def test_rate_limited_backfill_waits_and_succeeds(env) -> None:
    with Simulator("kucoin", "--rate", "20", "--rest-429-every", "2", env=env) as s:
        with urllib.request.urlopen(f"{s.url}/api/v1/market/candles?type=1min&symbol=BTC-USDT") as answer:
            assert answer.status == 200  # the first REST call: the stream's backfill is the second
        result = run(stream(s, "--pair", "BTC-USDT", "--interval", "1m", "--backfill", "5", "--limit", "7"), env)
    assert result.returncode == 0, result.stderr
    assert "rate limited" in result.stderr and "429" in result.stderr
    out = lines(result.stdout)
    assert len(out) == 7 and all(o["ts"] is None for o in out[:5])
