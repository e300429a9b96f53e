"""An aiohttp application served on loopback from its own thread and event loop.

For tests whose client runs its own event loop (`session.run_once` calls `asyncio.run`) or
is a feedcli subprocess, and whose server must speak plain HTTP (a login endpoint, a
redirect) as well as WebSocket. `ssl` serves it over TLS (`url` is then https).
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
import threading

from aiohttp import web


class ThreadedApp:
    """`with ThreadedApp(app) as server: server.url` — the app is served until the block ends."""

    def __init__(self, app: web.Application, *, ssl: _ssl.SSLContext | None = None) -> None:
        self.app = app
        self.url = ""
        self._ssl = ssl
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def __enter__(self) -> ThreadedApp:
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the test server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        try:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self._ssl)
            await site.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        scheme = "https" if self._ssl is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{runner.addresses[0][1]}"
        self._ready.set()
        try:
            await self._stop
        finally:
            await runner.cleanup()
