"""Binance spot for bench/loadgen.py (`--site binance`): REST and WebSocket, pre-framed.

What it serves, as Binance documents it (feedcli/providers/binance.py cites the pages):

- `GET /api/v3/exchangeInfo` (with or without `symbols=[...]`): the listed symbols, TRADING,
  with base and quote assets and a PRICE_FILTER (cryptofeed reads `filters[0].tickSize`);
- `GET /api/v3/klines?symbol=&interval=&limit=[&endTime=]`: closed bars before the streamed one,
  oldest first;
- `/ws` then `{"method":"SUBSCRIBE","params":[...],"id":N}`: answered `{"result":null,"id":N}`,
  then the first stream named streams; `/ws/<stream>` and `/stream?streams=a/b` stream the
  first named stream at once.

Streams, by the part of the name after `@`: `kline_<interval>` (every event updates the same
open bar, `x` false, so that a client that drops bars older than its newest keeps every one),
`trade` and `aggTrade`. Depth diffs (`depth`, `depth@100ms`) are the next kind to add: their
`U`/`u` sequence must run on across the cycled corpus, so they need the send loop to patch
the ids in (as paced mode patches HT's send time) or a corpus long enough for a run; until
then a subscription to one is answered with Binance's error shape and streams nothing.

Frames: by default every event goes out wrapped as the combined stream wraps it,
`{"stream":"btcusdt@kline_1m","data":{...}}`, on `/ws` too (what Binance does after
`SET_PROPERTY combined true`), so that feedcli on `/ws` and cryptofeed on `/stream` get the
very same bytes: about 375 a frame for klines. `--binance-frames native` sends raw events on
`/ws`, as after a plain SUBSCRIBE (about 338 bytes a frame).

Messages are built with json.dumps (not orjson, which feedcli uses), compactly, as Binance
sends them; prices and quantities are strings with 8 decimals, ids have Binance's magnitudes.
"""

from __future__ import annotations

import json
import random
import urllib.parse
from collections.abc import Callable
from typing import Any

from loadgen import Corpus, HttpRequestHead

#: every bar of the corpus is this one (2025-11-14 12:00 UTC), an open 1m bar being updated
BAR_START_MS = 1_763_121_600_000
INTERVAL_MS = {"1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000}
#: what exchangeInfo lists: symbol → (base, quote, a typical price)
SYMBOLS = {
    "BTCUSDT": ("BTC", "USDT", 96_543.21),
    "ETHUSDT": ("ETH", "USDT", 3_187.45),
    "BNBBTC": ("BNB", "BTC", 0.009_512),
}


def _text(value: float) -> str:
    return f"{value:.8f}"


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def kline_events(symbol: str, interval: str, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` updates of one open bar: the close walks, high/low/volume/trades only grow."""
    rng = random.Random(seed)
    price = SYMBOLS.get(symbol, ("", "", 100.0))[2]
    length = INTERVAL_MS.get(interval, 60_000)
    open_ = high = low = close = price
    volume = quote = 0.0
    trades = 0
    first_trade = 5_412_345_678
    out = []
    for i in range(count):
        close = max(price * 0.5, close * (1 + rng.uniform(-2e-4, 2e-4)))
        high, low = max(high, close), min(low, close)
        step = rng.uniform(0.001, 0.4)
        volume += step
        quote += step * close
        trades += rng.randint(1, 9)
        out.append(
            {
                "e": "kline",
                "E": BAR_START_MS + 1_000 + (i * 50) % (length - 2_000),
                "s": symbol,
                "k": {
                    "t": BAR_START_MS,
                    "T": BAR_START_MS + length - 1,
                    "s": symbol,
                    "i": interval,
                    "f": first_trade,
                    "L": first_trade + trades - 1,
                    "o": _text(open_),
                    "c": _text(close),
                    "h": _text(high),
                    "l": _text(low),
                    "v": _text(volume),
                    "n": trades,
                    "x": False,
                    "q": _text(quote),
                    "V": _text(volume * 0.48),
                    "Q": _text(quote * 0.48),
                    "B": "0",
                },
            }
        )
    return out


def trade_events(symbol: str, kind: str, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` trades (`trade`) or aggregate trades (`aggTrade`), ids and times rising."""
    rng = random.Random(seed)
    price = SYMBOLS.get(symbol, ("", "", 100.0))[2]
    out = []
    trade_id = 5_412_345_678
    for i in range(count):
        price = max(1e-8, price * (1 + rng.uniform(-1e-4, 1e-4)))
        t = BAR_START_MS + i * 3
        qty, maker = _text(rng.uniform(0.00001, 0.5)), rng.random() < 0.5
        if kind == "aggTrade":
            n = rng.randint(1, 4)
            event = {"e": "aggTrade", "E": t + 1, "s": symbol, "a": 3_100_000_000 + i, "p": _text(price), "q": qty}
            event.update({"f": trade_id, "l": trade_id + n - 1, "T": t, "m": maker, "M": True})
            trade_id += n
        else:
            event = {"e": "trade", "E": t + 1, "s": symbol, "t": trade_id, "p": _text(price), "q": qty, "T": t}
            event.update({"m": maker, "M": True})
            trade_id += 1
        out.append(event)
    return out


def events_for(stream: str, count: int) -> list[dict[str, Any]] | None:
    """The corpus of events of one stream name (`btcusdt@kline_1m`); None for a kind not served."""
    symbol, _, kind = stream.partition("@")
    symbol = symbol.upper()
    if kind.startswith("kline_"):
        return kline_events(symbol, kind[len("kline_") :], count)
    if kind in ("trade", "aggTrade"):
        return trade_events(symbol, kind, count)
    return None


class BinanceSite:
    """The Site (see loadgen.py) of Binance spot; corpora are built once per stream and kind of frame."""

    def __init__(self, distinct: int = 1000, *, combined_everywhere: bool = True) -> None:
        self.distinct = distinct
        self.combined_everywhere = combined_everywhere
        self._corpora: dict[tuple[str, bool], Corpus | None] = {}
        self._routes: dict[str, Callable[[dict[str, list[str]]], tuple[int, bytes]]] = {
            "/api/v3/exchangeInfo": self.exchange_info,
            "/api/v3/klines": self.klines,
        }

    def corpus(self, stream: str, combined: bool) -> Corpus | None:
        key = (stream, combined)
        if key not in self._corpora:
            events = events_for(stream, self.distinct)
            if events is None:
                self._corpora[key] = None
            else:
                wrap = (lambda e: {"stream": stream, "data": e}) if combined else (lambda e: e)
                self._corpora[key] = Corpus.from_messages([_dumps(wrap(e)) for e in events])
        return self._corpora[key]

    # -- the Site protocol -------------------------------------------------------------

    def rest(self, request: HttpRequestHead) -> tuple[int, bytes] | None:
        route = self._routes.get(request.path)
        if route is None:
            return 404, _dumps({"code": -1, "msg": f"{request.path} is not served by the bench generator"})
        query = urllib.parse.parse_qs(request.target.partition("?")[2])
        return route(query)

    def stream_for(self, request: HttpRequestHead) -> Corpus | None:
        path = request.path
        if path == "/stream":
            streams = urllib.parse.parse_qs(request.target.partition("?")[2]).get("streams", [""])[0]
            return self.corpus(streams.split("/")[0], True)
        if path.startswith("/ws/"):
            return self.corpus(path[len("/ws/") :].split("/")[0], self.combined_everywhere)
        return None  # /ws: wait for SUBSCRIBE

    def on_text(self, payload: bytes) -> tuple[bytes | None, Corpus | None]:
        try:
            message = json.loads(payload)
            method, params, ident = message["method"], message.get("params") or [], message.get("id")
        except (ValueError, KeyError, TypeError):
            return _dumps({"code": 2, "msg": "Invalid JSON payload"}), None
        if method != "SUBSCRIBE":
            return _dumps({"result": None, "id": ident}), None
        corpus = self.corpus(str(params[0]), self.combined_everywhere) if params else None
        if corpus is None:
            return _dumps({"code": 2, "msg": f"Invalid request: stream {params[:1]} not served", "id": ident}), None
        return _dumps({"result": None, "id": ident}), corpus

    # -- REST --------------------------------------------------------------------------

    def exchange_info(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        wanted = list(SYMBOLS)
        if "symbols" in query:
            try:
                wanted = [str(s) for s in json.loads(query["symbols"][0])]
            except ValueError:
                return 400, _dumps({"code": -1100, "msg": "Illegal characters found in parameter 'symbols'"})
            if any(s not in SYMBOLS for s in wanted):
                return 400, _dumps({"code": -1121, "msg": "Invalid symbol."})
        symbols = [
            {
                "symbol": s,
                "status": "TRADING",
                "baseAsset": SYMBOLS[s][0],
                "quoteAsset": SYMBOLS[s][1],
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01",
                        "maxPrice": "1000000.00000000",
                        "tickSize": "0.01000000",
                    }
                ],
                "permissions": ["SPOT"],
            }
            for s in wanted
        ]
        return 200, _dumps({"timezone": "UTC", "serverTime": BAR_START_MS, "symbols": symbols})

    def klines(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        symbol = query.get("symbol", [""])[0]
        interval = query.get("interval", ["1m"])[0]
        if symbol not in SYMBOLS:
            return 400, _dumps({"code": -1121, "msg": "Invalid symbol."})
        length = INTERVAL_MS.get(interval, 60_000)
        limit = max(1, min(1000, int(query.get("limit", ["500"])[0])))
        # closed bars only, up to the one before the open bar the stream updates: a client
        # that backfills then streams sees its stream's bar as the next one, as it would live
        end = int(query["endTime"][0]) if "endTime" in query else BAR_START_MS - 1
        last = min(BAR_START_MS - length, end - end % length)
        price = SYMBOLS[symbol][2]
        rows = []
        for k in range(limit - 1, -1, -1):
            t = last - k * length
            rows.append(
                [
                    t,
                    _text(price),
                    _text(price * 1.001),
                    _text(price * 0.999),
                    _text(price),
                    "12.34567800",
                    t + length - 1,
                    _text(12.345678 * price),
                    1234,
                    "6.17283900",
                    _text(6.172839 * price),
                    "0",
                ]
            )
        return 200, _dumps(rows)
