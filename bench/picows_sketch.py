"""A sketch of feedcli's hot path on picows: what the transport change would be worth, measured.

Not feedcli and not a design: the least that reproduces feedcli's per-message work on top
of picows, to size the candidate changes of issue 13 end to end against the same generator
as the real thing (goals_bench.py --sketches runs it beside feedcli and the peers). Per
frame, in picows's `on_ws_frame` callback: the line maker named by `--work` (today's codec
and line encoding, or a candidate from hot_path_experiments.py) turns the payload into an
NDJSON line, appended to a buffer; the receive time is formatted once per batch (the
frames one socket read delivered, up to `frame.last_in_buffer`, or 64 KiB of lines); each
batch is one `os.write` to `--out` (default /dev/null). No session engine, watchdog, backpressure or
control lines: those cost per connection or per batch, not per message.

    PYTHONPATH=. bench/.venv/bin/python bench/picows_sketch.py URL N --site ht|binance --work today|msgspec|...

After N frames it sends a close frame and prints one JSON line, as picows_client.py does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from hot_path_experiments import MAKERS, LineMaker

from feedcli.events import RecvClock

#: bytes of lines that make a write even inside one socket read (as feedcli's writer does):
#: one read can hold thousands of frames when the reader is behind
FLUSH_AT = 64 * 1024


class Sketch(WSListener):
    def __init__(self, count: int, make: LineMaker, out: int) -> None:
        self.count = count
        self.make = make
        self.out = out
        self.received = 0
        self.batches = 0
        self.done = 0.0
        self.buf = bytearray()
        self.recv: str | None = None
        self.fmt = RecvClock().format

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            return
        recv = self.recv
        if recv is None:
            recv = self.recv = self.fmt(time.time())
        self.buf += self.make(frame.get_payload_as_bytes(), recv)
        self.received += 1
        last = self.received == self.count
        if frame.last_in_buffer or last or len(self.buf) >= FLUSH_AT:
            self.batches += 1
            os.write(self.out, self.buf)
            self.buf.clear()
            self.recv = None
        if last:
            self.done = time.time()
            transport.send_close(WSCloseCode.OK)
            transport.disconnect()


async def run(args: argparse.Namespace) -> dict[str, object]:
    started = time.time()
    make = MAKERS[args.site][args.work]()
    out = os.open(args.out, os.O_WRONLY)
    headers = [("Authorization", "bench-token")] if args.site == "ht" else []
    transport, listener = await ws_connect(lambda: Sketch(args.count, make, out), args.url, extra_headers=headers)
    await transport.wait_disconnected()
    assert isinstance(listener, Sketch)
    return {
        "library": f"sketch {args.work}",
        "started": started,
        "done": listener.done,
        "received": listener.received,
        "batches": listener.batches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--site", choices=tuple(MAKERS), required=True)
    parser.add_argument("--work", required=True, help="a line maker of hot_path_experiments.MAKERS")
    parser.add_argument("--out", default=os.devnull)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    if args.work not in MAKERS[args.site]:
        parser.error(f"--work for {args.site}: one of {', '.join(MAKERS[args.site])}")
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(run(args))
    else:
        result = asyncio.run(run(args))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
