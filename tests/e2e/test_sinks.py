"""`--sink` on `stream` and `record`, as a user runs them: real Redis and NATS, a simulator, feedcli as a process."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import orjson
import pytest
import redis
import zstandard

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


def redis_lines(server: RedisServer, pattern: str = "feedcli:*") -> dict[str, list[bytes]]:
    with redis.Redis(port=server.port) as r:
        return {k.decode(): [f[b"line"] for _i, f in r.xrange(k)] for k in r.scan_iter(pattern)}


def test_stream_sends_every_line_to_redis_and_nats(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer, nats_server: NatsServer
) -> None:
    env = feedcli_env(tmp_path)
    out = run(
        ["stream", "binance", "--pair", "BTC-USDT", "--pair", "ETH-USDT", "--url", binance.url, "--limit", "40",
         "--sink", redis_server.url(), "--sink", nats_server.url("stream=FEED")],
        env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    printed = out.stdout.encode().splitlines()
    assert len(printed) == 40
    stored = redis_lines(redis_server)
    data = stored["feedcli:binance:candles:BTC-USDT"] + stored["feedcli:binance:candles:ETH-USDT"]
    assert sorted(data) == sorted(printed)  # byte for byte what stdout printed
    events = [orjson.loads(x)["event"] for x in stored["feedcli:binance:events"]]
    assert "connected" in events  # sinks get control lines without --events
    import asyncio

    import nats

    async def from_nats() -> list[bytes]:
        nc = await nats.connect(f"nats://127.0.0.1:{nats_server.port}")
        js = nc.jetstream()
        info = await js.stream_info("FEED")
        got = [(await js.get_msg("FEED", s)).data or b"" for s in range(1, info.state.last_seq + 1)]
        await nc.close()
        return got

    in_nats = asyncio.run(from_nats())
    assert [x for x in in_nats if b'"channel"' in x] == printed  # one stream: stdout's order


def test_bad_sink_urls_are_exit_2_before_anything_connects(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    env = feedcli_env(tmp_path)
    try:
        for sink, words in [
            (f"kafka://127.0.0.1:{port}", "unknown scheme"),
            (f"redis://127.0.0.1:{port}?key=feedcli:{{venue}}", "unknown field {venue}"),
            (f"redis://127.0.0.1:{port}/db", "database number"),
            (f"nats://127.0.0.1:{port}?subject=a..b", "NATS subject"),
        ]:
            out = run(
                ["stream", "binance", "--pair", "BTC-USDT", "--url", f"http://127.0.0.1:{port}", "--sink", sink], env
            )
            assert out.returncode == 2, out.stderr
            assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1
        with pytest.raises(BlockingIOError):
            listener.accept()  # neither the provider's URL nor the sink's was connected to
    finally:
        listener.close()


def finished_recording(path: Path) -> list[dict]:
    """The lines of a zstd recording whose frame was ended (fails on one cut mid-frame)."""
    dobj = zstandard.ZstdDecompressor().decompressobj()
    text = dobj.decompress(path.read_bytes())
    assert dobj.eof, f"{path.name}: the zstd frame was never ended"
    return [orjson.loads(line) for line in text.splitlines()]


def test_wrong_sink_credentials_are_exit_3(tmp_path: Path, binance: Simulator) -> None:
    for server in server_or_skip(RedisServer(password="right")):
        assert isinstance(server, RedisServer)
        out = run(
            ["stream", "binance", "--pair", "BTC-USDT", "--url", binance.url, "--limit", "5",
             "--sink", server.url(auth=":wrong@")],
            feedcli_env(tmp_path),
        )  # fmt: skip
        assert out.returncode == 3, out.stderr
        assert "refused the credentials" in out.stderr and "wrong" not in out.stderr
        # record opens its file first: it is finished, not left cut mid-frame
        rec = tmp_path / "rec.ndjson.zst"
        out = run(
            ["record", "binance", "--pair", "BTC-USDT", "--url", binance.url, "-o", str(rec),
             "--sink", server.url(auth=":wrong@")],
            feedcli_env(tmp_path),
        )  # fmt: skip
        assert out.returncode == 3, out.stderr
        assert out.stderr.count("\n") == 1 and "refused the credentials" in out.stderr  # nothing else, no warning
        assert [line.get("event") for line in finished_recording(rec)] == ["recording"]


@pytest.mark.parametrize("command", ["stream", "record"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_sink_waits_on_a_silent_server_ends_with_0(
    tmp_path: Path, binance: Simulator, command: str, sig: signal.Signals
) -> None:
    """A Ctrl-C (or SIGTERM) while the run is still starting: exit 0 as for any interruption,
    not Python's KeyboardInterrupt (exit 130) or SIGTERM's default; a recording is finished."""
    rec = tmp_path / "rec.ndjson.zst"
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(20)
        port = listener.getsockname()[1]
        args = ["-o", str(rec)] if command == "record" else []
        proc = subprocess.Popen(
            [*FEEDCLI, command, "binance", "--pair", "BTC-USDT", "--url", binance.url, *args,
             "--sink", f"redis://127.0.0.1:{port}"],
            env=feedcli_env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        conn, _ = listener.accept()  # the sink is starting: it waits for an answer that never comes
        with conn:
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    assert out == b"" and b"Traceback" not in err and b"never awaited" not in err, err.decode()
    if command == "record":
        assert [line.get("event") for line in finished_recording(rec)] == ["recording"]


def test_record_waits_for_a_sink_that_is_down_and_a_second_ctrl_c_says_what_is_abandoned(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer
) -> None:
    env = feedcli_env(tmp_path)
    proc = subprocess.Popen(
        [*FEEDCLI, "record", "binance", "--pair", "BTC-USDT", "--url", binance.url, "-o", str(tmp_path / "rec.ndjson"),
         "--sink", redis_server.url()],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: "feedcli:binance:candles:BTC-USDT" in redis_lines(redis_server), 20)
        redis_server.stop()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    second_ctrl_c_abandons(proc, before=1.5, between=1.5)  # lines keep coming and wait in the sink


def test_stream_ends_only_when_a_restarted_sink_has_every_line(
    tmp_path: Path, binance: Simulator, redis_server: RedisServer
) -> None:
    env = feedcli_env(tmp_path)
    proc = subprocess.Popen(
        [*FEEDCLI, "stream", "binance", "--pair", "BTC-USDT", "--url", binance.url, "--limit", "60", "--events",
         "--sink", redis_server.url()],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    ready = lambda: "feedcli:binance:candles:BTC-USDT" in redis_lines(redis_server)  # noqa: E731
    out, _err = ends_through_a_restart(proc, redis_server, ready, 2.0)
    printed = out.splitlines()
    stored = redis_lines(redis_server)
    data = [x for x in printed if b'"channel"' in x]
    assert len(data) == 60
    assert set(data) <= set(stored["feedcli:binance:candles:BTC-USDT"])  # every data line; repeats allowed
    events = {orjson.loads(x)["event"] for x in stored["feedcli:binance:events"]}
    assert {"sink-down", "sink-up"} <= events  # the outage is in the sink's own stream ...
    assert b'"event":"sink-down"' in out  # ... and in the output with --events
