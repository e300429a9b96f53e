"""The simulators' enforcement of the exchanges' REST limits (feedcli/simulators/rest_limits.py),
on an injected clock."""

from __future__ import annotations

import pytest

from feedcli.simulators.rest_limits import RestEnforcer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_binance_refuses_past_its_weight_with_429_then_bans_with_418() -> None:
    clock = Clock()
    enforcer = RestEnforcer.for_exchange("binance", 0.01, clock)  # 60 weight per 0.6 s
    assert enforcer is not None
    assert enforcer.check("/api/v3/exchangeInfo", {}) is None  # 20
    for _ in range(20):  # 20 klines at 2: 60 in all
        assert enforcer.check("/api/v3/klines", {}) is None
    refused = enforcer.check("/api/v3/klines", {})
    assert refused is not None and refused.status == 429 and refused.headers["Retry-After"] == "1"
    clock.now += 0.1  # called again within the window of a 429: the ban
    again = enforcer.check("/api/v3/klines", {})
    assert again is not None and again.status == 418
    assert enforcer.refused == 2
    clock.now += 0.6  # the window has passed
    assert enforcer.check("/api/v3/klines", {}) is None


def test_the_window_slides() -> None:
    clock = Clock()
    enforcer = RestEnforcer.for_exchange("bybit", 1.0, clock)  # 600 calls in any 5 s
    assert enforcer is not None
    for _ in range(300):
        assert enforcer.check("/v5/market/kline", {}) is None
    clock.now += 4.0
    for _ in range(300):
        assert enforcer.check("/v5/market/kline", {}) is None
    refused = enforcer.check("/v5/market/kline", {})
    assert refused is not None and refused.status == 403  # Bybit's "access too frequent"
    clock.now += 1.0  # the first 300 have left the window
    assert enforcer.check("/v5/market/kline", {}) is None


def test_coinbase_counts_with_its_token_bucket() -> None:
    clock = Clock()
    enforcer = RestEnforcer.for_exchange("coinbase", 1.0, clock)  # 10 a second, bursts of 15
    assert enforcer is not None
    path = "/api/v3/brokerage/market/products/BTC-USD/candles"
    for _ in range(15):
        assert enforcer.check(path, {}) is None
    assert enforcer.check(path, {}) is not None
    clock.now += 0.1  # one token back
    assert enforcer.check(path, {}) is None
    assert enforcer.check(path, {}) is not None


def test_nothing_is_enforced_unless_asked_and_a_bad_scale_is_refused() -> None:
    assert RestEnforcer.for_exchange("binance", None, Clock()) is None
    with pytest.raises(ValueError):
        RestEnforcer.for_exchange("binance", 0.0, Clock())
