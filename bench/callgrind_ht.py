"""Instructions an HT message costs a whole client process, counted by callgrind: load-independent.

    .venv/bin/python bench/callgrind_ht.py feedcli                 # this checkout's feedcli
    .venv/bin/python bench/callgrind_ht.py feedcli:/path/to/tree   # another tree's feedcli/ (an A/B)
    .venv/bin/python bench/callgrind_ht.py picows                  # bench/.venv's picows count-only client
    .venv/bin/python bench/callgrind_ht.py sketch:msgspec          # picows_sketch.py with a line maker
    .venv/bin/python bench/callgrind_ht.py feedcli --breakdown 25   # and the 25 costliest functions a message

The client reads N1, then N2 HT best-limit messages (`feedcli stream tse --limit N` to
/dev/null, or `picows_client.py`, the HT goal's baseline) from the same generator as
goals_bench.py's HT row, each run under `valgrind --tool=callgrind`; the difference of the two
runs' instruction totals over N2 - N1 is the cost of a message, start-up cancelled out (as
callgrind_binance.py does for the Binance rows). A first short run writes the bytecode caches,
so that compiling is not counted. Instructions are not time, but they do not move with what
else the machine runs, where rates and CPU times under load move by 20-50 %. Under callgrind
the client is ~50x slower than the generator, so its socket reads are full ones (more frames a
read than at full speed): what is per read is a little cheaper here than in a real run, for
every client alike.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from _common import BENCH, CHANNEL, ISIN, LoadGen

ROOT = BENCH.parent
PEERS_PY = BENCH / ".venv/bin/python"
AUTH = "Authorization: bench-token"


def command(client: str, gen: LoadGen, n: int, config: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDCLI_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(FEEDCLI_TOKEN="bench-token", FEEDCLI_CONFIG_DIR=str(config))
    kind, _, arg = client.partition(":")
    if kind == "picows":
        return [str(PEERS_PY), str(BENCH / "picows_client.py"), gen.ws_url, str(n), "--header", AUTH], env
    if kind == "sketch":
        env["PYTHONPATH"] = str(ROOT)
        work = arg or "msgspec"
        return [str(PEERS_PY), str(BENCH / "picows_sketch.py"), gen.ws_url, str(n), "--site", "ht", "--work", work], env
    if kind != "feedcli":
        raise SystemExit(f"unknown client {client!r}: feedcli[:TREE], picows or sketch[:WORK]")
    if arg:
        env["PYTHONPATH"] = arg
    stream = ["stream", "tse", "--url", gen.http_url, "--isin", ISIN, "--channel", CHANNEL, "--limit", str(n)]
    return [str(ROOT / ".venv/bin/python"), *(["-P"] if arg else []), "-m", "feedcli", *stream], env


def functions(out: Path) -> dict[str, int]:
    """Instructions by function (self cost) in one callgrind file, as callgrind_annotate counts them."""
    annotate = ["callgrind_annotate", "--threshold=100", "--inclusive=no", str(out)]
    text = subprocess.run(annotate, capture_output=True, text=True, check=True).stdout
    costs: dict[str, int] = {}
    for m in re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+(\S.*)$", text, re.M):
        name = re.sub(r"^.*/", "", m.group(2).split(" [")[0])  # file:function, without its directory
        object_ = m.group(2).rpartition("/")[2].rstrip("]") if " [" in m.group(2) else ""
        key = f"{name} ({object_})" if object_ and name.startswith("???") else name
        costs[key] = costs.get(key, 0) + int(m.group(1).replace(",", ""))
    return costs


def instructions(client: str, n: int, out: Path, config: Path) -> int:
    with LoadGen(count=n + 1000) as gen:
        cmd, env = command(client, gen, n, config)
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
    if done.returncode != 0:  # a run that did not read its N messages counts nothing worth reading
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise SystemExit(f"{client} --limit {n}: exit {done.returncode}: {' / '.join(tail)}")
    text = out.read_text()
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    assert match is not None, "no total in callgrind's output"
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("client", nargs="+", help="feedcli, feedcli:TREE, picows or sketch[:WORK]; several in turn")
    parser.add_argument("--n1", type=int, default=5_000)
    parser.add_argument("--n2", type=int, default=25_000)
    parser.add_argument("--keep", type=Path, help="keep the N2 runs' callgrind files here (one per client)")
    parser.add_argument(
        "--breakdown", type=int, default=0, metavar="K", help="print the K costliest functions a message (N2 less N1)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="callgrind_ht.") as tmp:
        config, out = Path(tmp) / "config", Path(tmp) / "callgrind.out"
        for i, client in enumerate(args.client):
            instructions(client, 200, out, config)  # bytecode caches written
            a = instructions(client, args.n1, out, config)
            first = functions(out) if args.breakdown else {}
            b = instructions(client, args.n2, out, config)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(out, args.keep / f"callgrind.{i}.{re.sub(r'[^A-Za-z0-9_.-]', '_', client)}")
            print(f"{client}: {round((b - a) / (args.n2 - args.n1)):,} instructions a message", flush=True)
            if args.breakdown:
                second = functions(out)
                per = {k: (v - first.get(k, 0)) / (args.n2 - args.n1) for k, v in second.items()}
                for name, cost in sorted(per.items(), key=lambda kv: -kv[1])[: args.breakdown]:
                    print(f"  {cost:9,.0f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
