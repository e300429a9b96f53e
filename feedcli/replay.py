"""Replay recordings: read NDJSON files (plain, gzip or zstd), merge, filter, pace, write.

What `record` and `stream` wrote comes back out byte for byte: a replayed recording is the
recording, so anything that reads a live stream reads a replay unchanged, and a replay of a
replay is the same file. Lines are never re-encoded, only parsed to be checked and sorted.

Why it is built the way it is:

- Compression is detected from the first bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), not the
  name: rotated and renamed files, `.ndjson` files that are really gzip, files on stdin.
- Recordings are often cut short: a recorder killed with -9 (or a full disk) leaves a
  compressed stream without its trailer and a plain file with a torn last line. Everything
  that decompresses is replayed, and what was lost is said once, on stderr. A bad line in
  the middle is skipped and reported (the first few, then a count): a replay must never
  die on line 3,000,001 of a day-long file.
- Every line is parsed once (orjson) to check it is a feedcli line before it is written:
  finding `recv` by position alone would be faster, but would pass a torn or corrupt line
  on to the reader, who would then fail where feedcli should have said what was wrong.
  The `recv` string itself is the sort key: its format is fixed (`YYYY-MM-DDTHH:MM:SS.
  ffffffZ`), so string order is time order and no datetime is built per line.
- Pacing is against one monotonic start point (line due at start + (recv - first recv) /
  speed), not sleep-after-sleep, so a long replay does not drift.
- Output goes through the line writer `stream` uses (sinks/writer.py), given the raw
  lines rather than events: re-encoding would be both slower and not byte-exact. It
  batches lines (about 64 KiB per write) and, on a pipe, waits while the reader is behind,
  so memory stays bounded and a slow `jq` slows the replay instead of growing a buffer.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import errno
import heapq
import os
import re
import stat
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from typing import IO, Any, Protocol

import orjson

from feedcli.errors import FeedError, UsageError
from feedcli.runner import Ending, run_until_done
from feedcli.sinks.writer import FLUSH_AT, LineWriter, standard_output

#: gzip and zstd frame magic numbers: the format is read from the content, not the name
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: bytes read from a file at a time (compressed bytes for a compressed file)
READ_SIZE = 1 << 20
#: a "line" longer than this has no newline in sight: not a recording (or a damaged one)
MAX_LINE = 64 << 20
#: malformed lines reported one by one per file; after that they are only counted
SHOWN_MALFORMED = 3
#: a line due sooner than this is written now rather than after a sleep the loop cannot
#: time that finely anyway
MIN_SLEEP = 0.0005

#: the one `recv` format (events.RecvClock): fixed width, so string order is time order
_RECV = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)
_RECV_BYTES = re.compile(_RECV.pattern.encode(), re.ASCII)
_recv_key = itemgetter(0)

Warn = Callable[[str], None]


def stderr_warn(message: str) -> None:
    """The default place for what replay has to say about a file: one line on stderr."""
    sys.stderr.write(f"feedcli: {message}\n")
    sys.stderr.flush()


# ====================================================================== reading files


@dataclass(frozen=True)
class Filters:
    """Which lines a replay keeps.

    `start` and `end` are `recv`-format strings (`start` inclusive, `end` exclusive, so that
    `--to T` and a following `--from T` never both write a line). Channels and symbols
    select data lines; control lines have neither and are kept (they say where the data
    has gaps). The time window applies to every line, except that a file's `recording`
    header, which describes everything after it, is kept when it precedes the window.
    """

    start: str = ""
    end: str | None = None
    channels: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()

    @property
    def narrowing(self) -> bool:
        return bool(self.start or self.end is not None or self.channels or self.symbols)


class Recording:
    """One opened recording: its file, its compression, and what has been read of it.

    Opened eagerly (`Recording.open`), so that a missing or unreadable file is a usage error
    before the first line is written; read lazily, so memory does not depend on its size.
    """

    def __init__(self, path: str, file: IO[bytes], head: bytes, size: int | None) -> None:
        self.path = path
        self.size = size
        #: raw (compressed) bytes read so far: what a progress bar can compare with `size`
        self.bytes_read = len(head)
        #: complete lines read so far (kept or not)
        self.lines_read = 0
        self.malformed = 0
        self._file = file
        self._head = head
        self.kind = "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head.startswith(ZSTD_MAGIC) else "plain"
        #: how the compressed stream ended: None (cleanly, or plain), "truncated", "damaged: why"
        self._ending: str | None = None
        self._trailing = False
        self._warn: Warn = stderr_warn

    @classmethod
    def open(cls, path: str) -> Recording:
        """Open `path` (`-` is standard input); UsageError (exit 2) with the OS's reason if it can't be read."""
        try:
            if path == "-":
                file: IO[bytes] = os.fdopen(os.dup(0), "rb", buffering=0)
            else:
                file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            st = os.fstat(file.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            head = _read_exactly(file, len(ZSTD_MAGIC))
        except OSError as exc:
            file.close()
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        return cls(path, file, head, size)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()

    # ------------------------------------------------------------------ bytes

    def _raw(self) -> Iterator[bytes]:
        if self._head:
            yield self._head
        read = self._file.read
        while True:
            try:
                chunk = read(READ_SIZE)
            except OSError as exc:
                raise UsageError(f"cannot read {self.path}: {exc.strerror or exc}") from None
            if not chunk:
                return
            self.bytes_read += len(chunk)
            yield chunk

    def _decompressed(self) -> Iterator[bytes]:
        """The file's content, decompressed; how a compressed stream ended goes to `_ending`.

        Several gzip members or zstd frames one after the other (appended or rotated
        pieces) are read as one stream. Data that is neither after the end of one is
        noted and ignored.
        """
        if self.kind == "plain":
            yield from self._raw()
            return
        if self.kind == "gzip":
            magic: bytes = GZIP_MAGIC

            def fresh() -> Any:
                return zlib.decompressobj(wbits=31)

            errors: tuple[type[Exception], ...] = (zlib.error,)
        else:
            import zstandard

            magic = ZSTD_MAGIC
            dctx = zstandard.ZstdDecompressor()

            def fresh() -> Any:
                return dctx.decompressobj()

            errors = (zstandard.ZstdError,)
        dobj = fresh()
        open_member = False  # input fed to `dobj` that has not reached its end yet
        ignoring = False  # past the last member: what follows is not compressed data
        for chunk in self._raw():
            if ignoring:
                # zero padding (some tools add it) is not worth a word; anything else is
                self._trailing = self._trailing or bool(chunk.strip(b"\0"))
                continue
            while chunk:
                try:
                    out = dobj.decompress(chunk)
                except errors as exc:
                    self._ending = f"damaged: {exc}"
                    return
                if out:
                    yield out
                if not dobj.eof:
                    open_member = True
                    break
                open_member = False
                chunk = dobj.unused_data
                if chunk and not magic.startswith(chunk[: len(magic)]):
                    ignoring = True
                    self._trailing = bool(chunk.strip(b"\0"))
                    break
                dobj = fresh()
        if open_member:
            if self.kind == "gzip":
                with contextlib.suppress(zlib.error):
                    rest = dobj.flush()
                    if rest:
                        yield rest
            self._ending = "truncated"

    # ------------------------------------------------------------------ lines

    def _batches(self) -> Iterator[tuple[int, list[bytes]]]:
        """(number of the first line, complete lines without their `\\n`), a chunk at a time.

        A last line without a newline is kept if it is a whole JSON object (a file written
        without a final newline); otherwise it is the torn end of a killed recorder and is
        reported and dropped. Then the file's ending, if it was not clean, is reported.
        """
        warn = self._warn
        carry = b""
        skipping = False  # inside an over-long line: drop bytes up to the next newline
        number = 1
        for data in self._decompressed():
            if skipping:
                cut = data.find(b"\n")
                if cut < 0:
                    continue
                data = data[cut + 1 :]
                skipping = False
            if carry:
                data = carry + data
            parts = data.split(b"\n")
            carry = parts.pop()
            if len(carry) > MAX_LINE:
                self._malformed(number + len(parts), f"is longer than {MAX_LINE >> 20} MiB")
                self.lines_read += 1
                carry, skipping = b"", True
            if parts:
                self.lines_read += len(parts)
                yield number, parts
                number += len(parts)
        torn = False
        if carry.strip() and not skipping:
            if _whole_object(carry):
                self.lines_read += 1
                yield number, [carry]
            else:
                torn = True
        n = self.lines_read
        if self._ending == "truncated":
            warn(f"{self.path}: the compressed stream ends early (the recorder was killed?); {n} lines read")
        elif self._ending is not None:
            why = self._ending.removeprefix("damaged: ")
            warn(f"{self.path}: the compressed data is damaged ({why}); {n} lines read before it")
        elif torn:
            warn(f"{self.path}: the last line is incomplete; skipped")
        if self._trailing:
            warn(f"{self.path}: data after the end of the {self.kind} stream ignored")
        if self.malformed > SHOWN_MALFORMED:
            warn(f"{self.path}: {self.malformed} malformed lines skipped in all")

    def lines(self, warn: Warn = stderr_warn) -> Iterator[bytes]:
        """The file's complete lines, without their `\\n`, decompressed; problems go to `warn`."""
        self._warn = warn
        for _, batch in self._batches():
            yield from batch

    def _malformed(self, number: int, why: str) -> None:
        self.malformed += 1
        if self.malformed <= SHOWN_MALFORMED:
            more = " (more are counted, not shown)" if self.malformed == SHOWN_MALFORMED else ""
            self._warn(f"{self.path}: line {number} {why}; skipped{more}")

    # ------------------------------------------------------------------ records

    def records(self, filters: Filters = Filters(), warn: Warn = stderr_warn) -> Iterator[tuple[str, bytes]]:
        """(sort key, line) for every valid line the filters keep, in file order.

        The key is the line's `recv`, except for a `recording` header that precedes
        `--from`: it takes the window's start, so it comes out first and is not paced
        from a time outside the window. The file is read only up to the first line at or
        after `--to`: recordings are in receive order (that is how `record` writes them).

        Lines are checked (parsed) only if the filters may keep them: a line whose own
        `recv`, `channel` or `symbol` already excludes it, read from its bytes without a
        parse (`peek`), is dropped unchecked, which makes seeking to `--from` in a long
        file, or picking one symbol out of many, several times faster.
        """
        self._warn = warn
        loads = orjson.loads
        not_json = orjson.JSONDecodeError
        good_recv = _RECV.fullmatch
        start, end = filters.start, filters.end
        channels, symbols = filters.channels, filters.symbols
        peek = _peeker(filters) if filters.narrowing else None
        for first, batch in self._batches():
            for number, line in enumerate(batch, first):
                if peek is not None:
                    verdict = peek(line)
                    if verdict is _DROP:
                        continue
                    if verdict is _STOP:
                        return
                try:
                    obj = loads(line)
                    recv = obj["recv"]
                except not_json:
                    if line.strip():
                        self._malformed(number, "is not JSON")
                    continue
                except (KeyError, TypeError):
                    self._malformed(number, "has no recv" if type(obj) is dict else "is not a JSON object")
                    continue
                if type(recv) is not str or good_recv(recv) is None:
                    self._malformed(number, "has a recv that is not a feedcli receive time")
                    continue
                channel = obj.get("channel")
                if channel is None and "event" not in obj:
                    self._malformed(number, "is neither a data line (channel) nor a control line (event)")
                    continue
                if end is not None and recv >= end:
                    return
                key = recv
                if recv < start:
                    if channel is not None or obj.get("event") != "recording":
                        continue
                    key = start
                if channel is not None and (
                    (channels and channel not in channels) or (symbols and obj.get("symbol") not in symbols)
                ):
                    continue
                yield key, line


_KEEP, _DROP, _STOP = "keep", "drop", "stop"


def _peeker(filters: Filters) -> Callable[[bytes], str]:
    """A parse-free verdict on a line from its top-level fields: drop, stop, or keep (to check).

    Only fields before the first nested `{` are read: there they are certainly top-level
    keys (a `"` inside a JSON string is escaped, so `"recv":"` cannot occur in a value,
    and one after a backslash is skipped: it would end an odd key such as `x\\"recv`),
    and in feedcli's lines `provider`, `channel`, `symbol`, `ts` and `recv` all come before
    `data`. Whatever is not found there, or is escaped, gets "keep", and the full parse
    decides: this only ever drops lines the full check would drop too.
    """
    start = filters.start.encode()
    end = filters.end.encode() if filters.end is not None else None
    channels = frozenset(c.encode() for c in filters.channels)
    symbols = frozenset(s.encode() for s in filters.symbols)
    good_recv = _RECV_BYTES.fullmatch

    def value(head: bytes, key: bytes) -> bytes | None:
        at = head.find(key)
        if at < 1 or head[at - 1] == 0x5C:  # after a backslash: part of an odd key (x\"channel)
            return None
        at += len(key)
        stop = head.find(b'"', at)
        if stop < 0:
            return None
        found = head[at:stop]
        return None if b"\\" in found else found

    def peek(line: bytes) -> str:
        cut = line.find(b"{", 1)
        head = line if cut < 0 else line[:cut]
        at = head.find(b'"recv":"')
        if at > 0 and head[at - 1] != 0x5C:
            recv = head[at + 8 : at + 35]
            if recv < start and b'"event":"recording"' not in line:
                return _DROP
            if end is not None and recv >= end and good_recv(recv) is not None:
                return _STOP
        if channels:
            channel = value(head, b'"channel":"')
            if channel is not None and channel not in channels:
                return _DROP
        if symbols:
            symbol = value(head, b'"symbol":"')
            if symbol is not None and symbol not in symbols:
                return _DROP
        return _KEEP

    return peek


def open_lines(path: str, warn: Warn = stderr_warn) -> Iterator[bytes]:
    """The complete lines of a recording (without `\\n`), whatever its compression.

    The file is opened now, so a missing or unreadable one raises UsageError (exit 2)
    before anything is read; lines come lazily. What was lost at the end (a compressed
    stream that ends early, a torn last line) and malformed lines are reported to `warn`.
    """
    recording = Recording.open(path)

    def lines() -> Iterator[bytes]:
        try:
            yield from recording.lines(warn)
        finally:
            recording.close()

    return lines()


def merged(recordings: Sequence[Recording], filters: Filters, warn: Warn) -> Iterator[tuple[str, bytes]]:
    """All files' kept lines in receive-time order; equal times keep file order, then line order."""
    streams = [r.records(filters, warn) for r in recordings]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=_recv_key)


def _read_exactly(file: IO[bytes], n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = file.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def _whole_object(line: bytes) -> bool:
    try:
        return type(orjson.loads(line)) is dict
    except orjson.JSONDecodeError:
        return False


# ====================================================================== times


_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)


def parse_time(text: str, flag: str = "--from") -> str:
    """An ISO 8601 time (`2025-11-14`, `2025-11-14T08:30`, `...:00.5Z`, `...+03:30`) as a `recv` string.

    No zone means UTC, like `recv` itself: a recording is compared in the time it was
    stamped in, whatever the zone of the machine replaying it.
    """
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"{flag}: cannot read {text!r} as a time; give ISO 8601, e.g. 2025-11-14T08:30:00Z")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
        )
    except ValueError as exc:
        raise UsageError(f"{flag}: {text!r} is not a valid time ({exc})") from None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RecvSeconds:
    """Epoch seconds of a (validated) `recv` string; the date part is converted once per second."""

    __slots__ = ("_base", "_prefix")

    def __init__(self) -> None:
        self._prefix = ""
        self._base = 0

    def __call__(self, recv: str) -> float:
        prefix = recv[:19]
        if prefix != self._prefix:
            self._prefix = prefix
            self._base = calendar.timegm(
                (int(recv[0:4]), int(recv[5:7]), int(recv[8:10]), int(recv[11:13]), int(recv[14:16]), int(recv[17:19]))
            )
        return self._base + int(recv[20:26]) * 1e-6


# ====================================================================== output


class Output(Protocol):
    async def start(self) -> None: ...

    async def send(self, lines: list[bytes]) -> None:
        """Deliver lines (without `\\n`); return when more may be sent. May raise StopStream (reader gone)."""
        ...

    async def aclose(self) -> None: ...


def stdout_lines() -> LineWriter:
    """The line writer on standard output; a closed stdout (`>&-`) is a clear error, not a crash."""
    return LineWriter(standard_output())


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


# ====================================================================== progress


@dataclass
class Counters:
    """What the pump has done, for the progress bar and the end of the run."""

    lines: int = 0
    at: str | None = None


@dataclass
class Progress:
    """A one-line progress bar on stderr: bytes read of all files, lines written, lines/s.

    Drawn only when it helps and harms nothing: stderr a terminal, stdout not one (on a
    terminal stdout the lines, or the view, are the progress). Warnings are written above
    it (the line is cleared first), so the two never mix.
    """

    recordings: Sequence[Recording]
    counters: Counters
    stream: Any = None
    interval: float = 0.25
    _drawn: bool = False
    _mark: tuple[float, int] = (0.0, 0)
    _rate: float = 0.0
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.stream = self.stream or sys.stderr
        self._mark = (self._started, 0)

    def note(self, message: str) -> None:
        self._clear()
        self.stream.write(f"feedcli: {message}\n")
        self.stream.flush()

    async def run(self) -> None:
        while True:
            self.draw()
            await asyncio.sleep(self.interval)

    def finish(self) -> None:
        self.draw(final=True)
        self.stream.write("\n")
        self.stream.flush()
        self._drawn = False

    def draw(self, final: bool = False) -> None:
        now = time.monotonic()
        lines = self.counters.lines
        then, before = self._mark
        if final or then == self._started:  # the whole run, or its first second
            elapsed = now - self._started
            self._rate = lines / elapsed if elapsed > 0 else 0.0
        if not final and now - then >= 1.0:  # then the last second
            self._rate = (lines - before) / (now - then)
            self._mark = (now, lines)
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            width = 80
        text = self.render(width - 1)
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def render(self, width: int) -> str:
        read = sum(r.bytes_read for r in self.recordings)
        sizes = [r.size for r in self.recordings]
        total = None if None in sizes else sum(s for s in sizes if s is not None)
        fraction = min(1.0, read / total) if total else None
        parts = [f"{_size(read)}/{_size(total)}" if total is not None else _size(read)]
        parts.append(f"{self.counters.lines:,} lines")
        parts.append(f"{self._rate:,.0f} lines/s")
        at = self.counters.at
        if at:
            parts.append(f"at {at[:10]} {at[11:19]}")
        tail = "  ".join(parts)
        if fraction is None:
            return tail[:width]
        head = f"{fraction * 100:3.0f}% "
        room = width - len(head) - len(tail) - 4
        if room < 10:
            return (head + tail)[:width]
        bar_width = min(room, 40)
        filled = int(fraction * bar_width)
        bar = "=" * filled + (">" if filled < bar_width else "") + " " * max(0, bar_width - filled - 1)
        return f"{head}[{bar}]  {tail}"

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    if n < 1 << 20:
        return f"{n / 1024:.0f} KiB"
    if n < 1 << 30:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n / (1 << 30):.2f} GiB"


# ====================================================================== the replay


async def pump(records: Iterable[tuple[str, bytes]], out: Output, speed: float, counters: Counters) -> None:
    """Send every record to `out`, paced at `speed` (0: as fast as `out` takes them).

    A line is due at start + (its recv - the first recv) / speed on the loop's monotonic
    clock: lines that are late are written at once, in one batch, and later lines are
    still due on the original schedule, so lateness never accumulates. Lines are flushed
    before every sleep (a reader sees each line when it is due) and every FLUSH_AT bytes.
    """
    batch: list[bytes] = []
    size = 0
    key = None

    async def send() -> None:
        nonlocal batch, size
        counters.lines += len(batch)
        counters.at = key
        await out.send(batch)  # may take a while (a slow reader): due times are absolute
        batch, size = [], 0

    if speed <= 0:
        for key, line in records:  # noqa: B007 - send() reads key
            batch.append(line)
            size += len(line)
            if size >= FLUSH_AT:
                await send()
    else:
        clock = asyncio.get_running_loop().time
        seconds = RecvSeconds()
        first: float | None = None
        started = 0.0
        for key, line in records:
            t = seconds(key)
            if first is None:
                first, started = t, clock()
            due = started + (t - first) / speed
            if due - clock() > MIN_SLEEP:
                if batch:
                    await send()
                counters.at = key
                wait = due - clock()
                if wait > MIN_SLEEP:
                    await asyncio.sleep(wait)
            batch.append(line)
            size += len(line)
            if size >= FLUSH_AT:
                await send()
    if batch:
        await send()


@dataclass(frozen=True)
class ReplayOptions:
    """Everything `feedcli replay` was asked for, checked."""

    files: tuple[str, ...]
    speed: float = 1.0
    filters: Filters = Filters()
    view: bool = False
    fps: float = 10.0


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
        out: Output = _make_view(options) if options.view else stdout_lines()
        asyncio.run(_main(recordings, out, options))
    finally:
        for recording in recordings:
            recording.close()


def _make_view(options: ReplayOptions) -> ViewOutput:
    from feedcli.views.live import LiveView

    names = " ".join(os.path.basename(f) for f in options.files)
    return ViewOutput(LiveView(title=f"feedcli replay {names}"))


async def _main(recordings: list[Recording], out: Output, options: ReplayOptions) -> None:
    counters = Counters()
    progress: Progress | None = None
    warn: Warn = stderr_warn
    if not options.view and not _isatty(sys.stdout) and _isatty(sys.stderr):
        progress = Progress(recordings, counters)
        warn = progress.note
    await out.start()
    helpers = []
    if isinstance(out, ViewOutput):
        helpers.append(out.view.run(fps=options.fps))
    if progress is not None:
        helpers.append(progress.run())
    records = merged(recordings, options.filters, warn)
    try:
        ending = await run_until_done(
            pump(records, out, options.speed, counters),
            close=out.aclose,
            helpers=helpers,
            on_terminal=options.view or getattr(out, "on_terminal", False),
        )
    finally:
        if progress is not None:
            progress.finish()
    if ending is Ending.DONE and counters.lines == 0 and options.filters.narrowing:
        warn("no line matched --from/--to/--channel/--symbol")


def _isatty(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


# ====================================================================== --serve


class _QueueOutput:
    """Paced lines, decoded into events and handed to the replay server through a bounded queue."""

    def __init__(self, size: int = 1024) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)

    async def start(self) -> None:
        return None

    async def send(self, lines: list[bytes]) -> None:
        from feedcli.events import decode_line

        for line in lines:
            try:
                event = decode_line(line)
            except (ValueError, KeyError, TypeError):
                continue  # the reader has reported it already
            await self.queue.put(event)

    async def aclose(self) -> None:
        await self.queue.put(None)


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `:PORT` for loopback); UsageError (exit 2) otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--serve wants HOST:PORT, such as 127.0.0.1:8765, not {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def _survey(paths: Sequence[str], filters: Filters) -> dict[str, list[str]]:
    """The providers in the recordings and the symbols each has (one quick pass, no pacing)."""
    from feedcli.events import DataEvent, decode_line

    found: dict[str, dict[str, None]] = {}
    for path in paths:
        recording = Recording.open(path)
        try:
            for _key, line in recording.records(filters, lambda _m: None):
                try:
                    event = decode_line(line)
                except (ValueError, KeyError, TypeError):
                    continue
                if isinstance(event, DataEvent):
                    found.setdefault(event.provider, {})[event.symbol] = None
        finally:
            recording.close()
    return {provider: list(symbols) for provider, symbols in found.items()}


def serve(options: ReplayOptions, address: str) -> None:
    """Serve the recordings over their provider's own protocol, paced at `options.speed`.

    The timeline starts when the first client subscribes (see ReplayServer); the command
    ends when the recording has been played to every client, or on SIGINT/SIGTERM.
    """
    from feedcli.simulators.replay_server import ReplayServer

    host, port = parse_address(address)
    if "-" in options.files:
        raise UsageError("--serve reads the recording twice (to learn its symbols): give a file, not -")
    survey = _survey(options.files, options.filters)
    if not survey:
        raise UsageError("no data line to serve in " + ", ".join(options.files))
    if len(survey) > 1:
        raise UsageError(f"the recordings hold several providers ({', '.join(survey)}); --serve serves one at a time")
    ((provider, symbols),) = survey.items()

    async def main() -> None:
        recordings = [Recording.open(path) for path in options.files]
        out = _QueueOutput()
        pumping: list[asyncio.Task[None]] = []

        async def produce() -> None:
            try:
                await pump(merged(recordings, options.filters, stderr_warn), out, options.speed, Counters())
            finally:
                await out.aclose()  # the end of the recording, or of a failed read: the source ends

        async def source() -> AsyncIterator[Any]:
            task = asyncio.create_task(produce())
            pumping.append(task)
            while True:
                event = await out.queue.get()
                if event is None:
                    break
                yield event
            await task  # a read error surfaces here, and ends the replay with it

        server = ReplayServer(provider, source, host, port, symbols=symbols)
        started = False

        async def serve() -> None:
            nonlocal started
            try:
                await server.start()
            except OSError as exc:
                raise FeedError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
            started = True
            sys.stderr.write(server.banner() + "\n")
            for line in server.listing():
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
            await server.wait_finished()

        async def close() -> None:
            for task in pumping:
                task.cancel()
            await asyncio.gather(*pumping, return_exceptions=True)
            if started:
                await server.stop()
            for recording in recordings:
                recording.close()

        await run_until_done(serve(), close=close)

    asyncio.run(main())
