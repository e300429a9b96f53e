"""`feedcli stream` under load: throughput, latency, memory and start-up in one run.

Every figure is measured against a real `feedcli` subprocess talking to the raw-socket
load generator in bench/loadgen.py (its own process, so it never shares a GIL with the
client), and throughput is compared with a bare websockets client measured in the same
run, interleaved with feedcli's runs, so that both see the same machine at the same time.

    .venv/bin/python bench/stream_bench.py            # full run, 1–2 minutes
    .venv/bin/python bench/stream_bench.py --quick    # smoke run, well under a minute

It prints a table with PASS/FAIL per target, writes bench/results/stream.json, and exits 0
whatever the figures: it is a report, not a test. See bench/README.md for what each
figure means.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import functools
import json
import math
import os
import platform
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from _common import (
    BENCH,
    ROOT,
    WS_PATH,
    LoadGen,
    Run,
    Runner,
    find_feedcli,
    fmt_rate,
    run_bare,
    run_client,
    stop,
    tail,
)
from loadgen import Corpus

RESULTS = BENCH / "results" / "stream.json"


# ====================================================================== settings and results
@dataclass(frozen=True)
class Settings:
    """How much of each scenario to run; `--quick` shrinks everything to a smoke test."""

    throughput_n: int
    repeats: int
    latency_rate: int
    latency_seconds: float
    memory_n: int
    stall_seconds: float
    startup_runs: int
    help_runs: int


FULL = Settings(500_000, 3, 2000, 10.0, 1_000_000, 10.0, 20, 5)
QUICK = Settings(50_000, 2, 2000, 3.0, 150_000, 4.0, 5, 2)


@dataclass
class Check:
    """One figure with a target: what the table's PASS/FAIL column is made of."""

    name: str
    value: float | None
    unit: str
    target: str
    passed: bool | None
    note: str = ""


@dataclass
class Report:
    """Everything measured, as it goes to bench/results/stream.json."""

    meta: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, name: str, value: float | None, unit: str, target: str, ok: bool | None, note: str = "") -> None:
        self.checks.append(Check(name, value, unit, target, ok, note))


# ====================================================================== processes
def rss_kb(pid: int) -> int | None:
    """VmRSS of a live process from /proc (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


# ====================================================================== small statistics
def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = math.ceil(q / 100 * len(sorted_values))
    k = max(0, min(len(sorted_values) - 1, rank - 1))
    return sorted_values[k]


@functools.lru_cache(maxsize=4096)
def _second_epoch(prefix: str) -> int:
    return calendar.timegm(time.strptime(prefix, "%Y-%m-%dT%H:%M:%S"))


def iso_epoch(stamp: str) -> float:
    """`YYYY-MM-DDTHH:MM:SS.ffffff[Z]` (UTC) as epoch seconds; the per-second part is cached."""
    return _second_epoch(stamp[:19]) + int(stamp[20:26]) / 1e6


# ====================================================================== 0. generator ceiling
def generator_ceiling(n: int) -> dict[str, Any]:
    """How fast the generator writes to a reader that does nothing but read bytes.

    If this is not well above the clients' rates, the figures below measure the generator.
    """
    import base64
    import socket

    expected = Corpus.build().bytes_for(n)
    with LoadGen(count=n) as gen, socket.create_connection(("127.0.0.1", gen.port)) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET {WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: x\r\n\r\n"
            ).encode()
        )
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        got = len(head) - head.index(b"\r\n\r\n") - 4
        while got < expected:
            k = sock.recv_into(view)
            if not k:
                break
            got += k
        done = time.time()
        sock.close()
        conn = gen.next_conn()
    return {"messages": n, "bytes": got, "seconds": done - conn["handshake"], "rate": n / (done - conn["handshake"])}


def ceiling(runner: Runner, settings: Settings, report: Report) -> None:
    report.sections["generator"] = generator_ceiling(settings.throughput_n)


# ====================================================================== 1. throughput
def run_feedcli_limit(runner: Runner, gen: LoadGen, n: int, timeout: float) -> Run:
    return run_client(runner, gen, "feedcli", runner.stream_cmd(gen, "--limit", str(n)), n, timeout)


def throughput(runner: Runner, settings: Settings, report: Report) -> None:
    n = settings.throughput_n
    runs: dict[str, list[Run]] = {"feedcli": [], "bare": [], "aiohttp": []}
    with LoadGen(count=n) as gen:
        # one warm-up each (page cache, bytecode), then interleaved so drift hits all alike
        run_bare(runner, gen, min(n, 20_000), 60)
        run_bare(runner, gen, min(n, 20_000), 60, "aiohttp")
        run_feedcli_limit(runner, gen, min(n, 20_000), 60)
        for _ in range(settings.repeats):
            runs["feedcli"].append(run_feedcli_limit(runner, gen, n, 300))
            runs["bare"].append(run_bare(runner, gen, n, 300))
            runs["aiohttp"].append(run_bare(runner, gen, n, 300, "aiohttp"))

    def summary(rs: list[Run]) -> dict[str, Any]:
        rates = [r.rate_net for r in rs]
        return {
            "runs": [asdict(r) for r in rs],
            "best_rate": max(rates),
            "median_rate": statistics.median(rates),
            "median_wall": statistics.median(r.wall for r in rs),
            "median_wall_rate": statistics.median(r.rate_wall for r in rs),
            "median_to_connect": statistics.median(r.to_connect for r in rs),
        }

    f, b, a = summary(runs["feedcli"]), summary(runs["bare"]), summary(runs["aiohttp"])
    ratio_median = f["median_rate"] / b["median_rate"] if b["median_rate"] else 0.0
    ratio_best = f["best_rate"] / b["best_rate"] if b["best_rate"] else 0.0
    report.sections["throughput"] = {
        "messages": n,
        "feedcli": f,
        "bare": b,
        "bare_aiohttp": a,
        "ratio_median": ratio_median,
        "ratio_best": ratio_best,
    }
    for r in runs["feedcli"] + runs["bare"] + runs["aiohttp"]:
        if r.note:
            report.errors.append(f"throughput {r.client}: {r.note}")
    report.check(
        "throughput ratio feedcli/bare (median)",
        ratio_median,
        "",
        ">= 0.80",
        ratio_median >= 0.8,
        f"feedcli {fmt_rate(f['median_rate'])} vs bare {fmt_rate(b['median_rate'])}; best-of ratio {ratio_best:.2f}",
    )


# ====================================================================== 2. latency
class PipeReader(threading.Thread):
    """Reads a pipe in its own thread and stamps every read the moment it returns.

    `stop_after` bytes: stop reading (but keep the pipe open) once that much has arrived,
    which is how a stalled downstream reader is played.
    """

    def __init__(self, stream: IO[bytes], *, keep: bool, stop_after: int | None = None) -> None:
        super().__init__(daemon=True)
        self.fd = stream.fileno()
        self.keep = keep
        self.stop_after = stop_after
        self.chunks: list[tuple[float, bytes]] = []
        self.nbytes = 0
        self.lines = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        read = os.read
        now = time.time
        while True:
            try:
                data = read(self.fd, 1 << 16 if self.keep else 1 << 20)
            except OSError:
                break
            t = now()
            if not data:
                break
            self.nbytes += len(data)
            self.lines += data.count(b"\n")
            if self.keep:
                self.chunks.append((t, data))
            if self.stop_after is not None and self.nbytes >= self.stop_after:
                break
        self.stopped.set()

    def lines_with_times(self) -> Iterator[tuple[float, bytes]]:
        """Each complete line with the time of the read that completed it."""
        pending = b""
        for t, data in self.chunks:
            pending += data
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield t, line


def latency(runner: Runner, settings: Settings, report: Report) -> None:
    rate = settings.latency_rate
    n = int(rate * settings.latency_seconds)
    err = runner.stderr_file()
    with LoadGen(count=n, rate=rate) as gen:
        proc = runner.popen(runner.stream_cmd(gen, "--limit", str(n)), stdout=subprocess.PIPE, stderr_path=err)
        assert proc.stdout is not None
        reader = PipeReader(proc.stdout, keep=True)
        reader.start()
        try:
            rc = proc.wait(settings.latency_seconds * 3 + 30)
        except subprocess.TimeoutExpired:
            stop(proc)
            rc = -1
        reader.join(10)
        proc.stdout.close()
        with contextlib.suppress(queue.Empty):
            gen.next_conn()
    pipe_ms: list[float] = []
    wire_ms: list[float] = []
    total_ms: list[float] = []
    for t_read, line in reader.lines_with_times():
        obj = json.loads(line)
        if "channel" not in obj:
            continue
        recv = iso_epoch(obj["recv"])
        sent = iso_epoch(obj["ts"])
        pipe_ms.append((t_read - recv) * 1000)
        wire_ms.append((recv - sent) * 1000)
        total_ms.append((t_read - sent) * 1000)

    def dist(values: list[float]) -> dict[str, float]:
        s = sorted(values)
        return {"p50": percentile(s, 50), "p90": percentile(s, 90), "p99": percentile(s, 99), "max": s[-1] if s else 0}

    section = {
        "rate": rate,
        "messages": n,
        "lines": len(pipe_ms),
        "rc": rc,
        "recv_to_read_ms": dist(pipe_ms),
        "send_to_recv_ms": dist(wire_ms),
        "send_to_read_ms": dist(total_ms),
    }
    report.sections["latency"] = section
    if rc != 0 or len(pipe_ms) != n:
        report.errors.append(f"latency: rc={rc}, {len(pipe_ms)} of {n} lines; {tail(err)}")
    p99 = section["recv_to_read_ms"]["p99"]
    report.check(
        "latency recv → line read, p99",
        p99,
        "ms",
        "<= 2.0 ms",
        bool(pipe_ms) and p99 <= 2.0,
        f"p50 {section['recv_to_read_ms']['p50']:.3f} ms, max {section['recv_to_read_ms']['max']:.2f} ms at {rate}/s",
    )


# ====================================================================== 3. memory
def sample_rss(proc: subprocess.Popen[bytes], until: float, period: float = 0.5) -> list[tuple[float, int]]:
    """(time, VmRSS kB) every `period` until the process exits or `until` passes."""
    samples: list[tuple[float, int]] = []
    while proc.poll() is None and time.time() < until:
        kb = rss_kb(proc.pid)
        if kb is not None:
            samples.append((time.time(), kb))
        time.sleep(period)
    return samples


def memory_consumed(runner: Runner, settings: Settings, report: Report) -> None:
    """1M messages into a pipe whose reader keeps up: RSS should level off and stay there."""
    n = settings.memory_n
    err = runner.stderr_file()
    with LoadGen(count=n) as gen:
        proc = runner.popen(runner.stream_cmd(gen, "--limit", str(n)), stdout=subprocess.PIPE, stderr_path=err)
        assert proc.stdout is not None
        reader = PipeReader(proc.stdout, keep=False)
        reader.start()
        samples = sample_rss(proc, time.time() + 600)
        rc = proc.wait()
        reader.join(10)
        proc.stdout.close()
        try:
            conn = gen.next_conn()
        except queue.Empty:
            conn = {}
    begin = conn.get("handshake") or (samples[0][0] if samples else 0.0)
    finish = conn.get("close_rcvd") or conn.get("end") or (samples[-1][0] if samples else 0.0)
    flowing = [(t, kb) for t, kb in samples if begin <= t <= finish] or samples
    span = max(1e-9, finish - begin)
    # early steady state: the first samples after 10 % of the stream (the buffers have filled)
    early_window = [kb for t, kb in flowing if begin + 0.1 * span <= t <= begin + 0.3 * span]
    early = statistics.median(early_window) if early_window else (flowing[0][1] if flowing else 0)
    mid = min(flowing, key=lambda s: abs(s[0] - (begin + span / 2)))[1] if flowing else 0
    end = flowing[-1][1] if flowing else 0
    peak = max((kb for _, kb in samples), default=0)
    growth_mb = (end - early) / 1024
    section = {
        "messages": n,
        "lines_read": reader.lines,
        "rc": rc,
        "rate": n / span,
        "rss_kb": {"start": samples[0][1] if samples else 0, "early": early, "mid": mid, "end": end, "max": peak},
        "growth_mb": growth_mb,
        "samples": [(round(t - begin, 2), kb) for t, kb in samples],
    }
    report.sections["memory_consumed"] = section
    if rc != 0 or reader.lines != n:
        report.errors.append(f"memory (reader keeps up): rc={rc}, {reader.lines} of {n} lines; {tail(err)}")
    report.check(
        "RSS growth, reader keeps up",
        growth_mb,
        "MB",
        "< 10 MB",
        growth_mb < 10,
        f"early {early / 1024:.1f} → end {end / 1024:.1f} MB, max {peak / 1024:.1f} MB over {n:,} msgs "
        f"({fmt_rate(n / span)} into a pipe)",
    )


def signal_and_wait(proc: subprocess.Popen[bytes], timeout: float) -> float | None:
    """SIGTERM, then the seconds it took to exit, or None if it is still running after `timeout`."""
    signalled = time.time()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.time() - signalled


def memory_stalled(runner: Runner, settings: Settings, report: Report) -> None:
    """A reader that stops reading: feedcli must stop reading the socket, not buffer."""
    err = runner.stderr_file()
    with LoadGen(count=0, progress=0.25) as gen:
        proc = runner.popen(runner.stream_cmd(gen), stdout=subprocess.PIPE, stderr_path=err)
        assert proc.stdout is not None
        reader = PipeReader(proc.stdout, keep=False, stop_after=1)  # one read: a few lines
        reader.start()
        reader.stopped.wait(15)
        stalled_at = time.time()
        samples = sample_rss(proc, stalled_at + settings.stall_seconds)
        alive = proc.poll() is None
        time.sleep(0.3)  # let the last progress line in
        settled = stalled_at + 1.0  # the socket buffers have filled by then
        sent_settled, sent_end = gen.sent_by(settled), gen.sent_by(time.time() - 0.3)
        # how the end goes with a reader that is still stalled: SIGTERM, then the pipe closes
        # (not a target, but worth knowing: the shutdown flushes into a pipe nobody reads)
        sigterm_exit = signal_and_wait(proc, 3.0)
        second_sigterm_exit = signal_and_wait(proc, 2.0) if sigterm_exit is None else None
        proc.stdout.close()  # the reader goes away: EPIPE from here on
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            stop(proc)
        try:
            conn = gen.next_conn()
        except queue.Empty:
            conn = {}
    after_fill = [kb for t, kb in samples if t >= stalled_at + 1.0] or [kb for _, kb in samples]
    first, last = (after_fill[0], after_fill[-1]) if after_fill else (0, 0)
    growth_mb = (last - first) / 1024
    section = {
        "seconds": settings.stall_seconds,
        "lines_read": reader.lines,
        "alive_while_stalled": alive,
        "rss_kb": {"first": first, "last": last, "max": max((kb for _, kb in samples), default=0)},
        "growth_mb": growth_mb,
        "generator_sent_before_stall_settled": sent_settled,
        "generator_sent_while_stalled": sent_end - sent_settled,
        "generator_sent_total": conn.get("sent"),
        "exit_on_sigterm_s": sigterm_exit,
        "exit_on_second_sigterm_s": second_sigterm_exit,
        "exit_code": proc.returncode,
        "stderr": tail(err),
        "samples": [(round(t - stalled_at, 2), kb) for t, kb in samples],
    }
    report.sections["memory_stalled"] = section
    if not alive:
        report.errors.append(f"memory (stalled reader): feedcli ended during the stall; {tail(err)}")
    report.check(
        "RSS growth, reader stalled",
        growth_mb,
        "MB",
        "< 10 MB",
        alive and growth_mb < 10,
        f"{first / 1024:.1f} → {last / 1024:.1f} MB over {settings.stall_seconds:g}s; the generator got "
        f"{sent_end - sent_settled:,} msgs into the socket after the first second",
    )


# ====================================================================== 4. start-up
def time_command(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def startup(runner: Runner, settings: Settings, report: Report) -> None:
    version = time_command([*runner.feedcli, "--version"], settings.startup_runs, runner.env)
    help_ = time_command([*runner.feedcli, "--help"], settings.help_runs, runner.env)
    python = time_command([sys.executable, "-c", "pass"], 5, runner.env)
    report.sections["startup"] = {
        "version_ms": {"best": min(version), "median": statistics.median(version), "runs": version},
        "help_ms": {"best": min(help_), "median": statistics.median(help_), "runs": help_},
        "bare_python_ms": {"best": min(python), "median": statistics.median(python)},
    }
    median = statistics.median(version)
    report.check(
        "feedcli --version wall time (median)",
        median,
        "ms",
        "<= 150 ms",
        median <= 150,
        f"best {min(version):.0f} ms; --help median {statistics.median(help_):.0f} ms; "
        f"bare `python -c pass` {min(python):.0f} ms",
    )


# ====================================================================== output
def print_report(report: Report) -> None:
    out = sys.stdout.write
    meta = report.meta
    out(
        f"\nfeedcli stream benchmark ({'quick' if meta['quick'] else 'full'}) — Python {meta['python']}, "
        f"websockets {meta['websockets']}, {meta['cpus']} CPUs, {meta['date']}\n"
        f"load average before {meta['load_before']:.2f}, after {meta['load_after']:.2f} "
        "(other work on the machine makes rates noisy; the ratio is interleaved to cancel it)\n"
    )
    ceiling = report.sections.get("generator")
    if ceiling:
        out(f"generator ceiling (raw byte reader): {fmt_rate(ceiling['rate'])}\n")
    tp = report.sections.get("throughput")
    if tp:
        out(f"\nThroughput: {tp['messages']:,} messages per run, rates net of start-up (handshake → close)\n")
        out(f"  {'client':<20}{'best':>12}{'median':>12}{'wall':>9}{'to connect':>12}   runs\n")
        for key, label in (
            ("feedcli", "feedcli → devnull"),
            ("bare", "bare websockets"),
            ("bare_aiohttp", "bare aiohttp (info)"),
        ):
            s = tp[key]
            runs = ", ".join(fmt_rate(r["rate_net"]) for r in s["runs"])
            out(
                f"  {label:<20}{fmt_rate(s['best_rate']):>12}{fmt_rate(s['median_rate']):>12}"
                f"{s['median_wall']:>7.2f} s{s['median_to_connect'] * 1000:>9.0f} ms   {runs}\n"
            )
        out(f"  ratio feedcli/bare websockets: median {tp['ratio_median']:.2f}, best {tp['ratio_best']:.2f}\n")
        out("  (wall: spawn → exit, median; to connect: spawn → TCP accepted, the client's own start-up)\n")
    lat = report.sections.get("latency")
    if lat:
        out(f"\nLatency at {lat['rate']:,} msg/s, {lat['lines']:,} lines (ms)\n")
        out(f"  {'':<34}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}\n")
        for key, label in (
            ("recv_to_read_ms", "recv stamp → line read from pipe"),
            ("send_to_recv_ms", "generator send → recv stamp"),
            ("send_to_read_ms", "generator send → line read"),
        ):
            d = lat[key]
            out(f"  {label:<34}{d['p50']:>8.3f}{d['p90']:>8.3f}{d['p99']:>8.3f}{d['max']:>8.2f}\n")
    mem = report.sections.get("memory_consumed")
    if mem:
        r = mem["rss_kb"]
        out(
            f"\nMemory, reader keeps up ({mem['messages']:,} msgs, {mem['lines_read']:,} lines read): RSS MB "
            f"start {r['start'] / 1024:.1f}, early {r['early'] / 1024:.1f}, mid {r['mid'] / 1024:.1f}, "
            f"end {r['end'] / 1024:.1f}, max {r['max'] / 1024:.1f}\n"
        )
    stall = report.sections.get("memory_stalled")
    if stall:
        series = " ".join(f"{kb / 1024:.1f}" for _, kb in stall["samples"])
        out(f"\nMemory, reader stalled after {stall['lines_read']} lines, RSS MB every 0.5 s:\n  {series}\n")
        term, term2 = stall["exit_on_sigterm_s"], stall["exit_on_second_sigterm_s"]
        if term is not None:
            ending = f"exited in {term:.2f} s"
        elif term2 is not None:
            ending = f"did NOT exit within 3 s; a second SIGTERM ended it in {term2:.2f} s (rc {stall['exit_code']})"
        else:
            ending = "did NOT exit within 3 s, nor after a second SIGTERM; it ended when the pipe was closed"
        out(
            f"  generator: {stall['generator_sent_before_stall_settled']:,} msgs handed to the socket in the first "
            f"second, {stall['generator_sent_while_stalled']:,} after it (the socket is backed up when this is 0)\n"
            f"  SIGTERM with the reader still stalled: {ending}\n"
        )
    su = report.sections.get("startup")
    if su:
        version = su["version_ms"]
        out(
            f"\nStart-up: --version best {version['best']:.0f} ms, median {version['median']:.0f} ms; "
            f"--help best {su['help_ms']['best']:.0f} ms, median {su['help_ms']['median']:.0f} ms; "
            f"python -c pass {su['bare_python_ms']['best']:.0f} ms\n"
        )
    out("\n" + f"  {'figure':<40}{'value':>12}  {'target':<12}{'verdict':<8}note\n")
    for c in report.checks:
        value = "-" if c.value is None else f"{c.value:.2f} {c.unit}".strip()
        verdict = "-" if c.passed is None else ("PASS" if c.passed else "FAIL")
        out(f"  {c.name:<40}{value:>12}  {c.target:<12}{verdict:<8}{c.note}\n")
    for e in report.errors:
        out(f"  ! {e}\n")
    out(f"\nwritten: {RESULTS.relative_to(ROOT)}\n")


SECTIONS = ("generator", "throughput", "latency", "memory", "stall", "startup")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="feedcli stream benchmark (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (well under a minute)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--feedcli", help="the feedcli executable (default: the one beside this interpreter)")
    parser.add_argument("-n", type=int, help="messages per throughput run (overrides the preset)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.n:
        settings = Settings(**{**asdict(settings), "throughput_n": args.n})
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}

    import websockets

    report = Report(
        meta={
            "quick": args.quick,
            "settings": asdict(settings),
            "python": platform.python_version(),
            "websockets": websockets.__version__,
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "feedcli": find_feedcli(args.feedcli),
            "load_before": os.getloadavg()[0],
        }
    )
    steps = [
        ("generator", ceiling),
        ("throughput", throughput),
        ("latency", latency),
        ("memory", memory_consumed),
        ("stall", memory_stalled),
        ("startup", startup),
    ]
    with tempfile.TemporaryDirectory(prefix="feedcli-bench-") as tmp:
        runner = Runner(find_feedcli(args.feedcli), Path(tmp))
        for name, step in steps:
            if name not in wanted:
                continue
            sys.stderr.write(f"bench: {name} ...\n")
            t0 = time.monotonic()
            try:
                step(runner, settings, report)
            except Exception as exc:  # a broken scenario is reported, the others still run
                report.errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
            report.meta.setdefault("section_seconds", {})[name] = round(time.monotonic() - t0, 1)
    report.meta["load_after"] = os.getloadavg()[0]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(asdict(report), indent=1) + "\n")
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
