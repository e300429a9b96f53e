"""`within`, the time limit that never loses a cancellation (asyncio.wait_for before Python
3.12 does: cancelled in the turn its awaitable completes, it returns the result)."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from feedcli.timeouts import within


def _cancel_as_it_completes(limit: object) -> list[str]:
    """Run `limit(fut, 10.0)` in a task; complete `fut` and cancel the task in one turn."""
    outcome: list[str] = []

    async def main() -> None:
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def waiter() -> None:
            try:
                outcome.append(await limit(fut, 10.0))  # type: ignore[operator]
            except asyncio.CancelledError:
                outcome.append("cancelled")
                raise

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)  # the waiter is waiting now
        fut.set_result("connection")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
    return outcome


def test_a_cancellation_in_the_turn_the_awaitable_completes_wins() -> None:
    assert _cancel_as_it_completes(within) == ["cancelled"]


def test_the_check_above_can_fail_asyncio_wait_for_before_3_12_loses_that_cancellation() -> None:
    import sys

    if sys.version_info >= (3, 12):
        pytest.skip("asyncio.wait_for keeps the cancellation from Python 3.12 on")

    async def wait_for(aw: asyncio.Future[str], seconds: float) -> str:
        return await asyncio.wait_for(aw, seconds)

    assert _cancel_as_it_completes(wait_for) == ["connection"]


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


def _wait_for_uses(tree: ast.AST) -> list[int]:
    """Lines that call `asyncio.wait_for` or import it from asyncio (a Condition's own
    `wait_for(predicate)` is another thing)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if (
            (isinstance(node, ast.Attribute) and node.attr == "wait_for")
            and isinstance(node.value, ast.Name)
            and node.value.id == "asyncio"
        )
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "asyncio"
            and any(alias.name == "wait_for" for alias in node.names)
        )
    ]


def test_no_module_of_feedcli_uses_asyncio_wait_for() -> None:
    """Every bounded wait goes through `within` (a check that stays true as code is added)."""
    root = Path(__file__).resolve().parents[2] / "feedcli"
    offenders = [
        f"{path.relative_to(root)}:{line}"
        for path in root.rglob("*.py")
        for line in _wait_for_uses(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_the_check_above_finds_both_spellings_and_nothing_else() -> None:
    source = "import asyncio\nfrom asyncio import wait_for\nasyncio.wait_for(x, 1)\ncondition.wait_for(p)\n"
    assert sorted(_wait_for_uses(ast.parse(source))) == [2, 3]
