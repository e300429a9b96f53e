"""The Datafye simulator over real loopback sockets, driven by an independent client (websockets).

The frames are read both raw (to check exactly what the server sends) and through feedcli's
own Datafye codec (to check that the client reads them as meant).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from feedcli.errors import MalformedFrame, SubscriptionError
from feedcli.events import ControlEvent, DataEvent
from feedcli.providers import datafye
from feedcli.providers.base import ws_url
from feedcli.simulators.datafye import HISTORY_BATCH, LIVE_ENDPOINTS, NO_PONG, DatafyeFaults, DatafyeSimulator
from feedcli.simulators.datafye_market import CRYPTO, STOCKS
from tests.support.cli import FEEDCLI, Simulator
from tests.support.virtual_time import VirtualTimer, settled

T = TypeVar("T")

QUOTE_FIELDS = {"symbol", "exchangeTimestamp", "bidExchangeID", "bidPrice", "bidSize", "askExchangeID", "askPrice"}
QUOTE_FIELDS |= {"askSize"}
TRADE_FIELDS = {"symbol", "exchangeID", "exchangeTimestamp", "trfID", "trfTimestamp", "tradeID", "tradePrice"}
TRADE_FIELDS |= {"tradeSize"}
OHLC_FIELDS = {"symbol", "datetime", "open", "high", "low", "close", "volume"}
MA_FIELDS = {"symbol", "datetime", "value"}
PRICE = {x.symbol: x.price for x in STOCKS + CRYPTO}


def arun(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run one test's coroutine; a hang becomes a clear TimeoutError, not a stuck suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def with_sim(body: Callable[[DatafyeSimulator], Awaitable[T]], **kwargs: Any) -> T:
    async def main() -> T:
        async with DatafyeSimulator(**kwargs) as sim:
            return await body(sim)

    return arun(main())


def url_of(sim: DatafyeSimulator, channel: str) -> str:
    path = datafye.HISTORY if channel == "history" else LIVE_ENDPOINTS[channel]
    return ws_url(sim.url, datafye.PREFIX + path)


def open_ws(sim: DatafyeSimulator, channel: str) -> connect:
    return connect(url_of(sim, channel), max_queue=100_000, close_timeout=2)


async def send(ws: ClientConnection, msg: dict[str, Any] | str) -> None:
    await ws.send(msg if isinstance(msg, str) else json.dumps(msg))


async def recv(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def subscribe(ws: ClientConnection, symbols: list[str], dataset: str = "SIP", **extra: Any) -> dict[str, Any]:
    await send(ws, {"action": "subscribe", "dataset": dataset, "symbols": symbols, **extra})
    return await recv(ws)


async def data_frames(ws: ClientConnection, n: int, timeout: float = 3.0) -> list[dict[str, Any]]:
    """The next n data frames (anything but heartbeats)."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = await recv(ws, timeout)
        if frame["type"] != "heartbeat":
            out.append(frame)
    return out


def untimed(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("exchangeTimestamp", "trfTimestamp", "datetime")}


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


# ---- the server --------------------------------------------------------------------------------


def test_banner_listing_and_404() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        assert re.fullmatch(r"feedcli simulate: serving Datafye at http://127\.0\.0\.1:\d+", sim.banner())
        assert sim.url.endswith(f":{int(sim.url.rsplit(':', 1)[1])}") and not sim.url.endswith(":0")
        text = "\n".join(sim.listing())
        for path in [*LIVE_ENDPOINTS.values(), datafye.HISTORY]:
            assert datafye.PREFIX + path in text
        for name in [*datafye.DATASETS, *PRICE]:
            assert name in text
        async with httpx.AsyncClient() as client:
            assert (await client.get(sim.url + datafye.PREFIX + "/stocks/live/nope")).status_code == 404
            assert (await client.get(sim.url + "/")).status_code == 404
        with pytest.raises(InvalidStatus) as info:
            async with connect(ws_url(sim.url, datafye.PREFIX + "/stocks/live/trades")):
                pass
        assert info.value.response.status_code == 404

    with_sim(body)


def test_bad_settings_are_refused() -> None:
    for kwargs in ({"rate": 0}, {"heartbeat_interval": 0}, {"pong_timeout": -1}, {"halt_every": 0}):
        with pytest.raises(ValueError):
            DatafyeSimulator(**kwargs)
    with pytest.raises(ValueError):
        DatafyeSimulator(halt_seconds=0)
    for name in ("drop_after", "stall_after", "malformed_every"):
        with pytest.raises(ValueError, match=name):
            DatafyeFaults(**{name: 0})


# ---- live endpoints ----------------------------------------------------------------------------


def test_quotes_and_trades_have_the_domain_fields_and_trades_print_inside_the_quotes() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "quotes") as qws, open_ws(sim, "trades") as tws:
            symbols = ["AAPL", "SPY", "TSLA"]
            assert await subscribe(qws, symbols) == {"type": "subscribed", "symbols": symbols, "dataset": "SIP"}
            assert (await subscribe(tws, symbols))["type"] == "subscribed"
            quotes, trades = await data_frames(qws, 30), await data_frames(tws, 30)
        start = time.time() * 1000
        codec = datafye.LiveCodec(datafye.Subscription("quotes", "SIP", tuple(symbols)), sim.url)
        for frame in quotes:
            assert frame["type"] == "quote"
            q = frame["data"]
            assert set(q) == QUOTE_FIELDS
            assert 0 < q["bidPrice"] < q["askPrice"] < q["bidPrice"] * 1.001
            assert abs(q["bidPrice"] / PRICE[q["symbol"]] - 1) < 0.05
            assert isinstance(q["bidSize"], int) and q["bidSize"] > 0 and q["askSize"] > 0
            assert isinstance(q["exchangeTimestamp"], int) and abs(q["exchangeTimestamp"] - start) < 10_000
            (event,) = codec.parse(json.dumps(frame), "now")
            assert isinstance(event, DataEvent) and (event.channel, event.symbol) == ("quotes", q["symbol"])
        # round-robin over the connection's symbols, in the order subscribed
        assert [f["data"]["symbol"] for f in quotes[:6]] == symbols * 2
        last_id: dict[str, int] = {}
        for n, (qf, tf) in enumerate(zip(quotes, trades, strict=True)):
            q, t = qf["data"], tf["data"]
            assert tf["type"] == "trade" and set(t) == TRADE_FIELDS
            assert t["symbol"] == q["symbol"]
            # the Nth trade comes from the same walk as the Nth quote of that symbol
            assert q["bidPrice"] <= t["tradePrice"] <= q["askPrice"], n
            assert int(t["tradeID"]) > last_id.get(t["symbol"], 0)
            last_id[t["symbol"]] = int(t["tradeID"])
            assert t["tradeSize"] > 0
            assert (t["trfID"] == 0) == (t["trfTimestamp"] == 0)

    with_sim(body, rate=400, seed=3)


def test_aggregates_are_built_from_the_trades_and_closed_at_the_boundary() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "aggregates") as aws, open_ws(sim, "trades") as tws:
            reply = await subscribe(aws, ["MSFT"], frequency="Second")
            assert reply == {"type": "subscribed", "symbols": ["MSFT"], "dataset": "SIP", "frequency": "Second"}
            await subscribe(tws, ["MSFT"])
            bars = [f["data"] for f in await data_frames(aws, 70)]  # ~1.4 s at 50/s: crosses a second
            trades = [f["data"] for f in await data_frames(tws, 70)]
        codec = datafye.LiveCodec(datafye.Subscription("aggregates", "SIP", ("MSFT",), "Second"), sim.url)
        (event,) = codec.parse(json.dumps({"type": "ohlc", "data": bars[0]}), "now")
        assert event.channel == "aggregates" and event.ts is not None and event.ts.endswith(".000000Z")
        starts = sorted({b["datetime"] for b in bars})
        assert len(starts) >= 2 and all(s % 1000 == 0 for s in starts)
        assert all(b - a == 1000 for a, b in itertools.pairwise(starts))
        for bar in bars:
            assert set(bar) == OHLC_FIELDS
            assert bar["low"] <= min(bar["open"], bar["close"]) <= max(bar["open"], bar["close"]) <= bar["high"]
        # the first bar opens at the first trade, and its updates only widen it
        assert bars[0]["open"] == trades[0]["tradePrice"] and bars[0]["volume"] == trades[0]["tradeSize"]
        first = [b for b in bars if b["datetime"] == starts[0]]
        assert all(b["open"] == first[0]["open"] for b in first)
        for a, b in itertools.pairwise(first):
            assert b["high"] >= a["high"] and b["low"] <= a["low"] and b["volume"] >= a["volume"]
        # the bar's volume is the sum of its trades: as many updates as trades, plus one closing repeat
        closing = first[-1]
        assert closing == first[-2], "a bar is sent once more, unchanged, when its period ends"
        traded = trades[: len(first) - 1]
        assert closing["volume"] == sum(t["tradeSize"] for t in traded)
        assert closing["high"] == max(t["tradePrice"] for t in traded)
        assert closing["close"] == traded[-1]["tradePrice"]

    with_sim(body, rate=50, seed=4)


@pytest.mark.parametrize("kind", ["sma", "ema"])
def test_moving_averages(kind: str) -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, kind) as ws:
            reply = await subscribe(ws, ["NVDA", "AMZN"], dataset="Synthetic")
            assert reply["frequency"] == "Minute"  # the default
            frames = await data_frames(ws, 20)
        for frame in frames:
            assert frame["type"] == kind and set(frame["data"]) == MA_FIELDS
            record = frame["data"]
            assert record["datetime"] % 60_000 == 0
            assert abs(record["value"] / PRICE[record["symbol"]] - 1) < 0.05

    with_sim(body, rate=400)


def test_crypto_records_and_a_stock_is_not_crypto() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "quotes") as ws:
            error = await subscribe(ws, ["BTC-USD", "AAPL"], dataset="Crypto")
            assert error["type"] == "error" and error["code"] == "UNKNOWN_SYMBOL" and "AAPL" in error["message"]
            assert "BTC-USD" not in error["message"]
            assert (await subscribe(ws, ["BTC-USD", "ETH-USD"], dataset="Crypto"))["type"] == "subscribed"
            for frame in await data_frames(ws, 10):
                q = frame["data"]
                assert set(q) == {
                    "symbol",
                    "exchangeTimestamp",
                    "exchangeID",
                    "bidPrice",
                    "bidSize",
                    "askPrice",
                    "askSize",
                }
                assert q["bidPrice"] < q["askPrice"] and abs(q["bidPrice"] / PRICE[q["symbol"]] - 1) < 0.05

    with_sim(body, rate=400)


def test_unsubscribe_stops_those_symbols_only() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "trades") as ws:
            await subscribe(ws, ["AAPL", "MSFT", "NVDA"])
            assert {f["data"]["symbol"] for f in await data_frames(ws, 9)} == {"AAPL", "MSFT", "NVDA"}
            await send(ws, {"action": "unsubscribe", "dataset": "SIP", "symbols": ["AAPL", "NVDA", "GOOGL"]})
            while (frame := await recv(ws))["type"] == "trade":
                pass
            assert frame == {"type": "unsubscribed", "symbols": ["AAPL", "NVDA"]}
            assert {f["data"]["symbol"] for f in await data_frames(ws, 20)} == {"MSFT"}
            await send(ws, {"action": "unsubscribe", "dataset": "SIP", "symbols": ["MSFT"]})
            while (frame := await recv(ws))["type"] == "trade":
                pass
            assert frame["type"] == "unsubscribed"
            with pytest.raises(asyncio.TimeoutError):
                await recv(ws, 0.3)
            # and the connection is still good for a new subscription
            assert (await subscribe(ws, ["SPY"]))["symbols"] == ["SPY"]
            assert (await data_frames(ws, 1))[0]["data"]["symbol"] == "SPY"

    with_sim(body, rate=200)


def sub(**fields: Any) -> dict[str, Any]:
    return {"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL"], **fields}


@pytest.mark.parametrize(
    ("channel", "message", "code", "named"),
    [
        ("quotes", sub(dataset="NASDAQ"), "INVALID_DATASET", "NASDAQ"),
        ("quotes", {"action": "subscribe", "symbols": ["AAPL"]}, "INVALID_DATASET", "SIP"),
        ("aggregates", sub(frequency="Week"), "INVALID_FREQUENCY", "Week"),
        ("trades", sub(symbols=["AAPL", "XYZ", "QQQQ"]), "UNKNOWN_SYMBOL", "XYZ, QQQQ"),
        ("trades", sub(symbols=[]), "BAD_REQUEST", "symbols"),
        ("quotes", "{not json", "BAD_REQUEST", "JSON"),
        ("quotes", {"dataset": "SIP", "symbols": ["AAPL"]}, "BAD_REQUEST", "action"),
        ("quotes", {"action": "start", "dataset": "SIP", "symbol": "AAPL"}, "BAD_REQUEST", "start"),
        ("history", sub(), "BAD_REQUEST", "subscribe"),
    ],
)
def test_errors_name_the_problem_and_keep_the_connection(channel: str, message: Any, code: str, named: str) -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, channel) as ws:
            await send(ws, message)
            error = await recv(ws)
            assert error["type"] == "error" and error["code"] == code and named in error["message"], error
            # the client decides: feedcli reads any error as a final refusal naming the code
            codec = datafye.LiveCodec(datafye.Subscription("quotes", "SIP", ("AAPL",)), sim.url)
            with pytest.raises(SubscriptionError, match=code):
                codec.parse(json.dumps(error), "now")
            # the server did not hang up: a good request still works on the same connection
            if channel == "history":
                good = {
                    "action": "start",
                    "dataset": "SIP",
                    "symbol": "AAPL",
                    "from": "2025-01-02",
                    "to": "2025-01-02T00:05",
                }
                await send(ws, good)
                assert (await recv(ws))["type"] == "ohlc"
            else:
                assert (await subscribe(ws, ["AAPL"]))["type"] == "subscribed"
                assert (await recv(ws))["data"]["symbol"] == "AAPL"

    with_sim(body, rate=200)


def test_same_seed_same_data_and_a_new_connection_starts_afresh() -> None:
    async def stream(sim: DatafyeSimulator, channel: str) -> list[dict[str, Any]]:
        async with open_ws(sim, channel) as ws:
            await subscribe(ws, ["AAPL", "GOOGL"])
            return [untimed(f["data"]) for f in await data_frames(ws, 12)]

    async def main() -> None:
        a, b = DatafyeSimulator(rate=400, seed=9), DatafyeSimulator(rate=400, seed=9)
        c = DatafyeSimulator(rate=400, seed=10)
        async with a, b, c:
            for channel in ("quotes", "trades"):
                first = await stream(a, channel)
                assert first == await stream(a, channel)  # a reconnect gets the same fresh stream
                assert first == await stream(b, channel)
                assert first != await stream(c, channel)

    arun(main())


def test_rate_is_per_connection_and_kept() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "quotes") as ws:
            await subscribe(ws, ["AAPL", "MSFT"])
            await data_frames(ws, 1)
            start = time.monotonic()
            await data_frames(ws, 50)
            elapsed = time.monotonic() - start
        assert 0.4 <= elapsed <= 0.75, elapsed  # 50 messages at 100/s

    with_sim(body, rate=100)


# ---- history -----------------------------------------------------------------------------------


async def replay(
    sim: DatafyeSimulator, symbol: str, frequency: str, start: str, end: str
) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """The batches of a replay and the frame that ended it."""
    async with open_ws(sim, "history") as ws:
        msg = {"action": "start", "dataset": "SIP", "symbol": symbol, "frequency": frequency, "from": start, "to": end}
        await send(ws, msg)
        batches = []
        while (frame := await recv(ws))["type"] == "ohlc":
            batches.append(frame["data"])
        # the server keeps the connection open after stream_end: the client closes it
        with pytest.raises(asyncio.TimeoutError):
            await recv(ws, 0.2)
        return batches, frame


def test_history_covers_the_range_in_order_then_ends() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        batches, end = await replay(sim, "AAPL", "Minute", "2025-01-02T09:30:00", "2025-01-02T16:00:00")
        assert end == {"type": "stream_end"}
        assert all(len(b) <= HISTORY_BATCH for b in batches) and len(batches[0]) == HISTORY_BATCH
        bars = [bar for batch in batches for bar in batch]
        start = epoch_ms("2025-01-02T09:30:00")
        assert [b["datetime"] for b in bars] == [start + 60_000 * i for i in range(390)]
        for a, b in itertools.pairwise(bars):
            assert b["open"] == a["close"]  # a continuous series
        for bar in bars:
            assert set(bar) == OHLC_FIELDS and bar["symbol"] == "AAPL" and bar["volume"] > 0
            assert bar["low"] <= min(bar["open"], bar["close"]) <= max(bar["open"], bar["close"]) <= bar["high"]
            assert abs(bar["close"] / PRICE["AAPL"] - 1) < 0.5
        # the codec reads it all and finishes at stream_end
        req = datafye.HistoryRequest("SIP", "AAPL", "Minute", "2025-01-02T09:30:00", "2025-01-02T16:00:00")
        codec = datafye.HistoryCodec(req, sim.url)
        events = [e for batch in batches for e in codec.parse(json.dumps({"type": "ohlc", "data": batch}), "now")]
        assert len(events) == 390 and not codec.finished
        (done,) = codec.parse(json.dumps(end), "now")
        assert isinstance(done, ControlEvent) and done.event == "stream_end" and codec.finished

        # an unaligned start includes the bar holding it; the end is exclusive; offsets count
        batches, _ = await replay(sim, "TSLA", "Second", "2025-01-02T09:30:00.500Z", "2025-01-02T04:30:05-05:00")
        assert [b["datetime"] for b in batches[0]] == [epoch_ms("2025-01-02T09:30:00") + 1000 * i for i in range(5)]
        batches, _ = await replay(sim, "SPY", "Day", "2025-01-01", "2025-03-01")
        assert len(batches) == 1 and len(batches[0]) == 59

    with_sim(body)


def test_history_is_a_function_of_seed_symbol_and_time() -> None:
    async def main() -> None:
        async with DatafyeSimulator(seed=2) as a, DatafyeSimulator(seed=2) as b, DatafyeSimulator(seed=3) as c:
            whole, _ = await replay(a, "MSFT", "Hour", "2025-01-01", "2025-01-05")
            again, _ = await replay(b, "MSFT", "Hour", "2025-01-01", "2025-01-05")
            later, _ = await replay(a, "MSFT", "Hour", "2025-01-03", "2025-01-06")
            other, _ = await replay(c, "MSFT", "Hour", "2025-01-01", "2025-01-05")
            nvda, _ = await replay(a, "NVDA", "Hour", "2025-01-01", "2025-01-05")
        assert whole == again
        # overlapping ranges agree bar for bar: a resumed replay never contradicts itself
        assert whole[0][48:] == later[0][:48]
        assert [untimed(x) for x in whole[0]] != [untimed(x) for x in other[0]]
        assert [x["close"] for x in whole[0]] != [x["close"] for x in nvda[0]]

    arun(main())


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"from": "2025-01-02T16:00:00", "to": "2025-01-02T09:30:00"}, "INVALID_RANGE"),
        ({"from": "2025-01-02T09:30:00", "to": "2025-01-02T09:30:00"}, "INVALID_RANGE"),
        ({"from": "yesterday"}, "INVALID_RANGE"),
        ({"to": None}, "INVALID_RANGE"),
        ({"frequency": "Tick"}, "INVALID_FREQUENCY"),
        ({"symbol": "NOPE"}, "UNKNOWN_SYMBOL"),
        ({"dataset": "Crypto"}, "UNKNOWN_SYMBOL"),
        ({"dataset": "OPRA"}, "INVALID_DATASET"),
        ({"from": "2000-01-01", "frequency": "Second"}, "INVALID_RANGE"),
    ],
)
def test_history_refusals(change: dict[str, Any], code: str) -> None:
    async def body(sim: DatafyeSimulator) -> None:
        msg = {"action": "start", "dataset": "SIP", "symbol": "AAPL", "frequency": "Minute"}
        msg |= {"from": "2025-01-02T09:30:00", "to": "2025-01-02T16:00:00", **change}
        async with open_ws(sim, "history") as ws:
            await send(ws, msg)
            error = await recv(ws)
        assert error["type"] == "error" and error["code"] == code, error

    with_sim(body)


# ---- heartbeats, halts and faults --------------------------------------------------------------


def test_heartbeats_a_ponging_client_lives_a_silent_one_is_closed() -> None:
    """On virtual time: a heartbeat every 0.2 s exactly; a client that answers stays connected
    past three pong timeouts; one that never answers is closed when its first heartbeat has
    waited 0.6 s, not before."""
    timer = VirtualTimer()

    async def body(sim: DatafyeSimulator) -> None:
        codec = datafye.LiveCodec(datafye.Subscription("quotes", "SIP", ("AAPL",)), sim.url)
        async with open_ws(sim, "quotes") as ponging, open_ws(sim, "trades") as silent:
            # not even subscribed: heartbeats come anyway
            await subscribe(silent, ["AAPL"])
            await settled(ponging)
            stamps: list[int] = []
            for step in range(1, 11):
                await timer.advance(0.2)
                frame = await asyncio.wait_for(ponging.recv(), 10)
                obj = json.loads(frame)
                assert obj["type"] == "heartbeat" and abs(obj["timestamp"] - time.time() * 1000) < 30_000
                stamps.append(obj["timestamp"])
                assert codec.parse(frame, "now") == []
                (pong,) = codec.take_outgoing()
                assert json.loads(pong) == {"type": "pong", "timestamp": obj["timestamp"]}
                await ponging.send(pong.decode())
                await settled(ponging)
                if step < 4:  # at 0.2, 0.4, 0.6 the silent one's first heartbeat is not yet due
                    await settled(silent)
                elif step == 4:  # at 0.8 it is closed
                    with pytest.raises(ConnectionClosed) as info:
                        while True:
                            await asyncio.wait_for(silent.recv(), 10)
                    assert info.value.rcvd is not None
                    assert (info.value.rcvd.code, info.value.rcvd.reason) == (NO_PONG, "no pong")
            assert stamps == sorted(stamps)
            # nothing more than one heartbeat per interval, and still open after 2 s
            await settled(ponging)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ponging.recv(), 0.2)

    with_sim(body, rate=50, heartbeat_interval=0.2, pong_timeout=0.6, timer=timer)


def test_halt_then_silence_but_for_heartbeats_then_resume() -> None:
    """On virtual time: five quotes, a halt lasting exactly four heartbeat intervals with
    heartbeats in it and no data, a resume, and again."""
    timer = VirtualTimer()

    async def body(sim: DatafyeSimulator) -> None:
        codec = datafye.LiveCodec(datafye.Subscription("quotes", "SIP", ("AAPL", "MSFT")), sim.url)
        async with open_ws(sim, "quotes") as ws:
            await subscribe(ws, ["AAPL", "MSFT"])
            for _ in range(240):  # 1.2 s of virtual time, in steps of the data interval
                await timer.advance(0.005)
            await settled(ws)
            kinds: list[str] = []
            while kinds.count("resume") < 2:
                frame = await recv(ws, 10)
                kinds.append(frame["type"])
                if frame["type"] == "halt":
                    assert frame == {"type": "halt", "symbols": ["AAPL", "MSFT"], "reason": "LULD pause"}
                if frame["type"] == "resume":
                    assert frame == {"type": "resume", "symbols": ["AAPL", "MSFT"]}
                if frame["type"] in ("halt", "resume"):
                    (event,) = codec.parse(json.dumps(frame), "now")
                    assert event.event == frame["type"]
                    assert codec.expect_silence is (frame["type"] == "halt")
        data = [k for k in kinds if k != "heartbeat"]
        assert data == ["quote"] * 5 + ["halt", "resume"] + ["quote"] * 5 + ["halt", "resume"]
        first_halt = kinds[kinds.index("halt") : kinds.index("resume")]
        # 0.4 s of halt holds four 0.1 s heartbeats (three when one falls on its very edge)
        assert first_halt.count("heartbeat") in (3, 4), kinds

    with_sim(body, rate=200, halt_every=5, halt_seconds=0.4, heartbeat_interval=0.1, pong_timeout=1000, timer=timer)


def test_drop_after_aborts_live_and_history_without_a_close_frame() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "quotes") as ws:
            await subscribe(ws, ["AAPL"])
            frames = []
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    frames.append(await recv(ws))
            assert info.value.rcvd is None
            assert [f["type"] for f in frames] == ["quote"] * 3
        async with open_ws(sim, "history") as ws:
            msg = {"action": "start", "dataset": "SIP", "symbol": "AAPL", "frequency": "Minute"}
            await send(ws, msg | {"from": "2025-01-02", "to": "2025-01-03"})  # 1440 bars, 15 batches
            frames = []
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    frames.append(await recv(ws))
            assert info.value.rcvd is None and len(frames) == 3

    with_sim(body, rate=200, faults=DatafyeFaults(drop_after=3))


def test_malformed_every_third_and_no_good_message_is_lost() -> None:
    async def body(sim: DatafyeSimulator) -> None:
        codec = datafye.LiveCodec(datafye.Subscription("trades", "SIP", ("AAPL", "MSFT")), sim.url)
        async with open_ws(sim, "trades") as ws:
            await subscribe(ws, ["AAPL", "MSFT"])
            raw = [await asyncio.wait_for(ws.recv(), 3) for _ in range(16)]
        kinds = []
        good = []
        for frame in raw:
            try:
                (event,) = codec.parse(frame, "now")
            except MalformedFrame:
                kinds.append("bad")
            else:
                kinds.append("good")
                good.append(event.data)
        # before the 3rd, 6th, 9th and 12th data message
        assert kinds == ["good", "good", "bad", "good"] * 4
        # the good ones are the same, in the same order, as an unfaulted simulator's
        async with DatafyeSimulator(rate=400, seed=sim.seed) as clean, open_ws(clean, "trades") as ws:
            await subscribe(ws, ["AAPL", "MSFT"])
            expected = [f["data"] for f in await data_frames(ws, 12)]
        assert [untimed(g) for g in good] == [untimed(e) for e in expected]

    with_sim(body, rate=400, faults=DatafyeFaults(malformed_every=3))


def test_stall_after_goes_quiet_but_keeps_heartbeating() -> None:
    timer = VirtualTimer()

    async def body(sim: DatafyeSimulator) -> None:
        async with open_ws(sim, "quotes") as ws:
            await subscribe(ws, ["AAPL"])
            for _ in range(60):  # 0.6 s of virtual time: six heartbeats, and data but for the stall
                await timer.advance(0.01)
            await settled(ws)
            kinds = [(await recv(ws, 10))["type"] for _ in range(10)]
            assert sorted(kinds) == ["heartbeat"] * 6 + ["quote"] * 4, kinds
            await settled(ws)  # still open, and nothing else was sent
            with pytest.raises(asyncio.TimeoutError):
                await recv(ws, 0.2)

    with_sim(
        body, rate=200, heartbeat_interval=0.1, pong_timeout=1000, faults=DatafyeFaults(stall_after=4), timer=timer
    )


def test_stop_closes_connections_with_going_away() -> None:
    async def main() -> None:
        sim = DatafyeSimulator(rate=100)
        await sim.start()
        async with open_ws(sim, "quotes") as ws:
            await subscribe(ws, ["AAPL"])
            assert sim.connections == 1
            await sim.stop()
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await ws.recv()
        assert info.value.rcvd is not None and info.value.rcvd.code == 1001

    arun(main())


# ---- the command -------------------------------------------------------------------------------


def test_simulate_datafye_banner_signal_bad_values_and_busy_port() -> None:
    with Simulator("datafye", "--rate", "100", "--heartbeat-interval", "5") as sim:
        assert re.fullmatch(r"feedcli simulate: serving Datafye at http://127\.0\.0\.1:\d+\n", sim.first_line)
        port = int(sim.url.rsplit(":", 1)[1])

        async def probe() -> dict[str, Any]:
            async with connect(ws_url(sim.url, datafye.PREFIX + datafye.ENDPOINTS["quotes"])) as ws:
                return await subscribe(ws, ["AAPL"])

        assert arun(probe())["type"] == "subscribed"
        busy = subprocess.run(
            [*FEEDCLI, "simulate", "datafye", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
        assert busy.returncode == 1 and busy.stderr.count("\n") == 1 and str(port) in busy.stderr
        sim.proc.send_signal(signal.SIGINT)
        assert sim.proc.wait(10) == 0
        assert any("/stocks/live/quotes" in line for line in sim.rest)
    for bad in (["--halt-seconds", "0"], ["--pong-timeout", "-1"], ["--drop-after", "0"], ["--rate", "0"]):
        result = subprocess.run([*FEEDCLI, "simulate", "datafye", *bad], capture_output=True, text=True, timeout=30)
        assert result.returncode == 2, (bad, result.stderr)


def test_default_port_is_the_documented_local_one() -> None:
    import typer

    from feedcli.cli.simulate import app

    command = typer.main.get_command(app).commands["datafye"]  # type: ignore[attr-defined]
    port = next(p.default for p in command.params if p.name == "port")
    assert f"http://localhost:{port}" == datafye.LOCAL_URL
