"""The engine's HTTP client against real loopback servers: the login as a codec, one retry
policy for every call, redirects never followed, answers bounded."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

import pytest
from aiohttp import web

from feedcli import auth
from feedcli.errors import AuthError, FeedError, RetriesExhausted
from feedcli.events import DataEvent, Event
from feedcli.providers import ht
from feedcli.providers.base import Codec, Frame, HttpRequest, HttpResponse
from feedcli.session import run_once
from tests.support.threaded_app import ThreadedApp

#: every test here runs over both WebSocket clients of the engine (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("each_transport")


def login_app(answers: list[tuple[int, dict[str, str], Any]]) -> tuple[web.Application, list[dict[str, Any]]]:
    """A token endpoint answering `answers` in turn, then 201 with a token; records each request."""
    seen: list[dict[str, Any]] = []

    async def issue(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append(
            {
                "at": time.monotonic(),
                "form": dict(form),
                "content_type": request.content_type,
                "user_agent": request.headers.get("User-Agent"),
                "accept": request.headers.get("Accept"),
            }
        )
        if answers:
            status, headers, body = answers.pop(0)
            return web.json_response(body, status=status, headers=headers)
        return web.json_response({"Authorization": "a.b.c"}, status=201)

    app = web.Application()
    app.router.add_post(ht.LOGIN_PATH, issue)
    return app, seen


def test_login_posts_both_field_pairs_through_the_engine() -> None:
    app, seen = login_app([])
    with ThreadedApp(app) as server:
        token = auth.login(server.url, "alice", "s3cret")
    assert token.token == "a.b.c" and token.account == "alice"
    (request,) = seen
    assert request["form"] == {
        "UserName_or_Email": "alice",
        "Password": "s3cret",
        "username": "alice",
        "password": "s3cret",
    }
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["accept"] == "application/json"
    assert request["user_agent"].startswith("feedcli/")


def test_login_waits_out_a_retry_after_given_as_an_http_date() -> None:
    when = formatdate(time.time() + 2, usegmt=True)  # second precision: waits 1 to 2 s
    app, seen = login_app([(503, {"Retry-After": when}, {"detail": "maintenance"})])
    notes: list[str] = []
    with ThreadedApp(app) as server:
        auth.login(server.url, "alice", "pw", note=notes.append)
    assert len(seen) == 2
    assert seen[1]["at"] - seen[0]["at"] >= 0.9
    assert len(notes) == 1 and "token call server error (HTTP 503, Retry-After" in notes[0]


def test_login_gives_up_after_its_retries_with_one_line() -> None:
    app, seen = login_app([(429, {"Retry-After": "0"}, {})] * 6)
    notes: list[str] = []
    with ThreadedApp(app) as server, pytest.raises(FeedError) as caught:
        auth.login(server.url, "alice", "pw", note=notes.append)
    assert type(caught.value) is FeedError and caught.value.exit_code == 1
    assert "HTTP 429" in str(caught.value) and "still after 4 retries" in str(caught.value)
    assert len(seen) == auth.LOGIN_ATTEMPTS and len(notes) == auth.LOGIN_ATTEMPTS - 1


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"detail": "Invalid password 'hunter2!'"}, ht.WITHHELD),
        ({"detail": "no such user: UserName_or_Email=alice&Password=hunter2%21"}, ht.WITHHELD),
        ({"detail": {"echo": {"password": "hunter2!"}}}, ht.WITHHELD),
        ({"detail": [{"loc": ["body", "password"], "msg": "rejected", "input": "hunter2!"}]}, "rejected"),
    ],
)
def test_a_refusal_that_echoes_the_form_never_shows_the_password(body: Any, shown: str) -> None:
    app, _ = login_app([(401, {}, body)])
    with ThreadedApp(app) as server, pytest.raises(AuthError) as caught:
        auth.login(server.url, "alice", "hunter2!")
    assert str(caught.value) == f"login refused (HTTP 401): {shown}"


def test_a_refusal_keeps_the_servers_detail_when_it_is_safe() -> None:
    app, _ = login_app([(403, {}, {"detail": "Account is not approved by an admin"})])
    with ThreadedApp(app) as server, pytest.raises(AuthError, match=r"HTTP 403\): Account is not approved by an admin"):
        auth.login(server.url, "alice", "pw")


def test_a_login_redirect_is_not_followed() -> None:
    moved: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        moved.append(request.path)
        return web.json_response({"Authorization": "x.y.z"}, status=201)

    async def issue(request: web.Request) -> web.Response:
        raise web.HTTPFound("/steal-the-password")

    app = web.Application()
    app.router.add_post(ht.LOGIN_PATH, issue)
    app.router.add_route("*", "/steal-the-password", elsewhere)
    with ThreadedApp(app) as server, pytest.raises(FeedError) as caught:
        auth.login(server.url, "alice", "pw")
    assert "redirected to /steal-the-password (HTTP 302); redirects are not followed" in str(caught.value)
    assert caught.value.exit_code == 1
    assert moved == []


class OneCall(Codec):
    """Makes one GET and finishes with the body as a data event."""

    provider = "test"
    handshake = None

    def __init__(self, url: str) -> None:
        self.url = url
        self.asked = False

    def pending_requests(self, now: float) -> list[HttpRequest]:
        if self.asked:
            return []
        self.asked = True
        return [HttpRequest("GET", self.url, purpose="backfill")]

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        self.finished = True
        return [DataEvent("test", "c", "s", None, recv, len(response.body))]

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        raise AssertionError("no WebSocket")


def test_an_answer_larger_than_the_bound_is_refused_not_buffered() -> None:
    from feedcli.session import Session, SessionOptions

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        for _ in range(64):  # 4 MiB, far past the bound below
            await response.write(chunk)
        return response

    app = web.Application()
    app.router.add_get("/big", big)
    events: list[Event] = []

    async def main(url: str) -> None:
        options = SessionOptions(max_retries=0, max_size=1024 * 1024, ping_interval=None, stale_after=None)
        await Session(lambda: OneCall(url), events.append, options=options).run()

    import asyncio

    with ThreadedApp(app) as server, pytest.raises(RetriesExhausted, match="backfill answer larger than 1 MiB"):
        asyncio.run(main(server.url + "/big"))
    assert not events


def test_a_rest_call_through_run_once_delivers_its_answer() -> None:
    async def small(request: web.Request) -> web.Response:
        return web.Response(body=b"12345")

    app = web.Application()
    app.router.add_get("/small", small)
    events: list[Event] = []
    with ThreadedApp(app) as server:
        codec = run_once(
            lambda: OneCall(server.url + "/small"), events.append, base_url=server.url, timeout=10, what="test"
        )
    assert codec.finished
    assert [e.data for e in events if isinstance(e, DataEvent)] == [5]


def test_run_once_does_not_wait_out_a_rate_limit_unless_asked() -> None:
    """A search is one exchange: a 429 is its answer, not a reason to wait and ask again."""
    asked = 0

    async def limited(request: web.Request) -> web.Response:
        nonlocal asked
        asked += 1
        if asked == 1:
            return web.Response(status=429, headers={"Retry-After": "0"})
        return web.Response(body=b"12345")

    app = web.Application()
    app.router.add_get("/limited", limited)
    with ThreadedApp(app) as server, pytest.raises(FeedError, match="429"):
        run_once(lambda: OneCall(server.url + "/limited"), lambda _e: None, base_url=server.url, timeout=10, what="t")
    assert asked == 1
