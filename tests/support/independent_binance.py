"""A small Binance-compatible server written from Binance's documentation alone.

Not our simulator, codec or CandleMarket: the `websockets` library serves the WebSocket side
and, through its `process_request` hook, the two REST endpoints on the same port, as
https://developers.binance.com/docs/binance-spot-api-docs describes them:

- `/ws` (raw) and `/stream` (combined, `{"stream","data"}`); `{"method":"SUBSCRIBE","params":
  [...],"id":N}` → `{"result":null,"id":N}`; kline events `{"e":"kline","E","s","k":{t,T,s,i,f,L,
  o,c,h,l,v,n,x,q,V,Q,B}}`; ping frames from the server (here every `ping_interval` s, and the
  connection is dropped when the pong does not come within `ping_timeout` s); the server counts
  the pings it sent and the pongs it got, so a test checks the client's answers by count;
- `GET /api/v3/klines?symbol&interval&limit&endTime` → rows `[t, o, h, l, c, v, T, q, n, V, Q, "0"]`
  oldest first; `GET /api/v3/exchangeInfo?symbols=[...]`; an unknown symbol → 400
  `{"code":-1121,"msg":"Invalid symbol."}`.

Bars are 1-second only (enough for the test) and follow a fixed formula of their open time.
"""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.support.threaded_server import ThreadedServer

SYMBOLS = {"BTCUSDT", "ETHUSDT"}


def bar(symbol: str, open_ms: int) -> dict:
    """The 1 s bar of `symbol` opening at `open_ms`, as a kline payload `k`."""
    base = 100.0 if symbol == "BTCUSDT" else 10.0
    step = (open_ms // 1000) % 37
    o = base + step
    return {
        "t": open_ms,
        "T": open_ms + 999,
        "s": symbol,
        "i": "1s",
        "f": step,
        "L": step + 3,
        "o": f"{o:.2f}",
        "c": f"{o + 0.5:.2f}",
        "h": f"{o + 1:.2f}",
        "l": f"{o - 1:.2f}",
        "v": "2.50000000",
        "n": 4,
        "x": False,
        "q": f"{2.5 * o:.8f}",
        "V": "1.00000000",
        "Q": f"{o:.8f}",
        "B": "0",
    }


class IndependentBinance(ThreadedServer):
    """Run in a thread: `with IndependentBinance() as server: server.url`."""

    def __init__(self, ping_interval: float = 0.5, ping_timeout: float = 2.0) -> None:
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.received: list[dict] = []  # client messages
        self.sent_events: list[dict] = []  # kline events pushed
        self.rest_rows: list[tuple[str, list]] = []  # (symbol, kline row) answered
        self.requests: list[str] = []  # HTTP request targets
        self.connections = 0
        self.pings = 0  # ping frames sent
        self.pongs = 0  # ... and answered
        super().__init__()

    def serve(self) -> Any:
        return serve(
            self._socket,
            "127.0.0.1",
            0,
            process_request=self._http,
            ping_interval=None,  # our own pinger below counts the answers
        )

    # -- REST ------------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        parts = urlsplit(request.path)
        if parts.path in ("/ws", "/stream"):
            return None  # a WebSocket handshake
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/v3/exchangeInfo":
            wanted = json.loads(query.get("symbols", "[]"))
            if any(s not in SYMBOLS for s in wanted):
                return _json(400, {"code": -1121, "msg": "Invalid symbol."})
            listed = [{"symbol": s, "status": "TRADING"} for s in wanted]
            return _json(200, {"timezone": "UTC", "serverTime": _now(), "symbols": listed})
        if parts.path == "/api/v3/klines":
            symbol = query.get("symbol", "")
            if symbol not in SYMBOLS:
                return _json(400, {"code": -1121, "msg": "Invalid symbol."})
            if query.get("interval") != "1s":
                return _json(400, {"code": -1120, "msg": "Invalid interval."})
            limit = min(int(query.get("limit", "500")), 1000)
            now = _now()
            end = min(int(query.get("endTime", now)), now)
            last = end // 1000 * 1000
            rows = []
            for start in range(last - (limit - 1) * 1000, last + 1, 1000):
                k = bar(symbol, start)
                row = [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"], "0"]
                rows.append(row)
            self.rest_rows.extend((symbol, row) for row in rows)
            return _json(200, rows)
        return _json(404, {"code": -1000, "msg": "Not found"})

    # -- WebSocket -----------------------------------------------------------------------

    async def _socket(self, ws: ServerConnection) -> None:
        self.connections += 1
        combined = urlsplit(ws.request.path).path == "/stream"
        streams: list[str] = []
        pusher = asyncio.ensure_future(self._push(ws, streams, combined))
        pinger = asyncio.ensure_future(self._ping(ws))
        try:
            async for text in ws:
                message = json.loads(text)
                self.received.append(message)
                if message.get("method") == "SUBSCRIBE":
                    streams.extend(message["params"])
                    await ws.send(json.dumps({"result": None, "id": message["id"]}))
                elif message.get("method") == "UNSUBSCRIBE":
                    for name in message["params"]:
                        if name in streams:
                            streams.remove(name)
                    await ws.send(json.dumps({"result": None, "id": message["id"]}))
        except Exception:  # a dropped client ends the handler quietly
            pass
        finally:
            pusher.cancel()
            pinger.cancel()

    async def _ping(self, ws: ServerConnection) -> None:
        """Binance's keepalive: a ping every `ping_interval`; no pong within `ping_timeout`
        closes the connection."""
        while True:
            await asyncio.sleep(self.ping_interval)
            waiter = await ws.ping()
            self.pings += 1
            try:
                await asyncio.wait_for(waiter, self.ping_timeout)
            except asyncio.TimeoutError:
                await ws.close(1008, "pong timeout")
                return
            self.pongs += 1

    async def _push(self, ws: ServerConnection, streams: list[str], combined: bool) -> None:
        last_open: dict[str, int] = {}
        while True:
            await asyncio.sleep(0.2)
            now = _now()
            for name in list(streams):
                symbol = name.split("@")[0].upper()
                if symbol not in SYMBOLS or not name.endswith("@kline_1s"):
                    continue  # Binance accepts such a stream and sends nothing
                start = now // 1000 * 1000
                klines = []
                if symbol in last_open and last_open[symbol] != start:
                    final = bar(symbol, last_open[symbol])
                    final["x"] = True
                    klines.append(final)
                last_open[symbol] = start
                klines.append(bar(symbol, start))
                for k in klines:
                    event = {"e": "kline", "E": _now(), "s": symbol, "k": k}
                    self.sent_events.append(event)
                    await ws.send(json.dumps({"stream": name, "data": event} if combined else event))


def _now() -> int:
    return int(time.time() * 1000)


def _json(status: int, body: object) -> Response:
    data = json.dumps(body).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return Response(status, HTTPStatus(status).phrase, headers, data)
