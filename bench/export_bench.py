"""`feedcli export` rows per second, against pandas `read_json(lines=True)` + `to_parquet`, in one run.

    .venv/bin/python bench/export_bench.py            # 300,000 lines
    .venv/bin/python bench/export_bench.py --quick    # 50,000 lines

The file: HT best-limit lines from the simulator's market model (five levels a side, what a
TSE book line is), a `recording` header, `recv` one millisecond apart, as `record` writes
them. Then, interleaved so both see the same machine at the same moment:

- `feedcli export FILE -o OUT.parquet --kind book`: every line normalized, one row per line
  with level columns, ts and recv as timestamps;
- pandas: `pd.read_json(FILE, lines=True).to_parquet(OUT)` in its own process, the one-liner
  people reach for. It does less (the `data` column is written as the provider's nested
  object, `ts`/`recv` stay text), so a ratio above 1 is feedcli doing more, faster.

Rates are rows / wall time of the whole process, start-up included. pandas runs in
bench/.venv (`make bench-setup`), else in this interpreter if it has pandas; without either
its column says "skipped". Prints a table, writes bench/results/export.json, exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import write_batched

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "export.json"
sys.path.insert(0, str(ROOT))

PANDAS = "import sys, pandas as pd; pd.read_json(sys.argv[1], lines=True).to_parquet(sys.argv[2])"


def generate(path: Path, n: int, pool_size: int = 5000) -> int:
    """Write a header and `n` best-limit lines (a pool of distinct ones, cycled); the bytes written."""
    from feedcli.events import ControlEvent, DataEvent, RecvClock, encode_line
    from feedcli.simulators.ht_market import HTMarket, tehran_timestamp

    t0 = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    clock = RecvClock()
    market = HTMarket(seed=11)
    pool: list[bytes] = []
    step = 0
    while len(pool) < pool_size:
        step += 1
        moment = t0 + timedelta(milliseconds=step)
        for spec, channel, data in market.step(moment):
            if channel == "best-limit":
                event = DataEvent("tse", channel, spec.key, tehran_timestamp(moment), "@", data, "book")
                pool.append(encode_line(event))
    header = encode_line(ControlEvent("tse", "recording", clock.format(t0.timestamp()), {"feedcli": "bench"}))
    size = len(header)
    with path.open("wb") as out:
        out.write(header)
        base = t0.timestamp()
        stamped = (
            pool[i % len(pool)].replace(b'"@"', b'"' + clock.format(base + (i + 1) * 0.001).encode() + b'"', 1)
            for i in range(n)
        )
        size += write_batched(out, stamped)
    return size


def pandas_python() -> str | None:
    """An interpreter with pandas and pyarrow: bench/.venv's, else this one's, else None."""
    for python in (str(BENCH / ".venv" / "bin" / "python"), sys.executable):
        if Path(python).exists():
            probe = subprocess.run([python, "-c", "import pandas, pyarrow"], capture_output=True)
            if probe.returncode == 0:
                return python
    return None


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of every thread) of one run: on a shared machine the CPU time
    is the steadier figure, the wall time what a user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} exited {result.returncode}: {result.stderr.decode(errors='replace')[:300]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--quick", action="store_true", help="50,000 lines")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 50_000 if args.quick else args.lines
    feedcli = shutil.which("feedcli", path=str(Path(sys.executable).parent)) or "feedcli"
    pandas = pandas_python()
    with tempfile.TemporaryDirectory(prefix="feedcli-export-bench-") as tmp:
        src = Path(tmp) / "books.ndjson"
        size = generate(src, n)
        ours, theirs = [], []
        for i in range(args.repeat):
            out = Path(tmp) / f"feedcli-{i}.parquet"
            ours.append(timed([feedcli, "export", str(src), "-o", str(out), "--kind", "book"]))
            if pandas is not None:
                theirs.append(timed([pandas, "-c", PANDAS, str(src), str(Path(tmp) / f"pandas-{i}.parquet")]))
        rows = n
        import pyarrow.parquet as pq

        assert pq.read_metadata(Path(tmp) / "feedcli-0.parquet").num_rows == rows
        startup = timed([feedcli, "--version"])[0]
    wall = statistics.median(t for t, _ in ours)
    cpu = statistics.median(c for _, c in ours)
    ours_rate, ours_cpu = rows / wall, rows / cpu
    print(f"{rows:,} best-limit lines, {size / 1e6:.1f} MB; median of {args.repeat} runs, start-up included")
    print(f"  {'':28} {'rows/s (wall)':>14} {'rows/CPU-s':>12}")
    name = "feedcli export -> parquet"
    print(f"  {name:28} {ours_rate:>14,.0f} {ours_cpu:>12,.0f}   ({wall:.2f} s, {cpu:.2f} CPU-s)")
    theirs_rate = theirs_cpu = None
    if theirs:
        t_wall = statistics.median(t for t, _ in theirs)
        t_cpu = statistics.median(c for _, c in theirs)
        theirs_rate, theirs_cpu = rows / t_wall, rows / t_cpu
        print(
            f"  {'pandas read_json+to_parquet':28} {theirs_rate:>14,.0f} {theirs_cpu:>12,.0f}"
            f"   ({t_wall:.2f} s, {t_cpu:.2f} CPU-s)"
        )
        print(f"  {'ratio feedcli/pandas':28} {ours_rate / theirs_rate:>13.2f}x {ours_cpu / theirs_cpu:>11.2f}x")
    else:
        print("  pandas: skipped (no pandas in bench/.venv nor here)")
    print(f"  feedcli start-up (--version) {startup:.2f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
                "rows": rows,
                "bytes": size,
                "feedcli_seconds": ours,
                "pandas_seconds": theirs,
                "feedcli_rows_per_s": round(ours_rate),
                "pandas_rows_per_s": round(theirs_rate) if theirs_rate else None,
                "feedcli_rows_per_cpu_s": round(ours_cpu),
                "pandas_rows_per_cpu_s": round(theirs_cpu) if theirs_cpu else None,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
