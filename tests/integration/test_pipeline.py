"""Events from sessions to every consumer (feedcli/pipeline.py), against a real loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest
from aiohttp import web

from feedcli import pipeline
from feedcli.events import ControlEvent, DataEvent, Event
from feedcli.providers.base import Codec, Frame, Handshake
from feedcli.session import SessionOptions
from tests.integration.test_session_hooks import Server

OPTIONS = SessionOptions(stale_after=None, ping_interval=None, max_retries=0, backoff_base=0.01, backoff_cap=0.02)


class Lines(Codec):
    provider = "test"

    def __init__(self, url: str) -> None:
        self.handshake = Handshake(url)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "c", "s", None, recv, frame.decode() if isinstance(frame, bytes) else frame)]


class Keep:
    """A consumer that keeps what it is handed."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.closed = False

    async def start(self) -> None:
        pass

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def pressure(self) -> Awaitable[None] | None:
        return None

    async def aclose(self) -> None:
        self.closed = True

    def data(self) -> list[object]:
        return [e.data for e in self.events if isinstance(e, DataEvent)]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_every_consumer_gets_every_event_up_to_the_limit(count: int) -> None:
    async def main() -> list[Keep]:
        server = Server()

        async def ws(request: web.Request) -> web.WebSocketResponse:
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            for n in range(10):
                await sock.send_str(f"m{n}")
            async for _msg in sock:
                pass
            return sock

        server.app.router.add_get("/ws", ws)
        consumers = [Keep() for _ in range(count)]
        async with server:
            url = server.url.replace("http", "ws") + "/ws"
            await asyncio.wait_for(
                pipeline.run([lambda: Lines(url)], consumers, options=OPTIONS, limit=3, note=lambda _n: None), 10
            )
        return consumers

    consumers = asyncio.run(main())
    for consumer in consumers:
        assert consumer.data() == ["m0", "m1", "m2"]
        assert any(isinstance(e, ControlEvent) and e.event == "connected" for e in consumer.events)
        assert consumer.closed
