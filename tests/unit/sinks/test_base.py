"""`aclose_all`: every consumer is closed even past one that fails, and the first failure is raised."""

from __future__ import annotations

import asyncio

import pytest

from feedcli.sinks.base import aclose_all


class _Closable:
    def __init__(self, fails: Exception | None = None) -> None:
        self.fails = fails
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True
        if self.fails is not None:
            raise self.fails


def test_every_one_is_closed_and_the_first_failure_is_raised() -> None:
    first, second = OSError("disk full"), RuntimeError("broker gone")
    closables = [_Closable(), _Closable(first), _Closable(), _Closable(second), _Closable()]
    with pytest.raises(OSError) as raised:
        asyncio.run(aclose_all(closables))
    assert raised.value is first
    assert all(c.closed for c in closables)


def test_nothing_is_raised_when_all_close() -> None:
    closables = [_Closable(), _Closable()]
    asyncio.run(aclose_all(closables))
    assert all(c.closed for c in closables)
