"""Reading recordings: files (plain, gzip or zstd), their lines, the checks and filters, the merge.

Recordings are often cut short: a recorder killed with -9 (or a full disk) leaves a
compressed stream without its trailer and a plain file with a torn last line. Everything
that decompresses is replayed, and what was lost is said once, through `warn`. A bad line in
the middle is skipped and reported (the first few, then a count): a replay must never die on
line 3,000,001 of a day-long file.

Every kept line is parsed once (orjson) to check it is a feedcli line before it is written:
finding `recv` by position alone would be faster, but would pass a torn or corrupt line on to
the reader, who would then fail where feedcli should have said what was wrong. The layers:
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
from typing import IO

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

_recv_key = itemgetter(0)

Warn = Callable[[str], None]


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
        decompression = Decompression(self.kind)
        yield from self._lines.batches(decompression.chunks(self._raw()))
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

    def _too_long(self, number: int) -> None:
        self._malformed(number, f"is longer than {MAX_LINE >> 20} MiB")

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
        return LineCheck(filters, self._malformed).records(self._batches())


class LineCheck:
    """The checks and filters every replayed line passes, from a file or read back from a sink.

    `records` takes (number of the first line, lines) batches and gives (sort key, line) for
    every valid line the filters keep; a malformed line goes to `malformed(number, why)`.
    It stops at the first line at or after `--to`, and then `ended` is True: lines come in
    receive order, so nothing after it can be kept.
    """

    def __init__(self, filters: Filters, malformed: Callable[[int, str], None]) -> None:
        self.filters = filters
        self._malformed = malformed
        self.ended = False

    def records(self, batches: Iterable[tuple[int, list[bytes]]]) -> Iterator[tuple[str, bytes]]:
        filters = self.filters
        loads = orjson.loads
        not_json = orjson.JSONDecodeError
        good_recv = RECV.fullmatch
        start, end = filters.start, filters.end
        channels, symbols = filters.channels, filters.symbols
        peek = peeker(filters) if filters.narrowing else None
        for first, batch in batches:
            for number, line in enumerate(batch, first):
                if peek is not None:
                    verdict = peek(line)
                    if verdict is DROP:
                        continue
                    if verdict is STOP:
                        self.ended = True
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
                    self.ended = True
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
