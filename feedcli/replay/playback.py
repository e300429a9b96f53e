"""`feedcli replay FILE...`: the recordings merged, filtered and paced onto stdout or into the live view.

Output goes through the line writer `stream` uses (sinks/writer.py), given the raw lines
rather than events: re-encoding would be both slower and not byte-exact. It batches lines
(about 64 KiB per write) and, on a pipe, waits while the reader is behind, so memory stays
bounded and a slow `jq` slows the replay instead of growing a buffer. How the run ends
(played out, the reader gone, a signal, a vanished terminal) is runner.run_until_done's.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from feedcli.errors import UsageError
from feedcli.replay.filters import Filters
from feedcli.replay.pacing import Counters, Output, pump
from feedcli.replay.reading import Recording, Warn, merged, stderr_warn
from feedcli.runner import Ending, run_until_done
from feedcli.sinks.writer import LineWriter, standard_output

#: seconds between two redraws of the progress line
PROGRESS_EVERY = 0.25


@dataclass(frozen=True)
class ReplayOptions:
    """Everything `feedcli replay` was asked for, checked.

    `progress`: draw a progress line on stderr (the CLI asks for it when stderr is a terminal
    and stdout is not: on a terminal stdout the lines, or the view, are the progress).
    """

    files: tuple[str, ...]
    speed: float = 1.0
    filters: Filters = field(default_factory=Filters)
    view: bool = False
    fps: float = 10.0
    progress: bool = False


def run(options: ReplayOptions) -> None:
    """Open every file (exit 2 before any output if one can't be read), then replay them."""
    if not options.files:
        raise UsageError("name at least one recording FILE")
    if options.speed != options.speed or options.speed < 0:  # NaN or negative
        raise UsageError("--speed must be a number >= 0 (0: as fast as possible, 1: real time)")
    if options.files.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    recordings: list[Recording] = []
    try:
        for path in options.files:
            recordings.append(Recording.open(path))
        out: Output = _make_view(options) if options.view else LineWriter(standard_output())
        asyncio.run(_main(recordings, out, options))
    finally:
        for recording in recordings:
            recording.close()


async def _main(recordings: list[Recording], out: Output, options: ReplayOptions) -> None:
    counters = Counters()
    helpers = []
    warn: Warn = stderr_warn
    if options.progress:
        status = _progress_line(recordings, counters)
        warn = lambda message: status.note(f"feedcli: {message}")  # noqa: E731 - above the line, not through it
        helpers.append(status.run())
    if isinstance(out, ViewOutput):
        helpers.append(out.view.run(fps=options.fps))
    await out.start()
    ending = await run_until_done(
        pump(merged(recordings, options.filters, warn, ticks=True), out, options.speed, counters),
        close=out.aclose,
        helpers=helpers,
        on_terminal=isinstance(out, ViewOutput) or (isinstance(out, LineWriter) and out.on_terminal),
    )
    if ending is Ending.DONE and counters.lines == 0 and options.filters.narrowing:
        warn("no line matched --from/--to/--channel/--symbol")


def _progress_line(recordings: list[Recording], counters: Counters) -> Any:
    """The progress line: bytes read of all files, lines written, lines/s, where the replay is."""
    from feedcli.views.progress import RateMeter, ReplayProgress
    from feedcli.views.status_line import StatusLine

    meter = RateMeter()

    def render(final: bool) -> ReplayProgress:
        sizes = [r.size for r in recordings]
        total = None if None in sizes else sum(s for s in sizes if s is not None)
        rate = meter.overall(counters.lines) if final else meter.update(counters.lines)
        return ReplayProgress(sum(r.bytes_read for r in recordings), total, counters.lines, rate, counters.at)

    return StatusLine(render, every=PROGRESS_EVERY, keep=True)


def _make_view(options: ReplayOptions) -> ViewOutput:
    from feedcli.views.live import LiveView

    names = " ".join(os.path.basename(f) for f in options.files)
    return ViewOutput(LiveView(title=f"feedcli replay {names}"))


class ViewOutput:
    """Feeds a LiveView: each line decoded into an event, the view redrawing on its own task."""

    def __init__(self, view: Any) -> None:
        self.view = view

    async def start(self) -> None:
        return None

    async def send(self, lines: list[bytes]) -> None:
        from feedcli.events import decode_line

        emit = self.view.emit
        for line in lines:
            try:
                event = decode_line(line)
            except (ValueError, KeyError, TypeError):
                self.view.note_malformed()
                continue
            emit(event)
        await asyncio.sleep(0)  # let the view draw, however fast lines come

    async def aclose(self) -> None:
        await self.view.aclose()
