"""Reading recordings: files (plain, gzip or zstd), their lines, the checks and filters, the merge.

Recordings are often cut short: a recorder killed with -9 (or a full disk) leaves a
compressed stream without its trailer and a plain file with a torn last line. Everything
that decompresses is replayed, and what was lost is said once, through `warn`. A bad line in
the middle is skipped and reported (the first few, then a count): a replay must never die on
line 3,000,001 of a day-long file.

Every kept line is parsed whole once to check it is a feedcli line before it is written:
finding `recv` by position alone would be faster, but would pass a torn or corrupt line on to
the reader, who would then fail where feedcli should have said what was wrong. The parse is
msgspec's into a struct of the four fields replay reads: it checks the whole line's JSON
syntax but builds no objects for `data`, 0.65 µs for a 690-byte line where `orjson.loads`
takes 1.9 (bench/README.md); the strings it skips are checked as UTF-8 a piece at a time
(lines.LineSplitter.utf8), or line by line where that is not known. A line it refuses is
parsed again with orjson, only to say what is wrong with it. `export` wants the objects
(`Recording.objects`): there the check is orjson's parse, which it keeps. The layers:
`Recording._raw` reads bounded chunks of the file, `decompress.Decompression` decompresses
them, `lines.LineSplitter` cuts complete lines, and `records` checks and filters them.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import IO, Any

import msgspec
import orjson

from feedcli.errors import UsageError
from feedcli.replay.decompress import HEAD_SIZE, Decompression, kind_of
from feedcli.replay.filters import DROP, STOP, Filters, peeker
from feedcli.replay.lines import MAX_LINE, LineSplitter
from feedcli.replay.times import RECV

#: bytes read from a file at a time (compressed bytes for a compressed file)
READ_SIZE = 1 << 20
#: malformed lines reported one by one per file; after that they are only counted
SHOWN_MALFORMED = 3
#: what `records` yields when a stretch of the file gave no line: (no key, no line). It gives
#: the event loop a turn (signals, the progress line) however long a bomb takes to read
TICK: tuple[str, bytes] = ("", b"")

_recv_key = itemgetter(0)

Warn = Callable[[str], None]


class _Line(msgspec.Struct):
    """The fields of a feedcli line that replay reads; the rest is checked and skipped."""

    recv: Any
    channel: Any = None
    event: Any = msgspec.UNSET
    symbol: Any = None


_decode_line = msgspec.json.Decoder(_Line).decode


def stderr_warn(message: str) -> None:
    """The default place for what replay has to say about a file: one line on stderr."""
    from feedcli.terminal import stderr_note

    stderr_note(f"feedcli: {message}")


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
        self.malformed = 0
        #: whether any line that is not blank was seen (a file of none is empty, not foreign)
        self._content = False
        #: how the compressed stream ended (decompress.Decompression.ending), once read
        self._ending: str | None = None
        self._file = file
        self._head = head
        self.kind = kind_of(head)
        self._lines = LineSplitter(self._too_long)
        self._warn: Warn = stderr_warn

    @property
    def lines_read(self) -> int:
        """Complete lines read so far (kept or not)."""
        return self._lines.count

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
            head = _read_exactly(file, HEAD_SIZE)
        except OSError as exc:
            file.close()
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        return cls(path, file, head, size)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()

    # ------------------------------------------------------------------ bytes and lines

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

    def _batches(self) -> Iterator[tuple[int, list[bytes]]]:
        """(number of the first line, complete lines), a chunk at a time; then what was lost, said once."""
        decompression = Decompression(self.kind, self._resynced)
        yield from self._lines.batches(decompression.chunks(self._raw()))
        self._ending = decompression.ending
        warn, n = self._warn, self.lines_read
        if decompression.ending == "truncated":
            warn(f"{self.path}: the compressed stream ends early (the recorder was killed?); {n} lines read")
        elif decompression.ending is not None:
            why = decompression.ending.removeprefix("damaged: ")
            warn(f"{self.path}: the compressed data is damaged ({why}); {n} lines read before it")
        elif self._lines.torn:
            warn(f"{self.path}: the last line is incomplete; skipped")
        if decompression.trailing:
            warn(f"{self.path}: data after the end of the {self.kind} stream ignored")
        if self.malformed > SHOWN_MALFORMED:
            warn(f"{self.path}: {self.malformed} malformed lines skipped in all")

    def lines(self, warn: Warn = stderr_warn) -> Iterator[bytes]:
        """The file's complete lines, without their `\\n`, decompressed; problems go to `warn`."""
        self._warn = warn
        for _, batch in self._batches():
            yield from batch

    def _resynced(self, why: str) -> None:
        self._warn(
            f"{self.path}: the compressed data is damaged after line {self.lines_read} ({why}); "
            f"skipped to the next {self.kind} {'member' if self.kind == 'gzip' else 'frame'}"
        )

    def _too_long(self, number: int) -> None:
        self._content = True
        self._malformed(number, f"is longer than {MAX_LINE >> 20} MiB")

    def _malformed(self, number: int, why: str) -> None:
        self.malformed += 1
        if self.malformed <= SHOWN_MALFORMED:
            more = " (more are counted, not shown)" if self.malformed == SHOWN_MALFORMED else ""
            self._warn(f"{self.path}: line {number} {why}; skipped{more}")

    # ------------------------------------------------------------------ records

    def records(
        self, filters: Filters = Filters(), warn: Warn = stderr_warn, *, ticks: bool = False
    ) -> Iterator[tuple[str, bytes]]:
        """(sort key, line) for every valid line the filters keep, in file order (see `_records`)."""
        return self._records(filters, warn, False, ticks)  # type: ignore[return-value]

    def objects(self, filters: Filters = Filters(), warn: Warn = stderr_warn) -> Iterator[tuple[str, dict[str, Any]]]:
        """(sort key, the line parsed) for every valid line the filters keep: what `export`
        reads, which would otherwise parse each line a second time."""
        return self._records(filters, warn, True, False)  # type: ignore[return-value]

    def _records(
        self, filters: Filters, warn: Warn, parsed: bool, ticks: bool
    ) -> Iterator[tuple[str, bytes | dict[str, Any]]]:
        """(sort key, line or its object) for every valid line the filters keep, in file order.

        With `ticks`, TICK after every chunk of the file that gave no line (see TICK).

        The key is the line's `recv`, except for a `recording` header that precedes
        `--from`: it takes the window's start, so it comes out first and is not paced
        from a time outside the window. The file is read only up to the first line at or
        after `--to`: recordings are in receive order (that is how `record` writes them).

        Lines are checked (parsed) only if the filters may keep them: a line whose own
        `recv`, `channel` or `symbol` already excludes it, read from its bytes without a
        parse (`peek`), is dropped unchecked, which makes seeking to `--from` in a long
        file, or picking one symbol out of many, several times faster.

        A file none of whose lines is a feedcli line (random bytes, /etc/passwd) is not a
        recording: UsageError (exit 2) in one line, the complaints about its lines withheld
        (they are held until a first good line shows the file is a recording). A file
        without a single line says so and plays nothing.
        """
        held: list[str] | None = []  # what was said before the first good line, or None after it

        def hold(message: str) -> None:
            if held is None:
                warn(message)
            elif len(held) <= SHOWN_MALFORMED + 3:
                held.append(message)

        def recording() -> None:
            nonlocal held
            if held is not None:
                for message in held:
                    warn(message)
                held = None

        self._warn = hold
        check = LineCheck(filters, self._malformed, on_good=recording)
        splitter = self._lines
        yield from check.records(self._batches(), parsed, ticks=ticks, utf8=lambda: splitter.utf8)
        if held is None:
            return
        if self._ending is not None and self._ending.startswith("damaged: "):
            why = self._ending.removeprefix("damaged: ")
            raise UsageError(f"{self.path}: the compressed data is damaged ({why}); no feedcli line could be read")
        if self._content or check.content:
            raise UsageError(f"{self.path} is not a feedcli recording: none of its lines is a feedcli NDJSON line")
        for message in held:
            warn(message)
        warn(f"{self.path} is empty: no line to replay")


class LineCheck:
    """The checks and filters every replayed line passes, from a file or read back from a sink.

    `records` takes (number of the first line, lines) batches and gives (sort key, line) for
    every valid line the filters keep; a malformed line goes to `malformed(number, why)`.
    It stops at the first line at or after `--to`, and then `ended` is True: lines come in
    receive order, so nothing after it can be kept. `on_good` is called at every line that
    is a feedcli line (kept or not); `content` says whether any line that is not blank came.
    """

    def __init__(
        self,
        filters: Filters,
        malformed: Callable[[int, str], None],
        on_good: Callable[[], None] = lambda: None,
    ) -> None:
        self.filters = filters
        self._malformed = malformed
        self._on_good = on_good
        self.ended = False
        self.content = False

    def records(
        self,
        batches: Iterable[tuple[int, list[bytes]]],
        parsed: bool = False,
        *,
        ticks: bool = False,
        utf8: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[str, bytes | dict[str, Any]]]:
        """`parsed`: give each kept line as the object its check parsed, not its bytes. With
        `ticks`, TICK after every batch that gave no line (see TICK). `utf8`, asked at each
        batch, says whether its lines are known to be UTF-8 (lines.LineSplitter.utf8);
        without it every line is checked."""
        return self._lines(batches, parsed, ticks, utf8)

    def _lines(
        self,
        batches: Iterable[tuple[int, list[bytes]]],
        parsed: bool,
        ticks: bool,
        utf8_known: Callable[[], bool] | None,
    ) -> Iterator[tuple[str, bytes | dict[str, Any]]]:
        """`records`: every line checked with msgspec (see the module's docstring); with
        `parsed`, a line that passes is parsed whole by orjson, once, for what is kept."""
        filters = self.filters
        loads = orjson.loads
        not_json = orjson.JSONDecodeError
        on_good = self._on_good
        decode = _decode_line
        refused = msgspec.MsgspecError
        unset = msgspec.UNSET
        good_recv = RECV.fullmatch
        start, end = filters.start, filters.end
        channels, symbols = filters.channels, filters.symbols
        peek = peeker(filters) if filters.narrowing else None
        seen = False  # whether on_good was called
        for first, batch in batches:
            utf8 = utf8_known is not None and utf8_known()
            quiet = True
            for number, line in enumerate(batch, first):
                if peek is not None:
                    verdict = peek(line)
                    if verdict is DROP:
                        if not seen:  # the peek found a feedcli line's fields in it
                            seen = True
                            on_good()
                        continue
                    if verdict is STOP:
                        on_good()
                        self.ended = True
                        return
                try:
                    obj = decode(line)
                except refused:
                    why = _what_is_wrong(line)
                    if why is not None:
                        self.content = True
                        self._malformed(number, why)
                    continue
                if not utf8 and not _is_utf8(line):
                    self.content = True
                    self._malformed(number, "is not UTF-8")
                    continue
                if parsed:
                    try:
                        whole = loads(line)
                    except not_json:  # what msgspec reads and orjson does not (a number out of range)
                        self.content = True
                        self._malformed(number, "is not JSON")
                        continue
                recv = obj.recv
                if type(recv) is not str or good_recv(recv) is None:
                    self.content = True
                    self._malformed(number, "has a recv that is not a feedcli receive time")
                    continue
                channel = obj.channel
                if channel is None and obj.event is unset:
                    self.content = True
                    self._malformed(number, "is neither a data line (channel) nor a control line (event)")
                    continue
                if not seen:
                    seen = True
                    on_good()
                if end is not None and recv >= end:
                    self.ended = True
                    return
                key = recv
                if recv < start:
                    if channel is not None or obj.event != "recording":
                        continue
                    key = start
                if channel is not None and (
                    (channels and channel not in channels) or (symbols and obj.symbol not in symbols)
                ):
                    continue
                quiet = False
                yield key, whole if parsed else line
            if quiet and ticks:
                yield TICK


def _is_utf8(line: bytes) -> bool:
    """Whether a line is UTF-8 (msgspec does not check the strings it skips)."""
    try:
        line.decode()
    except UnicodeDecodeError:
        return False
    return True


def _what_is_wrong(line: bytes) -> str | None:
    """Why a line msgspec refused is not a feedcli line (None: a blank line, skipped unsaid)."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "is not JSON" if line.strip() else None
    if type(obj) is not dict:
        return "is not a JSON object"
    if "recv" not in obj:
        return "has no recv"
    return "is not JSON"  # what orjson reads but msgspec does not (a number out of range)


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


def merged(
    recordings: Sequence[Recording], filters: Filters, warn: Warn, *, ticks: bool = False
) -> Iterator[tuple[str, bytes]]:
    """All files' kept lines in receive-time order; equal times keep file order, then line order.

    With `ticks`, TICKs among them (their key sorts first, so they come out at once): for `pacing.pump`."""
    streams = [r.records(filters, warn, ticks=ticks) for r in recordings]
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
