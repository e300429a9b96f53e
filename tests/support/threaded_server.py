"""The harness of the tests' independent servers: a `websockets` server on its own event
loop in a thread, so a test can run feedcli as a subprocess against it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class ThreadedServer:
    """`with Server() as s: s.url` — subclasses say how to serve in `serve()`."""

    def __init__(self) -> None:
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def serve(self) -> Any:
        """The server's async context manager, bound to 127.0.0.1 port 0 (websockets' `serve`)."""
        raise NotImplementedError

    def __enter__(self) -> Any:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with self.serve() as server:
            port = next(iter(server.sockets)).getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            self._ready.set()
            await self._stop
