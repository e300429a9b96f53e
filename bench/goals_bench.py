"""`make bench`: every row of issue 13's goals table, each beside its baseline measured in the same run.

    .venv/bin/python bench/goals_bench.py            # full run, about 10 min on 2 quiet cores (3½ the book row)
    .venv/bin/python bench/goals_bench.py --quick    # one smaller run of each, about 2-3 minutes (4 when busy)
    .venv/bin/python bench/goals_bench.py --only ht,binance

The peers (picows, cryptofeed, websocat, ...) live in bench/.venv, made by `make bench-setup`,
never in feedcli's own environment; feedcli runs from the venv of this interpreter. Every
throughput client reads the same pre-framed generator (bench/loadgen.py, its own process),
in rounds that run each client once in a rotating order, after one warm-up each, so that
whatever else the machine does hits them all alike; figures are medians of the rounds and
rates are net of start-up: N / (the generator's first write → the client's end: the close
frame it sends after message N, or for a client that reports it, the moment it counted
message N). The crypto book row also times a steady-state window of each run (lines
700,000-950,000 of 1,000,000, stamped as the harness reads each client's stdout: WINDOW,
watch_window), its start-up being too long and too variable for the net rate to cancel.
A missing peer is a skipped row with its reason, never a failed run.

It prints one table per section, then the goals table with each ratio and its verdict,
writes bench/results/goals.json, and exits 0 whatever the figures: a report, not a test.
See bench/README.md for what each row means and the latest figures.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import json
import os
import platform
import queue
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
import record_bench
import replay_bench
import stream_bench
from _common import BENCH, ISIN, ROOT, LoadGen, Run, Runner, find_feedcli, fmt_rate, stop, tail

RESULTS = BENCH / "results" / "goals.json"
PEERS_VENV = BENCH / ".venv"
PEERS_PY = PEERS_VENV / "bin" / "python"
WEBSOCAT = PEERS_VENV / "bin" / "websocat"
BINANCE_PAIR = "BTC-USDT"
BINANCE_STREAM = "btcusdt@kline_1m"
SUBSCRIBE = json.dumps({"method": "SUBSCRIBE", "params": [BINANCE_STREAM], "id": 1}, separators=(",", ":"))


# ====================================================================== settings
@dataclass(frozen=True)
class Settings:
    ht_n: int
    binance_n: int
    repeats: int
    warmup_n: int
    replay_lines: int
    record_n: int
    memory_n: int
    stall_seconds: float
    startup_runs: int
    #: also run picows_sketch.py: feedcli's per-message work on picows, today's and candidates'
    sketches: bool = False
    #: the crypto book row's messages a run: long enough for its steady-state window (WINDOW)
    book_n: int = 1_000_000


FULL = Settings(500_000, 300_000, 3, 20_000, 500_000, 300_000, 1_000_000, 10.0, 10)
QUICK = Settings(200_000, 60_000, 1, 5_000, 100_000, 100_000, 150_000, 4.0, 3, book_n=60_000)
SECTIONS = ("ht", "binance", "crypto", "replay", "record", "startup", "memory")


@dataclass
class Goal:
    """One row of the issue's goals table."""

    figure: str
    value: float | None  # the ratio, or the absolute figure (ms, MB)
    unit: str  # "x" for a ratio
    goal: str
    passed: bool | None
    feedcli: str = ""
    baseline: str = ""
    note: str = ""


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goal(self, figure: str, value: float | None, unit: str, goal: str, ok: bool | None, **kw: str) -> None:
        self.goals.append(Goal(figure, value, unit, goal, ok, **kw))


# ====================================================================== throughput clients
@dataclass(frozen=True)
class Client:
    """One throughput client: how to start it against a generator, and where its run ends."""

    key: str
    label: str
    command: Callable[[LoadGen, int], list[str]]
    #: "close": the generator got its close frame; "done": it reports when it counted message N
    #: (a JSON line on stdout); "exit": the connection dropped (a client that exits after N)
    end: str = "close"
    #: why it cannot run here (a missing peer); None if it can
    missing: str | None = None
    #: the generator sends exactly N (False: it streams on, and the client's N are lines or
    #: callbacks that need not be one a message: feedcli's book lines)
    exact: bool = True
    #: the steady-state window (`watch_window`): the harness reads the client's stdout from a
    #: pipe and counts "lines" (feedcli's, each a message) or reads the "progress" counts it
    #: prints (cryptofeed_client.py --progress); None: stdout to /dev/null (or a file), no window
    watch: str | None = None


def peer_missing(*paths: Path) -> str | None:
    for path in paths:
        if not path.exists():
            return f"{path.relative_to(ROOT)} not found: run `make bench-setup`"
    return None


def sketch_clients(site: str, works: Sequence[str], url: Callable[[LoadGen], str]) -> list[Client]:
    """picows_sketch.py for each line maker in `works`: information rows, never a goal's baseline."""
    return [
        Client(
            f"sketch-{work}",
            f"sketch: picows + {work} lines, batched (info)",
            lambda g, k, work=work: [
                *("env", f"PYTHONPATH={ROOT}", str(PEERS_PY), str(BENCH / "picows_sketch.py"), url(g), str(k)),
                *("--site", site, "--work", work),
            ],
            end="done",
            missing=peer_missing(PEERS_PY),
        )
        for work in works
    ]


#: the steady-state window's marks: every this many messages the watcher stamps the time and
#: the client's CPU time (a multiple of PROGRESS_EVERY, so cryptofeed prints at each mark exactly)
MARK_EVERY = 5_000
#: cryptofeed_client.py --progress: a count line every this many callbacks (one write each)
PROGRESS_EVERY = 1_000
#: the book row's window, in messages: from the first mark at or past WINDOW[0] to the first at
#: or past WINDOW[1]. Both clients are past their start-up by then, and read the socket again:
#: feedcli's rate and CPU a line were flat from 20,000-105,000 lines on (as its 20 books
#: synced); cryptofeed's websockets queue (cryptofeed sets `max_queue=None`) takes in some
#: 200-400 MB of the generator's flood while its 20 snapshots are awaited, and its callbacks
#: drain that backlog, with no frame read from the socket, up to ~370,000 callbacks at load 1
#: (later at higher load): a window there has no receiving in it (bench/README.md). The end
#: is before N, so neither the last write nor the exit (feedcli's close frame and teardown,
#: cryptofeed's os._exit) is in it, and both are alive when their CPU time is read.
WINDOW = (700_000, 950_000)
#: the count at which the old figure's start-up-bound rate is also read (the row's N until
#: 2026-12-03): messages / (the generator's first write -> the mark), from the same stamps;
#: the quick run's book row (60,000) reaches neither
EARLY_MARK = 100_000
_TICK = os.sysconf("SC_CLK_TCK")


_PAGE = os.sysconf("SC_PAGE_SIZE")


def proc_cpu(pid: int) -> tuple[float, float]:
    """(CPU seconds, user + system, all threads; RSS MB) of process `pid` now; NaN if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan"), float("nan")
    return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[21]) * _PAGE / 1e6


def watch_window(fd: int, pid: int, mode: str, marks: list[list[float]], last: list[bytes]) -> None:
    """Read a client's stdout pipe to its end and stamp [count, time, CPU] at each mark.

    The reader is kept far cheaper than the client: one read of up to 1 MiB a wake-up, and
    for feedcli's lines only `bytes.count(b"\\n")` (C) on it; cryptofeed prints one count a
    thousand callbacks. Both are stamped the same way, when the harness sees the count pass a
    mark on the pipe, so the latency of a write reaching the reader is in both, at both
    ends of the window. `count` is what was seen at the stamp (a chunk may run past a mark).
    `last` gets the last line that is not a count (cryptofeed's JSON report).
    """
    count, pending = 0, b""
    due = MARK_EVERY
    while True:
        try:
            chunk = os.read(fd, 1 << 20)
        except OSError:
            break
        if not chunk:
            break
        if mode == "lines":
            count += chunk.count(b"\n")
        else:
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line.isdigit():
                    count = int(line)
                elif line.strip():
                    last[:] = [line]
        if count >= due:
            marks.append([count, time.time(), *proc_cpu(pid)])
            due = (count // MARK_EVERY + 1) * MARK_EVERY
    if pending.strip() and not pending.isdigit():
        last[:] = [pending]


def run_throughput(runner: Runner, gen: LoadGen, client: Client, n: int, timeout: float) -> Run:
    """One run of one client, its rate net of start-up (see the module docstring)."""
    err = runner.stderr_file()
    out = err.with_suffix(".out")
    marks: list[list[float]] = []
    last: list[bytes] = []
    # feedcli and the clients that print what they read write to /dev/null; a client that
    # reports its own end writes one JSON line, to a file; a watched client writes to a pipe
    # the harness reads (watch_window)
    with out.open("wb") if client.end == "done" else open(os.devnull, "wb") as sink:
        # the CPU time of the client: what the harness's waited-for children used meanwhile
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        watcher = None
        if client.watch:
            read_fd, write_fd = os.pipe()
            with contextlib.suppress(OSError):  # 1 MiB, the default limit: the client never waits for the reader
                fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
            stdout = write_fd
        else:
            stdout = sink.fileno()
        started = time.time()
        proc = runner.popen(client.command(gen, n), stdout=stdout, stderr_path=err)
        if client.watch:
            os.close(write_fd)
            watcher = threading.Thread(
                target=watch_window, args=(read_fd, proc.pid, client.watch, marks, last), daemon=True
            )
            watcher.start()
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            rc = -1
        ended = time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if watcher is not None:
            watcher.join(10.0)
            os.close(read_fd)
            if last:
                sink.write(last[0] + b"\n")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        conn = gen.next_conn(10.0 if rc == 0 else 2.0)
    except queue.Empty:
        note = f"rc={rc}, no connection; {tail(err)}"
        return Run(client.key, ended - started, float("nan"), 0.0, 0.0, rc, note=note, cpu=cpu)
    said: dict[str, Any] = {}
    if client.end == "done":
        with contextlib.suppress(ValueError, OSError):
            said = json.loads(out.read_text().strip().splitlines()[-1])
    begin = conn["first_write"] or conn["handshake"] or conn["accepted"]
    if client.end == "done" and said.get("done"):
        finish = said["done"]
    elif client.end == "close" and conn["close_rcvd"]:
        finish = conn["close_rcvd"]
    else:
        finish = conn["end"]
    problems = []
    if rc != 0:
        problems.append(f"rc={rc}")
    if client.exact and conn["sent"] != n:
        problems.append(f"generator sent {conn['sent']} of {n}")
    if said and said.get("received") != n:
        problems.append(f"client counted {said.get('received')} of {n}")
    if client.end == "close" and not conn["close_rcvd"]:
        problems.append("no close frame (rate ends at the disconnect)")
    note = "; ".join(problems) + (f"; {tail(err)}" if problems and rc != 0 else "")
    net = max(1e-9, finish - begin)
    to_connect = conn["accepted"] - started
    window = window_figures(marks, begin, gen) if client.watch else None
    return Run(
        *(client.key, ended - started, net, n / net, n / (ended - started), rc, to_connect, note),
        cpu=cpu,
        marks=marks,
        begin=begin,
        window=window,
    )


def rounds(
    runner: Runner, gen: LoadGen, clients: Sequence[Client], settings: Settings, n: int, report: Report, section: str
) -> dict[str, list[Run]]:
    """A warm-up of each, then `repeats` rounds, each client once a round, the order rotated."""
    ready = [c for c in clients if c.missing is None]
    timeout = 60 + n / 5_000
    runs: dict[str, list[Run]] = {c.key: [] for c in ready}
    for client in ready:
        sys.stderr.write(f"bench: {section}: warm-up {client.key}\n")
        # kept (first in the list, marked by its message count) for the CPU time per message
        warm = run_throughput(runner, gen, client, min(settings.warmup_n, n), timeout)
        runs[client.key].append(warm)
    for r in range(settings.repeats):
        order = ready[r % len(ready) :] + ready[: r % len(ready)]
        sys.stderr.write(f"bench: {section}: round {r + 1}/{settings.repeats}: {', '.join(c.key for c in order)}\n")
        for client in order:
            run = run_throughput(runner, gen, client, n, timeout)
            if run.note:
                report.errors.append(f"{section} {client.key}: {run.note}")
            runs[client.key].append(run)
    return runs


def window_figures(
    marks: Sequence[Sequence[float]], begin: float, gen: LoadGen | None = None
) -> dict[str, float] | None:
    """The steady-state window of one run (WINDOW): its rate, its CPU µs a message, the rates of
    its two halves (close to each other if the window is past the start-up), the client's RSS at
    both ends and the frames the generator handed on meanwhile (about one a message if the
    client reads the socket in the window, fewer if it drains a backlog it holds in memory);
    None if the run never reached the window's end."""
    start = next((m for m in marks if m[0] >= WINDOW[0]), None)
    end = next((m for m in marks if m[0] >= WINDOW[1]), None)
    if start is None or end is None or end[0] <= start[0] or end[1] <= start[1]:
        return None
    middle = min(marks, key=lambda m: abs(m[0] - (start[0] + end[0]) / 2))
    halves = [
        (b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else float("nan") for a, b in ((start, middle), (middle, end))
    ]
    early = next((m for m in marks if m[0] >= EARLY_MARK), None)
    return {
        "early_rate": early[0] / (early[1] - begin) if early and begin and early[1] > begin else float("nan"),
        "from": start[0],
        "to": end[0],
        "seconds": end[1] - start[1],
        "rate": (end[0] - start[0]) / (end[1] - start[1]),
        "cpu_us": (end[2] - start[2]) / (end[0] - start[0]) * 1e6,
        "first_half": halves[0],
        "second_half": halves[1],
        "rss_mb": [start[3], end[3]],
        "frames_sent": gen.sent_by(end[1]) - gen.sent_by(start[1]) if gen is not None else float("nan"),
    }


def summarize(clients: Sequence[Client], runs: dict[str, list[Run]], n: int, warm_n: int) -> dict[str, Any]:
    """Medians of the measured runs; CPU µs a message from each run against the warm-up.

    CPU time per message is (CPU of a run of n − CPU of the warm-up of warm_n) / (n − warm_n):
    the start-up, the same in both, cancels out. Unlike the wall-clock rates it hardly moves
    when other work shares the cores (it counts what the client did, not how long it waited
    for a core): it is the work per message, a steadier figure on a busy machine, but not
    the throughput: a client that is not busy all the time (cryptofeed here) reads fewer
    messages a second than its CPU time says. The warm-up also writes feedcli's bytecode
    caches, which makes its CPU time a little higher (about 0.1 µs a message, in feedcli's
    favour). Too small a difference to mean anything (a fast client's short run) is None.
    """
    out: dict[str, Any] = {}
    for client in clients:
        if client.missing is not None:
            out[client.key] = {"label": client.label, "skipped": client.missing}
            continue
        warm, *rs = runs[client.key]
        good = [r for r in rs if r.rate_net > 0 and r.rc == 0] or rs
        rates = [r.rate_net for r in good]
        cpu_us = [(r.cpu - warm.cpu) / (n - warm_n) * 1e6 for r in good if n > warm_n and warm.rc == 0]
        # start-up CPU varies by some 10 ms from run to run: for a client that reads N messages
        # in well under a second that is no figure (it can even come out negative)
        cpu = statistics.median(cpu_us) if cpu_us else None
        out[client.key] = {
            "label": client.label,
            "median_rate": statistics.median(rates),
            "best_rate": max(rates),
            "spread": (max(rates) - min(rates)) / statistics.median(rates) if statistics.median(rates) else 0.0,
            "median_wall": statistics.median(r.wall for r in good),
            "median_to_connect": statistics.median(r.to_connect for r in good),
            "cpu_us_per_message": cpu if cpu is not None and cpu > 0.05 else None,
            "runs": [asdict(r) for r in rs],
            "warmup": asdict(warm),
        }
        windows = [r.window for r in good if r.window is not None]
        if windows:
            out[client.key]["window"] = {
                "median_rate": statistics.median(w["rate"] for w in windows),
                "median_early_rate": statistics.median(w["early_rate"] for w in windows),
                "median_cpu_us": statistics.median(w["cpu_us"] for w in windows),
                "runs": windows,
            }
    return out


def ratio_goal(
    report: Report, summary: dict[str, Any], figure: str, ours: str, theirs: str, target: float, unit_label: str = ""
) -> None:
    a, b = summary.get(ours, {}), summary.get(theirs, {})
    if "median_rate" not in a or "median_rate" not in b:
        why = b.get("skipped") or a.get("skipped") or "a client did not run"
        report.goal(figure, None, "x", f">= {target:g}x", None, note=f"not measured: {why}")
        return
    ratio = a["median_rate"] / b["median_rate"] if b["median_rate"] else 0.0
    note = f"best-of ratio {a['best_rate'] / b['best_rate']:.2f}x"
    if a.get("cpu_us_per_message") and b.get("cpu_us_per_message"):
        note += (
            f"; CPU-time ratio {b['cpu_us_per_message'] / a['cpu_us_per_message']:.2f}x "
            f"({a['cpu_us_per_message']:.2f} vs {b['cpu_us_per_message']:.2f} µs/msg)"
        )
    report.goal(
        figure,
        ratio,
        "x",
        f">= {target:g}x",
        ratio >= target,
        feedcli=fmt_rate(a["median_rate"]) + unit_label,
        baseline=fmt_rate(b["median_rate"]) + unit_label,
        note=note,
    )
    wa, wb = a.get("window"), b.get("window")
    if wa and wb:
        w_ratio = wa["median_rate"] / wb["median_rate"]
        cpu_ratio = wb["median_cpu_us"] / wa["median_cpu_us"] if wa["median_cpu_us"] > 0 else float("nan")
        report.goal(
            f"{figure}, steady state",
            w_ratio,
            "x",
            f">= {target:g}x",
            w_ratio >= target,
            feedcli=fmt_rate(wa["median_rate"]) + unit_label,
            baseline=fmt_rate(wb["median_rate"]) + unit_label,
            note=f"messages {WINDOW[0]:,}-{WINDOW[1]:,} of each run, timed on its stdout; CPU-time ratio "
            f"{cpu_ratio:.2f}x ({wa['median_cpu_us']:.2f} vs {wb['median_cpu_us']:.2f} µs/msg); the first "
            f"{EARLY_MARK:,} net of start-up {wa['median_early_rate'] / wb['median_early_rate']:.2f}x "
            f"({fmt_rate(wa['median_early_rate'])} vs {fmt_rate(wb['median_early_rate'])})",
        )


# ====================================================================== generator ceiling
def raw_ceiling(gen: LoadGen, path: str, expected: int, headers: str = "") -> float:
    """Seconds a reader that only counts bytes takes to get `expected` bytes from the generator."""
    import base64

    with socket.create_connection(("127.0.0.1", gen.port)) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n"
            ).encode()
        )
        view = memoryview(bytearray(1 << 20))
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
    conn = gen.next_conn()
    return done - (conn["first_write"] or conn["handshake"])


# ====================================================================== 1. HT
#: other feedcli executables (`--variant NAME=EXE`) run in the HT and crypto rounds beside the one
#: measured, interleaved with it: an A/B of changes (a wrapper running another checkout) in the same rounds
VARIANTS: list[tuple[str, str]] = []
#: the crypto section's rows (`--crypto trades`: the trades row alone, about half the time)
CRYPTO_ROWS: list[str] = ["trades", "book"]


def _variant_cmd(runner: Runner, exe: str) -> Callable[[LoadGen, int], list[str]]:
    def cmd(g: LoadGen, k: int) -> list[str]:
        return [exe, *runner.stream_cmd(g, "--limit", str(k))[len(runner.feedcli) :]]

    return cmd


def ht(runner: Runner, settings: Settings, report: Report) -> None:
    """HT best-limit, ~490-byte frames: feedcli stream > /dev/null beside the count-only clients."""
    from loadgen import Corpus

    n = settings.ht_n
    py = str(PEERS_PY)
    auth = "Authorization: bench-token"
    clients = [
        Client("feedcli", "feedcli stream tse > /dev/null", lambda g, k: runner.stream_cmd(g, "--limit", str(k))),
        Client(
            "picows",
            "picows count-only (asyncio loop)",
            lambda g, k: [py, str(BENCH / "picows_client.py"), g.ws_url, str(k), "--header", auth],
            end="done",
            missing=peer_missing(PEERS_PY),
        ),
        Client(
            "picows-uvloop",
            "picows count-only (uvloop), info",
            lambda g, k: [py, str(BENCH / "picows_client.py"), g.ws_url, str(k), "--header", auth, "--loop", "uvloop"],
            end="done",
            missing=peer_missing(PEERS_PY),
        ),
        Client(
            "aiohttp",
            "aiohttp count-only",
            lambda g, k: [py, str(BENCH / "bare_client.py"), g.ws_url, str(k), "aiohttp"],
            missing=peer_missing(PEERS_PY),
        ),
        Client(
            "websocat",
            "websocat > /dev/null",
            lambda g, k: [str(WEBSOCAT), g.ws_url, "-t", "-n", "--max-messages-rev", str(k), "-H", auth],
            end="exit",
            missing=peer_missing(WEBSOCAT),
        ),
        Client(
            "websockets",
            "websockets count-only",
            lambda g, k: [py, str(BENCH / "bare_client.py"), g.ws_url, str(k), "websockets"],
            missing=peer_missing(PEERS_PY),
        ),
    ]
    if settings.sketches:
        clients += sketch_clients("ht", ("today", "msgspec"), lambda g: g.ws_url)
    for name, exe in VARIANTS:
        clients.append(Client(f"variant {name}", f"feedcli variant {name}, info", _variant_cmd(runner, exe)))
    corpus = Corpus.build()
    with LoadGen(count=n) as gen:
        ceiling = raw_ceiling(gen, f"/x?symbol_isins={ISIN}", corpus.bytes_for(n))
        runs = rounds(runner, gen, clients, settings, n, report, "ht")
    summary = summarize(clients, runs, n, min(settings.warmup_n, n))
    frame = corpus.bytes_for(len(corpus.frames)) / len(corpus.frames)
    report.sections["ht"] = {
        "messages": n,
        "frame_bytes": frame,
        "generator_ceiling": n / ceiling,
        "clients": summary,
    }
    ratio_goal(report, summary, "HT stream to /dev/null / picows count-only", "feedcli", "picows", 0.35)


# ====================================================================== 2. Binance klines
def binance(runner: Runner, settings: Settings, report: Report) -> None:
    """Binance klines, ~375-byte frames: feedcli stream binance beside cryptofeed and picows."""
    from binance_site import BinanceSite

    n = settings.binance_n
    py = str(PEERS_PY)

    def feedcli(g: LoadGen, k: int) -> list[str]:
        return [
            *runner.feedcli,
            *("stream", "binance", "--url", g.http_url, "--pair", BINANCE_PAIR, "--interval", "1m"),
            *("--backfill", "0", "--limit", str(k)),
        ]

    def stream_url(g: LoadGen) -> str:
        return f"ws://127.0.0.1:{g.port}/stream?streams={BINANCE_STREAM}"

    clients = [
        Client("feedcli", "feedcli stream binance > /dev/null", feedcli),
        Client(
            "cryptofeed",
            "cryptofeed Binance CANDLES, count-only (uvloop)",
            lambda g, k: [py, str(BENCH / "cryptofeed_client.py"), g.http_url, str(k)],
            end="done",
            missing=peer_missing(PEERS_PY),
        ),
        Client(
            "picows",
            "picows count-only (asyncio loop), info",
            lambda g, k: [py, str(BENCH / "picows_client.py"), stream_url(g), str(k)],
            end="done",
            missing=peer_missing(PEERS_PY),
        ),
    ]
    if settings.sketches:
        clients += sketch_clients("binance", ("today", "cached-times", "msgspec"), stream_url)
    corpus = BinanceSite(1000).corpus(BINANCE_STREAM, True)
    assert corpus is not None
    with LoadGen(count=n, site="binance") as gen:
        ceiling = raw_ceiling(gen, f"/stream?streams={BINANCE_STREAM}", corpus.bytes_for(n))
        runs = rounds(runner, gen, clients, settings, n, report, "binance")
    summary = summarize(clients, runs, n, min(settings.warmup_n, n))
    report.sections["binance"] = {
        "messages": n,
        "frame_bytes": corpus.bytes_for(len(corpus.frames)) / len(corpus.frames),
        "generator_ceiling": n / ceiling,
        "clients": summary,
    }
    ratio_goal(report, summary, "Binance klines to /dev/null / cryptofeed", "feedcli", "cryptofeed", 2.0)


# ====================================================================== 3. crypto trades and book
CRYPTO_SYMBOLS = 20


def crypto(runner: Runner, settings: Settings, report: Report) -> None:
    """Trades and book lines over 20 pairs on one connection, beside cryptofeed's TRADES and L2_BOOK.

    Trades: the generator sends exactly N trades, one of each pair in turn, ids rising per pair
    through the whole run (the corpus is as long as the run: feedcli drops a trade whose id is
    not above the last it wrote for its pair). Book: `<symbol>@depth@100ms` diffs and REST
    snapshots that match them (binance_site.DepthBook); feedcli writes a line per diff once in
    sync, but one line for all the diffs it held while its snapshots were on their way, and
    cryptofeed holds none (it reads no further until each snapshot is in), so the generator
    streams on and each client stops at its own N: N book lines for feedcli, N diff callbacks
    for cryptofeed. The generator's snapshots are the book as of the call and its diffs' ids go
    on across passes of the corpus (binance_site.DepthStream), so a run may outlast the corpus.
    """
    from binance_site import SYMBOLS, BinanceSite

    py = str(PEERS_PY)
    pairs = [f"{base}-{quote}" for base, quote, _ in list(SYMBOLS.values())[:CRYPTO_SYMBOLS]]
    symbols = [s.lower() for s in list(SYMBOLS)[:CRYPTO_SYMBOLS]]
    pair_args = [a for p in pairs for a in ("--pair", p)]
    rows = (
        ("trades", "trade", settings.binance_n, "crypto trades lines / cryptofeed trades (20 pairs)", "TRADES"),
        (
            "book",
            "depth@100ms",
            settings.book_n,
            "crypto book lines / cryptofeed L2 book (20 pairs)",
            "L2_BOOK",
        ),
    )
    report.sections["crypto"] = {}
    for channel, kind, n, figure, theirs in rows:
        if channel not in CRYPTO_ROWS:
            continue
        streams = [f"{s}@{kind}" for s in symbols]
        book = channel == "book"
        # the book's diff ids go on across passes of the corpus: 260,000 frames serve any N
        distinct = 260_000 if book else n

        def feedcli(g: LoadGen, k: int, channel: str = channel, exe: Sequence[str] = runner.feedcli) -> list[str]:
            cmd = [*exe, "stream", "binance", "--url", g.http_url, *pair_args, "--channel", channel]
            return [*cmd, *(("--depth", "10") if channel == "book" else ()), "--limit", str(k)]

        def peer(g: LoadGen, k: int, channel: str = channel) -> list[str]:
            cmd = [py, str(BENCH / "cryptofeed_client.py"), g.http_url, str(k), "--channel", channel, *pair_args]
            return [*cmd, *(("--depth", "10", "--progress", str(PROGRESS_EVERY)) if channel == "book" else ())]

        # the book row: each client's steady-state window too, from its stdout (watch_window)
        lines_out = "| harness" if book else "> /dev/null"
        clients = [
            Client(
                "feedcli",
                f"feedcli stream binance --channel {channel} {lines_out}",
                feedcli,
                exact=not book,
                watch="lines" if book else None,
            ),
            Client(
                "cryptofeed",
                f"cryptofeed Binance {theirs}, count-only (uvloop)",
                peer,
                end="done",
                missing=peer_missing(PEERS_PY),
                exact=not book,
                watch="progress" if book else None,
            ),
        ]
        for name, exe in VARIANTS:
            variant = functools.partial(feedcli, exe=[exe])
            clients.append(
                Client(
                    f"variant {name}",
                    f"feedcli variant {name}, info",
                    variant,
                    exact=not book,
                    watch="lines" if book else None,
                )
            )
        key = f"crypto-{channel}"
        sys.stderr.write(f"bench: {key}: building {distinct:,} frames ...\n")
        corpus = BinanceSite(distinct).corpus(streams, True)
        assert corpus is not None
        # book: the generator's progress (every 0.2 s) says what it sent in each client's window
        with LoadGen(count=0 if book else n, distinct=distinct, site="binance", progress=0.2 if book else 0.0) as gen:
            # the generator builds its corpus at the first request: this one, not a client's
            ceiling = raw_ceiling(gen, "/stream?streams=" + "/".join(streams), corpus.bytes_for(n))
            runs = rounds(runner, gen, clients, settings, n, report, key)
        summary = summarize(clients, runs, n, min(settings.warmup_n, n))
        report.sections[key] = {
            "messages": n,
            "pairs": len(pairs),
            "frame_bytes": corpus.bytes_for(len(corpus.frames)) / len(corpus.frames),
            "generator_ceiling": n / ceiling,
            "clients": summary,
        }
        ratio_goal(report, summary, figure, "feedcli", "cryptofeed", 2.0)


# ====================================================================== 4. replay
def replay(runner: Runner, settings: Settings, report: Report) -> None:
    """`replay --speed 0` beside a plain orjson read-parse-write loop and `jq -c .`, interleaved."""
    n = settings.replay_lines
    jq = shutil.which("jq")
    python = feedcli_python(runner)
    work = runner.workdir / "replay"
    work.mkdir()
    plain, one = work / "bench.ndjson", work / "one.ndjson"
    sys.stderr.write(f"bench: replay: generating {n:,} lines ...\n")
    size, _, _ = replay_bench.generate(plain, n)
    with plain.open("rb") as f:
        one.write_bytes(f.readline())
    tools: dict[str, Callable[[Path], list[str]]] = {
        "feedcli": lambda p: [*runner.feedcli, "replay", "--speed", "0", str(p)],
        "orjson": lambda p: [python, str(BENCH / "orjson_loop.py"), str(p)],
    }
    if jq:
        tools["jq"] = lambda p: [jq, "-c", ".", str(p)]
    # correctness first: a fast replay that loses lines would be no figure at all
    written = replay_bench.count_lines(tools["feedcli"](plain), runner.env)
    if written != n:
        report.errors.append(f"replay: feedcli wrote {written:,} lines of {n:,}")
    wall: dict[str, list[float]] = {k: [] for k in tools}
    startup: dict[str, list[float]] = {k: [] for k in tools}
    keys = list(tools)
    for r in range(max(settings.repeats, 1)):
        order = keys[r % len(keys) :] + keys[: r % len(keys)]
        sys.stderr.write(f"bench: replay: round {r + 1}/{settings.repeats}: {', '.join(order)}\n")
        for key in order:
            startup[key].append(replay_bench.timed(tools[key](one), runner.env))
            wall[key].append(replay_bench.timed(tools[key](plain), runner.env))
    figures: dict[str, Any] = {}
    for key in keys:
        w, s = statistics.median(wall[key]), statistics.median(startup[key])
        figures[key] = {
            "rate_wall": n / w,
            "rate_net": n / max(1e-9, w - s),
            "startup_s": s,
            "runs_s": wall[key],
            "startup_runs_s": startup[key],
        }
    report.sections["replay"] = {"lines": n, "bytes": size, "tools": figures, "jq": jq or None}
    ours = figures["feedcli"]["rate_net"]
    base = figures["orjson"]["rate_net"]
    report.goal(
        "replay --speed 0 / plain orjson read-parse-write loop",
        ours / base,
        "x",
        ">= 1x",
        ours / base >= 1.0,
        feedcli=fmt_rate(ours),
        baseline=fmt_rate(base),
        note=f"{n:,} lines of {size / n:.0f} B; wall rates {fmt_rate(figures['feedcli']['rate_wall'])} "
        f"vs {fmt_rate(figures['orjson']['rate_wall'])}",
    )
    if "jq" in figures:
        base = figures["jq"]["rate_net"]
        report.goal(
            "replay --speed 0 / jq -c .",
            ours / base,
            "x",
            ">= 10x",
            ours / base >= 10.0,
            feedcli=fmt_rate(ours),
            baseline=fmt_rate(base),
        )
    else:
        report.goal("replay --speed 0 / jq -c .", None, "x", ">= 10x", None, note="not measured: jq not found")


def feedcli_python(runner: Runner) -> str:
    """The interpreter feedcli runs on (the baseline loop must use the same Python and orjson)."""
    beside = Path(runner.feedcli[0]).with_name("python")
    return str(beside) if beside.exists() else sys.executable


# ====================================================================== 5. record
def record(runner: Runner, settings: Settings, report: Report) -> None:
    """`record --compress zstd` into a file on the repository's disk beside `stream > /dev/null`."""
    n = settings.record_n
    clients = ("stream", "record zstd")
    out_dir = BENCH / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    sub = record_bench.Report()
    with (
        tempfile.TemporaryDirectory(prefix=".goals-record-", dir=out_dir) as tmp,
        LoadGen(count=n, distinct=20_000) as gen,
    ):
        bench = record_bench.Bench(runner, gen, Path(tmp), None)
        runs: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
        for client in clients:
            sys.stderr.write(f"bench: record: warm-up {client}\n")
            bench.run(client, min(settings.warmup_n, n), None)
        for r in range(settings.repeats):
            order = clients[r % 2 :] + clients[: r % 2]
            sys.stderr.write(f"bench: record: round {r + 1}/{settings.repeats}: {', '.join(order)}\n")
            for client in order:
                runs[client].append(bench.run(client, n, sub))
    report.errors.extend(f"record: {e}" for e in sub.errors)
    summary = record_bench.summarize({"bare": runs["stream"], **runs}, n)
    summary.pop("bare")
    report.sections["record"] = {"messages": n, "distinct": 20_000, "clients": summary}
    ours, base = summary["record zstd"]["median_rate"], summary["stream"]["median_rate"]
    report.goal(
        "record --compress zstd / stream",
        ours / base,
        "x",
        ">= 0.8x",
        ours / base >= 0.8,
        feedcli=fmt_rate(ours),
        baseline=fmt_rate(base),
        note=f"best-of ratio {summary['record zstd']['best_rate'] / summary['stream']['best_rate']:.2f}x; "
        f"{summary['record zstd'].get('bytes_per_message', 0):.0f} B/msg on disk",
    )


# ====================================================================== 6. start-up
def startup(runner: Runner, settings: Settings, report: Report) -> None:
    """Wall time of `--help` and `stream tse --help` (hyperfine if installed, else a loop of runs)."""
    commands = {
        "feedcli --help": [*runner.feedcli, "--help"],
        "feedcli stream tse --help": [*runner.feedcli, "stream", "tse", "--help"],
        "feedcli --version": [*runner.feedcli, "--version"],
        "python -c pass": [feedcli_python(runner), "-c", "pass"],
    }
    hyperfine = shutil.which("hyperfine")
    results: dict[str, dict[str, Any]] = {}
    if hyperfine and all(" " not in a for cmd in commands.values() for a in cmd):
        export = runner.workdir / "hyperfine.json"
        cmd = [hyperfine, "-N", "--warmup", "2", "--runs", str(settings.startup_runs), "--export-json", str(export)]
        cmd += ["--style", "none", *(" ".join(c) for c in commands.values())]
        subprocess.run(cmd, env=runner.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        for name, res in zip(commands, json.loads(export.read_text())["results"], strict=True):
            times = [t * 1000 for t in res["times"]]
            results[name] = {"median_ms": statistics.median(times), "min_ms": min(times), "runs_ms": times}
            # CPU time (user + system, mean): steadier than wall time when other work shares the cores
            results[name]["cpu_ms"] = (res.get("user", 0.0) + res.get("system", 0.0)) * 1000
        tool = "hyperfine"
    else:
        for name, c in commands.items():
            stream_bench.time_command(c, 1, runner.env)  # warm-up
            times = stream_bench.time_command(c, settings.startup_runs, runner.env)
            results[name] = {"median_ms": statistics.median(times), "min_ms": min(times), "runs_ms": times}
        tool = "a loop of runs (hyperfine not found)"
    report.sections["startup"] = {"tool": tool, "runs": settings.startup_runs, "commands": results}
    scale = f"--version {results['feedcli --version']['median_ms']:.0f} ms, python -c pass "
    scale += f"{results['python -c pass']['median_ms']:.0f} ms"
    for name in ("feedcli --help", "feedcli stream tse --help"):
        ms = results[name]["median_ms"]
        cpu = f"CPU {results[name]['cpu_ms']:.0f} ms; " if "cpu_ms" in results[name] else ""
        report.goal(name, ms, "ms", "<= 150 ms", ms <= 150, feedcli=f"{ms:.0f} ms", note=f"median; {cpu}{scale}")


# ====================================================================== 7. memory
def memory(runner: Runner, settings: Settings, report: Report) -> None:
    """RSS streaming N messages into a pipe that is read; then with a reader that stalls."""
    inner = stream_bench.Settings(0, 0, 0, 0.0, settings.memory_n, settings.stall_seconds, 0, 0)
    sub = stream_bench.Report()
    stream_bench.memory_consumed(runner, inner, sub)
    stream_bench.memory_stalled(runner, inner, sub)
    report.errors.extend(f"memory: {e}" for e in sub.errors)
    report.sections["memory"] = sub.sections
    consumed, stalled = sub.sections["memory_consumed"], sub.sections["memory_stalled"]
    peak = consumed["rss_kb"]["max"] / 1024
    report.goal(
        f"RSS streaming {settings.memory_n / 1e6:g}M messages (max)",
        peak,
        "MB",
        "<= 60 MB",
        peak <= 60,
        feedcli=f"{peak:.1f} MB",
        note=f"growth after the first 10-30 % {consumed['growth_mb']:+.1f} MB; "
        f"{fmt_rate(consumed['rate'])} into a pipe",
    )
    growth = stalled["growth_mb"]
    flat = stalled["alive_while_stalled"] and growth < 2.0 and stalled["generator_sent_while_stalled"] == 0
    report.goal(
        "RSS with a stalled reader (growth)",
        growth,
        "MB",
        "flat",
        flat,
        feedcli=f"{stalled['rss_kb']['last'] / 1024:.1f} MB",
        note=f"over {settings.stall_seconds:g} s after the buffers filled (flat: < 2 MB and the generator got "
        f"{stalled['generator_sent_while_stalled']:,} msgs in, 0 wanted)",
    )


# ====================================================================== output
def print_report(report: Report) -> None:
    out = sys.stdout.write
    m = report.meta
    out(
        f"\nfeedcli beside its peers, issue 13 ({'quick' if m['quick'] else 'full'} run) — Python {m['python']}, "
        f"{m['cpus']} CPUs, {m['date']}\n"
        f"load average before {m['load_before']:.2f}, after {m.get('load_after', float('nan')):.2f}; "
        f"{m['settings']['repeats']} interleaved round(s), medians; rates net of start-up\n"
    )
    titles = (("ht", "HT best-limit"), ("binance", "Binance klines"))
    titles += (("crypto-trades", "Binance trades, 20 pairs"), ("crypto-book", "Binance depth diffs, 20 pairs"))
    for key, title in titles:
        s = report.sections.get(key)
        if not s:
            continue
        out(
            f"\n{title}: {s['messages']:,} messages a run, {s['frame_bytes']:.0f}-byte frames; generator ceiling "
            f"(raw byte reader) {fmt_rate(s['generator_ceiling'])}\n"
        )
        out(f"  {'client':<52}{'median':>11}{'best':>11}{'spread':>8}{'CPU/msg':>10}{'wall':>9}   runs\n")
        for c in s["clients"].values():
            if "skipped" in c:
                out(f"  {c['label']:<52}{'skipped':>11}   {c['skipped']}\n")
                continue
            runs = ", ".join(fmt_rate(r["rate_net"]) for r in c["runs"])
            cpu = "-" if c["cpu_us_per_message"] is None else f"{c['cpu_us_per_message']:.2f} µs"
            out(
                f"  {c['label']:<52}{fmt_rate(c['median_rate']):>11}{fmt_rate(c['best_rate']):>11}"
                f"{c['spread'] * 100:>7.0f}%{cpu:>10}{c['median_wall']:>7.2f} s   {runs}\n"
            )
        windows = {c["label"]: c["window"] for c in s["clients"].values() if c.get("window")}
        if windows:
            out(f"  steady state: messages {WINDOW[0]:,}-{WINDOW[1]:,} of each run, timed on the client's stdout\n")
            out(f"  {'client':<52}{'median':>11}{'CPU/msg':>10}{'to 100k':>10}   runs (first half / second half)\n")
            for label, w in windows.items():
                runs = ", ".join(
                    f"{fmt_rate(r['rate'])} ({fmt_rate(r['first_half'])} / {fmt_rate(r['second_half'])}; "
                    f"{r['frames_sent'] / max(1, r['to'] - r['from']):.2f} frames sent a message, "
                    f"RSS {r['rss_mb'][0]:.0f}->{r['rss_mb'][1]:.0f} MB)"
                    for r in w["runs"]
                )
                out(
                    f"  {label:<52}{fmt_rate(w['median_rate']):>11}{w['median_cpu_us']:>7.2f} µs"
                    f"{fmt_rate(w['median_early_rate']):>10}   {runs}\n"
                )
    rp = report.sections.get("replay")
    if rp:
        out(f"\nreplay: {rp['lines']:,} lines, {rp['bytes'] / 1e6:.0f} MB, to /dev/null\n")
        out(f"  {'tool':<52}{'net':>11}{'wall':>11}{'start-up':>10}\n")
        labels = {"feedcli": "feedcli replay --speed 0", "orjson": "orjson read-parse-write loop", "jq": "jq -c ."}
        for key, f in rp["tools"].items():
            out(
                f"  {labels[key]:<52}{fmt_rate(f['rate_net']):>11}{fmt_rate(f['rate_wall']):>11}"
                f"{f['startup_s'] * 1000:>7.0f} ms\n"
            )
    rc = report.sections.get("record")
    if rc:
        out(f"\nrecord: {rc['messages']:,} messages a run ({rc['distinct']:,} distinct), files on this disk\n")
        out(f"  {'client':<52}{'median':>11}{'best':>11}   runs\n")
        for key, c in rc["clients"].items():
            runs = ", ".join(fmt_rate(r["rate_net"]) for r in c["runs"])
            out(f"  {key:<52}{fmt_rate(c['median_rate']):>11}{fmt_rate(c['best_rate']):>11}   {runs}\n")
    su = report.sections.get("startup")
    if su:
        out(f"\nstart-up ({su['tool']}, {su['runs']} runs): ")
        out(", ".join(f"{k} {v['median_ms']:.0f} ms" for k, v in su["commands"].items()) + "\n")
        if all("cpu_ms" in v for v in su["commands"].values()):
            out("  CPU (user + system): " + ", ".join(f"{k} {v['cpu_ms']:.0f} ms" for k, v in su["commands"].items()))
            out("\n")
    mem = report.sections.get("memory")
    if mem:
        series = " ".join(f"{kb / 1024:.1f}" for _, kb in mem["memory_stalled"]["samples"])
        out(f"\nstalled reader, RSS MB every 0.5 s: {series}\n")

    out(f"\n  {'figure':<54}{'feedcli':>14}{'baseline':>14}{'value':>10}  {'goal':<11}{'verdict':<8}note\n")
    for g in report.goals:
        if g.value is None:
            value = "-"
        elif g.unit == "x":
            value = f"{g.value:.2f}x"
        else:
            value = f"{g.value:.1f} {g.unit}" if g.unit == "MB" else f"{g.value:.0f} {g.unit}"
        verdict = "-" if g.passed is None else ("PASS" if g.passed else "FAIL")
        out(f"  {g.figure:<54}{g.feedcli:>14}{g.baseline:>14}{value:>10}  {g.goal:<11}{verdict:<8}{g.note}\n")
    for e in report.errors:
        out(f"  ! {e}\n")
    out(f"\nwritten: {RESULTS.relative_to(ROOT)}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="feedcli beside its peers: issue 13's goals (bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="one smaller run of each (about 1-2 minutes)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, help="interleaved rounds (default 3, 1 with --quick)")
    parser.add_argument("--feedcli", help="the feedcli executable (default: the one beside this interpreter)")
    parser.add_argument(
        "--sketches",
        action="store_true",
        help="also run picows_sketch.py (feedcli's per-message work on picows, today's and candidates') in the "
        "HT and Binance rounds, for information",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=EXE",
        help="another feedcli executable to run in the HT and crypto rounds beside the one measured (an A/B), "
        "for information",
    )
    parser.add_argument(
        "--crypto",
        default=",".join(CRYPTO_ROWS),
        help="the crypto section's rows: trades, book or both (default: trades,book)",
    )
    args = parser.parse_args(argv)
    CRYPTO_ROWS[:] = [r.strip() for r in args.crypto.split(",") if r.strip()]
    for spec in args.variant:
        name, sep, exe = spec.partition("=")
        if not sep:
            parser.error(f"--variant {spec}: NAME=EXE")
        VARIANTS.append((name, exe))
    settings = QUICK if args.quick else FULL
    if args.repeats or args.sketches:
        settings = Settings(
            **{**asdict(settings), "repeats": args.repeats or settings.repeats, "sketches": args.sketches}
        )
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    report = Report(
        meta={
            "quick": args.quick,
            "settings": asdict(settings),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {platform.processor() or platform.system()}",
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "feedcli": find_feedcli(args.feedcli),
            "peers": peer_versions(),
            "load_before": os.getloadavg()[0],
        }
    )
    steps: dict[str, Callable[[Runner, Settings, Report], None]] = {
        "ht": ht,
        "binance": binance,
        "crypto": crypto,
        "replay": replay,
        "record": record,
        "startup": startup,
        "memory": memory,
    }
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="feedcli-goals-") as tmp:
        runner = Runner(find_feedcli(args.feedcli), Path(tmp))
        for name in SECTIONS:
            if name not in wanted:
                continue
            sys.stderr.write(f"bench: {name} ...\n")
            t0 = time.monotonic()
            try:
                steps[name](runner, settings, report)
            except Exception as exc:  # a broken section is reported; the others still run
                report.errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
                report.meta.setdefault("tracebacks", {})[name] = traceback.format_exc()
            report.meta.setdefault("section_seconds", {})[name] = round(time.monotonic() - t0, 1)
    report.meta["seconds"] = round(time.monotonic() - t_all, 1)
    report.meta["load_after"] = os.getloadavg()[0]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(asdict(report), indent=1) + "\n")
    print_report(report)
    return 0


def peer_versions() -> dict[str, str]:
    """The versions of what the figures are set against (from bench/.venv)."""
    if not PEERS_PY.exists():
        return {}
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for p in ('picows', 'cryptofeed', 'uvloop', 'aiohttp', 'websockets', 'orjson', 'websocat'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run([str(PEERS_PY), "-c", code], capture_output=True, text=True, check=False)
    with contextlib.suppress(ValueError):
        return json.loads(result.stdout)
    return {}


if __name__ == "__main__":
    sys.exit(main())
