"""The HT market model: deterministic, and every payload consistent with the others."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from feedcli.providers import ime, tse
from feedcli.simulators.ht_market import (
    IME_UNIVERSE,
    TSE_UNIVERSE,
    HTMarket,
    Instrument,
    MarketUpdate,
    tehran_timestamp,
    utc_millis,
)

T0 = datetime(2025, 11, 14, 6, 0, tzinfo=timezone.utc)  # 09:30 in Tehran
STEPS = 6_000


def run(market: HTMarket, steps: int = STEPS, start: datetime = T0, every_ms: int = 50) -> list[MarketUpdate]:
    out: list[MarketUpdate] = []
    for i in range(steps):
        out.extend(market.step(start + timedelta(milliseconds=every_ms * i)))
    return out


@pytest.fixture(scope="module")
def recorded() -> tuple[HTMarket, list[MarketUpdate]]:
    market = HTMarket(seed=11, record_trades=True)
    return market, run(market)


def by_channel(updates: list[MarketUpdate], channel: str) -> list[MarketUpdate]:
    return [u for u in updates if u.channel == channel]


def test_timestamps_are_tehran_local_naive_with_microseconds() -> None:
    moment = datetime(2025, 11, 14, 8, 30, 0, 1234, tzinfo=timezone.utc)
    assert tehran_timestamp(moment) == "2025-11-14T12:00:00.001234"
    assert tehran_timestamp(moment.replace(tzinfo=None)) == "2025-11-14T12:00:00.001234"
    # Across midnight, and in summer too: Iran keeps UTC+03:30 all year since 2022.
    assert tehran_timestamp(datetime(2025, 6, 30, 21, 0, tzinfo=timezone.utc)) == "2025-07-01T00:30:00.000000"
    assert utc_millis(datetime(2025, 11, 14, 22, 10, 42, 802_999, tzinfo=timezone.utc)) == "2025-11-14T22:10:42.802Z"


def test_universe_has_every_kind() -> None:
    kinds = [i.kind for i in TSE_UNIVERSE]
    assert kinds.count("stock") >= 4 and "fund" in kinds and "option" in kinds
    assert len(IME_UNIVERSE) >= 3
    for ins in TSE_UNIVERSE:
        tse.subscription([ins.isin], [], [])  # every ISIN passes the client's own check
        assert ins.price % ins.tick == 0


def test_same_seed_same_payloads_other_seed_other_payloads() -> None:
    first = run(HTMarket(seed=5), 2_000)
    second = run(HTMarket(seed=5), 2_000)
    other = run(HTMarket(seed=6), 2_000)
    assert first == second
    assert len(first) > 2_000
    assert first != other


def test_every_channel_is_produced_for_the_instruments_that_have_it(
    recorded: tuple[HTMarket, list[MarketUpdate]],
) -> None:
    _, updates = recorded
    seen: dict[str, set[str]] = defaultdict(set)
    for u in updates:
        seen[u.instrument.key].add(u.channel)
    for ins in TSE_UNIVERSE:
        assert seen[ins.isin] == set(ins.channels), ins.name
    assert "fund-info" not in seen["IRO1FOLD0001"] and "contract-info" not in seen["IRO1FOLD0001"]
    for contract in IME_UNIVERSE:
        assert seen[contract.contract_id] == {ime.CHANNEL}


def test_only_changes_are_reported(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    _, updates = recorded
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for u in updates:
        key = (u.instrument.key, u.channel)
        assert last.get(key) != u.data, key
        last[key] = u.data


def test_best_limit_is_ordered_on_the_grid_and_uncrossed(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    _, updates = recorded
    fields = {"buy_order_count", "buy_quantity", "buy_price", "sell_order_count", "sell_quantity", "sell_price"}
    checked = 0
    for u in by_channel(updates, "best-limit"):
        tick = u.instrument.tick
        assert list(u.data) == ["1", "2", "3", "4", "5"]
        levels = [u.data[str(i)] for i in range(1, 6)]
        for level in levels:
            assert set(level) == fields
            assert all(type(v) is int for v in level.values())
            assert level["buy_price"] % tick == 0 and level["sell_price"] % tick == 0
            assert level["buy_quantity"] >= level["buy_order_count"] > 0
            assert level["sell_quantity"] >= level["sell_order_count"] > 0
        buys = [lv["buy_price"] for lv in levels]
        sells = [lv["sell_price"] for lv in levels]
        assert all(a > b for a, b in pairwise(buys)), buys
        assert all(a < b for a, b in pairwise(sells)), sells
        assert buys[0] < sells[0]
        checked += 1
    assert checked > 1_000


def test_order_book_top_five_is_best_limit(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    market, updates = recorded
    produced = {(u.instrument.key, u.channel) for u in updates}
    compared = 0
    for ins in TSE_UNIVERSE:
        book = market.payload(ins.isin, "order-book")
        best = market.payload(ins.isin, "best-limit")
        assert book is not None and best is not None
        assert set(book) == {"Buy", "Sell"}
        assert len(book["Buy"]) == len(book["Sell"]) == 10
        for i in range(5):
            level = best[str(i + 1)]
            assert book["Buy"][i] == {
                "price": level["buy_price"],
                "quantity": level["buy_quantity"],
                "count": level["buy_order_count"],
            }
            assert book["Sell"][i] == {
                "price": level["sell_price"],
                "quantity": level["sell_quantity"],
                "count": level["sell_order_count"],
            }
            compared += 1
        buy_prices = [lv["price"] for lv in book["Buy"]]
        sell_prices = [lv["price"] for lv in book["Sell"]]
        assert buy_prices == sorted(buy_prices, reverse=True) and sell_prices == sorted(sell_prices)
        assert (ins.isin, "best-limit") in produced and (ins.isin, "order-book") in produced
    assert compared == 5 * len(TSE_UNIVERSE)


def test_order_book_and_best_limit_agree_after_every_event() -> None:
    market = HTMarket(seed=3)
    for i in range(3_000):
        market.step(T0 + timedelta(milliseconds=50 * i))
        ins = TSE_UNIVERSE[i % len(TSE_UNIVERSE)]
        book, best = market.payload(ins.isin, "order-book"), market.payload(ins.isin, "best-limit")
        assert book is not None and best is not None
        assert [lv["price"] for lv in book["Buy"][:5]] == [best[str(k)]["buy_price"] for k in range(1, 6)]
        assert [lv["quantity"] for lv in book["Sell"][:5]] == [best[str(k)]["sell_quantity"] for k in range(1, 6)]


def test_aggregate_adds_up_the_trades(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    market, _ = recorded
    for ins in TSE_UNIVERSE:
        trades = market.trades(ins.isin)
        assert len(trades) > 50, ins.name
        agg = market.payload(ins.isin, "aggregate")
        assert agg is not None
        prices = [t.price for t in trades]
        volume = sum(t.quantity for t in trades)
        value = sum(t.price * t.quantity for t in trades)
        assert agg["trade_count"] == len(trades)
        assert agg["total_volume"] == volume
        assert agg["total_value"] == value
        assert agg["open_price"] == prices[0]
        assert agg["last_price"] == prices[-1]
        assert agg["high_price"] == max(prices) >= agg["last_price"] >= min(prices) == agg["low_price"]
        assert agg["previous_close"] == ins.price
        vwap = value / volume
        assert abs(agg["closing_price"] - vwap) <= ins.tick / 2
        assert agg["closing_price"] % ins.tick == 0
        last = trades[-1].at.astimezone(timezone(timedelta(hours=3, minutes=30)))
        assert agg["date"] == last.strftime("%Y-%m-%d") and agg["time"] == last.strftime("%H:%M:%S")
        assert list(agg) == [
            "date",
            "time",
            "trade_count",
            "total_volume",
            "total_value",
            "closing_price",
            "last_price",
            "low_price",
            "high_price",
            "open_price",
            "previous_close",
        ]


def test_candle_is_the_current_minute_of_trades(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    market, _ = recorded
    for ins in TSE_UNIVERSE:
        trades = market.trades(ins.isin)
        minute = trades[-1].at.replace(second=0, microsecond=0)
        in_minute = [t for t in trades if t.at >= minute]
        candle = market.payload(ins.isin, "ohlcv-last-1m")
        assert candle == {
            "open": float(in_minute[0].price),
            "high": float(max(t.price for t in in_minute)),
            "low": float(min(t.price for t in in_minute)),
            "close": float(in_minute[-1].price),
            "volume": sum(t.quantity for t in in_minute),
        }
        assert type(candle["open"]) is float and type(candle["volume"]) is int


def test_institutional_vs_individual_sums_to_each_side(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    market, _ = recorded
    for ins in TSE_UNIVERSE:
        trades = market.trades(ins.isin)
        ivi = market.payload(ins.isin, "institutional-vs-individual")
        agg = market.payload(ins.isin, "aggregate")
        assert ivi is not None and agg is not None
        assert len(ivi) == 8
        for side in ("buy", "sell"):
            assert ivi[f"{side}_volume_individual"] + ivi[f"{side}_volume_institution"] == agg["total_volume"]
            assert ivi[f"{side}_count_individual"] + ivi[f"{side}_count_institution"] == agg["trade_count"]
        assert ivi["buy_volume_institution"] == sum(t.quantity for t in trades if t.buyer_institution)
        assert ivi["sell_count_institution"] == sum(1 for t in trades if t.seller_institution)
        assert 0 < ivi["buy_count_institution"] < agg["trade_count"]


def test_fund_and_contract_info_shapes(recorded: tuple[HTMarket, list[MarketUpdate]]) -> None:
    _, updates = recorded
    funds = by_channel(updates, "fund-info")
    contracts = by_channel(updates, "contract-info")
    assert funds and contracts
    for u in funds:
        assert isinstance(u.instrument, Instrument) and u.instrument.kind == "fund"
        assert set(u.data) == {"nav", "units", "marketCap", "as_of"}
        assert u.data["as_of"].endswith("Z")
        datetime.strptime(u.data["as_of"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert u.data["nav"] > 0 and u.data["units"] > 0 and u.data["marketCap"] > 0
    for u in contracts:
        assert isinstance(u.instrument, Instrument) and u.instrument.kind == "option"
        assert set(u.data) == {"open_interest", "initial_margin", "required_margin"}
        assert u.data["initial_margin"] > u.data["required_margin"] > 0
        assert u.data["open_interest"] >= 0


def test_ime_payload_has_every_section_and_stays_in_the_allowed_range(
    recorded: tuple[HTMarket, list[MarketUpdate]],
) -> None:
    _, updates = recorded
    stream = by_channel(updates, ime.CHANNEL)
    assert len(stream) > 500
    for u in stream:
        data = u.data
        assert tuple(data) == ime.SECTIONS
        assert list(data["BestLimit"]) == ["1", "2", "3"]
        low = data["AllowedPriceRange"]["minAllowedPrice"]
        high = data["AllowedPriceRange"]["maxAllowedPrice"]
        assert low < u.instrument.price < high
        buys = [data["BestLimit"][k]["buy_price"] for k in "123"]
        sells = [data["BestLimit"][k]["sell_price"] for k in "123"]
        for level in data["BestLimit"].values():
            assert set(level) == {"buy_quantity", "buy_price", "sell_quantity", "sell_price"}
        assert buys[0] > buys[1] > buys[2] and sells[0] < sells[1] < sells[2] and buys[0] < sells[0]
        assert all(low <= p <= high for p in buys + sells)
        agg = data["Aggregate"]
        assert len(agg) == 11
        if agg["trade_count"]:
            assert low <= agg["low_price"] <= agg["last_price"] <= agg["high_price"] <= high
        info = data["ContractInfo"]
        assert set(info) == {"open_interest", "open_interest_changes"}


def test_trading_day_rolls_at_tehran_midnight() -> None:
    market = HTMarket(seed=2, record_trades=True)
    before = datetime(2025, 11, 14, 20, 25, tzinfo=timezone.utc)  # 23:55 in Tehran
    run(market, 3_000, start=before, every_ms=100)  # until 23:59:59.9
    stock, contract = TSE_UNIVERSE[0], IME_UNIVERSE[0]
    old = market.payload(stock.isin, "aggregate")
    old_ime = market.payload(contract.contract_id, ime.CHANNEL)
    assert old is not None and old_ime is not None
    assert old["date"] == "2025-11-14" and old_ime["Aggregate"]["trade_count"] > 0
    rolled = market.step(before + timedelta(minutes=5))  # 00:00 in Tehran: a new day
    ime_rolled = [u for u in rolled if u.instrument == contract]
    assert ime_rolled, "the IME payload changes at the roll (new range, statistics restart)"
    data = ime_rolled[0].data
    assert data["Aggregate"]["previous_close"] == old_ime["Aggregate"]["closing_price"]
    assert data["ContractInfo"]["open_interest_changes"] == 0
    if not data["Aggregate"]["trade_count"]:
        assert data["Aggregate"]["date"] == "" and data["Aggregate"]["last_price"] == 0
    close = old_ime["Aggregate"]["closing_price"]
    assert data["AllowedPriceRange"]["minAllowedPrice"] <= close <= data["AllowedPriceRange"]["maxAllowedPrice"]
    run(market, 3_000, start=before + timedelta(minutes=5, milliseconds=100), every_ms=100)
    new = market.payload(stock.isin, "aggregate")
    assert new is not None and new["date"] == "2025-11-15"
    assert new["previous_close"] == old["closing_price"]
    trades = market.trades(stock.isin)
    assert new["trade_count"] == len(trades) > 0
    assert all(t.at >= before + timedelta(minutes=5) for t in trades)
