"""Where `feedcli stream` spends its time per message: a profile of the hot path, by function.

    .venv/bin/python bench/profile_stream.py ht                       # cProfile, 300,000 messages
    .venv/bin/python bench/profile_stream.py binance -n 200000
    .venv/bin/python bench/profile_stream.py ht --profiler py-spy     # sampling (bench/.venv's py-spy)

feedcli streams N messages from the pre-framed generator (bench/loadgen.py, `--site ht` or
`binance`, as goals_bench.py runs them) to /dev/null, under a profiler, and the table shows,
per message: for cProfile, each function's own time (`tottime / N`, in µs) and its calls
per message; for py-spy (500 samples a second, idle time not sampled), the samples whose
stack is inside the event loop, as µs per message (samples / 500 / N), own and inclusive.
py-spy does not see into C: `orjson.loads` is part of the own time of the Python function
that calls it. cProfile's instrumentation adds
about 0.1-0.3 µs to every Python call, so it inflates small functions and the total (the
header shows the run's rate with and without it); py-spy does not, but it only sees shares.
Use both: cProfile for what is called how often, py-spy for the proportions.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from _common import BENCH, LoadGen, Runner, find_feedcli, fmt_rate, tail

PY_SPY = BENCH / ".venv" / "bin" / "py-spy"
#: a sampled stack belongs to the streaming part of the run if one of its frames is this: the
#: event loop's step, which runs both the receive loop and aiohttp's frame reader (called
#: from the loop's callbacks, not from the receive loop); imports and parsing the command
#: line come before it
HOT_FRAME = "_run_once ("
PY_SPY_RATE = 500


def feedcli_command(runner: Runner, gen: LoadGen, site: str, n: int) -> list[str]:
    if site == "binance":
        return [
            *runner.feedcli,
            *("stream", "binance", "--url", gen.http_url, "--pair", "BTC-USDT", "--interval", "1m"),
            *("--backfill", "0", "--limit", str(n)),
        ]
    return runner.stream_cmd(gen, "--limit", str(n))


def python_and_script(feedcli: list[str]) -> tuple[str, list[str]]:
    """(interpreter, script and arguments) for a feedcli console script, so a profiler can wrap it."""
    script = Path(feedcli[0])
    python = script.with_name("python")
    if len(feedcli) == 1 and python.exists():
        return str(python), [str(script)]
    return feedcli[0], feedcli[1:]


def run(runner: Runner, gen: LoadGen, cmd: list[str]) -> tuple[float, dict[str, object]]:
    """Run to the end; (net seconds: generator's first write → the client's close frame, the record)."""
    err = runner.stderr_file()
    proc = runner.popen(cmd, stdout=subprocess.DEVNULL, stderr_path=err)
    rc = proc.wait(900)
    conn = gen.next_conn(10)
    if rc != 0 or not conn.get("close_rcvd"):
        raise SystemExit(f"profile: the run failed (rc={rc}): {tail(err)}")
    return conn["close_rcvd"] - (conn["first_write"] or conn["handshake"]), conn


def cprofile_table(path: Path, n: int, top: int) -> str:
    stats = pstats.Stats(str(path))
    rows = []
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, ncalls, _where(filename, line, name)))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    out = [f"  {'own µs/msg':>10}{'cum µs/msg':>11}{'calls/msg':>10}   function"]
    for tottime, cumtime, ncalls, where in rows[:top]:
        out.append(f"  {tottime / n * 1e6:>10.3f}{cumtime / n * 1e6:>11.3f}{ncalls / n:>10.2f}   {where}")
    out.append(f"  {total / n * 1e6:>10.3f}{'':>11}{'':>10}   all functions (start-up included)")
    return "\n".join(out)


def _where(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name  # a builtin: "<method 'write' of ...>"
    short = filename
    for marker in ("site-packages/", "/feedcli/", "/lib/python3"):
        if marker in filename:
            short = filename.split(marker, 1)[1]
            short = ("feedcli/" + short) if marker == "/feedcli/" else short
            break
    return f"{name} ({short}:{line})"


def pyspy_table(path: Path, n: int, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    hot = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if HOT_FRAME not in stack:
            continue
        k = int(count)
        hot += k
        frames = [_short_frame(f) for f in stack.split(";")]
        own[frames[-1]] += k
        for f in set(frames):
            inclusive[f] += k
    if not hot:
        return "  no samples inside the receive loop"
    per = 1e6 / PY_SPY_RATE / n  # µs per message of one sample
    out = [f"  {'own µs/msg':>10}{'incl µs/msg':>12}{'own %':>7}   function ({hot:,} samples in the event loop)"]
    for name, k in own.most_common(top):
        out.append(f"  {k * per:>10.3f}{inclusive[name] * per:>12.3f}{k / hot * 100:>6.1f}%   {name}")
    out.append(f"  {hot * per:>10.3f}{'':>12}{100:>6.1f}%   all samples in the event loop")
    return "\n".join(out)


def _short_frame(frame: str) -> str:
    """`name (path:line)` → `name (short path)`: samples of one function on different lines add up."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/feedcli/", "/lib/python3.11/"):
        if marker in path:
            path = ("feedcli/" if marker == "/feedcli/" else "") + path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", choices=("ht", "binance"))
    parser.add_argument("-n", type=int, default=300_000, help="messages (default 300,000)")
    parser.add_argument("--profiler", choices=("cprofile", "py-spy"), default="cprofile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--feedcli", help="the feedcli executable (default: the one beside this interpreter)")
    parser.add_argument("--keep", type=Path, help="keep the raw profile here (a .prof or py-spy's raw text)")
    args = parser.parse_args(argv)
    feedcli = find_feedcli(args.feedcli)
    python, script = python_and_script(feedcli)
    with tempfile.TemporaryDirectory(prefix="feedcli-profile-") as tmp, LoadGen(count=args.n, site=args.site) as gen:
        runner = Runner(feedcli, Path(tmp))
        plain_cmd = feedcli_command(runner, gen, args.site, args.n)
        run(runner, gen, feedcli_command(runner, gen, args.site, min(args.n, 20_000)))  # warm-up
        plain, _ = run(runner, gen, plain_cmd)
        raw = args.keep or Path(tmp) / ("profile.prof" if args.profiler == "cprofile" else "pyspy.txt")
        wrapped = [python, *script, *plain_cmd[len(feedcli) :]]
        if args.profiler == "cprofile":
            cmd = [python, "-m", "cProfile", "-o", str(raw), *wrapped[1:]]
        else:
            if not PY_SPY.exists():
                raise SystemExit("profile: bench/.venv/bin/py-spy not found: run `make bench-setup`")
            cmd = [
                str(PY_SPY),
                "record",
                "--rate",
                str(PY_SPY_RATE),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--",
                *wrapped,
            ]
        t0 = time.time()
        profiled, _ = run(runner, gen, cmd)
        took = time.time() - t0
        table = cprofile_table(raw, args.n, args.top) if args.profiler == "cprofile" else None
        if table is None:
            table = pyspy_table(raw, args.n, args.top)
    sys.stdout.write(
        f"\nfeedcli stream {args.site}: {args.n:,} messages to /dev/null; without the profiler "
        f"{fmt_rate(args.n / plain)} ({plain / args.n * 1e6:.2f} µs/msg net), under {args.profiler} "
        f"{fmt_rate(args.n / profiled)} ({profiled / args.n * 1e6:.2f} µs/msg; {took:.1f} s in all)\n\n{table}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
