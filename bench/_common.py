"""What the benchmarks share: the load generator's process, the clients' processes, net rates.

`LoadGen` runs bench/loadgen.py in its own process and hands back the JSON line it prints
for each connection; `run_client` starts one client (feedcli, or bench/bare_client.py),
waits for it, and turns that line into a `Run` whose rate is net of start-up: messages
divided by the time from the generator's handshake answer to the client's close frame.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ISIN = "IRO1FOLD0001"
CHANNEL = "best-limit"
WS_PATH = f"/data-engine/tse-ifb/live/data/websocket/symbol/isin?channels={CHANNEL}&symbol_isins={ISIN}"


def write_batched(out: IO[bytes], lines: Iterable[bytes], batch: int = 20_000) -> int:
    """Write `lines` (each with its newline) in joined batches, a generated file's fast path; the bytes written."""
    size = 0
    chunk: list[bytes] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= batch:
            joined = b"".join(chunk)
            size += len(joined)
            out.write(joined)
            chunk = []
    joined = b"".join(chunk)
    size += len(joined)
    out.write(joined)
    return size


# ====================================================================== processes
class LoadGen:
    """bench/loadgen.py in a subprocess; hands back the per-connection records it prints."""

    def __init__(
        self,
        *,
        count: int,
        rate: float = 0.0,
        after: str = "keep",
        progress: float = 0.0,
        distinct: int = 1000,
        site: str = "ht",
    ) -> None:
        self.args = ["--count", str(count), "--rate", str(rate), "--after", after, "--progress", str(progress)]
        self.args += ["--distinct", str(distinct), "--site", site]
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[dict[str, Any]] = queue.Queue()
        #: (time, messages sent so far) from the generator's progress lines
        self.progress: list[tuple[float, int]] = []

    def __enter__(self) -> LoadGen:
        self._proc = subprocess.Popen(
            [sys.executable, str(BENCH / "loadgen.py"), "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._pump, args=(self._proc.stdout,), daemon=True).start()
        self.port = int(self._next("listening", 15.0)["port"])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            with contextlib.suppress(ValueError):
                item = json.loads(line)
                if item.get("event") == "progress":
                    self.progress.append((item["t"], item["sent"]))
                else:
                    self._lines.put(item)

    def _next(self, event: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            item = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if item.get("event") == event:
                return item

    def sent_by(self, t: float) -> int:
        """Messages the generator had handed to its sockets at time `t` (from progress lines)."""
        return max((n for when, n in self.progress if when <= t), default=0)

    def next_conn(self, timeout: float = 10.0) -> dict[str, Any]:
        """The record of the next connection to end (raises queue.Empty if none does)."""
        return self._next("conn", timeout)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{WS_PATH}"


class Runner:
    """Starts feedcli and the bare client the same way every time, in a private config dir."""

    def __init__(self, feedcli: list[str], workdir: Path) -> None:
        self.feedcli = feedcli
        self.workdir = workdir
        # PYTHONDONTWRITEBYTECODE (set on some machines) would have feedcli's editable source
        # compiled again at every start (about 60 ms of its start-up here), which no installed
        # copy pays: bytecode caches are written as they would be for a user
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("FEEDCLI_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        self.env.update(FEEDCLI_TOKEN="bench-token", FEEDCLI_CONFIG_DIR=str(workdir / "config"))
        self._n = 0

    def command(self, verb: str, gen: LoadGen, *extra: str) -> list[str]:
        """`feedcli VERB tse` against the generator, for the benchmark's one symbol and channel."""
        return [
            *self.feedcli,
            *(verb, "tse", "--url", gen.http_url, "--isin", ISIN, "--channel", CHANNEL),
            *extra,
        ]

    def stream_cmd(self, gen: LoadGen, *extra: str) -> list[str]:
        return self.command("stream", gen, *extra)

    def stderr_file(self) -> Path:
        self._n += 1
        return self.workdir / f"stderr-{self._n}.txt"

    def popen(self, cmd: Sequence[str], *, stdout: int, stderr_path: Path) -> subprocess.Popen[bytes]:
        with stderr_path.open("wb") as err:
            return subprocess.Popen(list(cmd), stdout=stdout, stderr=err, env=self.env)


def find_feedcli(explicit: str | None) -> list[str]:
    """The console script next to this interpreter (the venv's), else PATH, else `-m feedcli`."""
    if explicit:
        return [explicit]
    beside = Path(sys.executable).with_name("feedcli")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("feedcli")
    return [found] if found else [sys.executable, "-m", "feedcli"]


def stop(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """End a process we started, politely first."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(path: Path, limit: int = 400) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-limit:].strip()
    return ""


def fmt_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate / 1000:,.1f}k/s"


# ====================================================================== one client run
@dataclass
class Run:
    """One client run: wall time from spawn to exit, and net time on the connection."""

    client: str
    wall: float
    net: float
    rate_net: float
    rate_wall: float
    rc: int
    #: spawn → TCP connection accepted by the generator: the client's own start-up
    to_connect: float = float("nan")
    note: str = ""
    #: the client's close frame → its exit: closing files (a final fsync) and interpreter teardown
    after_close: float = float("nan")
    #: CPU seconds (user + system) the client process used, start-up included, when measured
    cpu: float = float("nan")
    #: [messages, epoch s, CPU s, RSS MB] where the harness saw the client's count pass each mark
    #: (goals_bench.py's steady-state window; empty when not watched)
    marks: list[list[float]] = field(default_factory=list)
    #: the generator's first write to the client (epoch s), where the net time starts
    begin: float = 0.0
    #: goals_bench.window_figures of the run's marks (None: not watched, or it never got there)
    window: dict[str, Any] | None = None


def run_client(runner: Runner, gen: LoadGen, client: str, cmd: Sequence[str], n: int, timeout: float) -> Run:
    """Run one client to its end (stdout to /dev/null) and measure it from the generator's record."""
    err = runner.stderr_file()
    started = time.time()
    proc = runner.popen(cmd, stdout=subprocess.DEVNULL, stderr_path=err)
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        rc = -1
    ended = time.time()
    # a client that failed may never have connected: do not wait long for a record
    return net_run(client, n, started, ended, rc, gen, tail(err), wait=10.0 if rc == 0 else 2.0)


def run_bare(runner: Runner, gen: LoadGen, n: int, timeout: float, library: str = "websockets") -> Run:
    cmd = [sys.executable, str(BENCH / "bare_client.py"), gen.ws_url, str(n), library]
    return run_client(runner, gen, f"bare {library}", cmd, n, timeout)


def net_run(
    client: str, n: int, started: float, ended: float, rc: int, gen: LoadGen, err: str, wait: float = 10.0
) -> Run:
    """Net time: handshake answered → the client's close frame (it sends it after message n)."""
    try:
        conn = gen.next_conn(wait)
    except queue.Empty:
        note = f"rc={rc}, no connection record; {err}".strip("; ")
        return Run(client, ended - started, float("nan"), 0.0, 0.0, rc, note=note)
    finish = conn["close_rcvd"] or conn["end"]
    net = finish - (conn["handshake"] or conn["accepted"])
    note = "" if rc == 0 and conn["sent"] == n else f"rc={rc} sent={conn['sent']} {err}"
    to_connect = conn["accepted"] - started
    return Run(
        client, ended - started, net, n / net, n / (ended - started), rc, to_connect, note.strip(), ended - finish
    )
