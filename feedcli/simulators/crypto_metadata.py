"""What the crypto exchange simulators say about their pairs: the REST metadata, field by field.

Real client libraries read far more of an exchange's metadata than feedcli does: ccxt builds
every market's precision and limits from Binance's `exchangeInfo` filters (PRICE_FILTER's
`tickSize`, LOT_SIZE, NOTIONAL) and from OKX's instruments (`tickSz`, `lotSz`, `minSz`), and
other libraries index those fields directly. So each answer here carries every field of the
exchange's documented example, with values that agree with what the simulators send: a pair's
tick is the grid of the simulated candle prices (`candles._decimals`, which every price any
simulator channel sends lies on), its lot the six decimals sizes and volumes are rounded to.

Sources: Binance Spot API, `GET /api/v3/exchangeInfo` and the filters page
(developers.binance.com/docs/binance-spot-api-docs); OKX API v5, `GET /api/v5/public/instruments`
(www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments); Coinbase Advanced Trade, "List
Public Products"; Bybit v5, "Get Instruments Info"; KuCoin, "Get All Symbols"; Gate API v4,
"List all currency pairs supported" (each beside its answer below). The fields the four
documentation pages show are all there; volatile ones (Coinbase's 24 h price and volume) are
zeros, as a quiet market would state them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, NamedTuple

from aiohttp import web

from feedcli.simulators.candles import _decimals

#: quantities are multiples of this (candle volumes are rounded to six decimals)
QUANTITY_DECIMALS = 6
#: the day the simulated pairs were listed (OKX's listTime), epoch ms: 2021-01-01
LISTED_MS = 1_609_459_200_000


class PairRules(NamedTuple):
    """A pair's trading rules, as every exchange's metadata states them in its own words."""

    base: str
    quote: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    max_price: Decimal


def pair_rules(pair: str, price: float) -> PairRules:
    """The rules of a BASE-QUOTE pair whose simulated price starts at `price`."""
    base, quote = pair.split("-")
    tick = Decimal(1).scaleb(-_decimals(price))
    step = Decimal(1).scaleb(-QUANTITY_DECIMALS)
    # a minimum order worth about five dollars, whatever the quote currency
    min_notional = Decimal(5) if quote in ("USD", "USDT", "USDC") else Decimal("0.0001")
    max_price = Decimal(10) ** (len(str(int(price))) + 3)
    return PairRules(base, quote, tick, step, step, Decimal(9_000), min_notional, max_price)


def _binance_number(value: Decimal) -> str:
    """Binance writes its numbers as strings with eight decimals: `"0.01000000"`."""
    return f"{value:.8f}"


def _okx_number(value: Decimal) -> str:
    """OKX writes its numbers as plain strings: `"0.01"`, `"9000"`."""
    return format(value.normalize(), "f")


# ----------------------------------------------------------------------------- Binance


def binance_filters(rules: PairRules) -> list[dict[str, Any]]:
    """A symbol's filters, every type a spot symbol carries (the filters page's shapes)."""
    n = _binance_number
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": n(rules.tick),
            "maxPrice": n(rules.max_price),
            "tickSize": n(rules.tick),
        },
        {"filterType": "LOT_SIZE", "minQty": n(rules.min_qty), "maxQty": n(rules.max_qty), "stepSize": n(rules.step)},
        {"filterType": "ICEBERG_PARTS", "limit": 10},
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": n(Decimal(0)),
            "maxQty": n(rules.max_qty / 10),
            "stepSize": n(Decimal(0)),
        },
        {
            "filterType": "TRAILING_DELTA",
            "minTrailingAboveDelta": 10,
            "maxTrailingAboveDelta": 2000,
            "minTrailingBelowDelta": 10,
            "maxTrailingBelowDelta": 2000,
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": "5",
            "bidMultiplierDown": "0.2",
            "askMultiplierUp": "5",
            "askMultiplierDown": "0.2",
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": n(rules.min_notional),
            "applyMinToMarket": True,
            "maxNotional": n(Decimal(9_000_000)),
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
    ]


def binance_symbol(symbol: str, pair: str, price: float) -> dict[str, Any]:
    """One entry of `exchangeInfo`'s `symbols`, with every field of the documented example."""
    rules = pair_rules(pair, price)
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": rules.base,
        "baseAssetPrecision": 8,
        "quoteAsset": rules.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": [
            "LIMIT",
            "LIMIT_MAKER",
            "MARKET",
            "STOP_LOSS",
            "STOP_LOSS_LIMIT",
            "TAKE_PROFIT",
            "TAKE_PROFIT_LIMIT",
        ],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "opoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "pegInstructionsAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": binance_filters(rules),
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
    }


# ----------------------------------------------------------------------------- OKX

INSTRUMENTS_PATH = "/api/v5/public/instruments"


def okx_instrument(inst_id: str, pair: str, price: float) -> dict[str, Any]:
    """One SPOT instrument of `GET /api/v5/public/instruments`, every documented field (those
    only for derivatives empty, as OKX sends them for a spot pair)."""
    rules = pair_rules(pair, price)
    n = _okx_number
    return {
        "instType": "SPOT",
        "instId": inst_id,
        "uly": "",
        "groupId": "1",
        "instFamily": "",
        "category": "1",
        "baseCcy": rules.base,
        "quoteCcy": rules.quote,
        "settleCcy": "",
        "ctVal": "",
        "ctMult": "",
        "ctValCcy": "",
        "optType": "",
        "stk": "",
        "listTime": str(LISTED_MS),
        "auctionEndTime": "",
        "contTdSwTime": "",
        "preMktSwTime": "",
        "openType": "",
        "elp": "0",
        "expTime": "",
        "lever": "",
        "tickSz": n(rules.tick),
        "lotSz": n(rules.step),
        "minSz": n(rules.min_qty),
        "ctType": "",
        "alias": "",
        "state": "live",
        "ruleType": "normal",
        "maxLmtSz": "9999999999",
        "maxMktSz": "1000000",
        "maxLmtAmt": "20000000",
        "maxMktAmt": "1000000",
        "maxTwapSz": "9999999999.0000000000000000",
        "maxIcebergSz": "9999999999.0000000000000000",
        "maxTriggerSz": "9999999999.0000000000000000",
        "maxStopSz": "1000000",
        "maxPlatOILmt": "",
        "posLmtAmt": "",
        "posLmtPct": "",
        "futureSettlement": False,
        "tradeQuoteCcyList": [rules.quote],
        "instIdCode": None,
        "instCategory": "1",
        "upcChg": [],
    }


def okx_instruments(query: dict[str, str], pairs: dict[str, float]) -> dict[str, Any]:
    """The answer to `GET /api/v5/public/instruments?instType=..[&instId=..]`: spot pairs only
    (another instType has none here: an empty list, as OKX answers for a type without any)."""
    inst_type = query.get("instType", "")
    if not inst_type:
        return {"code": "50014", "msg": "Parameter instType can not be empty.", "data": []}
    if inst_type not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
        return {"code": "51000", "msg": "Parameter instType error", "data": []}
    wanted = query.get("instId")
    if wanted is not None and wanted not in pairs:
        return {"code": "51001", "msg": "Instrument ID doesn't exist.", "data": []}
    data = (
        []
        if inst_type != "SPOT"
        else [okx_instrument(p, p, price) for p, price in pairs.items() if wanted in (None, p)]
    )
    return {"code": "0", "msg": "", "data": data}


def okx_instruments_handler(simulator: Any) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The OKX simulator's instruments endpoint (OKX answers HTTP 200 with its own code)."""

    async def instruments(request: web.Request) -> web.Response:
        refused = simulator.rest_gate(request)
        if refused is not None:
            return refused
        return web.json_response(okx_instruments(dict(request.query), simulator.market.pairs))

    return instruments


#: (the query, the simulator, its pairs as (BASE-QUOTE, the exchange's symbol, starting price))
#: → (the JSON body, the HTTP status)
Answer = Callable[[dict[str, str], Any, list[tuple[str, str, float]]], tuple[Any, int]]


def instruments_handler(
    simulator: Any, exchange: Any, answer: Answer
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An instruments endpoint: the REST gate first (injected 429s, the documented limits),
    then the exchange's own answer, over every pair the simulator serves."""

    async def instruments(request: web.Request) -> web.Response:
        refused = simulator.rest_gate(request)
        if refused is not None:
            return refused
        by_pair = {pair: symbol for symbol, pair in simulator.pair_map(exchange).items()}
        pairs = [(pair, by_pair[pair], price) for pair, price in simulator.market.pairs.items()]
        body, status = answer(dict(request.query), simulator, pairs)
        return web.json_response(body, status=status)

    return instruments


# ----------------------------------------------------------------------------- Coinbase

#: Coinbase Advanced Trade, "List Public Products" (no authentication):
#: docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/public/list-public-products
COINBASE_PRODUCTS_PATH = "/api/v3/brokerage/market/products"


def coinbase_product(product_id: str, pair: str, price: float) -> dict[str, Any]:
    """One SPOT product of `GET /api/v3/brokerage/market/products`, the documented fields."""
    rules = pair_rules(pair, price)
    n = _okx_number  # Coinbase writes plain decimal strings too
    tick = n(rules.tick)
    return {
        "product_id": product_id,
        "price": format(Decimal(str(price)).quantize(rules.tick), "f"),
        "price_percentage_change_24h": "0",
        "volume_24h": "0",
        "volume_percentage_change_24h": "0",
        "base_increment": n(rules.step),
        "quote_increment": tick,
        "quote_min_size": n(rules.min_notional),
        "quote_max_size": "50000000",
        "base_min_size": n(rules.min_qty),
        "base_max_size": n(rules.max_qty),
        "base_name": rules.base,
        "quote_name": rules.quote,
        "watched": False,
        "is_disabled": False,
        "new": False,
        "status": "online",
        "cancel_only": False,
        "limit_only": False,
        "post_only": False,
        "trading_disabled": False,
        "auction_mode": False,
        "product_type": "SPOT",
        "quote_currency_id": rules.quote,
        "base_currency_id": rules.base,
        "fcm_trading_session_details": None,
        "mid_market_price": "",
        "alias": "",
        "alias_to": [],
        "base_display_symbol": rules.base,
        "quote_display_symbol": rules.quote,
        "view_only": False,
        "price_increment": tick,
        "display_name": product_id.replace("-", "/"),
        "product_venue": "CBE",
        "approximate_quote_24h_volume": "0",
        "new_at": "2021-01-01T00:00:00Z",
    }


def coinbase_products(query: dict[str, str], simulator: Any, pairs: list[tuple[str, str, float]]) -> tuple[Any, int]:
    """`{"products":[...],"num_products":N}`: spot only (another product_type lists none here)."""
    kind = query.get("product_type", "SPOT")
    if kind not in ("SPOT", "FUTURE", "UNKNOWN_PRODUCT_TYPE"):
        return {"error": "INVALID_ARGUMENT", "message": f"invalid product_type {kind}"}, 400
    products = [coinbase_product(symbol, pair, price) for pair, symbol, price in pairs]
    products = products if kind == "SPOT" else []
    return {"products": products, "num_products": len(products)}, 200


# ----------------------------------------------------------------------------- Bybit

#: Bybit v5 "Get Instruments Info": bybit-exchange.github.io/docs/v5/market/instrument
BYBIT_INSTRUMENTS_PATH = "/v5/market/instruments-info"


def bybit_instrument(symbol: str, pair: str, price: float) -> dict[str, Any]:
    """One spot instrument of `GET /v5/market/instruments-info?category=spot`, the documented fields."""
    rules = pair_rules(pair, price)
    n = _okx_number
    return {
        "symbol": symbol,
        "baseCoin": rules.base,
        "quoteCoin": rules.quote,
        "innovation": "0",
        "status": "Trading",
        "marginTrading": "utaOnly",
        "stTag": "0",
        "lotSizeFilter": {
            "basePrecision": n(rules.step),
            "quotePrecision": n(rules.tick),
            "minOrderQty": n(rules.min_qty),
            "maxOrderQty": n(rules.max_qty),
            "minOrderAmt": n(rules.min_notional),
            "maxOrderAmt": "2000000",
        },
        "priceFilter": {"tickSize": n(rules.tick)},
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
    }


def bybit_instruments(query: dict[str, str], simulator: Any, pairs: list[tuple[str, str, float]]) -> tuple[Any, int]:
    """Bybit answers HTTP 200 with its own `retCode`, as for every v5 call."""
    category = query.get("category", "")
    if category not in ("spot", "linear", "inverse", "option"):
        return {"retCode": 10001, "retMsg": "params error: category", "result": {}, "retExtInfo": {}, "time": 0}, 200
    wanted = query.get("symbol")
    listed = [bybit_instrument(symbol, pair, price) for pair, symbol, price in pairs]
    listed = [i for i in listed if wanted in (None, i["symbol"])] if category == "spot" else []
    result = {"category": category, "list": listed, "nextPageCursor": ""}
    return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": simulator.now_ms()}, 200


# ----------------------------------------------------------------------------- KuCoin

#: KuCoin "Get All Symbols": www.kucoin.com/docs-new/rest/spot-trading/market-data/get-all-symbols
KUCOIN_SYMBOLS_PATH = "/api/v2/symbols"


def kucoin_symbol(symbol: str, pair: str, price: float) -> dict[str, Any]:
    """One entry of `GET /api/v2/symbols`, the documented fields."""
    rules = pair_rules(pair, price)
    n = _okx_number
    return {
        "symbol": symbol,
        "name": symbol,
        "baseCurrency": rules.base,
        "quoteCurrency": rules.quote,
        "feeCurrency": rules.quote,
        "market": "USDS" if rules.quote in ("USDT", "USDC", "USD") else rules.quote,
        "baseMinSize": n(rules.min_qty),
        "quoteMinSize": n(rules.min_notional),
        "baseMaxSize": "10000000000",
        "quoteMaxSize": "99999999",
        "baseIncrement": n(rules.step),
        "quoteIncrement": n(rules.tick),
        "priceIncrement": n(rules.tick),
        "priceLimitRate": "0.1",
        "minFunds": n(rules.min_notional),
        "isMarginEnabled": True,
        "enableTrading": True,
        "feeCategory": 1,
        "makerFeeCoefficient": "1.00",
        "takerFeeCoefficient": "1.00",
        "st": False,
        "callauctionIsEnabled": False,
        "callauctionPriceFloor": None,
        "callauctionPriceCeiling": None,
        "callauctionFirstStageStartTime": None,
        "callauctionSecondStageStartTime": None,
        "callauctionThirdStageStartTime": None,
        "tradingStartTime": None,
    }


def kucoin_symbols(query: dict[str, str], simulator: Any, pairs: list[tuple[str, str, float]]) -> tuple[Any, int]:
    """`{"code":"200000","data":[...]}`, optionally one `market`'s symbols."""
    market = query.get("market")
    data = [kucoin_symbol(symbol, pair, price) for pair, symbol, price in pairs]
    return {"code": "200000", "data": [d for d in data if market in (None, d["market"])]}, 200


# ----------------------------------------------------------------------------- Gate

#: Gate API v4 "List all currency pairs supported":
#: www.gate.io/docs/developers/apiv4/en/#list-all-currency-pairs-supported
GATE_PAIRS_PATH = "/api/v4/spot/currency_pairs"


def gate_pair(symbol: str, pair: str, price: float) -> dict[str, Any]:
    """One entry of `GET /api/v4/spot/currency_pairs`, the documented fields."""
    rules = pair_rules(pair, price)
    n = _okx_number
    listed = LISTED_MS // 1000
    return {
        "id": symbol,
        "base": rules.base,
        "base_name": rules.base,
        "quote": rules.quote,
        "quote_name": rules.quote,
        "fee": "0.2",
        "min_base_amount": n(rules.min_qty),
        "min_quote_amount": n(rules.min_notional),
        "max_base_amount": n(rules.max_qty),
        "max_quote_amount": "5000000",
        "amount_precision": QUANTITY_DECIMALS,
        "precision": -rules.tick.as_tuple().exponent,
        "trade_status": "tradable",
        "sell_start": listed,
        "buy_start": listed,
        "delisting_time": 0,
        "type": "normal",
        "trade_url": f"https://www.gate.io/trade/{symbol}",
        "st_tag": False,
    }


def gate_pairs(query: dict[str, str], simulator: Any, pairs: list[tuple[str, str, float]]) -> tuple[Any, int]:
    """A bare JSON array, as Gate answers it."""
    return [gate_pair(symbol, pair, price) for pair, symbol, price in pairs], 200
