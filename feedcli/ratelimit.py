"""Client-side REST limits: every REST call of an exchange paced to the weights it documents.

Exchanges limit REST calls per IP by *weight* in a window (Binance: 6000 weight a minute,
`/api/v3/depth` weighing 5 to 250 by its `limit`; Bybit: 600 calls in any 5 s; KuCoin: a
public pool of 2000 weight per 30 s; ...). Past the limit they answer 429, then ban the IP
(Binance's 418, Bybit's 403). Fifty pairs backfilling or taking book snapshots at once is
exactly such a burst, so the engine's HTTP client (rest.py) asks a `RateLimiter` before
every call, and the limiter holds the call until the exchange's budget allows it.

Each exchange declares its `RestLimits` in its provider module (the pools, the weight of
each endpoint, with the documentation's address); nothing here names an exchange.

Why a token bucket of half the budget. Most exchanges count weight in a window of `window`
seconds, fixed (Binance: each calendar minute) or sliding (Bybit: "any 5-second window"). A bucket of
capacity B refilled at r per second spends at most B + r*window in ANY window of that length,
so B = r*window = budget/2 keeps every window, fixed or sliding and wherever it starts, within
the budget: a burst of half the budget at once (fifty Binance backfills weigh 100 of 2700),
then the budget's pace. The budget is `SAFETY` of the documented limit, leaving room for the
network's jitter and for other programs on the same IP. A call heavier than the bucket (a
Binance depth snapshot of 5000 levels, 250, on a limit scaled down for tests) waits for a
full bucket and leaves it in debt, so it is delayed, never refused for ever.

A 429/418 despite all this (another program on the same IP) stops every call of the
exchange until its Retry-After has passed (`penalize`). An exchange that documents a token
bucket itself (Coinbase) gets that bucket, at SAFETY.

Pure logic with an injected clock and sleep: the tests drive it without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

#: the share of a documented limit feedcli allows itself
SAFETY = 0.9
#: the environment variable that scales every limit for tests (windows and capacities alike)
SCALE_ENV = "FEEDCLI_REST_LIMITS_SCALE"

Weigh = Callable[[Mapping[str, str]], float]


class Pool(NamedTuple):
    """One budget the exchange counts: `limit` weight per `window` seconds, per IP."""

    name: str
    limit: float
    window: float
    #: each endpoint (path) has a budget of its own (Gate, OKX); else one budget for all
    per_endpoint: bool = False
    #: where the exchange documents a token bucket itself (Coinbase: 10 a second, bursts of
    #: 15), its burst: the client's bucket is then the exchange's (at SAFETY), not half a window
    burst: float | None = None


class Rule(NamedTuple):
    """The weight of the calls to one endpoint: a number, or a function of the query."""

    #: the path, as it ends (`/api/v3/depth`); matched against the request's path
    path: str
    weight: float | Weigh
    #: the pool it is counted in (the first pool when empty)
    pool: str = ""


class RestLimits(NamedTuple):
    """An exchange's documented REST limits (declared in its provider module)."""

    pools: tuple[Pool, ...]
    rules: tuple[Rule, ...] = ()
    #: the weight of a call no rule names
    default_weight: float = 1.0
    #: the status the exchange answers over its limit, and once a client ignored that
    over_status: int = 429
    ban_status: int | None = None
    #: where the figures come from (the README cites it too)
    source: str = ""

    def costs(self, path: str, params: Mapping[str, str]) -> list[tuple[tuple[str, str], float]]:
        """The (pool key, weight) a call is charged: one entry per pool it counts in."""
        rule = next((r for r in self.rules if path.endswith(r.path)), None)
        weight = self.default_weight
        pool_name = self.pools[0].name
        if rule is not None:
            weight = rule.weight(params) if callable(rule.weight) else rule.weight
            pool_name = rule.pool or pool_name
        pool = next(p for p in self.pools if p.name == pool_name)
        return [((pool.name, path if pool.per_endpoint else ""), float(weight))]

    def pool(self, key: tuple[str, str]) -> Pool:
        return next(p for p in self.pools if p.name == key[0])

    def scaled(self, factor: float) -> RestLimits:
        """The same limits on a time scale `factor` times as long: each window and what it
        holds multiplied by `factor`, so the pace is the documented one and only the window
        (and the burst it allows) shrinks. For tests that must reach a limit in seconds."""
        if not factor > 0:
            raise ValueError(f"a scale must be positive, not {factor}")
        pools = tuple(
            p._replace(
                limit=p.limit * factor,
                window=p.window * factor,
                burst=p.burst * factor if p.burst is not None else None,
            )
            for p in self.pools
        )
        return self._replace(pools=pools)


def by_limit(steps: tuple[tuple[int, float], ...], default: int, param: str = "limit") -> Weigh:
    """A weight that grows with a query parameter: `steps` of (up to this value, weight)."""

    def weigh(params: Mapping[str, str]) -> float:
        try:
            value = int(params.get(param, default))
        except ValueError:
            value = default
        for upto, weight in steps:
            if value <= upto:
                return weight
        return steps[-1][1]

    return weigh


class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; spending may go into debt."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, weight: float, now: float) -> float:
        """Seconds until `weight` may be spent (0: now). A weight above the capacity needs a
        full bucket."""
        self._refill(now)
        need = min(weight, self.capacity)
        # a hair's tolerance: a wait so short the clock cannot add it would never end
        if self.tokens >= need - 1e-9 * max(1.0, need):
            return 0.0
        return (need - self.tokens) / self.rate

    def spend(self, weight: float, now: float) -> None:
        self._refill(now)
        self.tokens -= weight


def bucket_for(pool: Pool, now: float) -> TokenBucket:
    """The bucket that keeps every window of the pool within SAFETY of its limit (or, for an
    exchange that counts with a token bucket, within SAFETY of that bucket)."""
    if pool.burst is not None:
        return TokenBucket(pool.burst * SAFETY, pool.limit * SAFETY / pool.window, now)
    budget = pool.limit * SAFETY
    return TokenBucket(budget / 2, budget / 2 / pool.window, now)


class RateLimiter:
    """The buckets of one exchange, shared by every connection of a run.

    `reserve` is synchronous (nothing can run between checking every pool and spending), so
    the limiter needs no lock however many sessions share it.
    """

    def __init__(
        self,
        limits: RestLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._blocked_until = 0.0
        #: calls made, and the seconds they were held back in all (for tests and -v)
        self.calls = 0
        self.waited = 0.0

    def reserve(self, url: str, params: Mapping[str, str], now: float) -> float:
        """Charge a call if every pool allows it now (0.0), else the seconds to wait first."""
        if now < self._blocked_until:
            return self._blocked_until - now
        costs = self.limits.costs(urlsplit(url).path, params)
        waits = [self._bucket(key, now).wait(weight, now) for key, weight in costs]
        longest = max(waits, default=0.0)
        if longest > 0:
            return longest
        for key, weight in costs:
            self._buckets[key].spend(weight, now)
        self.calls += 1
        return 0.0

    def _bucket(self, key: tuple[str, str], now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = bucket_for(self.limits.pool(key), now)
        return bucket

    async def acquire(self, url: str, params: Mapping[str, str]) -> float:
        """Wait until the call may be made, and charge it; the seconds it was held back."""
        held = 0.0
        while (wait := self.reserve(url, params, self._clock())) > 0:
            held += wait
            await self._sleep(wait)
        self.waited += held
        return held

    def penalize(self, retry_after: float | None) -> None:
        """The exchange refused a call over its limit: no call before its Retry-After (or a
        whole window, when it gave none)."""
        longest = max(p.window for p in self.limits.pools)
        pause = retry_after if retry_after is not None else longest
        self._blocked_until = max(self._blocked_until, self._clock() + pause)


def limiter_for(limits: RestLimits | None, scale: float | None = None) -> RateLimiter | None:
    """The limiter of a run (None for a provider without declared limits); `scale` from the
    test knob FEEDCLI_REST_LIMITS_SCALE."""
    if limits is None:
        return None
    return RateLimiter(limits.scaled(scale) if scale else limits)
