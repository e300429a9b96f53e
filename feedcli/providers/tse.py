"""HT Data Engine, TSE & IFB: seven channels over one query-parameter subscription.

Source: ../shared/seeds/ht-tse-ifb-websocket.md. Symbols and channels ride in the URL,
each repeated as its own parameter; nothing is sent after the handshake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from feedcli import market
from feedcli.errors import UsageError
from feedcli.providers import ht
from feedcli.providers.base import (
    Codec,
    Handshake,
    ProviderInfo,
    Refusal,
    SelectorOption,
    check_selector,
    unique,
    ws_url,
)
from feedcli.providers.record import NO_TUNING, Channel, Demo, Provider

CHANNELS: tuple[str, ...] = (
    "best-limit",
    "order-book",
    "ohlcv-last-1m",
    "aggregate",
    "institutional-vs-individual",
    "contract-info",
    "fund-info",
)
PATH = "/data-engine/tse-ifb/live/data/websocket/symbol"
#: endpoint suffix → (query parameter, identifier field in each message)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "isin": ("symbol_isins", "symbolIsin"),
    "name": ("symbol_names", "symbolName"),
}
_ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{10}$")

INFO = ProviderInfo(
    name="tse",
    title="HT Data Engine: Tehran Stock Exchange & IFB",
    default_url=ht.PRODUCTION_URL,
    credentials="ht",
    channels=CHANNELS,
    selectors="--isin ISIN... | --name NAME...",
    ws_path=PATH + "/{isin,name}",
    examples=(
        "feedcli stream tse --isin IRO1FOLD0001 --channel best-limit --limit 10 | jq -c .data",
        "feedcli stream tse --name فولاد --channel aggregate --events -o foolad.ndjson",
    ),
)

OPTIONS = (
    SelectorOption("--isin", "isin", "Symbol by ISIN (repeatable).", metavar="ISIN"),
    SelectorOption("--name", "name", "Symbol by name (repeatable).", metavar="NAME"),
    SelectorOption(
        "--channel",
        "channel",
        f"{', '.join(CHANNELS)} (repeatable). Default: all seven.",
        metavar="CHANNEL",
        short="-c",
        choices=CHANNELS,
    ),
    ht.BEARER_OPTION,
)

By = Literal["isin", "name"]


@dataclass(frozen=True)
class Subscription:
    by: By
    symbols: tuple[str, ...]
    channels: tuple[str, ...]


def subscription(isins: list[str], names: list[str], channels: list[str]) -> Subscription:
    """Check what the user typed and build the subscription (UsageError, exit 2, if wrong)."""
    if isins and names:
        raise UsageError("use --isin or --name, not both: they are two different endpoints")
    if not isins and not names:
        raise UsageError("name at least one symbol with --isin ISIN or --name NAME")
    if isins:
        checked = []
        for isin in isins:
            value = check_selector("--isin", isin).upper()
            if len(value) != 12:
                raise UsageError(f"--isin {isin!r} is not an ISIN: an ISIN has 12 characters, not {len(value)}")
            if not _ISIN.match(value):
                raise UsageError(f"--isin {isin!r} is not an ISIN: 2 letters then 10 letters or digits")
            checked.append(value)
        by: By = "isin"
        symbols = unique(checked)
    else:
        by = "name"
        symbols = unique([check_selector("--name", n) for n in names])
    for channel in channels:
        if channel not in CHANNELS:
            raise UsageError(f"unknown channel {channel!r}; tse channels: {', '.join(CHANNELS)}")
    return Subscription(by, symbols, unique(channels) if channels else CHANNELS)


def request_target(sub: Subscription) -> str:
    """The path and query string: every channel and symbol as its own repeated parameter."""
    param = ENDPOINTS[sub.by][0]
    query = [("channels", c) for c in sub.channels] + [(param, s) for s in sub.symbols]
    return f"{PATH}/{sub.by}?{urlencode(query)}"


def parse_request_target(path: str, query: str) -> Subscription:
    """The server's reading of a request target (the inverse of `request_target`)."""
    prefix = PATH + "/"
    if not path.startswith(prefix) or path[len(prefix) :] not in ENDPOINTS:
        raise Refusal(f"unknown endpoint {path}")
    by: By = "isin" if path.endswith("/isin") else "name"
    pairs = parse_qsl(query, keep_blank_values=True)
    channels = tuple(v for k, v in pairs if k == "channels")
    symbols = tuple(v for k, v in pairs if k == ENDPOINTS[by][0])
    if not channels:
        raise Refusal("no channels requested")
    if not symbols:
        raise Refusal(f"no {ENDPOINTS[by][0]} requested: no symbol to subscribe")
    for channel in channels:
        if channel not in CHANNELS:
            raise Refusal(f"invalid channel: {channel}")
    return Subscription(by, symbols, channels)


def is_isin(text: str) -> bool:
    """Whether a symbol is written as an ISIN (else it is a name)."""
    return bool(_ISIN.match(text))


def prepare(values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING) -> Callable[[str, str], list[Codec]]:
    """Check the command line's values (exit 2 if wrong); then (base URL, token) → codecs."""
    sub = subscription(values.get("isin") or [], values.get("name") or [], values.get("channel") or [])
    bearer = bool(values.get("bearer"))
    return lambda base_url, token: codecs(sub, base_url, token, bearer=bearer)


def codecs(sub: Subscription, base_url: str, token: str, *, bearer: bool = False) -> list[Codec]:
    """One connection carries every symbol and channel."""
    handshake = Handshake(ws_url(base_url, request_target(sub)), ht.auth_headers(token, bearer=bearer))
    id_field = ENDPOINTS[sub.by][1]
    other = ENDPOINTS["name" if sub.by == "isin" else "isin"][1]
    return [ht.EnvelopeCodec("tse", handshake, (id_field, other), PROVIDER.kinds)]


def encode_message(sub_by: By, symbol: str, channel: str, timestamp: str | None, data: dict) -> bytes:
    """A message as the server sends it on the `sub_by` endpoint."""
    return ht.encode_envelope(channel, ENDPOINTS[sub_by][1], symbol, timestamp, data)


# ----------------------------------------------------------------------------- the vocabulary


def order_book(data: Any) -> market.Book:
    """`{"Buy": [{price, quantity, count}], "Sell": [...]}`, best first as sent."""
    fields = ht.fields_of(data)

    def side(name: str) -> tuple[market.Level, ...]:
        rows = fields.get(name) or fields.get(name.lower()) or ()
        out = []
        for row in rows if isinstance(rows, list | tuple) else ():
            price = ht.price_of(row.get("price")) if isinstance(row, Mapping) else None
            if price is not None:
                out.append(market.Level(price, market.number(row.get("quantity")), market.count(row.get("count"))))
        return tuple(out)

    return market.Book(side("Buy"), side("Sell"))


def minute_bar(data: Any, ts: str | None) -> market.Candle:
    """`{open, high, low, close, volume}` of the last minute: the bar is the message's minute."""
    bar = ht.fields_of(data)
    return market.Candle(
        timestamp=ht.bar_start(ts),
        open=ht.price_of(bar.get("open")),
        high=ht.price_of(bar.get("high")),
        low=ht.price_of(bar.get("low")),
        close=ht.price_of(bar.get("close")),
        volume=market.number(bar.get("volume")),
    )


def investor_flow(data: Any) -> market.InvestorFlow:
    """TSE's eight counters of the day's trading by side and investor type."""
    flow = ht.fields_of(data)
    return market.InvestorFlow(
        fields=market.flat(flow),
        buy_individual_count=market.count(flow.get("buy_count_individual")),
        buy_individual_volume=market.number(flow.get("buy_volume_individual")),
        buy_institution_count=market.count(flow.get("buy_count_institution")),
        buy_institution_volume=market.number(flow.get("buy_volume_institution")),
        sell_individual_count=market.count(flow.get("sell_count_individual")),
        sell_individual_volume=market.number(flow.get("sell_volume_individual")),
        sell_institution_count=market.count(flow.get("sell_count_institution")),
        sell_institution_volume=market.number(flow.get("sell_volume_institution")),
    )


PROVIDER = Provider(
    info=INFO,
    options=OPTIONS,
    prepare=prepare,
    channels=(
        Channel("best-limit", "book", lambda data, _ts: (ht.best_limits(data),)),
        Channel("order-book", "book", lambda data, _ts: (order_book(data),), full_book=True),
        Channel("ohlcv-last-1m", "candle", lambda data, ts: (minute_bar(data, ts),), series=True),
        Channel("aggregate", "stats", lambda data, _ts: (ht.aggregate(data),)),
        Channel("institutional-vs-individual", "stats", lambda data, _ts: (investor_flow(data),)),
        Channel("contract-info", "info", lambda data, _ts: (ht.info("contract", data),)),
        Channel("fund-info", "info", lambda data, _ts: (ht.info("fund", data),)),
    ),
    credentials=ht.CREDENTIALS,
    simulator=ht.simulator(
        "tse",
        "HT Data Engine (TSE & IFB, and IME on the same port): login, all 7 channels, close 1008.",
        "feedcli simulate tse --port 8765, then feedcli login --url http://127.0.0.1:8765 -u demo",
    ),
    demo=Demo(values=lambda sim: {"isin": [i.isin for i in sim.tse_instruments]}, names=ht.demo_names),
    replay=ht.replay("tse", "feedcli login --url {url} -u demo, then feedcli stream tse --url {url} --isin ISIN"),
    ts_zone=ht.tehran,
)
