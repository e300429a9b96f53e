"""The HT Data Engine simulator over real loopback sockets, with a real websockets client."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from feedcli.errors import AuthError, MalformedFrame, SubscriptionError
from feedcli.events import DataEvent
from feedcli.providers import ht, ime, tse
from feedcli.providers.base import ws_url
from feedcli.simulators.ht import Faults, HTSimulator
from feedcli.simulators.ht_market import IME_UNIVERSE, TSE_UNIVERSE
from tests.support.virtual_time import VirtualTimer

T = TypeVar("T")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
ISINS = [i.isin for i in TSE_UNIVERSE]
FUND = next(i for i in TSE_UNIVERSE if i.kind == "fund")
OPTION = next(i for i in TSE_UNIVERSE if i.kind == "option")


def arun(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run one test's coroutine; a hang becomes a clear TimeoutError, not a stuck suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def with_sim(body: Callable[[HTSimulator], Awaitable[T]], **kwargs: Any) -> T:
    async def main() -> T:
        async with HTSimulator(**kwargs) as sim:
            return await body(sim)

    return arun(main())


async def login(sim: HTSimulator, form: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(sim.url + ht.LOGIN_PATH, data=form)


def tse_url(sim: HTSimulator, by: str, symbols: list[str], channels: list[str]) -> str:
    return ws_url(sim.url, tse.request_target(tse.Subscription(by, tuple(symbols), tuple(channels))))  # type: ignore[arg-type]


def ime_url(sim: HTSimulator, by: str, param: str, contracts: list[str]) -> str:
    return ws_url(sim.url, f"{ime.PATH}/{by}?{urlencode([(param, c) for c in contracts])}")


def open_ws(url: str, headers: dict[str, str] | None = None, **kwargs: Any) -> connect:
    """A client that never pauses reading: with websockets' default `max_queue=16`, a
    connection whose queue is full cannot read the server's close frame and takes its whole
    `close_timeout` (10 s) to close, which only slows the tests down."""
    kwargs.setdefault("max_queue", 100_000)
    kwargs.setdefault("close_timeout", 2)
    return connect(url, additional_headers=headers or {}, **kwargs)


async def recv_json(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def close_of(sim: HTSimulator, url: str, headers: dict[str, str] | None) -> tuple[int, str]:
    """Connect, expect the server to close at once, and return its close code and reason."""
    async with open_ws(url, headers) as ws:
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 3.0)
    rcvd = info.value.rcvd
    assert rcvd is not None, "the server must send a close frame"
    return rcvd.code, rcvd.reason


# ---- login -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        {"UserName_or_Email": "demo", "Password": "demo"},
        {"username": "demo", "password": "demo"},
        {"UserName_or_Email": "demo", "Password": "demo", "username": "demo", "password": "demo"},
    ],
)
def test_login_issues_a_jwt_with_201(form: dict[str, str]) -> None:
    async def body(sim: HTSimulator) -> None:
        response = await login(sim, form)
        assert response.status_code == 201
        token = response.json()["Authorization"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert jwt.get_unverified_header(token)["alg"] == "HS256"
        assert claims["sub"] == "demo"
        assert time.time() + 3_500 < claims["exp"] <= time.time() + 3_601
        # The token it issues opens a stream.
        url = tse_url(sim, "isin", ISINS, ["order-book"])
        async with open_ws(url, {"Authorization": token}) as ws:
            assert (await recv_json(ws))["channel"] == "order-book"

    with_sim(body, rate=500, token_ttl=3_600)


def test_login_refusals() -> None:
    async def body(sim: HTSimulator) -> None:
        wrong = await login(sim, {"username": "demo", "password": "nope"})
        assert wrong.status_code == 401
        assert wrong.json() == {"detail": "Invalid username or password"}
        unknown = await login(sim, {"UserName_or_Email": "someone", "Password": "demo"})
        assert unknown.status_code == 401
        missing = await login(sim, {"username": "demo"})
        assert missing.status_code == 422 and missing.json()["detail"]

    with_sim(body)


def test_login_with_other_credentials_and_an_unapproved_account() -> None:
    async def body(sim: HTSimulator) -> None:
        assert (await login(sim, {"username": "demo", "password": "demo"})).status_code == 401
        refused = await login(sim, {"username": "ali", "password": "s3cret"})
        assert refused.status_code == 403 and "approved" in refused.json()["detail"]
        assert sim.banner().endswith(" user ali password s3cret")

    with_sim(body, user="ali", password="s3cret", approved=False)


def test_login_errors_come_first_and_in_order() -> None:
    async def body(sim: HTSimulator) -> None:
        form = {"username": "demo", "password": "demo"}
        first, second, third = [await login(sim, form) for _ in range(3)]
        assert (first.status_code, second.status_code, third.status_code) == (429, 503, 201)
        assert first.headers["Retry-After"] == "1" and second.headers["Retry-After"] == "1"
        assert first.json()["detail"] and second.json()["detail"]
        assert "Authorization" in third.json()

    with_sim(body, faults=Faults(login_errors=[429, 503]))


def test_banner_names_the_real_port_and_the_listing_names_every_symbol() -> None:
    async def body(sim: HTSimulator) -> None:
        match = re.fullmatch(
            r"feedcli simulate: serving HT Data Engine at http://127\.0\.0\.1:(\d+) user demo password demo",
            sim.banner(),
        )
        assert match is not None and int(match.group(1)) > 0
        assert sim.url == f"http://127.0.0.1:{match.group(1)}"
        text = "\n".join(sim.listing())
        for ins in TSE_UNIVERSE:
            assert ins.isin in text and ins.name in text
        for contract in IME_UNIVERSE:
            assert contract.contract_id in text and contract.name in text
        assert sim.listing("tse")[0].startswith("TSE") and sim.listing("ime")[0].startswith("IME")
        assert sorted(sim.listing("ime")) == sorted(sim.listing("tse"))
        assert sim.tse_instruments == TSE_UNIVERSE and sim.ime_contracts == IME_UNIVERSE

    with_sim(body)


def test_rate_is_kept_at_low_and_high_rates_and_a_backlog_is_capped() -> None:
    """On virtual time the schedule is exact: `rate` events per second, stepped finely or in
    big jumps, and a loop blocked for long performs at most a quarter second's backlog."""
    for rate in (100.0, 4_000.0):
        timer = VirtualTimer()

        async def body(sim: HTSimulator, rate: float = rate, timer: VirtualTimer = timer) -> None:
            await timer.advance(0)  # the producer has started and waits on the clock
            assert sim.events == 0  # the first event is due one interval after the start
            for _ in range(50):
                await timer.advance(0.01)
            # (float steps: an event due at exactly the last instant may land either side)
            assert abs(sim.events - rate * 0.5) <= 1, sim.events
            await timer.advance(0.25)
            assert abs(sim.events - rate * 0.75) <= 1, sim.events
            before = sim.events
            await timer.jump(10.0)  # one wake-up after the loop was blocked for 10 s
            assert sim.events - before == max(1, int(rate / 4))

        with_sim(body, rate=rate, timer=timer)


# ---- TSE & IFB -------------------------------------------------------------------------------


def test_tse_by_isin_serves_all_seven_channels_across_the_universe() -> None:
    async def body(sim: HTSimulator) -> None:
        token = sim.issue_token()
        codec = tse.codecs(tse.subscription(ISINS, [], []), sim.url, token)[0]
        seen: dict[str, set[str]] = {}
        async with open_ws(codec.handshake.url, dict(codec.handshake.headers)) as ws:
            while len(seen) < 7 or not {"contract-info", "fund-info"} <= set(seen):
                frame = await asyncio.wait_for(ws.recv(), 3.0)
                message = json.loads(frame)
                assert set(message) == {"channel", "symbolIsin", "timestamp", "data"}
                assert TIMESTAMP.match(message["timestamp"])
                seen.setdefault(message["channel"], set()).add(message["symbolIsin"])
                (event,) = codec.parse(frame, "2025-11-14T08:30:00.000000Z")
                assert isinstance(event, DataEvent) and event.symbol == message["symbolIsin"]
                assert event.data == message["data"]
        assert set(seen) == set(tse.CHANNELS)
        assert seen["contract-info"] == {OPTION.isin}
        assert seen["fund-info"] == {FUND.isin}
        assert set().union(*seen.values()) <= set(ISINS)

    with_sim(body, rate=3_000)


def test_tse_by_name_sends_only_what_was_asked_with_symbol_name() -> None:
    async def body(sim: HTSimulator) -> None:
        names = [TSE_UNIVERSE[0].name, FUND.name]
        token = (await login(sim, {"username": "demo", "password": "demo"})).json()["Authorization"]
        url = tse_url(sim, "name", names, ["best-limit", "fund-info"])
        channels: set[str] = set()
        async with open_ws(url, {"Authorization": token}) as ws:
            for _ in range(60):
                message = await recv_json(ws)
                assert set(message) == {"channel", "symbolName", "timestamp", "data"}
                assert message["symbolName"] in names
                assert message["channel"] in ("best-limit", "fund-info")
                if message["channel"] == "fund-info":
                    assert message["symbolName"] == FUND.name
                channels.add(message["channel"])
        assert channels == {"best-limit", "fund-info"}

    with_sim(body, rate=3_000)


def test_a_stock_subscribed_to_fund_and_contract_info_gets_none_of_them() -> None:
    async def body(sim: HTSimulator) -> None:
        url = tse_url(sim, "isin", [TSE_UNIVERSE[0].isin], ["fund-info", "contract-info", "order-book"])
        async with open_ws(url, {"Authorization": sim.issue_token()}) as ws:
            for _ in range(30):
                assert (await recv_json(ws))["channel"] == "order-book"

    with_sim(body, rate=3_000)


# ---- IME -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "param", "bearer"),
    [("id", "contract_id", False), ("name", "contract_names", False), ("name", "contract_name", True)],
)
def test_ime_streams_by_id_and_by_name(by: str, param: str, bearer: bool) -> None:
    chosen = IME_UNIVERSE[:2]
    idents = [c.contract_id if by == "id" else c.name for c in chosen]
    field = ime.ENDPOINTS[by][2]

    async def body(sim: HTSimulator) -> None:
        headers = dict(ht.auth_headers(sim.issue_token(), bearer=bearer))
        got: set[str] = set()
        async with open_ws(ime_url(sim, by, param, idents), headers) as ws:
            for _ in range(40):
                message = await recv_json(ws)
                assert set(message) == {"channel", field, "timestamp", "data"}
                assert message["channel"] == ime.CHANNEL
                assert TIMESTAMP.match(message["timestamp"])
                assert tuple(message["data"]) == ime.SECTIONS
                got.add(message[field])
        assert got == set(idents)

    with_sim(body, rate=3_000)


def test_the_ime_codec_reads_what_the_simulator_sends() -> None:
    async def body(sim: HTSimulator) -> None:
        sub = ime.subscription([], [IME_UNIVERSE[2].name])
        codec = ime.codecs(sub, sim.url, sim.issue_token())[0]
        async with open_ws(codec.handshake.url, dict(codec.handshake.headers)) as ws:
            (event,) = codec.parse(await asyncio.wait_for(ws.recv(), 3.0), "2025-11-14T08:30:00.000000Z")
        assert isinstance(event, DataEvent)
        assert (event.provider, event.channel, event.symbol) == ("ime", ime.CHANNEL, IME_UNIVERSE[2].name)

    with_sim(body, rate=2_000)


# ---- refusals --------------------------------------------------------------------------------


def _refusal_cases(sim: HTSimulator) -> list[tuple[str, dict[str, str] | None, str, type[Exception]]]:
    good = {"Authorization": sim.issue_token()}
    tse_ok = tse_url(sim, "isin", ISINS[:1], ["best-limit"])
    forged = jwt.encode(
        {"sub": "demo", "exp": time.time() + 60}, "not-the-secret-of-this-simulator-at-all", algorithm="HS256"
    )
    return [
        (tse_ok, None, "Missing token", AuthError),
        (tse_ok, {"Authorization": "garbage"}, "Invalid token", AuthError),
        (tse_ok, {"Authorization": forged}, "Invalid token", AuthError),
        (tse_ok, {"Authorization": sim.issue_token(ttl=-10)}, "Token expired", AuthError),
        (tse_ok, {"Authorization": "Bearer " + sim.issue_token(ttl=-10)}, "Token expired", AuthError),
        (
            tse_url(sim, "isin", ["IRO1NONE0001"], ["best-limit"]),
            good,
            "Invalid symbol: IRO1NONE0001",
            SubscriptionError,
        ),
        (tse_url(sim, "name", ["ناموجود"], ["aggregate"]), good, "Invalid symbol: ناموجود", SubscriptionError),
        (tse_url(sim, "isin", ISINS[:1], ["trades"]), good, "invalid channel: trades", SubscriptionError),
        (ime_url(sim, "id", "contract_id", ["999999"]), good, "Invalid contract: 999999", SubscriptionError),
        (ime_url(sim, "name", "contract_names", ["nothing"]), good, "Invalid contract: nothing", SubscriptionError),
        (
            ime_url(sim, "id", "symbol", ["100101"]),
            good,
            "no contract requested (contract_id or contract_ids)",
            SubscriptionError,
        ),
    ]


def test_refusals_close_1008_with_a_reason_feedcli_maps_to_the_right_exit() -> None:
    async def body(sim: HTSimulator) -> None:
        for url, headers, reason, error in _refusal_cases(sim):
            code, got = await close_of(sim, url, headers)
            assert (code, got) == (1008, reason), url
            assert isinstance(ht.refusal(code, got), error), reason
        assert sim.connections == 0

    # well-formed unknowns are refused only where the universe is the listed one
    with_sim(body, rate=200, strict_universe=True)


#: (endpoint, identifier) pairs of the wrong length or characters: refused even with the open universe
MALFORMED = [
    ("isin", "IRO1FOLD001"),  # 11 characters
    ("isin", "IRO1FOLD00011"),  # 13
    ("isin", "IRO1FOLD000-"),
    ("isin", "1RO1FOLD0001"),
    ("isin", "iro1fold0001"),
    ("name", "فولاد;"),
    ("name", "a b "),
    ("name", "x" * 31),
    ("name", "<script>"),
    ("name", ""),
]
MALFORMED_IME = [("id", "12a45"), ("id", "1234567890123"), ("id", ""), ("name", "Contract-A"), ("name", "C" * 41)]


def test_any_well_formed_identifier_is_served_and_only_malformed_ones_are_refused() -> None:
    """The documents' own identifiers (TSE: IRT3SATF0001, IRTKMOFD0001; IME: 12345, 67890,
    ContractA, ContractB) and any other well-formed one get data; a malformed one gets 1008."""

    async def first_of(url: str, headers: dict[str, str], field: str, wanted: set[str]) -> dict[str, Any]:
        got: dict[str, Any] = {}
        async with open_ws(url, headers) as ws:
            while set(got) != wanted:
                msg = await recv_json(ws, 5.0)
                got.setdefault(msg[field], msg)
        return got

    async def body(sim: HTSimulator) -> None:
        good = {"Authorization": sim.issue_token()}
        doc = ["IRT3SATF0001", "IRTKMOFD0001"]
        got = await first_of(tse_url(sim, "isin", doc, ["order-book", "best-limit"]), good, "symbolIsin", set(doc))
        for msg in got.values():
            assert msg["channel"] in ("order-book", "best-limit") and TIMESTAMP.match(msg["timestamp"])
        named = await first_of(tse_url(sim, "name", ["خساپا"], ["best-limit"]), good, "symbolName", {"خساپا"})
        assert set(named["خساپا"]["data"]) == {"1", "2", "3", "4", "5"}
        ids = await first_of(
            ime_url(sim, "id", "contract_id", ["12345", "67890"]), good, "ContractId", {"12345", "67890"}
        )
        names = await first_of(
            ime_url(sim, "name", "contract_names", ["ContractA", "ContractB"]),
            good,
            "contractName",
            {"ContractA", "ContractB"},
        )
        for msg in [*ids.values(), *names.values()]:
            assert msg["channel"] == ime.CHANNEL and tuple(msg["data"]) == ime.SECTIONS
        for by, symbol in MALFORMED:
            code, reason = await close_of(sim, tse_url(sim, by, [symbol], ["best-limit"]), good)
            assert code == 1008 and reason == f"Invalid symbol: {symbol}"[:123], symbol
            assert isinstance(ht.refusal(code, reason), SubscriptionError)
        for by, contract in MALFORMED_IME:
            param = "contract_id" if by == "id" else "contract_names"
            assert await close_of(sim, ime_url(sim, by, param, [contract]), good) == (
                1008,
                f"Invalid contract: {contract}",
            )
        # one malformed identifier refuses the whole subscription, as an unknown one does
        code, reason = await close_of(sim, tse_url(sim, "isin", ["IRT3SATF0001", "IRX"], ["best-limit"]), good)
        assert (code, reason) == (1008, "Invalid symbol: IRX")
        assert sim.connections == 0

    with_sim(body, rate=2_000)


def test_a_synthetic_instrument_moves_only_while_subscribed_and_resumes_where_it_was() -> None:
    async def body(sim: HTSimulator) -> None:
        good = {"Authorization": sim.issue_token()}
        listed = sim.market.stepped
        url = tse_url(sim, "isin", ["IRT3SATF0001"], ["aggregate"])
        async with open_ws(url, good) as ws, open_ws(url, good) as other:
            await recv_json(ws, 5.0)
            await recv_json(other, 5.0)
            assert sim.market.stepped == listed + 1  # one instrument, however many subscribers
        for _ in range(100):
            if sim.market.stepped == listed:
                break
            await asyncio.sleep(0.02)
        assert sim.market.stepped == listed  # nobody holds it: it stops moving
        before = sim.market.payload("IRT3SATF0001", "aggregate")
        assert before is not None
        await asyncio.sleep(0.2)
        assert sim.market.payload("IRT3SATF0001", "aggregate") == before
        async with open_ws(url, good) as ws:
            again = (await recv_json(ws, 5.0))["data"]
        assert again["trade_count"] > before["trade_count"]  # the same day goes on, not a new market

    with_sim(body, rate=2_000)


def test_a_long_unknown_name_is_cut_to_a_legal_close_reason() -> None:
    async def body(sim: HTSimulator) -> None:
        name = "ن" * 200
        code, reason = await close_of(
            sim, tse_url(sim, "name", [name], ["best-limit"]), {"Authorization": sim.issue_token()}
        )
        assert code == 1008 and reason.startswith("Invalid symbol: ن") and len(reason.encode()) <= 123

    with_sim(body)


# ---- faults ----------------------------------------------------------------------------------


def test_drop_after_aborts_without_a_close_frame() -> None:
    async def body(sim: HTSimulator) -> None:
        url = tse_url(sim, "isin", ISINS, list(tse.CHANNELS))
        async with open_ws(url, {"Authorization": sim.issue_token()}) as ws:
            for _ in range(5):
                await recv_json(ws)
            with pytest.raises(ConnectionClosedError) as info:
                await recv_json(ws)
        assert info.value.rcvd is None, "an abrupt drop sends no close frame"

    with_sim(body, rate=2_000, faults=Faults(drop_after=5))


def test_stall_after_keeps_the_connection_open_and_answers_pings() -> None:
    async def body(sim: HTSimulator) -> None:
        url = tse_url(sim, "isin", ISINS, list(tse.CHANNELS))
        async with open_ws(url, {"Authorization": sim.issue_token()}, ping_interval=None) as ws:
            for _ in range(3):
                await recv_json(ws)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.6)
            latency = await asyncio.wait_for(await ws.ping(), 2.0)
            assert latency < 2.0
            assert sim.connections == 1
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.2)

    with_sim(body, rate=3_000, faults=Faults(stall_after=3))


def test_malformed_every_third_frame_and_no_good_message_is_lost() -> None:
    async def body(sim: HTSimulator) -> None:
        token = sim.issue_token()
        codec = tse.codecs(tse.subscription([], [i.name for i in TSE_UNIVERSE], ["best-limit"]), sim.url, token)[0]
        headers = dict(codec.handshake.headers)
        async with open_ws(codec.handshake.url, headers) as a, open_ws(codec.handshake.url, headers) as b:
            frames_a = [await asyncio.wait_for(a.recv(), 3.0) for _ in range(60)]
            frames_b = [await asyncio.wait_for(b.recv(), 3.0) for _ in range(30)]
        good_a: list[str] = []
        kinds: list[str] = []
        for n, frame in enumerate(frames_a, start=1):
            try:
                codec.parse(frame, "2025-11-14T08:30:00.000000Z")
            except MalformedFrame as exc:
                assert n % 3 == 0, f"frame {n} is malformed"
                kinds.append("truncated" if "not JSON" in str(exc) else "no data")
            else:
                assert n % 3, f"frame {n} should have been malformed"
                good_a.append(frame)
        assert kinds[:2] == ["truncated", "no data"]
        good_b = [f for n, f in enumerate(frames_b, start=1) if n % 3]
        # Both connections get every update; b joined a little later, so its good messages are
        # a contiguous run of a's good messages: nothing was lost to the malformed frames.
        start = good_a.index(good_b[0])
        assert good_a[start : start + len(good_b)] == good_b

    with_sim(body, rate=1_000, faults=Faults(malformed_every=3))


def test_a_slow_client_is_closed_and_does_not_hold_up_the_others() -> None:
    async def body(sim: HTSimulator) -> None:
        headers = {"Authorization": sim.issue_token()}
        url = tse_url(sim, "isin", ISINS, list(tse.CHANNELS))
        host, port = sim.url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4_096)
        sock.connect((host, int(port)))
        async with open_ws(url, headers, sock=sock, max_queue=1) as slow:
            async with open_ws(url, headers) as fast:
                deadline = time.monotonic() + 8.0
                while sim.connections > 1 and time.monotonic() < deadline:
                    await recv_json(fast)
                # The slow client is closed only when its queue overflows, that is, only if the
                # producer went on producing while it read nothing: a producer held up by it
                # would never get there. (How many of those messages the fast client has read
                # by then depends on how busy the machine is, so it is not counted.)
                assert sim.connections == 1, "the slow client was never closed"
                more = [await recv_json(fast) for _ in range(20)]
                assert len(more) == 20
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(slow.recv(), 3.0)
        rcvd = info.value.rcvd
        # A close frame that fits is 1013; one that cannot be written in time becomes an abort.
        assert rcvd is None or (rcvd.code, rcvd.reason) == (1013, "client too slow")

    with_sim(body, rate=2_000, queue_size=256, compress=False, send_buffer=8_192)


def test_faults_are_checked() -> None:
    with pytest.raises(ValueError):
        Faults(drop_after=0)
    with pytest.raises(ValueError):
        Faults(login_errors=[200])
    with pytest.raises(ValueError):
        HTSimulator(rate=0)
    assert Faults(login_errors=[429]).login_errors == (429,)


def test_stop_closes_streams_with_going_away() -> None:
    async def main() -> None:
        sim = HTSimulator(rate=1_000)
        await sim.start()
        async with open_ws(tse_url(sim, "isin", ISINS, ["order-book"]), {"Authorization": sim.issue_token()}) as ws:
            await recv_json(ws)
            await sim.stop()
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 3.0)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1001
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(sim.url.rsplit(":", 1)[1])), timeout=1).close()

    arun(main())
