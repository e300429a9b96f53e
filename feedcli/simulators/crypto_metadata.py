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
(www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments).
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
