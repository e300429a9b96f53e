"""Instructions a kline costs a whole client process, counted by callgrind: load-independent.

    .venv/bin/python bench/callgrind_binance.py feedcli                 # this checkout's feedcli
    .venv/bin/python bench/callgrind_binance.py feedcli:/path/to/tree   # another tree's feedcli/ (an A/B)
    .venv/bin/python bench/callgrind_binance.py cryptofeed              # bench/.venv's cryptofeed client
    .venv/bin/python bench/callgrind_binance.py feedcli --channel trades   # the crypto trades row (20 pairs)
    .venv/bin/python bench/callgrind_binance.py cryptofeed --channel book  # the crypto book row (20 pairs, depth 10)

The client reads N1, then N2 kline events (`feedcli stream binance --backfill 0 --limit N` to
/dev/null, or `cryptofeed_client.py`) from the same generator as goals_bench.py's Binance row,
each run under `valgrind --tool=callgrind`; the difference of the two runs' instruction totals
over N2 - N1 is the cost of a message, start-up cancelled out. A first short run writes the
bytecode caches, so that compiling is not counted. Instructions are not time (cryptofeed's
uvloop and feedcli's picows differ in what an instruction costs), but they do not move with
what else the machine runs, where rates and CPU times under load move by 20-50 %. Slow: about
50x a normal run (two to five minutes).

`--channel book` counts one run's window instead (`windowed`): the book row's start-up under
the generator's flood (held and stale diffs, 20 snapshot calls) varies from run to run by more
than two runs' difference could cancel, so instrumentation is off until `--skip` lines
(60,000) and on for the next `--window` (20,000); about three minutes a client.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from _common import BENCH, LoadGen

ROOT = BENCH.parent


def trade_pairs() -> list[str]:
    """The crypto trades row's 20 pairs (goals_bench.py: one connection, one trade of each in turn)."""
    from binance_site import SYMBOLS

    return [a for base, quote, _ in list(SYMBOLS.values())[:20] for a in ("--pair", f"{base}-{quote}")]


def command(client: str, url: str, n: int, channel: str = "candles") -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    trades = ["--channel", channel, *trade_pairs()] if channel in ("trades", "book") else []
    if channel == "book":
        trades += ["--depth", "10"]
    if client == "cryptofeed":
        return [str(BENCH / ".venv/bin/python"), str(BENCH / "cryptofeed_client.py"), url, str(n), *trades], env
    _, _, tree = client.partition(":")
    if tree:
        env["PYTHONPATH"] = tree
    feedcli = ["stream", "binance", "--url", url, "--pair", "BTC-USDT", "--interval", "1m", "--backfill", "0"]
    if trades:
        feedcli = ["stream", "binance", "--url", url, *trades]
    run = ["-m", "feedcli"]
    if channel == "book":
        # 50x slower under valgrind, with the other sessions on the cores: the book's start-up
        # (20 snapshot calls, each waiting for whole socket reads under the flood) outlasts the
        # watchdog and the HTTP timeout, and would then start again for ever
        feedcli += ["--stale-after", "0"]
        run = ["-c", _PATIENT_HTTP]
    return [str(ROOT / ".venv/bin/python"), *(["-P"] if tree else []), *run, *feedcli, "--limit", str(n)], env


#: `python -m feedcli` with the engine's HTTP and open timeouts at 15 minutes (the defaults of
#: SessionOptions, which the command line does not set)
_PATIENT_HTTP = """
import inspect
from feedcli.session import SessionOptions
init = SessionOptions.__init__
names = list(inspect.signature(init).parameters)[-len(init.__defaults__):]
defaults = list(init.__defaults__)
for name in ("http_timeout", "open_timeout"):
    defaults[names.index(name)] = 900.0
init.__defaults__ = tuple(defaults)
from feedcli.cli.entry import run
run()
"""


def instructions(client: str, n: int, out: Path, channel: str = "candles") -> int:
    # trades: exactly n, ids rising through the run (a repeated id would be dropped, not counted);
    # book: as goals_bench's book row, diffs streamed on (feedcli writes one line for the diffs
    # it held while its snapshots were on their way) and ids rising across passes of the corpus
    if channel == "book":
        count, distinct = 0, 2 * n + 60_000
    else:
        count, distinct = (n, n) if channel == "trades" else (n + 1000, 1000)
    with LoadGen(count=count, distinct=distinct, site="binance") as gen:
        cmd, env = command(client, gen.http_url, n, channel)
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    text = out.read_text()
    out.unlink()
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    assert match is not None, "no total in callgrind's output"
    return int(match.group(1))


def windowed(client: str, skip: int, window: int, out: Path, channel: str) -> tuple[int, int]:
    """(instructions, messages) of one run counted only while the client writes messages
    `skip`..`skip + window` (`valgrind --instr-atstart=no`, then `callgrind_control -i on`/`off`
    by the client's PID): the book row's start-up under the generator's flood (the diffs each
    client reads or leaves queued until its 20 snapshots are in) varies from run to run by more
    than a difference of two runs can cancel, so the steady state is counted alone. feedcli's
    lines (to a pipe instead of /dev/null) and cryptofeed's `--progress` counts say where the
    client is; a toggle lands a few hundred messages late at most (the pipe, the command's
    latency), alike at both ends."""
    n = skip + window + 2_000
    with LoadGen(count=0, distinct=2 * n + 60_000, site="binance", progress=0.2) as gen:
        cmd, env = command(client, gen.http_url, n, channel)
        if client == "cryptofeed":
            cmd += ["--progress", "100"]
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *cmd],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        seen = 0
        marks: list[float] = []
        times: list[float] = []
        for raw in proc.stdout:
            seen = int(raw) if client == "cryptofeed" and raw.strip().isdigit() else seen + (client != "cryptofeed")
            if len(marks) < 2 and seen >= (skip if not marks else skip + window):
                before = seen
                # the PID, always: without one callgrind_control toggles every callgrind run
                # of the machine (other sessions' too)
                subprocess.run(
                    ["callgrind_control", "-i", "off" if marks else "on", str(proc.pid)],
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
                marks.append(before)
                times.append(time.time())
        proc.wait()
        # the frames the generator handed on meanwhile: about one a message once every book is
        # in sync and the backlog of diffs older than the snapshots is read (the start-up's
        # held and stale diffs make no lines, and counting them would not be the steady state)
        sent = gen.sent_by(times[1]) - gen.sent_by(times[0]) if len(times) == 2 else 0
    text = out.read_text()
    out.unlink()
    # `totals`: `summary` is 0 when instrumentation was switched off before the end
    match = re.search(r"^totals: (\d+)", text, re.M)
    assert match is not None and len(marks) == 2 and int(match.group(1)) > 0, "no total in callgrind's output"
    messages = round(marks[1] - marks[0])
    sys.stderr.write(f"{client}: frames sent in the window: {sent:,} for {messages:,} messages\n")
    return int(match.group(1)), messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", help="feedcli, feedcli:TREE or cryptofeed")
    parser.add_argument("--n1", type=int, default=5_000)
    parser.add_argument("--n2", type=int, default=25_000)
    parser.add_argument(
        "--channel",
        choices=("candles", "trades", "book"),
        default="candles",
        help="candles: the klines row (one pair); trades: the crypto trades row (20 pairs, `<symbol>@trade`); "
        "book: the crypto book row (20 pairs, `<symbol>@depth@100ms`, --depth 10: N book lines, N diff callbacks)",
    )
    parser.add_argument("--skip", type=int, default=60_000, help="book: messages before counting starts")
    parser.add_argument("--window", type=int, default=20_000, help="book: messages counted")
    args = parser.parse_args()
    out = Path(f"/tmp/callgrind_binance.{os.getpid()}")
    if args.channel == "book":
        # no first run for the bytecode caches: the start-up runs uninstrumented, uncounted
        total, messages = windowed(args.client, args.skip, args.window, out, args.channel)
        print(f"{args.client}: {round(total / messages):,} instructions a message ({total:,} over {messages:,})")
        return 0
    instructions(args.client, 200, out, args.channel)  # bytecode caches written
    a, b = instructions(args.client, args.n1, out, args.channel), instructions(args.client, args.n2, out, args.channel)
    print(f"{args.client}: {round((b - a) / (args.n2 - args.n1)):,} instructions a message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
