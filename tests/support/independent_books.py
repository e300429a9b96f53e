"""Small Binance- and OKX-compatible book servers written from the exchanges' documents alone.

Not our simulators, codecs or book market: `websockets` serves the WebSocket side (and, for
Binance, the REST endpoints through `process_request` on the same port), each server keeps its
own book as a dict of integer price ticks, and records the book after every update id, so a test
can check every `book` line feedcli writes against what the server really held.

- Binance (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams, "Diff.
  Depth Stream" and "How to manage a local order book correctly"; rest-api "Order book"):
  `/ws`, SUBSCRIBE `<symbol>@depth@100ms` and `<symbol>@trade`; `depthUpdate` events `{"e","E",
  "s","U","u","b","a"}` with absolute quantities; trades `{"e":"trade","E","s","t","p","q","T",
  "m","M"}`; `GET /api/v3/depth?symbol&limit` → `{"lastUpdateId","bids","asks"}`;
  `GET /api/v3/exchangeInfo`. Every `skip_every`th event is not sent (a gap the client must see).
- OKX (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel):
  `/ws/v5/public`, `{"op":"subscribe","args":[{"channel":"books","instId"}]}` → the `subscribe`
  event, a `snapshot` then `update`s with `prevSeqId`/`seqId` and the CRC32 `checksum` of the top
  25 levels ("bid:ask" pairs alternating, price and size texts joined by ':'), text `ping` →
  `pong`. Every `bad_checksum_every`th update carries a wrong checksum.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import zlib
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.support.threaded_server import ThreadedServer

#: the book's middle tick: bids live below it, asks above, so it is never crossed
MID = 10_000
SPAN = 150


def price_text(tick: int) -> str:
    return f"{tick / 100:.2f}"


class Book:
    """A book of integer ticks → sizes that changes at random, and its history by update id."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bids = {MID - i: self._size() for i in range(1, 60)}
        self.asks = {MID + i: self._size() for i in range(1, 60)}
        self.update_id = 5_000
        self.history: dict[int, tuple[list[list[float]], list[list[float]]]] = {}
        self.trade_id = 900
        self.remember()

    def _size(self) -> str:
        return f"{self.rng.randint(1, 5000) / 1000:.3f}"

    def remember(self) -> None:
        self.history[self.update_id] = self.top(30)

    def top(self, n: int) -> tuple[list[list[float]], list[list[float]]]:
        bids = sorted(self.bids, reverse=True)[:n]
        asks = sorted(self.asks)[:n]
        return (
            [[t / 100, float(self.bids[t])] for t in bids],
            [[t / 100, float(self.asks[t])] for t in asks],
        )

    def texts(self, n: int) -> tuple[list[list[str]], list[list[str]]]:
        bids = sorted(self.bids, reverse=True)[:n]
        asks = sorted(self.asks)[:n]
        return [[price_text(t), self.bids[t]] for t in bids], [[price_text(t), self.asks[t]] for t in asks]

    def change(self) -> tuple[int, int, list[list[str]], list[list[str]]]:
        """One update: a few levels set or removed near the top; (first id, last id, bids, asks)."""
        first = self.update_id + 1
        bids: dict[int, str] = {}
        asks: dict[int, str] = {}
        for _ in range(self.rng.randint(1, 3)):
            is_bid = self.rng.random() < 0.5
            side, changed = (self.bids, bids) if is_bid else (self.asks, asks)
            tick = MID - self.rng.randint(1, SPAN) if is_bid else MID + self.rng.randint(1, SPAN)
            if tick in side and self.rng.random() < 0.4 and len(side) > 20:
                del side[tick]
                changed[tick] = "0.000"
            else:
                side[tick] = changed[tick] = self._size()
        self.update_id += len(bids) + len(asks)
        self.remember()
        return (
            first,
            self.update_id,
            [[price_text(t), s] for t, s in bids.items()],
            [[price_text(t), s] for t, s in asks.items()],
        )


def okx_checksum(bids: list[list[str]], asks: list[list[str]]) -> int:
    """CRC32 of "bid:size:ask:size:..." over the top 25 of each side, as a signed 32-bit int."""
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


class IndependentBinanceBooks(ThreadedServer):
    """Binance's diff depth stream and REST snapshots for BTCUSDT."""

    def __init__(self, *, skip_every: int = 0, period: float = 0.03) -> None:
        self.book = Book(seed=3)
        self.skip_every = skip_every
        self.period = period
        self.requests: list[str] = []
        self.sent_trades: list[dict] = []
        self.skipped = 0
        super().__init__()

    def serve(self) -> Any:
        return serve(self._socket, "127.0.0.1", 0, process_request=self._http)

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        parts = urlsplit(request.path)
        if parts.path == "/ws":
            return None
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/v3/exchangeInfo":
            wanted = json.loads(query.get("symbols", "[]"))
            if any(s != "BTCUSDT" for s in wanted):
                return _json(400, {"code": -1121, "msg": "Invalid symbol."})
            return _json(200, {"symbols": [{"symbol": "BTCUSDT", "status": "TRADING"}]})
        if parts.path == "/api/v3/depth":
            if query.get("symbol") != "BTCUSDT":
                return _json(400, {"code": -1121, "msg": "Invalid symbol."})
            bids, asks = self.book.texts(int(query.get("limit", "100")))
            return _json(200, {"lastUpdateId": self.book.update_id, "bids": bids, "asks": asks})
        return _json(404, {"code": -1000, "msg": "Not found"})

    async def _socket(self, ws: ServerConnection) -> None:
        streams: set[str] = set()
        pusher = asyncio.ensure_future(self._push(ws, streams))
        try:
            async for text in ws:
                message = json.loads(text)
                if message.get("method") == "SUBSCRIBE":
                    streams.update(message["params"])
                    await ws.send(json.dumps({"result": None, "id": message["id"]}))
        except Exception:
            pass
        finally:
            pusher.cancel()

    async def _push(self, ws: ServerConnection, streams: set[str]) -> None:
        count = 0
        while True:
            await asyncio.sleep(self.period)
            first, last, bids, asks = self.book.change()
            count += 1
            now = int(time.time() * 1000)
            if "btcusdt@depth@100ms" in streams:
                if self.skip_every and count % self.skip_every == 0:
                    self.skipped += 1
                else:
                    event = {"e": "depthUpdate", "E": now, "s": "BTCUSDT", "U": first, "u": last, "b": bids, "a": asks}
                    await ws.send(json.dumps(event))
            if "btcusdt@trade" in streams and count % 4 == 0:
                self.book.trade_id += 1
                best = max(self.book.bids)
                trade = {
                    "e": "trade",
                    "E": now,
                    "s": "BTCUSDT",
                    "t": self.book.trade_id,
                    "p": price_text(best),
                    "q": "0.010",
                    "T": now,
                    "m": True,
                    "M": True,
                }
                self.sent_trades.append(trade)
                await ws.send(json.dumps(trade))


class IndependentOkxBooks(ThreadedServer):
    """OKX's `books` channel for BTC-USDT on /ws/v5/public."""

    def __init__(self, *, bad_checksum_every: int = 0, period: float = 0.03) -> None:
        self.book = Book(seed=4)
        self.bad_checksum_every = bad_checksum_every
        self.period = period
        self.subscribes = 0
        self.bad_sent = 0
        super().__init__()

    def serve(self) -> Any:
        return serve(self._socket, "127.0.0.1", 0)

    async def _socket(self, ws: ServerConnection) -> None:
        if urlsplit(ws.request.path).path != "/ws/v5/public":
            await ws.close(1008, "wrong path")
            return
        subscribed = asyncio.Event()
        pusher = asyncio.ensure_future(self._push(ws, subscribed))
        try:
            async for text in ws:
                if text == "ping":
                    await ws.send("pong")
                    continue
                message = json.loads(text)
                for arg in message.get("args", []):
                    if arg.get("channel") != "books" or arg.get("instId") != "BTC-USDT":
                        error = {"event": "error", "code": "60018", "msg": "doesn't exist", "connId": "x"}
                        await ws.send(json.dumps(error))
                        continue
                    await ws.send(json.dumps({"event": message["op"], "arg": arg, "connId": "x"}))
                    if message["op"] == "subscribe":
                        self.subscribes += 1
                        await ws.send(json.dumps(self._snapshot()))
                        subscribed.set()
                    else:
                        subscribed.clear()
        except Exception:
            pass
        finally:
            pusher.cancel()

    def _snapshot(self) -> dict:
        bids, asks = self.book.texts(400)
        item = {
            "asks": [[p, s, "0", "1"] for p, s in asks],
            "bids": [[p, s, "0", "1"] for p, s in bids],
            "ts": str(int(time.time() * 1000)),
            "checksum": okx_checksum(bids, asks),
            "prevSeqId": -1,
            "seqId": self.book.update_id,
        }
        return {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "snapshot", "data": [item]}

    async def _push(self, ws: ServerConnection, subscribed: asyncio.Event) -> None:
        count = 0
        while True:
            await asyncio.sleep(self.period)
            before = self.book.update_id
            _first, last, bids, asks = self.book.change()
            if not subscribed.is_set():
                continue
            count += 1
            top_bids, top_asks = self.book.texts(25)
            checksum = okx_checksum(top_bids, top_asks)
            if self.bad_checksum_every and count % self.bad_checksum_every == 0:
                checksum = checksum ^ 0x5A5A
                self.bad_sent += 1
            item = {
                "asks": [[p, s, "0", "1"] for p, s in asks],
                "bids": [[p, s, "0", "1"] for p, s in bids],
                "ts": str(int(time.time() * 1000)),
                "checksum": checksum,
                "prevSeqId": before,
                "seqId": last,
            }
            await ws.send(
                json.dumps({"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "update", "data": [item]})
            )


def _json(status: int, body: object) -> Response:
    data = json.dumps(body).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return Response(status, HTTPStatus(status).phrase, headers, data)
