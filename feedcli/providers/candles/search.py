"""`feedcli search EXCHANGE PATTERN`: the exchange's own instrument list, filtered here.

The crypto exchanges have no search endpoint; each has one call listing every spot
instrument (Binance `GET /api/v3/exchangeInfo`, OKX `GET /api/v5/public/instruments`). The
codec makes that call once through the engine (one HTTP client, its retries on 429/5xx),
keeps the instruments that match the pattern and emits one data event per match, as MOEX's
search does. A pattern with `*` or `?` is a glob; otherwise it matches anywhere. Either way
it is checked against the pair (`BTC-USDT`), the exchange's symbol (`BTCUSDT`) and the base
asset, without regard to case.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from feedcli.errors import FeedError, MalformedFrame, UsageError
from feedcli.events import DataEvent, Event
from feedcli.providers.base import Codec, HttpRequest, HttpResponse, OneRequestCodec
from feedcli.providers.candles.exchange import Exchange, excerpt

#: the columns a terminal table shows, in order
COLUMNS = ("pair", "symbol", "base", "quote", "status")


def matcher(pattern: str) -> Callable[[dict[str, Any]], bool]:
    """The pattern as a test of one instrument; UsageError (exit 2) for an empty or odd one."""
    text = pattern.strip()
    if not text or any(not ch.isprintable() for ch in text):
        raise UsageError(f"search: {pattern!r} is not a pattern: give a few letters, e.g. BTC or 'BTC-*'")
    wanted = text.casefold()
    glob = any(ch in wanted for ch in "*?[")

    def matches(row: dict[str, Any]) -> bool:
        for field in ("pair", "symbol", "base"):
            value = str(row.get(field) or "").casefold()
            if (fnmatch.fnmatchcase(value, wanted) if glob else wanted in value) and value:
                return True
        return False

    return matches


class InstrumentSearch(OneRequestCodec):
    """One instrument-list call; finished once it is answered, a data event per match."""

    what = "an instrument search"

    def __init__(self, exchange: Exchange, rest_base: str, pattern: str) -> None:
        request = exchange.instruments_request(rest_base)
        if request is None:
            raise UsageError(f"{exchange.name} has no instrument list to search")
        super().__init__(request)
        self.provider = exchange.name
        self._exchange = exchange
        self._matches = matcher(pattern)

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        if response.status >= 400:
            raise FeedError(f"search: {self.provider} answered HTTP {response.status}: {excerpt(response)}")
        try:
            rows = self._exchange.parse_instruments(response.body)
        except MalformedFrame as exc:
            raise FeedError(f"search: {exc}") from None
        self.finished = True
        found = [r for r in rows if self._matches(r)]
        return [DataEvent(self.provider, "instruments", str(r["pair"]), None, recv, r) for r in found]


def search_for(exchange: Exchange) -> Callable[[str], Callable[[str, Any], Codec]]:
    """A provider record's `Search.codec`: the pattern checked now, the codec built per base URL."""

    def search(pattern: str) -> Callable[[str, Any], Codec]:
        matcher(pattern)  # exit 2 before anything connects

        def make(base_url: str, _credential: Any) -> Codec:
            rest = exchange.rest_base if base_url == exchange.ws_base else base_url
            return InstrumentSearch(exchange, rest, pattern)

        return make

    return search
