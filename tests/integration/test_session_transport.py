"""What the engine's WebSocket clients must both do: fragmented messages, oversized ones,
close reasons, and backpressure that reaches the server while a consumer is behind.

The server is the `websockets` library's (an implementation independent of both clients), on
127.0.0.1; every test runs over picows and over aiohttp (tests/conftest.py, `each_transport`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

import pytest
from websockets.asyncio.server import ServerConnection, serve

from feedcli.events import ControlEvent, DataEvent, Event
from feedcli.providers.base import Codec, Frame, Handshake
from feedcli.session import Session, SessionOptions
from tests.support.one_write_ws import CLOSE_1000, one_write_server, text_frame

pytestmark = pytest.mark.usefixtures("each_transport")

FAST = SessionOptions(stale_after=None, ping_interval=None, backoff_base=0.01, backoff_cap=0.02, max_retries=0)


class Echo(Codec):
    provider = "test"

    def __init__(self, url: str) -> None:
        self.handshake = Handshake(url)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "c", "s", None, recv, len(frame))]


async def _serve(handler, session: Session) -> None:  # type: ignore[no-untyped-def]
    async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        session._new_codec = lambda: Echo(f"ws://127.0.0.1:{port}/")
        with pytest.raises(Exception) as caught:
            await asyncio.wait_for(session.run(), 30)
        session.ended_with = caught.value  # type: ignore[attr-defined]


def test_a_fragmented_message_is_one_message_and_the_close_reason_is_kept() -> None:
    events: list[Event] = []
    session = Session(lambda: Echo(""), events.append, options=FAST)

    async def handler(ws: ServerConnection) -> None:
        await ws.send([b"a" * 1000, b"b" * 2000, b"c" * 3000])  # one message in three frames
        await ws.send(b"x" * 10)
        await ws.close(4321, "going away now")

    asyncio.run(_serve(handler, session))
    assert [e.data for e in events if isinstance(e, DataEvent)] == [6000, 10]
    (gone,) = [e for e in events if isinstance(e, ControlEvent) and e.event == "disconnected"]
    assert gone.fields["code"] == 4321
    assert gone.fields["reason"] == "server closed the connection (4321: going away now)"


def test_a_message_over_max_size_drops_the_connection_not_what_came_before() -> None:
    events: list[Event] = []
    options = SessionOptions(**{**FAST.__dict__, "max_size": 50_000})
    session = Session(lambda: Echo(""), events.append, options=options)

    async def handler(ws: ServerConnection) -> None:
        await ws.send(b"x" * 100)
        await ws.send([b"a" * 30_000, b"b" * 30_000])  # each frame fits, the message does not
        await ws.send(b"never" * 10)
        await ws.wait_closed()

    asyncio.run(_serve(handler, session))
    assert [e.data for e in events if isinstance(e, DataEvent)] == [100]
    assert "gave up reconnecting" in str(session.ended_with)  # type: ignore[attr-defined]


def test_a_consumer_that_is_behind_stops_the_reading_and_the_server_feels_it() -> None:
    """While the consumer's pressure() waiter is pending, the socket is not read: the server's
    sends block once the kernel's buffers are full, long before it has sent everything; once
    released, every message arrives."""
    total, size = 2000, 32 * 1024  # 64 MiB: far more than the kernel's buffers hold
    events: list[Event] = []
    released = asyncio.Event
    state: dict[str, object] = {"sent": 0}

    async def main() -> None:
        release = released()
        held = asyncio.Event()

        def pressure() -> Awaitable[None] | None:
            if release.is_set():
                return None
            held.set()
            return release.wait()

        session = Session(lambda: Echo(""), events.append, options=FAST, pressure=pressure)

        async def handler(ws: ServerConnection) -> None:
            payload = b"z" * size
            for _ in range(total):
                await ws.send(payload)
                state["sent"] = int(state["sent"]) + 1  # type: ignore[call-overload]
            await ws.close(1000, "all sent")

        async def watch() -> None:
            await held.wait()
            last = -1
            while state["sent"] != last:  # until the server's sends stop moving
                last = state["sent"]
                await asyncio.sleep(0.3)
            state["stalled_at"] = last
            state["delivered_while_held"] = len(events)
            release.set()

        watcher = asyncio.ensure_future(watch())
        await _serve(handler, session)
        await watcher

    asyncio.run(main())
    assert int(state["stalled_at"]) < total // 2  # type: ignore[call-overload]
    assert int(state["delivered_while_held"]) < 200  # type: ignore[call-overload]  # one read's worth, not all
    assert len([e for e in events if isinstance(e, DataEvent)]) == total


def test_what_a_consumers_wait_raises_ends_the_run() -> None:
    """A consumer that is behind and then fails (its reader left) stops the stream with its
    error, over either client, rather than the error being lost in a background task."""

    class ReaderGone(Exception):
        pass

    async def main() -> BaseException | None:
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        events: list[Event] = []

        def pressure() -> Awaitable[None] | None:
            if not failed.done():
                asyncio.get_running_loop().call_later(0.05, failed.set_exception, ReaderGone("the reader left"))
            return failed

        session = Session(lambda: Echo(""), events.append, options=FAST, pressure=pressure)

        async def handler(ws: ServerConnection) -> None:
            for _ in range(100):
                await ws.send(b"m" * 100)
            await ws.wait_closed()

        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            session._new_codec = lambda: Echo(f"ws://127.0.0.1:{port}/")
            try:
                await asyncio.wait_for(session.run(), 30)
            except ReaderGone as exc:
                return exc
        return None

    assert isinstance(asyncio.run(main()), ReaderGone)


def test_the_connected_line_comes_before_data_that_came_with_the_handshake() -> None:
    """A server whose first frames share a TCP segment with its handshake answer: the
    `connected` line still comes before their data lines (picows hands those frames on
    within the same read as the handshake)."""
    events: list[Event] = []

    async def main() -> None:
        # one write: one segment on loopback
        server = await one_write_server(text_frame(b"first") + text_frame(b"second") + CLOSE_1000)
        port = server.sockets[0].getsockname()[1]
        session = Session(lambda: Echo(f"ws://127.0.0.1:{port}/"), events.append, options=FAST)
        async with server:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.run(), 30)

    asyncio.run(main())
    kinds = [e.event if isinstance(e, ControlEvent) else "data" for e in events]
    assert kinds[:3] == ["connected", "data", "data"]
