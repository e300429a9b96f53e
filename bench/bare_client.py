"""The baselines: a WebSocket client that only reads N messages, nothing else.

`websockets` (the default, and the baseline of the ratio) connects with the settings
feedcli's SessionOptions use (max_queue=1024, max_size 16 MiB, no compression, the same
ping interval) and receives frames as bytes, as feedcli's receive loop does, so the gap
between the two is what feedcli does per message (parse, stamp, encode, write), not a
different WebSocket configuration.

`aiohttp` (already a feedcli dependency, with a compiled frame reader) is shown for
information: it tells how much of either client's time is the WebSocket library itself.

Usage: python bench/bare_client.py URL N [websockets|aiohttp]  → one JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

TOKEN_HEADER = ("Authorization", "bench-token")
MAX_SIZE = 16 * 1024 * 1024


async def read_websockets(url: str, count: int) -> int:
    from websockets.asyncio.client import connect

    nbytes = 0
    async with connect(
        url,
        additional_headers=[TOKEN_HEADER],
        max_queue=1024,
        max_size=MAX_SIZE,
        compression=None,
        ping_interval=20.0,
        ping_timeout=20.0,
        close_timeout=2.0,
    ) as ws:
        recv = ws.recv
        for _ in range(count):
            nbytes += len(await recv(decode=False))
    return nbytes


async def read_aiohttp(url: str, count: int) -> int:
    import aiohttp

    nbytes = 0
    text = aiohttp.WSMsgType.TEXT
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            url, headers=dict([TOKEN_HEADER]), max_msg_size=MAX_SIZE, compress=0, heartbeat=20.0, decode_text=False
        ) as ws,
    ):
        receive = ws.receive
        for _ in range(count):
            message = await receive()
            if message.type is not text:
                raise SystemExit(f"bare aiohttp client: expected a text message, got {message.type!r}")
            nbytes += len(message.data)
    return nbytes


async def read(url: str, count: int, library: str) -> dict[str, float | int | str]:
    started = time.time()
    nbytes = await (read_aiohttp if library == "aiohttp" else read_websockets)(url, count)
    return {"library": library, "started": started, "done": time.time(), "received": count, "bytes": nbytes}


def main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    library = sys.argv[3] if len(sys.argv) > 3 else "websockets"
    sys.stdout.write(json.dumps(asyncio.run(read(url, count, library))) + "\n")


if __name__ == "__main__":
    main()
