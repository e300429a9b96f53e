"""`feedcli export`: recordings into one table of one kind, in two passes over the files.

Files are read as `replay` reads them (`feedcli.replay.Recording`: plain, gzip or zstd told from
the content; a damaged or cut-short file is read as far as it goes and what was lost is said
once; a malformed line is skipped and reported). The table's schema must be known before
its first row is written (Parquet's is in its header, CSV's in its first line), so the first
pass reads the recordings, normalizes each line (`feedcli.vocabulary`, a no-op for a recording
made with `--normalize`), learns which kinds the lines hold and the columns (how deep the books
are, which fields the statistics have), and spools the normalized lines to an anonymous
temporary file; the second turns the spool into rows. Each recording is read and each line
normalized once. Rows are in file order, and line order within a file.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from feedcli.errors import FeedError, UsageError
from feedcli.export.layout import Layout
from feedcli.export.output import check_parquet, format_of, open_table
from feedcli.market import KINDS
from feedcli.replay.filters import Filters
from feedcli.replay.reading import Recording, Warn, stderr_warn
from feedcli.vocabulary import kind_table, normalize_object

#: bytes of spooled lines turned into one batch of rows (one batch of columns in memory)
SPOOL_READ = 16 << 20
#: bytes of normalized lines written to the spool at a time
SPOOL_WRITE = 1 << 20
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
    for path in paths:
        recording = Recording.open(path)
        if progress is not None:
            progress.recordings.append(recording)
        try:
            for _key, obj in recording.objects(filters, warn):  # each line parsed once, by its check
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
    # unbuffered (the first pass writes its own batches): a write that fails fails once, in the
    # pass, and not again when the file is closed
    with tempfile.TemporaryFile(prefix="feedcli-export-", buffering=0) as spool:
        try:
            layout = _first_pass(options, spool, warn, progress)
        except OSError as exc:  # the spool: no room in the temporary directory
            raise FeedError(f"cannot write {options.output}: {exc.strerror or exc} (its working copy)") from None
        return _second_pass(options, layout, spool, progress)


def _first_pass(options: ExportOptions, spool: IO[bytes], warn: Warn, progress: Progress | None) -> Layout:
    """Read the recordings once: count the kinds, learn the columns, and spool the normalized
    lines of the kind exported (every kind, until it is known), so each line is read and
    normalized once. UsageError for a kind no line has, or for several without --kind."""
    filters = Filters(channels=options.channels, symbols=options.symbols)
    table = kind_table()
    dumps = orjson.dumps
    pending: list[bytes] = []
    pending_size = 0
    wanted = options.kind
    kinds: Counter[str] = Counter()
    layouts: dict[str, Layout] = {}
    for obj in _lines(options.files, filters, warn, progress):
        if progress is not None and progress.cancelled:
            raise KeyboardInterrupt
        kind = _kind(obj, table)
        if kind is None:
            continue
        kinds[kind] += 1
        if wanted is not None and kind != wanted:
            continue
        normal = normalize_object(obj)
        if normal is None:
            continue
        layout = layouts.get(kind)
        if layout is None:
            layout = layouts[kind] = Layout(kind)
        layout.scan(normal["data"])
        normal["kind"] = kind
        line = dumps(normal, option=orjson.OPT_APPEND_NEWLINE)
        pending.append(line)
        pending_size += len(line)
        if pending_size >= SPOOL_WRITE:
            _write_all(spool, b"".join(pending))
            pending, pending_size = [], 0
    _write_all(spool, b"".join(pending))
    present = ", ".join(f"{k} ({n:,} lines)" for k, n in kinds.most_common())
    if not kinds:
        raise UsageError("no data line to export" + (" matches --channel/--symbol" if filters.narrowing else ""))
    if wanted is None:
        if len(kinds) > 1:
            raise UsageError(f"the lines hold several kinds: {present}; choose one with --kind")
        (wanted,) = kinds
    elif wanted not in kinds:
        raise UsageError(f"no {wanted} line; the lines hold {present}")
    return layouts.get(wanted) or Layout(wanted)


def _write_all(file: IO[bytes], data: bytes) -> None:
    """An unbuffered write may take part of the data (the last bytes before a full disk): the
    rest is written again, so the disk's error is raised rather than a line lost."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _second_pass(options: ExportOptions, layout: Layout, spool: IO[bytes], progress: Progress | None) -> int:
    """The spooled lines into rows, batch by batch, into a file renamed into place at the end."""
    size = spool.tell()
    spool.seek(0)
    reader = io.BufferedReader(spool, 1 << 20)  # type: ignore[arg-type]  # the spool is raw: read it buffered
    if progress is not None:
        progress.total = None if progress.total is None else progress.total + size
    out = open_table(options.output, layout.columns())
    rows = 0
    loads, row, kind = orjson.loads, layout.row, layout.kind
    try:
        while True:
            chunk = reader.readlines(SPOOL_READ)
            if not chunk:
                break
            if progress is not None:
                if progress.cancelled:
                    raise KeyboardInterrupt
                progress.done += sum(map(len, chunk))
            batch = [row(normal) for normal in map(loads, chunk) if normal["kind"] == kind]
            if batch:
                out.write(batch)
                rows += len(batch)
                if progress is not None:
                    progress.rows = rows
        out.commit()
    except OSError as exc:
        out.discard()
        raise FeedError(f"cannot write {options.output}: {exc.strerror or exc}; nothing written") from None
    except BaseException:
        out.discard()
        raise
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
    total = None if None in sizes else sum(s for s in sizes if s is not None)
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
