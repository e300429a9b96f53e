"""An independent HT Data Engine server for tests, written from the source document alone.

It shares no code with feedcli's codecs or simulator (plain `websockets` server, the
document's JSON examples as payloads), so a client that works against it follows the
document, not merely our own simulator. It sends a scripted sequence, optionally with
malformed frames between good ones, and then either stays open or closes as told.
"""

from __future__ import annotations

import asyncio
import json
import threading
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "tse_doc_examples.json").read_text())
TOKEN = "independent-test-token"


class IndependentHT:
    def __init__(self, *, count: int = 20, malformed: list[bytes] | None = None, close_after: bool = False) -> None:
        self.count = count
        self.malformed = malformed or []
        self.close_after = close_after
        self.sent: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> IndependentHT:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with serve(self._handler, "127.0.0.1", 0, process_request=self._check) as server:
            port = server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            self._ready.set()
            await self._stop

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
