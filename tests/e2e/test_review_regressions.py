"""Regressions for what review found: leaks, liveness, retry counting, inputs, environment."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import orjson
import pytest

from feedcli.events import DataEvent, epoch_iso
from feedcli.pipeline import run as run_pipeline
from feedcli.providers import tse
from feedcli.session import SessionOptions
from feedcli.simulators.ht_market import TSE_UNIVERSE
from feedcli.views.live import LiveView
from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, login, run, wait_for
from tests.support.independent_ht import TOKEN, IndependentHT

pytestmark = pytest.mark.e2e
STOCK = TSE_UNIVERSE[0].isin  # a stock: it never gets fund-info, so that stream is quiet


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_watchdog_closes_what_it_declares_stale(env) -> None:
    with Simulator("tse", "--rate", "50") as sim:
        login(sim, env)
        args = ["stream", "tse", "--url", sim.url, "--isin", STOCK, "--channel", "fund-info"]
        proc = subprocess.Popen(
            [*FEEDCLI, *args, "--stale-after", "0.5", "--events", "--max-retries", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
        )
        time.sleep(2.0)
        early = fd_count(proc.pid)
        time.sleep(3.0)
        late = fd_count(proc.pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err  # a quiet but healthy server is not a failure: no exit 5
    assert late <= early + 1, (early, late)  # no socket left behind per stale connection
    events = [orjson.loads(x)["event"] for x in out.splitlines()]
    assert events.count("reconnected") >= 3


def test_a_server_that_stops_answering_is_detected_by_the_keepalive(env) -> None:
    with Simulator("tse", "--rate", "100") as sim:
        login(sim, env)
        proc = subprocess.Popen(
            [
                *FEEDCLI,
                "stream",
                "tse",
                "--url",
                sim.url,
                "--isin",
                STOCK,
                "--events",
                "--stale-after",
                "0",
                "--ping-interval",
                "0.5",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
        )
        assert proc.stdout is not None
        proc.stdout.readline()  # connected
        sim.proc.send_signal(signal.SIGSTOP)  # the TCP connection stays up; nothing answers
        try:
            line = b""
            deadline = time.monotonic() + 10
            while b"disconnected" not in line and time.monotonic() < deadline:
                line = proc.stdout.readline()
        finally:
            sim.proc.send_signal(signal.SIGCONT)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert b"no pong within 0.5s" in line


def test_a_reader_slower_than_the_keepalive_does_not_drop_the_connection(env) -> None:
    with Simulator("tse", "--rate", "2000") as sim:
        login(sim, env)
        args = [
            "stream",
            "tse",
            "--url",
            sim.url,
            "--isin",
            STOCK,
            "--isin",
            TSE_UNIVERSE[1].isin,
            "--events",
            "--ping-interval",
            "0.3",
            "--limit",
            "3000",
        ]
        proc = subprocess.Popen([*FEEDCLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(3.0)  # ten keepalive intervals without reading
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b'"disconnected"' not in out


def test_a_restarted_simulator_accepts_the_token_it_issued_before(env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    first = Simulator("tse", "--rate", "100", "--port", port)
    login(first, env)
    proc = subprocess.Popen(
        [*FEEDCLI, "stream", "tse", "--url", first.url, "--isin", STOCK, "--events", "--limit", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
    )
    assert proc.stdout is not None
    seen = [proc.stdout.readline() for _ in range(4)]  # connected, then three data lines
    assert all(seen)
    first.stop()  # mid-stream: the client must reconnect to the new process with its old token
    second = Simulator("tse", "--rate", "100", "--port", port)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        second.stop()
    assert proc.returncode == 0, err
    assert b'"reconnected"' in out
    assert b"Invalid token" not in out + err


def test_malformed_counter_of_the_view_counts_frames_not_running_totals() -> None:
    bad = [b"{", b"nope", b"[]", b"{}", b"5"]
    view = LiveView()
    with IndependentHT(count=10, malformed=bad) as server:
        sub = tse.subscription(["IRO1FOLD0001"], [], ["best-limit"])
        factory = lambda: tse.codecs(sub, server.url, TOKEN)[0]  # noqa: E731
        asyncio.run(
            run_pipeline(
                [factory],
                [view],
                options=SessionOptions(trust_env=False),
                limit=10,
                on_malformed=view.note_malformed,
                note=lambda _m: None,
            )
        )
    assert view._malformed == len(bad)


def test_login_leaves_the_mode_of_an_existing_config_dir_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    env = feedcli_env(shared)
    with Simulator("tse", "--rate", "5") as sim:
        login(sim, env)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "profiles").stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "profiles" / "default" / "ht.json").stat().st_mode) == 0o600


def test_proxy_variables_do_not_break_loopback(env) -> None:
    proxied = {
        **env,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    result = run(["demo", "--limit", "2"], proxied)
    assert result.returncode == 0, result.stderr
    assert len(lines(result.stdout)) == 2


@pytest.mark.parametrize(
    "url", ["foo", "ftp://x", "http://127.0.0.1:notaport", "http://[::1", "http://u:p@127.0.0.1:1", "http://h:1?x=1"]
)
def test_a_bad_url_is_exit_2_even_when_not_logged_in(env, url: str) -> None:
    result = run(["stream", "tse", "--url", url, "--isin", STOCK], env)
    assert result.returncode == 2, result.stderr
    assert "--url" in result.stderr and "Traceback" not in result.stderr


def test_a_token_with_control_characters_is_refused_before_connecting(env) -> None:
    result = run(["stream", "tse", "--url", "http://127.0.0.1:9", "--isin", STOCK], {**env, "FEEDCLI_TOKEN": "a\nb"})
    assert result.returncode == 3 and "not a valid token" in result.stderr
    assert "a\nb" not in result.stderr


def test_a_blank_feedcli_token_means_unset(env) -> None:
    result = run(["stream", "tse", "--url", "http://127.0.0.1:9", "--isin", STOCK], {**env, "FEEDCLI_TOKEN": "  "})
    assert result.returncode == 3 and "not logged in" in result.stderr


def test_max_retries_zero_gives_up_at_the_first_failure(env) -> None:
    result = run(
        ["stream", "tse", "--url", "http://127.0.0.1:9", "--isin", STOCK, "--max-retries", "0"],
        {**env, "FEEDCLI_TOKEN": "t"},
    )
    assert result.returncode == 5
    assert "no retries allowed" in result.stderr and "retrying" not in result.stderr


def test_bad_fault_option_is_usage_error(env) -> None:
    result = subprocess.run(
        [*FEEDCLI, "simulate", "tse", "--port", "0", "--login-errors", "200"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_bad_profile_fails_before_the_password_is_sent(env) -> None:
    # nothing listens there: had it tried to log in first, it would be exit 1
    result = run(
        ["login", "--url", "http://127.0.0.1:9", "-u", "x", "--password-stdin", "--profile", "../x"], env, input="y\n"
    )
    assert result.returncode == 2 and "profile" in result.stderr


def test_dash_output_is_stdout_and_closed_stdout_is_one_line(ht_sim, env) -> None:
    login(ht_sim, env)
    result = run(["stream", "tse", "--url", ht_sim.url, "--isin", STOCK, "--limit", "2", "-o", "-"], env)
    assert result.returncode == 0 and len(lines(result.stdout)) == 2
    assert not Path("-").exists()
    closed = subprocess.run(
        f"{' '.join(FEEDCLI)} stream tse --url {ht_sim.url} --isin {STOCK} --limit 2 >&-",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert closed.returncode == 1 and "standard output is closed" in closed.stderr


def test_second_sigterm_exits_at_once_with_0(env) -> None:
    with Simulator("tse", "--rate", "2000") as sim:
        login(sim, env)
        proc = subprocess.Popen(
            [*FEEDCLI, "stream", "tse", "--url", sim.url, "--isin", STOCK, "--isin", TSE_UNIVERSE[1].isin],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(2.0)  # the reader stalls: the first SIGTERM would wait for it
        proc.send_signal(signal.SIGTERM)
        assert wait_for(lambda: False, timeout=0.3) is False
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
        proc.stdout.close()


def test_epoch_timestamps_are_converted() -> None:
    codec = tse.codecs(tse.subscription(["IRO1FOLD0001"], [], []), "http://h:1", "t")[0]
    for value in (1763109000, 1763109000000, 1763109000000000, 1763109000.5):
        frame = orjson.dumps({"channel": "aggregate", "symbolIsin": "IRO1FOLD0001", "timestamp": value, "data": {}})
        (event,) = codec.parse(frame, "R")
        assert isinstance(event, DataEvent) and event.ts is not None
        assert event.ts.startswith("2025-11-14T08:30:00.")
    assert epoch_iso(1763109000) == "2025-11-14T08:30:00.000000Z"


@pytest.mark.parametrize("gap", [0.0, 0.01, 0.03, 0.08])
def test_two_quick_interrupts_still_exit_0(ht_sim, env, gap: float) -> None:
    # GNU timeout and a double Ctrl-C both send SIGINT twice; the second may land while the
    # interpreter tears down, when Python-handled signals fall back to their defaults
    login(ht_sim, env)
    proc = subprocess.Popen(
        [*FEEDCLI, "stream", "tse", "--url", ht_sim.url, "--isin", STOCK],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    time.sleep(gap)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode == 0


def test_a_ctrl_c_before_any_run_starts_is_exit_0_too(tmp_path: Path) -> None:
    """Ctrl-C while `login` waits on a server that never answers: Typer would make it exit 130
    (KeyboardInterrupt); an interruption by the user is exit 0 (CONTRACT.md) wherever it lands."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(20)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        proc = subprocess.Popen(
            [*FEEDCLI, "login", "--url", url, "--user", "demo", "--password-stdin"],
            env=feedcli_env(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            # as a shell starts a command: a pytest-xdist worker ignores SIGINT, a child would
            # inherit that, and Python then installs no KeyboardInterrupt handler at all
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(b"demo\n")
        proc.stdin.close()
        proc.stdin = None  # closed: communicate() must not flush it
        conn, _ = listener.accept()  # the login request is sent; no answer comes
        with conn:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    assert err.decode().rstrip().endswith("feedcli: interrupted") and b"Traceback" not in err
