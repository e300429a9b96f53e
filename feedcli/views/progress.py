"""One-line status renderables: a replay's progress and a recording's state.

They know only their numbers, as Rich's own `ProgressBar(total, completed)` does: whoever
draws them reads the counters (a writer's, a replay's) and builds a fresh one per frame, so
a sink never draws and a renderable never reaches into the objects behind the numbers.
Sizes are `rich.filesize.decimal` (kB, MB, GB), the one size format of feedcli's screens.
Both fit the width they are given and never wrap: a wrapped status line cannot be redrawn
in place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.filesize import decimal
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

#: the widest a progress bar gets; the rest of the line is numbers
BAR_WIDTH = 40


class RateMeter:
    """Events per second from a growing count: over the run so far at first, then over the last `window`."""

    def __init__(self, window: float = 1.0, now: float | None = None) -> None:
        self.window = window
        self._started = time.monotonic() if now is None else now
        self._mark = (self._started, 0)
        self.rate = 0.0

    def update(self, count: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        then, before = self._mark
        if then == self._started:  # the first window: what the whole run has done
            self.rate = self.overall(count, now)
        if now - then >= self.window:
            self.rate = (count - before) / (now - then)
            self._mark = (now, count)
        return self.rate

    def overall(self, count: int, now: float | None = None) -> float:
        elapsed = (time.monotonic() if now is None else now) - self._started
        return count / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True)
class ReplayProgress:
    """`43% ━━━━━━━━━╸━━━━━  12.1 MB/28.0 MB  120,000 lines  48,000 lines/s  at 2025-11-14 08:31:02`.

    `read` and `total` are bytes of the files (compressed bytes for a compressed file;
    `total` None when a file's size is unknown, as on a pipe: then there is no bar), `at`
    the `recv` of the line written last.
    """

    read: int
    total: int | None
    lines: int
    rate: float
    at: str | None = None

    def numbers(self) -> str:
        size = f"{decimal(self.read)}/{decimal(self.total)}" if self.total is not None else decimal(self.read)
        parts = [size, f"{self.lines:,} lines", f"{self.rate:,.0f} lines/s"]
        if self.at:
            parts.append(f"at {self.at[:10]} {self.at[11:19]}")
        return "  ".join(parts)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        tail = self.numbers()
        if not self.total:
            yield Text(tail, no_wrap=True, overflow="crop")
            return
        fraction = min(1.0, self.read / self.total)
        head = f"{fraction * 100:3.0f}% "
        room = width - len(head) - len(tail) - 4
        if room < 10:
            yield Text(head + tail, no_wrap=True, overflow="crop")
            return
        line = Table.grid(padding=(0, 2))
        line.add_row(
            Text(head.rstrip()),
            ProgressBar(total=self.total, completed=min(self.read, self.total), width=min(room, BAR_WIDTH)),
            Text(tail, no_wrap=True, overflow="crop"),
        )
        yield line


@dataclass(frozen=True)
class RecordingStatus:
    """`recording tse: 12,345 msgs, 410/s, 1 reconnect, tse-20251114T083000Z.ndjson.zst 1.2 MB`.

    `connected` False adds "(disconnected)"; `file` is the current part's name and `size`
    its bytes so far (compressed bytes, including what waits for the next flush).
    """

    provider: str
    messages: int
    rate: float | None
    reconnects: int
    connected: bool | None = None
    file: str | None = None
    size: int = 0

    def text(self, width: int = 200) -> str:
        """The numbers first and the file name last, its middle elided to fit `width`."""
        text = f"recording {self.provider}: {self.messages:,} msgs"
        if self.rate is not None:
            text += f", {self.rate:,.0f}/s"
        text += f", {self.reconnects} reconnect{'s' if self.reconnects != 1 else ''}"
        if self.connected is False:
            text += " (disconnected)"
        if self.file is not None:
            size = f" {decimal(self.size)}"
            room = width - len(text) - len(size) - 3
            name = self.file
            if room < len(name):
                keep = max(0, room - 3) // 2
                name = name[:keep] + "..." + name[len(name) - keep :]
            if room >= 10:
                text += f", {name}{size}"
        return text[:width]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(self.text(options.max_width), no_wrap=True, overflow="crop")
