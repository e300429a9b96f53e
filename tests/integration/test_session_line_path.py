"""The engine's line path (`Codec.line`, `Session(emit_lines=...)`) over both WebSocket clients:
lines and events come out in the order of the frames, backpressure still reaches the server,
and `--limit` counts lines and events alike, never one more.

The server is the `websockets` library's, on 127.0.0.1; every test runs over picows and over
aiohttp (tests/conftest.py, `each_transport`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

import pytest
from websockets.asyncio.server import ServerConnection, serve

from feedcli.errors import RetriesExhausted
from feedcli.events import DataEvent, Event
from feedcli.pipeline import _single
from feedcli.providers.base import Codec, Frame, Handshake
from feedcli.session import Session, SessionOptions
from feedcli.sinks.base import StopStream
from tests.support.one_write_ws import one_write_server, text_frame

pytestmark = pytest.mark.usefixtures("each_transport")

FAST = SessionOptions(stale_after=None, ping_interval=None, backoff_base=0.01, backoff_cap=0.02, max_retries=0)


class Lines(Codec):
    """Frames `L<n>` have a line of their own (`line`); any other frame (`E<n>`) goes through
    `parse`, as a frame the line path cannot vouch for does."""

    provider = "test"

    def __init__(self, url: str) -> None:
        self.handshake = Handshake(url)

    def line(self, frame: Frame, recv: str) -> bytes | None:  # type: ignore[override]
        return bytes(frame) + b"\n" if bytes(frame).startswith(b"L") else None

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "c", "s", None, recv, bytes(frame).decode())]


class Out:
    """One consumer's view: every line and event, in the order they were handed over."""

    def __init__(self) -> None:
        self.got: list[str] = []
        self.batches: list[int] = []

    def emit(self, event: Event) -> None:
        if isinstance(event, DataEvent):
            self.got.append(event.data)

    def emit_lines(self, lines: Sequence[bytes]) -> None:
        self.batches.append(len(lines))
        self.got += [line.rstrip(b"\n").decode() for line in lines]


async def _serve(handler, session: Session) -> BaseException:  # type: ignore[no-untyped-def]
    async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        session._new_codec = lambda: Lines(f"ws://127.0.0.1:{port}/")
        with pytest.raises(BaseException) as caught:
            await asyncio.wait_for(session.run(), 30)
    return caught.value


def sent(total: int) -> list[str]:
    """Mostly lines, with an event every seventh frame and two in a row now and then."""
    return [f"E{i}" if i % 7 == 3 or i % 50 in (20, 21) else f"L{i}" for i in range(total)]


def test_lines_and_events_keep_the_order_of_the_frames() -> None:
    frames = sent(3000)
    out = Out()
    session = Session(lambda: Lines(""), out.emit, options=FAST, emit_lines=out.emit_lines)

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame.encode())
        await ws.close(1000, "all sent")

    asyncio.run(_serve(handler, session))
    assert out.got == frames
    assert sum(out.batches) == len([f for f in frames if f.startswith("L")])  # the lines took the line path
    assert session.data_count == len(frames)


def test_without_a_line_consumer_every_frame_goes_through_parse() -> None:
    frames = sent(100)
    out = Out()
    session = Session(lambda: Lines(""), out.emit, options=FAST)  # no emit_lines

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame.encode())
        await ws.close(1000, "all sent")

    asyncio.run(_serve(handler, session))
    assert out.got == frames and out.batches == []


def test_a_consumer_that_is_behind_stops_the_reading_on_the_line_path_too() -> None:
    total, size = 2000, 32 * 1024  # 64 MiB: far more than the kernel's buffers hold
    out = Out()
    state: dict[str, int] = {"sent": 0}

    async def main() -> None:
        release = asyncio.Event()
        held = asyncio.Event()

        def pressure() -> Awaitable[None] | None:
            if release.is_set():
                return None
            held.set()
            return release.wait()

        session = Session(lambda: Lines(""), out.emit, options=FAST, pressure=pressure, emit_lines=out.emit_lines)

        async def handler(ws: ServerConnection) -> None:
            payload = b"L" * size
            for _ in range(total):
                await ws.send(payload)
                state["sent"] += 1
            await ws.close(1000, "all sent")

        async def watch() -> None:
            await held.wait()
            last = -1
            while state["sent"] != last:  # until the server's sends stop moving
                last = state["sent"]
                await asyncio.sleep(0.3)
            state["stalled_at"] = last
            state["delivered_while_held"] = len(out.got)
            release.set()

        watcher = asyncio.ensure_future(watch())
        await _serve(handler, session)
        await watcher

    asyncio.run(main())
    assert state["stalled_at"] < total // 2
    assert state["delivered_while_held"] < 300  # a batch's worth, not all
    assert len(out.got) == total


@pytest.mark.parametrize("limit", [1, 5, 6, 64])
def test_the_limit_counts_lines_and_events_and_stops_at_it(limit: int) -> None:
    out = Out()
    emit, emit_lines = _single(out, limit)  # type: ignore[arg-type]
    assert emit_lines is not None
    with pytest.raises(StopStream):
        for i in range(100):
            emit_lines([f"L{i}a".encode(), f"L{i}b".encode(), f"L{i}c".encode()])
            emit(DataEvent("test", "c", "s", None, "r", f"E{i}"))
    assert len(out.got) == limit
    assert out.got == [x for i in range(100) for x in (f"L{i}a", f"L{i}b", f"L{i}c", f"E{i}")][:limit]


@pytest.mark.parametrize("stamps", [True, False])
def test_a_codec_that_stamps_kind_itself_has_its_events_handed_on_as_they_are(
    monkeypatch: pytest.MonkeyPatch, stamps: bool
) -> None:
    """`Codec.stamps_kind`: its events skip the stamping `emit` (vocabulary.stamped) for
    `emit_as_is`; a codec without it keeps the stamping one."""
    monkeypatch.setattr(Lines, "stamps_kind", stamps)
    frames = [f"E{i}" for i in range(20)]
    stamping, as_is = Out(), Out()
    session = Session(lambda: Lines(""), stamping.emit, options=FAST, emit_as_is=as_is.emit)

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame.encode())
        await ws.close(1000, "all sent")

    asyncio.run(_serve(handler, session))
    assert (as_is.got, stamping.got) == ((frames, []) if stamps else ([], frames))


def test_a_line_asks_its_codec_nothing_more_and_is_counted_before_it_is_handed_on() -> None:
    """Codec.line's contract: a message with a line sends nothing, asks for no HTTP and is
    never the last, so the engine does not ask the codec after one (over either client); and
    `data_count` already counts a line when the consumer gets it, as it counts events."""
    frames = [f"L{i}" for i in range(200)]
    asked: list[str] = []
    counted: list[int] = []
    out = Out()

    class Asked(Lines):
        def take_outgoing(self) -> list[Frame]:
            asked.append("take_outgoing")
            return []

    session: Session

    def emit_lines(lines: Sequence[bytes]) -> None:
        out.emit_lines(lines)
        counted.append(session.data_count - len(out.got))

    session = Session(lambda: Asked(""), out.emit, options=FAST, emit_lines=emit_lines)

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame.encode())
        await ws.close(1000, "all sent")

    async def main() -> BaseException:
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            session._new_codec = lambda: Asked(f"ws://127.0.0.1:{port}/")
            with pytest.raises(BaseException) as caught:
                await asyncio.wait_for(session.run(), 30)
        return caught.value

    asyncio.run(main())
    assert out.got == frames
    assert asked == []
    assert set(counted) == {0}


def test_what_came_in_a_read_before_a_frame_the_client_refuses_is_kept() -> None:
    """A read whose last frame the client refuses (a reserved opcode): the lines and events of
    the frames before it in the same read are handed on, in order, before the connection goes
    (over picows they are still gathered for the read's end when the read is cut short)."""
    frames = ["L1", "L2", "E3", "L4", "L5"]
    refused = b"\x83\x01x"  # opcode 3: reserved (RFC 6455), a protocol error for both clients
    out = Out()
    session = Session(lambda: Lines(""), out.emit, options=FAST, emit_lines=out.emit_lines)

    async def main() -> None:
        server = await one_write_server(b"".join(text_frame(f.encode()) for f in frames) + refused)
        port = server.sockets[0].getsockname()[1]
        session._new_codec = lambda: Lines(f"ws://127.0.0.1:{port}/")
        async with server:
            with pytest.raises(RetriesExhausted, match="opcode"):
                await asyncio.wait_for(session.run(), 30)

    asyncio.run(main())
    assert out.got == frames
