"""A run stopped at awkward moments ends, and leaves nothing behind (a review of the engine's
cancellation paths): cancelled while a guard is closing a stale connection, while the
WebSocket upgrade is on its way, and while the connection closes and the server still asks
for a REST call. Each test is driven by the servers' events, not by windows of time."""

from __future__ import annotations

import asyncio
import dataclasses
import types
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from feedcli import picows_link
from feedcli.providers.base import Handshake
from feedcli.session import Session
from tests.integration.test_session_hooks import FAST, ManyTopUpsCodec, Server, TopUpCodec

pytestmark = pytest.mark.timeout(60)


def _rest_tasks() -> list[asyncio.Task[Any]]:
    return [
        t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "Session._http_while_connected"
    ]


def _awaiting(task: asyncio.Task[Any], name: str) -> bool:
    """Whether `name` is among the coroutines the task is suspended in, innermost included."""
    coro: Any = task.get_coro()
    while coro is not None:
        if getattr(coro, "__qualname__", "").endswith(name):
            return True
        coro = getattr(coro, "cr_await", None)
    return False


def test_cancelled_while_the_watchdog_closes_a_stale_connection() -> None:
    """The run is cancelled (Ctrl-C, --duration) while it waits for the watchdog to finish
    closing a stale connection whose server never answers the close, and a REST call beside
    the stream is under way: the run ends cancelled (once the close has had its
    close_timeout), and the REST call ends before the run's HTTP client.

    (aiohttp: its receive loop ends as the close begins, so the run is stopping the guards
    while the watchdog's close is still under way; over picows the run waits for the socket
    to be gone, after the close.)"""
    transport = "aiohttp"

    async def main() -> tuple[bool, list[bool]]:
        server = Server()
        asked, never = asyncio.Event(), asyncio.Event()

        async def top_up(request: web.Request) -> web.Response:
            asked.set()
            await never.wait()
            return web.Response(text="late")

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse(autoclose=False)
            await sock.prepare(request)
            await sock.send_str("need")
            await never.wait()  # silent from now on, and never answers a close
            return sock

        server.app.router.add_get("/top-up/{k}", top_up)
        server.app.router.add_get("/ws", ws)
        async with server:
            options = dataclasses.replace(FAST, max_retries=0, stale_after=0.3, close_timeout=1.0)
            session = Session(
                lambda: ManyTopUpsCodec(server.url), lambda _e: None, options=options, transport=transport
            )
            run = asyncio.ensure_future(session.run())
            await asyncio.wait({asyncio.ensure_future(asked.wait())}, timeout=30)
            assert asked.is_set()
            client_open: list[bool] = []
            for task in _rest_tasks():
                task.add_done_callback(lambda _t: client_open.append(session._rest is not None))
            while not _awaiting(run, "_stop_guards"):  # the watchdog's close (1 s at most) is under way
                await asyncio.sleep(0.005)
            assert session._ended is not None and not session._ended[1].done()
            run.cancel()
            await asyncio.wait({run}, timeout=30)
            never.set()
            assert run.done(), "the run went on after it was cancelled"
        return run.cancelled(), client_open

    cancelled, client_open = asyncio.run(main())
    assert cancelled
    assert client_open == [True]


@pytest.mark.parametrize("transport", ["aiohttp", "picows"])
def test_a_rest_call_asked_for_while_the_connection_closes_is_not_made(transport: str) -> None:
    """Cancelled, the run closes its connection; the server answers the close with one more
    frame asking for a REST call. The frame's data still counts, but no call is started that
    would outlive the run's HTTP client."""

    async def main() -> tuple[bool, int, list[Any]]:
        server = Server()
        calls = 0

        async def top_up(request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            return web.Response(text="late")

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse(autoclose=False)
            await sock.prepare(request)
            await sock.send_str("x")
            async for msg in sock:
                if msg.type is WSMsgType.CLOSE:
                    break
            await sock.send_str("need")  # the client is closing: one more frame first
            await sock.close()
            return sock

        server.app.router.add_get("/top-up", top_up)
        server.app.router.add_get("/ws", ws)
        async with server:
            events: list[Any] = []
            session = Session(lambda: TopUpCodec(server.url), events.append, options=FAST, transport=transport)
            run = asyncio.ensure_future(session.run())
            while not any(getattr(e, "data", None) == "x" for e in events):
                await asyncio.sleep(0.01)
            run.cancel()
            await asyncio.wait({run}, timeout=30)
            assert run.done(), "the run went on after it was cancelled"
            left = [t for t in _rest_tasks() if not t.done()]
        return run.cancelled(), calls, left

    cancelled, calls, left = asyncio.run(main())
    assert cancelled
    assert (calls, left) == (0, [])


def test_a_connection_whose_upgrade_comes_after_the_run_stopped_is_dropped() -> None:
    """picows: the run stops while the server has not yet answered the upgrade. When the
    answer comes, no `connected` is said, no frame is handled and the connection is closed."""
    handled: list[bytes] = []
    said: list[int] = []

    class Codec:
        provider = "test"
        finished = False
        wants_http = False

        def parse(self, frame: bytes, recv: str) -> list[Any]:
            handled.append(frame)
            return []

        def take_outgoing(self) -> list[Any]:
            return []

    async def main() -> bool:
        upgrading, stopped, closed = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def ws(request: web.Request) -> web.WebSocketResponse:
            upgrading.set()
            await stopped.wait()  # the upgrade is answered only after the run stopped
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            for i in range(20):
                await sock.send_str(f"m{i}")
            async for _msg in sock:
                pass
            closed.set()
            return sock

        server = Server()
        server.app.router.add_get("/ws", ws)
        async with server:
            session = types.SimpleNamespace(
                _emit=lambda _e: None,
                _emit_lines=None,
                _clock=types.SimpleNamespace(format=str),
                _pressure=None,
                _opt=types.SimpleNamespace(close_timeout=1.0),
                _last_seen=0.0,
                data_count=0,
            )
            opening = asyncio.ensure_future(
                picows_link.open_connection(
                    session,  # type: ignore[arg-type]
                    Codec(),  # type: ignore[arg-type]
                    Handshake(server.url.replace("http", "ws") + "/ws"),
                    user_agent="test",
                    open_timeout=30,
                    max_size=1 << 20,
                    on_connected=lambda: said.append(1),
                )
            )
            await upgrading.wait()
            opening.cancel()
            await asyncio.gather(opening, return_exceptions=True)
            stopped.set()
            await asyncio.wait({asyncio.ensure_future(closed.wait())}, timeout=30)
            return closed.is_set()

    assert asyncio.run(main()), "the server's connection was never closed"
    assert (said, handled) == ([], [])
