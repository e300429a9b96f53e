"""`feedcli export`: recordings into one table of one kind, in two passes over the files.

Files are read as `replay` reads them (`feedcli.replay.Recording`: plain, gzip or zstd told from
the content; a damaged or cut-short file is read as far as it goes and what was lost is said
once; a malformed line is skipped and reported). The first pass learns which kinds the lines
hold and the table's columns (how deep the books are, which fields the statistics have); the
second normalizes each line (`feedcli.vocabulary`, a no-op for a recording made with
`--normalize`) and writes its row. Rows are in file order, and line order within a file.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from feedcli.errors import FeedError, UsageError
from feedcli.export.layout import Layout
from feedcli.export.output import check_parquet, format_of, open_table
from feedcli.market import KINDS
from feedcli.replay.filters import Filters
from feedcli.replay.reading import Recording, Warn, stderr_warn
from feedcli.vocabulary import kind_table, normalize_object

#: rows per batch written (one batch of columns in memory)
BATCH_ROWS = 65_536
#: seconds between two redraws of the progress line
PROGRESS_EVERY = 0.25


@dataclass(frozen=True)
class ExportOptions:
    files: tuple[str, ...]
    output: str
    kind: str | None = None
    channels: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()
    force: bool = False
    progress: bool = False


@dataclass
class Progress:
    """What the progress line shows: bytes read of both passes, rows written, the last `recv`."""

    total: int | None
    done: int = 0
    rows: int = 0
    at: str | None = None
    recordings: list[Recording] = field(default_factory=list)
    #: set when the command is interrupted: the export thread stops and removes what it wrote
    cancelled: bool = False

    def read(self) -> int:
        return self.done + sum(r.bytes_read for r in self.recordings)


def check(options: ExportOptions) -> None:
    """Everything that is wrong with the command line, before a file is read (exit 2)."""
    if not options.files:
        raise UsageError("name at least one recording FILE")
    if "-" in options.files:
        raise UsageError("export reads its files twice (for the columns, then the rows): name files, not -")
    fmt = format_of(options.output)
    if options.kind is not None and options.kind not in KINDS:
        raise UsageError(f"--kind {options.kind!r}: one of {', '.join(KINDS)}")
    if os.path.lexists(options.output) and not options.force:
        raise UsageError(f"{options.output} exists; --force replaces it")
    if os.path.isdir(options.output):
        raise UsageError(f"{options.output} is a directory")
    if fmt == "parquet":
        check_parquet()


def _lines(paths: tuple[str, ...], filters: Filters, warn: Warn, progress: Progress | None) -> Iterator[dict[str, Any]]:
    """Every data line the filters keep, parsed, file after file."""
    loads = orjson.loads
    for path in paths:
        recording = Recording.open(path)
        if progress is not None:
            progress.recordings.append(recording)
        try:
            for _key, line in recording.records(filters, warn):
                obj = loads(line)
                if "channel" in obj:
                    if progress is not None:
                        progress.at = obj.get("recv")
                    yield obj
        finally:
            recording.close()
            if progress is not None:
                progress.recordings.remove(recording)
                progress.done += recording.bytes_read


def _kind(obj: dict[str, Any], table: dict[str, dict[str, str]]) -> str | None:
    kind = obj.get("kind")
    if isinstance(kind, str):
        return kind
    return table.get(obj.get("provider"), {}).get(obj.get("channel"))  # type: ignore[arg-type]


def export(options: ExportOptions, warn: Warn = stderr_warn, progress: Progress | None = None) -> int:
    """Write the table; the number of rows written. UsageError for a kind no line has."""
    for path in options.files:  # every file readable, before anything is read (exit 2)
        Recording.open(path).close()
    filters = Filters(channels=options.channels, symbols=options.symbols)
    table = kind_table()
    quiet: Warn = lambda _message: None  # noqa: E731 - the second pass says nothing the first did not

    # the first pass: the kinds present, then the columns of the one exported
    kinds: Counter[str] = Counter()
    layouts: dict[str, Layout] = {}
    for obj in _lines(options.files, filters, warn, progress):
        kind = _kind(obj, table)
        if kind is None:
            continue
        kinds[kind] += 1
        if options.kind is not None and kind != options.kind:
            continue
        layout = layouts.get(kind)
        if layout is None:
            layout = layouts[kind] = Layout(kind)
        normal = normalize_object(obj)
        if normal is not None:
            layout.scan(normal["data"])
    present = ", ".join(f"{k} ({n:,} lines)" for k, n in kinds.most_common())
    if not kinds:
        raise UsageError("no data line to export" + (" matches --channel/--symbol" if filters.narrowing else ""))
    kind = options.kind
    if kind is None:
        if len(kinds) > 1:
            raise UsageError(f"the lines hold several kinds: {present}; choose one with --kind")
        (kind,) = kinds
    elif kind not in kinds:
        raise UsageError(f"no {kind} line; the lines hold {present}")
    layout = layouts[kind]

    # the second pass: the rows
    out = open_table(options.output, layout.columns())
    rows = 0
    try:
        width = len(out.columns)
        batch: list[list[Any]] = [[] for _ in range(width)]
        appends = [column.append for column in batch]
        pending = 0
        for obj in _lines(options.files, filters, quiet, progress):
            if progress is not None and progress.cancelled:
                raise KeyboardInterrupt
            if _kind(obj, table) != kind:
                continue
            normal = normalize_object(obj)
            if normal is None:
                continue
            for append, value in zip(appends, layout.row(normal), strict=True):
                append(value)
            pending += 1
            if pending >= BATCH_ROWS:
                out.write(batch)
                rows += pending
                if progress is not None:
                    progress.rows = rows
                batch = [[] for _ in range(width)]
                appends = [column.append for column in batch]
                pending = 0
        if pending:
            out.write(batch)
            rows += pending
        out.commit()
    except OSError as exc:
        out.discard()
        raise FeedError(f"cannot write {options.output}: {exc.strerror or exc}; nothing written") from None
    except BaseException:
        out.discard()
        raise
    if progress is not None:
        progress.rows = rows
    return rows


def run(options: ExportOptions) -> int:
    """The command: checks, then the export, with a progress line on a terminal's stderr."""
    check(options)
    if not options.progress:
        return export(options)
    sizes = []
    for path in options.files:
        recording = Recording.open(path)
        sizes.append(recording.size)
        recording.close()
    total = None if None in sizes else 2 * sum(s for s in sizes if s is not None)
    progress = Progress(total)
    return asyncio.run(_with_progress(options, progress))


async def _with_progress(options: ExportOptions, progress: Progress) -> int:
    from feedcli.views.progress import RateMeter, ReplayProgress
    from feedcli.views.status_line import StatusLine

    meter = RateMeter()

    def render(final: bool) -> ReplayProgress:
        rate = meter.overall(progress.rows) if final else meter.update(progress.rows)
        return ReplayProgress(progress.read(), progress.total, progress.rows, rate, progress.at)

    status = StatusLine(render, every=PROGRESS_EVERY, keep=True)
    drawing = asyncio.create_task(status.run())
    loop = asyncio.get_running_loop()
    warn: Callable[[str], None] = lambda message: loop.call_soon_threadsafe(  # noqa: E731
        status.note, f"feedcli: {message}"
    )
    try:
        return await asyncio.to_thread(export, options, warn, progress)
    finally:
        progress.cancelled = True  # after an interruption: the thread stops at its next line
        drawing.cancel()
        await asyncio.gather(drawing, return_exceptions=True)
