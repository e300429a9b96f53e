"""The CONNECTED metadata MOEX publishes (`metadata.json`, abridged to what feedcli serves and
reads): what the simulator sends, and what the client falls back on when CONNECTED's body
cannot be read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from feedcli.providers.moex.protocol import QUERIES_KEY
from feedcli.providers.moex.schema import Schema

# ----------------------------------------------------------------------------- the metadata

# The three streams of MXSE and the search query, column for column as MOEX's streams
# reference (websocket-en.md) lists them, in the metadata's JSON shape (metadata.json).
# The simulator sends it in CONNECTED; the client falls back on it where a server's
# metadata lacks a resource it subscribes to.
_ENUMS: dict[str, list[tuple[str, str]]] = {
    "Language": [("en", "English"), ("ru", "Russian")],
    "TBuySell": [("B", "Buy"), ("S", "Sell")],
    "TDPValIndicator": [(" ", "No orders"), ("S", "Small"), ("M", "Much"), ("Y", "There are orders")],
    "TSecStatus": [
        ("A", "Operations allowed"),
        ("S", "Operations suspended"),
        ("N", "Suspended for trading, settlement allowed"),
    ],
    "TTradingStatus": [
        ("N", "Not traded right now"),
        ("O", "Opening period"),
        ("C", "Trading is closed"),
        ("F", "Closing period"),
        ("B", "Break"),
        ("T", "Trading session"),
        ("L", "Closing auction"),
        ("D", "Dark pool"),
        ("I", "Discrete auction"),
        ("E", "Close Auction price trading"),
        ("S", "Opening Auction"),
        ("A", "Auction: Order entry phase"),
        ("a", "Auction: Trade conclusion phase"),
        ("b", "Auction: Bookbuilding phase, orders locked"),
        ("p", "Auction: After auction trade phase"),
    ],
    "intervals": [
        ("M1", "1 minute"),
        ("M10", "10 minutes"),
        ("H1", "1 hour"),
        ("D1", "1 day"),
        ("W1", "1 week"),
        ("m1", "1 month"),
        ("m3", "1 quarter"),
        ("Q1", "1 quarter"),
    ],
}

_SECURITIES = "; ".join(
    (
        "TICKER string* Ticker",
        "CAPTION string Security",
        "LAST fixed Last",
        "CHANGE fixed Last to Closing change",
        "BID fixed Bid",
        "OFFER fixed Offer",
        "HIGH fixed Maximum",
        "LOW fixed Minimum",
        "HIGHBID fixed Best bid",
        "LOWOFFER fixed Best offer",
        "BIDDEPTHT integer Total bid depth",
        "OFFERDEPTHT integer Total offer depth",
        "VOLTODAY fixed Today volume",
        "VALTODAY integer Today value",
        "NUMTRADES integer Trades today",
        "LCLOSEPRICE fixed Closing price",
        "LCURRENTPRICE fixed Current price",
        "PREVPRICE fixed Last closing price",
        "WAPRICE fixed WA",
        "PREVWAPRICE fixed Previous WA price",
        "PRICEMINUSPREVWAPRICE fixed Last price to previous WA price",
        "QTY integer Lots in the last",
        "VALUE fixed Value of the last",
        "BASEPRICE fixed Base price",
        "MARKETPRICE fixed Last day market price",
        "CURRENCYID string Settlement currency",
        "SETTLECODE string Settlement code",
        "SETTLEDATE1 date Settlement date 1",
        "SETTLEDATE2 date Settlement date 2",
        "LOTSIZE integer Lot size",
        "FACEUNIT string Face value currency",
        "FACEVALUE fixed Face value",
        "ISSUESIZE integer Issued volume",
        "ADMITTEDQUOTE fixed Admitted quote",
        "TRADINGSTATUS enum:TTradingStatus Trading status",
        "STATUS enum:TSecStatus Status",
        "DPVALINDICATORBUY enum:TDPValIndicator Bid flag (dark pools)",
        "DPVALINDICATORSELL enum:TDPValIndicator Sell flag (dark pools)",
        "TIME time Time of the last",
        "MINSTEP fixed Order's minimum price step",
        "PRICEMINSTEP fixed Minimum price step",
    )
)
_ORDERBOOKS = "BUYSELL enum:TBuySell Direction; PRICE fixed Price; QUANTITY integer Lots; REPOVALUE fixed REPO value"
_CANDLES = (
    "FROM datetime* From; TILL datetime Till; OPEN fixed Open; HIGH fixed High; LOW fixed Low; CLOSE fixed Close; "
    "VALUE fixed Value; VOLUME integer Volume, units"
)
_SEARCH = (
    "ticker string ticker; secid string secid; boardid string boardid; board_name string board_name; "
    "marketplace string marketplace; shortname string shortname; latname string latname; name string name; "
    "isin string isin; regnumber string regnumber; primary_boardid string primary_boardid; "
    "emitent_id integer emitent_id; emitent_title string emitent_title; emitent_inn string emitent_inn; "
    "emitent_okpo string emitent_okpo"
)


def _columns(spec: str) -> list[dict[str, Any]]:
    out = []
    for item in spec.split("; "):
        name, kind, caption = item.split(" ", 2)
        col: dict[str, Any] = {"name": name, "caption": {"en": caption}}
        primary = kind.endswith("*")
        kind = kind.rstrip("*")
        if kind.startswith("enum:"):
            col["type"], col["enum"] = "enum", kind[5:]
        else:
            col["type"] = kind
        if primary:
            col["primary"] = True
        out.append(col)
    return out


def _params(*specs: tuple[str, str, bool]) -> list[dict[str, Any]]:
    return [
        {"name": n, "type": t, "caption": {"en": n}, **({"optional": True} if optional else {})}
        for n, t, optional in specs
    ]


def _enums(names: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "caption": {"en": name},
            "values": [{"id": i, "caption": {"en": i}, "description": {"en": text}} for i, text in _ENUMS[name]],
        }
        for name in names
    ]


STRUCTURE: dict[str, Any] = {
    "MXSE": {
        "enums": _enums(["Language", "TBuySell", "TDPValIndicator", "TSecStatus", "TTradingStatus", "intervals"]),
        "streams": [
            {
                "name": "candles",
                "access": "general",
                "caption": {"en": "Candles"},
                "params": _params(
                    ("ticker", "string", False),
                    ("interval", "enum", True),
                    ("quantity", "integer", True),
                    ("till", "datetime", True),
                ),
                "output": _columns(_CANDLES),
            },
            {
                "name": "orderbooks",
                "access": "general",
                "caption": {"en": "Aggregate orderbook"},
                "params": _params(("TICKER", "string", False)),
                "output": _columns(_ORDERBOOKS),
            },
            {
                "name": "securities",
                "access": "general",
                "caption": {"en": "General market data"},
                "params": _params(("TICKER", "string", False), ("LANGUAGE", "enum", True)),
                "output": _columns(_SECURITIES),
            },
        ],
    },
    "SEARCH": {
        "enums": [],
        "streams": [],
        QUERIES_KEY: [
            {
                "name": "ticker",
                "access": "general",
                "caption": {"en": "ticker"},
                "params": _params(("pattern", "string", True), ("ticker", "string", True), ("preset", "string", True)),
                "output": _columns(_SEARCH),
            }
        ],
    },
}

FALLBACK_SCHEMA = Schema.from_structure(STRUCTURE)
