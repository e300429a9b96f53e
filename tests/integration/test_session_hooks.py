"""The engine's codec hooks against real loopback servers: protocol timers, HTTP calls, polling.

The codecs here are minimal test codecs (the protocol under test is the engine's side of
the hook contract); the servers are real aiohttp servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web

from feedcli.errors import RetriesExhausted, SubscriptionError
from feedcli.events import ControlEvent, DataEvent, Event
from feedcli.providers.base import (
    Codec,
    ConnectionDead,
    Frame,
    Handshake,
    HttpRequest,
    HttpResponse,
)
from feedcli.session import Session, SessionOptions
from tests.support.one_write_ws import one_write_server, text_frame

#: every test here runs over both WebSocket clients of the engine (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("each_transport")

FAST = SessionOptions(stale_after=None, ping_interval=None, backoff_base=0.05, backoff_cap=0.2)


class Server:
    """A loopback aiohttp app whose handlers the test supplies; records what it saw."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.seen: list[tuple[float, str]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> Server:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


#: how long a test waits for what it checks before it fails (a loaded machine is slow, not this slow)
CAP = 30.0
#: how long a cancelled session may take to stop before the test calls it a hang (its own
#: bounds are shorter: a close waits 2 s at most)
STOP_CAP = 20.0

RunUntil = Callable[..., Awaitable[None]]


def collect(
    factory: Callable[[], Codec],
    options: SessionOptions = FAST,
    on_event: Callable[[Event], None] | None = None,
    **session_args: Any,
) -> tuple[Session, list[Event], RunUntil]:
    """A session over `factory` whose events land in a list (each also handed to `on_event`,
    a test's server may wait on what the consumer got), and `run_until` to drive it.

    `run_until(done, what)` runs the session until `done()` holds (checked every 10 ms and
    when the session ends, so a predicate on the server's side works too), then cancels it.
    No window of wall time decides anything: a slow machine only makes the wait longer, up
    to `cap` seconds, after which the test fails saying what it waited for. A session that
    ends on its own first raises what it raised (a test of a final error expects it) or
    fails the test; one that does not stop within STOP_CAP of being cancelled fails the test
    with where each task is waiting (an engine bug, never to be hidden).
    """
    events: list[Event] = []

    def consume(event: Event) -> None:
        events.append(event)
        if on_event is not None:
            on_event(event)

    session = Session(factory, consume, options=options, **session_args)

    async def run_until(done: Callable[[], bool], what: str, cap: float = CAP) -> None:
        task = asyncio.ensure_future(session.run())
        loop = asyncio.get_running_loop()
        give_up = loop.time() + cap
        try:
            while not done():
                if task.done():
                    task.result()  # the session's own error, if it ended with one
                    pytest.fail(f"the session ended before {what}; events: {events}")
                if loop.time() > give_up:
                    pytest.fail(f"not within {cap:g}s: {what}; events: {events}")
                await asyncio.wait({task}, timeout=0.01)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_CAP)
                if not task.done():
                    pytest.fail(f"the session did not stop within {STOP_CAP:g}s of being cancelled:\n{_awaiting()}")
                if not task.cancelled():
                    task.result()  # an error raised as it stopped
                    pytest.fail("the cancelled session returned instead of ending cancelled (cancellation swallowed)")

    return session, events, run_until


def _awaiting() -> str:
    """Where each task of the loop is waiting (the chain of awaits), to say where a hang is."""
    out = []
    for task in asyncio.all_tasks():
        chain = []
        coro: Any = task.get_coro()
        while coro is not None and getattr(coro, "cr_frame", None) is not None:
            frame = coro.cr_frame
            chain.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename}:{frame.f_lineno})")
            coro = coro.cr_await
        out.append(" -> ".join(chain) + (f" -> {coro!r}" if coro is not None else ""))
    return "\n".join(out)


def data(events: list[Event], channel: str | None = None) -> list[DataEvent]:
    return [e for e in events if isinstance(e, DataEvent) and (channel is None or e.channel == channel)]


def controls(events: list[Event], name: str) -> list[ControlEvent]:
    return [e for e in events if isinstance(e, ControlEvent) and e.event == name]


# --------------------------------------------------------------------------- timers


class PingCodec(Codec):
    """Sends a text `ping` every interval and expects a `pong` within `deadline` seconds."""

    provider = "test"

    def __init__(self, url: str, interval: float = 0.05, deadline: float = 0.3) -> None:
        self.handshake = Handshake(url)
        self.timer_interval = interval
        self.deadline = deadline
        self.pings = 0
        #: (now, last_heard) as each tick of the timer was told them
        self.ticks: list[tuple[float, float]] = []

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        text = frame.decode() if isinstance(frame, bytes) else frame
        if text == "pong":
            return []
        if text == "dead":
            raise ConnectionDead("the server said the link is unusable")
        return [DataEvent("test", "c", "s", None, recv, text)]

    def on_timer(self, now: float, last_heard: float) -> list[Frame]:
        self.ticks.append((now, last_heard))
        if now - last_heard > self.deadline:
            raise ConnectionDead(f"no pong within {self.deadline:g}s")
        self.pings += 1
        return ["ping"]

    def heard_after_a_ping(self) -> bool:
        """Whether a tick was told of a frame heard after the first tick sent its ping: the
        peer's answers reach the codec as `last_heard`, what its deadline is judged on."""
        return any(last > self.ticks[0][0] for _, last in self.ticks[1:])


def test_protocol_timer_sends_keepalives_the_server_sees() -> None:
    """The timer's pings reach the server and its pongs reach the codec as `last_heard`.

    No deadline here (a pong late by a busy machine's pause is not what this checks): that
    the pongs are heard is checked as such, a tick told of a frame that came after a ping.
    """

    async def main() -> tuple[int, list[Event], list[PingCodec]]:
        server = Server()
        pings = 0

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal pings
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            async for msg in sock:
                if msg.type is WSMsgType.TEXT and msg.data == "ping":
                    pings += 1
                    await sock.send_str("pong")
            return sock

        server.app.router.add_get("/ws", ws)
        async with server:
            made: list[PingCodec] = []

            def codec() -> PingCodec:
                made.append(PingCodec(server.url.replace("http", "ws") + "/ws", deadline=math.inf))
                return made[-1]

            _, events, run_until = collect(codec)
            await run_until(
                lambda: pings >= 5 and made[-1].heard_after_a_ping(), "five pings seen and a pong heard by the codec"
            )
        return pings, events, made

    pings, events, made = asyncio.run(main())
    assert len(made) == 1 and made[0].pings >= pings >= 5
    assert controls(events, "connected") and not controls(events, "disconnected")


def test_timer_declares_a_silent_peer_dead_and_the_engine_reconnects() -> None:
    async def main() -> tuple[int, list[Event]]:
        server = Server()
        connections = 0

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal connections
            connections += 1
            sock = web.WebSocketResponse(autoping=True)
            await sock.prepare(request)
            async for _msg in sock:  # reads pings, never answers: a wedged server
                pass
            return sock

        server.app.router.add_get("/ws", ws)
        async with server:
            _, events, run_until = collect(lambda: PingCodec(server.url.replace("http", "ws") + "/ws", deadline=0.15))
            # a silent peer passes any deadline sooner or later: only when is the machine's
            await run_until(lambda: connections >= 2 and bool(controls(events, "reconnected")), "a reconnect")
        return connections, events

    connections, events = asyncio.run(main())
    assert connections >= 2
    gone = controls(events, "disconnected")
    assert gone and "no pong within 0.15s" in gone[0].fields["reason"]
    assert controls(events, "reconnected")


def test_connection_dead_from_parse_reconnects_instead_of_exiting() -> None:
    async def main() -> tuple[int, list[Event]]:
        server = Server()
        connections = 0

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal connections
            connections += 1
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_str("tick")
            await sock.send_str("dead")
            async for _msg in sock:
                pass
            return sock

        server.app.router.add_get("/ws", ws)
        async with server:
            _, events, run_until = collect(lambda: PingCodec(server.url.replace("http", "ws") + "/ws", interval=0))
            await run_until(
                lambda: connections >= 2 and len(data(events)) >= 2 and bool(controls(events, "reconnected")),
                "a tick on each of two connections",
            )
        return connections, events

    connections, events = asyncio.run(main())
    assert connections >= 2
    assert "link is unusable" in controls(events, "disconnected")[0].fields["reason"]
    assert [e.data for e in data(events)[:2]] == ["tick", "tick"]


# --------------------------------------------------------------------------- HTTP calls


class TokenCodec(Codec):
    """Learns its WebSocket address from a token call, like KuCoin's bullet-public."""

    provider = "test"

    def __init__(self, base: str) -> None:
        self.base = base
        self.handshake = None
        self.asked = False

    def pending_requests(self, now: float) -> list[HttpRequest]:
        if self.asked:
            return []
        self.asked = True
        return [HttpRequest("POST", self.base + "/token", json={"want": "ws"}, purpose="token")]

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        if response.status == 400:
            raise SubscriptionError("test: the server refused the pair")
        body = orjson.loads(response.body)
        self.handshake = Handshake(body["endpoint"] + "?token=" + body["token"])
        return [DataEvent("test", "backfill", "s", None, recv, body["token"])]

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "live", "s", None, recv, frame.decode() if isinstance(frame, bytes) else frame)]


def _token_server(statuses: list[tuple[int, dict[str, str]]]) -> tuple[Server, list[tuple[float, Any]]]:
    server = Server()
    calls: list[tuple[float, Any]] = []

    async def token(request: web.Request) -> web.Response:
        calls.append((time.monotonic(), await request.json()))
        if statuses:
            status, headers = statuses.pop(0)
            return web.json_response({"msg": "slow down"}, status=status, headers=headers)
        endpoint = server.url.replace("http", "ws") + "/ws"
        return web.json_response({"endpoint": endpoint, "token": f"t{len(calls)}"})

    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        await sock.send_str("token=" + request.query["token"])
        async for _msg in sock:
            pass
        return sock

    server.app.router.add_post("/token", token)
    server.app.router.add_get("/ws", ws)
    return server, calls


def test_http_call_before_connecting_gives_the_address_and_its_events_come_first() -> None:
    async def main() -> tuple[list[tuple[float, Any]], list[Event]]:
        server, calls = _token_server([])
        async with server:
            _, events, run_until = collect(lambda: TokenCodec(server.url))
            await run_until(lambda: bool(data(events, "live")), "a line from the WebSocket")
        return calls, events

    calls, events = asyncio.run(main())
    assert calls[0][1] == {"want": "ws"}
    lines = data(events)
    assert [d.channel for d in lines[:2]] == ["backfill", "live"]
    assert lines[1].data == "token=t1"


def test_rate_limited_http_call_waits_for_retry_after() -> None:
    """The engine's waits are seen, not timed: each is recorded with the calls made when it
    began and when it ended, so a call made again before the Retry-After is over shows."""

    async def main() -> tuple[list[tuple[float, Any]], list[tuple[float, int, int]], list[Event]]:
        server, calls = _token_server([(429, {"Retry-After": "1"})])
        waits: list[tuple[float, int, int]] = []  # (seconds, calls made when it began, when it ended)

        async def sleep(seconds: float) -> None:
            began = len(calls)
            await asyncio.sleep(seconds)
            waits.append((seconds, began, len(calls)))

        async with server:
            _, events, run_until = collect(lambda: TokenCodec(server.url), sleep=sleep)
            await run_until(lambda: bool(data(events, "live")), "a line from the WebSocket")
        return calls, waits, events

    calls, waits, events = asyncio.run(main())
    # one wait, of the Retry-After (not the 0.05 s backoff), from the 429 to the call made again
    assert waits == [(1.0, 1, 1)]
    assert len(calls) == 2
    assert data(events, "live")[0].data == "token=t2"


def test_418_counts_against_max_retries() -> None:
    async def main() -> None:
        server, _ = _token_server([(418, {"Retry-After": "0"})] * 5)
        async with server:
            options = SessionOptions(stale_after=None, ping_interval=None, backoff_base=0.01, max_retries=2)
            _, events, run_until = collect(lambda: TokenCodec(server.url), options)
            # the sixth call is answered: a session that streams has not given up after the third
            await run_until(lambda: bool(data(events, "live")), "the session to give up")

    with pytest.raises(RetriesExhausted, match=r"token call rate limited \(HTTP 418"):
        asyncio.run(main())


def test_refusal_in_an_http_answer_is_final() -> None:
    async def main() -> None:
        server, _ = _token_server([(400, {})])
        async with server:
            _, events, run_until = collect(lambda: TokenCodec(server.url))
            # the second call is answered: a session that streams did not take the refusal as final
            await run_until(lambda: bool(data(events, "live")), "the session to end with the refusal")

    with pytest.raises(SubscriptionError, match="refused the pair"):
        asyncio.run(main())


# --------------------------------------------------------------------------- polling


class PollCodec(Codec):
    provider = "test"
    polling = True
    handshake = None

    def __init__(self, base: str, state: dict[str, int]) -> None:
        self.base = base
        self.state = state
        self.due = 0.0

    def pending_requests(self, now: float) -> list[HttpRequest]:
        if now < self.due:
            return []
        self.due = now + 0.05
        return [
            HttpRequest("GET", self.base + "/candles", params=(("after", str(self.state["last"])),), purpose="poll")
        ]

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        rows = orjson.loads(response.body)
        out: list[Event] = []
        for n in rows:
            self.state["last"] = max(self.state["last"], n)
            out.append(DataEvent("test", "candles", "s", None, recv, n))
        return out

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        raise AssertionError("a polling codec has no WebSocket frames")

    def poll_delay(self, now: float) -> float:
        return max(0.0, self.due - now)


def test_polling_codec_gets_data_and_survives_server_errors_without_repeats() -> None:
    async def main() -> tuple[list[Event], list[str]]:
        server = Server()
        asked: list[str] = []
        counter = 0

        async def candles(request: web.Request) -> web.Response:
            nonlocal counter
            asked.append(request.query["after"])
            counter += 1
            if counter in (3, 4):
                return web.json_response({"error": "busy"}, status=503)
            after = int(request.query["after"])
            return web.json_response([after + 1])

        server.app.router.add_get("/candles", candles)
        async with server:
            state = {"last": 0}
            _, events, run_until = collect(lambda: PollCodec(server.url, state))
            await run_until(
                lambda: len(data(events)) >= 4 and bool(controls(events, "reconnected")),
                "four candles and a recovery from the outage",
            )
        return events, asked

    events, asked = asyncio.run(main())
    assert asked[:2] == ["0", "1"]
    values = [e.data for e in events if isinstance(e, DataEvent)]
    assert values[:4] == [1, 2, 3, 4]
    assert values == sorted(set(values))  # no repeats across the outage
    assert controls(events, "connected")[0].fields["mode"] == "poll"
    assert controls(events, "disconnected") and controls(events, "reconnected")


class NoAddressCodec(TokenCodec):
    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        return []  # an answer without the address it should carry


def test_token_answer_without_an_address_is_a_clear_error() -> None:
    from feedcli.errors import ProviderError

    async def main() -> None:
        server, _ = _token_server([])
        async with server:
            _, _, run_until = collect(lambda: NoAddressCodec(server.url))
            await run_until(lambda: False, "the session to end with an error")

    with pytest.raises(ProviderError, match="no WebSocket address"):
        asyncio.run(main())


class TopUpCodec(Codec):
    """Asks for one HTTP call when the stream says `need`, and keeps streaming meanwhile."""

    provider = "test"

    def __init__(self, base: str) -> None:
        self.base = base
        self.handshake = Handshake(base.replace("http", "ws") + "/ws")
        self.queued: list[HttpRequest] = []

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        text = frame.decode() if isinstance(frame, bytes) else frame
        if text == "need":
            self.queued.append(HttpRequest("GET", self.base + "/top-up", purpose="backfill"))
            self.wants_http = True
            return []
        return [DataEvent("test", "live", "s", None, recv, text)]

    def pending_requests(self, now: float) -> list[HttpRequest]:
        out, self.queued = self.queued, []
        return out

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        return [DataEvent("test", "top-up", "s", None, recv, response.body.decode())]


def test_http_calls_asked_for_while_connected_run_beside_the_stream() -> None:
    """The stream goes on while a call it asked for is under way: the server sends the live
    lines only once the top-up call has come in, and answers that call only once the last
    of them has reached the consumer, so a stream that waited for the call would never get
    them (no pause of wall time decides the order)."""

    async def main() -> list[Event]:
        server = Server()
        asked = asyncio.Event()
        release = asyncio.Event()

        async def top_up(request: web.Request) -> web.Response:
            asked.set()
            await release.wait()  # a slow REST answer: the stream must not wait for it
            return web.Response(text="missed bar")

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_str("need")
            await asked.wait()
            for i in range(3):
                await sock.send_str(f"live {i}")
            async for _msg in sock:
                pass
            return sock

        def on_event(event: Event) -> None:
            if isinstance(event, DataEvent) and event.data == "live 2":
                release.set()

        server.app.router.add_get("/top-up", top_up)
        server.app.router.add_get("/ws", ws)
        async with server:
            _, events, run_until = collect(lambda: TopUpCodec(server.url), on_event=on_event)
            await run_until(lambda: bool(data(events, "top-up")), "the top-up's line")
        return events

    events = asyncio.run(main())
    lines = [(e.channel, e.data) for e in data(events)]
    assert lines == [("live", "live 0"), ("live", "live 1"), ("live", "live 2"), ("top-up", "missed bar")]
    assert not controls(events, "disconnected")


class ManyTopUpsCodec(TopUpCodec):
    """Asks for three calls at once when the stream says `need` (a book snapshot per pair)."""

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        text = frame.decode() if isinstance(frame, bytes) else frame
        if text == "need":
            self.queued += [HttpRequest("GET", f"{self.base}/top-up/{k}", purpose="snapshot") for k in range(3)]
            self.wants_http = True
            return []
        return [DataEvent("test", "live", "s", None, recv, text)]


def test_snapshot_calls_asked_for_together_while_connected_are_made_together() -> None:
    """Twenty pairs' book snapshots must not each wait for the one before: the server answers
    none until all three calls are in, so calls made one after another would get no answer."""

    async def main() -> list[Event]:
        server = Server()
        arrived: list[str] = []
        all_in = asyncio.Event()
        gave_up = asyncio.Event()  # the server gave up waiting for the three calls

        async def top_up(request: web.Request) -> web.Response:
            arrived.append(request.match_info["k"])
            if len(arrived) == 3:
                all_in.set()
            try:
                await asyncio.wait_for(all_in.wait(), 30)
            except asyncio.TimeoutError:
                gave_up.set()  # calls made one after another: the test fails now, not at its cap
                raise
            return web.Response(text=request.match_info["k"])

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_str("need")
            async for _msg in sock:
                pass
            return sock

        server.app.router.add_get("/top-up/{k}", top_up)
        server.app.router.add_get("/ws", ws)
        async with server:
            _, events, run_until = collect(lambda: ManyTopUpsCodec(server.url))
            await run_until(
                lambda: len(data(events, "top-up")) == 3 or gave_up.is_set(), "three top-up lines", cap=2 * CAP
            )
        return events

    events = asyncio.run(main())
    assert sorted(e.data for e in events if isinstance(e, DataEvent) and e.channel == "top-up") == ["0", "1", "2"]


@pytest.mark.parametrize("end", ["cancelled", "server gone", "stale"])
def test_rest_calls_beside_the_stream_end_before_the_run_closes_its_http_client(end: str) -> None:
    """A connection's REST calls still under way when it ends (three book snapshots the
    server never answers) are cancelled and awaited before the run closes its HTTP client,
    so none outlives the client it uses. The run is ended three ways: cancelled, by the
    server (no retries left), by the stale watchdog."""

    async def main() -> tuple[list[bool], BaseException | None]:
        server = Server()
        asked = asyncio.Event()
        never = asyncio.Event()

        async def top_up(request: web.Request) -> web.Response:
            asked.set()
            await never.wait()  # an answer that never comes: the calls are under way at the end
            return web.Response(text="late")

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_str("need")
            if end == "server gone":
                await asked.wait()
                await sock.close()
            async for _msg in sock:
                pass
            return sock

        server.app.router.add_get("/top-up/{k}", top_up)
        server.app.router.add_get("/ws", ws)
        async with server:
            options = dataclasses.replace(FAST, max_retries=0, stale_after=0.5 if end == "stale" else None)
            session = Session(lambda: ManyTopUpsCodec(server.url), lambda _e: None, options=options)
            run = asyncio.ensure_future(session.run())
            await asyncio.wait_for(asked.wait(), 60)
            # when each REST task ends: was the run's HTTP client still open?
            client_open: list[bool] = []
            for task in asyncio.all_tasks():
                if getattr(task.get_coro(), "__qualname__", "") == "Session._http_while_connected":
                    task.add_done_callback(lambda _t: client_open.append(session._rest is not None))
            if end == "cancelled":
                run.cancel()
            await asyncio.wait({run}, timeout=60)
            never.set()
            assert run.done()
            failure = None if run.cancelled() else run.exception()
        return client_open, failure

    client_open, failure = asyncio.run(main())
    assert client_open == [True]
    assert (failure is None) if end == "cancelled" else isinstance(failure, RetriesExhausted)


def test_rest_calls_asked_for_by_frames_of_the_handshake_read_end_when_the_open_is_stopped(
    each_transport: str,
) -> None:
    """picows handles the frames that came with the handshake answer inside the open, before
    the engine serves the connection; a run stopped then (Ctrl-C, --duration as it opens) must
    not leave the REST calls those frames asked for running past the open: nobody would end
    them, and they would outlive the run's HTTP client ('Task exception was never retrieved')."""
    if each_transport != "picows":
        pytest.skip("aiohttp reads no frame before the engine serves the connection")

    async def main() -> tuple[bool | None, bool, list[tuple[bool, bool]]]:
        server = Server()
        never = asyncio.Event()

        async def top_up(request: web.Request) -> web.Response:
            await never.wait()  # under way when the run is stopped
            return web.Response(text="late")

        server.app.router.add_get("/top-up/{k}", top_up)
        # every task of REST calls beside the stream, through the loop's task factory
        rest_tasks: list[asyncio.Task[Any]] = []
        loop = asyncio.get_running_loop()

        def task_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            task = asyncio.Task(coro, loop=loop, **kwargs)
            if getattr(coro, "__qualname__", "") == "Session._http_while_connected":
                rest_tasks.append(task)
            return task

        loop.set_task_factory(task_factory)
        ws_server = await one_write_server(text_frame(b"need"))
        port = ws_server.sockets[0].getsockname()[1]
        served: list[bool] = []

        class StopOnNeed(ManyTopUpsCodec):
            def parse(self, frame: Frame, recv: str) -> list[Event]:
                out = super().parse(frame, recv)
                served.append(session._ws is not None)  # False: the open has not returned yet
                run.cancel()  # the run is stopped as the connection opens
                return out

        def codec() -> StopOnNeed:
            made = StopOnNeed(server.url)
            made.handshake = Handshake(f"ws://127.0.0.1:{port}/")
            return made

        async with server, ws_server:
            session = Session(codec, lambda _e: None, options=FAST, transport="picows")
            run = asyncio.ensure_future(session.run())
            await asyncio.wait({run}, timeout=STOP_CAP)
            ended = run.cancelled()
            states = [(t.done(), t.cancelled()) for t in rest_tasks]  # as the run ends
            never.set()
        return served[0] if served else None, ended, states

    served, ended, states = asyncio.run(main())
    assert served is False  # the frame came with the handshake: the case under test
    assert ended
    assert states == [(True, True)]  # the calls the frame asked for: cancelled, not left running
