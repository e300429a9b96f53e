"""The crypto simulators' REST metadata: every documented field, values that agree with the prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feedcli.simulators.candles import DEFAULT_PAIRS, CandleMarket
from feedcli.simulators.crypto_metadata import binance_symbol, okx_instrument, okx_instruments, pair_rules


@pytest.mark.parametrize("pair", list(DEFAULT_PAIRS))
def test_every_simulated_price_is_on_the_stated_tick(pair: str) -> None:
    market = CandleMarket(seed=3)
    rules = pair_rules(pair, market.pairs[pair])
    for second in range(1_700_000_000, 1_700_000_000 + 3_600, 7):
        price = Decimal(str(market.price(pair, second)))
        assert price % rules.tick == 0, (pair, price, rules.tick)
        assert rules.tick <= price < rules.max_price


def test_a_binance_symbol_states_its_rules_as_filters() -> None:
    symbol = binance_symbol("ETHBTC", "ETH-BTC", 0.052)
    assert (symbol["symbol"], symbol["baseAsset"], symbol["quoteAsset"], symbol["status"]) == (
        "ETHBTC",
        "ETH",
        "BTC",
        "TRADING",
    )
    filters = {f["filterType"]: f for f in symbol["filters"]}
    assert filters["PRICE_FILTER"] == {
        "filterType": "PRICE_FILTER",
        "minPrice": "0.00000010",
        "maxPrice": "10000.00000000",
        "tickSize": "0.00000010",
    }
    assert filters["LOT_SIZE"] == {
        "filterType": "LOT_SIZE",
        "minQty": "0.00000100",
        "maxQty": "9000.00000000",
        "stepSize": "0.00000100",
    }
    assert filters["NOTIONAL"]["minNotional"] == "0.00010000"
    assert binance_symbol("BTCUSDT", "BTC-USDT", 67_000.0)["filters"][0]["tickSize"] == "0.01000000"
    assert symbol["permissionSets"] == [["SPOT"]] and symbol["isSpotTradingAllowed"] is True


def test_okx_instruments_answers_as_okx_does() -> None:
    pairs = {"BTC-USDT": 67_000.0, "ETH-BTC": 0.052}
    spot = okx_instruments({"instType": "SPOT"}, pairs)
    assert spot["code"] == "0" and [i["instId"] for i in spot["data"]] == ["BTC-USDT", "ETH-BTC"]
    assert okx_instruments({"instType": "SPOT", "instId": "ETH-BTC"}, pairs)["data"] == [
        okx_instrument("ETH-BTC", "ETH-BTC", 0.052)
    ]
    assert okx_instruments({"instType": "SWAP"}, pairs) == {"code": "0", "msg": "", "data": []}
    assert okx_instruments({}, pairs)["code"] == "50014"
    assert okx_instruments({"instType": "NOPE"}, pairs)["code"] == "51000"
    assert okx_instruments({"instType": "SPOT", "instId": "DOGE-USDT"}, pairs)["code"] == "51001"
    btc = spot["data"][0]
    assert (btc["tickSz"], btc["lotSz"], btc["minSz"], btc["state"]) == ("0.01", "0.000001", "0.000001", "live")
    assert (btc["baseCcy"], btc["quoteCcy"], btc["tradeQuoteCcyList"]) == ("BTC", "USDT", ["USDT"])
