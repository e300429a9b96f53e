"""What a crypto trade line and a book line cost feedcli, without sockets: codec to encoded line.

    .venv/bin/python bench/crypto_line_bench.py trades            # 200,000 trades of 20 pairs, both paths
    .venv/bin/python bench/crypto_line_bench.py trades --path line -n 12000 --repeats 1   # (callgrind)
    .venv/bin/python bench/crypto_line_bench.py book -n 100000    # depth diffs of 20 pairs, depth 10
    .venv/bin/python bench/crypto_line_bench.py book --profile    # cProfile table of the same
    valgrind --tool=callgrind .venv/bin/python bench/crypto_line_bench.py book -n 20000 --repeats 1 \
        --frames-cache /tmp/book.frames    # instructions: run twice (n and 2n), take the difference

The frames are the bench generator's (binance_site: the same bytes goals_bench's crypto rows
send, combined-stream wrapped); each goes through what `feedcli stream binance --channel ...`
runs per message once it is read: the connection's codec (`MarketCodec.parse`: the Binance
parser, the trade gate or the book machine, the line's objects), the kind stamp of the run
(`vocabulary.stamped`) and the NDJSON writer's encoding (`orjson.dumps` of `to_dict()`, into a
buffer that is thrown away). The books are first synced from the generator's snapshots, so
every diff makes a line. Prints CPU µs a line (process time: the machine is shared), the best
and the median of `--repeats` passes: the best is the figure to compare (other work on the
cores only ever adds to it).
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import loadgen  # noqa: E402

sys.modules.setdefault("loadgen", loadgen)
import orjson  # noqa: E402
from binance_site import SYMBOLS, interleaved  # noqa: E402

from feedcli import providers  # noqa: E402
from feedcli.events import DataEvent  # noqa: E402
from feedcli.providers.base import HttpResponse  # noqa: E402
from feedcli.providers.candles.channels import MarketCodec  # noqa: E402
from feedcli.vocabulary import stamped  # noqa: E402

RECV = "2026-12-02T12:00:00.000000Z"
PAIRS = 20


def frames(kind: str, n: int) -> list[bytes]:
    names = [f"{s.lower()}@{kind}" for s in list(SYMBOLS)[:PAIRS]]
    events = interleaved(tuple(names), n)
    assert events is not None
    return [orjson.dumps({"stream": s, "data": e}) for s, e in events]


def codec_for(channel: str) -> MarketCodec:
    pairs = [f"{base}-{quote}" for base, quote, _ in list(SYMBOLS.values())[:PAIRS]]
    values: dict[str, object] = {"pair": pairs, "channel": [channel]}
    if channel == "book":
        values["depth"] = "10"
    make = providers.get("binance").prepare(values, {})
    (codec,) = [c for c in make("http://127.0.0.1:1", None) if isinstance(c, MarketCodec)]
    codec.pending_requests(0.0)  # the preflight: not made here
    return codec


def synced(codec: MarketCodec, first: list[bytes]) -> None:
    """Hand the codec the first diff of every pair, then the snapshots they ask for."""
    from binance_site import depth_snapshot

    for frame in first:
        codec.parse(frame, RECV)
    for request in codec.pending_requests(0.0):
        symbol = dict(request.params)["symbol"]
        body = orjson.dumps(depth_snapshot(symbol, int(dict(request.params)["limit"])))
        codec.on_http(request, HttpResponse(200, {}, body), RECV)


def one_pass(channel: str, data: list[bytes], line_path: bool = False) -> tuple[float, int]:
    """(seconds, lines) of the data through a fresh codec (and a synced book); with `line_path`,
    each frame is first offered to the codec's line path (`codec.line`), as the engine does when
    the one consumer writes lines as they are, and goes to `parse` only where that declines."""
    codec = codec_for(channel)
    if channel == "book":
        synced(codec, data[:PAIRS])
        data = data[PAIRS:]
    out = bytearray()
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    count = 0

    def write(event: object) -> None:
        nonlocal count, out
        if type(event) is DataEvent:
            count += 1
        out += dumps(event.to_dict(), option=newline)  # type: ignore[attr-defined]
        if len(out) > 1 << 20:
            out = bytearray()

    emit = stamped(write)
    parse = codec.parse
    line_of = codec.line if line_path else None
    if line_of is not None:
        lines: list[bytes] = []
        t0 = time.process_time()
        for frame in data:
            line = line_of(frame, RECV)
            if line is not None:
                lines.append(line)  # what the writer joins and writes a socket read at a time
                if len(lines) >= 256:
                    out += b"".join(lines)
                    count += len(lines)
                    lines = []
                    if len(out) > 1 << 20:
                        out = bytearray()
                continue
            for event in parse(frame, RECV):
                emit(event)
        count += len(lines)
        return time.process_time() - t0, count
    t0 = time.process_time()
    for frame in data:
        for event in parse(frame, RECV):
            emit(event)
    return time.process_time() - t0, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("channel", choices=("trades", "book"))
    parser.add_argument("-n", type=int, default=200_000, help="messages (default 200,000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="one pass under cProfile: the top functions")
    parser.add_argument(
        "--path",
        choices=("parse", "line", "both"),
        default="both",
        help="parse: every frame through parse; line: the engine's line path first (where the codec has one); "
        "both: the two interleaved, pass by pass (default)",
    )
    parser.add_argument(
        "--frames-cache", type=Path, help="keep the frames here and read them back next time (callgrind: cheap set-up)"
    )
    args = parser.parse_args(argv)
    kind = "trade" if args.channel == "trades" else "depth@100ms"
    cache = args.frames_cache
    if cache is not None and cache.exists():
        data = pickle.loads(cache.read_bytes())[: args.n]
    else:
        data = frames(kind, args.n)
        if cache is not None:
            cache.write_bytes(pickle.dumps(data))
    paths = ("parse", "line") if args.path == "both" else (args.path,)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        seconds, lines = one_pass(args.channel, data, paths[-1] == "line")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0
    per_line: dict[str, list[float]] = {path: [] for path in paths}
    counts: dict[str, int] = {}
    for _ in range(args.repeats):
        for path in paths:  # interleaved: whatever else the cores do hits both alike
            seconds, lines = one_pass(args.channel, data, path == "line")
            per_line[path].append(seconds / lines * 1e6)
            counts[path] = lines
    for path in paths:
        sys.stdout.write(
            f"{args.channel} ({path}): {counts[path]:,} lines of {len(data):,} frames: best "
            f"{min(per_line[path]):.2f} µs a line, median {statistics.median(per_line[path]):.2f} "
            f"({args.repeats} passes)\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
