"""The recording writer behind `feedcli record`: rotating, optionally compressed NDJSON files.

A recording is left running for days or weeks, so a lost, torn or unreadable file is the
worst thing that can happen to it. Everything here follows from that:

- **The same lines as `stream`**, plus a header line at the top of *every* part (a
  `"event":"recording"` control line naming the provider, the subscription, the feedcli
  version, the recording's start and the part number), so any single file replays alone.
- **Rotation only between lines.** Before a line is written, the writer decides whether it
  still fits the current part; a line is never split across two files and never dropped.
- **Compression as a stream, flushed at line boundaries.** gzip and zstd output is held in
  memory and written to the file only at *sync points*: a zlib `Z_SYNC_FLUSH` or a zstd
  `FLUSH_BLOCK`, taken between lines. So whatever the file holds after a `kill -9`
  decompresses to complete lines only (after a power cut, at least what the last fsync
  covered does); the stream just lacks its end marker, which `zcat`/`zstd -d` report after
  giving the data, and `feedcli replay` reads up to it with a warning. On a clean close (end of
  `--duration`/`--limit`, SIGINT, SIGTERM, an error) the stream is finished properly.
- **A periodic flush** (every `flush_interval` seconds, 1 by default) takes a sync point,
  writes it and `fsync`s the file (in a worker thread, so a slow disk never stalls the
  receiver); a compressed part also takes one whenever SYNC_AT (128 KiB) of text has gone in
  since the last. That text and its sync point are compressed in a process of its own
  (compress_process.py: a thread, needing the GIL back for every call, lost more than it
  gained beside a busy receiver), a sync point a job, in order, so it overlaps receiving on a
  second core and the loop never waits for it unless MAX_PENDING jobs are out; the answers are
  taken back in order as they come and written then, and all of them before anything else
  touches the part (a periodic sync point, a rotation, the end), so the file still only ever
  ends at sync points. The writer writes every byte itself; the process only compresses. A
  crash of feedcli loses at most the lines since the last sync point written (and the jobs
  still out); plain files are written to
  the kernel at every turn of the event loop, so a crash costs them only the lines of that
  turn, and a power cut at most the last interval (plus the fsync).
- **A full disk** (ENOSPC, EFBIG from a file size limit, EDQUOT) or any other write error
  stops the recording with a FeedError (exit 1) and leaves the file valid: a plain file is
  cut back to its last complete line; a compressed file is cut back to its last sync point
  and sealed there with a hand-made end of stream (gzip: an empty final block and the
  CRC-32/length trailer, 10 bytes; zstd: an empty last block, 3 bytes), which fits in the
  space the cut freed unless the failed write got no byte at all. Sealed, it decompresses
  cleanly up to the last sync point; unsealed, it is the unfinished stream described above.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import math
import os
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

import orjson

import feedcli
from feedcli.errors import FeedError, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, RecvClock, encode_line
from feedcli.sinks.compress_process import Answer, CompressorProcess, RemoteStream
from feedcli.sinks.compression import COMPRESSIONS, PlainStream
from feedcli.sinks.naming import PartNames
from feedcli.sinks.scrub import scrub
from feedcli.sinks.writer import FLUSH_AT, KEPT_LINES, Batching, WriteFailed, write_all, write_error

_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE
#: uncompressed bytes after which a compressed part takes a sync point without waiting for the
#: periodic flush: bounds the text held for the compression process and the compressed output
#: held in memory, at a negligible cost in ratio. 128 KiB rather than 64: half the hand-overs,
#: record --compress zstd 0.76-0.79x -> 0.80x of stream (bench/README.md); a crash at full speed
#: loses a few milliseconds more (the periodic flush bounds it in time)
SYNC_AT = 128 * 1024
#: the compression process's jobs of a part the loop lets be out at once before it waits for
#: the oldest: a bound on the text held in memory (each job a sync point's, SYNC_AT or a little
#: more) and on what a crash can lose
MAX_PENDING = 4
#: fsync errors that only say "this file cannot be synced" (/dev/null, a pipe): not failures
_UNSYNCABLE = {errno.EINVAL, errno.EROFS, errno.ENOTSUP, errno.EBADF}


# ---------------------------------------------------------------------- parts
class _Part:
    """One file of the recording and where its stream stands."""

    def __init__(self, number: int, path: str, fd: int, codec: PlainStream, started: float) -> None:
        self.number = number
        self.path = path
        self.name = os.path.basename(path)
        self.fd = fd
        self.codec = codec
        self.started = started
        #: bytes in the file: for a compressed part always a sync point (or the finished end)
        self.size = 0
        #: compressed output not yet written: it is written only at sync points
        self.held = bytearray()
        #: uncompressed bytes given to the codec since the last sync point
        self.unsynced = 0
        #: the end-of-stream bytes matching the last sync point written (compressed parts)
        self.seal: bytes | None = None
        #: event lines in this part, the header not counted
        self.lines = 0
        #: `size` when the last fsync began
        self.fsynced = 0
        #: the directory entry of a new file must be fsynced too, once
        self.dir_pending = True
        #: wall-clock time at which interval rotation ends this part
        self.rotate_at: float | None = None
        #: finished (end of stream written) or abandoned after a write error
        self.done = False
        #: text handed to the compression process and not yet taken back, in order: (its job,
        #: its size); a job answers (the compressed text and its sync point, that sync point's seal)
        self.pending: deque[tuple[Answer, int]] = deque()
        #: the uncompressed bytes of `pending`
        self.pending_bytes = 0
        #: text of this part not yet given to the codec (compressed parts: held for the process)
        self.raw = bytearray()


def _fsync_close(fd: int, directory: str | None, close: bool) -> OSError | None:
    """fsync a file (and its directory's entry), then close it: run in a worker thread.

    Returns the error rather than raising it, so the caller decides what it means.
    """
    error: OSError | None = None
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _UNSYNCABLE:
            error = exc
    if directory is not None:
        with contextlib.suppress(OSError):
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    if close:
        try:
            os.close(fd)
        except OSError as exc:
            error = error or exc
    return error


def _write_error(part: _Part, exc: OSError, sealed: bool = False) -> FeedError:
    """A failed write or fsync of a part, saying what its file still holds after a full disk."""
    if not part.codec.compressed:
        kept = KEPT_LINES
    elif sealed:
        kept = "lines up to the last flush are kept"
    else:
        kept = "it decompresses up to the last flush, without its end marker"
    return FeedError(write_error(part.path, exc, kept))


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# ---------------------------------------------------------------------- the writer
class RecordingWriter(Batching):
    """A Consumer that records every event into rotating, optionally compressed NDJSON files.

    `path` is a file name (the first part is exactly that file, which must not exist yet;
    later parts are `NAME.0002.EXT`, `NAME.0003.EXT`, ...) or a directory (an existing one,
    or any path ending in `/`, created if needed) in which every part is a new file named
    `PROVIDER-YYYYmmddTHHMMSSZ.ndjson[.gz|.zst]` by the UTC time it starts.

    Call `open()` before connecting (it creates the first file, so a bad path fails first),
    `await start()` for the periodic flush, `emit()` per event and
    `await aclose()` once at the end, however the run ends.
    """

    def __init__(
        self,
        path: str,
        *,
        provider: str,
        describe: dict[str, Any],
        rotate_size: int | None = None,
        rotate_interval: float | None = None,
        compress: str = "none",
        flush_interval: float = 1.0,
    ) -> None:
        if compress not in COMPRESSIONS:
            raise UsageError(f"unknown compression {compress!r}: use one of {', '.join(COMPRESSIONS)}")
        if rotate_size is not None and rotate_size < 1:
            raise UsageError("--rotate-size must be at least one byte")
        if rotate_interval is not None and not rotate_interval > 0:
            raise UsageError("--rotate-interval must be more than zero")
        if not flush_interval > 0:
            raise UsageError("the flush interval must be more than zero")
        if not path or path == "-":
            raise UsageError("record writes files: give -o FILE or -o DIRECTORY/")
        super().__init__()
        self.path = path
        self.provider = provider
        self.describe = scrub(describe)
        self.rotate_size = rotate_size
        self.rotate_interval = rotate_interval
        self.compress = compress
        #: whether emit has to consider rotating (off the hot path when not)
        self._rotating = rotate_size is not None or rotate_interval is not None
        self.flush_interval = flush_interval
        self.messages = 0
        self.reconnects = 0
        self._lines = 0
        self._files: list[str] = []
        self._retired_bytes = 0
        self._part: _Part | None = None
        self._names = PartNames(path, provider, compress)
        self._clock = RecvClock()
        self._started = 0.0
        self._error: FeedError | None = None
        self._opened = False
        self._closed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._closing: set[asyncio.Task[None]] = set()
        #: the process that holds the codec and compresses (compressed recordings)
        self._process: CompressorProcess | None = None
        #: what the last control line said of the connection (None before the first)
        self.connected: bool | None = None

    # ------------------------------------------------------------------ what tests and a status line see
    @property
    def files(self) -> list[str]:
        """Every part's path, in the order they were started."""
        return list(self._files)

    @property
    def lines(self) -> int:
        """Event lines accepted (data and control), headers not counted."""
        return self._lines

    @property
    def bytes_written(self) -> int:
        """Bytes in the files (compressed bytes when compressing), headers included."""
        part = self._part
        return self._retired_bytes + (part.size if part is not None else 0)

    @property
    def current_file(self) -> str | None:
        part = self._part
        return part.path if part is not None else None

    @property
    def current_size(self) -> int:
        """Bytes of the current part so far, including compressed output that waits for its sync point."""
        part = self._part
        return part.size + len(part.held) if part is not None else 0

    # ------------------------------------------------------------------ opening
    def open(self) -> None:
        """Create the first part and write its header, now, before anything connects.

        An unwritable path, a missing directory or a full disk is a FeedError here, and a file
        that exists already a UsageError (naming.PartNames), so the user learns it at once and
        not after the first message arrives.
        """
        if self._opened:
            return
        self._opened = True
        self._names.prepare()
        self._started = time.time()
        self._part = self._open_part(1, self._started)
        if self._error is not None:
            part, self._part = self._part, None
            self._closed = True
            if part is not None:
                with contextlib.suppress(OSError):
                    os.close(part.fd)
            self._stop_process()
            raise self._error

    def _open_part(self, number: int, started: float) -> _Part | None:
        """Create a part's file and write its header; a failure is stored in `_error`."""
        try:
            codec = self._codec()  # first: a process that cannot start leaves no empty file
            path, fd = self._names.create(number, started)
        except FeedError as exc:
            self._error = exc
            return None
        part = _Part(number, path, fd, codec, started)
        if self.rotate_interval is not None:
            step = self.rotate_interval
            # aligned to UTC multiples of the interval: 1h parts start on the hour, 1d at midnight
            part.rotate_at = (math.floor(started / step) + 1) * step
        self._files.append(path)
        fields: dict[str, Any] = {
            "feedcli": feedcli.__version__,
            "started": self._clock.format(self._started),
            "part": number,
            "file": part.name,
        }
        for key, value in self.describe.items():
            if key not in fields and key not in ("provider", "event", "recv"):
                fields[key] = value
        header = encode_line(ControlEvent(self.provider, "recording", self._clock.format(started), fields))
        if part.codec.compressed:
            try:
                part.held += part.codec.compress(header)
            except FeedError as exc:
                self._lost(part, exc)
                return part
            part.unsynced += len(header)
            self._sync(part)  # a compressed part starts as a valid (unfinished) stream
        else:
            self._write(part, header)
        return part

    def _codec(self) -> PlainStream:
        """A new part's codec: plain, or held by the compression process (started with the first)."""
        if self.compress == "none":
            return PlainStream()
        if self._process is None:
            self._process = CompressorProcess()
            self._process.on_answers = self._answers
        return RemoteStream(self._process, self.compress)

    def _answers(self) -> None:
        part = self._part
        if part is not None:
            self._settle_done(part)

    # ------------------------------------------------------------------ running
    async def start(self) -> None:
        """Start the periodic flush, and take the compression process's answers as they come."""
        if not self._opened:
            self.open()
        process = self._process
        if process is not None:
            loop = asyncio.get_running_loop()
            loop.add_reader(process.fileno, process.answers_ready)
            process.unwatch = lambda: loop.remove_reader(process.fileno)
        self._tasks.append(asyncio.create_task(self._flusher(), name="recording-flush"))

    def emit(self, event: Event) -> None:
        """Append one line to the current part, rotating first if the line would not fit it."""
        if self._error is not None:
            raise self._error
        part = self._part
        if part is None:
            raise FeedError("the recording is not open")
        line = _dumps(event.to_dict(), option=_NEWLINE)  # encode_line, without the call
        if self._rotating:
            part = self._part_for(part, len(line))
        self._buf += line
        part.lines += 1
        self._lines += 1
        if type(event) is DataEvent:
            self.messages += 1
        else:
            self._note_control(event)
        self._flush_if_due()

    def emit_lines(self, lines: Sequence[bytes]) -> None:
        """Data lines codecs made themselves (the line path, `Codec.line`), as they are; each
        counts as a message and a line, as `emit` counts a data event's."""
        if self._error is not None:
            raise self._error
        part = self._part
        if part is None:
            raise FeedError("the recording is not open")
        if self._rotating:  # a line at a time, each may start a part
            for line in lines:
                self._rotating_data_line(line)
            return
        count = len(lines)
        self._buf += b"".join(lines)
        part.lines += count
        self._lines += count
        self.messages += count
        self._flush_if_due()

    def _rotating_data_line(self, line: bytes) -> None:
        """`emit`'s work for one finished data line, when parts rotate."""
        part = self._part
        assert part is not None
        part = self._part_for(part, len(line))
        self._buf += line
        part.lines += 1
        self._lines += 1
        self.messages += 1
        self._flush_if_due()

    def _part_for(self, part: _Part, size: int) -> _Part:
        """The part a line of `size` bytes goes to: a new one when the interval is over or the
        line would take the current one past --rotate-size (a part holds one line at least)."""
        due = part.rotate_at is not None and time.time() >= part.rotate_at
        if due or (self.rotate_size is not None and part.lines and self._would_overflow(part, size)):
            part = self._rotate()
        if self._error is not None:
            raise self._error
        if part is None:
            raise FeedError("the recording is not open")
        return part

    def _flush_if_due(self) -> None:
        """Schedule the write (a full buffer, or none scheduled yet): the only step of an emit
        that can fail a write, whose error is raised to the emitter."""
        if len(self._buf) >= FLUSH_AT or not self._scheduled:
            self._later()
            if self._error is not None:
                raise self._error

    def pressure(self) -> None:
        """Never: files are written synchronously, a batch per turn of the event loop."""
        return None

    def flush(self) -> None:
        """Write everything accepted so far as complete lines (a sync point when compressing).

        The periodic flush calls this, then fsyncs; so does rotation. Exposed for tests.
        """
        self._hand_on()
        part = self._part
        if part is not None and not part.done and self._error is None:
            self._sync(part)

    async def aclose(self) -> None:
        """Finish the current part's stream, fsync and close it; raise the error that stopped writing.

        The end of stream is written synchronously, before the first `await`: a second
        SIGINT (which makes the pipeline exit at once) can only come after the file is
        complete. Safe to call more than once.
        """
        if self._closed:
            if self._error is not None:
                raise self._error
            return
        self._closed = True
        part, self._part = self._part, None
        if part is not None:
            self._pump_into(part)
            self._finish(part)
        self._stop_process()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if part is not None:
            self._retired_bytes += part.size
            directory = (os.path.dirname(part.path) or ".") if part.dir_pending else None
            error = await asyncio.to_thread(_fsync_close, part.fd, directory, True)
            if error is not None and self._error is None:
                self._error = _write_error(part, error)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self._error is not None:
            raise self._error

    # ------------------------------------------------------------------ writing
    def _hand_on(self) -> None:
        self._scheduled = False
        part = self._part
        if part is None:
            self._buf.clear()
            return
        self._pump_into(part)

    def _pump_into(self, part: _Part) -> None:
        """Hand the buffered lines to the part: written at once (plain) or compressed and held."""
        if not self._buf:
            return
        if self._error is not None or part.done:
            self._buf.clear()
            return
        if part.codec.compressed:
            part.unsynced += len(self._buf)
            part.raw += self._buf  # one copy: the text goes to the process from `raw` itself
            self._buf.clear()
            self._to_process(part)
        else:
            data = bytes(self._buf)
            self._buf.clear()
            self._write(part, data)

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.unwatch is not None:
            with contextlib.suppress(RuntimeError, ValueError, OSError):  # the loop is closed
                process.unwatch()
        process.close()

    def _to_process(self, part: _Part) -> None:
        """Once SYNC_AT bytes of text are held in `part.raw` since the last sync point, hand
        them to the compression process, which compresses them and takes a sync point behind
        what it already has of this part, in order. The loop takes the answers back in the same order
        as they come (`_settle_done`) and waits for one only when MAX_PENDING are out. Why
        whole sync points and not a turn's lines a job: a job's hand-over and answer cost more
        than compressing a turn (bench/README.md)."""
        if part.unsynced < SYNC_AT:
            return
        codec = part.codec
        if not isinstance(codec, RemoteStream) or not _loop_running():
            self._sync(part)  # a synchronous caller: nothing to overlap with
            return
        if len(part.pending) >= MAX_PENDING:
            self._settle(part, keep=MAX_PENDING - 1)
        if part.done or self._error is not None:
            return
        size = len(part.raw)
        part.unsynced = 0
        try:
            job = codec.submit(part.raw)  # written to the pipe before it returns
        except FeedError as exc:
            self._lost(part, exc)
            return
        finally:
            part.raw.clear()
        part.pending.append((job, size))
        part.pending_bytes += size

    def _feed_raw(self, part: _Part) -> None:
        """The text held for the next job, compressed now (the jobs out settled first)."""
        self._settle(part)
        if part.raw and not part.done and self._error is None:
            part.held += part.codec.compress(bytes(part.raw))
        part.raw.clear()

    def _settle_done(self, part: _Part) -> None:
        """Take back the compression process's answers that are ready, in order, without waiting."""
        pending = part.pending
        while pending and pending[0][0].done():
            self._take(part)

    def _settle(self, part: _Part, keep: int = 0) -> None:
        """Wait for the process's answers for this part (all but the last `keep`), in order.

        Called before anything else touches the part's codec or size, so bytes reach the
        file in order.
        """
        while len(part.pending) > keep:
            self._take(part)

    def _take(self, part: _Part) -> None:
        """The oldest answer of the process: its bytes (they end at a sync point) written."""
        job, size = part.pending.popleft()
        part.pending_bytes -= size
        try:
            out, seal = job.result()
        except FeedError as exc:  # the compression process is gone
            self._lost(part, exc)
            return
        if part.done or self._error is not None:
            return
        part.held += out
        data = bytes(part.held)
        part.held.clear()
        if self._write(part, data):
            part.seal = seal

    def _lost(self, part: _Part, exc: FeedError) -> None:
        """The compression process failed: stop writing; the file ends at its last sync point."""
        part.done = True
        self._error = self._error or exc

    def _sync(self, part: _Part) -> None:
        """Take a sync point and write the compressed bytes held up to it."""
        if not part.codec.compressed or part.done or self._error is not None:
            return
        try:
            self._sync_codec(part)
        except FeedError as exc:
            self._lost(part, exc)

    def _sync_codec(self, part: _Part) -> None:
        self._feed_raw(part)
        if part.done or self._error is not None:
            return
        if not part.unsynced and not part.held:
            return
        part.held += part.codec.sync()
        part.unsynced = 0
        seal = part.codec.seal()
        data = bytes(part.held)
        part.held.clear()
        if self._write(part, data):
            part.seal = seal

    def _finish(self, part: _Part) -> None:
        """Write the end of the part's stream (gzip trailer, zstd end of frame)."""
        if part.done:
            return
        try:
            self._feed_raw(part)
            if part.codec.compressed and self._error is None and not part.done:
                data = bytes(part.held) + part.codec.finish()
                part.held.clear()
                part.unsynced = 0
                self._write(part, data)
        except FeedError as exc:
            self._lost(part, exc)
        part.done = True

    def _write(self, part: _Part, data: bytes) -> bool:
        """Write all of `data` at the end of the part; on failure, leave the file valid and store the error."""
        try:
            part.size += write_all(part.fd, data)
        except WriteFailed as failed:
            self._fail(part, data, failed.done, failed.error)
            return False
        return True

    def _fail(self, part: _Part, data: bytes, done: int, exc: OSError) -> None:
        """After a failed write: cut what reached the file back to a valid end, and stop writing.

        Plain parts keep every complete line that reached the file. A compressed part is
        written only at sync points, so the bytes before this write end at one: cut back to
        it, and write the matching end of stream by hand, which fits in the space the cut
        bytes freed (10 bytes for gzip, 3 for zstd) unless the failed write got nowhere.
        """
        part.done = True
        sealed = False
        reached = part.size + done
        keep = part.size if part.codec.compressed else part.size + data.rfind(b"\n", 0, done) + 1
        cut = keep == reached
        if not cut:
            try:
                os.ftruncate(part.fd, keep)
                os.lseek(part.fd, keep, os.SEEK_SET)  # or the seal would land after a hole
                cut = True
            except OSError:
                keep = reached  # not a regular file (/dev/full): nothing to cut
        part.size = keep
        if part.codec.compressed and part.seal is not None and cut:
            try:
                part.size += write_all(part.fd, part.seal)
                sealed = True
            except WriteFailed:
                with contextlib.suppress(OSError):
                    os.ftruncate(part.fd, part.size)
        self._error = _write_error(part, exc, sealed)

    def _would_overflow(self, part: _Part, size: int) -> bool:
        """Would this line take the part past `rotate_size`? Only ever answers yes too early.

        Plain parts count exactly. A compressed part counts its written bytes plus the
        *uncompressed* bytes since its last sync point, an upper bound; when that bound says
        no room, a sync point gives the exact figure before deciding, so parts end close to
        the size asked for (a sync costs a few bytes and only happens near the end).
        """
        limit = self.rotate_size or 0
        codec = part.codec
        bound = part.size + len(part.held) + part.pending_bytes + part.unsynced + len(self._buf) + size + codec.margin
        if bound <= limit:
            return False
        if codec.compressed and (part.unsynced or part.pending or self._buf):
            self._pump_into(part)
            self._sync(part)
            return part.size + size + codec.margin > limit
        return True

    def _rotate(self) -> _Part | None:
        """End the current part between two lines and start the next one."""
        old = self._part
        if old is None:
            return None
        self._pump_into(old)
        self._sync(old)
        self._finish(old)
        self._retired_bytes += old.size
        self._part = None
        self._retire(old)
        if self._error is not None:
            return None
        now = time.time()
        if old.rotate_at is not None and now >= old.rotate_at:
            # an interval part starts at its slot's boundary (the latest one, after a suspend),
            # so its name and header say 11:00:00, not when the first line or tick came after it
            step = self.rotate_interval or 1.0
            now = max(old.rotate_at, math.floor(now / step) * step)
        self._part = self._open_part(old.number + 1, now)
        return self._part

    def _retire(self, part: _Part) -> None:
        """fsync and close a finished part in a worker thread, so rotation never waits on the disk."""
        directory = (os.path.dirname(part.path) or ".") if part.dir_pending else None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            error = _fsync_close(part.fd, directory, True)
            if error is not None and self._error is None:
                self._error = _write_error(part, error)
            return

        async def close() -> None:
            error = await asyncio.to_thread(_fsync_close, part.fd, directory, True)
            if error is not None and self._error is None:
                self._error = _write_error(part, error)

        task = loop.create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _flusher(self) -> None:
        """Every `flush_interval`: write a sync point and fsync it; rotate parts whose time is up."""
        loop = asyncio.get_running_loop()
        due = loop.time() + self.flush_interval
        while True:
            delay = due - loop.time()
            part = self._part
            if part is not None and part.rotate_at is not None:
                delay = min(delay, part.rotate_at - time.time())
            await asyncio.sleep(max(0.0, delay))
            part = self._part
            if part is None or self._error is not None:
                return
            if part.rotate_at is not None and time.time() >= part.rotate_at:
                # ends on time even when no line comes: an hourly part closes on the hour
                self._rotate()
            if loop.time() < due:
                continue
            due += self.flush_interval
            if due < loop.time():  # a slow fsync: do not try to catch up
                due = loop.time() + self.flush_interval
            self.flush()
            await self._fsync_current()

    async def _fsync_current(self) -> None:
        part = self._part
        if part is None or part.done or part.size == part.fsynced:
            return
        part.fsynced = part.size
        directory = (os.path.dirname(part.path) or ".") if part.dir_pending else None
        part.dir_pending = False
        # A duplicate the worker closes itself: a rotation may close the part's own fd meanwhile.
        try:
            fd = os.dup(part.fd)
        except OSError:  # out of descriptors: sync on the loop this once rather than not at all
            error = _fsync_close(part.fd, directory, False)
        else:
            error = await asyncio.to_thread(_fsync_close, fd, directory, True)
        if error is not None and self._error is None:
            self._error = _write_error(part, error)

    # ------------------------------------------------------------------ counters
    def _note_control(self, event: Event) -> None:
        name = getattr(event, "event", "")
        if name == "reconnected":
            self.reconnects += 1
            self.connected = True
        elif name == "connected":
            self.connected = True
        elif name == "disconnected":
            self.connected = False
