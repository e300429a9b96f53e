"""The engine's waits between attempts: jittered and capped, seen through an injected random
draw and sleep (no real waiting), against real loopback failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from feedcli.errors import RetriesExhausted
from feedcli.events import DataEvent, Event
from feedcli.providers.base import Codec, Frame, Handshake
from feedcli.session import Session, SessionOptions
from tests.integration.test_session_hooks import Server

#: every test here runs over both WebSocket clients of the engine (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("each_transport")


class Quiet(Codec):
    provider = "test"

    def __init__(self, url: str) -> None:
        self.handshake = Handshake(url)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "c", "s", None, recv, frame)]


class Recorder:
    """The random draw and the sleep a Session is given: each call is kept, nothing waits."""

    def __init__(self, pick: Callable[[float, float], float]) -> None:
        self.pick = pick
        self.ranges: list[tuple[float, float]] = []
        self.sleeps: list[float] = []

    def uniform(self, low: float, high: float) -> float:
        self.ranges.append((low, high))
        return self.pick(low, high)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def refused(options: SessionOptions, recorder: Recorder) -> None:
    """Every attempt is refused: the engine waits between them until --max-retries is spent."""
    url = f"ws://127.0.0.1:{closed_port()}/ws"
    session = Session(lambda: Quiet(url), lambda _e: None, options=options, **_injected(recorder))
    with pytest.raises(RetriesExhausted):
        await asyncio.wait_for(session.run(), 30)


async def dropped(options: SessionOptions, recorder: Recorder) -> None:
    """Every connection opens and is closed at once, without data: the reconnect waits."""
    server = Server()

    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        await sock.close(code=1011, message=b"going away")
        return sock

    server.app.router.add_get("/ws", ws)
    async with server:
        url = server.url.replace("http", "ws") + "/ws"
        session = Session(lambda: Quiet(url), lambda _e: None, options=options, **_injected(recorder))
        with pytest.raises(RetriesExhausted):
            await asyncio.wait_for(session.run(), 30)


def _injected(recorder: Recorder) -> dict[str, Callable[..., float | Awaitable[None]]]:
    return {"uniform": recorder.uniform, "sleep": recorder.sleep}


FAILURES = {"refused": refused, "dropped": dropped}


@pytest.mark.parametrize("failure", FAILURES)
def test_each_wait_is_a_uniform_draw_below_the_exponential_not_the_exponential_itself(failure: str) -> None:
    recorder = Recorder(lambda low, high: low + (high - low) * 0.3)
    options = SessionOptions(stale_after=None, ping_interval=None, max_retries=5, backoff_base=0.5, backoff_cap=30.0)
    asyncio.run(FAILURES[failure](options, recorder))
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert recorder.ranges == [(0.0, c) for c in ceilings]  # one draw per wait, from 0
    assert recorder.sleeps == pytest.approx([0.3 * c for c in ceilings])  # the draw is what is waited


@pytest.mark.parametrize("failure", FAILURES)
def test_the_wait_never_grows_past_the_cap(failure: str) -> None:
    recorder = Recorder(lambda low, high: high)  # the longest wait the policy allows
    options = SessionOptions(stale_after=None, ping_interval=None, max_retries=9, backoff_base=1.0, backoff_cap=5.0)
    asyncio.run(FAILURES[failure](options, recorder))
    assert recorder.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
