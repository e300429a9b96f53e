"""End to end: `feedcli stream okx` as a subprocess against `feedcli simulate okx`."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from itertools import pairwise

import aiohttp
import orjson
import pytest

from feedcli.simulators.candles import CandleMarket
from tests.support.cli import Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e

SEED = 5

FIELDS = {"timestamp", "open", "high", "low", "close", "volume", "quote_volume", "closed"}  # OKX gives no trade count


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    env = feedcli_env(tmp_path_factory.mktemp("sim"))
    with Simulator("okx", "--rate", "10", "--seed", str(SEED), env=env) as s:
        yield s


def stream(url: str, *args: str) -> list[str]:
    return ["stream", "okx", "--url", url, *args]


def assert_is_the_markets_bar(data: dict, pair: str, interval: str) -> None:
    """The simulator's market is a pure function of time: a bar's open is fixed when it starts,
    and a closed bar is fixed whole, so the streamed values can be checked, not only typed."""
    start_ms = int(datetime.fromisoformat(data["timestamp"].replace("Z", "+00:00")).timestamp() * 1000)
    expected = CandleMarket(seed=SEED).bar(pair, interval, start_ms, start_ms + 10**12)
    assert data["open"] == pytest.approx(expected.open)
    if data["closed"]:
        got = (data["high"], data["low"], data["close"], data["volume"])
        assert got == pytest.approx((expected.high, expected.low, expected.close, expected.volume))
    else:  # forming: within what the whole bar will span
        assert expected.low <= data["low"] and data["high"] <= expected.high


def data_of(out: list[dict]) -> list[dict]:
    return [o for o in out if "channel" in o]


def test_banner_names_the_url(sim) -> None:
    assert sim.first_line.startswith("feedcli simulate: serving OKX at http://127.0.0.1:")


def test_one_pair_lines_are_typed_candles(sim, env) -> None:
    result = run(stream(sim.url, "--pair", "BTC-USDT", "--interval", "1m", "--limit", "4"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 4
    for line in out:
        assert list(line) == ["provider", "channel", "symbol", "ts", "recv", "kind", "data"]
        assert line["kind"] == "candle"
        assert (line["provider"], line["channel"], line["symbol"]) == ("okx", "candles", "BTC-USDT")
        assert line["ts"] is None  # OKX's candle push carries no event time
        data = line["data"]
        assert set(data) == FIELDS
        assert all(isinstance(data[k], float) for k in ("open", "high", "low", "close", "volume", "quote_volume"))
        assert_is_the_markets_bar(data, "BTC-USDT", "1m")
        assert isinstance(data["closed"], bool)
        assert data["low"] <= min(data["open"], data["close"]) <= max(data["open"], data["close"]) <= data["high"]
        assert data["timestamp"].endswith(":00.000000Z")


def test_several_pairs_on_one_connection(sim, env) -> None:
    args = stream(sim.url, "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--pair", "SOL-USDT", "--events")
    result = run([*args, "--limit", "12"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert {o["symbol"] for o in data_of(out)} == {"BTC-USDT", "ETH-USDT", "SOL-USDT"}
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 1 and events["subscribed"] == 3  # one ack per channel


def test_backfill_then_stream_without_gap_or_duplicate(sim, env) -> None:
    args = stream(sim.url, "--pair", "BTC-USDT", "--interval", "1s", "--backfill", "5", "--duration", "3.5")
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = data_of(lines(result.stdout))
    backfill = out[:5]
    assert len({o["recv"] for o in backfill}) == 1  # one REST page
    stamps = [o["data"]["timestamp"] for o in backfill]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    closed = [o["data"]["timestamp"] for o in out if o["data"]["closed"]]
    assert len(closed) == len(set(closed)), "a closed candle written twice"
    # sorted: a bar missed at the seam is fetched beside the stream and may come a line late
    seconds = sorted(int(s[17:19]) + 60 * int(s[14:16]) for s in closed)
    assert len(seconds) >= 6
    assert all(b - a == 1 for a, b in pairwise(seconds)), f"gap in {closed}"
    # every live line continues from the backfill: nothing older than its newest bar
    assert all(o["data"]["timestamp"] >= stamps[-1] for o in out[5:])


def test_text_pings_keep_the_connection(tmp_path) -> None:
    strict = feedcli_env(tmp_path, FEEDCLI_SIM_OKX_IDLE_LIMIT="1.0")
    with Simulator("okx", "--rate", "5", env=strict) as sim:
        args = stream(sim.url, "--pair", "BTC-USDT", "--events", "--duration", "3.5")
        # pings ten times as often as the limit: a client would have to stall for 0.9 s
        result = run(args, feedcli_env(tmp_path, FEEDCLI_OKX_PING_INTERVAL="0.1"))
        assert result.returncode == 0, result.stderr
        events = Counter(o["event"] for o in lines(result.stdout) if "event" in o)
        assert events["connected"] == 1 and events["reconnected"] == 0, events
        # ... and a client that pings too rarely is closed by the simulator, then reconnects
        result = run(args, feedcli_env(tmp_path, FEEDCLI_OKX_PING_INTERVAL="25"))
        assert result.returncode == 0, result.stderr
        events = Counter(o["event"] for o in lines(result.stdout) if "event" in o)
        assert events["reconnected"] >= 1, events


def test_candles_only_on_the_business_path(sim) -> None:
    answers = asyncio.run(subscribe_on(sim.url + "/ws/v5/public"))
    assert answers[0]["event"] == "error" and answers[0]["code"] == "60018"
    answers = asyncio.run(subscribe_on(sim.url + "/ws/v5/business"))
    assert answers[0]["event"] == "subscribe"


async def subscribe_on(url: str) -> list[dict]:
    async with aiohttp.ClientSession() as session, session.ws_connect(url.replace("http", "ws")) as ws:
        await ws.send_str('{"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]}')
        msg = await ws.receive(timeout=5)
        return [orjson.loads(msg.data)]


def test_unknown_pair_exits_4_with_one_line(sim, env) -> None:
    result = run(stream(sim.url, "--pair", "BTC-XYZ", "--limit", "1"), env)
    assert result.returncode == 4
    assert result.stderr.strip().count("\n") == 0 and "BTC-XYZ" in result.stderr and "60018" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args", [["--pair", "BTCUSDT"], ["--pair", "BTC/USDT"], ["--pair", "BTC-USDT", "--interval", "8h"], []]
)
def test_bad_usage_exits_2(sim, env, args) -> None:
    result = run(stream(sim.url, *args, "--limit", "1"), env)
    assert result.returncode == 2, result.stderr


def test_rate_limited_backfill_waits_and_resumes(tmp_path, env) -> None:
    """400 candles take two pages (300 a call): the second is refused 429, waited for, and resumed."""
    with Simulator("okx", "--rate", "5", "--rest-429-every", "2", env=feedcli_env(tmp_path)) as sim:
        result = run(stream(sim.url, "--pair", "BTC-USDT", "--backfill", "400", "--limit", "401"), env)
    assert result.returncode == 0, result.stderr
    assert "429" in result.stderr
    out = data_of(lines(result.stdout))
    stamps = [o["data"]["timestamp"] for o in out[:400]]
    assert stamps == sorted(stamps) and len(set(stamps)) == 400
