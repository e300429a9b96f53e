"""The pieces of the crypto replay backend (feedcli/simulators/crypto_replay.py) that need no socket."""

from __future__ import annotations

from feedcli.providers.candles import Candle
from feedcli.simulators.crypto_replay import RecordedMarket, candle_of, epoch_ms

DATA = {
    "timestamp": "2026-11-21T08:30:00.000000Z",
    "open": 1.0,
    "high": 3.0,
    "low": 0.5,
    "close": 2.0,
    "volume": 10.0,
    "quote_volume": 20.0,
    "trades": 7,
    "closed": False,
}


def test_a_candle_line_comes_back_as_the_candle_it_was_written_from() -> None:
    candle = candle_of(DATA)
    assert candle is not None
    assert candle.record() == DATA  # the same `data` a stream writes
    assert candle.start_ms == epoch_ms("2026-11-21T08:30:00Z") == 1_795_249_800_000
    without = {k: v for k, v in DATA.items() if k not in ("quote_volume", "trades", "closed")}
    assert candle_of(without).record() == without  # type: ignore[union-attr]


def test_what_is_not_a_candle_is_none() -> None:
    assert candle_of({"bids": [], "asks": []}) is None
    assert candle_of({**DATA, "timestamp": "yesterday"}) is None
    assert candle_of({**DATA, "open": "x"}) is None
    assert candle_of([1, 2]) is None


def test_the_recorded_market_answers_the_newest_bars_up_to_the_end_in_their_last_version() -> None:
    market = RecordedMarket(["BTC-USDT", "ETH-USDT"])
    assert market.pairs == {"BTC-USDT": 1.0, "ETH-USDT": 1.0}
    for minute in range(5):
        start = 60_000 * minute
        market.add("BTC-USDT", Candle(start, 10.0 + minute, 11, 9, 10, 1, closed=False))
        market.add("BTC-USDT", Candle(start, 10.0 + minute, 12, 9, 11, 2, closed=True))
    assert market.pairs["BTC-USDT"] == 10.0  # the first recorded close prices the listing
    bars = market.history("BTC-USDT", "1m", 3, end_ms=10**15, now_ms=10**15)
    assert [b.start_ms for b in bars] == [120_000, 180_000, 240_000]
    assert all(b.closed and b.high == 12 for b in bars)
    assert [b.start_ms for b in market.history("BTC-USDT", "1m", 10, end_ms=60_000, now_ms=10**15)] == [0, 60_000]
    assert market.history("ETH-USDT", "1m", 10, end_ms=10**15, now_ms=10**15) == []
