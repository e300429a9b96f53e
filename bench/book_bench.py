"""How fast L2Book applies updates and reads the top N, against a naive book in the same run.

    .venv/bin/python bench/book_bench.py            # 200,000 updates, depth 10
    .venv/bin/python bench/book_bench.py -n 50000 --depth 20 --levels 2000

The updates are generated once (seeded) and replayed into each book: a market of `--levels`
price levels a side around a drifting mid, where most updates change the size of a level near
the top, some add or remove levels, as a busy pair's diff stream does. Each book applies every
update and then reads its top `--depth` levels (what a book line needs). The naive baseline is
what a simple client does: a dict per side and `sorted()` of it for each read. Both must give
the same lines; the bench checks it. It prints updates per second for both, and exits 0.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedcli.providers.crypto.book import L2Book

Update = tuple[bool, float, float]  # (is_bid, price, size)


class NaiveBook:
    """A dict per side, sorted on every read."""

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}

    def set(self, is_bid: bool, price: float, size: float) -> None:
        side = self.bids if is_bid else self.asks
        if size > 0:
            side[price] = size
        else:
            side.pop(price, None)

    def top(self, n: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        return sorted(self.bids.items(), reverse=True)[:n], sorted(self.asks.items())[:n]


def generate(count: int, levels: int, seed: int) -> tuple[list[Update], list[Update]]:
    rng = random.Random(seed)
    tick = 0.01
    start: list[Update] = []
    for i in range(1, levels + 1):
        start.append((True, round(1000 - i * tick, 2), rng.uniform(0.1, 5)))
        start.append((False, round(1000 + i * tick, 2), rng.uniform(0.1, 5)))
    updates: list[Update] = []
    mid = 1000.0
    for _ in range(count):
        mid += rng.choice((-tick, 0.0, 0.0, tick))
        is_bid = rng.random() < 0.5
        distance = int(rng.expovariate(1 / 8)) + 1  # mostly near the top
        price = round(mid - distance * tick if is_bid else mid + distance * tick, 2)
        size = 0.0 if rng.random() < 0.25 else rng.uniform(0.1, 5)
        updates.append((is_bid, price, size))
    return start, updates


def run_l2(start: list[Update], updates: list[Update], depth: int) -> tuple[float, object]:
    book = L2Book()
    book.load([(p, s) for b, p, s in start if b], [(p, s) for b, p, s in start if not b])
    began = time.perf_counter()
    line = None
    set_bid, set_ask, top = book.set_bid, book.set_ask, book.top
    for is_bid, price, size in updates:
        (set_bid if is_bid else set_ask)(price, size)
        line = top(depth)
    return time.perf_counter() - began, line


def run_naive(start: list[Update], updates: list[Update], depth: int) -> tuple[float, object]:
    book = NaiveBook()
    for is_bid, price, size in start:
        book.set(is_bid, price, size)
    began = time.perf_counter()
    line = None
    for is_bid, price, size in updates:
        book.set(is_bid, price, size)
        line = book.top(depth)
    return time.perf_counter() - began, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="updates (default 200,000)")
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--levels", type=int, default=1000, help="levels a side at the start")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    start, updates = generate(args.n, args.levels, args.seed)
    naive_n = min(len(updates), 20_000)  # the naive book is slow: a sample is enough for its rate
    l2_time, l2_line = run_l2(start, updates, args.depth)
    naive_time, _ = run_naive(start, updates[:naive_n], args.depth)
    _, check_l2 = run_l2(start, updates[:naive_n], args.depth)
    _, check_naive = run_naive(start, updates[:naive_n], args.depth)
    if check_l2 != check_naive:
        print("FAIL: the two books disagree", file=sys.stderr)
        return 1
    l2_rate, naive_rate = len(updates) / l2_time, naive_n / naive_time
    print(f"book bench: {len(updates):,} updates ({naive_n:,} for the naive book), {args.levels:,} levels a side")
    print(f"  the top {args.depth} levels are read after every update")
    print(f"  L2Book (dict + bisect)       {l2_rate:>12,.0f} updates/s   {1e6 / l2_rate:6.2f} µs each")
    print(f"  naive (dict + sorted())      {naive_rate:>12,.0f} updates/s   {1e6 / naive_rate:6.2f} µs each")
    print(f"  ratio                        {l2_rate / naive_rate:>12.1f}x")
    print(f"  {'PASS' if l2_rate >= 20_000 else 'FAIL'}  L2Book >= 20,000 updates/s (tens of thousands a second)")
    del l2_line
    return 0


if __name__ == "__main__":
    sys.exit(main())
