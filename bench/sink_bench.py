"""Sink throughput into Redis and NATS against the client libraries' own loops, and memory with a sink down.

    .venv/bin/python bench/sink_bench.py            # 200,000 lines a run, 30 s down; about 2-3 minutes
    .venv/bin/python bench/sink_bench.py --quick    # 50,000 lines a run, 5 s down; under a minute

Private `redis-server` and `nats-server` (Debian packages; tests/support/servers.py starts them
on loopback ports of their own) take the same lines, in the same process and run, from:

- feedcli's sinks (`BrokerSink`, as `--sink` uses them): events emitted as the receive loop
  does (encode, render the key or subject, queue, wait on `pressure()`), until `aclose()`
  returns, that is until the server has confirmed every line;
- redis-py's own pipelined XADD loop (batches of 1,000, `transaction=False`), on lines and keys
  encoded beforehand (so the baseline pays nothing for encoding);
- nats-py's publish loop (`nc.publish` for each line, then one `flush`) for core NATS, and its
  `js.publish_async` loop (then every acknowledgement awaited) for JetStream.

Then reading the same lines back: `replay redis://...?key=PATTERN` and `replay nats://...?stream=`
(sources, line checks, filters and pacing at --speed 0, as the command runs them, without
stdout) against redis-py's own XRANGE paging loop and nats-py's pull-consumer fetch loop
(which neither merge by `recv` nor check a line).

Each pair runs in rounds, alternating, with the server emptied between runs (FLUSHALL, a purged
stream), and the median is reported with the ratio feedcli / library. Then the sink's memory
with its server down: a sink is started, the server stopped, and events are emitted for
`--down` seconds as a receiver would (held back by `pressure()`); the process's RSS is sampled
every half second; then the server comes back and the time to deliver the backlog is noted.

It prints a table, writes bench/results/sink.json and exits 0 whatever the figures: a report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedcli.events import DataEvent, RecvClock, encode_line  # noqa: E402
from feedcli.sinks.remote import open_sinks, parse_sinks  # noqa: E402
from feedcli.sinks.urls import safe  # noqa: E402
from tests.support.servers import NatsServer, RedisServer  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sink.json"
SYMBOLS = [f"SYM{i:02d}.X" for i in range(10)]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / (1 << 20)


def make_events(n: int) -> list[DataEvent]:
    """n book-like lines of about 350 bytes, over ten symbols."""
    clock = RecvClock()
    t0 = time.time()
    events = []
    for i in range(n):
        levels = [[round(100 + (i % 7) * 0.01 + k * 0.01, 2), 10 + (i * k) % 97] for k in range(5)]
        data = {"bids": levels, "asks": [[p + 1, q] for p, q in levels], "u": 1_000_000 + i}
        events.append(DataEvent("binance", "book", SYMBOLS[i % 10], None, clock.format(t0 + i * 1e-5), data))
    return events


# ---------------------------------------------------------------------- runs


async def feedcli_run(url: str, events: list[DataEvent]) -> float:
    (sink,) = open_sinks(parse_sinks([url]), note=lambda _m: None)
    await sink.start()
    began = time.perf_counter()
    for event in events:
        sink.emit(event)
        waiter = sink.pressure()
        if waiter is not None:
            await waiter
    await sink.aclose()
    elapsed = time.perf_counter() - began
    assert sink.delivered == len(events), (sink.delivered, len(events))
    return len(events) / elapsed


async def redis_py_run(port: int, routed: list[tuple[str, bytes]]) -> float:
    import redis.asyncio as aioredis

    client = aioredis.Redis(port=port)
    await client.ping()
    began = time.perf_counter()
    for at in range(0, len(routed), 1000):
        pipe = client.pipeline(transaction=False)
        for key, line in routed[at : at + 1000]:
            pipe.xadd(key, {"line": line})
        await pipe.execute()
    elapsed = time.perf_counter() - began
    await client.aclose()
    return len(routed) / elapsed


async def nats_py_run(port: int, routed: list[tuple[str, bytes]], stream: bool) -> float:
    import nats

    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    began = time.perf_counter()
    if stream:
        futures = [await js.publish_async(subject, line) for subject, line in routed]
        await asyncio.gather(*futures)
    else:
        for subject, line in routed:
            await nc.publish(subject, line)
        await nc.flush()
    elapsed = time.perf_counter() - began
    await nc.close()
    return len(routed) / elapsed


async def empty_redis(port: int) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis(port=port)
    await client.flushall()
    await client.aclose()


async def empty_stream(port: int) -> None:
    import nats
    import nats.js.errors

    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    try:
        await js.purge_stream("BENCH")
    except nats.js.errors.NotFoundError:
        await js.add_stream(name="BENCH", subjects=["feedcli.>"])
    await nc.close()


async def throughput(redis_srv: RedisServer, nats_srv: NatsServer, n: int, rounds: int) -> dict[str, Any]:
    events = make_events(n)
    lines = [encode_line(e)[:-1] for e in events]
    keys = [f"feedcli:binance:book:{safe(e.symbol)}" for e in events]
    subjects = [f"feedcli.binance.book.{safe(e.symbol)}" for e in events]
    redis_routed = list(zip(keys, lines, strict=True))
    nats_routed = list(zip(subjects, lines, strict=True))
    pairs: dict[str, tuple[Any, Any, Any]] = {
        "redis XADD": (
            lambda: feedcli_run(redis_srv.url(), events),
            lambda: redis_py_run(redis_srv.port, redis_routed),
            lambda: empty_redis(redis_srv.port),
        ),
        "nats core": (
            lambda: feedcli_run(nats_srv.url(), events),
            lambda: nats_py_run(nats_srv.port, nats_routed, stream=False),
            lambda: asyncio.sleep(0),
        ),
        "nats JetStream": (
            lambda: feedcli_run(nats_srv.url("stream=BENCH"), events),
            lambda: nats_py_run(nats_srv.port, nats_routed, stream=True),
            lambda: empty_stream(nats_srv.port),
        ),
    }
    return {name: await interleaved(name, ours, theirs, rounds, reset) for name, (ours, theirs, reset) in pairs.items()}


async def _nothing() -> None:
    return None


async def interleaved(
    name: str,
    ours: Callable[[], Awaitable[float]],
    theirs: Callable[[], Awaitable[float]],
    rounds: int,
    reset: Callable[[], Awaitable[None]] = _nothing,
) -> dict[str, Any]:
    """feedcli's run and the library's, a warm-up each, then `rounds` of both in alternating
    order (`reset` before every run); their medians in lines/s, and the ratio, printed too."""
    await reset()
    await ours()  # warm-up, both
    await reset()
    await theirs()
    mine: list[float] = []
    base: list[float] = []
    for r in range(rounds):
        order = [(ours, mine), (theirs, base)] if r % 2 == 0 else [(theirs, base), (ours, mine)]
        for run, into in order:
            await reset()
            into.append(await run())
    m, b = statistics.median(mine), statistics.median(base)
    print(f"{name:16} feedcli {m:>10,.0f} lines/s   library {b:>10,.0f} lines/s   ratio {m / b:5.2f}", flush=True)
    return {"feedcli": round(m), "library": round(b), "ratio": round(m / b, 3), "runs": [mine, base]}


# ---------------------------------------------------------------------- reading back


class _Count:
    """A replay Output that counts what it is given (stdout's cost is replay_bench's business)."""

    def __init__(self) -> None:
        self.lines = 0

    async def start(self) -> None: ...

    async def send(self, lines: list[bytes]) -> None:
        self.lines += len(lines)

    async def aclose(self) -> None: ...


async def replay_read(url: str, n: int) -> float:
    """`feedcli replay URL --speed 0` without stdout: read back, checked, filtered, paced, merged."""
    from feedcli.replay import Counters
    from feedcli.replay.playback import ReplayOptions, _from_source
    from feedcli.sinks.remote import open_chunks

    out = _Count()
    options = ReplayOptions(files=(url,), speed=0.0)
    began = time.perf_counter()
    await _from_source(open_chunks(url), out, url, options)(lambda m: None, Counters())
    elapsed = time.perf_counter() - began
    assert out.lines == n, (out.lines, n)
    return n / elapsed


async def redis_py_read(port: int, keys: list[str], n: int) -> float:
    """redis-py's own XRANGE loop, a page of 1,000 at a time per key (no merge, no checks)."""
    import redis.asyncio as aioredis

    client = aioredis.Redis(port=port)
    await client.ping()
    got = 0
    began = time.perf_counter()
    for key in keys:
        start = "-"
        while True:
            page = await client.xrange(key, min=start, max="+", count=1000)
            got += sum(1 for _id, fields in page if b"line" in fields)
            if len(page) < 1000:
                break
            start = b"(" + page[-1][0]
    elapsed = time.perf_counter() - began
    await client.aclose()
    assert got == n, (got, n)
    return n / elapsed


async def nats_py_read(port: int, n: int) -> float:
    """nats-py's pull consumer on the stream, fetching 500 at a time (no sort, no checks)."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig

    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    began = time.perf_counter()
    sub = await js.pull_subscribe("feedcli.>", stream="BENCH", config=ConsumerConfig(ack_policy=AckPolicy.NONE))
    got = 0
    while got < n:
        msgs = await sub.fetch(min(500, n - got), timeout=10)
        got += sum(1 for m in msgs if m.data)
    elapsed = time.perf_counter() - began
    await nc.close()
    return n / elapsed


async def reading_back(redis_srv: RedisServer, nats_srv: NatsServer, n: int, rounds: int) -> dict[str, Any]:
    """Reading n lines back (`replay redis://...`, `replay nats://...`) against the libraries' read loops."""
    events = make_events(n)
    lines = [encode_line(e)[:-1] for e in events]
    keys = [f"feedcli:binance:book:{safe(e.symbol)}" for e in events]
    subjects = [f"feedcli.binance.book.{safe(e.symbol)}" for e in events]
    await empty_redis(redis_srv.port)
    await redis_py_run(redis_srv.port, list(zip(keys, lines, strict=True)))
    await empty_stream(nats_srv.port)
    await nats_py_run(nats_srv.port, list(zip(subjects, lines, strict=True)), stream=True)
    distinct = sorted(set(keys))
    pairs = {
        "read Redis": (
            lambda: replay_read(redis_srv.url("/0", "key=feedcli:binance:*"), n),
            lambda: redis_py_read(redis_srv.port, distinct, n),
        ),
        "read JetStream": (
            lambda: replay_read(nats_srv.url("subject=feedcli.>&stream=BENCH"), n),
            lambda: nats_py_read(nats_srv.port, n),
        ),
    }
    return {name: await interleaved(name, ours, theirs, rounds) for name, (ours, theirs) in pairs.items()}


async def memory_down(redis_srv: RedisServer, seconds: float) -> dict[str, Any]:
    """RSS while the sink's server is down and a receiver keeps emitting into it."""
    events = make_events(20000)
    notes: list[str] = []
    (sink,) = open_sinks(parse_sinks([redis_srv.url()]), note=notes.append)
    await sink.start()
    await asyncio.to_thread(redis_srv.stop)
    samples: list[tuple[float, float]] = []
    emitted = 0

    async def receiver() -> None:
        nonlocal emitted
        while True:
            sink.emit(events[emitted % len(events)])
            emitted += 1
            waiter = sink.pressure()
            if waiter is not None:
                await waiter
            elif emitted % 500 == 0:
                await asyncio.sleep(0)

    task = asyncio.create_task(receiver())
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        samples.append((round(time.monotonic() - began, 2), round(rss_mib(), 1)))
        await asyncio.sleep(0.5)
    held = emitted
    task.cancel()  # the receiver stops; what it emitted must all arrive once the server is back
    await asyncio.gather(task, return_exceptions=True)
    backlog = sink.pending()
    redis_srv.start()  # from the main thread: the server dies with the thread that started it
    back = time.monotonic()
    await sink.aclose()
    drained = time.monotonic() - back
    assert sink.pending() == 0 and sink.delivered >= backlog
    first, peak, last = samples[0][1], max(s[1] for s in samples), samples[-1][1]
    print(
        f"sink down {seconds:.0f} s: {held:,} lines taken then held back; RSS {first:.1f} MiB at the stop, "
        f"peak {peak:.1f}, last {last:.1f} (growth {peak - first:+.1f} MiB); the backlog of {backlog:,} lines "
        f"delivered in {drained:.2f} s after the server came back",
        flush=True,
    )
    return {"seconds": seconds, "lines_held": held, "rss_mib": samples, "growth_mib": round(peak - first, 1),
            "drain_seconds": round(drained, 2), "notes": notes}  # fmt: skip


async def main(args: argparse.Namespace) -> dict[str, Any]:
    redis_srv = RedisServer("--appendonly", "no")
    nats_srv = NatsServer()
    redis_srv.start()
    nats_srv.start()
    try:
        result: dict[str, Any] = {"lines": args.lines, "rounds": args.rounds}
        result["throughput"] = await throughput(redis_srv, nats_srv, args.lines, args.rounds)
        result["reading_back"] = await reading_back(redis_srv, nats_srv, args.lines, args.rounds)
        result["memory_down"] = await memory_down(redis_srv, args.down)
        return result
    finally:
        redis_srv.close()
        nats_srv.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 lines a run, 5 s down")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--down", type=float, default=30.0)
    args = parser.parse_args()
    if args.quick:
        args.lines, args.down = 50_000, 5.0
    try:
        result = asyncio.run(main(args))
        result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=1))
        print(f"written to {RESULTS.relative_to(ROOT)}")
    except Exception as exc:  # a report, not a test
        print(f"sink_bench: {exc.__class__.__name__}: {exc}", file=sys.stderr)
