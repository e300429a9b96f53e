"""Binance spot for bench/loadgen.py (`--site binance`): REST and WebSocket, pre-framed.

What it serves, as Binance documents it (feedcli/providers/binance.py cites the pages):

- `GET /api/v3/exchangeInfo` (with or without `symbols=[...]`): the listed symbols, TRADING,
  with base and quote assets and a PRICE_FILTER (cryptofeed reads `filters[0].tickSize`);
- `GET /api/v3/klines?symbol=&interval=&limit=[&endTime=]`: closed bars before the streamed one,
  oldest first;
- `GET /api/v3/depth?symbol=&limit=`: the book as of now, as Binance answers: after the diffs
  of the symbol that the latest connection streaming them has handed to its socket (before the
  first diff, `lastUpdateId` = its `U` − 1, when none has);
- `/ws` then `{"method":"SUBSCRIBE","params":[...],"id":N}`: answered `{"result":null,"id":N}`,
  then the named streams; `/ws/<stream>` and `/stream?streams=a/b` stream the named streams at
  once. Several streams go out one event of each in turn (20 pairs' trades on one connection).

Streams, by the part of the name after `@`: `kline_<interval>` (every event updates the same
open bar, `x` false, so that a client that drops bars older than its newest keeps every one),
`trade` and `aggTrade` (ids rising per symbol), `depth` and `depth@100ms` (diffs of a book on
a fixed grid, `U`/`u` running on per symbol; see `DepthBook`). Each connection starts at the
corpus's first event. A cycled corpus sends its depth diffs again with `U`/`u` moved on by what
one pass covers (`DepthStream`), so they run on without end; trade ids rise through a run only
while the run is no longer than the corpus (`--distinct`): the trades row makes it as long as
its run (a client drops a repeated trade id, and waits).

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
from collections.abc import Callable, Sequence
from typing import Any

from loadgen import ConnStats, Corpus, HttpRequestHead

#: every bar of the corpus is this one (2025-11-14 12:00 UTC), an open 1m bar being updated
BAR_START_MS = 1_763_121_600_000
INTERVAL_MS = {"1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000}
#: what exchangeInfo lists: symbol → (base, quote, a typical price)
SYMBOLS = {
    "BTCUSDT": ("BTC", "USDT", 96_543.21),
    "ETHUSDT": ("ETH", "USDT", 3_187.45),
    "BNBBTC": ("BNB", "BTC", 0.009_512),
    "SOLUSDT": ("SOL", "USDT", 142.37),
    "XRPUSDT": ("XRP", "USDT", 2.214),
    "ADAUSDT": ("ADA", "USDT", 0.4821),
    "DOGEUSDT": ("DOGE", "USDT", 0.1623),
    "TRXUSDT": ("TRX", "USDT", 0.2874),
    "LINKUSDT": ("LINK", "USDT", 14.52),
    "DOTUSDT": ("DOT", "USDT", 2.913),
    "LTCUSDT": ("LTC", "USDT", 98.74),
    "AVAXUSDT": ("AVAX", "USDT", 15.62),
    "UNIUSDT": ("UNI", "USDT", 7.41),
    "ATOMUSDT": ("ATOM", "USDT", 2.847),
    "XLMUSDT": ("XLM", "USDT", 0.2561),
    "ETCUSDT": ("ETC", "USDT", 13.27),
    "FILUSDT": ("FIL", "USDT", 1.652),
    "NEARUSDT": ("NEAR", "USDT", 2.118),
    "APTUSDT": ("APT", "USDT", 3.054),
    "ARBUSDT": ("ARB", "USDT", 0.2417),
}
#: levels a side of the bench's books (a snapshot serves at most this many); diffs touch only
#: the best DEPTH_TOUCHED of them, so a snapshot of 100 always leaves a book deep enough
DEPTH_LEVELS = 200
DEPTH_TOUCHED = 30
#: the update id before the first diff of every book (Binance's have this magnitude)
FIRST_UPDATE_ID = 71_234_567_890


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


class DepthBook:
    """One symbol's book on a fixed grid (bids below the mid, asks above: never crossed), and its diffs.

    The mid never moves, so every level a diff names is on the grid the snapshot holds; a diff
    sets 1-4 levels a side among the best DEPTH_TOUCHED (a fifth of them to 0: removed, until a
    later diff sets them again) and covers 1-6 update ids, `U` = the previous `u` + 1.
    """

    def __init__(self, symbol: str, seed: int = 7) -> None:
        self.symbol = symbol
        self.rng = random.Random(f"{seed}-{symbol}")
        price = SYMBOLS.get(symbol, ("", "", 100.0))[2]
        self.tick = 10 ** (len(f"{price:.8f}".split(".")[0]) - 6)  # about six significant digits
        self.mid = round(price / self.tick) * self.tick
        self.bids = {k: self._size() for k in range(1, DEPTH_LEVELS + 1)}
        self.asks = {k: self._size() for k in range(1, DEPTH_LEVELS + 1)}
        self.update_id = FIRST_UPDATE_ID

    def _size(self) -> float:
        return round(self.rng.uniform(0.0001, 12.0), 8)

    def _price(self, side: str, k: int) -> str:
        return _text(self.mid - k * self.tick if side == "b" else self.mid + k * self.tick)

    def snapshot(self, limit: int) -> dict[str, Any]:
        """`GET /api/v3/depth` as of now: the best `limit` levels a side, best first."""
        rows = {}
        for side, book in (("bids", self.bids), ("asks", self.asks)):
            levels = sorted((k, q) for k, q in book.items() if q > 0)[:limit]
            rows[side] = [[self._price(side[0], k), _text(q)] for k, q in levels]
        return {"lastUpdateId": self.update_id, **rows}

    def diff(self, event_ms: int) -> dict[str, Any]:
        rng = self.rng
        changes: dict[str, list[list[str]]] = {}
        for side, book in (("b", self.bids), ("a", self.asks)):
            rows = []
            for k in sorted(rng.sample(range(1, DEPTH_TOUCHED + 1), rng.randint(1, 4))):
                book[k] = 0.0 if rng.random() < 0.2 else self._size()
                rows.append([self._price(side, k), _text(book[k])])
            changes[side] = rows
        first = self.update_id + 1
        self.update_id = first + rng.randint(0, 5)
        event = {"e": "depthUpdate", "E": event_ms, "s": self.symbol, "U": first, "u": self.update_id}
        return {**event, **changes}


def depth_events(symbol: str, count: int) -> list[dict[str, Any]]:
    """`count` diffs of one symbol's book, from the state `depth_snapshot` serves."""
    book = DepthBook(symbol)
    return [book.diff(BAR_START_MS + 100 * (i + 1)) for i in range(count)]


def depth_snapshot(symbol: str, limit: int) -> dict[str, Any]:
    """The book before the first diff of `depth_events`: `lastUpdateId` is the first `U` − 1."""
    return DepthBook(symbol).snapshot(limit)


class DepthStream:
    """One symbol's diffs in a corpus, where they sit in it, and how their ids go on when it cycles.

    The generator cycles a corpus without end (`--count 0`); a diff stream that started again at
    its first ids would be dropped by every client as repeats (and the client would wait), so
    each pass adds `span` (the ids one pass covers) to `U` and `u` (`renumbering`). The book
    then goes on consistently: a diff sets levels to absolute sizes, so one whole pass applied
    to the book at the corpus's end gives that same book again.
    """

    def __init__(self, symbol: str, diffs: list[dict[str, Any]], place: int, streams: int, frames: int) -> None:
        self.symbol = symbol
        self.diffs = diffs
        self.place = place  # this stream's turn among the corpus's streams
        self.streams = streams
        self.frames = frames
        self.span = diffs[-1]["u"] - diffs[0]["U"] + 1

    def diffs_in(self, sent: int) -> int:
        """How many of this symbol's diffs are among the first `sent` frames, every pass counted."""
        passes, rest = divmod(sent, self.frames)
        turns, extra = divmod(rest, self.streams)
        return passes * len(self.diffs) + turns + (1 if self.place < extra else 0)

    def last_id(self, applied: int) -> int:
        """`u` of the diff number `applied` (1-based) through every pass: a snapshot's `lastUpdateId`."""
        passes, rest = divmod(applied, len(self.diffs))
        if rest == 0:
            return FIRST_UPDATE_ID + passes * self.span
        return self.diffs[rest - 1]["u"] + passes * self.span


class DepthCursor:
    """The book of a `DepthStream` as of some number of its diffs, moved on one way only."""

    def __init__(self, stream: DepthStream) -> None:
        self.stream = stream
        self.applied = 0
        first = depth_snapshot(stream.symbol, DEPTH_LEVELS)
        self.bids = {price: qty for price, qty in first["bids"]}
        self.asks = {price: qty for price, qty in first["asks"]}

    def advance(self, to: int) -> None:
        diffs = self.stream.diffs
        for n in range(self.applied, to):
            diff = diffs[n % len(diffs)]
            for side, rows in ((self.bids, diff["b"]), (self.asks, diff["a"])):
                for price, qty in rows:
                    if float(qty) > 0:
                        side[price] = qty
                    else:
                        side.pop(price, None)
        self.applied = max(self.applied, to)

    def snapshot(self, limit: int) -> dict[str, Any]:
        bids = sorted(self.bids.items(), key=lambda row: -float(row[0]))[:limit]
        asks = sorted(self.asks.items(), key=lambda row: float(row[0]))[:limit]
        return {
            "lastUpdateId": self.stream.last_id(self.applied),
            "bids": [list(row) for row in bids],
            "asks": [list(row) for row in asks],
        }


def depth_streams(names: tuple[str, ...], events: list[tuple[str, dict[str, Any]]]) -> dict[str, DepthStream]:
    """The depth diff streams among `names` (a corpus of `events` taken in turn), by symbol."""
    out = {}
    for place, name in enumerate(names):
        symbol, _, kind = name.partition("@")
        if kind in ("depth", "depth@100ms"):
            diffs = [e for s, e in events if s == name]
            out[symbol.upper()] = DepthStream(symbol.upper(), diffs, place, len(names), len(events))
    return out


def renumbering(
    messages: list[bytes], events: list[tuple[str, dict[str, Any]]], streams: dict[str, DepthStream]
) -> list[list[tuple[int, int, int]]] | None:
    """Where each message's `U` and `u` digits are, and what one pass adds to them (None: no diffs)."""
    if not streams:
        return None
    by_name = {f"{s.lower()}@": stream for s, stream in streams.items()}
    out: list[list[tuple[int, int, int]]] = []
    for message, (name, event) in zip(messages, events, strict=True):
        stream = by_name.get(name.partition("@")[0] + "@")
        if stream is None or event.get("e") != "depthUpdate":
            out.append([])
            continue
        spots = []
        for key in (b'"U":', b'"u":'):
            start = message.index(key) + len(key)
            end = start + len(str(event[key.decode()[1]]))
            spots.append((start, end, stream.span))
        out.append(spots)
    return out


def events_for(stream: str, count: int) -> list[dict[str, Any]] | None:
    """The corpus of events of one stream name (`btcusdt@kline_1m`); None for a kind not served."""
    symbol, _, kind = stream.partition("@")
    symbol = symbol.upper()
    if kind.startswith("kline_"):
        return kline_events(symbol, kind[len("kline_") :], count)
    if kind in ("trade", "aggTrade"):
        return trade_events(symbol, kind, count)
    if kind in ("depth", "depth@100ms"):
        return depth_events(symbol, count)
    return None


def interleaved(streams: tuple[str, ...], count: int) -> list[tuple[str, dict[str, Any]]] | None:
    """`count` events of several streams, one of each in turn (each stream's ids keep rising)."""
    per = -(-count // len(streams))
    corpora = []
    for stream in streams:
        events = events_for(stream, per)
        if events is None:
            return None
        corpora.append([(stream, e) for e in events])
    return [pair for turn in zip(*corpora, strict=True) for pair in turn][:count]


class BinanceSite:
    """The Site (see loadgen.py) of Binance spot; corpora are built once per stream and kind of frame."""

    def __init__(self, distinct: int = 1000, *, combined_everywhere: bool = True) -> None:
        self.distinct = distinct
        self.combined_everywhere = combined_everywhere
        self._corpora: dict[tuple[str, bool], Corpus | None] = {}
        #: the depth diffs in each corpus built, per symbol (by id: a Corpus is not hashable)
        self._diffs: dict[int, dict[str, DepthStream]] = {}
        #: per symbol, where the latest connection streaming its diffs is: what `depth` answers
        self._depth_streams: dict[str, tuple[DepthStream, ConnStats]] = {}
        #: per symbol, the book as of some number of diffs, moved on to serve each snapshot
        self._depth_books: dict[str, DepthCursor] = {}
        self._routes: dict[str, Callable[[dict[str, list[str]]], tuple[int, bytes]]] = {
            "/api/v3/exchangeInfo": self.exchange_info,
            "/api/v3/klines": self.klines,
            "/api/v3/depth": self.depth,
        }

    def corpus(self, streams: str | Sequence[str], combined: bool) -> Corpus | None:
        """The frames of one stream, or of several taken in turn (a subscription to many)."""
        names = (streams,) if isinstance(streams, str) else tuple(streams)
        key = (names, combined)
        if key not in self._corpora:
            events = interleaved(names, self.distinct) if names else None
            if events is None:
                self._corpora[key] = None
            else:
                messages = [_dumps({"stream": s, "data": e} if combined else e) for s, e in events]
                streams = depth_streams(names, events)
                corpus = Corpus.from_messages(messages, renumber=renumbering(messages, events, streams))
                self._diffs[id(corpus)] = streams
                self._corpora[key] = corpus
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
            return self.corpus(streams.split("/"), True)
        if path.startswith("/ws/"):
            return self.corpus(path[len("/ws/") :].split("/")[0], self.combined_everywhere)
        return None  # /ws: wait for SUBSCRIBE

    def streaming(self, corpus: Corpus, stats: ConnStats) -> None:
        """Remember which connection streams which symbol's diffs, for `depth` to follow it."""
        for symbol, stream in self._diffs.get(id(corpus), {}).items():
            self._depth_streams[symbol] = (stream, stats)

    def on_text(self, payload: bytes) -> tuple[bytes | None, Corpus | None]:
        try:
            message = json.loads(payload)
            method, params, ident = message["method"], message.get("params") or [], message.get("id")
        except (ValueError, KeyError, TypeError):
            return _dumps({"code": 2, "msg": "Invalid JSON payload"}), None
        if method != "SUBSCRIBE":
            return _dumps({"result": None, "id": ident}), None
        corpus = self.corpus([str(p) for p in params], self.combined_everywhere) if params else None
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

    def depth(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        """The book as of now, as Binance answers: after the diffs of the symbol that the latest
        connection streaming them has sent so far (before the first, if none has).

        A client that held every diff since its connection opened could sync with the book
        before the first one, but one that dropped the oldest it held (feedcli holds 10,000 a
        pair at most) or resyncs after a gap asks again and needs a newer snapshot, as Binance
        would give it: a snapshot that never moved left such a client asking forever (under
        picows, feedcli read more diffs than it holds while its first snapshots were on their way).
        """
        symbol = query.get("symbol", [""])[0]
        if symbol not in SYMBOLS:
            return 400, _dumps({"code": -1121, "msg": "Invalid symbol."})
        limit = max(1, min(5000, int(query.get("limit", ["100"])[0])))
        entry = self._depth_streams.get(symbol)
        if entry is None:
            return 200, _dumps(depth_snapshot(symbol, limit))
        stream, stats = entry
        wanted = stream.diffs_in(stats.sent)
        book = self._depth_books.get(symbol)
        if book is None or book.stream is not stream or book.applied > wanted:
            book = self._depth_books[symbol] = DepthCursor(stream)
        book.advance(wanted)
        return 200, _dumps(book.snapshot(limit))
