"""A local Gate.io API v4 spot stream and candlesticks endpoint, on the codec's own formats.

- `GET /ws/v4/` (WebSocket): `{"time","channel":"spot.candlesticks","event":"subscribe",
  "payload":[interval, pair]}` → `{"event":"subscribe","error":null,"result":{"status":
  "success"}}`, or `error` `{"code":2,"message":"unknown currency pair ..."}` for an unknown
  pair or interval (and for a `time` more than 60 s off, as Gate checks); then an `update` of
  the forming bar `rate` times a second and the closed one (`"w":true`) at the boundary.
  `{"channel":"spot.ping"}` → `{"channel":"spot.pong"}`. A client silent for `idle_limit`
  seconds (FEEDCLI_SIM_GATE_IDLE, default 60) is closed.
- `GET /api/v4/spot/candlesticks?currency_pair=&interval=&limit=` or `&from=&to=`: oldest
  first, at most 1000 points; `limit` with `from`/`to` is refused, as Gate does; an unknown
  pair is HTTP 400 `{"label":"INVALID_CURRENCY_PAIR",...}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from feedcli.providers.candles import INTERVAL_SECONDS, Candle
from feedcli.providers.crypto import gate as crypto
from feedcli.providers.gate import (
    CHANNEL,
    EXCHANGE,
    INVALID_PAIR,
    PING,
    PONG,
    REST_INTERVALS,
    REST_LIMIT,
    REST_PATH,
    WS_INTERVALS,
    WS_PATH,
    encode_response,
    encode_rest_rows,
    encode_update,
)
from feedcli.simulators import crypto_metadata as meta
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import Step

#: the trade, book and ticker channels served
CRYPTO_CHANNELS = (crypto.TRADES, crypto.BOOK_TICKER, crypto.BOOK_UPDATE)
#: Gate's channel → our channel, for `simulate --channel`
_OURS = {CHANNEL: "candles", crypto.TRADES: "trades", crypto.BOOK_TICKER: "ticker", crypto.BOOK_UPDATE: "book"}
#: the listing's names, in its order
_LISTED = (
    ("candles", CHANNEL),
    ("trades", crypto.TRADES),
    ("book", crypto.BOOK_UPDATE),
    ("ticker", crypto.BOOK_TICKER),
)

#: Gate's interval spelling → the canonical one
WS_CANONICAL = {code: canonical for canonical, code in WS_INTERVALS.items()}
REST_CANONICAL = {code: canonical for canonical, code in REST_INTERVALS.items()}
#: how far a request's `time` may be from the server's (documented)
TIME_SKEW = 60


class GateSimulator(CandleSimulator):
    name = "gate"
    default_idle = 60.0
    idle_env = "FEEDCLI_SIM_GATE_IDLE"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Gate currency pair → the market's BASE-QUOTE
        self.pair_of = self.pair_map(EXCHANGE)

    title = "Gate.io API v4 spot"

    def listing(self) -> list[str]:
        return [
            *super().listing(),
            f"Channels: {', '.join(self.served_names(_LISTED))} on {WS_PATH}",
            f"REST: {REST_PATH}, {crypto.ORDER_BOOK_PATH}",
        ]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WS_PATH, self.websocket)
        app.router.add_get(REST_PATH, self.candlesticks)
        app.router.add_get(crypto.ORDER_BOOK_PATH, self.order_book)
        app.router.add_get(meta.GATE_PAIRS_PATH, meta.instruments_handler(self, EXCHANGE, meta.gate_pairs))

    # -- WebSocket -----------------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        sub = await self.accept(request)
        return await self.serve(sub, self.on_message)

    def on_message(self, sub: Subscriber, text: str) -> list[str]:
        now_ms = self.now_ms()
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict):
            return [encode_response("", "", now_ms, error=(1, "Invalid request body format"))]
        channel = message.get("channel")
        event = message.get("event")
        req_id = message.get("id")
        if channel == PING:
            return [encode_response(PONG, "", now_ms, req_id=req_id)]
        if not self.serves(_OURS.get(str(channel))):  # as Gate answers a channel it does not have
            reason = f"Invalid argument provided: unknown channel {channel}"
            return [encode_response(str(channel), str(event), now_ms, error=(2, reason), req_id=req_id)]
        if channel in CRYPTO_CHANNELS and event in ("subscribe", "unsubscribe"):
            return self._channel(sub, str(channel), str(event), message.get("payload"), req_id, now_ms)
        if channel != CHANNEL or event not in ("subscribe", "unsubscribe"):
            return [encode_response(str(channel), str(event), now_ms, error=(2, "Invalid argument provided"))]

        def refuse(reason: str) -> list[str]:
            return [encode_response(CHANNEL, event, now_ms, error=(2, reason), req_id=req_id)]

        stamp = message.get("time")
        if not isinstance(stamp, int) or abs(stamp - now_ms // 1000) > TIME_SKEW:
            return refuse(f"invalid time {stamp!r}: must be within {TIME_SKEW}s of the server's")
        payload = message.get("payload")
        if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload)):
            return refuse("payload must be [interval, currency_pair]")
        code, symbol = payload
        interval = WS_CANONICAL.get(code)
        if interval is None:
            return refuse(f"unknown interval {code}")
        pair = self.pair_of.get(symbol)
        if pair is None:
            return refuse(f"unknown currency pair {symbol}")
        if event == "subscribe":
            sub.subscriptions[(pair, interval)] = (symbol, code)
        else:
            sub.subscriptions.pop((pair, interval), None)
            sub.open_bar.pop((pair, interval), None)
        return [encode_response(CHANNEL, event, now_ms, result={"status": "success"}, req_id=req_id)]

    def _channel(self, sub: Subscriber, channel: str, event: str, payload: Any, req_id: Any, now_ms: int) -> list[str]:
        """`spot.trades` and `spot.book_ticker` (payload: pairs), `spot.order_book_update`
        (payload: [pair, "100ms"])."""
        if not (isinstance(payload, list) and payload and all(isinstance(p, str) for p in payload)):
            return [
                encode_response(
                    channel,
                    event,
                    now_ms,
                    error=(2, f"Invalid argument provided: unknown channel {channel}"),
                    req_id=req_id,
                )
            ]
        symbols = payload[:1] if channel == crypto.BOOK_UPDATE else payload
        unknown = [s for s in symbols if s not in self.pair_of]
        if unknown:
            reason = f"unknown currency pair {unknown[0]}"
            return [encode_response(channel, event, now_ms, error=(2, reason), req_id=req_id)]
        feeds: set[tuple[str, str]] = sub.extra.setdefault("feeds", set())
        for symbol in symbols:
            if event == "subscribe":
                feeds.add((channel, symbol))
            else:
                feeds.discard((channel, symbol))
        sub.extra["channel_pairs"] = {self.pair_of[s]: s for _c, s in feeds}
        return [encode_response(channel, event, now_ms, result={"status": "success"}, req_id=req_id)]

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        out = []
        for channel, symbol in sorted(sub.extra.get("feeds", ())):
            pair = self.pair_of[symbol]
            step = steps.get(pair)
            if step is None:
                continue
            ts = step.delta.ts_ms or self.now_ms()
            if channel == crypto.TRADES:
                out += [crypto.envelope(channel, crypto.encode_trade(t), ts) for t in step.trades]
            elif channel == crypto.BOOK_TICKER:
                ticker = self.books[pair].ticker(ts)
                out.append(crypto.envelope(channel, crypto.encode_book_ticker(ticker), ts))
            elif channel == crypto.BOOK_UPDATE and pair not in skipped:
                out.append(crypto.envelope(channel, crypto.encode_book_update(step.delta), ts))
        return [orjson.dumps(frame).decode() for frame in out]

    async def order_book(self, request: web.Request) -> web.Response:
        """`GET /api/v4/spot/order_book?currency_pair=&limit=&with_id=true` (limit at most 100 here)."""
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        symbol = request.query.get("currency_pair", "")
        pair = self.pair_of.get(symbol)
        if pair is None:
            return _error(INVALID_PAIR, f"Invalid currency pair {symbol}")
        try:
            limit = int(request.query.get("limit", "10"))
        except ValueError:
            return _error("INVALID_PARAM_VALUE", "limit must be an integer")
        limit = max(1, min(limit, crypto.SNAPSHOT_LIMIT))
        snapshot = self.book_market(pair, symbol).snapshot(limit, self.snapshot_lag)
        body = crypto.encode_rest_snapshot(replace(snapshot, ts_ms=self.now_ms()))
        if request.query.get("with_id") != "true":
            del body["id"]
        return web.json_response(body)

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Candle, key: Any) -> Iterable[Any]:
        symbol, code = key
        return [encode_update(code, symbol, candle, self.now_ms())]

    # -- REST ------------------------------------------------------------------------------------

    async def candlesticks(self, request: web.Request) -> web.Response:
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        q = request.query
        pair = self.pair_of.get(q.get("currency_pair", ""))
        if pair is None:
            return _error(INVALID_PAIR, f"Invalid currency pair {q.get('currency_pair', '')}")
        interval = REST_CANONICAL.get(q.get("interval", "30m"))
        if interval is None:
            return _error("INVALID_PARAM_VALUE", f"Invalid interval {q.get('interval')}")
        if "limit" in q and ("from" in q or "to" in q):
            return _error("INVALID_PARAM_VALUE", "limit conflicts with from and to")
        step = INTERVAL_SECONDS[interval]
        now = self.now_ms()
        try:
            if "from" in q or "to" in q:
                to = int(q["to"]) if "to" in q else now // 1000
                start = int(q["from"]) if "from" in q else to - 100 * step
                count = max(0, (to - start) // step + 1)
            else:
                count = int(q.get("limit", "100"))
                to, start = now // 1000, None
        except ValueError:
            return _error("INVALID_PARAM_VALUE", "limit, from and to are integers")
        if not 0 < count <= REST_LIMIT:
            return _error("INVALID_PARAM_VALUE", f"at most {REST_LIMIT} points a query")
        rows = self.market.history(pair, interval, count, to * 1000, now)
        if start is not None:
            rows = [c for c in rows if c.start_ms >= start * 1000]
        return web.json_response(encode_rest_rows(rows))


def _error(label: str, message: str) -> web.Response:
    return web.json_response({"label": label, "message": message}, status=400)
