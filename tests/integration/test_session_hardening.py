"""The engine against hostile or misconfigured loopback servers: redirects and certificates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from feedcli.errors import MalformedFrame, ProviderError, RetriesExhausted
from feedcli.events import DataEvent, Event
from feedcli.providers.base import Codec, Frame, Handshake, HttpRequest, HttpResponse
from feedcli.session import Reporter, Session, SessionOptions
from tests.integration.test_session_hooks import Server, controls
from tests.support.tls import server_context

#: every test here runs over both WebSocket clients of the engine (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("each_transport")

FAST = SessionOptions(stale_after=None, ping_interval=None, backoff_base=0.01, backoff_cap=0.02)


class Echo(Codec):
    """A WebSocket codec whose every frame is a data event."""

    provider = "test"

    def __init__(self, url: str) -> None:
        self.handshake = Handshake(url)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        return [DataEvent("test", "c", "s", None, recv, frame.decode() if isinstance(frame, bytes) else frame)]


class Fetch(Echo):
    """A codec that makes one REST call before its WebSocket (as a backfill does)."""

    def __init__(self, url: str, rest: str) -> None:
        super().__init__(url)
        self.rest = rest
        self.asked = False

    def pending_requests(self, now: float) -> list[HttpRequest]:
        if self.asked:
            return []
        self.asked = True
        return [HttpRequest("GET", self.rest, purpose="backfill")]

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        return []


async def _run(session: Session, seconds: float) -> None:
    await asyncio.wait_for(session.run(), seconds)


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("location", ["http://127.0.0.1:{other}/ws", "/elsewhere"])
def test_a_redirected_handshake_is_not_followed_and_counts_as_a_failed_attempt(location: str) -> None:
    async def main() -> tuple[list[str], list[Event], int, int]:
        first, other = Server(), Server()
        followed = 0
        asked = 0

        async def redirect(request: web.Request) -> web.Response:
            nonlocal asked
            asked += 1
            raise web.HTTPFound(location.format(other=other.url.rsplit(":", 1)[1]))

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal followed
            followed += 1
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_str("from the other server")
            async for _ in sock:
                pass
            return sock

        first.app.router.add_get("/ws", redirect)
        first.app.router.add_get("/elsewhere", ws)
        other.app.router.add_get("/ws", ws)
        notes: list[str] = []
        events: list[Event] = []
        async with first, other:
            options = SessionOptions(**{**FAST.__dict__, "max_retries": 2})
            session = Session(
                lambda: Echo(first.url.replace("http", "ws") + "/ws"),
                events.append,
                options=options,
                reporter=Reporter(notes.append),
            )
            with pytest.raises(RetriesExhausted) as caught:
                await _run(session, 10)
        assert "redirected to" in str(caught.value)
        return notes, events, followed, asked

    notes, events, followed, asked = asyncio.run(main())
    assert followed == 0 and asked == 3  # the first attempt and two retries, none followed
    assert not controls(events, "connected")
    assert len(notes) == 2
    shown = location.split("{")[0]
    for n, note in enumerate(notes, 1):
        assert "the handshake was redirected to " + shown in note and "(HTTP 302)" in note
        assert note.endswith(f"retrying (attempt {n})")


# --------------------------------------------------------------------------- certificates


def test_an_untrusted_certificate_on_the_websocket_is_final(tmp_path: Path) -> None:
    async def main() -> tuple[int, list[str]]:
        server = Server()
        hits = 0

        async def ws(request: web.Request) -> web.Response:
            nonlocal hits
            hits += 1
            return web.Response(text="never reached")

        server.app.router.add_get("/ws", ws)
        runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context(tmp_path))
        await site.start()
        notes: list[str] = []
        port = runner.addresses[0][1]
        try:
            url = f"wss://127.0.0.1:{port}/ws"
            session = Session(lambda: Echo(url), lambda _e: None, options=FAST, reporter=Reporter(notes.append))
            with pytest.raises(ProviderError) as caught:
                await _run(session, 10)
        finally:
            await runner.cleanup()
        assert str(caught.value) == (
            f"test: the TLS certificate of 127.0.0.1:{port} was refused (self-signed certificate); not retrying"
        )
        return hits, notes

    hits, notes = asyncio.run(main())
    assert hits == 0 and notes == []  # no retry was announced: the first failure ended it


def test_an_untrusted_certificate_on_a_rest_call_is_final(tmp_path: Path) -> None:
    async def main() -> list[str]:
        server = Server()

        async def klines(request: web.Request) -> web.Response:
            return web.json_response([])

        server.app.router.add_get("/klines", klines)
        runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context(tmp_path))
        await site.start()
        notes: list[str] = []
        port = runner.addresses[0][1]
        try:
            session = Session(
                lambda: Fetch(f"wss://127.0.0.1:{port}/ws", f"https://127.0.0.1:{port}/klines"),
                lambda _e: None,
                options=FAST,
                reporter=Reporter(notes.append),
            )
            with pytest.raises(ProviderError, match=r"certificate of 127\.0\.0\.1:\d+ was refused \(self-signed"):
                await _run(session, 10)
        finally:
            await runner.cleanup()
        return notes

    assert asyncio.run(main()) == []


# --------------------------------------------------------------------------- liveness and frames


def test_a_server_that_never_pongs_is_not_healthy_and_spends_the_retries() -> None:
    """No pong is a dead server: each such connection counts against --max-retries (a silent
    but answering server would reset the count, and this one would be retried forever)."""

    async def main() -> tuple[int, list[Event]]:
        server = Server()
        connections = 0

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal connections
            connections += 1
            sock = web.WebSocketResponse(autoping=False)  # takes pings, never answers them
            await sock.prepare(request)
            async for _msg in sock:
                pass
            return sock

        server.app.router.add_get("/ws", ws)
        events: list[Event] = []
        async with server:
            options = SessionOptions(
                stale_after=None,
                ping_interval=0.05,
                ping_timeout=0.05,
                max_retries=1,
                backoff_base=0.01,
                backoff_cap=0.02,
            )
            session = Session(lambda: Echo(server.url.replace("http", "ws") + "/ws"), events.append, options=options)
            with pytest.raises(RetriesExhausted, match=r"no pong within 0\.05s"):
                await _run(session, 20)
        return connections, events

    connections, events = asyncio.run(main())
    assert connections == 2
    assert len(controls(events, "disconnected")) == 2


class Strict(Echo):
    """Reads frames as UTF-8 JSON text, as the providers' codecs do; anything else is malformed."""

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        try:
            text = frame.decode() if isinstance(frame, bytes) else frame
        except UnicodeDecodeError:
            raise MalformedFrame("not UTF-8") from None
        return [DataEvent("test", "c", "s", None, recv, text)]


def test_a_text_frame_that_is_not_utf8_is_a_malformed_frame_not_a_lost_connection() -> None:
    """Text frames reach the codec as bytes: one bad frame is skipped and counted, while
    aiohttp decoding them itself would drop the whole connection (close 1007) for it."""

    async def main() -> tuple[int, list[Event], Session]:
        server = Server()
        connections = 0

        async def ws(request: web.Request) -> web.WebSocketResponse:
            nonlocal connections
            connections += 1
            sock = web.WebSocketResponse()
            await sock.prepare(request)
            await sock.send_frame(b'{"p": "\xff\xfe"}', WSMsgType.TEXT)
            await sock.send_str("after")
            await sock.close()
            return sock

        server.app.router.add_get("/ws", ws)
        events: list[Event] = []
        async with server:
            options = SessionOptions(**{**FAST.__dict__, "max_retries": 0})
            session = Session(lambda: Strict(server.url.replace("http", "ws") + "/ws"), events.append, options=options)
            with pytest.raises(RetriesExhausted):
                await _run(session, 10)
        return connections, events, session

    connections, events, session = asyncio.run(main())
    assert connections == 1
    assert session.malformed_count == 1
    assert [e.data for e in events if isinstance(e, DataEvent)] == ["after"]
