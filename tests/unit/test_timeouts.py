"""`within`, the time limit that never loses a cancellation (asyncio.wait_for before Python
3.12 does: cancelled in the turn its awaitable completes, it returns the result)."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from feedcli.timeouts import within


def _cancel_as_it_completes(limit: object) -> tuple[list[str], list[str]]:
    """Run `limit(fut, 10.0, undo)` in a task; complete `fut` and cancel the task in one turn."""
    outcome: list[str] = []
    undone: list[str] = []

    async def main() -> None:
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def waiter() -> None:
            try:
                outcome.append(await limit(fut, 10.0, undone.append))  # type: ignore[operator]
            except asyncio.CancelledError:
                outcome.append("cancelled")
                raise

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)  # the waiter is waiting now
        fut.set_result("connection")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
    return outcome, undone


def test_a_cancellation_in_the_turn_the_awaitable_completes_wins_and_the_result_is_undone() -> None:
    assert _cancel_as_it_completes(within) == (["cancelled"], ["connection"])


def test_the_check_above_can_fail_asyncio_wait_for_before_3_12_loses_that_cancellation() -> None:
    import sys

    if sys.version_info >= (3, 12):
        pytest.skip("asyncio.wait_for keeps the cancellation from Python 3.12 on")

    async def wait_for(aw: asyncio.Future[str], seconds: float, _undo: object) -> str:
        return await asyncio.wait_for(aw, seconds)

    assert _cancel_as_it_completes(wait_for) == (["connection"], [])


def test_a_result_in_time_an_exception_and_a_timeout() -> None:
    async def main() -> None:
        async def slow() -> str:
            await asyncio.sleep(10)
            return "late"

        async def fails() -> None:
            raise ValueError("refused")

        assert await within(asyncio.sleep(0, "soon"), 5.0) == "soon"
        assert await within(asyncio.sleep(0, "unbounded"), None) == "unbounded"
        with pytest.raises(ValueError, match="refused"):
            await within(fails(), 5.0)
        task = asyncio.ensure_future(slow())
        with pytest.raises(asyncio.TimeoutError):
            await within(task, 0.01)
        assert task.cancelled()  # not left running

    asyncio.run(main())


def test_no_module_of_feedcli_uses_asyncio_wait_for() -> None:
    """Every bounded wait goes through `within` (a grep that stays true as code is added)."""
    root = Path(__file__).resolve().parents[2] / "feedcli"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "wait_for":
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
