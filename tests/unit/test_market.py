"""The market vocabulary: the contract's normalized shape of each kind, and reading values."""

from __future__ import annotations

import math

import pytest

from feedcli import market


def test_each_kind_gives_exactly_the_contracts_keys() -> None:
    book = market.Book((market.Level(10, 5, 2), market.Level(9, 1)), (market.Level(11, 3),))
    assert book.kind == "book"
    assert book.to_json() == {"bids": [[10, 5, 2], [9, 1]], "asks": [[11, 3]]}
    trade = market.Trade(1.5, 2, "buy", "t1")
    assert trade.kind == "trade" and list(trade.to_json()) == ["price", "size", "side", "id"]
    candle = market.Candle("2025-01-01T00:00:00.000000Z", 1, 2, 0.5, 1.5, 10)
    assert candle.kind == "candle"
    assert list(candle.to_json()) == ["timestamp", "open", "high", "low", "close", "volume", "closed"]
    assert candle.to_json()["closed"] is None
    quote = market.Quote(1, 2, 3, 4, last=2.5)
    assert quote.kind == "quote" and quote.to_json() == {"bid": 1, "bid_size": 2, "ask": 3, "ask_size": 4}
    fields = {"last_price": 10, "date": "2025-11-14"}
    for obj in (
        market.Stats(fields, last=10),
        market.InvestorFlow(fields),
        market.PriceBand(fields),
        market.Indicator("sma", fields),
    ):
        assert obj.kind == "stats" and obj.to_json() == fields
    info = market.Info("fund", fields)
    assert info.kind == "info" and info.to_json() == fields
    assert set(market.KINDS) == {"book", "trade", "candle", "quote", "stats", "info"}


def test_objects_are_immutable() -> None:
    with pytest.raises(AttributeError):
        market.Quote().bid = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (1.5, 1.5), ("1,234.5", 1234.5), ("7", 7.0), (None, None), (True, None), ("n/a", None), ([1], None)],
)
def test_number_reads_what_payloads_send(value: object, expected: object) -> None:
    assert market.number(value) == expected


def test_number_refuses_what_is_not_finite() -> None:
    assert market.number(math.inf) is None and market.number("nan") is None
    assert market.count("12") == 12 and market.count(None) is None
    assert market.text("") is None and market.text("x") == "x" and market.text(3) is None


def test_flat_makes_nested_objects_dotted_keys() -> None:
    data = {"BestLimit": {"1": {"buy_price": 5}}, "Aggregate": {"last_price": 7}, "list": [1, 2], "empty": {}}
    assert market.flat(data) == {"BestLimit.1.buy_price": 5, "Aggregate.last_price": 7, "list": [1, 2], "empty": {}}
    assert market.flat(5) == {"value": 5}
