"""The MOEX ISS+ simulator over real loopback sockets, with a `websockets` client and stomp.py's own frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest
import stomp.utils as su
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from feedcli.providers.moex import protocol
from feedcli.simulators.moex import MoexFaults, MoexSimulator
from feedcli.simulators.moex_market import HISTORY_BARS
from tests.support.virtual_time import VirtualTimer, settled

pytestmark = pytest.mark.timeout(30)
T = TypeVar("T")
SBER = "MXSE.TQBR.SBER"
GUEST = {"domain": "DEMO", "login": "guest", "passcode": "guest"}


def arun(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def with_sim(body: Callable[[MoexSimulator], Awaitable[T]], **kwargs: Any) -> T:
    async def main() -> T:
        async with MoexSimulator(**kwargs) as sim:
            return await body(sim)

    return arun(main())


class Client:
    """A STOMP client made of stomp.py's Frame/convert_frame/parse_frame, as MOEX's own examples are."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.kinds: list[str] = []

    async def send(self, cmd: str, headers: dict[str, str], body: bytes = b"") -> None:
        await self.ws.send(b"".join(su.convert_frame(su.Frame(cmd, headers, body))))

    async def recv(self, timeout: float = 5.0) -> su.Frame | None:
        """The next frame; None for a heart-beat."""
        message = await asyncio.wait_for(self.ws.recv(), timeout)
        self.kinds.append(type(message).__name__)
        frame = su.parse_frame(message if isinstance(message, bytes) else message.encode())
        if frame is not None:
            frame.body = frame.body.rstrip(b"\x00")
        return frame

    async def frame(self, timeout: float = 5.0) -> su.Frame:
        """The next frame that is not a heart-beat."""
        while True:
            frame = await self.recv(timeout)
            if frame is not None:
                return frame

    async def packet(self) -> tuple[su.Frame, dict[str, Any]]:
        frame = await self.frame()
        assert frame.cmd == "MESSAGE", (frame.cmd, frame.headers, frame.body)
        return frame, json.loads(frame.body)

    async def login(self, heart_beat: str | None = None, **cred: str) -> su.Frame:
        headers = dict(cred or GUEST)
        if heart_beat is not None:
            headers["heart-beat"] = heart_beat
        await self.send("CONNECT", headers)
        return await self.frame()


def ws_url(sim: MoexSimulator) -> str:
    return sim.url.replace("http://", "ws://") + protocol.PATH


async def client(sim: MoexSimulator) -> tuple[ClientConnection, Client]:
    ws = await connect(ws_url(sim), subprotocols=["STOMP"])
    return ws, Client(ws)


# ----------------------------------------------------------------------------- connecting


def test_connect_as_guest_gets_connected_with_the_metadata() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            assert ws.subprotocol == "STOMP"
            frame = await c.login()
            assert frame.cmd == "CONNECTED" and frame.headers["version"] == "1.0"  # no accept-version: 1.0
            meta = json.loads(frame.body)
            assert set(meta) == {"version", "structure"}
            streams = {s["name"] for s in meta["structure"]["MXSE"]["streams"]}
            assert streams == {"securities", "orderbooks", "candles"}
            assert meta["structure"]["SEARCH"]["queries"][0]["name"] == "ticker"
            assert c.kinds == ["bytes"]  # binary WebSocket frames, as the official client expects

    with_sim(body)


def test_the_passport_account_and_version_negotiation() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            frame = await c.login(
                **{"domain": "passport", "login": "demo", "passcode": "issplus", "accept-version": "1.1,1.2"}
            )
            assert frame.cmd == "CONNECTED" and frame.headers["version"] == "1.2"

    with_sim(body)


@pytest.mark.parametrize(
    "cred",
    [
        {"domain": "DEMO", "login": "guest", "passcode": "nope"},
        {"domain": "passport", "login": "demo", "passcode": "guest"},
        {"domain": "passport", "login": "guest", "passcode": "guest"},
        {"login": "guest", "passcode": "guest"},
    ],
)
def test_bad_credentials_are_access_denied_and_closed(cred: dict[str, str]) -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            frame = await c.login(**cred)
            assert frame.cmd == "ERROR" and frame.headers["message"] == "gateway.access-denied"
            with pytest.raises(ConnectionClosed):
                await c.recv()

    with_sim(body)


def test_a_frame_before_connect_is_not_connected() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.send("SUBSCRIBE", {"id": "1", "destination": "MXSE.securities", "selector": f'TICKER="{SBER}"'})
            frame = await c.frame()
            assert frame.cmd == "ERROR" and frame.headers["message"] == "gateway.not-connected"

    with_sim(body)


# ----------------------------------------------------------------------------- streams


def test_securities_snapshot_then_updates_with_only_the_changed_columns() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login()
            selector = f'TICKER="{SBER}"'
            await c.send(
                "SUBSCRIBE", {"id": "s1", "receipt": "s1", "destination": "MXSE.securities", "selector": selector}
            )
            receipt = await c.frame()
            assert (receipt.cmd, receipt.headers["receipt-id"]) == ("RECEIPT", "s1")
            frame, snap = await c.packet()
            assert frame.headers["subscription"] == "s1" and frame.headers["destination"] == "MXSE.securities"
            assert snap["properties"]["type"] == "snapshot" and len(snap["columns"]) == 41
            row = dict(zip(snap["columns"], snap["data"][0], strict=True))
            assert row["TICKER"] == SBER and row["LAST"][1] == 2 and isinstance(row["LAST"][0], float)
            assert row["TRADINGSTATUS"] == "T" and len(row["TIME"]) == 8
            seqs = [snap["properties"]["seqnum"]]
            for _ in range(10):
                _, upd = await c.packet()
                assert upd["properties"]["type"] == "updates"
                assert upd["columns"][0] == "TICKER" and 1 < len(upd["columns"]) < 41
                assert upd["data"][0][0] == SBER and len(upd["data"]) == 1
                assert isinstance(upd["properties"]["timestamp"], int)
                seqs.append(upd["properties"]["seqnum"])
            assert seqs == list(range(seqs[0], seqs[0] + 11))

    with_sim(body, rate=200)


def test_orderbooks_are_whole_books_and_candles_a_history_then_the_current_bar() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login()
            await c.send("SUBSCRIBE", {"id": "b", "destination": "MXSE.orderbooks", "selector": f'TICKER="{SBER}"'})
            _, book = await c.packet()
            assert book["columns"] == ["BUYSELL", "PRICE", "QUANTITY", "REPOVALUE"]
            bids = [r[1][0] for r in book["data"] if r[0] == "B"]
            asks = [r[1][0] for r in book["data"] if r[0] == "S"]
            assert len(bids) == len(asks) == 10 and max(bids) < min(asks)
            await c.send("UNSUBSCRIBE", {"id": "b"})
            selector = f'ticker="{SBER}" and interval="M1"'
            await c.send("SUBSCRIBE", {"id": "c", "destination": "MXSE.candles", "selector": selector})
            while True:
                frame, candles = await c.packet()
                if frame.headers["subscription"] == "c":
                    break
            assert candles["properties"]["type"] == "snapshot" and len(candles["data"]) == HISTORY_BARS
            starts = [r[0] for r in candles["data"]]
            assert starts == sorted(starts) and len(set(starts)) == HISTORY_BARS
            _, update = await c.packet()
            assert update["properties"]["type"] == "updates" and update["data"][0][0] == starts[-1]

    with_sim(body, rate=200)


@pytest.mark.parametrize(
    ("destination", "selector"),
    [
        ("MXSE.trades", f'TICKER="{SBER}"'),
        ("MXSE.securities", 'TICKER="MXSE.TQBR.NOPE"'),
        ("MXSE.securities", "TICKER=SBER"),
        ("MXSE.candles", f'ticker="{SBER}" and interval="M5"'),
        ("FORTS.securities", f'TICKER="{SBER}"'),
    ],
)
def test_unknown_resources_are_invalidrequest_for_that_subscribe_only(destination: str, selector: str) -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login()
            await c.send("SUBSCRIBE", {"id": "x", "receipt": "r-x", "destination": destination, "selector": selector})
            error = await c.frame()
            assert error.cmd == "ERROR" and error.headers["message"] == "gateway.invalidrequest"
            assert error.headers["receipt-id"] == "r-x"
            # the connection stays usable
            await c.send("SUBSCRIBE", {"id": "y", "destination": "MXSE.securities", "selector": f'TICKER="{SBER}"'})
            frame, _ = await c.packet()
            assert frame.headers["subscription"] == "y"

    with_sim(body)


def test_search_request_gets_a_reply_and_an_unknown_request_an_error() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login()
            await c.send("REQUEST", {"id": "q1", "destination": "SEARCH.ticker", "selector": 'pattern="SBER*"'})
            reply = await c.frame()
            assert (reply.cmd, reply.headers["request-id"]) == ("REPLY", "q1")
            answer = json.loads(reply.body)
            tickers = [dict(zip(answer["columns"], r, strict=True))["ticker"] for r in answer["data"]]
            assert tickers == [SBER, "MXSE.TQBR.SBERP"]
            await c.send("REQUEST", {"id": "q2", "destination": "SEARCH.ticker", "selector": 'pattern="nornickel"'})
            answer = json.loads((await c.frame()).body)
            assert [r[0] for r in answer["data"]] == ["MXSE.TQBR.GMKN"]
            await c.send("REQUEST", {"id": "q3", "destination": "COMMON.boards", "selector": ""})
            error = await c.frame()
            assert error.cmd == "ERROR" and error.headers["request-id"] == "q3"
            assert error.headers["message"] == "gateway.invalidrequest"

    with_sim(body)


def test_unsubscribe_stops_the_stream_and_disconnect_is_receipted() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login()
            await c.send("SUBSCRIBE", {"id": "s", "destination": "MXSE.securities", "selector": f'TICKER="{SBER}"'})
            await c.packet()
            await c.send("UNSUBSCRIBE", {"id": "s", "receipt": "u"})
            while (await c.frame()).cmd != "RECEIPT":
                pass  # packets already on their way
            with pytest.raises(asyncio.TimeoutError):
                await c.frame(timeout=0.3)
            await c.send("DISCONNECT", {"receipt": "bye"})
            frame = await c.frame()
            assert (frame.cmd, frame.headers["receipt-id"]) == ("RECEIPT", "bye")
            with pytest.raises(ConnectionClosed):
                await c.recv()

    with_sim(body, rate=200)


def test_the_same_seed_gives_the_same_market() -> None:
    clock = datetime(2026, 1, 22, 7, 0, tzinfo=timezone.utc)
    a = MoexSimulator(seed=3, clock=lambda: clock)
    b = MoexSimulator(seed=3, clock=lambda: clock)
    c = MoexSimulator(seed=4, clock=lambda: clock)
    for sim in (a, b, c):
        for _ in range(50):
            sim._step(clock)
    assert a.instruments[SBER].row == b.instruments[SBER].row != c.instruments[SBER].row
    assert a.instruments[SBER].book_rows() == b.instruments[SBER].book_rows()


# ----------------------------------------------------------------------------- heart-beats


def test_heartbeats_at_the_agreed_rate_and_none_when_not_asked() -> None:
    timer = VirtualTimer()

    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            connected = await c.login(heart_beat="0,100")  # we send none, we want one every 100 ms
            assert connected.headers["heart-beat"] == "50,50"
            for _ in range(32):  # 0.8 s of virtual time
                await timer.advance(0.025)
            await settled(ws)
            beats = []
            with pytest.raises(asyncio.TimeoutError):
                while True:
                    beats.append(await c.recv(timeout=0.2))
            # one every 100 ms (the last one may fall either side of 0.8 s by float rounding)
            assert beats in ([None] * 7, [None] * 8), beats
        ws, c = await client(sim)
        async with ws:
            await c.login()
            for _ in range(40):
                await timer.advance(0.025)
            await settled(ws)
            with pytest.raises(asyncio.TimeoutError):
                await c.recv(timeout=0.2)

    with_sim(body, heart_beat=50, timer=timer)


def test_a_client_that_promised_heartbeats_and_sent_none_is_closed() -> None:
    """On virtual time: a client that promised one every 100 ms is closed once it has been
    silent for three times that, and one that keeps its promise is never closed."""
    timer = VirtualTimer()

    async def body(sim: MoexSimulator) -> None:
        ws, c = await client(sim)
        async with ws:
            await c.login(heart_beat="100,0")
            for _ in range(6):  # 0.3 s: not yet past the tolerance
                await timer.advance(0.05)
            await settled(ws)
            for _ in range(2):
                await timer.advance(0.05)
            frame = await c.frame(timeout=10)
            assert frame.cmd == "ERROR" and "heart-beat" in frame.body.decode()
            with pytest.raises(ConnectionClosed):
                await c.recv()
        ws, c = await client(sim)
        async with ws:  # one that does send them stays
            await c.login(heart_beat="100,0")
            for _ in range(20):
                await ws.send(b"\n")
                await settled(ws)
                await timer.advance(0.1)
            await settled(ws)
            assert ws.state.name == "OPEN"

    with_sim(body, heart_beat=100, timer=timer)


# ----------------------------------------------------------------------------- faults


async def subscribed(sim: MoexSimulator, heart_beat: str | None = None) -> tuple[ClientConnection, Client]:
    ws, c = await client(sim)
    await c.login(heart_beat=heart_beat)
    await c.send("SUBSCRIBE", {"id": "s", "destination": "MXSE.securities", "selector": f'TICKER="{SBER}"'})
    return ws, c


def test_gap_every_skips_a_seqnum() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await subscribed(sim)
        async with ws:
            seqs = [(await c.packet())[1]["properties"]["seqnum"] for _ in range(9)]
            assert seqs == [1, 2, 4, 5, 6, 8, 9, 10, 12]  # every 3rd packet comes one number late

    with_sim(body, rate=200, faults=MoexFaults(gap_every=3))


@pytest.mark.parametrize("code", ["gateway.timeout", "gateway.transport", "gateway.exception"])
def test_error_after_sends_the_code_and_closes(code: str) -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await subscribed(sim)
        async with ws:
            for _ in range(3):
                await c.packet()
            error = await c.frame()
            assert error.cmd == "ERROR" and error.headers["message"] == code
            with pytest.raises(ConnectionClosed):
                await c.recv()

    with_sim(body, rate=200, faults=MoexFaults(error_after=3, error_code=code))


def test_drop_after_cuts_the_connection_without_a_close_frame() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await subscribed(sim)
        async with ws:
            for _ in range(4):
                await c.packet()
            with pytest.raises(ConnectionClosed) as closed:
                await c.recv()
            assert closed.value.rcvd is None

    with_sim(body, rate=200, faults=MoexFaults(drop_after=4))


def test_stall_keeps_heartbeats_and_silent_sends_nothing_at_all() -> None:
    async def count_after(faults: MoexFaults) -> tuple[int, int]:
        async with MoexSimulator(rate=200, heart_beat=50, faults=faults) as sim:
            ws, c = await subscribed(sim, heart_beat="0,50")
            async with ws:
                for _ in range(2):
                    await c.packet()
                frames = beats = 0
                loop = asyncio.get_running_loop()
                end = loop.time() + 0.5
                while loop.time() < end:
                    try:
                        frame = await c.recv(timeout=end - loop.time())
                    except asyncio.TimeoutError:
                        break
                    beats += frame is None
                    frames += frame is not None
                return frames, beats

    stalled = arun(count_after(MoexFaults(stall_after=2)))
    assert stalled[0] == 0 and stalled[1] >= 4
    silent = arun(count_after(MoexFaults(silent_after=2)))
    assert silent == (0, 0)


def test_malformed_every_adds_a_body_that_is_not_json() -> None:
    async def body(sim: MoexSimulator) -> None:
        ws, c = await subscribed(sim)
        async with ws:
            bodies = [(await c.frame()).body for _ in range(6)]
            assert bodies.count(b"{not json") == 2

    with_sim(body, rate=200, faults=MoexFaults(malformed_every=2))


def test_fault_settings_are_checked() -> None:
    for bad in ({"drop_after": 0}, {"gap_every": 1}, {"silent_after": -1}):
        with pytest.raises(ValueError):
            MoexFaults(**bad)
