"""`feedcli replay FILE...|URL`: recordings, or lines read back from Redis or NATS, merged, filtered
and paced onto stdout or into the live view, and into `--sink`s.

Output goes through the line writer `stream` uses (sinks/writer.py), given the raw lines
rather than events: re-encoding would be both slower and not byte-exact. It batches lines
(about 64 KiB per write) and, on a pipe, waits while the reader is behind, so memory stays
bounded and a slow `jq` slows the replay instead of growing a buffer. How the run ends
(played out, the reader gone, a signal, a vanished terminal) is runner.run_until_done's.

Lines read back from a message system (`redis://...?key=PATTERN`, `nats://...?stream=NAME`)
take the same road: they come in chunks (sinks.remote.open_chunks), pass the same checks and
filters (reading.LineCheck) and the same pacing (pacing.pump_chunks). `--sink` wraps the
output in a SinkTee: every line goes out byte for byte, and a sink that is down holds the
replay back, as a slow reader does.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedcli.errors import UsageError
from feedcli.replay.filters import Filters
from feedcli.replay.pacing import Counters, Output, pump, pump_chunks
from feedcli.replay.reading import SHOWN_MALFORMED, Recording, Warn, merged, stderr_warn
from feedcli.runner import Ending, run_command, run_until_done
from feedcli.sinks.writer import LineWriter, standard_output

#: seconds between two redraws of the progress line
PROGRESS_EVERY = 0.25

#: what a replay runs: given where to warn and what to count, pace the lines into the output
Work = Callable[[Warn, Counters], Awaitable[None]]


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
    #: with a redis:// or nats:// source: keep reading new lines after what was there
    follow: bool = False
    #: `--sink` URLs
    sinks: tuple[str, ...] = ()

    @property
    def source(self) -> str | None:
        """The redis:// or nats:// URL read from, if the replay reads a message system."""
        from feedcli.sinks.urls import is_sink_url

        return self.files[0] if len(self.files) == 1 and is_sink_url(self.files[0]) else None

    #: the live view's clocks' zone (None: UTC) and the symbol it starts on
    zone: Any = None
    focus: str | None = None
    #: data lines in the common shape of their kind (`--normalize`); the view reads them as recorded
    normalize: bool = False


def run(options: ReplayOptions) -> None:
    """Check everything, open every file (exit 2 before any output if one can't be read), then replay."""
    from feedcli.sinks.remote import is_sink_url, open_chunks, parse_sinks
    from feedcli.sinks.urls import parse_source

    if not options.files:
        raise UsageError("name at least one recording FILE")
    if options.speed != options.speed or options.speed < 0:  # NaN or negative
        raise UsageError("--speed must be a number >= 0 (0: as fast as possible, 1: real time)")
    if options.files.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    for name in options.files:
        if "://" in name and not is_sink_url(name) and not os.path.exists(name):
            parse_source(name)  # not a file but a URL of a scheme replay cannot read: says which, exit 2
    source = options.source
    if source is None and any(is_sink_url(f) for f in options.files):
        raise UsageError("replay reads recordings or one redis://, rediss:// or nats:// URL, not several or both")
    if options.follow and source is None:
        raise UsageError("--follow goes with a redis://, rediss:// or nats:// URL, not a file")
    sink_specs = parse_sinks(options.sinks)  # exit 2 before anything connects
    if source is not None:
        name = parse_source(source, follow=options.follow).name  # a bad URL: exit 2 before connecting
        chunks = open_chunks(source, follow=options.follow)
        out = _output(options, sink_specs)
        run_command(_main(_from_source(chunks, out, name, options), out, options, progress=None))
        return
    recordings: list[Recording] = []
    try:
        for path in options.files:
            recordings.append(Recording.open(path))
        out = _output(options, sink_specs)

        def work(warn: Warn, counters: Counters) -> Awaitable[None]:
            records = merged(recordings, options.filters, warn, ticks=True)
            if options.normalize and not options.view:
                records = _normalized(records)
            return pump(records, out, options.speed, counters)

        run_command(_main(work, out, options, progress=recordings))
    finally:
        for recording in recordings:
            recording.close()


def _output(options: ReplayOptions, sink_specs: Sequence[Any]) -> Output:
    """Standard output or the view, teed into the sinks (their outages noted on stderr)."""
    out: Output = _make_view(options) if options.view else LineWriter(standard_output())
    if sink_specs:
        from feedcli.sinks.remote import SinkTee, open_sinks

        out = SinkTee(out, open_sinks(sink_specs))
    return out


def _from_source(chunks: AsyncIterator[list[bytes]], out: Output, name: str, options: ReplayOptions) -> Work:
    """The replay's work for lines read back from Redis or NATS: the same checks, filters and pacing."""
    from feedcli.replay.reading import LineCheck

    async def work(warn: Warn, counters: Counters) -> None:
        malformed = 0

        def bad(number: int, why: str) -> None:
            nonlocal malformed
            malformed += 1
            if malformed <= SHOWN_MALFORMED:
                more = " (more are counted, not shown)" if malformed == SHOWN_MALFORMED else ""
                warn(f"{name}: line {number} {why}; skipped{more}")

        check = LineCheck(options.filters, bad)
        read = 0

        async def checked() -> AsyncIterator[list[tuple[str, bytes]]]:
            nonlocal read
            try:
                async for chunk in chunks:
                    kept = list(check.records([(read + 1, chunk)]))
                    if options.normalize and not options.view:  # as a file's lines are (_normalized)
                        kept = list(_normalized(iter(kept)))
                    read += len(chunk)
                    yield kept
                    if check.ended:  # past --to: nothing later can be kept
                        return
            finally:
                await chunks.aclose()  # type: ignore[attr-defined]
                if malformed > SHOWN_MALFORMED:
                    warn(f"{name}: {malformed} malformed lines skipped in all")

        await pump_chunks(checked(), out, options.speed, counters)

    return work


async def _main(work: Work, out: Output, options: ReplayOptions, *, progress: list[Recording] | None) -> None:
    from feedcli.sinks.remote import SinkTee, undelivered

    counters = Counters()
    helpers = []
    warn: Warn = stderr_warn
    if options.progress and progress is not None:
        status = _progress_line(progress, counters)
        warn = lambda message: status.note(f"feedcli: {message}")  # noqa: E731 - above the line, not through it
        helpers.append(status.run())
    shown = out.out if isinstance(out, SinkTee) else out  # what the user sees
    if isinstance(shown, ViewOutput):
        helpers.append(shown.view.run(fps=options.fps))
    await out.start()
    sinks = out.sinks if isinstance(out, SinkTee) else []
    ending = await run_until_done(
        work(warn, counters),
        close=out.aclose,
        helpers=helpers,
        on_terminal=isinstance(shown, ViewOutput) or (isinstance(shown, LineWriter) and shown.on_terminal),
        left_behind=lambda: undelivered(sinks),
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

    if options.source is not None:
        from feedcli.sinks.urls import parse_source

        names = parse_source(options.source, follow=options.follow).name  # the server, its password hidden
    else:
        names = " ".join(os.path.basename(f) for f in options.files)
    return ViewOutput(LiveView(title=f"feedcli replay {names}", zone=options.zone, focus=options.focus))


def _normalized(records: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """`replay --normalize`: data lines in the common shape of their kind, before the output and
    the sinks (control lines, and a normalized recording's lines, as recorded)."""
    from feedcli.vocabulary import normalize_line

    for key, line in records:
        yield key, normalize_line(line) if line else line  # an empty line is a TICK (reading.TICK)


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
