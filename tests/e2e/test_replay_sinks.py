"""`replay` and the sinks, as a user runs them: lines read back from real Redis and NATS, and `replay --sink`.

record -> sink -> replay from the sink gives the recording; `--follow` sees lines sent later;
readers of one consumer group share the lines without overlap; a sink stopped and restarted
mid-replay still gets every line.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from pathlib import Path

import orjson
import pytest
import redis

from tests.support.cli import (
    FEEDCLI,
    Simulator,
    ends_through_a_restart,
    feedcli_env,
    run,
    second_ctrl_c_abandons,
    wait_for,
)
from tests.support.servers import NatsServer, RedisServer, server_or_skip

pytestmark = pytest.mark.e2e


class Reader:
    """`feedcli ARGS` in the background, its stdout lines kept as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*FEEDCLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.lines: list[bytes] = []
        self.errors: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.rstrip(b"\n"))

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.errors.append(raw.decode(errors="replace"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.errors)

    def data(self) -> list[bytes]:
        return [x for x in self.lines if b'"channel"' in x]

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C, then its exit code and stderr."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        for thread in self._threads:
            thread.join(5)
        return self.proc.returncode, "".join(self.errors)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def synthetic(
    path: Path, count: int, *, symbols: tuple[str, ...] = ("MXSE.TQBR.SBER", "GAZP"), step_us: int = 1
) -> list[bytes]:
    """A recording of `count` numbered data lines, `step_us` microseconds apart."""
    out = []
    for i in range(count):
        us = i * step_us
        recv = f"2025-11-14T08:{us // 60_000_000 % 60:02d}:{us // 1_000_000 % 60:02d}.{us % 1_000_000:06d}Z"
        out.append(
            orjson.dumps(
                {
                    "provider": "moex",
                    "channel": "trades",
                    "symbol": symbols[i % len(symbols)],
                    "ts": None,
                    "recv": recv,
                    "data": {"i": i, "pad": "x" * 100},
                }
            )
        )
    path.write_bytes(b"".join(x + b"\n" for x in out))
    return out


def _streamed_into_both(
    env: dict[str, str], binance: Simulator, redis_server: RedisServer, nats_server: NatsServer
) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """10 lines streamed into Redis and NATS (stream FEED): the command, to run again, and its first run."""
    sinks = ["--sink", redis_server.url(), "--sink", nats_server.url("stream=FEED")]
    stream = ["stream", "binance", "--pair", "BTC-USDT", "--url", binance.url, "--limit", "10", *sinks]
    first = run(stream, env)
    assert first.returncode == 0, first.stderr
    return stream, first


def _every_reader_gets_a_second_run(
    stream: list[str], env: dict[str, str], first: subprocess.CompletedProcess[str], readers: list[Reader]
) -> None:
    """Stream again; every follower then has both runs' lines, nothing missed, nothing twice, and ends 0 on Ctrl-C."""
    second = run(stream, env)
    assert second.returncode == 0, second.stderr
    printed = first.stdout.encode().splitlines() + second.stdout.encode().splitlines()
    for reader in readers:
        assert wait_for(lambda r=reader: len(r.data()) >= 20, 30), reader.lines  # type: ignore[misc]
        code, err = reader.interrupt()
        assert code == 0, err
        assert reader.data() == printed


def _recv_then_key(line: bytes) -> tuple[str, str]:
    """The order of a Redis read-back: by recv, then by the stream key (control lines, keyed
    `feedcli:binance:events`, sort after the data keys `feedcli:binance:candles:...`)."""
    o = orjson.loads(line)
    key = f"feedcli:binance:candles:{o['symbol']}" if "channel" in o else "feedcli:binance:events"
    return o["recv"], key


def numbers(lines: list[bytes]) -> list[int]:
    return [orjson.loads(x)["data"]["i"] for x in lines if b'"channel"' in x]


def test_record_into_redis_and_nats_then_replay_from_them_gives_the_recording(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer, nats_server: NatsServer
) -> None:
    env = feedcli_env(tmp_path)
    rec = tmp_path / "rec.ndjson"
    out = run(
        ["record", "binance", "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--url", binance.url, "--limit", "40",
         "-o", str(rec), "--sink", redis_server.url(), "--sink", nats_server.url("stream=FEED")],
        env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    recorded = rec.read_bytes().splitlines()
    # the file's own header (`recording`: where it was recorded from) is the file's, not the stream's
    sent = [x for x in recorded if b'"event":"recording"' not in x]
    assert len([x for x in sent if b'"channel"' in x]) == 40
    from_redis = run(["replay", "--speed", "0", redis_server.url("/0", "key=feedcli:binance:*")], env)
    assert from_redis.returncode == 0, from_redis.stderr
    # merged by recv: the recording, byte for byte; lines of one socket read share their recv,
    # and Redis keeps no order between keys (here one a pair): those come in key order
    assert from_redis.stdout.encode().splitlines() == sorted(sent, key=_recv_then_key)
    from_nats = run(["replay", "--speed", "0", nats_server.url("subject=feedcli.>&stream=FEED")], env)
    assert from_nats.returncode == 0, from_nats.stderr
    assert from_nats.stdout.encode().splitlines() == sent
    # the same filters as a file's
    one = ["--symbol", "ETH-USDT", "--channel", "candles"]
    from_file = run(["replay", "--speed", "0", str(rec), *one], env).stdout.encode().splitlines()
    from_file = [x for x in from_file if b'"event":"recording"' not in x]
    assert [x for x in from_file if b'"channel"' in x] and all(
        b'"symbol":"ETH-USDT"' in x for x in from_file if b'"channel"' in x
    )
    redis_order = sorted(from_file, key=_recv_then_key)  # (equal recvs in key order, as above)
    for url, want in (
        (redis_server.url("/0", "key=feedcli:*"), redis_order),
        (nats_server.url("stream=FEED"), from_file),
    ):
        assert run(["replay", "--speed", "0", url, *one], env).stdout.encode().splitlines() == want
    # --normalize reads back as it plays a file
    normal = run(["replay", "--speed", "0", "--normalize", str(rec)], env).stdout.encode().splitlines()
    normal = [x for x in normal if b'"event":"recording"' not in x]
    assert normal != sent  # the candles' data is reshaped
    redis_order = sorted(normal, key=_recv_then_key)
    for url, want in (
        (redis_server.url("/0", "key=feedcli:binance:*"), redis_order),
        (nats_server.url("stream=FEED"), normal),
    ):
        assert run(["replay", "--speed", "0", "--normalize", url], env).stdout.encode().splitlines() == want


def test_follow_sees_lines_sent_later_from_redis_and_nats(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer, nats_server: NatsServer
) -> None:
    env = feedcli_env(tmp_path)
    stream, first = _streamed_into_both(env, binance, redis_server, nats_server)
    readers = [
        Reader(["replay", "--follow", redis_server.url("/0", "key=feedcli:binance:*")], env),
        Reader(["replay", "--follow", nats_server.url("stream=FEED")], env),
    ]
    try:
        for reader in readers:  # what was there first ...
            assert wait_for(lambda r=reader: len(r.data()) >= 10, 30), reader.lines  # type: ignore[misc]
        _every_reader_gets_a_second_run(stream, env, first, readers)  # ... then what came later, as it comes
        for reader in readers:
            assert any(b'"event":"connected"' in x for x in reader.lines)  # control lines too
    finally:
        for reader in readers:
            reader.close()


def test_followers_read_on_after_the_server_restarts(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer, nats_server: NatsServer
) -> None:
    env = feedcli_env(tmp_path)
    stream, first = _streamed_into_both(env, binance, redis_server, nats_server)
    readers = [
        Reader(["replay", "--follow", redis_server.url("/0", "key=feedcli:binance:*")], env),
        Reader(["replay", "--follow", redis_server.url("/0", "key=feedcli:binance:*&group=view")], env),
        Reader(["replay", "--follow", nats_server.url("stream=FEED")], env),
    ]
    try:
        for reader in readers:
            assert wait_for(lambda r=reader: len(r.data()) >= 10, 30), reader.lines  # type: ignore[misc]
        redis_server.stop()
        nats_server.stop()
        for reader in readers:  # each has seen the outage (and not ended: it waits)
            assert wait_for(lambda r=reader: r.said("cannot read"), 30), reader.errors  # type: ignore[misc]
            assert reader.proc.poll() is None, reader.errors
        redis_server.start()
        nats_server.start()
        for reader in readers:
            assert wait_for(lambda r=reader: r.said("reading again"), 30), reader.errors  # type: ignore[misc]
        _every_reader_gets_a_second_run(stream, env, first, readers)
    finally:
        for reader in readers:
            reader.close()


def test_two_readers_of_a_group_share_the_lines_without_overlap(tmp_path: Path, redis_server: RedisServer) -> None:
    env = feedcli_env(tmp_path)
    count = 6000  # about 900 kB: more than reader a can hold unread (pipe + writer buffer + one chunk)
    lines = synthetic(tmp_path / "day.ndjson", count)
    into = run(["replay", "--speed", "0", str(tmp_path / "day.ndjson"), "--sink", redis_server.url()], env)
    assert into.returncode == 0, into.stderr
    assert into.stdout.encode().splitlines() == lines
    with redis.Redis(port=redis_server.port) as r:
        stored = [f[b"line"] for _i, f in r.xrange("feedcli:moex:trades:MXSE_TQBR_SBER")]
    assert stored == lines[0::2]  # replay --sink: byte for byte, keyed by the line's own symbol
    group = redis_server.url("/0", "key=feedcli:moex:*&group=desk&consumer={}")
    # reader a follows, and nobody reads its output yet: it stops once its pipe is full
    a = subprocess.Popen(
        [*FEEDCLI, "replay", "--follow", group.format("a")],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        with redis.Redis(port=redis_server.port) as r:

            def delivered() -> int:
                return sum(g["entries-read"] or 0 for k in r.scan_iter("feedcli:moex:*") for g in r.xinfo_groups(k))

            assert wait_for(lambda: delivered() > 0, 30)
        # reader b, without --follow: what nobody was given yet, then the end
        b = run(["replay", "--speed", "0", group.format("b")], env)
        assert b.returncode == 0, b.stderr
        got_b = b.stdout.encode().splitlines()
        assert got_b, "reader a took everything: the test's premise (a full pipe stops it) failed"
        # now a's output is read: a gets the rest, and nothing that b got
        a.send_signal(signal.SIGINT)
        out_a, err_a = a.communicate(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == 0, err_a
    got_a = out_a.splitlines()
    assert got_a
    assert sorted(numbers(got_a) + numbers(got_b)) == list(range(count))  # every line once, in one reader


def test_a_sink_stopped_and_restarted_mid_replay_gets_every_line(tmp_path: Path, redis_server: RedisServer) -> None:
    env = feedcli_env(tmp_path)
    lines = synthetic(tmp_path / "day.ndjson", 60, step_us=50_000)  # three seconds at --speed 1
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", str(tmp_path / "day.ndjson"), "--sink", redis_server.url()],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    with redis.Redis(port=redis_server.port) as r:
        out, err = ends_through_a_restart(proc, redis_server, lambda: r.exists("feedcli:moex:trades:GAZP") > 0, 1.0)
    assert out.splitlines() == lines  # the output is the recording, without sink-down lines
    with redis.Redis(port=redis_server.port) as r:
        stored = {f[b"line"] for k in r.scan_iter("feedcli:moex:trades:*") for _i, f in r.xrange(k)}
        events = [orjson.loads(f[b"line"])["event"] for _i, f in r.xrange("feedcli:moex:events")]
    assert set(lines) <= stored  # every line; repeats allowed (at-least-once)
    assert "sink-down" in events and "sink-up" in events  # the outage is in the sink itself
    assert b"is down" in err


def test_bad_source_urls_are_exit_2_and_wrong_credentials_exit_3(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path)
    for args in (
        ["replay", "kafka://127.0.0.1:9092?topic=x"],
        ["replay", "redis://127.0.0.1:1/0"],  # no key=
        ["replay", "redis://127.0.0.1:1/0?key=feedcli:*&nope=1"],
        ["replay", "nats://127.0.0.1:1?subject=a.>.b&stream=FEED"],
        ["replay", "nats://127.0.0.1:1?subject=feedcli.>"],  # core NATS keeps nothing: needs stream= or --follow
        ["replay", "day.ndjson", "--follow"],
        ["replay", "redis://127.0.0.1:1/0?key=a", "--sink", "redis://127.0.0.1:1/0?key={exchange}"],
    ):
        out = run(args, env)
        assert out.returncode == 2, (args, out.stderr)
        assert "connection refused" not in out.stderr  # said before anything connected
    for server in server_or_skip(RedisServer(password="right")):
        assert isinstance(server, RedisServer)
        out = run(["replay", server.url("/0", "key=feedcli:*", auth=":wrong@")], env)
        assert out.returncode == 3, out.stderr
        assert "refused the credentials" in out.stderr and "wrong" not in out.stderr


def test_format_view_of_lines_read_back_from_redis(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path, COLUMNS="120", LINES="30")
    for server in server_or_skip(RedisServer(password="s3cret")):
        assert isinstance(server, RedisServer)
        url = server.url(auth=":s3cret@")
        synthetic(tmp_path / "day.ndjson", 50)
        into = run(["replay", "--speed", "0", str(tmp_path / "day.ndjson"), "--sink", url], env)
        assert into.returncode == 0, into.stderr
        view = run(
            ["replay", "--speed", "0", "--format", "view", server.url("/0", "key=feedcli:*", auth=":s3cret@")], env
        )
        assert view.returncode == 0, view.stderr
        assert "GAZP" in view.stdout and "MXSE.TQBR.SBER" in view.stdout
        assert "50 msgs" in view.stdout  # every line reached the view
        assert f"127.0.0.1:{server.port}/0" in view.stdout and "s3cret" not in view.stdout  # titled, no password
        assert '"recv"' not in view.stdout  # a view, not NDJSON


def test_replay_waits_for_a_sink_that_is_down_and_a_second_ctrl_c_says_what_is_abandoned(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    env = feedcli_env(tmp_path)
    synthetic(tmp_path / "day.ndjson", 40, step_us=50_000)  # two seconds at --speed 1
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", str(tmp_path / "day.ndjson"), "--sink", redis_server.url()],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with redis.Redis(port=redis_server.port) as r:
            assert wait_for(lambda: r.exists("feedcli:moex:trades:GAZP") > 0, 20)
        redis_server.stop()  # for good: the lines from now on wait in the sink
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    second_ctrl_c_abandons(proc, before=2.5, between=1.0)  # 2.5 s: the replay reaches its end and waits


def test_lines_read_back_are_checked_and_to_ends_even_a_follower(tmp_path: Path, redis_server: RedisServer) -> None:
    env = feedcli_env(tmp_path)
    lines = synthetic(tmp_path / "day.ndjson", 40, symbols=("GAZP",))
    with redis.Redis(port=redis_server.port) as r:
        for at, line in enumerate(lines):
            r.xadd("feedcli:moex:trades:GAZP", {"line": line})
            if at == 10:
                r.xadd("feedcli:moex:trades:GAZP", {"line": b'{"torn":'})  # not a feedcli line
                r.xadd("feedcli:moex:trades:GAZP", {"other": b"field"})  # not a feedcli entry at all
    url = redis_server.url("/0", "key=feedcli:moex:*")
    out = run(["replay", "--speed", "0", url], env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.encode().splitlines() == lines  # the bad entry skipped, the rest byte for byte
    assert re.search(r"redis://127\.0\.0\.1:\d+/0: line 12 is not JSON; skipped", out.stderr), out.stderr
    # --to ends the replay at the first line at or after it, following or not
    to = orjson.loads(lines[20])["recv"]
    out = run(["replay", "--follow", "--to", to, url], env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.encode().splitlines() == lines[:20]


def test_follow_on_core_nats_reads_what_is_published_from_then_on(
    tmp_path: Path, binance: Simulator, nats_server: NatsServer
) -> None:
    env = feedcli_env(tmp_path)
    reader = Reader(["replay", "--follow", nats_server.url("subject=feedcli.binance.>")], env)
    printed: list[bytes] = []
    try:
        for _attempt in range(10):  # until the reader has subscribed: core NATS keeps nothing for later
            out = run(["stream", "binance", "--pair", "BTC-USDT", "--url", binance.url, "--limit", "5",
                       "--sink", nats_server.url()], env)  # fmt: skip
            assert out.returncode == 0, out.stderr
            printed += out.stdout.encode().splitlines()
            if wait_for(lambda: len(reader.data()) > 0, 2):
                break
        got = reader.data()
        assert got, reader.errors
        assert wait_for(lambda: printed[-len(reader.data()) :] == reader.data(), 10)  # every line from then on
        code, err = reader.interrupt()
        assert code == 0, err
    finally:
        reader.close()
