"""`replay --serve`'s server: a recording served over the recorded provider's own protocol.

Recordings are built in memory (HT payloads from the simulator's own market model, so they
have the documents' shapes), paced by a small generator, and consumed over real loopback
sockets by `feedcli stream` (a subprocess, as a user runs it) and by the source document's
own Python client (websockets, section 9.1).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from feedcli.errors import UsageError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_iso
from feedcli.providers import ht, ime, tse
from feedcli.providers.datafye import PREFIX, data_message
from feedcli.simulators.ht_market import IME_UNIVERSE, TSE_UNIVERSE, HTMarket, tehran_timestamp
from feedcli.simulators.replay_server import ReplayServer, recorded_symbols
from feedcli.wallclock import utc_of
from tests.support.cli import FEEDCLI, feedcli_env, lines

T = TypeVar("T")
RECV = "2025-11-14T08:30:00.000000Z"
FOOLAD, KHODRO, BADISIN = TSE_UNIVERSE[0].isin, TSE_UNIVERSE[1].isin, "IRO1ZZZZ0001"
GOLD, SAFFRON = IME_UNIVERSE[0].contract_id, IME_UNIVERSE[1].contract_id


def arun(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run one test's coroutine; a hang becomes a clear TimeoutError, not a stuck suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


# ----------------------------------------------------------------------------- recordings


def ht_recording(family: str, steps: int = 120) -> list[Event]:
    """A recording as `feedcli record` writes it: a connected line, market data, a disconnected line.

    TSE by ISIN, IME by contract id; timestamps from 2025 (not now), so a server that
    re-stamped messages would be caught.
    """
    market = HTMarket(5, TSE_UNIVERSE[:3], IME_UNIVERSE[:2])
    start = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    events: list[Event] = [ControlEvent(family, "connected", RECV, {"url": "ws://recorder"})]
    for i in range(steps):
        now = start + timedelta(seconds=i)
        for instrument, channel, data in market.step(now):
            if family == "tse" and channel != ime.CHANNEL:
                events.append(DataEvent("tse", channel, instrument.key, tehran_timestamp(now), RECV, data))
            elif family == "ime" and channel == ime.CHANNEL:
                events.append(DataEvent("ime", channel, instrument.key, tehran_timestamp(now), RECV, data))
    events.append(ControlEvent(family, "disconnected", RECV, {"reason": "interrupted"}))
    return events


def datafye_recording() -> list[Event]:
    events: list[Event] = [ControlEvent("datafye", "connected", RECV, {"url": "ws://recorder"})]
    for i in range(12):
        ms = 1_736_000_000_000 + i * 250
        for symbol, price in (("AAPL", 228.5), ("MSFT", 415.2)):
            quote = {"symbol": symbol, "exchangeTimestamp": ms, "bidPrice": price + i / 100, "askPrice": price + 0.02}
            events.append(DataEvent("datafye", "quotes", symbol, "x", RECV, quote))
        trade = {"symbol": "AAPL", "exchangeTimestamp": ms + 1, "tradeID": str(9000 + i), "tradePrice": 228.51}
        events.append(DataEvent("datafye", "trades", "AAPL", "x", RECV, trade))
    return events


def data(events: list[Event], *, symbols: set[str], channels: set[str] | None = None) -> list[DataEvent]:
    return [
        e
        for e in events
        if isinstance(e, DataEvent) and e.symbol in symbols and (channels is None or e.channel in channels)
    ]


class Paced:
    """The replay engine's part, in small: a source factory that sleeps between events.

    `gate_after` events in, it waits for `gate` (the test opens it), so a test can place a
    client's arrival exactly on the timeline. `calls` counts how often the factory was called.
    """

    def __init__(self, events: list[Event], gap: float = 0.002, gate_after: int | None = None) -> None:
        self.events = events
        self.gap = gap
        self.gate_after = gate_after
        self.gate = asyncio.Event()
        self.calls = 0

    def __call__(self) -> AsyncIterator[Event]:
        self.calls += 1
        return self._play()

    async def _play(self) -> AsyncIterator[Event]:
        for i, event in enumerate(self.events):
            if i == self.gate_after:
                await self.gate.wait()
            await asyncio.sleep(self.gap)
            yield event


# ----------------------------------------------------------------------------- clients


async def feedcli(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    """`python -m feedcli ARGS` as a subprocess, without blocking the server's event loop."""
    proc = await asyncio.create_subprocess_exec(
        *FEEDCLI,
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def feedcli_login(url: str, tmp_path: Path) -> dict[str, str]:
    env = feedcli_env(tmp_path / "config")
    code, _out, err = await feedcli(["login", "--url", url, "-u", "demo", "--password-stdin"], env, "demo\n")
    assert code == 0, err
    return env


async def document_login(url: str) -> str:
    """The document's login (section 2): a form with `username` and `password`."""
    async with httpx.AsyncClient() as client:
        response = await client.post(url + ht.LOGIN_PATH, data={"username": "demo", "password": "demo"})
    assert response.status_code == 201, response.text
    return response.json()["Authorization"]


async def document_client(url: str, token: str, received: list[Any]) -> websockets.ClientConnection:
    """Section 9.1's client, as written (but `additional_headers`, websockets >= 14's keyword)."""
    headers = {"Authorization": token}
    async with websockets.connect(url, additional_headers=headers) as ws:
        async for message in ws:
            data = json.loads(message)
            received.append(data)
    return ws


def doc_url(base: str, channels: list[str], isins: list[str]) -> str:
    """The document's URL shape: `channels` and `symbol_isins` repeated, on the `isin` endpoint."""
    query = [("channels", c) for c in channels] + [("symbol_isins", s) for s in isins]
    return base.replace("http://", "ws://") + f"{tse.PATH}/isin?{urlencode(query)}"


async def close_of(url: str, headers: dict[str, str]) -> tuple[int, str]:
    """Connect, expect the server to close at once, and return its close code and reason."""
    async with websockets.connect(url, additional_headers=headers, close_timeout=2) as ws:
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 3.0)
    assert info.value.rcvd is not None, "the server must send a close frame"
    return info.value.rcvd.code, info.value.rcvd.reason


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def expected_tse(events: list[DataEvent], by: str = "isin") -> list[dict[str, Any]]:
    return [json.loads(tse.encode_message(by, e.symbol, e.channel, e.ts, e.data)) for e in events]  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- construction


def test_unknown_provider_is_a_usage_error_and_banners_follow_the_simulate_convention() -> None:
    with pytest.raises(UsageError, match="replay --serve does not know how to serve nowhere yet"):
        ReplayServer("nowhere", Paced([]))

    async def main() -> tuple[str, str, list[str]]:
        async with ReplayServer("tse", Paced([])) as hts, ReplayServer("datafye", Paced([])) as dfs:
            return hts.banner(), dfs.banner(), hts.listing()

    ht_banner, datafye_banner, listing = arun(main())
    assert ht_banner.startswith("feedcli replay: serving the recording as HT Data Engine at http://127.0.0.1:")
    assert ht_banner.endswith(" user demo password demo")
    assert datafye_banner.startswith("feedcli replay: serving the recording as Datafye at http://127.0.0.1:")
    assert "password" not in datafye_banner
    assert "first client subscribes" in listing[0]


# ----------------------------------------------------------------------------- HT: TSE


def test_feedcli_stream_tse_gets_the_recorded_lines_in_order(tmp_path: Path) -> None:
    events = ht_recording("tse")
    channels = {"best-limit", "aggregate"}
    wanted = data(events, symbols={FOOLAD, KHODRO}, channels=channels)
    assert len(wanted) >= 10

    async def main() -> tuple[int, str, str]:
        async with ReplayServer("tse", Paced(events), symbols=recorded_symbols(events, "tse")) as server:
            env = await feedcli_login(server.url, tmp_path)
            args = ["stream", "tse", "--url", server.url, "--isin", FOOLAD, "--isin", KHODRO]
            args += [a for c in sorted(channels) for a in ("--channel", c)]
            return await feedcli([*args, "--limit", str(len(wanted))], env)

    code, out, err = arun(main())
    assert code == 0, err
    got = lines(out)
    assert [(o["provider"], o["channel"], o["symbol"], o["ts"], o["data"]) for o in got] == [
        (e.provider, e.channel, e.symbol, utc_of(e.ts, ht.tehran()), e.data) for e in wanted
    ]
    assert all(o["recv"] != RECV for o in got), "recv is when the client received it, not the recorded one"
    assert "malformed" not in err  # the recording's control lines are not sent


def test_the_documents_python_client_then_the_end_closes_1000_and_a_late_client_too() -> None:
    events = ht_recording("tse")
    wanted = data(events, symbols={FOOLAD, KHODRO}, channels={"order-book", "best-limit"})

    async def main() -> None:
        async with ReplayServer("tse", Paced(events), symbols=recorded_symbols(events, "tse")) as server:
            token = await document_login(server.url)
            url = doc_url(server.url, ["order-book", "best-limit"], [FOOLAD, KHODRO])
            received: list[Any] = []
            ws = await document_client(url, token, received)  # returns when the server closes
            assert received == expected_tse(wanted)
            assert received[0]["symbolIsin"] in (FOOLAD, KHODRO) and "symbolName" not in received[0]
            assert (ws.close_code, ws.close_reason) == (1000, "end of recording")
            await asyncio.wait_for(server.wait_finished(), 5)
            assert server.exhausted and server.played == len(
                data(events, symbols={FOOLAD, KHODRO, TSE_UNIVERSE[2].isin})
            )
            # after the end: checked as usual, then closed at once
            assert await close_of(url, {"Authorization": token}) == (1000, "end of recording")
            assert (await close_of(doc_url(server.url, ["best-limit"], [BADISIN]), {"Authorization": token}))[0] == 1008

    arun(main())


def test_one_timeline_fanned_out_a_late_client_gets_what_follows_and_names_by_its_endpoint() -> None:
    events = ht_recording("tse")
    # part of the recording was made by name: the name endpoint serves those
    named = TSE_UNIVERSE[2]
    events = [
        DataEvent(e.provider, e.channel, named.name, e.ts, e.recv, e.data)
        if isinstance(e, DataEvent) and e.symbol == named.isin
        else e
        for e in events
    ]
    cut = len(events) // 2
    source = Paced(events, gate_after=cut)

    async def read_all(url: str, token: str, out: list[Any]) -> None:
        async with websockets.connect(url, additional_headers={"Authorization": token}) as ws:
            async for message in ws:
                out.append(json.loads(message))

    async def main() -> None:
        async with ReplayServer("tse", source, symbols=recorded_symbols(events, "tse")) as server:
            token = await document_login(server.url)
            first: list[Any] = []
            by_name: list[Any] = []
            late: list[Any] = []
            url = doc_url(server.url, list(tse.CHANNELS), [FOOLAD])
            name_url = (
                server.url.replace("http", "ws")
                + tse.PATH
                + "/name?"
                + urlencode([("channels", "aggregate"), ("symbol_names", named.name)])
            )
            tasks = [asyncio.ensure_future(read_all(url, token, first))]
            tasks.append(asyncio.ensure_future(read_all(name_url, token, by_name)))
            before = data(events[:cut], symbols={FOOLAD})
            await until(lambda: len(first) == len(before))
            tasks.append(asyncio.ensure_future(read_all(url, token, late)))
            await until(lambda: server.connections == 3)
            source.gate.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 10)
            assert source.calls == 1, "the recording is read once, for everyone"
            assert first == expected_tse(data(events, symbols={FOOLAD}))
            assert late == expected_tse(data(events[cut:], symbols={FOOLAD})) and late
            named_events = data(events, symbols={named.name}, channels={"aggregate"})
            assert by_name == expected_tse(named_events, "name") and by_name
            assert by_name[0]["symbolName"] == named.name

    arun(main())


def test_refusals_close_1008_and_the_timeline_waits_for_the_first_subscriber(tmp_path: Path) -> None:
    events = ht_recording("tse")
    source = Paced(events)

    async def main() -> None:
        async with ReplayServer("tse", source, symbols=recorded_symbols(events, "tse")) as server:
            token = await document_login(server.url)
            good = {"Authorization": token}
            base = server.url
            assert await close_of(doc_url(base, ["best-limit"], [BADISIN]), good) == (
                1008,
                f"Invalid symbol: {BADISIN}",
            )
            assert await close_of(doc_url(base, ["best-limit"], [FOOLAD]), {"Authorization": "x.y.z"}) == (
                1008,
                "Invalid token",
            )
            assert await close_of(doc_url(base, ["nope"], [FOOLAD]), good) == (1008, "invalid channel: nope")
            # an ISIN on the name endpoint, and IME in a TSE recording: not recorded, refused
            name_url = base.replace("http", "ws") + f"{tse.PATH}/name?channels=aggregate&symbol_names={FOOLAD}"
            assert (await close_of(name_url, good))[0] == 1008
            ime_url = base.replace("http", "ws") + f"{ime.PATH}/id?contract_id={GOLD}"
            assert await close_of(ime_url, good) == (1008, f"Invalid contract: {GOLD}")
            env = await feedcli_login(base, tmp_path)
            code, _out, err = await feedcli(["stream", "tse", "--url", base, "--isin", BADISIN, "--limit", "1"], env)
            assert code == 4 and BADISIN in err, err
            # nobody subscribed yet: the recording has not started, however long it waited
            await asyncio.sleep(0.3)
            assert not server.started and source.calls == 0 and server.played == 0
            received: list[Any] = []
            await document_client(doc_url(base, list(tse.CHANNELS), [FOOLAD]), token, received)
            assert received == expected_tse(data(events, symbols={FOOLAD}))

    arun(main())


# ----------------------------------------------------------------------------- HT: IME


def test_feedcli_stream_ime_and_a_raw_client_by_id(tmp_path: Path) -> None:
    events = ht_recording("ime")
    wanted = data(events, symbols={GOLD})
    assert len(wanted) >= 5
    source = Paced(events, gate_after=0)

    async def main(tmp: Path) -> tuple[int, str, str, list[Any]]:
        async with ReplayServer("ime", source, symbols=recorded_symbols(events, "ime")) as server:
            env = await feedcli_login(server.url, tmp)
            token = await document_login(server.url)
            raw: list[Any] = []
            url = server.url.replace("http", "ws") + f"{ime.PATH}/id?contract_id={GOLD}&contract_id={SAFFRON}"
            reader = asyncio.ensure_future(document_client(url, token, raw))
            args = ["stream", "ime", "--url", server.url, "--contract-id", GOLD, "--limit", str(len(wanted))]
            stream = asyncio.ensure_future(feedcli(args, env))
            await until(lambda: server.connections == 2)  # both subscribed before the first event
            source.gate.set()
            code, out, err = await stream
            await reader
            return code, out, err, raw

    code, out, err, raw = arun(main(tmp_path))
    assert code == 0, err
    assert [(o["provider"], o["channel"], o["symbol"], o["ts"], o["data"]) for o in lines(out)] == [
        ("ime", e.channel, e.symbol, utc_of(e.ts, ht.tehran()), e.data) for e in wanted
    ]
    both = data(events, symbols={GOLD, SAFFRON})
    assert raw == [json.loads(ime.encode_message("id", e.symbol, e.ts, e.data)) for e in both]
    assert raw[0]["ContractId"] in (GOLD, SAFFRON) and raw[0]["channel"] == "IME Stream"


# ----------------------------------------------------------------------------- Datafye


def test_feedcli_stream_datafye_gets_the_records_then_ends_at_stream_end(tmp_path: Path) -> None:
    events = datafye_recording()
    wanted = data(events, symbols={"AAPL"}, channels={"quotes"})

    async def main() -> tuple[int, str, str]:
        async with ReplayServer("datafye", Paced(events), symbols=recorded_symbols(events, "datafye")) as server:
            env = feedcli_env(tmp_path / "config")
            # no --limit: it is the provider's stream_end that ends the stream, with exit 0
            args = ["stream", "datafye", "--url", server.url, "--symbol", "AAPL", "--channel", "quotes", "--events"]
            result = await feedcli(args, env)
            await asyncio.wait_for(server.wait_finished(), 5)
            return result

    code, out, err = arun(main())
    assert code == 0, err
    got = lines(out)
    assert [(o["channel"], o["symbol"], o["data"]) for o in got if "channel" in o] == [
        ("quotes", e.symbol, e.data) for e in wanted
    ]
    assert [o["event"] for o in got if "event" in o][-2:] == ["stream_end", "disconnected"]


def test_datafye_errors_subscribe_data_frames_stream_end_close_and_a_late_subscriber(tmp_path: Path) -> None:
    events = datafye_recording()
    trades = data(events, symbols={"AAPL"}, channels={"trades"})
    source = Paced(events)

    async def send(ws: websockets.ClientConnection, msg: dict[str, Any]) -> None:
        await ws.send(json.dumps(msg))

    async def recv(ws: websockets.ClientConnection) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(ws.recv(), 3))

    async def main() -> None:
        async with ReplayServer("datafye", source, symbols=recorded_symbols(events, "datafye")) as server:
            url = server.url.replace("http", "ws") + PREFIX + "/stocks/live/ticks"
            async with websockets.connect(url) as ws:
                await send(ws, {"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL", "ZZZZ"]})
                error = await recv(ws)
                assert error["type"] == "error" and error["code"] == "UNKNOWN_SYMBOL" and "ZZZZ" in error["message"]
                await send(ws, {"action": "subscribe", "dataset": "NOPE", "symbols": ["AAPL"]})
                assert (await recv(ws))["code"] == "INVALID_DATASET"
                assert not server.started, "refused subscriptions do not start the recording"
                await send(ws, {"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL"]})
                assert await recv(ws) == {"type": "subscribed", "symbols": ["AAPL"], "dataset": "SIP"}
                frames = []
                while (frame := await recv(ws))["type"] != "stream_end":
                    if frame["type"] != "heartbeat":
                        frames.append(frame)
                assert frames == [json.loads(data_message("trades", e.data)) for e in trades]
                with pytest.raises(ConnectionClosed) as info:
                    await recv(ws)
                assert info.value.rcvd is not None
                assert (info.value.rcvd.code, info.value.rcvd.reason) == (1000, "end of recording")
            await asyncio.wait_for(server.wait_finished(), 5)
            assert source.calls == 1
            # after the end: subscribe, then stream_end and the close at once
            async with websockets.connect(url) as ws:
                await send(ws, {"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL"]})
                assert (await recv(ws))["type"] == "subscribed"
                assert await recv(ws) == {"type": "stream_end"}
                with pytest.raises(ConnectionClosed):
                    await recv(ws)
            env = feedcli_env(tmp_path / "config")
            code, _out, err = await feedcli(["stream", "datafye", "--url", server.url, "--symbol", "ZZZZ"], env)
            assert code == 4 and "ZZZZ" in err, err

    arun(main())


def datafye_history_recording() -> tuple[dict[str, Any], list[DataEvent]]:
    """A recording of `record datafye -c aggregates --from 09:30 --to 11:40` of two symbols: its
    `recording` line's subscription and its bars, 130 minutes each (more than one batch of 100)."""
    subscription = {"symbol": ["AAPL", "MSFT"], "channel": ["aggregates"], "frequency": None, "dataset": None}
    subscription |= {"from_": "2025-01-02T09:30:00", "to": "2025-01-02T11:40:00"}
    events = []
    for symbol, price in (("AAPL", 241.0), ("MSFT", 422.0)):
        for i in range(130):
            start = 1_735_810_200_000 + i * 60_000
            record = {"symbol": symbol, "datetime": start, "open": price, "high": price + 1, "low": price - 1}
            record |= {"close": price + i / 100, "volume": 1000 + i}
            events.append(DataEvent("datafye", "aggregates", symbol, epoch_iso(start), RECV, record))
    return subscription, events


async def _no_live_data() -> AsyncIterator[Event]:
    return
    yield  # an async generator that yields nothing


def test_a_datafye_history_recording_answers_history_requests_and_ends_once_each_was_served(tmp_path: Path) -> None:
    subscription, events = datafye_history_recording()

    async def send(ws: websockets.ClientConnection, msg: dict[str, Any]) -> None:
        await ws.send(json.dumps(msg))

    async def recv(ws: websockets.ClientConnection) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 3))
            if frame["type"] != "heartbeat":
                return frame

    request = {"action": "start", "dataset": "SIP", "symbol": "AAPL", "frequency": "Minute"}
    request |= {"from": "2025-01-02T09:30:00", "to": "2025-01-02T11:40:00"}

    async def main() -> None:
        async with ReplayServer("datafye", _no_live_data, symbols=[]) as server:
            server.add_history(subscription, events)
            assert "History on request: AAPL Minute bars from 2025-01-02T09:30:00.000000Z" in server.listing()[1]
            assert not any("--channel quotes" in line for line in server.listing())  # nothing live to try
            url = server.url.replace("http", "ws") + PREFIX + "/stocks/history"
            async with websockets.connect(url) as ws:
                await send(ws, {**request, "to": "2025-01-02T12:00:00"})
                refused = await recv(ws)
                assert refused["type"] == "error" and refused["code"] == "INVALID_RANGE"
                assert not server.started, "a refused request does not start the replay"
                await send(ws, {**request, "from": "2025-01-02T10:00:00", "to": "2025-01-02T10:05:00"})
                part = await recv(ws)
                assert [b["close"] for b in part["data"]] == [241.3, 241.31, 241.32, 241.33, 241.34]
                assert await recv(ws) == {"type": "stream_end"}
                assert server.started and not server.exhausted  # a part is not the whole history
                await send(ws, request)
                frames = [await recv(ws), await recv(ws), await recv(ws)]
            aapl = [e.data for e in events if e.symbol == "AAPL"]
            assert frames == [
                json.loads(data_message("aggregates", aapl[:100])),
                json.loads(data_message("aggregates", aapl[100:])),
                {"type": "stream_end"},
            ]
            assert not server.exhausted, "MSFT's history has not been asked for yet"
            live = server.url.replace("http", "ws") + PREFIX + "/stocks/live/aggs"
            async with websockets.connect(live) as ws:
                await send(ws, {"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL"]})
                assert (await recv(ws))["code"] == "UNKNOWN_SYMBOL"  # history is not live data
            env = feedcli_env(tmp_path / "config")
            args = ["stream", "datafye", "--url", server.url, "--symbol", "MSFT", "-c", "aggregates"]
            code, out, err = await feedcli([*args, "--from", request["from"], "--to", request["to"]], env)
            assert code == 0, err
            assert [o["data"] for o in lines(out)] == [e.data for e in events if e.symbol == "MSFT"]
            await asyncio.wait_for(server.wait_finished(), 5)
            assert server.exhausted

    arun(main(), timeout=60)


# ----------------------------------------------------------------------------- failures


def test_a_failing_source_closes_clients_1011_and_wait_finished_raises() -> None:
    events = ht_recording("tse", steps=5)
    # a symbol the part read before the failure has data of
    symbol = next(e.symbol for e in events[:4] if isinstance(e, DataEvent))

    async def broken() -> AsyncIterator[Event]:
        for event in events[:4]:
            await asyncio.sleep(0.002)
            yield event
        raise OSError("recording.ndjson.gz: unexpected end of data")

    async def main() -> None:
        async with ReplayServer("tse", broken) as server:  # no symbols: every symbol accepted
            token = await document_login(server.url)
            received: list[Any] = []
            with pytest.raises(ConnectionClosedError) as info:
                await document_client(doc_url(server.url, list(tse.CHANNELS), [symbol]), token, received)
            assert info.value.rcvd is not None
            assert (info.value.rcvd.code, info.value.rcvd.reason) == (1011, "replay failed")
            assert received == expected_tse(data(events[:4], symbols={symbol})) and received
            with pytest.raises(OSError, match="unexpected end of data"):
                await server.wait_finished()
            assert not server.exhausted

    arun(main())


def test_stop_before_the_end_closes_1001_and_releases_wait_finished() -> None:
    events = ht_recording("tse")
    source = Paced(events, gate_after=3)

    async def main() -> None:
        server = ReplayServer("tse", source, symbols=recorded_symbols(events, "tse"))
        await server.start()
        token = await document_login(server.url)
        received: list[Any] = []
        client = asyncio.ensure_future(
            document_client(doc_url(server.url, list(tse.CHANNELS), [FOOLAD]), token, received)
        )
        await until(lambda: server.started)
        waiter = asyncio.ensure_future(server.wait_finished())
        await server.stop()
        ws = await asyncio.wait_for(client, 5)
        assert ws.close_code == 1001
        await asyncio.wait_for(waiter, 2)
        assert not server.exhausted

    arun(main())


def test_datafye_unsubscribe_takes_effect_before_its_reply() -> None:
    events = datafye_recording()
    source = Paced(events, gate_after=0)

    async def main() -> None:
        async with ReplayServer("datafye", source, symbols=recorded_symbols(events, "datafye")) as server:
            url = server.url.replace("http", "ws") + PREFIX + "/stocks/live/quotes"
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps({"action": "subscribe", "dataset": "SIP", "symbols": ["AAPL", "MSFT"]}))
                assert json.loads(await ws.recv())["symbols"] == ["AAPL", "MSFT"]
                await ws.send(json.dumps({"action": "unsubscribe", "dataset": "SIP", "symbols": ["MSFT"]}))
                assert json.loads(await ws.recv()) == {"type": "unsubscribed", "symbols": ["MSFT"]}
                source.gate.set()
                frames = [json.loads(m) async for m in ws]
            assert frames[-1] == {"type": "stream_end"}
            quotes = data(events, symbols={"AAPL"}, channels={"quotes"})
            assert frames[:-1] == [json.loads(data_message("quotes", e.data)) for e in quotes]

    arun(main())


def test_a_client_that_stops_reading_is_closed_and_does_not_hold_up_the_others() -> None:
    big = {"levels": ["x" * 1000] * 200}  # 200 kB a message: a stuck reader backs up within a few
    events: list[Event] = [DataEvent("tse", "order-book", FOOLAD, f"t{i}", RECV, {**big, "n": i}) for i in range(60)]

    async def main() -> None:
        source = Paced(events, gap=0.0, gate_after=0)
        server = ReplayServer("tse", source, symbols=[FOOLAD], queue_size=2, slow_timeout=0.3)
        async with server:
            token = await document_login(server.url)
            url = doc_url(server.url, ["order-book"], [FOOLAD])
            # no compression: the repetitive payload would otherwise shrink to nothing
            headers = {"Authorization": token}
            stuck = await websockets.connect(url, additional_headers=headers, max_queue=1, compression=None)
            await until(lambda: server.connections == 1)
            received: list[Any] = []
            reader = asyncio.ensure_future(document_client(url, token, received))
            await until(lambda: server.connections == 2)
            source.gate.set()
            await asyncio.wait_for(reader, 10)
            assert [m["data"]["n"] for m in received] == list(range(len(events)))
            # the end did not wait for the stuck client either: it had been dropped already
            await asyncio.wait_for(server.wait_finished(), 1.5)
            assert server.connections == 0
            got = 0
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(stuck.recv(), 3)
                    got += 1
            assert got < len(events)

    arun(main(), timeout=20)
