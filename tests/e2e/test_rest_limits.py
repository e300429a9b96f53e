"""REST limits end to end: `feedcli stream binance` with 50 pairs backfilling, against a simulator
that enforces Binance's documented weights (429, then 418) on a compressed time scale.

The simulator runs in this process (so its refusals can be counted) and `feedcli` as a
subprocess. Both sides scale Binance's limits alike (FEEDCLI_REST_LIMITS_SCALE and
`rest_limits_scale`): 60 weight per 0.6 s instead of 6000 per minute, the same pace, so the
run's 120 weight (exchangeInfo 20 + 50 klines at 2) cannot all go at once.
"""

from __future__ import annotations

import asyncio
import itertools
import string
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from feedcli.simulators.binance import BinanceSimulator
from tests.support.cli import feedcli_env, lines, run

pytestmark = pytest.mark.e2e

SCALE = "0.01"
BACKFILL = 10


@contextmanager
def in_thread(server: Any) -> Iterator[Any]:
    """Run a simulator on its own event loop in a thread, for as long as the block runs."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def pairs(count: int) -> list[str]:
    return [f"{a}{b}X-USDT" for a, b in itertools.islice(itertools.product(string.ascii_uppercase, repeat=2), count)]


PAIRS = pairs(50)


def backfill(tmp_path: Any, sim: Any, names: list[str], **env: str) -> Any:
    """`feedcli stream` of every pair with --backfill, until the backfill is written."""
    with in_thread(sim):
        args = ["stream", sim.name, "--url", sim.url, "--interval", "1m", "--backfill", str(BACKFILL)]
        args += [arg for pair in names for arg in ("--pair", pair)]
        return run([*args, "--limit", str(len(names) * BACKFILL)], feedcli_env(tmp_path, **env), timeout=90)


def backfill_fifty(tmp_path: Any, **env: str) -> tuple[Any, BinanceSimulator]:
    sim = BinanceSimulator(rate=1.0, pairs=dict.fromkeys(PAIRS, 100.0), rest_limits_scale=float(SCALE))
    return backfill(tmp_path, sim, PAIRS, **env), sim


def test_fifty_pairs_backfilling_never_get_a_429(tmp_path) -> None:
    result, sim = backfill_fifty(tmp_path, FEEDCLI_REST_LIMITS_SCALE=SCALE)
    assert result.returncode == 0, result.stderr
    assert sim.enforcer is not None and sim.enforcer.refused == 0, result.stderr
    assert "rate limited" not in result.stderr
    # 120 weight at 45 a second, past a burst of 27: about 2 s of pacing, which stderr explains
    assert "REST calls paced to the exchange's documented limits" in result.stderr
    calls = Counter(path for path, _query in sim.rest_log)
    assert calls == {"/api/v3/exchangeInfo": 1, "/api/v3/klines": len(PAIRS)}  # each made once
    out = lines(result.stdout)
    assert Counter(o["symbol"] for o in out) == dict.fromkeys(PAIRS, BACKFILL)


def test_without_the_limiter_the_same_run_is_refused(tmp_path) -> None:
    """The check above can fail: a client paced to the unscaled limits (its burst alone is 2700
    weight) overfills the scaled window at once, and the simulator refuses it."""
    result, sim = backfill_fifty(tmp_path)
    assert result.returncode == 0, result.stderr  # the refused calls are waited out and made again
    assert sim.enforcer is not None and sim.enforcer.refused > 0
    assert "rate limited (HTTP 429" in result.stderr


def test_connections_of_one_run_share_one_budget(tmp_path) -> None:
    """100 Bybit pairs ride on two connections (50 each) whose backfills run at once: one
    limiter for the run keeps their sum within Bybit's 600 calls per 5 s (scaled: 60 per
    0.5 s). A limiter per connection would spend twice the budget, and Bybit's answer to that,
    403 "access too frequent", ends the run."""
    from feedcli.simulators.bybit import BybitSimulator

    names = pairs(100)
    sim = BybitSimulator(rate=1.0, pairs=dict.fromkeys(names, 100.0), rest_limits_scale=0.1)
    result = backfill(tmp_path, sim, names, FEEDCLI_REST_LIMITS_SCALE="0.1")
    assert result.returncode == 0, result.stderr
    assert sim.enforcer is not None and sim.enforcer.refused == 0, result.stderr
    assert Counter(o["symbol"] for o in lines(result.stdout)) == dict.fromkeys(names, BACKFILL)
    assert len(sim.rest_log) == len(names)


def test_fifty_pairs_taking_book_snapshots_never_get_a_429(tmp_path) -> None:
    """`--channel book` on 50 Binance pairs: 50 `GET /api/v3/depth` snapshots (weight 5 each at
    the limit of 100 that --depth 10 takes) plus exchangeInfo, under the scaled weights."""
    import subprocess

    from tests.support.cli import FEEDCLI, wait_for

    sim = BinanceSimulator(rate=5.0, pairs=dict.fromkeys(PAIRS, 100.0), rest_limits_scale=float(SCALE))
    with in_thread(sim):
        args = [*FEEDCLI, "stream", "binance", "--url", sim.url, "--channel", "book", "--depth", "10"]
        args += [arg for pair in PAIRS for arg in ("--pair", pair)]
        env = feedcli_env(tmp_path, FEEDCLI_REST_LIMITS_SCALE=SCALE)
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            depth_calls = lambda: sum(path == "/api/v3/depth" for path, _q in sim.rest_log)  # noqa: E731
            assert wait_for(lambda: depth_calls() >= len(PAIRS), 60), depth_calls()
        finally:
            proc.terminate()
            _out, stderr = proc.communicate(timeout=20)
    assert sim.enforcer is not None and sim.enforcer.refused == 0, stderr
    assert "rate limited" not in stderr
