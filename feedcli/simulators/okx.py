"""OKX on loopback: candle channels on /ws/v5/business, text ping/pong, REST market candles.

As OKX documents it (sources in feedcli/providers/okx.py): `{"op":"subscribe","args":[...]}`
answered per channel `{"event":"subscribe","arg":{...},"connId":...}`; an unknown instrument or
channel, or a candle channel asked on `/ws/v5/public`, answered `{"event":"error","code":"60018",
...}`; text "ping" answered "pong"; pushes `{"arg":{...},"data":[[ts,o,h,l,c,vol,volCcy,
volCcyQuote,confirm]]}`; `GET /api/v5/market/candles` (and `history-candles`) newest first.

Keepalive: a connection that has sent nothing for 30 s is closed. That is stricter than OKX,
which also keeps a connection whose channels keep pushing; it makes a client that never pings
fail here rather than only on a quiet market. `FEEDCLI_SIM_OKX_IDLE_LIMIT` shortens it for tests.
ASSUMED: an unknown instId over REST answers HTTP 200 `{"code":"51001","msg":"Instrument ID
doesn't exist.","data":[]}`; a bad bar `{"code":"51000","msg":"Parameter bar error",...}`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
from aiohttp import web

from feedcli.providers.crypto import okx as crypto
from feedcli.providers.crypto.model import Level, format_number
from feedcli.providers.okx import (
    BARS,
    HISTORY_LIMIT,
    HISTORY_ONLY,
    PUBLIC_PATH,
    REST_LIMIT,
    WS_PATH,
    encode_push,
    encode_row,
)
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.crypto_market import BookMarket, Step
from feedcli.simulators.crypto_metadata import INSTRUMENTS_PATH, okx_instruments_handler

#: OKX channel name → our interval (both the UTC-aligned and the Hong Kong-aligned names map
#: to the same epoch-aligned bars here)
CHANNELS: dict[str, str] = {f"candle{bar}": interval for interval, bar in BARS.items()}
CHANNELS.update({f"candle{bar.removesuffix('utc')}": i for i, bar in BARS.items() if bar.endswith("utc")})


#: the channels /ws/v5/public serves here
PUBLIC_CHANNELS = (crypto.BOOKS, crypto.BOOKS5, crypto.TRADES, crypto.TICKERS)
#: OKX's public channel → our channel, for `simulate --channel` (candle* are `candles`)
_OURS = {crypto.BOOKS: "book", crypto.BOOKS5: "book", crypto.TRADES: "trades", crypto.TICKERS: "ticker"}


def _checksum(bids: list[Level], asks: list[Level]) -> int:
    """OKX's CRC32 of the top 25 levels, over the texts this simulator sends."""
    return crypto.checksum(
        [(format_number(p), format_number(s)) for p, s in bids],
        [(format_number(p), format_number(s)) for p, s in asks],
    )


class OKXSimulator(CandleSimulator):
    name = "okx"
    default_idle = 30.0
    idle_env = "FEEDCLI_SIM_OKX_IDLE_LIMIT"

    title = "OKX"

    def listing(self) -> list[str]:
        paths = [f"{self.url}{WS_PATH} (candles)"] if self.serves("candles") else []
        public = self.served_names((ours, name) for name, ours in _OURS.items())
        if public:
            paths.append(f"{self.url}{PUBLIC_PATH} ({', '.join(public)})")
        return [f"Pairs: {' '.join(self.market.pairs)}", f"WebSocket: {', '.join(paths)}"]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(WS_PATH, self.websocket)
        app.router.add_get(PUBLIC_PATH, self.websocket)
        app.router.add_get("/api/v5/market/candles", self.candles)
        app.router.add_get("/api/v5/market/history-candles", self.candles)
        app.router.add_get(INSTRUMENTS_PATH, okx_instruments_handler(self))

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        sub = await self.accept(request, conn_id=secrets.token_hex(4), business=request.path == WS_PATH)
        return await self.serve(sub, self._replies)

    def _replies(self, sub: Subscriber, text: str) -> list[str]:
        """`pong` to a text `ping` (OKX's keepalive), else the answers to a request."""
        if text == "ping":
            return ["pong"]
        return [orjson.dumps(answer).decode() for answer in self._answer(sub, text)]

    def _error(self, sub: Subscriber, code: str, msg: str) -> dict[str, Any]:
        return {"event": "error", "code": code, "msg": msg, "connId": sub.extra["conn_id"]}

    def _no_such_channel(self, sub: Subscriber, name: Any, inst: Any) -> dict[str, Any]:
        return self._error(
            sub,
            "60018",
            f"Wrong URL or channel:{name},instId:{inst} doesn't exist. Please use the correct URL, "
            "channel and parameters referring to API document.",
        )

    def _answer(self, sub: Subscriber, text: str) -> list[dict[str, Any]]:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            return [self._error(sub, "60012", f"Invalid request: {text[:100]}")]
        op = message.get("op") if isinstance(message, dict) else None
        args = message.get("args") if isinstance(message, dict) else None
        if op not in ("subscribe", "unsubscribe") or not isinstance(args, list):
            return [self._error(sub, "60012", f"Invalid request: {text[:100]}")]
        out = []
        for arg in args:
            name = arg.get("channel") if isinstance(arg, dict) else None
            inst = arg.get("instId") if isinstance(arg, dict) else None
            ours = "candles" if str(name).startswith("candle") else _OURS.get(name or "")
            if not self.serves(ours):  # answered as OKX answers a channel it does not have
                out.append(self._no_such_channel(sub, name, inst))
                continue
            if name in PUBLIC_CHANNELS and not sub.extra["business"] and inst in self.market.pairs:
                out += self._public(sub, op, name, inst)
                continue
            interval = CHANNELS.get(name or "")
            if not sub.extra["business"] or interval is None or inst not in self.market.pairs:
                out.append(self._no_such_channel(sub, name, inst))
                continue
            if op == "subscribe":
                sub.subscriptions[(inst, interval)] = name
            else:
                sub.subscriptions.pop((inst, interval), None)
                sub.open_bar.pop((inst, interval), None)
            out.append({"event": op, "arg": {"channel": name, "instId": inst}, "connId": sub.extra["conn_id"]})
        return out

    def _public(self, sub: Subscriber, op: str, name: str, inst: str) -> list[dict[str, Any]]:
        """A trades, books, books5 or tickers subscription on /ws/v5/public; a books one starts
        with the snapshot (400 levels), as OKX sends it."""
        feeds: set[tuple[str, str]] = sub.extra.setdefault("feeds", set())
        out: list[dict[str, Any]] = [
            {"event": op, "arg": {"channel": name, "instId": inst}, "connId": sub.extra["conn_id"]}
        ]
        if op == "subscribe":
            feeds.add((name, inst))
            if name == crypto.BOOKS:
                market = self.book_market(inst, inst)
                out.append(crypto.push(crypto.BOOKS, inst, [self._snapshot(market, self.now_ms())], "snapshot"))
        else:
            feeds.discard((name, inst))
        sub.extra["channel_pairs"] = {i: i for _n, i in feeds}
        return out

    def _snapshot(self, market: BookMarket, ts_ms: int) -> dict[str, Any]:
        snapshot = market.snapshot(crypto.MAX_DEPTH)
        bids, asks = market.top(crypto.CHECKSUM_LEVELS)
        return crypto.encode_book_snapshot(replace(snapshot, ts_ms=ts_ms, checksum=_checksum(bids, asks)))

    def channel_messages(self, sub: Subscriber, steps: dict[str, Step], skipped: set[str]) -> Iterable[Any]:
        out = []
        for name, inst in sorted(sub.extra.get("feeds", ())):
            step = steps.get(inst)
            if step is None:
                continue
            market = self.books[inst]
            if name == crypto.TRADES and step.trades:
                data = [crypto.encode_trade(t) for t in step.trades]
                out.append(crypto.push(crypto.TRADES, inst, data))
            elif name == crypto.BOOKS and inst not in skipped:
                delta = step.delta
                bids, asks = market.top(crypto.CHECKSUM_LEVELS)
                checksum = _checksum(bids, asks)
                if self.checksum_fault(inst):
                    checksum = checksum + 1 if checksum < 2**31 - 1 else 1
                item = crypto.encode_book_update(replace(delta, prev=delta.first - 1, checksum=checksum))
                out.append(crypto.push(crypto.BOOKS, inst, [item], "update"))
            elif name == crypto.BOOKS5:
                snapshot = market.snapshot(5)
                item = crypto.encode_book_snapshot(replace(snapshot, ts_ms=step.delta.ts_ms))
                del item["prevSeqId"]
                out.append(crypto.push(crypto.BOOKS5, inst, [item]))
            elif name == crypto.TICKERS:
                out.append(crypto.push(crypto.TICKERS, inst, [crypto.encode_ticker(market.ticker(step.delta.ts_ms))]))
        return [orjson.dumps(frame).decode() for frame in out]

    def candle_message(self, sub: Subscriber, pair: str, interval: str, candle: Any, key: Any) -> Iterable[Any]:
        push = encode_push(pair, key.removeprefix("candle"), candle)
        return [orjson.dumps(push).decode()]

    async def candles(self, request: web.Request) -> web.Response:
        refused = self.rest_gate(request)
        if refused is not None:
            return refused
        query = request.query
        history = request.path.endswith("history-candles")
        inst = query.get("instId", "")
        bar = query.get("bar", "1m")
        interval = CHANNELS.get(f"candle{bar}")
        if inst not in self.market.pairs:
            return web.json_response({"code": "51001", "msg": "Instrument ID doesn't exist.", "data": []})
        if interval is None or (bar in HISTORY_ONLY and not history):
            return web.json_response({"code": "51000", "msg": "Parameter bar error", "data": []})
        try:
            limit = int(query.get("limit", "100"))
            after = int(query["after"]) if "after" in query else None
        except ValueError:
            return web.json_response({"code": "51000", "msg": "Parameter limit error", "data": []})
        limit = max(1, min(limit, HISTORY_LIMIT if history else REST_LIMIT))
        now = self.now_ms()
        end = now if after is None else after - 1
        bars = self.market.history(inst, interval, limit, end, now)
        return web.json_response({"code": "0", "msg": "", "data": [encode_row(b) for b in reversed(bars)]})
