"""Binance spot on loopback: kline streams on /ws and /stream, ping frames, /api/v3/klines, exchangeInfo.

What it does as Binance documents (see feedcli/providers/binance.py for the sources): raw
streams at `/ws` and `/ws/<stream>`, combined ones at `/stream?streams=a/b` wrapped as
`{"stream","data"}`; live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS answered `{"result":..,"id":..}`;
a stream of an unknown symbol is accepted and stays silent, as on the real exchange; at most
1024 streams per connection and 5 incoming messages a second (more closes the connection);
a ping frame every 20 s and a close for a connection that has not answered one within a minute.

Test knobs from the environment (the real values are the defaults):
`FEEDCLI_SIM_BINANCE_PING_INTERVAL` (seconds between ping frames, 20) and
`FEEDCLI_SIM_BINANCE_PONG_TIMEOUT` (seconds without a pong before the close, 60).
ASSUMED: an unknown interval in a stream name is answered `{"code":2,"msg":"Invalid request: ..."}`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from feedcli.knobs import env_seconds
from feedcli.providers.binance import (
    EXCHANGE,
    INTERVALS,
    MAX_STREAMS,
    REST_LIMIT,
    encode_kline_event,
    encode_kline_row,
    stream_name,
)
from feedcli.providers.candles import INTERVAL_SECONDS, parse_pair
from feedcli.providers.crypto import binance as crypto
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import Step
from feedcli.simulators.crypto_metadata import binance_symbol

_STREAM = re.compile(r"^([a-z0-9]+)@kline_([0-9]+[smhdwM])$")
#: trade, book and ticker streams: `<symbol>@trade`, `@aggTrade`, `@depth[@100ms]`,
#: `@depth<5|10|20>[@100ms]`, `@bookTicker`
_CHANNEL = re.compile(r"^([a-z0-9]+)@(trade|aggTrade|bookTicker|depth(?:5|10|20)?)(@100ms|@1000ms)?$")
MAX_MESSAGES_PER_SECOND = 5
#: a stream's kind (its first five letters) → our channel, for `simulate --channel`
_OURS = {"kline": "candles", "trade": "trades", "aggTr": "trades", "depth": "book", "bookT": "ticker"}


class BinanceSimulator(CandleSimulator):
    name = "binance"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ping_interval = env_seconds("FEEDCLI_SIM_BINANCE_PING_INTERVAL", 20.0)
        self.pong_timeout = env_seconds("FEEDCLI_SIM_BINANCE_PONG_TIMEOUT", 60.0)
        #: Binance symbol → our pair (BTCUSDT → BTC-USDT)
        self.pair_of = self.pair_map(EXCHANGE)

    title = "Binance spot"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/ws", self.websocket)
        app.router.add_get("/ws/{stream}", self.websocket)
        app.router.add_get("/stream", self.websocket)
        app.router.add_get("/api/v3/klines", self.klines)
        app.router.add_get("/api/v3/exchangeInfo", self.exchange_info)
        app.router.add_get("/api/v3/depth", self.depth)

    # -- WebSocket ---------------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        sub = Subscriber(ws)
        sub.extra["combined"] = request.path == "/stream"
        sub.extra["last_ping"] = time.monotonic()
        initial = request.match_info.get("stream") or request.query.get("streams", "")
        for name in filter(None, initial.split("/")):
            self._add_stream(sub, name)
        self.subscribers.add(sub)
        recent: list[float] = []
        try:
            async for msg in ws:
                now = time.monotonic()
                if msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                    continue
                if msg.type == WSMsgType.PONG:
                    sub.last_heard = now
                    continue
                if msg.type != WSMsgType.TEXT:
                    continue
                recent = [t for t in recent if now - t < 1.0] + [now]
                if len(recent) > MAX_MESSAGES_PER_SECOND:
                    await ws.close(code=1008, message=b"Too many requests")
                    break
                await ws.send_str(self._answer(sub, msg.data))
        finally:
            self.subscribers.discard(sub)
        return ws

    def _add_stream(self, sub: Subscriber, name: str) -> str | None:
        """Subscribe one stream; an error text for a stream name Binance would not take."""
        channel = _CHANNEL.match(name)
        ours = _OURS.get(channel.group(2)[:5] if channel is not None else "kline" if _STREAM.match(name) else "")
        if ours is not None and not self.serves(ours):
            return f"Invalid request: unknown stream {name!r}"  # as for a stream Binance does not have
        if channel is not None:
            symbol = channel.group(1).upper()
            pair = self.pair_of.get(symbol)
            if pair is None:
                sub.extra.setdefault("silent", set()).add(name)
                return None
            if len(sub.subscriptions) + len(sub.extra.get("feeds", {})) >= MAX_STREAMS:
                return f"Invalid request: more than {MAX_STREAMS} streams"
            sub.extra.setdefault("feeds", {})[name] = (pair, channel.group(2))
            sub.extra.setdefault("channel_pairs", {})[pair] = symbol
            return None
        match = _STREAM.match(name)
        if match is None or match.group(2) not in INTERVALS:
            return f"Invalid request: unknown stream {name!r}"
        if len(sub.subscriptions) >= MAX_STREAMS:
            return f"Invalid request: more than {MAX_STREAMS} streams"
        pair = self.pair_of.get(match.group(1).upper())
        if pair is not None:  # an unknown symbol is accepted and stays silent, as Binance does
            sub.subscriptions[(pair, match.group(2))] = name
        else:
            sub.extra.setdefault("silent", set()).add(name)
        return None

    def _answer(self, sub: Subscriber, text: str) -> str:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            return orjson.dumps({"code": 3, "msg": "Invalid JSON: expected value"}).decode()
        if not isinstance(message, dict):
            return orjson.dumps({"code": 2, "msg": "Invalid request: request must be an object"}).decode()
        ident = message.get("id")
        method = message.get("method")
        params = message.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE") and not (
            isinstance(params, list) and all(isinstance(p, str) for p in params)
        ):
            return orjson.dumps({"code": 2, "msg": "Invalid request: params must be strings", "id": ident}).decode()
        if method == "SUBSCRIBE":
            for name in params:
                error = self._add_stream(sub, name)
                if error is not None:
                    return orjson.dumps({"code": 2, "msg": error, "id": ident}).decode()
            return orjson.dumps({"result": None, "id": ident}).decode()
        if method == "UNSUBSCRIBE":
            for key, name in list(sub.subscriptions.items()):
                if name in params:
                    del sub.subscriptions[key]
                    sub.open_bar.pop(key, None)
            feeds = sub.extra.get("feeds", {})
            for name in params:
                feeds.pop(name, None)
            sub.extra["channel_pairs"] = {
                pair: self.books[pair].symbol if pair in self.books else EXCHANGE.symbol(parse_pair(pair))
                for pair, _kind in feeds.values()
            }
            return orjson.dumps({"result": None, "id": ident}).decode()
        if method == "LIST_SUBSCRIPTIONS":
            names = list(sub.subscriptions.values()) + list(sub.extra.get("feeds", {}))
            names += sorted(sub.extra.get("silent", ()))
            return orjson.dumps({"result": names, "id": ident}).decode()
        return orjson.dumps({"code": 0, "msg": "Unknown property", "id": ident}).decode()

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Any, key: Any) -> Iterable[Any]:
        symbol = EXCHANGE.symbol(parse_pair(pair))
        event = encode_kline_event(symbol, interval, candle, self.now_ms())
        if sub.extra.get("combined"):
            event = {"stream": key, "data": event}
        return [orjson.dumps(event).decode()]

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        combined = sub.extra.get("combined")
        out = []
        for name, (pair, kind) in sub.extra.get("feeds", {}).items():
            step = steps.get(pair)
            if step is None:
                continue
            market = self.books[pair]
            payloads: list[Any] = []
            if kind == "trade":
                payloads = [crypto.encode_trade(t) for t in step.trades]
            elif kind == "aggTrade":
                payloads = [crypto.encode_agg_trade(t, int(t.id), int(t.id)) for t in step.trades]
            elif kind == "depth":
                if pair not in skipped:
                    payloads = [crypto.encode_depth_update(step.delta)]
            elif kind.startswith("depth"):
                payloads = [crypto.encode_depth_snapshot(market.snapshot(int(kind[5:])))]
            elif kind == "bookTicker":
                payloads = [crypto.encode_book_ticker(market.ticker())]
            for payload in payloads:
                out.append(orjson.dumps({"stream": name, "data": payload} if combined else payload).decode())
        return out

    def due_keepalive(self, sub: Subscriber, now: float) -> Iterable[Any]:
        if now - sub.extra.get("last_ping", now) >= self.ping_interval:
            sub.extra["last_ping"] = now
            return [("ping", str(int(time.time() * 1000)).encode())]
        return ()

    def idle_limit(self) -> float | None:
        # pongs refresh `last_heard`; a client that never answers the pings is closed
        return self.pong_timeout

    # -- REST ----------------------------------------------------------------------------------

    async def klines(self, request: web.Request) -> web.Response:
        refused = self.rest_gate(request)
        if refused is not None:
            return refused
        query = request.query
        pair = self.pair_of.get(query.get("symbol", ""))
        if pair is None:
            return _error(-1121, "Invalid symbol.")
        interval = query.get("interval", "")
        if interval not in INTERVALS:
            return _error(-1120, "Invalid interval.")
        try:
            limit = int(query.get("limit", "500"))
            end = int(query["endTime"]) if "endTime" in query else None
            start = int(query["startTime"]) if "startTime" in query else None
        except ValueError:
            return _error(-1100, "Illegal characters found in a parameter.")
        if not 1 <= limit <= REST_LIMIT:
            return _error(-1130, "Data sent for parameter 'limit' is not valid.")
        now = self.now_ms()
        if start is not None and end is None:
            length = INTERVAL_SECONDS[interval] * 1000
            first = -(-start // length) * length
            end = first + (limit - 1) * length
        bars = self.market.history(pair, interval, limit, now if end is None else end, now)
        if start is not None:
            bars = [b for b in bars if b.start_ms >= start]
        return web.json_response([encode_kline_row(interval, b) for b in bars])

    async def depth(self, request: web.Request) -> web.Response:
        """`GET /api/v3/depth?symbol=&limit=` (limit 1-5000, default 100), the book now or, with
        the snapshot-lag fault, as it was some updates ago."""
        refused = self.rest_gate(request)
        if refused is not None:
            return refused
        symbol = request.query.get("symbol", "")
        pair = self.pair_of.get(symbol)
        if pair is None:
            return _error(-1121, "Invalid symbol.")
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            return _error(-1100, "Illegal characters found in parameter 'limit'.")
        if not 1 <= limit <= crypto.MAX_LIMIT:
            return _error(-1130, "Data sent for parameter 'limit' is not valid.")
        snapshot = self.book_market(pair, symbol).snapshot(limit, self.snapshot_lag)
        return web.json_response(crypto.encode_depth_snapshot(snapshot))

    async def exchange_info(self, request: web.Request) -> web.Response:
        refused = self.rest_gate(request)
        if refused is not None:
            return refused
        if "symbols" in request.query:
            try:
                wanted = orjson.loads(request.query["symbols"])
            except orjson.JSONDecodeError:
                return _error(-1100, "Illegal characters found in parameter 'symbols'.")
            if not isinstance(wanted, list):
                return _error(-1100, "Illegal characters found in parameter 'symbols'.")
        elif "symbol" in request.query:
            wanted = [request.query["symbol"]]
        else:
            wanted = list(self.pair_of)
        if any(s not in self.pair_of for s in wanted):
            return _error(-1121, "Invalid symbol.")
        symbols = []
        for symbol in wanted:
            pair = self.pair_of[symbol]
            symbols.append(binance_symbol(symbol, pair, self.market.pairs[pair]))
        body = {
            "timezone": "UTC",
            "serverTime": self.now_ms(),
            "rateLimits": [],
            "exchangeFilters": [],
            "symbols": symbols,
        }
        return web.json_response(body)

    def listing(self) -> list[str]:
        streams = self.served_names(
            (
                ("candles", stream_name("BTCUSDT", "1m")),
                ("trades", "btcusdt@trade"),
                ("book", "btcusdt@depth@100ms"),
                ("ticker", "btcusdt@bookTicker"),
            )
        )
        return [
            f"Pairs: {' '.join(self.market.pairs)}",
            f"WebSocket: {self.url}/ws (SUBSCRIBE {', '.join(streams)}, ...), {self.url}/stream?streams=...",
            f"REST: {self.url}/api/v3/klines, /api/v3/depth, /api/v3/exchangeInfo",
        ]


def _error(code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=400)
