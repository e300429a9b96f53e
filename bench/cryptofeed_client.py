"""The peer the Binance goals are set against: cryptofeed's own Binance feed, a callback that only counts.

cryptofeed 2.4 (bench/.venv, `make bench-setup`; never feedcli's environment) as its users
run it: `FeedHandler` with its defaults (uvloop on), `Binance(channels=[CANDLES])` (or
TRADES, or L2_BOOK), its combined stream `/stream?streams=btcusdt@kline_1m/...`, its parser
(yapic json, Decimal prices, a `Candle`, `Trade` or kept `OrderBook` per message) and its
callback machinery; the callback counts and nothing else. For `--channel book` it counts the
callbacks of depth diffs only (`book.delta` set), not the one per pair that follows each REST
snapshot, so that N callbacks are N diffs the generator sent; `--depth` is cryptofeed's
`max_depth` (its snapshot asks `limit=` that many, its book keeps that many levels).
Three things let it talk to the loopback generator instead of Binance:

- the endpoints point at the generator: a subclass of `Binance` with its own
  `websocket_endpoints` (ws://) and `rest_endpoints` (exchangeInfo, read at start-up);
- `WSAsyncConn` refuses any address but `wss://`: a subclass that passes the check and then
  connects to the `ws://` address is put where `cryptofeed.feed` looks it up;
- under uvloop 0.23 `asyncio.get_event_loop()` no longer makes a loop, so one is set before
  `FeedHandler.run()`; and `candle_closed_only=False`, or the updates of an open bar (every
  kline event but the last of a bar) would be dropped before the callback.

    bench/.venv/bin/python bench/cryptofeed_client.py http://127.0.0.1:PORT N [--loop uvloop|asyncio]
        [--channel candles|trades|book] [--pair BTC-USDT ...] [--depth 10]

After N candles (trades, diffs) it notes the time, prints one JSON line {"library", "loop", "started",
"connected", "done", "received"} (epoch s) and exits at once, without cryptofeed's shutdown
(the generator sees the connection drop; the net rate ends at `done`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from typing import ClassVar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the generator's http://host:port")
    parser.add_argument("count", type=int)
    parser.add_argument("--pair", action="append", help="repeatable; default BTC-USDT")
    parser.add_argument("--channel", choices=("candles", "trades", "book"), default="candles")
    parser.add_argument("--depth", type=int, default=10, help="book: cryptofeed's max_depth")
    parser.add_argument("--interval", default="1m")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop", help="uvloop: cryptofeed's default")
    parser.add_argument(
        "--progress", type=int, default=0, help="print the count every this many callbacks (callgrind_binance.py)"
    )
    args = parser.parse_args()
    started = time.time()

    import cryptofeed.feed
    from cryptofeed import FeedHandler
    from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint, WSAsyncConn
    from cryptofeed.defines import CANDLES, L2_BOOK, TRADES
    from cryptofeed.exchanges import Binance

    http_base = args.base.rstrip("/")
    ws_base = "ws://" + http_base.split("://", 1)[1]

    class LoopbackWSConn(WSAsyncConn):
        """WSAsyncConn for a ws:// address (its constructor accepts wss:// only)."""

        def __init__(self, address: str, conn_id: str, **kwargs: object) -> None:
            super().__init__("wss://" + address.split("://", 1)[1], conn_id, **kwargs)
            self.address = address

    cryptofeed.feed.WSAsyncConn = LoopbackWSConn  # type: ignore[misc]

    class LoopbackBinance(Binance):
        websocket_endpoints: ClassVar[list[WebsocketEndpoint]] = [WebsocketEndpoint(ws_base)]
        rest_endpoints: ClassVar[list[RestEndpoint]] = [
            RestEndpoint(http_base, routes=Routes("/api/v3/exchangeInfo", l2book="/api/v3/depth?symbol={}&limit={}"))
        ]

    state = {"received": 0, "connected": 0.0}
    count = args.count
    progress = args.progress

    async def on_message(message: object, receipt_timestamp: float) -> None:
        n = state["received"] + 1
        state["received"] = n
        if progress and n % progress == 0:
            sys.stdout.write(f"{n}\n")
            sys.stdout.flush()
        if n == 1:
            state["connected"] = receipt_timestamp
        if n == count:
            done = time.time()
            result = {"library": "cryptofeed", "loop": args.loop, "started": started, "done": done, "received": n}
            result["first_message"] = state["connected"]
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()
            logging.shutdown()
            os._exit(0)

    handler = FeedHandler(config={"uvloop": args.loop == "uvloop", "log": {"disabled": True}})
    asyncio.set_event_loop(asyncio.new_event_loop())  # the policy's loop: uvloop's when it is on

    async def on_book(book: object, receipt_timestamp: float) -> None:
        if book.delta is not None:  # type: ignore[attr-defined]  # a diff, not a snapshot
            await on_message(book, receipt_timestamp)

    channel = {"candles": CANDLES, "trades": TRADES, "book": L2_BOOK}[args.channel]
    options: dict[str, object] = {}
    if args.channel == "candles":
        options = {"candle_interval": args.interval, "candle_closed_only": False}
    elif args.channel == "book":
        options = {"max_depth": args.depth}
    handler.add_feed(
        LoopbackBinance(
            symbols=args.pair or ["BTC-USDT"],
            channels=[channel],
            callbacks={channel: on_book if args.channel == "book" else on_message},
            **options,
        )
    )
    handler.run()


if __name__ == "__main__":
    main()
