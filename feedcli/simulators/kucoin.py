"""KuCoin spot on loopback: the bullet-public token, the tokened socket, candles topics, REST candles.

Encoded with the provider module's helpers (feedcli.providers.kucoin). Rules served:
- `POST /api/v1/bullet-public` → a fresh token and an instance server naming this simulator's own
  socket (`ws://HOST:PORT/`) with `pingInterval`/`pingTimeout` in ms (GET is not allowed: 405);
- the socket `/?token=..&connectId=..` refuses a missing or unknown token with HTTP 401; a token
  opens ONE connection (stricter than KuCoin, whose tokens last 24 h: it proves a fresh token is
  fetched before every connection);
- `{"id":"<connectId>","type":"welcome"}` first; `ping` → `pong` with the same id; `subscribe`
  → `ack` (when `response` is true), then `trade.candles.update` messages; an unknown pair or type
  → `{"id":..,"type":"error","code":404,"data":"topic .. is not found"}`;
- a client that sends nothing for pingInterval + pingTimeout is closed;
- REST `GET /api/v1/market/candles?type&symbol&startAt&endAt` → up to 1500 rows, newest first;
  unknown pair or type → HTTP 200 with code 400100.

Ping settings: constructor kwargs, or FEEDCLI_SIM_KUCOIN_PING_INTERVAL / _PING_TIMEOUT (seconds).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from feedcli.knobs import env_seconds
from feedcli.providers import kucoin as kc
from feedcli.providers.candles import INTERVAL_SECONDS, Candle
from feedcli.providers.crypto import kucoin as crypto
from feedcli.simulators import crypto_metadata as meta
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import Step

#: the trade, book and ticker channels served
CRYPTO_CHANNELS = (crypto.MATCH, crypto.LEVEL2, crypto.TICKER)
#: KuCoin's topic → our channel, for `simulate --channel`
_OURS = {crypto.MATCH: "trades", crypto.LEVEL2: "book", crypto.TICKER: "ticker"}
#: the listing's names, in its order
_LISTED = (("candles", "candles"), *((ours, name) for name, ours in _OURS.items()))

#: the exchange's type → the canonical interval (REST serves 5min too; the socket does not)
WS_INTERVAL_OF = {code: interval for interval, code in kc.WS_INTERVALS.items()}
REST_INTERVAL_OF = {code: interval for interval, code in kc.REST_INTERVALS.items()}


class KucoinSimulator(CandleSimulator):
    name = "kucoin"

    def __init__(
        self, *args: Any, ping_interval: float | None = None, ping_timeout: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ping_interval = (
            ping_interval if ping_interval is not None else env_seconds("FEEDCLI_SIM_KUCOIN_PING_INTERVAL", 18.0)
        )
        self.ping_timeout = (
            ping_timeout if ping_timeout is not None else env_seconds("FEEDCLI_SIM_KUCOIN_PING_TIMEOUT", 10.0)
        )
        #: tokens issued and not yet used
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.pings = 0

    title = "KuCoin"

    def listing(self) -> list[str]:
        return [
            *super().listing(),
            f"Token POST {kc.TOKEN_PATH}; pingInterval {self.ping_interval:g}s, pingTimeout {self.ping_timeout:g}s",
            f"Topics: {', '.join(self.served_names(_LISTED))}; REST {crypto.SNAPSHOT_PATH}",
        ]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(kc.TOKEN_PATH, self.bullet)
        app.router.add_get("/", self.socket)
        app.router.add_get(kc.CANDLES_PATH, self.rest_candles)
        app.router.add_get(crypto.SNAPSHOT_PATH, self.order_book)
        app.router.add_get(meta.KUCOIN_SYMBOLS_PATH, meta.instruments_handler(self, kc.EXCHANGE, meta.kucoin_symbols))

    # -- token ----------------------------------------------------------------------------------

    async def bullet(self, request: web.Request) -> web.Response:
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.tokens_issued += 1
        endpoint = self.url.replace("http://", "ws://", 1) + "/"
        server = {
            "endpoint": endpoint,
            "encrypt": False,
            "protocol": "websocket",
            "pingInterval": int(self.ping_interval * 1000),
            "pingTimeout": int(self.ping_timeout * 1000),
        }
        return web.json_response({"code": kc.OK, "data": {"token": token, "instanceServers": [server]}})

    # -- WebSocket ----------------------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token", "")
        if token not in self.tokens:
            return web.json_response({"code": "401", "msg": "token is invalid or missing"}, status=401)
        self.tokens.discard(token)
        connect_id = request.query.get("connectId") or secrets.token_hex(4)
        sub = await self.accept(request)
        await sub.ws.send_str(orjson.dumps({"id": connect_id, "type": "welcome"}).decode())
        return await self.serve(sub, lambda s, text: self._on_client(s, text, connect_id))

    def _on_client(self, sub: Subscriber, text: str, connect_id: str) -> list[str]:
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError:
            return [_error(connect_id, 400, "message is not JSON")]
        if not isinstance(msg, dict):
            return [_error(connect_id, 400, "message is not an object")]
        ident = msg.get("id")
        kind = msg.get("type")
        if kind == "ping":
            self.pings += 1
            return [orjson.dumps({"id": str(ident), "type": "pong"}).decode()]
        if kind not in ("subscribe", "unsubscribe"):
            return [_error(ident, 400, f"unknown message type {kind!r}")]
        text_topic = str(msg.get("topic", ""))
        channel, _, listed = text_topic.partition(":")
        if not self.serves(_OURS.get(channel, "candles" if channel == kc.TOPIC.rstrip(":") else None)):
            return [_error(ident, 404, f"topic {text_topic} is not found")]  # as for a topic KuCoin lacks
        if channel in CRYPTO_CHANNELS:
            symbols = listed.split(",")  # a topic may name up to 100 symbols
            if len(symbols) > 100 or not all(self.known_pair(symbol) for symbol in symbols):
                return [_error(ident, 404, f"topic {text_topic} is not found")]
            feeds: set[tuple[str, str]] = sub.extra.setdefault("feeds", set())
            for symbol in symbols:
                if kind == "subscribe":
                    feeds.add((channel, symbol))
                else:
                    feeds.discard((channel, symbol))
            sub.extra["channel_pairs"] = {s: s for _c, s in feeds}
            return [orjson.dumps({"id": str(ident), "type": "ack"}).decode()] if msg.get("response") else []
        try:
            symbol, code = kc.split_topic(text_topic)
        except Exception:
            return [_error(ident, 404, f"topic {text_topic} is not found")]
        interval = WS_INTERVAL_OF.get(code)
        if interval is None or not self.known_pair(symbol):
            return [_error(ident, 404, f"topic {text_topic} is not found")]
        if kind == "subscribe":
            sub.subscriptions[(symbol, interval)] = text_topic
        else:
            sub.subscriptions.pop((symbol, interval), None)
        return [orjson.dumps({"id": str(ident), "type": "ack"}).decode()] if msg.get("response") else []

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        out = []
        for channel, symbol in sorted(sub.extra.get("feeds", ())):
            step = steps.get(symbol)
            if step is None:
                continue
            market = self.books[symbol]
            ts = step.delta.ts_ms or self.now_ms()
            if channel == crypto.MATCH:
                for trade in step.trades:
                    data = crypto.encode_match(trade, market.update_id)
                    out.append(crypto.envelope(channel, symbol, "trade.l3match", data))
            elif channel == crypto.TICKER:
                data = crypto.encode_ticker(market.ticker(ts))
                out.append(crypto.envelope(channel, symbol, "trade.ticker", data))
            elif channel == crypto.LEVEL2 and symbol not in skipped:
                delta = step.delta
                # each change its own sequence within the increment, as KuCoin numbers them
                seqs = list(range(delta.first, delta.first + len(delta.bids) + len(delta.asks)))
                sequenced = replace(delta, level_seqs=(seqs[: len(delta.bids)], seqs[len(delta.bids) :]))
                out.append(crypto.envelope(channel, symbol, "trade.l2update", crypto.encode_level2(sequenced)))
        return [orjson.dumps(frame).decode() for frame in out]

    async def order_book(self, request: web.Request) -> web.Response:
        """`GET /api/v1/market/orderbook/level2_100?symbol=`: 100 levels a side and the sequence."""
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        symbol = request.query.get("symbol", "")
        if not self.known_pair(symbol):
            return web.json_response({"code": "400100", "msg": "This pair is not provided at present"})
        snapshot = self.book_market(symbol, symbol).snapshot(crypto.SNAPSHOT_LIMIT, self.snapshot_lag)
        return web.json_response(crypto.encode_rest_snapshot(replace(snapshot, ts_ms=self.now_ms())))

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Candle, key: Any) -> Iterable[Any]:
        now_ns = int(self.clock() * 1e9)
        data = {"symbol": pair, "candles": kc.candle_array(candle), "time": now_ns}
        return [orjson.dumps({"type": "message", "topic": key, "subject": kc.SUBJECT, "data": data}).decode()]

    def idle_limit(self) -> float | None:
        return self.ping_interval + self.ping_timeout

    # -- REST -------------------------------------------------------------------------------------

    async def rest_candles(self, request: web.Request) -> web.Response:
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        query = request.query
        symbol = query.get("symbol", "")
        interval = REST_INTERVAL_OF.get(query.get("type", ""))
        if not self.known_pair(symbol):
            return web.json_response({"code": "400100", "msg": "This pair is not provided at present"})
        if interval is None:
            return web.json_response({"code": "400100", "msg": f"type {query.get('type')!r} is invalid"})
        try:
            start = int(query.get("startAt") or 0)
            end = int(query.get("endAt") or 0)
        except ValueError:
            return web.json_response({"code": "400100", "msg": "startAt and endAt are seconds"})
        now_ms = self.now_ms()
        end_ms = end * 1000 if end else now_ms
        count = kc.REST_LIMIT
        if start:
            step_ms = INTERVAL_SECONDS[interval] * 1000
            count = max(0, min(kc.REST_LIMIT, (min(end_ms, now_ms) - start * 1000) // step_ms + 1))
        bars = [c for c in self.market.history(symbol, interval, count, end_ms, now_ms) if c.start_ms >= start * 1000]
        rows = [kc.candle_array(c) for c in reversed(bars)]  # newest first
        return web.json_response({"code": kc.OK, "data": rows})


def _error(ident: Any, code: int, text: str) -> str:
    return orjson.dumps({"id": str(ident), "type": "error", "code": code, "data": text}).decode()
