"""The REST limiter (feedcli/ratelimit.py): token buckets on an injected clock, never a real wait."""

from __future__ import annotations

import asyncio
import random

import pytest

from feedcli import providers
from feedcli.ratelimit import SAFETY, Pool, RateLimiter, RestLimits, Rule, TokenBucket, by_limit

BINANCE = providers.find("binance").rest_limits  # type: ignore[union-attr]
CRYPTO = ("binance", "okx", "bybit", "gate", "kucoin", "coinbase")


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def drive(limits: RestLimits, calls: list[tuple[str, dict[str, str]]]) -> list[tuple[float, float, str]]:
    """Make `calls` one after the other through a limiter; (time, weight, pool key path) of each."""
    fake = FakeTime()
    limiter = RateLimiter(limits, clock=fake.clock, sleep=fake.sleep)
    made = []

    async def main() -> None:
        for path, params in calls:
            await limiter.acquire("https://api.example.com" + path, params)
            ((key, weight),) = limits.costs(path, params)
            made.append((fake.now, weight, key[1]))

    asyncio.run(main())
    return made


def heaviest_window(made: list[tuple[float, float, str]], window: float) -> float:
    """The most weight any window of `window` seconds (sliding, wherever it starts) holds."""
    best = 0.0
    for i, (start, _w, _k) in enumerate(made):
        best = max(best, sum(w for t, w, _k in made[i:] if t < start + window))
    return best


def test_binance_weights_are_the_documented_ones() -> None:
    # developers.binance.com, market data endpoints: depth by limit, klines 2, exchangeInfo 20
    def weight(path: str, **params: str) -> float:
        return BINANCE.costs(path, params)[0][1]

    assert [weight("/api/v3/depth", limit=str(n)) for n in (1, 100, 101, 500, 501, 1000, 1001, 5000)] == [
        5, 5, 25, 25, 50, 50, 250, 250,
    ]  # fmt: skip
    assert weight("/api/v3/depth") == 5  # the default limit is 100
    assert weight("/api/v3/klines", limit="1000") == 2
    assert weight("/api/v3/exchangeInfo") == 20
    assert BINANCE.pools[0].limit == 6000 and BINANCE.pools[0].window == 60
    assert (BINANCE.over_status, BINANCE.ban_status) == (429, 418)


@pytest.mark.parametrize("name", CRYPTO)
def test_every_crypto_exchange_declares_its_limits_with_a_source(name: str) -> None:
    limits = providers.find(name).rest_limits  # type: ignore[union-attr]
    assert limits is not None and limits.source.startswith("https://")
    assert all(p.limit > 0 and p.window > 0 for p in limits.pools)


def test_a_burst_of_half_the_budget_goes_at_once_then_the_documented_pace() -> None:
    # 50 pairs backfilling on Binance weigh 100 of a 2700 burst: no wait at all
    made = drive(BINANCE, [("/api/v3/klines", {})] * 50)
    assert made[-1][0] == made[0][0]
    # 2000 of them (4000 weight) outrun the burst: the rest goes at 0.45 * 6000 a minute
    made = drive(BINANCE, [("/api/v3/klines", {})] * 2000)
    burst = int(6000 * SAFETY / 2 / 2)
    assert made[burst - 1][0] == made[0][0] and made[burst][0] > made[0][0]
    rate = 6000 * SAFETY / 2 / 60
    assert made[-1][0] - made[0][0] == pytest.approx((2000 - burst) * 2 / rate, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_no_window_ever_holds_more_than_the_budget(seed: int) -> None:
    rng = random.Random(seed)
    limits = RestLimits(
        pools=(Pool("weight", 300, 10.0),),
        rules=(Rule("/depth", by_limit(((100, 5), (500, 25), (1000, 50)), default=100)),),
        default_weight=2,
    )
    calls = [
        ("/depth", {"limit": str(rng.choice((10, 200, 800)))}) if rng.random() < 0.3 else ("/klines", {})
        for _ in range(400)
    ]
    made = drive(limits, calls)
    assert heaviest_window(made, 10.0) <= 300 * SAFETY + 1e-9
    # and the limiter is not needlessly slow: the whole run is within a window of the ideal pace
    total = sum(w for _t, w, _k in made)
    assert made[-1][0] - made[0][0] <= total / (300 * SAFETY / 2 / 10.0)


def test_pools_per_endpoint_are_counted_apart() -> None:
    limits = RestLimits(pools=(Pool("endpoint", 20, 2.0, per_endpoint=True),))
    made = drive(limits, [("/candles", {}), ("/books", {})] * 9)
    assert made[-1][0] == made[0][0]  # 9 each: within each endpoint's burst of 9
    made = drive(limits, [("/candles", {})] * 10)
    assert made[-1][0] > made[0][0]
    for path in ("/candles", "/books"):
        assert heaviest_window([m for m in made if m[2] == path], 2.0) <= 20 * SAFETY


def test_a_call_heavier_than_the_bucket_waits_for_a_full_bucket_and_is_made() -> None:
    limits = RestLimits(pools=(Pool("weight", 100, 1.0),), rules=(Rule("/huge", 250),))
    made = drive(limits, [("/huge", {}), ("/huge", {})])
    assert len(made) == 2 and made[1][0] > made[0][0]


def test_a_refusal_holds_every_call_until_its_retry_after() -> None:
    fake = FakeTime()
    limiter = RateLimiter(BINANCE, clock=fake.clock, sleep=fake.sleep)
    limiter.penalize(7.0)
    start = fake.now
    asyncio.run(limiter.acquire("https://api.binance.com/api/v3/klines", {}))
    assert fake.now == start + 7.0
    limiter.penalize(None)  # no Retry-After: a whole window
    assert limiter.reserve("https://api.binance.com/api/v3/klines", {}, fake.now) == 60.0


def test_scaled_limits_keep_the_pace_and_shrink_the_window() -> None:
    scaled = BINANCE.scaled(0.01)
    assert (scaled.pools[0].limit, scaled.pools[0].window) == pytest.approx((60, 0.6))
    with pytest.raises(ValueError):
        BINANCE.scaled(0)


def test_bucket_refills_at_its_rate_up_to_its_capacity() -> None:
    bucket = TokenBucket(10, 2.0, now=0.0)
    bucket.spend(10, 0.0)
    assert bucket.wait(4, 0.0) == pytest.approx(2.0)
    assert bucket.wait(4, 2.0) == 0.0
    assert bucket.wait(10, 100.0) == 0.0 and bucket.tokens == 10


def test_an_exchange_that_counts_with_a_token_bucket_gets_its_bucket() -> None:
    coinbase = providers.find("coinbase").rest_limits  # type: ignore[union-attr]
    made = drive(coinbase, [("/api/v3/brokerage/market/products/BTC-USD/candles", {})] * 40)
    burst = int(15 * SAFETY)  # 13 at once, then 9 a second
    assert made[burst - 1][0] == made[0][0] < made[burst][0]
    assert made[-1][0] - made[0][0] == pytest.approx((40 - 15 * SAFETY) / (10 * SAFETY), rel=1e-6)
    assert heaviest_window(made, 1.0) <= 15 * SAFETY + 10 * SAFETY


def test_okx_counts_each_endpoint_apart_at_its_own_limit() -> None:
    okx = providers.find("okx").rest_limits  # type: ignore[union-attr]
    for path, limit in (("/api/v5/market/candles", 40), ("/api/v5/market/history-candles", 20)):
        made = drive(okx, [(path, {})] * 60)
        burst = int(limit * SAFETY / 2)
        assert made[burst - 1][0] == made[0][0] < made[burst][0], path
        assert heaviest_window(made, 2.0) <= limit * SAFETY + 1e-9
    # the two together: each within its own limit, neither charged for the other
    calls = [("/api/v5/market/candles", {}), ("/api/v5/market/history-candles", {})] * 40
    made = drive(okx, calls)
    candles = [m for m, (path, _q) in zip(made, calls, strict=True) if path.endswith("/candles")]
    history = [m for m, (path, _q) in zip(made, calls, strict=True) if path.endswith("history-candles")]
    assert heaviest_window(candles, 2.0) <= 40 * SAFETY + 1e-9
    assert heaviest_window(history, 2.0) <= 20 * SAFETY + 1e-9
