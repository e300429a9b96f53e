"""An independent MOEX ISS+ gateway for tests, written from MOEX's document alone.

It shares no code with feedcli (no `feedcli.stomp`, no codec, not even stomp.py): a plain
`websockets` server that reads and writes STOMP frames as raw strings, the way the document
and MOEX's streams reference show them. Its data are the document's own observed values
(`LAST [306.13, 2]`, `VOLTODAY [1322700, 0]`, `TIME "09:51:20"`, updates carrying only
`["TICKER", "BIDDEPTHT"]`, ...). Unlike feedcli's simulator it sends **text** WebSocket
frames and a CONNECTED without a heart-beat header, so a client that works against both
follows the protocol, not merely our simulator.

Each subscription gets the script of its stream, then the connection stays open (or is
closed, if told to).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from tests.support.threaded_server import ThreadedServer

PATH = "/infocx/v3/websocket"

# The metadata in CONNECTED's body: MOEX's key names (structure → market → enums/streams →
# name, params, output[name, type, enum, primary]), columns as the streams reference lists them.
SECURITIES_COLUMNS = [
    ("TICKER", "string", True),
    ("CAPTION", "string", False),
    ("LAST", "fixed", False),
    ("BID", "fixed", False),
    ("OFFER", "fixed", False),
    ("BIDDEPTHT", "integer", False),
    ("VOLTODAY", "fixed", False),
    ("VALTODAY", "integer", False),
    ("NUMTRADES", "integer", False),
    ("TRADINGSTATUS", "enum:TTradingStatus", False),
    ("SETTLEDATE1", "date", False),
    ("TIME", "time", False),
    ("FACEVALUE", "fixed", False),
]


def _output(columns):
    out = []
    for name, kind, primary in columns:
        col = {"name": name, "type": kind}
        if kind.startswith("enum:"):
            col = {"name": name, "type": "enum", "enum": kind[5:]}
        if primary:
            col["primary"] = True
        out.append(col)
    return out


METADATA = {
    "version": {"version.note": "independent test gateway"},
    "structure": {
        "MXSE": {
            "enums": [
                {
                    "name": "TTradingStatus",
                    "caption": {"en": "Security trading status"},
                    "values": [
                        {"id": "T", "caption": {"en": " "}, "description": {"en": "Trading session"}},
                        {"id": "N", "caption": {"en": "N"}, "description": {"en": "Not traded right now"}},
                    ],
                },
                {
                    "name": "TBuySell",
                    "values": [{"id": "B", "caption": {"en": "Buy"}}, {"id": "S", "caption": {"en": "Sell"}}],
                },
            ],
            "streams": [
                {
                    "name": "securities",
                    "params": [{"name": "TICKER", "type": "string"}],
                    "output": _output(SECURITIES_COLUMNS),
                },
                {
                    "name": "orderbooks",
                    "params": [{"name": "TICKER", "type": "string"}],
                    "output": _output(
                        [("BUYSELL", "enum:TBuySell", False), ("PRICE", "fixed", False), ("QUANTITY", "integer", False)]
                    ),
                },
                {
                    "name": "candles",
                    "params": [{"name": "ticker", "type": "string"}, {"name": "interval", "type": "enum"}],
                    "output": _output(
                        [
                            ("FROM", "datetime", True),
                            ("TILL", "datetime", False),
                            ("OPEN", "fixed", False),
                            ("HIGH", "fixed", False),
                            ("LOW", "fixed", False),
                            ("CLOSE", "fixed", False),
                            ("VALUE", "fixed", False),
                            ("VOLUME", "integer", False),
                        ]
                    ),
                },
            ],
        }
    },
}

TS = 1769064680000  # epoch ms
SNAPSHOT_ROW = [
    "MXSE.TQBR.SBER",
    "Sberbank",
    [306.13, 2],
    [306.12, 2],
    [306.13, 2],
    1685771,
    [1322700, 0],
    405375659,
    10774,
    "T",
    "2026-01-23",
    "09:51:20",
    [3, 0],
]


def _packet(kind, seqnum, columns, data):
    return json.dumps(
        {"properties": {"type": kind, "seqnum": seqnum, "timestamp": TS + seqnum}, "columns": columns, "data": data}
    )


# daily bars, in the datetime format the candles notebook shows
DAY1, END1 = "2026-01-21 00:00:00", "2026-01-21 23:59:59"
DAY2, END2 = "2026-01-22 00:00:00", "2026-01-22 23:59:59"

# What each stream sends after its RECEIPT: the document's snapshot/updates/removal.
SCRIPTS = {
    "MXSE.securities": [
        ("snapshot", [c for c, _, _ in SECURITIES_COLUMNS], [SNAPSHOT_ROW]),
        (
            "updates",
            ["TICKER", "LAST", "VOLTODAY", "NUMTRADES", "TIME"],
            [["MXSE.TQBR.SBER", [306.12, 2], [1322706, 0], 10775, "09:51:20"]],
        ),
        ("updates", ["TICKER", "BIDDEPTHT"], [["MXSE.TQBR.SBER", 1685741]]),
        ("updates", ["TICKER", "BIDDEPTHT"], [["MXSE.TQBR.SBER", 1685739]]),
        ("removal", ["TICKER"], [["MXSE.TQBR.SBER"]]),
    ],
    "MXSE.orderbooks": [
        (
            "snapshot",
            ["BUYSELL", "PRICE", "QUANTITY"],
            [["S", [306.14, 2], 120], ["S", [306.13, 2], 80], ["B", [306.12, 2], 250], ["B", [306.11, 2], 40]],
        ),
        (
            "snapshot",
            ["BUYSELL", "PRICE", "QUANTITY"],
            [["S", [306.13, 2], 75], ["B", [306.12, 2], 260], ["B", [306.10, 2], 10]],
        ),
    ],
    "MXSE.candles": [
        (
            "snapshot",
            ["FROM", "TILL", "OPEN", "HIGH", "LOW", "CLOSE", "VALUE", "VOLUME"],
            [
                [
                    "2026-01-21 00:00:00",
                    "2026-01-21 23:59:59",
                    [305.0, 2],
                    [307.5, 2],
                    [304.2, 2],
                    [306.49, 2],
                    [9.1e9, 2],
                    29700000,
                ],
                [
                    "2026-01-22 00:00:00",
                    "2026-01-22 23:59:59",
                    [306.5, 2],
                    [307.0, 2],
                    [305.89, 2],
                    [306.13, 2],
                    [4.05e8, 2],
                    1322700,
                ],
            ],
        ),
        (
            "updates",
            ["FROM", "TILL", "OPEN", "HIGH", "LOW", "CLOSE", "VALUE", "VOLUME"],
            [
                [
                    "2026-01-22 00:00:00",
                    "2026-01-22 23:59:59",
                    [306.5, 2],
                    [307.0, 2],
                    [305.89, 2],
                    [306.12, 2],
                    [4.06e8, 2],
                    1322706,
                ]
            ],
        ),
    ],
}
TICKERS = {"MXSE.TQBR.SBER"}


def frame(command: str, headers: dict[str, str], body: str = "") -> str:
    """A STOMP frame as the document shows them: command, header lines, blank line, body, NUL."""
    return command + "\n" + "".join(f"{k}:{v}\n" for k, v in headers.items()) + "\n" + body + "\x00"


def read_frame(message: str | bytes) -> tuple[str, dict[str, str], str] | None:
    """(command, headers, body) of one raw frame; None for a heart-beat."""
    text = message.decode() if isinstance(message, bytes) else message
    text = text.lstrip("\r\n")
    if not text:
        return None
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.setdefault(key, value)
    return lines[0], headers, body.split("\x00", 1)[0]


class IndependentMoex(ThreadedServer):
    """Runs in a thread; `url` is the base URL to give --url; `received` holds the client's frames."""

    def __init__(self, *, close_after: bool = False) -> None:
        self.close_after = close_after
        self.received: list[tuple[str, dict[str, str]]] = []
        self.subprotocols: list[str | None] = []
        super().__init__()

    def serve(self) -> Any:
        return serve(self._handler, "127.0.0.1", 0, subprotocols=["STOMP"], process_request=self._check)

    def _check(self, connection: ServerConnection, request):
        if request.path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such endpoint\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.subprotocols.append(ws.subprotocol)
        connected = False
        async for message in ws:
            parsed = read_frame(message)
            if parsed is None:
                continue  # a heart-beat
            command, headers, _body = parsed
            self.received.append((command, headers))
            if command == "CONNECT":
                good = (headers.get("domain"), headers.get("login"), headers.get("passcode")) == (
                    "DEMO",
                    "guest",
                    "guest",
                )
                if not good:
                    await ws.send(frame("ERROR", {"message": "gateway.access-denied"}, "Access denied"))
                    await ws.close()
                    return
                connected = True
                await ws.send(frame("CONNECTED", {"version": "1.2"}, json.dumps(METADATA)))
            elif not connected:
                await ws.send(frame("ERROR", {"message": "gateway.not-connected"}))
                await ws.close()
                return
            elif command == "SUBSCRIBE":
                await self._subscribe(ws, headers)
            elif command == "DISCONNECT":
                if "receipt" in headers:
                    await ws.send(frame("RECEIPT", {"receipt-id": headers["receipt"]}))
                await ws.close()
                return

    async def _subscribe(self, ws: ServerConnection, headers: dict[str, str]) -> None:
        destination = headers.get("destination", "")
        selector = headers.get("selector", "")
        ticker = selector.split('"')[1] if '"' in selector else ""
        if destination not in SCRIPTS or ticker not in TICKERS:
            error = {"message": "gateway.invalidrequest"}
            if "receipt" in headers:
                error["receipt-id"] = headers["receipt"]
            await ws.send(frame("ERROR", error, f"unknown resource {destination} {selector}"))
            return
        if "receipt" in headers:
            await ws.send(frame("RECEIPT", {"receipt-id": headers["receipt"]}))
        for seq, (kind, columns, data) in enumerate(SCRIPTS[destination], start=1):
            body = _packet(kind, seq, columns, data)
            await ws.send(frame("MESSAGE", {"subscription": headers["id"], "destination": destination}, body))
        if self.close_after:
            await ws.close()
