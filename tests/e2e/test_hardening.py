"""End to end: feedcli against hostile or misconfigured loopback servers (the hardening issue)."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from feedcli.providers import ht
from tests.support.cli import lines, run
from tests.support.independent_ht import TOKEN, IndependentHT
from tests.support.threaded_app import ThreadedApp
from tests.support.tls import server_context

pytestmark = pytest.mark.e2e

ISIN = "IRO1FOLD0001"


def without_login_note(stderr: str) -> str:
    """stderr after the line `login` starts with, naming where the password goes."""
    first, _, rest = stderr.partition("\n")
    assert first.startswith("Logging in to "), stderr
    return rest


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
    # without --max-retries: were it retried, it would run until the timeout
    result = run(["stream", "tse", "--url", tls_server.url, "--isin", ISIN], {**env, "FEEDCLI_TOKEN": "t"}, timeout=60)
    assert result.returncode == 1, result.stderr
    line = one_line(result.stderr)
    assert line == (
        f"feedcli: tse: the TLS certificate of 127.0.0.1:{tls_server.port} was refused "
        "(self-signed certificate); not retrying"
    )
    assert tls_server.hits == []


def test_login_to_an_untrusted_certificate_exits_1_and_sends_nothing(tls_server, env) -> None:
    result = run(["login", "--url", tls_server.url, "-u", "alice", "--password-stdin"], env, input="hunter2\n")
    assert result.returncode == 1, result.stderr
    line = one_line(without_login_note(result.stderr))
    assert "certificate of 127.0.0.1" in line and "self-signed certificate" in line
    assert tls_server.hits == []  # the form never left: the handshake failed first


def test_a_rest_backfill_to_an_untrusted_certificate_exits_1(tls_server, env) -> None:
    result = run(["stream", "binance", "--url", tls_server.url, "--pair", "BTC-USDT"], env)
    assert result.returncode == 1, result.stderr
    assert "certificate of 127.0.0.1" in one_line(result.stderr)


# --------------------------------------------------------------------------- deep JSON


def deep_message(depth: int, channel: str = "best-limit") -> bytes:
    """A valid HT message whose `data` nests `depth` levels: orjson reads it, cannot write it."""
    nested = "[" * depth + "]" * depth
    return f'{{"channel":"{channel}","symbolIsin":"{ISIN}","timestamp":null,"data":{{"x":{nested}}}}}'.encode()


@pytest.mark.parametrize("command", ["stream", "record"])
def test_a_message_nested_too_deep_to_write_is_skipped_and_the_stream_goes_on(
    command: str, env, tmp_path: Path
) -> None:
    """With --normalize every message is built and written again (the line path is off):
    what orjson reads but cannot write (nested past 255) is a malformed frame, skipped."""
    deep = [deep_message(300, "aggregate"), b"{", deep_message(600, "aggregate")]  # stats: kept as they are
    out = tmp_path / "rec.ndjson"
    with IndependentHT(count=12, malformed=deep) as server:
        args = [command, "tse", "--url", server.url, "--isin", ISIN, "--channel", "aggregate", "--limit", "12"]
        args += ["--normalize"]
        if command == "record":
            args += ["-o", str(out)]
        result = run(args, {**env, "FEEDCLI_TOKEN": TOKEN})
        sent = list(server.sent)
    assert result.returncode == 0, result.stderr
    written = lines(result.stdout if command == "stream" else out.read_text())
    data = [line for line in written if "channel" in line]
    assert len(data) == 12
    assert [d["symbol"] for d in data] == [m["symbolIsin"] for m in sent]
    assert "cannot be written as JSON" in result.stderr and "Recursion limit" in result.stderr
    assert "3 malformed frames skipped in all" in result.stderr


@pytest.mark.parametrize("command", ["stream", "record"])
def test_a_message_nested_deeper_than_orjson_writes_is_passed_on_as_sent(command: str, env, tmp_path: Path) -> None:
    """Lines as they are (the line path): `data` is the provider's bytes, however deep, so a
    message orjson could not write again is no longer lost; only the broken frame is skipped."""
    deep = [deep_message(300), b"{", deep_message(600)]
    out = tmp_path / "rec.ndjson"
    with IndependentHT(count=10, malformed=deep) as server:
        args = [command, "tse", "--url", server.url, "--isin", ISIN, "--channel", "best-limit", "--limit", "12"]
        if command == "record":
            args += ["-o", str(out)]
        result = run(args, {**env, "FEEDCLI_TOKEN": TOKEN})
        sent = list(server.sent)
    assert result.returncode == 0, result.stderr
    text = result.stdout if command == "stream" else out.read_text()
    data = [line for line in text.splitlines() if line.startswith('{"provider":"tse","channel"')]
    assert len(data) == 12
    for depth, line in ((300, data[0]), (600, data[3])):
        assert line.endswith(',"data":{"x":' + "[" * depth + "]" * depth + "}}"), line[:200]
    good = [orjson.loads(line) for i, line in enumerate(data) if i not in (0, 3)]
    assert [(d["symbol"], d["data"]) for d in good] == [(m["symbolIsin"], m["data"]) for m in sent]
    assert "1 malformed frame skipped in all" in result.stderr


# --------------------------------------------------------------------------- terminal injection

#: retitles the terminal (OSC 0 … BEL), clears it (CSI 2J), moves the cursor with an 8-bit CSI,
#: reverses the rest of the line (RLO) and forges a line of its own
HOSTILE = "Invalid token\x1b]0;pwned\x07\x1b[2J\x9b1;1H\u202e\nfeedcli: forged"


def closing_app(code: int, reason: str) -> web.Application:
    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        await sock.close(code=code, message=reason.encode())
        return sock

    app = web.Application()
    app.router.add_get("/{tail:.*}", ws)
    return app


def assert_escaped(stderr: str) -> None:
    raw = [ch for ch in stderr if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e"]
    assert raw == [], stderr
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b1;1H\\u202e\\nfeedcli: forged" in stderr
    assert not any(line.startswith("feedcli: forged") for line in stderr.splitlines())


def test_a_final_close_reason_reaches_stderr_escaped(env) -> None:
    with ThreadedApp(closing_app(1008, HOSTILE)) as server:
        result = run(["stream", "tse", "--url", server.url, "--isin", ISIN], {**env, "FEEDCLI_TOKEN": "t"})
    assert result.returncode == 3, result.stderr
    assert_escaped(result.stderr)
    assert len(result.stderr.splitlines()) == 1


def test_close_reasons_of_retried_connections_reach_stderr_escaped(env) -> None:
    with ThreadedApp(closing_app(4000, HOSTILE)) as server:
        args = ["stream", "tse", "--url", server.url, "--isin", ISIN, "--max-retries", "1"]
        result = run(args, {**env, "FEEDCLI_TOKEN": "t"})
    assert result.returncode == 5, result.stderr
    assert_escaped(result.stderr)
    assert len(result.stderr.splitlines()) == 2  # one reconnect note, one final line


def test_a_login_detail_reaches_stderr_escaped(env) -> None:
    async def issue(request: web.Request) -> web.Response:
        return web.json_response({"detail": HOSTILE}, status=401)

    app = web.Application()
    app.router.add_post(ht.LOGIN_PATH, issue)
    with ThreadedApp(app) as server:
        result = run(["login", "--url", server.url, "-u", "alice", "--password-stdin"], env, input="hunter2\n")
    assert result.returncode == 3, result.stderr
    assert_escaped(result.stderr)
    assert len(without_login_note(result.stderr).splitlines()) == 1


def test_a_login_refusal_that_echoes_the_form_does_not_print_the_password(env) -> None:
    async def issue(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"detail": f"bad credentials {dict(form)}"}, status=401)

    app = web.Application()
    app.router.add_post(ht.LOGIN_PATH, issue)
    with ThreadedApp(app) as server:
        result = run(["login", "--url", server.url, "-u", "alice", "--password-stdin"], env, input="Tr0ub4dor&3\n")
    assert result.returncode == 3
    assert "Tr0ub4dor" not in result.stderr and "Tr0ub4dor" not in result.stdout
    assert without_login_note(result.stderr) == f"feedcli: login refused (HTTP 401): {ht.WITHHELD}\n"


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    "args",
    [
        ["stream", "tse", "--isin", ISIN, "--url", "http://alice:s3cret@127.0.0.1:9"],
        ["login", "-u", "alice", "--password-stdin", "--url", "http://alice:s3cret@127.0.0.1:9"],
        ["stream", "tse", "--isin", ISIN, "--url", "http://alice:s3cret@[::1"],
    ],
)
def test_a_password_in_the_url_is_not_repeated(args: list[str], env) -> None:
    result = run(args, env, input="pw\n")
    assert result.returncode == 2, result.stderr
    assert "s3cret" not in result.stderr and "alice:***@" in one_line(result.stderr)


def test_an_expired_token_in_the_environment_is_refused_before_connecting(env) -> None:
    import jwt

    token = jwt.encode({"sub": "alice", "exp": int(time.time()) - 60}, "k" * 32, algorithm="HS256")
    result = run(["stream", "tse", "--url", "http://127.0.0.1:9", "--isin", ISIN], {**env, "FEEDCLI_TOKEN": token})
    assert result.returncode == 3
    assert one_line(result.stderr).startswith("feedcli: the token in FEEDCLI_TOKEN expired at ")
    assert "connect" not in result.stderr and token not in result.stderr
