"""A time limit on an awaitable that never loses a cancellation.

Before Python 3.12, `asyncio.wait_for` returns the awaitable's result when its task is
cancelled in the same turn of the loop as the awaitable completes: the cancellation is
dropped. A session told to stop (Ctrl-C, SIGTERM, the end of a run) just as its WebSocket
opened then went on streaming and the run never ended (seen as a test that hung with both
cores busy). Everything in feedcli that bounds a wait goes through `within` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float | None) -> T:
    """The awaitable's result (or what it raised), or asyncio.TimeoutError after `seconds`
    (None: no limit).

    A cancellation always wins: the awaitable is cancelled and waited for, and a result it
    produced anyway (it completed in the same turn) is dropped; what it opened is the
    caller's to close (picows_link.open_connection does).
    """
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait((task,), timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait((task,))
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: the cancellation is what this call answers
        raise
    if not done:
        task.cancel()
        await asyncio.wait((task,))
        if task.cancelled():
            raise asyncio.TimeoutError
    return task.result()  # (what it raised, or what it gave in the turn it was cancelled)
