"""Long work in progress (a REST backfill of thousands of candles), as counters anyone may show.

A codec that pages through history notes how far it got (`report`) and when it is done
(`finish`); it writes nothing anywhere. The command shows the counters, or not: a line on a
terminal's stderr, a note now and then under -v, nothing otherwise (`feedcli.views.progress`).
Counters only, no I/O: codecs stay sans-I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Task:
    what: str
    done: int
    total: int
    unit: str
    started: float


_tasks: dict[str, Task] = {}


def report(key: str, what: str, done: int, total: int, unit: str = "candles") -> None:
    """`what` has reached `done` of `total` (the key names the task across calls)."""
    task = _tasks.get(key)
    if task is None:
        _tasks[key] = Task(what, done, total, unit, time.monotonic())
    else:
        task.done, task.total = done, total


def finish(key: str) -> None:
    _tasks.pop(key, None)


def current() -> list[Task]:
    """The tasks under way, oldest first."""
    return list(_tasks.values())
