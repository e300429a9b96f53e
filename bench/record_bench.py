"""`feedcli record` throughput, uncompressed, gzip and zstd, against a bare client, in one run.

    .venv/bin/python bench/record_bench.py            # 500,000 messages a run, about 1-2 minutes
    .venv/bin/python bench/record_bench.py --quick    # 50,000 messages a run, well under a minute

The raw-socket generator of bench/loadgen.py sends as fast as the socket takes them; against
it, in rounds (each round in a different order, after one warm-up each, so that whatever else
the machine does hits all of them alike):

- the bare websockets client of bench/bare_client.py, which only counts: the baseline;
- `feedcli record tse ... -o FILE --limit N --compress none|gzip|zstd`, into a temporary
  folder on the repository's own disk (never tmpfs), so its fsyncs cost what they cost;
- `feedcli stream tse ... --limit N > /dev/null`, for comparison.

Rates are net of start-up (N / generator handshake → the client's close frame), as in
stream_bench.py; `close → exit` beside them is what follows the close: for record, finishing
the compressed stream and the final fsync, plus the interpreter's teardown. Every recording is
checked (N data lines, decompressed) and its size per message noted, then deleted. It prints a
table, writes bench/results/record.json, and exits 0 whatever happens: a report, not a test.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from _common import BENCH, ROOT, LoadGen, Run, Runner, find_feedcli, fmt_rate, run_bare, run_client
from loadgen import Corpus

RESULTS = BENCH / "results" / "record.json"
CODECS = ("none", "gzip", "zstd")
SUFFIX = {"none": ".ndjson", "gzip": ".ndjson.gz", "zstd": ".ndjson.zst"}
#: every client, in the order of the table; the rounds rotate through it
CLIENTS = ("bare", "stream", *(f"record {c}" for c in CODECS))
LABELS = {
    "bare": "bare websockets",
    "stream": "stream → /dev/null",
    **{f"record {c}": f"record {c}" for c in CODECS},
}
#: a data line, not the `recording` header (whose subscription lists the channel in an array)
DATA_MARK = b'"channel":"best-limit"'


@dataclass(frozen=True)
class Settings:
    n: int
    repeats: int
    warmup_n: int


FULL = Settings(500_000, 3, 20_000)
QUICK = Settings(50_000, 3, 5_000)


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


# ====================================================================== the disk
def mount_of(path: Path) -> dict[str, str]:
    """The mount that holds `path` (longest matching mount point in /proc/mounts)."""
    best = {"mount": "/", "fstype": "?", "device": "?"}
    resolved = str(path.resolve())
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                device, point, fstype, *_ = line.split()
                inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best["mount"]):
                    best = {"mount": point, "fstype": fstype, "device": device}
    except OSError:
        pass
    return best


def count_data_lines(path: Path, codec: str) -> tuple[int, bool]:
    """(data lines, whether the first line is a `recording` header), decompressing as needed."""
    with path.open("rb") as raw:
        if codec == "gzip":
            stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw)
        elif codec == "zstd":
            import zstandard

            stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw), 1 << 20)
        else:
            stream = raw
        header = stream.readline()
        count = sum(1 for line in stream if DATA_MARK in line)
    return count, b'"event":"recording"' in header


# ====================================================================== one run of each client
class Bench:
    def __init__(self, runner: Runner, gen: LoadGen, out_dir: Path, flush_interval: float | None) -> None:
        self.runner = runner
        self.gen = gen
        self.out_dir = out_dir
        self.flush = ["--flush-interval", str(flush_interval)] if flush_interval else []
        self._k = 0

    def run(self, client: str, n: int, report: Report | None) -> dict[str, Any]:
        """One run; `report` None for a warm-up (its problems are not worth a line)."""
        timeout = 60 + n / 10_000
        if client == "bare":
            run = run_bare(self.runner, self.gen, n, timeout)
            return self._done(client, run, {}, report)
        if client == "stream":
            cmd = self.runner.command("stream", self.gen, "--limit", str(n))
            return self._done(client, run_client(self.runner, self.gen, "stream", cmd, n, timeout), {}, report)
        codec = client.split()[1]
        self._k += 1
        path = self.out_dir / f"run-{self._k}{SUFFIX[codec]}"
        cmd = self.runner.command(
            "record", self.gen, "-o", str(path), "--limit", str(n), "--compress", codec, *self.flush
        )
        run = run_client(self.runner, self.gen, client, cmd, n, timeout)
        files = sorted(self.out_dir.iterdir())
        extra: dict[str, Any] = {"bytes": sum(f.stat().st_size for f in files), "files": len(files)}
        try:
            if path.exists():
                extra["data_lines"], extra["header"] = count_data_lines(path, codec)
        except Exception as exc:  # a recording that does not read back is a finding, not a crash
            extra["read_error"] = f"{exc.__class__.__name__}: {exc}"
        for f in files:
            f.unlink()
        problems = []
        if not extra["files"]:
            problems.append("no file written")
        elif "read_error" in extra:
            problems.append(extra["read_error"])
        else:
            if extra["files"] != 1:
                problems.append(f"{extra['files']} files, expected 1")
            if extra.get("data_lines") != n:
                problems.append(f"{extra.get('data_lines')} data lines read back, expected {n}")
            if not extra.get("header"):
                problems.append("no recording header")
        if problems:
            run.note = "; ".join([*problems, run.note]).strip("; ")
        return self._done(client, run, extra, report)

    @staticmethod
    def _done(client: str, run: Run, extra: dict[str, Any], report: Report | None) -> dict[str, Any]:
        if run.note and report is not None:
            report.errors.append(f"{client}: {run.note}")
        return {**asdict(run), **extra}


def rounds(bench: Bench, settings: Settings, report: Report) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in CLIENTS}
    for client in CLIENTS:  # warm-up: page cache, bytecode, the codecs' first allocations
        sys.stderr.write(f"bench: warm-up {client}\n")
        bench.run(client, min(settings.warmup_n, settings.n), None)  # the generator sends n at most
    for r in range(settings.repeats):
        order = CLIENTS[r % len(CLIENTS) :] + CLIENTS[: r % len(CLIENTS)]
        sys.stderr.write(f"bench: round {r + 1}/{settings.repeats}: {', '.join(order)}\n")
        for client in order:
            runs[client].append(bench.run(client, settings.n, report))
    return runs


def summarize(runs: dict[str, list[dict[str, Any]]], n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for client, rs in runs.items():
        ok = [r for r in rs if r["rate_net"] > 0] or rs
        rates = [r["rate_net"] for r in ok]
        s: dict[str, Any] = {
            "runs": rs,
            "best_rate": max(rates),
            "median_rate": statistics.median(rates),
            "median_wall": statistics.median(r["wall"] for r in ok),
            "median_to_connect": statistics.median(r["to_connect"] for r in ok),
            "median_after_close": statistics.median(r["after_close"] for r in ok),
            # net of start-up but with the end included: handshake → exit
            "median_rate_to_exit": statistics.median(n / (r["net"] + r["after_close"]) for r in ok),
        }
        if "bytes" in rs[0]:
            s["bytes_per_message"] = statistics.median(r["bytes"] / n for r in ok)
        out[client] = s
    bare = out["bare"]
    for s in out.values():
        s["ratio_median"] = s["median_rate"] / bare["median_rate"] if bare["median_rate"] else 0.0
        s["ratio_best"] = s["best_rate"] / bare["best_rate"] if bare["best_rate"] else 0.0
    return out


# ====================================================================== output
def print_report(report: Report) -> None:
    out = sys.stdout.write
    m = report.meta
    out(
        f"\nfeedcli record benchmark ({'quick' if m['quick'] else 'full'}) — Python {m['python']}, "
        f"{m['cpus']} CPUs, {m['date']}\n"
        f"load average before {m['load_before']:.2f}, after {m.get('load_after', float('nan')):.2f} "
        "(compare rates only within one run; the ratios are interleaved to cancel drift)\n"
    )
    disk = m.get("disk", {})
    out(
        f"recordings in {m.get('tmpdir', '?')}: {disk.get('fstype', '?')} on {disk.get('device', '?')} "
        f"(mounted at {disk.get('mount', '?')}); flush interval "
        f"{m['flush_interval'] if m['flush_interval'] else 'feedcli default (1 s)'}\n"
    )
    if not report.clients:
        out("\nno figures\n")
    else:
        out(
            f"\n{m['settings']['n']:,} messages per run ({m['distinct']:,} distinct, cycled; "
            f"{m['wire_bytes_per_message']:.0f} wire bytes each), "
            f"{m['settings']['repeats']} interleaved round(s); rates net of start-up (handshake → close frame)\n"
        )
        out(
            f"  {'client':<20}{'best':>11}{'median':>11}{'ratio':>10}{'(best)':>7}{'bytes/msg':>11}"
            f"{'wall':>8}{'close→exit':>12}   runs\n"
        )
        for client in CLIENTS:
            s = report.clients.get(client)
            if s is None:
                continue
            size = f"{s['bytes_per_message']:.1f}" if "bytes_per_message" in s else "-"
            runs = ", ".join(fmt_rate(r["rate_net"]) for r in s["runs"])
            out(
                f"  {LABELS[client]:<20}{fmt_rate(s['best_rate']):>11}{fmt_rate(s['median_rate']):>11}"
                f"{s['ratio_median']:>10.2f}{s['ratio_best']:>7.2f}{size:>11}{s['median_wall']:>6.2f} s"
                f"{s['median_after_close'] * 1000:>9.0f} ms   {runs}\n"
            )
        plain = report.clients.get("record none", {}).get("bytes_per_message")
        if plain:
            shrink = ", ".join(
                f"{c} {plain / report.clients[f'record {c}']['bytes_per_message']:.1f}x"
                for c in CODECS[1:]
                if f"record {c}" in report.clients
            )
            out(f"  compression against the plain file: {shrink}\n")
        out(
            "  (ratio: against bare websockets, of the medians and of the bests; wall: spawn → exit, median;\n"
            "   close→exit: the final flush and fsync, and the interpreter's teardown, median; rate to exit: JSON)\n"
        )
    for e in report.errors:
        out(f"  ! {e}\n")
    out(f"\nwritten: {RESULTS.relative_to(ROOT)}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="feedcli record benchmark (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (well under a minute)")
    parser.add_argument("-n", type=int, help="messages per run (overrides the preset)")
    parser.add_argument("--repeats", type=int, help="interleaved rounds (overrides the preset)")
    parser.add_argument("--feedcli", help="the feedcli executable (default: the one beside this interpreter)")
    parser.add_argument("--flush-interval", type=float, help="passed to record (default: record's own, 1 s)")
    parser.add_argument(
        "--distinct",
        type=int,
        default=20_000,
        help="distinct messages the generator cycles through (default 20,000: about 10 MB, more than zstd's window)",
    )
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=BENCH / "results",
        help="where the recordings go (default bench/results, the repository's disk; not tmpfs)",
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.n or args.repeats:
        settings = Settings(args.n or settings.n, args.repeats or settings.repeats, settings.warmup_n)
    feedcli = find_feedcli(args.feedcli)
    report = Report(
        meta={
            "quick": args.quick,
            "settings": asdict(settings),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "feedcli": feedcli,
            "flush_interval": args.flush_interval,
            "load_before": os.getloadavg()[0],
            "distinct": args.distinct,
            "wire_bytes_per_message": Corpus.build(args.distinct).bytes_for(args.distinct) / args.distinct,
        }
    )
    t0 = time.monotonic()
    try:
        args.tmpdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".record-bench-", dir=args.tmpdir) as tmp:
            workdir = Path(tmp)
            out_dir = workdir / "out"
            out_dir.mkdir()
            disk = mount_of(workdir)
            report.meta.update(tmpdir=str(workdir), disk=disk)
            if disk["fstype"] in ("tmpfs", "ramfs"):
                report.errors.append(f"{workdir} is on {disk['fstype']}: fsync costs nothing there")
            need = settings.n * 600 * 2
            free = shutil.disk_usage(workdir).free
            if free < need:
                raise RuntimeError(f"{free / 1e9:.1f} GB free in {workdir}, a run needs about {need / 1e9:.1f}")
            runner = Runner(feedcli, workdir)
            with LoadGen(count=settings.n, distinct=args.distinct) as gen:
                bench = Bench(runner, gen, out_dir, args.flush_interval)
                runs = rounds(bench, settings, report)
            report.clients = summarize(runs, settings.n)
    except Exception as exc:  # a report, whatever happens: say what broke and still write it
        report.errors.append(f"{exc.__class__.__name__}: {exc}")
        report.meta["traceback"] = traceback.format_exc()
    report.meta["seconds"] = round(time.monotonic() - t0, 1)
    report.meta["load_after"] = os.getloadavg()[0]
    try:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(asdict(report), indent=1) + "\n")
        print_report(report)
    except Exception as exc:
        sys.stdout.write(f"could not write the report: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
