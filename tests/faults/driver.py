"""Run `feedcli stream|record tse` against the fault server, releasing held faults on cue."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tests.faults.server import ISIN, TOKEN, FaultServer
from tests.support.cli import FEEDCLI


@dataclass
class Outcome:
    returncode: int
    stdout: bytes
    stderr: str
    lines: list[dict] = field(default_factory=list)

    @property
    def numbers(self) -> list[int]:
        """The `n` of every data line, in the order written."""
        return [line["data"]["n"] for line in self.lines if "channel" in line]

    @property
    def events(self) -> list[str]:
        return [line["event"] for line in self.lines if "event" in line]


#: a safety net, not a measure: a run that misses its --limit ends here (exit 0) and its
#: test fails on the lines it lacks, rather than on pytest's timeout
SAFETY_NET = ("--duration", "60")


def tse_args(server: FaultServer, command: str = "stream", *extra: str) -> list[str]:
    return [command, "tse", "--url", server.url, "--isin", ISIN, "--channel", "best-limit", *SAFETY_NET, *extra]


def drive(
    server: FaultServer,
    args: list[str],
    env: dict[str, str],
    *,
    release_at: tuple[int, ...] = (),
    output: Path | None = None,
    timeout: float = 90,
) -> Outcome:
    """Run feedcli to its end; call `server.release()` once each count of data lines in
    `release_at` has been written (read from stdout, or from `output` for `record`)."""
    env = {**env, "FEEDCLI_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [*FEEDCLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    err: list[bytes] = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    pending = list(release_at)
    out = bytearray()
    data_seen = 0
    try:
        if output is None:
            for line in proc.stdout:
                out += line
                if b'"channel"' in line:
                    data_seen += 1
                while pending and data_seen >= pending[0]:
                    pending.pop(0)
                    server.release()
        else:
            while pending and proc.poll() is None:
                if _data_lines(output) >= pending[0]:
                    pending.pop(0)
                    server.release()
                else:
                    threading.Event().wait(0.02)
            out += proc.stdout.read()
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        drain.join(10)
    text = output.read_bytes() if output is not None else bytes(out)
    lines = [orjson.loads(line) for line in text.splitlines() if line.strip()]
    return Outcome(proc.returncode, bytes(out), b"".join(err).decode("utf-8", "replace"), lines)


def _data_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b'"channel"')
    except FileNotFoundError:
        return 0
