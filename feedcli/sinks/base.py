"""The consumer interface between the session engine and whatever uses its events.

`emit` is called on the event loop for every event, in arrival order, and must not block:
it stores or buffers and returns. A consumer that must not lose data (a pipe or file
writer) reports backpressure through `pressure()`, which the receiver awaits before
reading the next frame: a slow reader slows the socket, it never grows memory. A
consumer that may drop (the live view) keeps only the latest state and never pushes back.

A consumer whose output is the user's terminal (the live view, NDJSON on a terminal) says so
with a true `on_terminal` attribute: the run then ends, quietly, when the terminal vanishes
(feedcli/terminal.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Protocol

from feedcli.events import Event


class StopStream(Exception):
    """Raised by a consumer to end the stream normally (`--limit` reached, reader gone)."""


class Consumer(Protocol):
    async def start(self) -> None:
        """Open what needs the event loop (a pipe transport); called once, before the first `emit`,
        by whoever builds the run, so that a bad output fails before anything connects."""
        ...

    def emit(self, event: Event) -> None:
        """Take one event; never block. May raise StopStream."""
        ...

    def pressure(self) -> Awaitable[None] | None:
        """An awaitable to wait on before reading more, or None when there is room."""
        ...

    async def aclose(self) -> None:
        """Flush and release; called once when the stream ends, however it ends."""
        ...


class Closable(Protocol):
    async def aclose(self) -> None: ...


async def aclose_all(closables: Iterable[Closable]) -> None:
    """Close every one, even past one that fails (each holds its own lines to flush); then
    raise the first failure, if any."""
    error: Exception | None = None
    for closable in closables:
        try:
            await closable.aclose()
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error
