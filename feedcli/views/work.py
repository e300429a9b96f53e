"""Showing long work in progress (`feedcli.progress`): a line on a terminal, notes under -v.

On a terminal's stderr, a line per task (what, a bar, done/total) is drawn in place while
there is work and erased when there is none. When stderr is not a terminal nothing is drawn,
unless -v asks for it: then one note per task and second, and one when it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from feedcli import progress, terminal

#: seconds between two redraws of the line, and between two notes under -v
EVERY = 0.2
NOTE_EVERY = 1.0


def work_lines(tasks: list[progress.Task], width: int) -> RenderableType:
    """One line per task: what, a bar, done of total and the share, never wider than `width`."""
    lines: list[RenderableType] = []
    for task in tasks:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.add_column(width=max(min(30, width // 4), 5))
        grid.add_column(no_wrap=True)
        share = task.done / task.total if task.total else 0.0
        grid.add_row(
            Text(task.what, style="bold"),
            ProgressBar(total=max(task.total, 1), completed=min(task.done, task.total)),
            Text(f"{task.done:,}/{task.total:,} {task.unit} {share:.0%}"),
        )
        lines.append(grid)
    return Group(*lines)


def note_of(task: progress.Task) -> str:
    return f"feedcli: {task.what}: {task.done:,}/{task.total:,} {task.unit}"


async def show_work(*, on_terminal: bool, verbose: bool, note: Callable[[str], None] = terminal.stderr_note) -> None:
    """Until cancelled: the line on a terminal, or notes under -v, or nothing at all."""
    if not on_terminal and not verbose:
        return
    if not on_terminal:
        await _notes(note)
        return
    console = Console(stderr=True, highlight=False)
    live: Live | None = None
    try:
        while True:
            tasks = progress.current()
            if tasks and live is None:
                live = Live(console=console, auto_refresh=False, transient=True, redirect_stderr=False)
                live.start()
            if live is not None:
                if tasks:
                    live.update(work_lines(tasks, console.width), refresh=True)
                else:
                    live.stop()
                    live = None
            await asyncio.sleep(EVERY)
    except OSError as exc:
        if not terminal.is_gone_error(exc):
            raise
    finally:
        if live is not None:
            with contextlib.suppress(OSError):
                live.stop()


async def _notes(note: Callable[[str], None]) -> None:
    said: dict[int, float] = {}
    last: dict[int, progress.Task] = {}
    while True:
        now = time.monotonic()
        tasks = {id(t): t for t in progress.current()}
        for key, task in tasks.items():
            if now - said.get(key, 0.0) >= NOTE_EVERY:
                note(note_of(task))
                said[key] = now
        for key in set(last) - set(tasks):  # done since the last look
            note(f"feedcli: {last[key].what}: done")
            said.pop(key, None)
        last = tasks
        await asyncio.sleep(EVERY)
