"""End to end: feedcli against hostile or misconfigured loopback servers (the hardening issue)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.cli import lines, run
from tests.support.independent_ht import TOKEN, IndependentHT
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


# --------------------------------------------------------------------------- deep JSON


def deep_message(depth: int) -> bytes:
    """A valid HT message whose `data` nests `depth` levels: orjson reads it, cannot write it."""
    nested = "[" * depth + "]" * depth
    return f'{{"channel":"best-limit","symbolIsin":"{ISIN}","timestamp":null,"data":{{"x":{nested}}}}}'.encode()


@pytest.mark.parametrize("command", ["stream", "record"])
def test_a_message_nested_too_deep_to_write_is_skipped_and_the_stream_goes_on(
    command: str, env, tmp_path: Path
) -> None:
    deep = [deep_message(300), b"{", deep_message(600)]
    out = tmp_path / "rec.ndjson"
    with IndependentHT(count=12, malformed=deep) as server:
        args = [command, "tse", "--url", server.url, "--isin", ISIN, "--channel", "best-limit", "--limit", "12"]
        if command == "record":
            args += ["-o", str(out)]
        result = run(args, {**env, "FEEDCLI_TOKEN": TOKEN})
        sent = list(server.sent)
    assert result.returncode == 0, result.stderr
    written = lines(result.stdout if command == "stream" else out.read_text())
    data = [line for line in written if "channel" in line]
    assert len(data) == 12
    assert [(d["symbol"], d["data"]) for d in data] == [(m["symbolIsin"], m["data"]) for m in sent]
    assert "cannot be written as JSON" in result.stderr and "Recursion limit" in result.stderr
    assert "3 malformed frames skipped in all" in result.stderr
