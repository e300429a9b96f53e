"""The REST limiter is the run's, not a connection's: every session of a run charges the one
limiter its options carry. Two Bybit connections (100 pairs, 50 a connection) backfill against
the Bybit simulator; the limiter's clock moves only when it makes a call wait, so what it
admitted and how long it made calls wait are exact counts, not timings."""

from __future__ import annotations

import asyncio
import itertools
import string

from feedcli import providers
from feedcli.ratelimit import SAFETY, Pool, RateLimiter, RestLimits
from feedcli.session import Session, SessionOptions
from feedcli.simulators.bybit import BybitSimulator

PAIRS = [f"{a}{b}X-USDT" for a, b in itertools.islice(itertools.product(string.ascii_uppercase, repeat=2), 100)]
#: 20 calls per 10 s: a burst of 9, then 0.9 a second
LIMITS = RestLimits(pools=(Pool("ip", 20, 10.0),))


def test_every_connection_of_a_run_charges_the_one_limiter() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        await asyncio.sleep(0)

    limiter = RateLimiter(LIMITS, clock=lambda: now[0], sleep=fake_sleep)
    record = providers.get("bybit")

    async def main() -> None:
        sim = BybitSimulator(rate=1.0, pairs=dict.fromkeys(PAIRS, 100.0))
        url = await sim.start()
        try:
            connect = record.prepare({"pair": PAIRS, "interval": "1m", "backfill": "2"}, {})
            count = len(connect(url, None))
            assert count == 2  # 50 pairs a connection
            options = SessionOptions(stale_after=None, ping_interval=None, trust_env=False, rest_limiter=limiter)
            sessions = [
                Session(lambda i=i: connect(url, None)[i], lambda _event: None, options=options) for i in range(count)
            ]
            tasks = [asyncio.ensure_future(s.run()) for s in sessions]
            while len(sim.rest_log) < len(PAIRS):  # every backfill call answered
                assert not [t.result() for t in tasks if t.done()], "a session ended"  # (raises what it raised)
                await asyncio.sleep(0.01)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await sim.stop()

    asyncio.run(main())
    assert limiter.calls == len(PAIRS)  # both connections' calls, through this limiter
    burst = int(20 * SAFETY / 2)
    # what went beyond one burst waited for the shared bucket: 91 calls at 0.9 a second
    assert sum(slept) >= (len(PAIRS) - burst) / (20 * SAFETY / 2 / 10.0) - 1e-6
