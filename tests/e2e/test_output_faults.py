"""Output that fails: a full disk, a file size limit, an unwritable path, a reader that leaves."""

from __future__ import annotations

import resource
import signal
import subprocess
import time

import orjson
import pytest

from feedcli.simulators.ht_market import TSE_UNIVERSE
from tests.support.cli import FEEDCLI, Simulator, login, run

pytestmark = pytest.mark.e2e
ISIN = TSE_UNIVERSE[0].isin


@pytest.fixture(scope="module")
def sim():
    with Simulator("tse", "--rate", "500") as s:
        yield s


def stream(sim: Simulator, *extra: str) -> list[str]:
    return ["stream", "tse", "--url", sim.url, "--isin", ISIN, "--isin", TSE_UNIVERSE[1].isin, *extra]


def test_full_disk_is_exit_1_with_one_line(sim, env) -> None:
    login(sim, env)
    for args in (stream(sim, "-o", "/dev/full", "--limit", "50"),):
        result = run(args, env)
        assert result.returncode == 1
        assert "disk is full" in result.stderr and result.stderr.count("\n") == 1
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*FEEDCLI, *stream(sim, "--limit", "50")], env=env, stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1 and b"disk is full" in proc.stderr


def test_file_size_limit_keeps_only_complete_lines(sim, env, tmp_path) -> None:
    login(sim, env)
    out = tmp_path / "capped.ndjson"

    def cap() -> None:  # the kernel refuses writes past 20,000 bytes (EFBIG), like a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    proc = subprocess.run(
        [*FEEDCLI, *stream(sim, "-o", str(out), "--limit", "5000")],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    data = out.read_bytes()
    assert 0 < len(data) <= 20_000
    assert data.endswith(b"\n")
    assert all(orjson.loads(line) for line in data.splitlines())


def test_unwritable_output_path_fails_before_connecting(env) -> None:
    result = run(
        ["stream", "tse", "--url", "http://127.0.0.1:9", "--isin", ISIN, "-o", "/nonexistent/x"],
        {**env, "FEEDCLI_TOKEN": "t"},
    )
    assert result.returncode == 1
    assert "cannot open /nonexistent/x" in result.stderr and "connect" not in result.stderr


def test_a_reader_that_leaves_ends_the_stream_quietly(sim, env) -> None:
    login(sim, env)
    proc = subprocess.Popen(
        [*FEEDCLI, *stream(sim)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert proc.wait(15) == 0
    assert proc.stderr is not None and proc.stderr.read() == b""


def test_a_slow_reader_does_not_trip_the_watchdog(env) -> None:
    # the receiver waits for the pipe for seconds; that is not the server's silence
    with Simulator("tse", "--rate", "2000") as fast:
        login(fast, env)
        args = [*stream(fast, "--events", "--stale-after", "1", "--limit", "3000")]
        proc = subprocess.Popen([*FEEDCLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(3.5)  # stop reading: the pipe and the writer's buffer fill, the receiver waits
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    events = [orjson.loads(line) for line in out.splitlines() if b'"event"' in line]
    assert [e["event"] for e in events] == [], events  # no disconnected/reconnected
    assert out.count(b'"channel"') == 3000  # every line: none lost to the stall


def test_sigterm_ends_a_stream_whose_reader_stopped_reading(env) -> None:
    with Simulator("tse", "--rate", "2000") as fast:
        login(fast, env)
        proc = subprocess.Popen(
            [*FEEDCLI, *stream(fast)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
        )
        _stall_then_terminate(proc)


def _stall_then_terminate(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    time.sleep(2.5)  # the reader never reads again, and never closes the pipe
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 1
    assert time.monotonic() - started < 8
    assert b"stopped reading" in proc.stderr.read()
    proc.stdout.close()
