"""Issue 19: a terminal that vanishes ends what draws on it, at once, with exit 0 and nothing said;
SIGHUP ends every long-running command as SIGTERM does.

A closed window, tmux pane or SSH session hangs its terminal up. Run from a shell, feedcli is
told by SIGHUP; under a wrapper that keeps the signal to itself (`make`, as in the issue, or a
`sh -c`), it is told nothing and must notice on the terminal itself: a write that fails with
EIO, or a stdin that polls as hung up. Either way the live view (stream, replay --format view,
demo) and NDJSON on the terminal must end within moments, not draw into nothing for hours.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedcli.events import DataEvent, RecvClock, encode_line
from feedcli.simulators.ht_market import TSE_UNIVERSE, HTMarket, tehran_timestamp
from tests.support.cli import FEEDCLI, Simulator, login, wait_for
from tests.support.terminal import Pty

pytestmark = pytest.mark.e2e
#: how long a run may take to end once its terminal is gone: generous, for a busy machine (it
#: takes well under a second); the point is that it ends, not how fast
ENDS_WITHIN = 20.0
STOCK = TSE_UNIVERSE[0].isin


@pytest.fixture(scope="module")
def sim():
    with Simulator("tse", "--rate", "100") as s:
        yield s


def long_recording(path: Path, seconds: float = 120.0) -> Path:
    """A minute or two of HT lines, to be replayed in real time into the view."""
    market, clock = HTMarket(seed=3), RecvClock()
    start = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    lines = []
    for step in range(int(seconds * 10)):
        moment = start + timedelta(milliseconds=100 * step)
        for spec, channel, data in market.step(moment):
            recv = clock.format(moment.timestamp())
            lines.append(encode_line(DataEvent("tse", channel, spec.key, tehran_timestamp(moment), recv, data)))
    path.write_bytes(b"".join(lines))
    return path


def command(name: str, sim: Simulator, tmp_path: Path) -> list[str]:
    if name == "demo":
        return ["demo", "--rate", "50"]
    if name == "replay":
        return ["replay", "--format", "view", "--speed", "1", str(long_recording(tmp_path / "long.ndjson"))]
    return ["stream", "tse", "--url", sim.url, "--isin", STOCK, "--isin", TSE_UNIVERSE[1].isin]


@pytest.mark.parametrize("wrapper", [False, True], ids=["sighup", "wrapper-keeps-sighup"])
@pytest.mark.parametrize("name", ["demo", "replay", "stream"])
def test_a_view_ends_when_its_terminal_is_closed(sim, env, tmp_path, name: str, wrapper: bool) -> None:
    login(sim, env)
    term = Pty(command(name, sim, tmp_path), env, tmp_path, wrapper=wrapper)
    try:
        assert wait_for(lambda: "msg/s" in term.screen, timeout=30), term.screen  # the view is drawing
        time.sleep(0.5)
        term.hang_up()
        code = term.wait(ENDS_WITHIN)
        took = time.monotonic() - (term.closed_at or 0.0)
    finally:
        term.kill()
    assert code == 0, f"{name} {'under a wrapper' if wrapper else ''}: exit {code} after {took:.1f} s"


def test_ndjson_on_a_terminal_that_is_closed_while_nothing_is_written(sim, env, tmp_path) -> None:
    """Nothing to write, no SIGHUP: only the hung-up stdin says the terminal is gone, and that is enough."""
    login(sim, env)
    # a stock never gets fund-info: after its `connected` line the stream writes nothing more
    args = ["stream", "tse", "--url", sim.url, "--isin", STOCK, "--channel", "fund-info", "--format", "ndjson"]
    term = Pty([*args, "--events"], env, tmp_path, wrapper=True)
    try:
        assert wait_for(lambda: '"event":"connected"' in term.screen, timeout=30), term.screen
        term.hang_up()
        code = term.wait(ENDS_WITHIN)
    finally:
        term.kill()
    assert code == 0


# ---------------------------------------------------------------------- SIGHUP is SIGTERM, everywhere


def started(args: list[str], env: dict[str, str], *, first: str, ignore_hup: bool = False) -> subprocess.Popen[bytes]:
    """`feedcli ARGS` with pipes, once its first line on `first` (stdout or stderr) has come."""
    launcher = [sys.executable, "-c", _IGNORE_HUP] if ignore_hup else []
    proc = subprocess.Popen(
        [*launcher, *FEEDCLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stream = proc.stdout if first == "stdout" else proc.stderr
    assert stream is not None
    assert stream.readline(), "it said nothing"
    return proc


#: what `nohup` does before it starts a command: SIGHUP ignored
_IGNORE_HUP = (
    "import os, signal, sys\nsignal.signal(signal.SIGHUP, signal.SIG_IGN)\nos.execvp(sys.argv[1], sys.argv[1:])\n"
)


def hup_commands(sim: Simulator, tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    recording = long_recording(tmp_path / "long.ndjson", seconds=30.0)
    return {
        "simulate": (["simulate", "tse", "--port", "0"], "stderr"),
        "replay --serve": (["replay", str(recording), "--serve", "127.0.0.1:0"], "stderr"),
        "replay": (["replay", str(recording)], "stdout"),
        "stream": (["stream", "tse", "--url", sim.url, "--isin", STOCK], "stdout"),
        "demo": (["demo", "--rate", "50"], "stdout"),
    }


@pytest.mark.parametrize("name", ["simulate", "replay --serve", "replay", "stream", "demo"])
def test_sighup_ends_every_long_running_command_as_sigterm_does(sim, env, tmp_path, name: str) -> None:
    login(sim, env)
    args, first = hup_commands(sim, tmp_path)[name]
    proc = started(args, env, first=first)
    try:
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=ENDS_WITHIN)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err


def test_a_sighup_ignored_at_start_stays_ignored(env) -> None:
    """`nohup feedcli ...`: the hangup is not for feedcli, SIGTERM still is."""
    proc = started(["simulate", "tse", "--port", "0"], env, first="stderr", ignore_hup=True)
    try:
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(1.5)  # still serving (a wrong end would come at once)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(ENDS_WITHIN) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
