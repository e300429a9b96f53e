"""What every simulator shares: an aiohttp application on one loopback port.

A simulator subclass declares its routes and, optionally, what runs beside them (a market
producer) and how its connections are closed at shutdown; this class binds, reports the
real base URL, and releases the port. It is also an async context manager.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson
from aiohttp import web


class LoopbackServer:
    """An aiohttp server for one simulator: `await start()` → base URL, `await stop()`."""

    host: str
    port: int
    #: the dataclass of the faults it can inject (its `faults=` parameter), if any
    faults_class: ClassVar[type | None] = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        #: tasks the simulator spawned (senders, kicks): cancelled at stop
        self._background: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_options(cls, host: str, port: int, values: Mapping[str, Any], **extra: Any) -> Any:
        """The server `feedcli simulate` and `feedcli demo` run, from the record's option values.

        Each value goes to the constructor's parameter of its name, or else to the field of
        its name of `faults_class`; a value that fits neither is a programming error (the
        record declares an option the simulator does not have). ValueError for values the
        simulator refuses (the CLI makes that exit 2).
        """
        own = _parameters(cls)
        kwargs = {name: value for name, value in values.items() if name in own}
        rest = {name: value for name, value in values.items() if name not in own}
        if cls.faults_class is not None:
            fields = _parameters(cls.faults_class)
            kwargs["faults"] = cls.faults_class(**{k: v for k, v in rest.items() if k in fields})
            rest = {k: v for k, v in rest.items() if k not in fields}
        if rest:
            raise TypeError(f"{cls.__name__} has no option {', '.join(sorted(rest))}")
        return cls(host=host, port=port, **kwargs, **extra)

    # -- what subclasses provide ----------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Register the provider's endpoints."""
        raise NotImplementedError

    async def on_started(self) -> None:
        """Start what runs beside the routes (a market producer); the URL is known by now."""

    async def on_stopping(self) -> None:
        """Close the open connections the provider's way (a 1001 close, a DISCONNECT)."""

    # -- life cycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give `--url`, once started."""
        if self._url is None:
            raise RuntimeError("the simulator is not started")
        return self._url

    async def start(self) -> str:
        """Bind and return the base URL (`http://HOST:PORT`, with the real port)."""
        if self._runner is not None:
            return self.url
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{port}"
        await self.on_started()
        return self._url

    async def stop(self) -> None:
        """Close every connection, stop background work and release the port."""
        await self.on_stopping()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine in the background, kept until it ends or the server stops."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def __aenter__(self) -> Any:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def positive_rate(rate: float, unit: str = "events") -> float:
    """A market's `rate` (`unit` per second) as a float; ValueError, which `feedcli simulate`
    makes exit 2, for zero, a negative number or NaN (`not rate > 0` catches NaN too)."""
    if not rate > 0:
        raise ValueError(f"rate must be a positive number of {unit} per second, not {rate}")
    return float(rate)


def _parameters(cls: type) -> set[str]:
    """The keyword parameters of a class's constructor, through subclasses that pass **kwargs on."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def malformed_frame(frame: str, nth: int) -> str:
    """The `nth` malformed frame of a connection (the malformed-frame fault), turn about:
    the JSON cut in half, or a well-formed envelope without its `data`: both a client must reject."""
    if nth % 2:
        return frame[: len(frame) // 2]
    envelope = orjson.loads(frame)
    envelope.pop("data", None)
    return orjson.dumps(envelope).decode()


async def cancelled(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task (a market producer) and wait until it has stopped; None is nothing to stop."""
    if task is not None:
        task.cancel()
        await asyncio.wait((task,))  # (not `await task` in a suppress: that would swallow our own cancellation)
        if not task.cancelled():
            task.result()  # what it raised on its way out, as `await task` would
