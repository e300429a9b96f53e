"""The fastest baseline: a picows client that counts text frames in its callback, nothing else.

picows (a Cython WebSocket client) hands each frame to `on_ws_frame` straight from its
read buffer, without a queue or an await per message, which is as little as a Python
program can do per frame: this is the transport's ceiling, the figure the issue's HT goal
(feedcli ≥ 0.35 × this) is set against. It runs in bench/.venv (`make bench-setup`), never
in feedcli's environment.

    bench/.venv/bin/python bench/picows_client.py URL N [--subscribe JSON] [--header K:V] [--loop asyncio|uvloop]

`--subscribe` sends one text frame once connected (Binance's SUBSCRIBE on /ws); the
server's first text frame after it is its answer and is not counted. After N frames it
notes the time, sends a close frame (1000) and disconnects; then it prints one JSON line:
{"library", "loop", "started", "connected", "done", "received", "bytes"}, times in epoch s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect


class Counter(WSListener):
    """Counts text frames; answers pings (auto pong is on) and a server's close."""

    def __init__(self, count: int, skip: int) -> None:
        self.count = count
        self.skip = skip
        self.received = 0
        self.nbytes = 0
        self.done = 0.0

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is WSMsgType.TEXT or kind is WSMsgType.BINARY:
            if self.skip:
                self.skip -= 1
                return
            self.received += 1
            self.nbytes += frame.payload_size
            if self.received == self.count:
                self.done = time.time()
                transport.send_close(WSCloseCode.OK)
                transport.disconnect()
        elif kind is WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()


async def run(args: argparse.Namespace) -> dict[str, object]:
    started = time.time()
    headers = [tuple(h.split(":", 1)) for h in args.header]
    transport, listener = await ws_connect(
        lambda: Counter(args.count, 1 if args.subscribe else 0),
        args.url,
        extra_headers=[(k.strip(), v.strip()) for k, v in headers],
        max_frame_size=16 * 1024 * 1024,
    )
    connected = time.time()
    if args.subscribe:
        transport.send(WSMsgType.TEXT, args.subscribe.encode())
    await transport.wait_disconnected()
    assert isinstance(listener, Counter)
    return {
        "library": "picows",
        "loop": args.loop,
        "started": started,
        "connected": connected,
        "done": listener.done or None,
        "received": listener.received,
        "bytes": listener.nbytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--subscribe", help="a text frame to send once connected")
    parser.add_argument("--header", action="append", default=[], help="K:V, repeatable")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(run(args))
    else:
        result = asyncio.run(run(args))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
