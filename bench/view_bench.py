"""How the live view holds up under a firehose: redraw rate, render CPU and display lag.

    .venv/bin/python bench/view_bench.py            # 10 s at 50,000 msg/s
    .venv/bin/python bench/view_bench.py --quick    # about 3 s

A feeder task on the same event loop calls `view.emit` at the target rate, in batches,
as the receive loop would (it builds a `DataEvent` per message, with realistic TSE
best-limit, order-book, aggregate and the odd ohlcv-last-1m payload over ten symbols),
while `view.run` draws into an in-memory 120×40 terminal at 10 fps. Everything shares
one thread, so the figures include the real contention: while a frame renders, the
feeder waits, and then catches up in a bigger batch, just as a socket's buffer would.

Measured:

- redraw rate: frames drawn per second of the run (target ≥ 9.5 at fps 10);
- render CPU: process time spent building and rendering frames (snapshot, mapping,
  layout, Rich's rendering to segments and the write), total and per frame;
- lag: for every message, the time from its `emit` to the end of rendering the first
  frame that included it (the feeder records (time, sequence) per batch; each frame
  records the newest sequence it took in); p50/p99/max over messages (target p99 ≤ 200 ms);
- feeder rate: messages actually emitted per second (must reach the 50,000 target,
  else the other figures flatter the view).

It prints PASS/FAIL per target and exits 0 whatever the figures: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import io
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

from feedcli.events import ControlEvent, DataEvent, RecvClock
from feedcli.simulators.ht_preview import sample_book
from feedcli.views.live import LiveView

TEHRAN = timezone(timedelta(hours=3, minutes=30))
SYMBOLS = [f"IRO1S{i:03d}0001" for i in range(10)]
#: the feeder wakes this often and emits what the rate owes since the last batch
BATCH_INTERVAL = 0.002
#: distinct payloads per (symbol, channel), cycled: enough that levels keep changing
VARIANTS = 16


def _payloads(rng: random.Random) -> list[tuple[str, str, Any]]:
    """(channel, symbol, data) templates, in the mix a TSE subscription produces."""
    out: list[tuple[str, str, Any]] = []
    for n, symbol in enumerate(SYMBOLS):
        base = 1_000 * (n + 2)
        step = max(1, base // 1000)
        for v in range(VARIANTS):
            last = base + rng.randint(-10, 10) * step
            best = {
                str(i): {
                    "buy_order_count": rng.randint(1, 60),
                    "buy_quantity": rng.randrange(1_000, 900_000, 100),
                    "buy_price": last - i * step,
                    "sell_order_count": rng.randint(1, 60),
                    "sell_quantity": rng.randrange(1_000, 900_000, 100),
                    "sell_price": last + i * step,
                }
                for i in range(1, 6)
            }
            book = sample_book(rng, last, step)
            agg = {
                "date": "2025-11-14",
                "time": "12:00:00",
                "trade_count": 1_000 + v,
                "total_volume": 5_000_000 + v * 1_000,
                "total_value": (5_000_000 + v * 1_000) * last,
                "closing_price": last,
                "last_price": last,
                "low_price": base - 20 * step,
                "high_price": base + 20 * step,
                "open_price": base,
                "previous_close": base - step,
            }
            bar = {"open": base, "high": last + step, "low": last - 2 * step, "close": last, "volume": 1_000 * v}
            # weights: best limits most often, then the order book, then the aggregate, rarely a bar
            out += [("best-limit", symbol, best)] * 12 + [("order-book", symbol, book)] * 5
            out += [("aggregate", symbol, agg)] * 3 + ([("ohlcv-last-1m", symbol, bar)] if v % 4 == 0 else [])
    rng.shuffle(out)
    return out


class _Timed:
    """Wraps a frame so the bench learns when Rich has finished rendering it."""

    def __init__(self, inner: RenderableType, bench: BenchView) -> None:
        self.inner = inner
        self.bench = bench

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.inner, options)
        self.bench.rendered()


class BenchView(LiveView):
    """A LiveView that records, per frame, the newest message it took in and the render cost."""

    def __init__(self, feeder: Feeder, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feeder = feeder
        #: (render end, newest sequence shown, cpu seconds, wall seconds) per frame
        self.frames: list[tuple[float, int, float, float]] = []
        self._mark: tuple[int, float, float] | None = None

    def frame(self, width: int, height: int, now: float | None = None) -> RenderableType:
        self._mark = (self.feeder.sent, time.process_time(), time.perf_counter())
        return _Timed(super().frame(width, height, now), self)

    def rendered(self) -> None:
        if self._mark is None:
            return
        seq, cpu0, wall0 = self._mark
        end = time.perf_counter()
        self.frames.append((end, seq, time.process_time() - cpu0, end - wall0))
        self._mark = None


class Feeder:
    """Emits `rate` messages a second into the view, in batches, for `seconds`."""

    def __init__(self, rate: float, seconds: float) -> None:
        self.rate = rate
        self.seconds = seconds
        self.sent = 0
        #: (emit time, sequence after the batch): when each message was handed to the view
        self.batches: list[tuple[float, int]] = []
        self.started = 0.0
        self.ended = 0.0

    async def run(self, view: LiveView) -> None:
        pool = _payloads(random.Random(7))
        n = len(pool)
        clock = RecvClock()
        emit = view.emit
        self.started = start = time.perf_counter()
        deadline = start + self.seconds
        i = 0
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            owed = int((now - start) * self.rate) - self.sent
            if owed > 0:
                recv = clock.now()
                sent_at = datetime.now(TEHRAN).replace(tzinfo=None) - timedelta(milliseconds=15)
                ts = sent_at.isoformat(timespec="microseconds")
                for _ in range(owed):
                    channel, symbol, data = pool[i % n]
                    i += 1
                    emit(DataEvent("tse", channel, symbol, ts, recv, data))
                self.sent += owed
                self.batches.append((time.perf_counter(), self.sent))
            await asyncio.sleep(BATCH_INTERVAL)
        self.ended = time.perf_counter()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def lags(feeder: Feeder, frames: list[tuple[float, int, float, float]]) -> list[tuple[float, int]]:
    """(lag seconds, messages) per batch: from its emit to the first frame that showed it."""
    shown_seq = [seq for _, seq, _, _ in frames]
    out = []
    prev = 0
    for t, seq in feeder.batches:
        k = bisect.bisect_left(shown_seq, seq)  # the first frame whose newest message is this batch's last
        if k < len(frames):
            out.append((frames[k][0] - t, seq - prev))
        prev = seq
    return out


def weighted_percentile(samples: list[tuple[float, int]], q: float) -> float:
    """The q-quantile over messages (each batch's lag counted once per message in it)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    total = sum(w for _, w in ordered)
    target = q * total
    acc = 0
    for value, weight in ordered:
        acc += weight
        if acc >= target:
            return value
    return ordered[-1][0]


async def bench(rate: float, seconds: float, fps: float) -> dict[str, float]:
    feeder = Feeder(rate, seconds)
    view = BenchView(feeder, title="view bench", providers=["tse"])
    view.emit(ControlEvent("tse", "connected", RecvClock().now()))
    console = Console(file=io.StringIO(), width=120, height=40, force_terminal=True)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    drawer = asyncio.create_task(view.run(console=console, fps=fps))
    await feeder.run(view)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    await view.aclose()
    await drawer
    frames = [f for f in view.frames if f[0] <= feeder.ended]
    samples = lags(feeder, view.frames)
    render_cpu = sum(f[2] for f in frames)
    render_wall = sorted(f[3] for f in frames)
    return {
        "seconds": wall,
        "target_rate": rate,
        "feeder_rate": feeder.sent / (feeder.ended - feeder.started),
        "messages": feeder.sent,
        "frames": len(frames),
        "redraw_rate": len(frames) / (feeder.ended - feeder.started),
        "render_cpu_s": render_cpu,
        "render_cpu_share": render_cpu / wall,
        "render_ms_p50": _percentile(render_wall, 0.50) * 1000,
        "render_ms_max": (render_wall[-1] if render_wall else float("nan")) * 1000,
        "process_cpu_share": cpu / wall,
        "lag_ms_p50": weighted_percentile(samples, 0.50) * 1000,
        "lag_ms_p99": weighted_percentile(samples, 0.99) * 1000,
        "lag_ms_max": max((s for s, _ in samples), default=float("nan")) * 1000,
        "state_size": view.state_size(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 3 s instead of 10")
    parser.add_argument("--rate", type=float, default=50_000.0, help="messages per second to emit")
    parser.add_argument("--seconds", type=float, help="how long to feed (default 10, or 3 with --quick)")
    parser.add_argument("--fps", type=float, default=10.0)
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    r = asyncio.run(bench(args.rate, seconds, args.fps))

    head = f"{r['messages']:,} messages in {r['seconds']:.1f} s, 10 symbols, 120x40, fps {args.fps:g}"
    print(f"live view bench: {head}")
    print(f"  feeder rate       {r['feeder_rate']:>10,.0f} msg/s   (target {args.rate:,.0f})")
    print(f"  redraw rate       {r['redraw_rate']:>10.2f} frames/s ({r['frames']} frames)")
    per_frame = f"p50 {r['render_ms_p50']:.1f} ms, max {r['render_ms_max']:.1f} ms a frame"
    print(
        f"  render CPU        {r['render_cpu_s']:>10.3f} s       ({r['render_cpu_share']:.1%} of a core; {per_frame})"
    )
    print(f"  process CPU       {r['process_cpu_share']:>10.1%}         (feeder + emit + render)")
    lag = f"{r['lag_ms_p50']:.0f} / {r['lag_ms_p99']:.0f} / {r['lag_ms_max']:.0f}"
    print(f"  lag p50/p99/max   {lag:>10} ms      (emit -> end of the frame showing it)")
    print(f"  state size        {r['state_size']:>10,}         (bounded: symbols, channels, samples)")
    checks = [
        ("feeder >= target", r["feeder_rate"] >= args.rate * 0.99),
        (f"redraw >= {0.95 * args.fps:g}/s", r["redraw_rate"] >= 0.95 * args.fps),
        ("lag p99 <= 200 ms", r["lag_ms_p99"] <= 200),
    ]
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
