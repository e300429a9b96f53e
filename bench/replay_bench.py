"""`feedcli replay --speed 0` throughput, against `jq -c .` on the same file, in one run.

    .venv/bin/python bench/replay_bench.py            # 1,000,000 lines, about 2-3 minutes (jq is slow)
    .venv/bin/python bench/replay_bench.py --quick    # 100,000 lines, well under a minute

The file is generated first: realistic HT lines (the simulator's market model, every TSE
channel, 300-1,600 bytes), a `recording` header, `recv` one millisecond apart, exactly
as `record` writes them. Then, interleaved (feedcli, jq, feedcli, jq, ...) so that both
see the same machine at the same moment:

- `feedcli replay --speed 0 FILE > /dev/null`, and `jq -c . FILE > /dev/null`: the ratio
  of the two rates is the headline. jq is the tool people would otherwise reach for to
  re-read NDJSON, and, like replay, it parses every line and writes it back out.
- for information: feedcli into a pipe (the asyncio transport path a `| consumer` takes),
  feedcli on the zstd-compressed file, and `--symbol` picking one symbol out of many.

Rates are lines / wall time of the whole process, start-up included (feedcli's start-up,
measured on a one-line file, is printed beside them). It prints a table, writes
bench/results/replay.json, and exits 0 whatever the figures: a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import write_batched

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "replay.json"
sys.path.insert(0, str(ROOT))

#: a stand-in for `recv` in the pooled lines, patched per line (same width as the real thing)
PLACEHOLDER = b"2000-01-01T00:00:00.000000Z"


def generate(path: Path, n: int, pool_size: int = 5000) -> tuple[int, str, int]:
    """Write `n` lines; return (bytes, a symbol of median frequency, how many symbols there are).

    Building every line through the market model would take minutes for a million, so a
    pool of distinct lines is built once and cycled, each copy with its own `recv`.
    """
    from feedcli.events import ControlEvent, DataEvent, RecvClock, encode_line
    from feedcli.simulators.ht_market import HTMarket, tehran_timestamp

    t0 = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    clock = RecvClock()
    market = HTMarket(seed=11)
    pool: list[tuple[bytes, bytes]] = []
    symbols: dict[str, int] = {}
    step = 0
    while len(pool) < pool_size:
        step += 1
        moment = t0 + timedelta(milliseconds=step)
        for spec, channel, data in market.step(moment):
            line = encode_line(
                DataEvent("tse", channel, spec.key, tehran_timestamp(moment), PLACEHOLDER.decode(), data)
            )
            head, tail = line.split(PLACEHOLDER)
            pool.append((head, tail))
            symbols[spec.key] = symbols.get(spec.key, 0) + 1
    header = encode_line(
        ControlEvent("tse", "recording", clock.format(t0.timestamp()), {"feedcli": "bench", "part": 1})
    )
    base = t0.timestamp()
    size = len(header)
    with path.open("wb") as out:
        out.write(header)
        size += write_batched(
            out,
            (
                pool[i % len(pool)][0] + clock.format(base + (i + 1) * 0.001).encode() + pool[i % len(pool)][1]
                for i in range(n - 1)
            ),
        )
    typical = sorted(symbols, key=symbols.__getitem__)[len(symbols) // 2]  # median frequency
    return size, typical, len(symbols)


def compress_zstd(src: Path, dst: Path) -> None:
    import zstandard

    with src.open("rb") as i, dst.open("wb") as o:
        zstandard.ZstdCompressor().copy_stream(i, o)


def timed(cmd: Sequence[str] | str, env: dict[str, str], *, shell: bool = False) -> float:
    """Wall seconds of one run, stdout to /dev/null (unless the shell command says otherwise)."""
    t0 = time.perf_counter()
    result = subprocess.run(
        cmd, env=env, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    took = time.perf_counter() - t0
    if result.returncode != 0:
        raise RuntimeError(f"{cmd} exited {result.returncode}: {result.stderr.decode(errors='replace')[:300]}")
    return took


def count_lines(cmd: Sequence[str], env: dict[str, str]) -> int:
    out = subprocess.run(cmd, env=env, capture_output=True, check=True).stdout
    return out.count(b"\n")


def find_feedcli(explicit: str | None) -> list[str]:
    """The console script next to this interpreter (the venv's), else `-m feedcli`."""
    if explicit:
        return [explicit]
    beside = Path(sys.executable).with_name("feedcli")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "feedcli"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="feedcli replay benchmark (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="100,000 lines, one run each")
    parser.add_argument("-n", "--lines", type=int, help="lines in the generated file (default 1,000,000)")
    parser.add_argument("--repeats", type=int, help="runs of each (default 2, 1 with --quick)")
    parser.add_argument("--feedcli", help="the feedcli executable (default: the one beside this interpreter)")
    parser.add_argument("--keep", metavar="DIR", help="leave the generated files in DIR")
    args = parser.parse_args(argv)
    n = args.lines or (100_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 2)
    jq = shutil.which("jq")
    feedcli = find_feedcli(args.feedcli)

    with tempfile.TemporaryDirectory(prefix="feedcli-replay-bench-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "FEEDCLI_CONFIG_DIR": str(Path(tmp) / "config")}
        plain, zst, one = work / "bench.ndjson", work / "bench.ndjson.zst", work / "one.ndjson"
        sys.stderr.write(f"bench: generating {n:,} lines ...\n")
        t0 = time.perf_counter()
        size, symbol, n_symbols = generate(plain, n)
        compress_zstd(plain, zst)
        zst_size = zst.stat().st_size
        with plain.open("rb") as f:
            one.write_bytes(f.readline())
        sys.stderr.write(
            f"bench: {size / 1e6:.0f} MB, {size / n:.0f} bytes a line, in {time.perf_counter() - t0:.1f} s\n"
        )

        replay = [*feedcli, "replay", "--speed", "0"]
        # correctness first: a fast replay that loses lines would be no figure at all
        assert count_lines([*replay, str(plain)], env) == n, "replay did not write every line"
        runs: dict[str, list[float]] = {"feedcli": [], "jq": [], "pipe": [], "zstd": [], "symbol": [], "startup": []}
        for r in range(repeats):
            sys.stderr.write(f"bench: round {r + 1}/{repeats} ...\n")
            runs["startup"].append(timed([*replay, str(one)], env))
            runs["feedcli"].append(timed([*replay, str(plain)], env))
            if jq:
                runs["jq"].append(timed([jq, "-c", ".", str(plain)], env))
            piped = " ".join(f"'{a}'" for a in [*replay, str(plain)]) + " | cat > /dev/null"
            runs["pipe"].append(timed(piped, env, shell=True))
            runs["zstd"].append(timed([*replay, str(zst)], env))
            runs["symbol"].append(timed([*replay, "--symbol", symbol, str(plain)], env))

    def rate(key: str) -> float | None:
        return n / statistics.median(runs[key]) if runs[key] else None

    figures = {k: rate(k) for k in ("feedcli", "jq", "pipe", "zstd", "symbol")}
    startup = statistics.median(runs["startup"])
    ratio = figures["feedcli"] / figures["jq"] if figures["feedcli"] and figures["jq"] else None
    net = n / (statistics.median(runs["feedcli"]) - startup)
    rows = [
        ("feedcli replay --speed 0 > /dev/null", figures["feedcli"], f"net of start-up: {net:,.0f} lines/s"),
        ("jq -c . > /dev/null", figures["jq"], "" if jq else "jq not found"),
        ("ratio feedcli / jq", None, f"{ratio:.1f}x" if ratio else "n/a"),
        ("feedcli replay --speed 0 | cat", figures["pipe"], "through the pipe transport"),
        ("feedcli replay --speed 0 FILE.zst", figures["zstd"], f"compressed {size / zst_size:.0f}:1"),
        (
            f"feedcli replay --symbol {symbol}",
            figures["symbol"],
            f"lines read per second; 1 symbol of {n_symbols} kept",
        ),
        ("feedcli start-up (one-line file)", None, f"{startup * 1000:.0f} ms"),
    ]
    out = sys.stdout.write
    out(f"\nfeedcli replay benchmark: {n:,} lines, {size / 1e6:.0f} MB, {repeats} run(s) each, median\n")
    out(f"python {platform.python_version()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}\n\n")
    for name, value, note in rows:
        shown = f"{value:>12,.0f} lines/s" if value else " " * 20
        out(f"  {name:<42} {shown}   {note}\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "lines": n,
                "bytes": size,
                "repeats": repeats,
                "rates": figures,
                "ratio_vs_jq": ratio,
                "startup_s": startup,
                "runs_s": runs,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            },
            indent=1,
        )
        + "\n"
    )
    out(f"\nwritten: {RESULTS.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
