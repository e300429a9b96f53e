"""How long `feedcli --help` and `feedcli stream tse --help` take, beside `--version` in the same run.

`--version` is answered before anything but feedcli's version is imported: it is the
interpreter's own start-up, the floor every other command stands on. The runs are
interleaved (one of each command per round) so a busy machine slows all three alike, and
both wall time and the CPU time of the child (user + system) are reported: on a loaded
machine the CPU time is the steadier figure. Bytecode is compiled first, as an installed
wheel's is, so the first run does not pay for it.

    .venv/bin/python bench/help_bench.py [--runs 10] [--tree DIR]

`--tree DIR` measures another checkout of feedcli (e.g. `git archive main | tar -x -C DIR`)
with the same interpreter and packages, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {
    "--version": ["--version"],
    "--help": ["--help"],
    "stream tse --help": ["stream", "tse", "--help"],
}


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(tree: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU milliseconds of each command over `runs` interleaved rounds."""
    compileall.compile_dir(str(tree / "feedcli"), quiet=1)
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "100"}
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs + 1):  # the first round warms the disk cache and is dropped
        for name, args in COMMANDS.items():
            cpu0, t0 = child_cpu(), time.perf_counter()
            command = [sys.executable, "-m", "feedcli", *args]  # run in the tree: `-m` puts the cwd first
            subprocess.run(command, env=env, cwd=tree, stdout=subprocess.DEVNULL, check=True)
            walls[name].append((time.perf_counter() - t0) * 1000)
            cpus[name].append((child_cpu() - cpu0) * 1000)
    return {name: (statistics.median(walls[name][1:]), statistics.median(cpus[name][1:])) for name in COMMANDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    figures = measure(args.tree, args.runs)
    base_wall, base_cpu = figures["--version"]
    print(f"{args.tree} ({args.runs} runs each, medians; load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<20} {'wall ms':>8} {'cpu ms':>8} {'wall/--version':>15}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:<20} {wall:>8.0f} {cpu:>8.0f} {wall / base_wall:>14.1f}x")
    del base_cpu


if __name__ == "__main__":
    main()
