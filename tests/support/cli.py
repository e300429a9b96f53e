"""Run feedcli as a user does, and start simulators as subprocesses: the end-to-end tests' tools."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
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


def second_ctrl_c_abandons(proc: subprocess.Popen[str], *, before: float, between: float) -> None:
    """A run whose sink is down (stopped for good): its first Ctrl-C waits for the sink, the
    second ends it (exit 0) saying that lines were abandoned. `before`: seconds for lines to
    pile up in the sink first; `between`: how long the first Ctrl-C is seen to wait."""
    try:
        time.sleep(before)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        time.sleep(between)
        assert proc.poll() is None  # the first Ctrl-C waits for the sink
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "is down" in err and "waiting for redis://" in err
    match = re.search(r"second SIGINT: .*; (\d+) lines? not taken by the sinks abandoned", err)
    assert match and int(match.group(1)) >= 1, err


def ends_through_a_restart(proc: subprocess.Popen[bytes], server: Any, ready: Any, down: float) -> tuple[bytes, bytes]:
    """Once `ready()` (within 20 s), stop the sink's `server` for `down` seconds and start it
    again; then the run's stdout and stderr when it has ended, with exit 0."""
    try:
        assert wait_for(ready, 20)
        server.stop()
        time.sleep(down)
        server.start()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return out, err
