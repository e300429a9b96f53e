"""The NDJSON writer: stdout, a pipe or a file, one line per event, never losing one.

Lines are gathered in a buffer and written when the receive loop next yields to the event
loop (a `call_soon` flush). At low rates that is one write per line, at once; under a burst
it is one write per burst instead of a system call per line. A pipe is written through an
asyncio transport: when the reader is slow the transport's buffer passes its high-water
mark, `pressure()` returns a waiter, and the receiver stops reading the socket until the
pipe drains. Memory stays bounded, and the TCP window pushes back on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import time
from typing import IO

import orjson

from feedcli.errors import FeedError
from feedcli.events import DataEvent, Event
from feedcli.sinks.base import StopStream

#: bytes buffered before a synchronous flush, and the transport's high-water mark
FLUSH_AT = 64 * 1024
HIGH_WATER = 256 * 1024
_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE
#: seconds a reader may take nothing at the end before the rest is given up
DRAIN_STALL = 2.0


class PipeProtocol(asyncio.Protocol):
    """Flow control for a pipe written through the event loop (the NDJSON writer, replay)."""

    def __init__(self) -> None:
        #: a future while the pipe is over its high-water mark, None when there is room
        self.paused: asyncio.Future[None] | None = None
        self.lost = False
        self.error: OSError | None = None

    def pause_writing(self) -> None:
        if self.paused is None or self.paused.done():
            self.paused = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        paused, self.paused = self.paused, None
        if paused is not None and not paused.done():
            paused.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        # A reader that went away is a normal end; any other failure (a full disk) is not.
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError | ConnectionResetError):
            self.error = exc
        self.resume_writing()


class NdjsonWriter:
    """A Consumer that writes NDJSON lines to a file descriptor (stdout or an opened file)."""

    def __init__(self, fd: int, name: str = "stdout", *, owns_fd: bool = False, controls: bool = True) -> None:
        self.name = name
        self.controls = controls
        self._fd = fd
        self._owns_fd = owns_fd
        self._buf = bytearray()
        self._scheduled = False
        self._error: FeedError | None = None
        self._gone = False
        self._transport: asyncio.WriteTransport | None = None
        self._protocol: PipeProtocol | None = None
        self._pipe_file: IO[bytes] | None = None
        mode = os.fstat(fd).st_mode
        # Only pipes and sockets go through the event loop. A terminal is shared with the
        # shell (making it non-blocking would break both), and /dev/null or a file never
        # block long enough to matter: those are written directly.
        self._regular = not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode))

    async def start(self) -> None:
        """Attach pipes and terminals to the event loop; regular files are written directly."""
        if self._regular:
            return
        loop = asyncio.get_running_loop()
        # The transport owns (and closes) the file object it is given, so give it a duplicate.
        self._pipe_file = os.fdopen(os.dup(self._fd), "wb", buffering=0)
        try:
            transport, protocol = await loop.connect_write_pipe(PipeProtocol, self._pipe_file)
        except (ValueError, OSError):
            # not something the event loop can watch: fall back to direct writes
            self._pipe_file.close()
            self._pipe_file = None
            self._regular = True
            return
        transport.set_write_buffer_limits(high=HIGH_WATER)
        self._transport = transport
        self._protocol = protocol

    # ------------------------------------------------------------------ Consumer
    def emit(self, event: Event) -> None:
        if self._error is not None:
            raise self._error
        if self._protocol is not None and self._protocol.error is not None:
            self._error = FeedError(_write_error(self.name, self._protocol.error))
            raise self._error
        if self._gone:
            raise StopStream("the reader closed the pipe")
        if self.controls or type(event) is DataEvent:
            self._buf += _dumps(event.to_dict(), option=_NEWLINE)
        else:
            return
        if len(self._buf) >= FLUSH_AT:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def pressure(self) -> asyncio.Future[None] | None:
        protocol = self._protocol
        return protocol.paused if protocol is not None else None

    async def aclose(self) -> None:
        self._flush()
        transport = self._transport
        if transport is not None:
            protocol = self._protocol
            # Let the loop write what the transport still holds, unless the reader is gone
            # or has stopped reading: a reader that takes nothing for DRAIN_STALL seconds
            # would otherwise keep feedcli alive after SIGTERM forever.
            left = transport.get_write_buffer_size()
            stalled_since = time.monotonic()
            while protocol is not None and not protocol.lost and left:
                await asyncio.sleep(0.01)
                now_left = transport.get_write_buffer_size()
                if now_left < left:
                    stalled_since = time.monotonic()
                elif time.monotonic() - stalled_since > DRAIN_STALL:
                    self._error = self._error or FeedError(
                        f"{self.name}: the reader stopped reading; {now_left} bytes were not delivered"
                    )
                    transport.abort()
                    break
                left = now_left
            transport.close()
            self._transport = None
            if protocol is not None and protocol.error is not None and self._error is None:
                self._error = FeedError(_write_error(self.name, protocol.error))
            with contextlib.suppress(OSError):
                os.set_blocking(self._fd, True)
        if self._owns_fd:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        if self._error is not None:
            raise self._error

    # ------------------------------------------------------------------ writing
    def _flush(self) -> None:
        self._scheduled = False
        if not self._buf or self._error is not None:
            return
        data = bytes(self._buf)
        self._buf.clear()
        transport = self._transport
        if transport is not None:
            if self._protocol is not None and self._protocol.lost:
                if self._protocol.error is None:
                    self._gone = True
                return
            transport.write(data)
            return
        done = 0
        try:
            view = memoryview(data)
            while done < len(data):
                done += os.write(self._fd, view[done:])
        except BrokenPipeError:
            self._gone = True
        except OSError as exc:
            self._error = FeedError(_write_error(self.name, exc))
            self._cut_torn_line(data, done)

    def _cut_torn_line(self, data: bytes, done: int) -> None:
        """After a failed write, drop the part of a line that did reach a regular file."""
        if not self._regular or done == 0:
            return
        complete = data.rfind(b"\n", 0, done) + 1
        if complete == done:
            return
        with contextlib.suppress(OSError):
            end = os.lseek(self._fd, 0, os.SEEK_CUR)
            os.ftruncate(self._fd, end - (done - complete))


def _write_error(name: str, exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return f"cannot write {name}: the disk is full (lines up to the last complete one are kept)"
    return f"cannot write {name}: {exc.strerror or exc}"


def open_output(path: str, *, controls: bool = True) -> NdjsonWriter:
    """Open `-o FILE` for writing before anything connects, so a bad path fails at once.

    `-o -` is standard output, as for most tools.
    """
    if path == "-":
        return stdout_writer(controls=controls)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        raise FeedError(f"cannot open {path} for writing: {exc.strerror or exc}") from None
    return NdjsonWriter(fd, path, owns_fd=True, controls=controls)


def stdout_writer(*, controls: bool) -> NdjsonWriter:
    """The writer for standard output; a closed stdout (`>&-`) is a clear error, not a crash."""
    import sys

    if sys.stdout is None:
        raise FeedError("standard output is closed: give -o FILE")
    try:
        fd = sys.stdout.fileno()
        os.fstat(fd)
    except (OSError, ValueError):
        raise FeedError("standard output is closed: give -o FILE") from None
    return NdjsonWriter(fd, "stdout", controls=controls)
