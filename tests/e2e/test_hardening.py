"""End to end: feedcli against hostile or misconfigured loopback servers (the hardening issue)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.cli import run
from tests.support.threaded_app import ThreadedApp
from tests.support.tls import server_context

pytestmark = pytest.mark.e2e

ISIN = "IRO1FOLD0001"


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    return stderr.strip()


# --------------------------------------------------------------------------- certificates


@pytest.fixture
def tls_server(tmp_path: Path):
    hits: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="a server nobody should trust")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    with ThreadedApp(app, ssl=server_context(tmp_path)) as server:
        server.hits = hits  # type: ignore[attr-defined]
        yield server


def test_stream_to_an_untrusted_certificate_exits_1_at_once(tls_server, env) -> None:
    started = time.monotonic()
    result = run(["stream", "tse", "--url", tls_server.url, "--isin", ISIN], {**env, "FEEDCLI_TOKEN": "t"}, timeout=60)
    assert result.returncode == 1, result.stderr
    line = one_line(result.stderr)
    assert line == (
        f"feedcli: tse: the TLS certificate of 127.0.0.1:{tls_server.port} was refused "
        "(self-signed certificate); not retrying"
    )
    assert time.monotonic() - started < 30 and tls_server.hits == []


def test_login_to_an_untrusted_certificate_exits_1_and_sends_nothing(tls_server, env) -> None:
    result = run(["login", "--url", tls_server.url, "-u", "alice", "--password-stdin"], env, input="hunter2\n")
    assert result.returncode == 1, result.stderr
    line = one_line(result.stderr)
    assert "certificate of 127.0.0.1" in line and "self-signed certificate" in line
    assert tls_server.hits == []  # the form never left: the handshake failed first


def test_a_rest_backfill_to_an_untrusted_certificate_exits_1(tls_server, env) -> None:
    result = run(["stream", "binance", "--url", tls_server.url, "--pair", "BTC-USDT"], env)
    assert result.returncode == 1, result.stderr
    assert "certificate of 127.0.0.1" in one_line(result.stderr)
