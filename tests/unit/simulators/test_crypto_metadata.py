"""The crypto simulators' REST metadata: every documented field, values that agree with the prices."""

from __future__ import annotations

import importlib
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


# the fields each exchange's documentation shows for one spot instrument (written out here, not
# taken from the simulator, so a field the simulator drops or misspells fails)
DOCUMENTED_FIELDS = {
    "coinbase": {
        "product_id", "price", "price_percentage_change_24h", "volume_24h", "volume_percentage_change_24h",
        "base_increment", "quote_increment", "quote_min_size", "quote_max_size", "base_min_size", "base_max_size",
        "base_name", "quote_name", "watched", "is_disabled", "new", "status", "cancel_only", "limit_only",
        "post_only", "trading_disabled", "auction_mode", "product_type", "quote_currency_id", "base_currency_id",
        "mid_market_price", "base_display_symbol", "quote_display_symbol", "view_only", "price_increment",
    },
    "bybit": {
        "symbol", "baseCoin", "quoteCoin", "innovation", "status", "marginTrading", "stTag", "lotSizeFilter",
        "priceFilter", "riskParameters",
    },
    "kucoin": {
        "symbol", "name", "baseCurrency", "quoteCurrency", "feeCurrency", "market", "baseMinSize", "quoteMinSize",
        "baseMaxSize", "quoteMaxSize", "baseIncrement", "quoteIncrement", "priceIncrement", "priceLimitRate",
        "minFunds", "isMarginEnabled", "enableTrading",
    },
    "gate": {
        "id", "base", "quote", "fee", "min_base_amount", "min_quote_amount", "max_base_amount", "max_quote_amount",
        "amount_precision", "precision", "trade_status", "sell_start", "buy_start",
    },
}  # fmt: skip


def _answer(exchange: str) -> tuple[object, list[dict]]:
    """The simulator's instrument list of `exchange` over two pairs, and its entries."""
    from types import SimpleNamespace

    from feedcli.simulators import crypto_metadata as meta

    symbols = {"coinbase": "{}-{}", "bybit": "{}{}", "kucoin": "{}-{}", "gate": "{}_{}"}[exchange]
    pairs = [(p, symbols.format(*p.split("-")), price) for p, price in (("BTC-USDT", 67_000.0), ("ETH-BTC", 0.052))]
    sim = SimpleNamespace(now_ms=lambda: 0)
    if exchange == "coinbase":
        body, _ = meta.coinbase_products({"product_type": "SPOT"}, sim, pairs)
        return body, body["products"]
    if exchange == "bybit":
        body, _ = meta.bybit_instruments({"category": "spot"}, sim, pairs)
        return body, body["result"]["list"]
    if exchange == "kucoin":
        body, _ = meta.kucoin_symbols({}, sim, pairs)
        return body, body["data"]
    body, _ = meta.gate_pairs({}, sim, pairs)
    return body, body


@pytest.mark.parametrize("exchange", list(DOCUMENTED_FIELDS))
def test_instrument_lists_carry_the_documented_fields_and_the_client_reads_them(exchange: str) -> None:
    import orjson

    from feedcli import providers

    body, entries = _answer(exchange)
    for entry in entries:
        assert DOCUMENTED_FIELDS[exchange] <= set(entry), DOCUMENTED_FIELDS[exchange] - set(entry)
    assert providers.get(exchange).search is not None  # `feedcli search` offers it
    parse = importlib.import_module(f"feedcli.providers.{exchange}").EXCHANGE.parse_instruments
    rows = parse(orjson.dumps(body))
    assert [(r["pair"], r["base"], r["quote"]) for r in rows] == [
        ("BTC-USDT", "BTC", "USDT"),
        ("ETH-BTC", "ETH", "BTC"),
    ]
    assert all(isinstance(r["status"], str) and r["status"] for r in rows)


@pytest.mark.parametrize(
    ("exchange", "body"),
    [
        ("coinbase", b'{"error":"INVALID_ARGUMENT"}'),
        ("bybit", b'{"retCode":10001,"retMsg":"params error","result":{}}'),
        ("kucoin", b'{"code":"400100","msg":"bad"}'),
        ("gate", b'{"label":"INVALID_PARAM_VALUE","message":"bad"}'),
        ("gate", b"not json"),
    ],
)
def test_an_answer_without_a_list_is_malformed(exchange: str, body: bytes) -> None:
    from feedcli.errors import MalformedFrame

    parse = importlib.import_module(f"feedcli.providers.{exchange}").EXCHANGE.parse_instruments
    with pytest.raises(MalformedFrame):
        parse(body)
