"""A simulator that enforces an exchange's REST limits, as the exchange does (`--rest-limits-scale`).

The weights and windows are the ones the exchange's provider module declares (its
`RestLimits`, from the exchange's documentation), so a client can be tested against them:
the server counts each call's weight in a SLIDING window (the strictest reading: a client that
never overfills a sliding window never overfills a fixed one either), or in the exchange's own
token bucket where it documents one (Coinbase) and answers a call that
would overfill it the way the exchange does: 429 with Retry-After (Bybit: 403 "access too
frequent"), and Binance's 418 ban for a client that calls again within the window of a 429.

`scale` shrinks every window and what it holds alike (the pace stays the documented one), so
a test reaches the limit in seconds rather than minutes; the client's own limiter is scaled
the same way by FEEDCLI_REST_LIMITS_SCALE. Every refusal is counted (`refused`) and said on
stderr, so a test can count them.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Callable, Mapping

from aiohttp import web

from feedcli.ratelimit import RestLimits, TokenBucket


class RestEnforcer:
    """Sliding-window accounting of one simulated exchange's REST calls."""

    def __init__(self, name: str, limits: RestLimits, clock: Callable[[], float]) -> None:
        self.name = name
        self.limits = limits
        self.clock = clock
        self._spent: dict[tuple[str, str], deque[tuple[float, float]]] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._last_refusal = -math.inf
        self.refused = 0

    @classmethod
    def for_exchange(cls, name: str, scale: float | None, clock: Callable[[], float]) -> RestEnforcer | None:
        """The enforcer of the exchange's declared limits at `scale`; None when not asked for."""
        if scale is None:
            return None
        from feedcli import providers

        record = providers.find(name)
        if record is None or record.rest_limits is None:
            raise ValueError(f"{name} declares no REST limits to enforce")
        return cls(name, record.rest_limits.scaled(scale), clock)

    def check(self, path: str, query: Mapping[str, str]) -> web.Response | None:
        """Charge a call, or the refusal the exchange answers when it would overfill a window."""
        now = self.clock()
        costs = self.limits.costs(path, query)
        waits = []
        for key, weight in costs:
            pool = self.limits.pool(key)
            if pool.burst is not None:  # the exchange's own token bucket, exactly
                bucket = self._buckets.setdefault(key, TokenBucket(pool.burst, pool.limit / pool.window, now))
                wait = bucket.wait(weight, now)
                if wait > 0:
                    waits.append((wait, pool.burst - bucket.tokens, pool))
                continue
            spent = self._spent.setdefault(key, deque())
            while spent and spent[0][0] <= now - pool.window:
                spent.popleft()
            used = sum(w for _t, w in spent)
            if used + weight > pool.limit:
                # the time until enough of the window has passed for this call to fit
                freed, at = used + weight - pool.limit, now
                for t, w in spent:
                    freed -= w
                    at = t + pool.window
                    if freed <= 0:
                        break
                waits.append((at - now, used, pool))
        if waits:
            return self._refuse(path, now, max(waits, key=lambda w: w[0]))
        for key, weight in costs:
            if key in self._buckets:
                self._buckets[key].spend(weight, now)
            else:
                self._spent[key].append((now, weight))
        return None

    def _refuse(self, path: str, now: float, why: tuple[float, float, object]) -> web.Response:
        wait, used, pool = why
        window = max(p.window for p in self.limits.pools)
        banned = self.limits.ban_status is not None and now - self._last_refusal < window
        status = self.limits.ban_status if banned and self.limits.ban_status is not None else self.limits.over_status
        self._last_refusal = now
        self.refused += 1
        print(
            f"feedcli simulate: {self.name}: refused GET {path} with HTTP {status} "
            f"(over the REST limit: {used:g} of {pool.limit:g} weight in {pool.window:g}s)",  # type: ignore[attr-defined]
            file=sys.stderr,
            flush=True,
        )
        retry_after = str(max(1, math.ceil(wait)))
        body = {"code": -1003, "msg": "Too many requests; current limit is exceeded."}
        if status == 403:
            body = {"retCode": 403, "retMsg": "access too frequent"}
        return web.json_response(body, status=status, headers={"Retry-After": retry_after})
