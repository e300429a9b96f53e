"""An independent HT Data Engine server for tests, written from the source document alone.

It shares no code with feedcli's codecs or simulator (plain `websockets` server, the
document's JSON examples as payloads), so a client that works against it follows the
document, not merely our own simulator. It sends a scripted sequence, optionally with
malformed frames between good ones, and then either stays open or closes as told.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

from tests.support.threaded_server import ThreadedServer

EXAMPLES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "tse_doc_examples.json").read_text())
TOKEN = "independent-test-token"


class IndependentHT(ThreadedServer):
    def __init__(self, *, count: int = 20, malformed: list[bytes] | None = None, close_after: bool = False) -> None:
        self.count = count
        self.malformed = malformed or []
        self.close_after = close_after
        self.sent: list[dict] = []
        self.headers: list[dict[str, str]] = []
        super().__init__()

    def serve(self) -> Any:
        return serve(self._handler, "127.0.0.1", 0, process_request=self._check)

    def _check(self, connection: ServerConnection, request):
        self.headers.append(dict(request.headers.raw_items()))
        if not request.path.startswith("/data-engine/tse-ifb/live/data/websocket/symbol/"):
            return connection.respond(HTTPStatus.NOT_FOUND, "no such endpoint\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        if ws.request.headers.get("Authorization") != TOKEN:
            await ws.close(1008, "Invalid token")
            return
        query = parse_qs(urlsplit(ws.request.path).query)
        isins = query.get("symbol_isins", [])
        channels = query.get("channels", [])
        if not isins or not channels:
            await ws.close(1008, "Invalid symbol")
            return
        good = [e for e in EXAMPLES if e["channel"] in channels]
        for i in range(self.count):
            message = dict(good[i % len(good)])
            message["symbolIsin"] = isins[i % len(isins)]
            message["timestamp"] = f"2025-11-14T12:00:{i // 1000:02d}.{i % 1000:06d}"
            if i < len(self.malformed):
                await ws.send(self.malformed[i])
            self.sent.append(message)
            await ws.send(json.dumps(message))
        if self.close_after:
            await ws.close(1000, "bye")
            return
        await ws.wait_closed()
