"""`feedcli stream tse` against an independent implementation of the HT protocol."""

from __future__ import annotations

import re

from feedcli import __version__
from feedcli.providers import tse
from feedcli.providers.ht import tehran
from feedcli.wallclock import utc_of
from tests.support.cli import feedcli_env, lines, run
from tests.support.independent_ht import EXAMPLES, TOKEN, IndependentHT

RECV = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ALL_CHANNELS = [e["channel"] for e in EXAMPLES]


def stream_args(url: str, *extra: str) -> list[str]:
    args = ["stream", "tse", "--url", url, "--isin", "IRO1FOLD0001", "--isin", "IRO1IKCO0001"]
    for channel in ALL_CHANNELS:
        args += ["--channel", channel]
    return [*args, *extra]


def test_lines_are_exactly_what_the_server_sent(tmp_path) -> None:
    env = feedcli_env(tmp_path, FEEDCLI_TOKEN=TOKEN)
    with IndependentHT(count=21) as server:
        result = run(stream_args(server.url, "--limit", "21"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 21
    for line, sent in zip(out, server.sent, strict=True):
        assert list(line) == ["provider", "channel", "symbol", "ts", "recv", "kind", "data"]
        assert line["provider"] == "tse"
        assert line["channel"] == sent["channel"]
        assert line["symbol"] == sent["symbolIsin"]
        assert line["ts"] == utc_of(sent["timestamp"], tehran())  # Tehran wall time, as UTC
        assert line["kind"] == tse.PROVIDER.kinds[line["channel"]]
        assert RECV.match(line["recv"])
        assert line["data"] == sent["data"]
    assert {line["channel"] for line in out} == set(ALL_CHANNELS)
    # the token travels in the Authorization header, raw, with our stable User-Agent
    headers = server.headers[0]
    assert headers["Authorization"] == TOKEN
    assert headers["User-Agent"] == f"feedcli/{__version__}"
    assert TOKEN not in result.stdout + result.stderr


def test_malformed_frames_are_reported_and_no_good_message_is_lost(tmp_path) -> None:
    env = feedcli_env(tmp_path, FEEDCLI_TOKEN=TOKEN)
    bad = [b'{"channel": "best-limit", "symbolIsin": ', b"not json at all", b"[]", b'{"channel":"x"}', b"\xff\x00"]
    with IndependentHT(count=12, malformed=bad) as server:
        result = run(stream_args(server.url, "--limit", "12"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert [line["data"] for line in out] == [m["data"] for m in server.sent]
    assert "malformed" in result.stderr
    # reports are rate-limited: the five bad frames do not make five lines
    assert 1 <= result.stderr.count("malformed frame") < len(bad)


def test_bad_token_is_exit_3_without_retry(tmp_path) -> None:
    env = feedcli_env(tmp_path, FEEDCLI_TOKEN="wrong")
    with IndependentHT() as server:
        result = run(stream_args(server.url), env, timeout=30)
    assert result.returncode == 3, result.stderr
    assert "Invalid token" in result.stderr
    assert len(server.headers) == 1  # no retry after a 1008


def test_events_flag_adds_control_lines_that_jq_can_filter_out(tmp_path) -> None:
    env = feedcli_env(tmp_path, FEEDCLI_TOKEN=TOKEN)
    with IndependentHT(count=5) as server:
        result = run(stream_args(server.url, "--limit", "5", "--events"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    control = [line for line in out if "event" in line]
    assert control[0]["event"] == "connected"
    assert "channel" not in control[0] and RECV.match(control[0]["recv"])
    assert sum(1 for line in out if "channel" in line) == 5
