"""End to end: `feedcli stream binance` as a subprocess against `feedcli simulate binance`."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from itertools import pairwise

import aiohttp
import pytest

from feedcli.simulators.candles import CandleMarket
from tests.support.cli import Simulator, feedcli_env, lines, run

pytestmark = pytest.mark.e2e

SEED = 5

FIELDS = {"timestamp", "open", "high", "low", "close", "volume", "quote_volume", "trades", "closed"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    env = feedcli_env(tmp_path_factory.mktemp("sim"))
    with Simulator("binance", "--rate", "10", "--seed", str(SEED), env=env) as s:
        yield s


def stream(url: str, *args: str) -> list[str]:
    return ["stream", "binance", "--url", url, *args]


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
    assert sim.first_line.startswith("feedcli simulate: serving Binance spot at http://127.0.0.1:")
    assert sim.first_line.rstrip().endswith(" (channels candles, trades, book, ticker)")


def test_one_pair_lines_are_typed_candles(sim, env) -> None:
    result = run(stream(sim.url, "--pair", "BTC-USDT", "--interval", "1m", "--limit", "4"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 4
    for line in out:
        assert list(line) == ["provider", "channel", "symbol", "ts", "recv", "kind", "data"]
        assert line["kind"] == "candle"
        assert (line["provider"], line["channel"], line["symbol"]) == ("binance", "candles", "BTC-USDT")
        assert line["ts"].endswith("Z")  # the kline event's own time
        data = line["data"]
        assert set(data) == FIELDS
        assert all(isinstance(data[k], float) for k in ("open", "high", "low", "close", "volume", "quote_volume"))
        assert_is_the_markets_bar(data, "BTC-USDT", "1m")
        assert isinstance(data["trades"], int) and isinstance(data["closed"], bool)
        assert data["low"] <= min(data["open"], data["close"]) <= max(data["open"], data["close"]) <= data["high"]
        assert data["timestamp"].endswith(":00.000000Z")


def test_several_pairs_on_one_connection(sim, env) -> None:
    args = stream(sim.url, "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--pair", "SOL-USDT", "--events")
    result = run([*args, "--limit", "12"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert {o["symbol"] for o in data_of(out)} == {"BTC-USDT", "ETH-USDT", "SOL-USDT"}
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 1 and events["subscribed"] == 1


def test_backfill_then_stream_without_gap_or_duplicate(sim, env) -> None:
    args = stream(sim.url, "--pair", "BTC-USDT", "--interval", "1s", "--backfill", "5", "--duration", "3.5")
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = data_of(lines(result.stdout))
    backfill = out[:5]
    assert all(o["ts"] is None for o in backfill)  # REST rows carry no event time
    # then the stream; a REST line later on is a top-up of a bar that closed between the REST
    # answer and the stream's first update (1s bars on a busy machine), never a repeat
    live = [o for o in out[5:] if o["ts"] is not None]
    assert len(live) >= 3
    stamps = [o["data"]["timestamp"] for o in backfill]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    closed = [o["data"]["timestamp"] for o in out if o["data"]["closed"]]
    assert len(closed) == len(set(closed)), "a closed candle written twice"
    seconds = sorted(int(s[17:19]) + 60 * int(s[14:16]) for s in closed)
    assert len(seconds) >= 6
    assert all(b - a == 1 for a, b in pairwise(seconds)), f"gap in {closed}"
    # every live line continues from the backfill: nothing older than its newest bar
    assert all(o["data"]["timestamp"] >= stamps[-1] for o in live)


def test_keepalive_pongs_keep_the_connection(tmp_path) -> None:
    # pings ten times more often than the pong timeout: a client would have to stall for 2.7 s
    fast = feedcli_env(tmp_path, FEEDCLI_SIM_BINANCE_PING_INTERVAL="0.3", FEEDCLI_SIM_BINANCE_PONG_TIMEOUT="3.0")
    with Simulator("binance", "--rate", "5", env=fast) as sim:
        result = run(stream(sim.url, "--pair", "BTC-USDT", "--events", "--duration", "3.5"), feedcli_env(tmp_path))
        assert result.returncode == 0, result.stderr
        events = Counter(o["event"] for o in lines(result.stdout) if "event" in o)
        assert events["connected"] == 1 and events["reconnected"] == 0, events
        # ... and the simulator does close a client that never answers its pings
        assert asyncio.run(closed_without_pongs(sim.url)) is not None


async def closed_without_pongs(url: str) -> int | None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(url.replace("http", "ws") + "/ws", autoping=False, heartbeat=None)
        try:
            async with asyncio.timeout(20):  # the close is due after 3.3 s; a busy machine only delays it
                async for msg in ws:
                    if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
        except TimeoutError:
            return None
        return ws.close_code


def test_unknown_pair_exits_4_with_one_line(sim, env) -> None:
    result = run(stream(sim.url, "--pair", "BTC-XYZ", "--limit", "1"), env)
    assert result.returncode == 4
    assert result.stderr.strip().count("\n") == 0 and "BTCXYZ" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args", [["--pair", "BTCUSDT"], ["--pair", "BTC/USDT"], ["--pair", "BTC-USDT", "--interval", "2d"], []]
)
def test_bad_usage_exits_2(sim, env, args) -> None:
    result = run(stream(sim.url, *args, "--limit", "1"), env)
    assert result.returncode == 2, result.stderr


def test_rate_limited_backfill_waits_and_succeeds(tmp_path, env) -> None:
    with Simulator("binance", "--rate", "5", "--rest-429-every", "2", env=feedcli_env(tmp_path)) as sim:
        result = run(stream(sim.url, "--pair", "BTC-USDT", "--backfill", "5", "--limit", "6"), env)
    assert result.returncode == 0, result.stderr
    assert "429" in result.stderr
    out = data_of(lines(result.stdout))
    assert len(out) == 6 and [o["ts"] for o in out[:5]] == [None] * 5
