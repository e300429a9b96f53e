"""The one writer of lines: every byte feedcli sends out as lines passes through here.

Standard output and `-o FILE` (`NdjsonWriter`, which encodes events), replay's output (raw
recorded lines, `LineWriter.send`) and the parts of a recording (which write through
`write_all` and report through `write_error`) follow one set of rules:

- **Batches.** Lines are gathered and handed on when the event loop next turns (a
  `call_soon`), or at once past FLUSH_AT bytes: at low rates one write per line, at once;
  under a burst one write per burst instead of a system call per line (`Batching`).
- **Pipes and sockets** are written through an asyncio transport. When the reader is slow
  the transport's buffer passes HIGH_WATER, `pressure()` returns a waiter, and whoever
  produces the lines (the receive loop, replay's pump) waits before making more: memory
  stays bounded, and a TCP window pushes back on the server. Terminals (shared with the
  shell: making one non-blocking would break both), regular files and /dev/null never
  block long enough to matter and are written directly, by the one loop in `write_all`.
- **The end.** What the transport still holds is written before the run exits, unless the
  reader is gone or takes nothing for DRAIN_STALL seconds: a reader that stopped reading
  would otherwise keep feedcli alive after SIGTERM forever.
- **Failures,** said once and in one wording (`write_error`): a reader that leaves (EPIPE:
  `| head`) ends the run normally (StopStream); a terminal that vanished ends it quietly
  (TerminalGone); anything else, such as a full disk, is a FeedError (exit 1) after the
  torn part of a line was cut from a regular file, so the file keeps complete lines only.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import time
from typing import IO

from feedcli import terminal
from feedcli.errors import FeedError
from feedcli.sinks.base import StopStream

#: bytes gathered before they are written at once rather than at the next turn of the loop
FLUSH_AT = 64 * 1024
#: a pipe transport's high-water mark: above it, producers wait for the reader
HIGH_WATER = 256 * 1024
#: seconds a reader may take nothing at the end before the rest is given up
DRAIN_STALL = 2.0
#: errors that mean "no room left": a full disk, a file size limit, a quota
DISK_FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
#: what a plain file keeps after a failed write (its torn last line is cut off)
KEPT_LINES = "lines up to the last complete one are kept"


class WriteFailed(Exception):
    """A write that stopped part way: `done` bytes of it reached the file before `error`."""

    def __init__(self, done: int, error: OSError) -> None:
        super().__init__(error)
        self.done = done
        self.error = error


def write_all(fd: int, data: bytes | bytearray | memoryview) -> int:
    """Write all of `data` to `fd` (blocking); WriteFailed says how much got there if it cannot."""
    done = 0
    view = memoryview(data)
    size = len(view)
    try:
        while done < size:
            done += os.write(fd, view[done:])
    except OSError as exc:
        raise WriteFailed(done, exc) from None
    return done


def write_error(name: str, exc: OSError, kept: str | None = None) -> str:
    """The one wording of a failed write; `kept` says what the file still holds after a full disk."""
    if exc.errno in DISK_FULL:
        return f"cannot write {name}: the disk is full" + (f" ({kept})" if kept else "")
    return f"cannot write {name}: {exc.strerror or exc}"


def reader_gone() -> StopStream:
    return StopStream("the reader closed the pipe")


class PipeProtocol(asyncio.Protocol):
    """Flow control for a pipe written through the event loop."""

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


class Batching:
    """Bytes gathered in `_buf` and handed on by `_hand_on()` when the loop next turns, or past FLUSH_AT.

    Subclasses append to `_buf`, then call `_later()` when `len(_buf) >= FLUSH_AT or not
    _scheduled` (checked inline on hot paths, so the common case costs no call).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scheduled = False

    def _later(self) -> None:
        if len(self._buf) >= FLUSH_AT:
            self._hand_on()
        elif not self._scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a synchronous caller): now, then
                self._hand_on()
                return
            self._scheduled = True
            loop.call_soon(self._hand_on)

    def _hand_on(self) -> None:
        """Take everything in `_buf` and pass it on; must clear `_scheduled`."""
        raise NotImplementedError


class LineWriter(Batching):
    """Whole lines to one file descriptor, batched, never lost, never blocking the loop on a pipe.

    `await start()` before the first line (it attaches a pipe to the event loop); `write()`
    takes bytes of whole lines, `send()` a batch of raw lines and waits while the reader is
    behind; `await aclose()` once at the end. A failure is raised by the next `write`/`send`
    (what stopped the writing: StopStream, TerminalGone or FeedError) and by `aclose` (a
    FeedError only: a reader or terminal that went away is not an error of the run).
    """

    def __init__(self, fd: int, name: str = "stdout", *, owns_fd: bool = False) -> None:
        super().__init__()
        self.name = name
        self._fd = fd
        self._owns_fd = owns_fd
        #: what stopped the writing, raised by the next write; None while all is well
        self._failure: Exception | None = None
        self._transport: asyncio.WriteTransport | None = None
        self._protocol: PipeProtocol | None = None
        mode = os.fstat(fd).st_mode
        self._piped = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
        self._regular = stat.S_ISREG(mode)
        #: whether the lines go to the user's terminal (then the run ends if it vanishes)
        self.on_terminal = not self._piped and os.isatty(fd)

    async def start(self) -> None:
        """Attach a pipe or socket to the event loop; everything else is written directly."""
        if not self._piped or self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        # The transport owns (and closes) the file object it is given, so give it a duplicate.
        pipe: IO[bytes] = os.fdopen(os.dup(self._fd), "wb", buffering=0)
        try:
            transport, protocol = await loop.connect_write_pipe(PipeProtocol, pipe)
        except (ValueError, OSError):
            pipe.close()  # not something the event loop can watch: write it directly
            self._piped = False
            return
        transport.set_write_buffer_limits(high=HIGH_WATER)
        self._transport = transport
        self._protocol = protocol

    # ------------------------------------------------------------------ taking lines
    def write(self, data: bytes) -> None:
        """Take bytes of whole lines; raise what stopped the writing, if anything has."""
        if self._failure is not None:
            raise self._failure
        self._buf += data
        if len(self._buf) >= FLUSH_AT or not self._scheduled:
            self._later()

    async def send(self, lines: list[bytes]) -> None:
        """Write raw lines (without their `\\n`) now; return when the reader has room for more."""
        if self._failure is not None:
            raise self._failure
        self._buf += b"\n".join(lines)
        self._buf += b"\n"
        self._hand_on()
        if self._failure is not None:
            raise self._failure
        waiter = self.pressure()
        if waiter is None:
            await asyncio.sleep(0)  # let signals, the progress line and the view run
            return
        await waiter
        self._check_pipe()  # the reader may have left while we waited
        if self._failure is not None:
            raise self._failure

    def pressure(self) -> asyncio.Future[None] | None:
        protocol = self._protocol
        return protocol.paused if protocol is not None else None

    def flush(self) -> None:
        """Write what has been taken so far (the transport may still hold it: see `aclose`)."""
        self._hand_on()

    async def aclose(self) -> None:
        """Write what is left (unless the reader is gone or stalled), close, raise a failure of the run."""
        self._hand_on()
        transport, protocol = self._transport, self._protocol
        if transport is not None and protocol is not None:
            self._transport = None
            await self._drain(transport, protocol)
            transport.close()
            if protocol.error is not None and not isinstance(self._failure, FeedError):
                self._failure = FeedError(write_error(self.name, protocol.error))
            with contextlib.suppress(OSError):
                os.set_blocking(self._fd, True)
        if self._owns_fd:
            self._owns_fd = False
            with contextlib.suppress(OSError):
                os.close(self._fd)
        if isinstance(self._failure, FeedError):
            raise self._failure

    async def _drain(self, transport: asyncio.WriteTransport, protocol: PipeProtocol) -> None:
        left = transport.get_write_buffer_size()
        stalled_since = time.monotonic()
        while not protocol.lost and left:
            await asyncio.sleep(0.01)
            now_left = transport.get_write_buffer_size()
            if now_left < left:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > DRAIN_STALL:
                if not isinstance(self._failure, FeedError):
                    self._failure = FeedError(
                        f"{self.name}: the reader stopped reading; {now_left} bytes were not delivered"
                    )
                transport.abort()
                return
            left = now_left

    # ------------------------------------------------------------------ writing
    def _hand_on(self) -> None:
        self._scheduled = False
        if not self._buf:
            return
        if self._failure is not None:
            self._buf.clear()
            return
        transport = self._transport
        if transport is not None:
            if self._check_pipe():
                transport.write(bytes(self._buf))
            self._buf.clear()
            return
        data = bytes(self._buf)
        self._buf.clear()
        try:
            write_all(self._fd, data)
        except WriteFailed as failed:
            self._failure = self._failed(failed.error)
            if self._regular:
                self._cut_torn_line(data, failed.done)

    def _check_pipe(self) -> bool:
        """Whether the pipe still takes lines; if not, note why in `_failure`."""
        protocol = self._protocol
        if protocol is None or self._failure is not None:
            return self._failure is None
        if protocol.error is not None:
            self._failure = FeedError(write_error(self.name, protocol.error))
        elif protocol.lost:
            self._failure = reader_gone()
        return self._failure is None

    def _failed(self, exc: OSError) -> Exception:
        """What a failed direct write means for the run."""
        if isinstance(exc, BrokenPipeError | ConnectionResetError):
            return reader_gone()
        if self.on_terminal and terminal.is_gone_error(exc):
            terminal.mark_gone()
            return terminal.TerminalGone(f"{self.name}: the terminal is gone")
        return FeedError(write_error(self.name, exc, KEPT_LINES if self._regular else None))

    def _cut_torn_line(self, data: bytes, done: int) -> None:
        """After a failed write, drop the part of a line that did reach a regular file."""
        if done == 0:
            return
        complete = data.rfind(b"\n", 0, done) + 1
        if complete == done:
            return
        with contextlib.suppress(OSError):
            end = os.lseek(self._fd, 0, os.SEEK_CUR)
            os.ftruncate(self._fd, end - (done - complete))


def standard_output(hint: str | None = None) -> int:
    """The descriptor of standard output; a closed stdout (`>&-`) is a clear error, not a crash."""
    import sys

    try:
        if sys.stdout is None:
            raise ValueError
        fd = sys.stdout.fileno()
        os.fstat(fd)
    except (OSError, ValueError):
        raise FeedError("standard output is closed" + (f": {hint}" if hint else "")) from None
    sys.stdout.flush()  # anything Python printed first comes first
    return fd
