"""Shared helpers: run feedcli as a user does, and start simulators as subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent
FEEDCLI = [sys.executable, "-m", "feedcli"]


def feedcli_env(config_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDCLI_")}
    env.update({"FEEDCLI_CONFIG_DIR": str(config_dir), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"})
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], *, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FEEDCLI, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def lines(stdout: str) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines() if line.strip()]


class Simulator:
    """`feedcli simulate ...` as a subprocess; `url` is read from its first stderr line."""

    def __init__(self, provider: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.provider = provider
        self.proc = subprocess.Popen(
            [*FEEDCLI, "simulate", provider, "--port", "0", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stderr is not None
        self.first_line = self.proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", self.first_line)
        if not match:
            self.stop()
            raise RuntimeError(f"simulator did not start: {self.first_line!r}")
        self.url = match.group(1)
        creds = re.search(r"user (\S+) password (\S+)", self.first_line)
        self.user, self.password = (creds.group(1), creds.group(2)) if creds else ("", "")
        self.rest: list[str] = []
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_rest(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.rest.append(line)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(autouse=True)
def _default_signal_dispositions() -> Iterator[None]:
    """Undo what an in-process run leaves behind: feedcli ignores SIGINT/SIGTERM once a run
    has flushed (pipeline.exit_quietly_on_signals), and an ignored signal is inherited by
    every process started later. A broker started after that would shrug off SIGTERM."""
    yield
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    return path


@pytest.fixture
def env(config_dir: Path) -> dict[str, str]:
    return feedcli_env(config_dir)


@pytest.fixture(scope="module")
def ht_sim() -> Iterator[Simulator]:
    """One well-behaved HT simulator shared by a module's tests (fast rate)."""
    with Simulator("tse", "--rate", "400", "--seed", "7") as sim:
        yield sim


def login(sim: Simulator, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = run(["login", "--url", sim.url, "-u", sim.user, "--password-stdin"], env, input=sim.password + "\n")
    assert result.returncode == 0, result.stderr
    return result


def wait_for(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
