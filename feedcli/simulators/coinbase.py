"""Coinbase Advanced Trade on loopback: the `/` market-data socket and the public candles REST call.

The frames are built with the provider module's own helpers (feedcli.providers.coinbase), so the
client and the simulator cannot drift apart. Rules served:
- `{"type":"subscribe","channel":"candles","product_ids":[..]}` → a `subscriptions` message, then
  5-minute candles every push (a `snapshot` event first, `update`s after); an unknown product or
  channel → `{"type":"error","message":..}`;
- `heartbeats` → one heartbeat a second;
- a connection that has no heartbeats subscription is closed after `idle` seconds without a client
  message (the real "channels close within 60-90 seconds if no updates are sent", simplified:
  here candles always update). `idle` defaults to 75 s, or FEEDCLI_SIM_COINBASE_IDLE;
- REST `GET /api/v3/brokerage/market/products/{product_id}/candles?start&end&granularity[&limit]`
  → `{"candles":[..]}` newest first; unknown product 404, bad granularity or range 400.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import orjson
from aiohttp import web

from feedcli.providers import coinbase as cb
from feedcli.providers.candles import Candle
from feedcli.providers.crypto import coinbase as crypto
from feedcli.simulators import crypto_metadata as meta
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import LEVELS, Step

#: the trade, book and ticker channels served (subscribed by these names; books arrive as l2_data)
CRYPTO_CHANNELS = (crypto.LEVEL2, crypto.MARKET_TRADES, crypto.TICKER)
#: Coinbase's channel → our channel, for `simulate --channel` (heartbeats are always served)
_OURS = {"candles": "candles", crypto.LEVEL2: "book", crypto.MARKET_TRADES: "trades", crypto.TICKER: "ticker"}
#: the listing's names, in its order
_LISTED = (
    ("candles", "5-minute candles"),
    ("book", crypto.LEVEL2),
    ("trades", crypto.MARKET_TRADES),
    ("ticker", crypto.TICKER),
)

#: the canonical interval of the streamed buckets
WS_INTERVAL = "5m"
#: granularity → canonical interval
INTERVAL_OF = {code: interval for interval, code in cb.REST_INTERVALS.items()}


def _stamp(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


class CoinbaseSimulator(CandleSimulator):
    name = "coinbase"

    default_idle = 75.0
    idle_env = "FEEDCLI_SIM_COINBASE_IDLE"

    title = "Coinbase Advanced Trade"

    def listing(self) -> list[str]:
        return [
            *super().listing(),
            f"WebSocket {cb.WS_PATH} ({', '.join(self.served_names(_LISTED))}, heartbeats; idle close {self.idle:g}s)",
        ]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(cb.WS_PATH, self.socket)
        app.router.add_get(cb.CANDLES_PATH, self.rest_candles)
        app.router.add_get(
            meta.COINBASE_PRODUCTS_PATH, meta.instruments_handler(self, cb.EXCHANGE, meta.coinbase_products)
        )

    # -- WebSocket ----------------------------------------------------------------------------

    def _send_next(self, sub: Subscriber, channel: str, events: list[Any]) -> bytes:
        seq = sub.extra.get("seq", 0)
        sub.extra["seq"] = seq + 1
        return cb.message(channel, seq, events, _stamp(self.clock()))

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        sub = await self.accept(request, heartbeats=False)
        return await self.serve(sub, lambda s, text: [frame.decode() for frame in self._on_client(s, text)])

    def _error(self, message: str) -> bytes:
        return orjson.dumps({"type": "error", "message": message})

    def _on_client(self, sub: Subscriber, text: str) -> list[bytes]:
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError:
            return [self._error("failure to parse the message as JSON")]
        if not isinstance(msg, dict) or msg.get("type") not in ("subscribe", "unsubscribe"):
            return [self._error("message type must be subscribe or unsubscribe")]
        channel = msg.get("channel")
        products = msg.get("product_ids") or []
        if channel not in ("candles", "heartbeats", *CRYPTO_CHANNELS) or not self.serves(_OURS.get(channel)):
            return [self._error(f"unknown channel {channel!r}")]
        if not isinstance(products, list):
            return [self._error("product_ids must be a list")]
        unknown = [p for p in products if not (isinstance(p, str) and self.known_pair(p))]
        if unknown:
            return [self._error(f"Failed to subscribe: unknown product {', '.join(map(str, unknown))}")]
        subscribing = msg["type"] == "subscribe"
        starting: list[tuple[str, str]] = []
        if channel in CRYPTO_CHANNELS:
            if not products:
                return [self._error(f"{channel} needs product_ids")]
            feeds: set[tuple[str, str]] = sub.extra.setdefault("feeds", set())
            for product in products:
                if subscribing:
                    feeds.add((channel, product))
                    starting.append((channel, product))
                else:
                    feeds.discard((channel, product))
            sub.extra["channel_pairs"] = {p: p for _c, p in feeds}
        elif channel == "heartbeats":
            sub.extra["heartbeats"] = subscribing
        else:
            if not products:
                return [self._error("candles needs product_ids")]
            for product in products:
                if subscribing:
                    sub.subscriptions[(product, WS_INTERVAL)] = "snapshot"
                else:
                    sub.subscriptions.pop((product, WS_INTERVAL), None)
        current: dict[str, list[str]] = {"candles": sorted({p for p, _ in sub.subscriptions})}
        for name in CRYPTO_CHANNELS:
            current[name] = sorted(p for c, p in sub.extra.get("feeds", ()) if c == name)
        if sub.extra["heartbeats"]:
            current["heartbeats"] = ["heartbeats"]
        out = [self._send_next(sub, "subscriptions", [{"subscriptions": current}])]
        for name, product in starting:  # numbered after the subscriptions message, sent after it
            out += self._snapshot(sub, name, product)
        return out

    def _snapshot(self, sub: Subscriber, channel: str, product: str) -> list[bytes]:
        """What a new subscription starts with: the whole book (level2), the latest trades
        (market_trades: a client reconnecting sees some again), the current ticker."""
        market = self.book_market(product, product)
        now_ms = self.now_ms()
        if channel == crypto.LEVEL2:
            event = crypto.encode_l2_event(replace(market.snapshot(LEVELS), ts_ms=now_ms))
            return [self._send_next(sub, crypto.L2_DATA, [event])]
        if channel == crypto.MARKET_TRADES and market.recent:
            trades = [crypto.encode_trade(t) for t in market.recent]
            return [self._send_next(sub, channel, [{"type": "snapshot", "trades": trades}])]
        if channel == crypto.TICKER:
            tickers = [crypto.encode_ticker(market.ticker(now_ms))]
            return [self._send_next(sub, channel, [{"type": "snapshot", "tickers": tickers}])]
        return []

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        out = []
        for channel, product in sorted(sub.extra.get("feeds", ())):
            step = steps.get(product)
            if step is None:
                continue
            market = self.books[product]
            if channel == crypto.LEVEL2:
                if product in skipped:
                    sub.extra["seq"] = sub.extra.get("seq", 0) + 1  # sent and lost on the way
                    continue
                event = crypto.encode_l2_event(step.delta)
                out.append(self._send_next(sub, crypto.L2_DATA, [event]).decode())
            elif channel == crypto.MARKET_TRADES and step.trades:
                trades = [crypto.encode_trade(t) for t in step.trades]
                out.append(self._send_next(sub, channel, [{"type": "update", "trades": trades}]).decode())
            elif channel == crypto.TICKER:
                tickers = [crypto.encode_ticker(market.ticker(step.delta.ts_ms))]
                out.append(self._send_next(sub, channel, [{"type": "update", "tickers": tickers}]).decode())
        return out

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Candle, key: Any) -> Iterable[Any]:
        sub.subscriptions[(pair, interval)] = "update"
        event = {"type": key, "candles": [cb.candle_row(pair, candle)]}
        return [self._send_next(sub, "candles", [event]).decode()]

    def due_keepalive(self, sub: Subscriber, now: float) -> Iterable[Any]:
        if not sub.extra.get("heartbeats"):
            return ()
        sub.last_heard = now  # a heartbeats subscription keeps every channel open
        if now < sub.extra.get("hb_next", 0.0):
            return ()
        sub.extra["hb_next"] = now + 1.0
        counter = sub.extra.get("hb", 0) + 1
        sub.extra["hb"] = counter
        wall = self.clock()
        current = datetime.fromtimestamp(wall, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f000 +0000 UTC")
        event = {"current_time": current, "heartbeat_counter": counter}
        return [self._send_next(sub, "heartbeats", [event]).decode()]

    # -- REST ---------------------------------------------------------------------------------

    async def rest_candles(self, request: web.Request) -> web.Response:
        limited = self.rest_gate(request)
        if limited is not None:
            return limited
        product = request.match_info["product_id"]
        if not self.known_pair(product):
            return web.json_response(
                {"error": "NOT_FOUND", "error_details": "ProductID not found", "message": "ProductID not found"},
                status=404,
            )
        query = request.query
        interval = INTERVAL_OF.get(query.get("granularity", ""))
        if interval is None:
            return _bad(f"invalid granularity {query.get('granularity')!r}")
        try:
            start = int(query["start"])
            end = int(query["end"])
            limit = int(query.get("limit", cb.REST_LIMIT))
        except (KeyError, ValueError):
            return _bad("start and end (UNIX seconds) are required")
        step = cb.GRANULARITY_SECONDS[query["granularity"]]
        if end < start or limit < 1 or limit > cb.REST_LIMIT or (end - start) // step + 1 > cb.REST_LIMIT:
            return _bad(f"the range must hold at most {cb.REST_LIMIT} candles")
        now_ms = self.now_ms()
        count = min(limit, (end - start) // step + 1)
        bars = [
            c for c in self.market.history(product, interval, count, end * 1000, now_ms) if c.start_ms >= start * 1000
        ]
        rows = []
        for c in reversed(bars):  # newest first
            row = cb.candle_row(product, c)
            del row["product_id"]
            rows.append(row)
        return web.json_response({"candles": rows})


def _bad(message: str) -> web.Response:
    return web.json_response({"error": "INVALID_ARGUMENT", "error_details": message, "message": message}, status=400)
