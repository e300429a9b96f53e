"""A local Bybit v5 public spot stream and kline REST endpoint, on the codec's own formats.

- `GET /v5/public/spot` (WebSocket): `{"op":"subscribe","args":["kline.1.BTCUSDT",...]}`
  (at most 10 args a request, as Bybit's spot stream allows) → `{"success":true,...}`, or
  `success:false` with `ret_msg` naming the topic for an unknown symbol or interval; then a
  `kline.*` push of the forming bar `rate` times a second and the confirmed bar
  (`confirm:true`) at the boundary. `{"op":"ping"}` → `ret_msg:"pong"`. A client silent
  for `idle_limit` seconds (FEEDCLI_SIM_BYBIT_IDLE, default 60) is closed: Bybit drops
  connections that stop sending heartbeats.
- `GET /v5/market/kline?category=spot&symbol=&interval=&limit=&start=&end=`: newest first,
  limit 1..1000 (default 200); an unknown symbol is `retCode` 10001 with HTTP 200, as Bybit does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from feedcli.providers.bybit import (
    ARGS_PER_REQUEST,
    EXCHANGE,
    INTERVALS,
    REST_LIMIT,
    REST_PATH,
    RET_PARAMS_ERROR,
    WS_PATH,
    encode_kline_message,
    encode_reply,
    encode_rest_page,
)
from feedcli.providers.candles import INTERVAL_SECONDS, Candle
from feedcli.providers.crypto import bybit as crypto
from feedcli.providers.crypto.model import BookDelta
from feedcli.simulators import crypto_metadata as meta
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import Step, TopView

#: Bybit's interval spelling → the canonical one
CANONICAL = {code: canonical for canonical, code in INTERVALS.items()}


class BybitSimulator(CandleSimulator):
    name = "bybit"
    default_idle = 60.0
    idle_env = "FEEDCLI_SIM_BYBIT_IDLE"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Bybit symbol → the market's BASE-QUOTE
        self.pair_of = self.pair_map(EXCHANGE)

    title = "Bybit v5 spot"

    def listing(self) -> list[str]:
        topics = self.served_names(
            (("candles", "kline.*"), ("trades", "publicTrade.*"), ("book", "orderbook.{1,50,200,1000}.*"))
        )
        if self.serves("ticker") and not self.serves("book"):
            topics.append("orderbook.1.*")  # the ticker is the depth-1 book's top
        return [*super().listing(), f"Topics: {', '.join(topics)} on {WS_PATH}"]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WS_PATH, self.websocket)
        app.router.add_get(REST_PATH, self.klines)
        app.router.add_get(
            meta.BYBIT_INSTRUMENTS_PATH, meta.instruments_handler(self, EXCHANGE, meta.bybit_instruments)
        )

    # -- WebSocket -----------------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        sub = await self.accept(request, conn_id=str(uuid.uuid4()))
        return await self.serve(sub, self.on_message)

    def on_message(self, sub: Subscriber, text: str) -> list[str]:
        conn_id = sub.extra["conn_id"]
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            return [encode_reply("", success=False, ret_msg="Invalid request: not JSON", conn_id=conn_id, req_id=None)]
        if not isinstance(message, dict):
            return [encode_reply("", success=False, ret_msg="Invalid request", conn_id=conn_id, req_id=None)]
        op = message.get("op")
        req_id = message.get("req_id")
        req_id = str(req_id) if req_id is not None else None
        if op == "ping":
            return [encode_reply("ping", success=True, ret_msg="pong", conn_id=conn_id, req_id=req_id)]
        if op not in ("subscribe", "unsubscribe"):
            return [encode_reply(str(op), success=False, ret_msg=f"Invalid op: {op}", conn_id=conn_id, req_id=req_id)]
        args = message.get("args")
        if not isinstance(args, list) or not args or len(args) > ARGS_PER_REQUEST:
            reason = f"args must be a list of 1 to {ARGS_PER_REQUEST} topics"
            return [encode_reply(op, success=False, ret_msg=reason, conn_id=conn_id, req_id=req_id)]
        unserved = [str(a) for a in args if not self._served_topic(a)]
        if unserved:  # ASSUMED: Bybit's answer to a topic it has no handler for
            reason = f"error:handler not found,topic:{','.join(unserved)}"
            return [encode_reply(op, success=False, ret_msg=reason, conn_id=conn_id, req_id=req_id)]
        keys = []
        bad = []
        snapshots: list[str] = []
        channel_args = [a for a in args if isinstance(a, str) and self._channel_topic(a) is not None]
        for arg in channel_args:
            pair, symbol, depth = self._channel_topic(arg)  # type: ignore[misc]
            feeds: dict[str, tuple[str, str, int]] = sub.extra.setdefault("feeds", {})
            if op == "subscribe":
                feeds[arg] = (pair, symbol, depth)
                if depth:
                    market = self.book_market(pair, symbol)
                    sub.extra.setdefault("views", {})[arg] = TopView(market, depth)
                    snapshot = replace(market.snapshot(depth), seq=market.step_id, ts_ms=self.now_ms())
                    snapshots.append(orjson.dumps(crypto.encode_book(snapshot, depth)).decode())
            else:
                feeds.pop(arg, None)
            sub.extra["channel_pairs"] = {p: sym for p, sym, _d in feeds.values()}
        for arg in args:
            if arg in channel_args:
                continue
            key = self._topic(arg)
            if key is None:
                bad.append(str(arg))
            else:
                keys.append(key)
        if bad:
            reason = f"Invalid symbol :[{','.join(bad)}]"
            return [encode_reply(op, success=False, ret_msg=reason, conn_id=conn_id, req_id=req_id)]
        for pair, interval, symbol, code in keys:
            if op == "subscribe":
                sub.subscriptions[(pair, interval)] = (symbol, code)
            else:
                sub.subscriptions.pop((pair, interval), None)
                sub.open_bar.pop((pair, interval), None)
        return [encode_reply(op, success=True, ret_msg="", conn_id=conn_id, req_id=req_id), *snapshots]

    def _served_topic(self, arg: Any) -> bool:
        """Whether `simulate --channel` serves the topic: `kline.*` candles, `publicTrade.*`
        trades, `orderbook.1.*` the ticker (or a book of depth 1), other `orderbook.*` books."""
        kind, _, rest = str(arg).partition(".")
        if kind == "orderbook":
            return self.serves("book") or (rest.startswith("1.") and self.serves("ticker"))
        return self.serves({"kline": "candles", "publicTrade": "trades"}.get(kind))

    def _channel_topic(self, arg: str) -> tuple[str, str, int] | None:
        """`publicTrade.{symbol}` → (pair, symbol, 0); `orderbook.{depth}.{symbol}` → (pair, symbol, depth)."""
        parts = arg.split(".")
        if len(parts) == 2 and parts[0] == "publicTrade" and parts[1] in self.pair_of:
            return self.pair_of[parts[1]], parts[1], 0
        served = len(parts) == 3 and parts[0] == "orderbook" and parts[2] in self.pair_of
        if served and parts[1].isdigit() and int(parts[1]) in crypto.DEPTHS:
            return self.pair_of[parts[2]], parts[2], int(parts[1])
        return None

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        out = []
        views: dict[str, TopView] = sub.extra.get("views", {})
        for topic_, (pair, symbol, depth) in list(sub.extra.get("feeds", {}).items()):
            step = steps.get(pair)
            if step is None:
                continue
            market = self.books[pair]
            ts = step.delta.ts_ms or self.now_ms()
            if not depth:
                if step.trades:
                    out.append(crypto.encode_trades(symbol, step.trades, ts))
                continue
            view = views[topic_]
            bids, asks = view.diff()
            if depth == 1:  # level 1 is snapshots only
                snapshot = replace(market.snapshot(1), seq=market.step_id, ts_ms=ts)
                out.append(crypto.encode_book(snapshot, depth))
            elif pair not in skipped:
                delta = BookDelta(symbol, bids, asks, market.step_id, market.step_id, ts_ms=ts)
                out.append(crypto.encode_book(delta, depth))
        return [orjson.dumps(frame).decode() for frame in out]

    def _topic(self, arg: Any) -> tuple[str, str, str, str] | None:
        if not isinstance(arg, str):
            return None
        parts = arg.split(".")
        if len(parts) != 3 or parts[0] != "kline":
            return None
        _, code, symbol = parts
        interval = CANONICAL.get(code)
        pair = self.pair_of.get(symbol)
        if interval is None or pair is None:
            return None
        return pair, interval, symbol, code

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Candle, key: Any) -> Iterable[Any]:
        symbol, code = key
        return [encode_kline_message(symbol, code, candle, INTERVAL_SECONDS[interval] * 1000, self.now_ms())]

    # -- REST ------------------------------------------------------------------------------------

    async def klines(self, request: web.Request) -> web.Response:
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        q = request.query
        if q.get("category") != "spot":
            return _error(RET_PARAMS_ERROR, "params error: category only support spot here")
        pair = self.pair_of.get(q.get("symbol", ""))
        if pair is None:
            return _error(RET_PARAMS_ERROR, "params error: symbol invalid")
        interval = CANONICAL.get(q.get("interval", ""))
        if interval is None:
            return _error(RET_PARAMS_ERROR, "params error: interval invalid")
        try:
            limit = int(q.get("limit", "200"))
            end = int(q["end"]) if "end" in q else None
            start = int(q["start"]) if "start" in q else None
        except ValueError:
            return _error(RET_PARAMS_ERROR, "params error: limit, start and end are integers")
        if not 1 <= limit <= REST_LIMIT:
            return _error(RET_PARAMS_ERROR, f"params error: limit must be 1..{REST_LIMIT}")
        now = self.now_ms()
        rows = self.market.history(pair, interval, limit, now if end is None else end, now)
        if start is not None:
            rows = [c for c in rows if c.start_ms >= start]
        return web.json_response(encode_rest_page(q["symbol"], rows))


def _error(code: int, message: str) -> web.Response:
    body = {"retCode": code, "retMsg": message, "result": {}, "retExtInfo": {}, "time": 0}
    return web.json_response(body)  # Bybit answers parameter errors with HTTP 200
