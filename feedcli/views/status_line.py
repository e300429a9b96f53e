"""A status line on stderr: one renderable redrawn in place, with notes printed above it.

`record` and `replay` show their state this way while stdout (or the files) take the data.
The CLI decides whether there is one at all (only when stderr is a terminal, and not where
the terminal already shows the data); this class only draws what `render` returns, at a
fixed rate, through Rich's Live on a stderr console. A terminal that vanishes under it ends
the drawing, silently (feedcli.terminal): the command itself goes on, as a recording must.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text

from feedcli import terminal


class StatusLine:
    """Draw `render(final)` on stderr every `every` seconds until cancelled; `note()` prints a line above it.

    `final` is True for the last frame, drawn when the run is over (a rate over the whole run
    rather than the last second, say). `keep`: leave that frame on the screen (a replay's final
    figures) rather than clearing it (a recording's line, which says nothing once it is over).
    """

    def __init__(
        self,
        render: Callable[[bool], RenderableType],
        *,
        every: float = 0.5,
        keep: bool = False,
        console: Console | None = None,
    ) -> None:
        self.every = every
        self._final = False
        self._console = console or Console(stderr=True, highlight=False)
        self._live = Live(
            console=self._console,
            get_renderable=lambda: render(self._final),
            auto_refresh=False,
            transient=not keep,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._dead = False

    async def run(self) -> None:
        """Redraw until cancelled; then draw once more and release the line."""
        if not self._draw(self._live.start):
            return
        try:
            while not self._dead:
                self._draw(self._live.refresh)
                await asyncio.sleep(self.every)
        finally:
            self._final = True
            if not self._dead:
                self._draw(self._live.refresh)
                self._draw(self._live.stop)

    def note(self, line: str) -> None:
        """Print `line` above the status line (as is: it is plain text, never markup)."""
        if self._dead:
            terminal.stderr_note(line)
            return
        self._draw(lambda: self._console.print(Text(line), soft_wrap=True))

    def _draw(self, action: Callable[[], object]) -> bool:
        """Do a drawing action; a terminal that is gone stops all drawing (and says nothing)."""
        try:
            action()
        except OSError as exc:
            if not terminal.is_gone_error(exc):
                raise
            self._dead = True
            terminal.mark_gone()
            with contextlib.suppress(Exception):
                self._live.stop()
            return False
        return True
