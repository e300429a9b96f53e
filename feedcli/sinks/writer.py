"""The one writer of lines: every byte feedcli sends out as lines passes through here.

Standard output and `-o FILE` (`NdjsonWriter`, which encodes events), replay's output (raw
recorded lines, `LineWriter.send`) and the parts of a recording (which write through
`write_all` and report through `write_error`) follow one set of rules:

- **Batches.** Lines are gathered and handed on when the event loop next turns (a
  `call_soon`), or at once past FLUSH_AT bytes: at low rates one write per line, at once;
  under a burst one write per burst instead of a system call per line (`Batching`).
- **Pipes and sockets** are written without blocking, when the event loop says there is
  room (`PipeWriter`). When the reader is slow, what waits passes HIGH_WATER, `pressure()`
  returns a waiter, and whoever produces the lines (the receive loop, replay's pump) waits
  before making more: memory stays bounded, and a TCP window pushes back on the server.
  Terminals (shared with the shell: making one non-blocking would break both), regular
  files and /dev/null never block long enough to matter and are written directly, by the
  one loop in `write_all`.
- **A pipe only ever holds whole lines.** A write to a pipe that has not room for all of it
  writes part, and a reader that stalls while the writer gives up (Ctrl-C, then DRAIN_STALL)
  would be left half a line. So a pipe is given whole lines in writes that go in whole or
  not at all: up to PIPE_BUF bytes (atomic by POSIX) while it holds unread data, up to its
  capacity when it is empty. Only a line longer than the pipe's capacity (64 KiB unless
  raised) can be cut.
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
import fcntl
import os
import select
import stat
import struct
import termios
import time

from feedcli import terminal
from feedcli.errors import FeedError
from feedcli.sinks.base import StopStream

#: bytes gathered before they are written at once rather than at the next turn of the loop
FLUSH_AT = 64 * 1024
#: bytes waiting for a pipe above which producers wait for the reader; they go on below LOW_WATER
HIGH_WATER = 256 * 1024
LOW_WATER = HIGH_WATER // 4
#: writes to a pipe up to this size are atomic (POSIX: all or nothing)
PIPE_BUF = getattr(select, "PIPE_BUF", 512)
#: fcntl's F_GETPIPE_SZ (Linux): a pipe's capacity
_F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
#: seconds between two looks at a pipe that must empty before a long line fits whole
_EMPTY_POLL = 0.005
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
    with memoryview(data) as view:  # released on the way out, even raising: a bytearray can grow again
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


class PipeWriter:
    """Whole lines into a pipe or socket, written when there is room, never blocking the loop.

    `write(data)` takes bytes of whole lines. A pipe (FIFO) is written so that it only ever
    holds whole lines (see the module's docstring); a socket, which promises nothing of the
    kind, is written as much as it takes. `paused` is a future while more than HIGH_WATER
    bytes wait; `lost` says the reader went away, `error` any other failure.
    """

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop, fifo: bool) -> None:
        self._fd = fd
        self._loop = loop
        self._fifo = fifo
        self._pending = bytearray()
        #: bytes at the head of `_pending` that end a line already begun in the pipe
        self._owed = 0
        self._capacity = PIPE_BUF
        if fifo:
            with contextlib.suppress(OSError):
                self._capacity = max(PIPE_BUF, fcntl.fcntl(fd, _F_GETPIPE_SZ))
        self._writing = False
        self._timer: asyncio.TimerHandle | None = None
        self.paused: asyncio.Future[None] | None = None
        self.lost = False
        self.error: OSError | None = None
        os.set_blocking(fd, False)
        # the write end of a pipe becomes "readable" when the reader closes its end
        loop.add_reader(fd, self._reader_gone)

    def pending(self) -> int:
        """Bytes not yet written."""
        return len(self._pending)

    def write(self, data: bytes | bytearray) -> None:
        if self.lost or self.error is not None:
            return
        self._pending += data
        self._pump()

    def _unread(self) -> int | None:
        """Bytes the pipe holds unread, None where the system cannot tell."""
        try:
            return struct.unpack("i", fcntl.ioctl(self._fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return None

    def _next(self) -> int:
        """How many bytes of `_pending` to write now, 0 to wait for the pipe to empty."""
        pending = self._pending
        if self._owed:
            return self._owed  # the end of a line already begun: whatever goes in helps
        if not self._fifo:
            return len(pending)
        empty = self._unread() == 0
        limit = self._capacity if empty else PIPE_BUF
        if len(pending) <= limit:
            return len(pending)
        end = pending.rfind(b"\n", 0, limit) + 1
        if end:
            return end
        if not empty:
            return 0  # a line longer than PIPE_BUF: it goes in whole once the pipe is empty
        return pending.find(b"\n") + 1 or len(pending)  # longer than the pipe itself: cut it must be

    def _pump(self) -> None:
        """Write what fits; then wait for room (or for the pipe to empty) if anything is left."""
        self._cancel_timer()
        pending = self._pending
        while pending:
            size = self._next()
            if size == 0:
                self._timer = self._loop.call_later(_EMPTY_POLL, self._pump)
                break
            try:
                done = os.write(self._fd, memoryview(pending)[:size])
            except BlockingIOError:
                break
            except (BrokenPipeError, ConnectionResetError):
                self._gone(None)
                return
            except OSError as exc:
                self._gone(exc)
                return
            if done < size and not self._owed and self._fifo:
                # a part went in (a line too long to go in whole): the rest of that line is owed
                self._owed = (pending.find(b"\n", done) + 1 or len(pending)) - done
            elif self._owed:
                self._owed = max(0, self._owed - done)
            del pending[:done]
            if done < size:
                break
        self._want_writable(bool(pending) and self._timer is None)
        if len(pending) <= LOW_WATER:
            self._resume()
        elif len(pending) > HIGH_WATER and (self.paused is None or self.paused.done()):
            self.paused = self._loop.create_future()

    def _want_writable(self, want: bool) -> None:
        if want and not self._writing:
            self._loop.add_writer(self._fd, self._pump)
            self._writing = True
        elif not want and self._writing:
            self._loop.remove_writer(self._fd)
            self._writing = False

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _resume(self) -> None:
        paused, self.paused = self.paused, None
        if paused is not None and not paused.done():
            paused.set_result(None)

    def _reader_gone(self) -> None:
        self._gone(None)

    def _gone(self, error: OSError | None) -> None:
        self.lost = True
        self.error = self.error or error
        self._pending.clear()
        self.close()
        self._resume()

    def abandon(self) -> int:
        """Give up what is left (the reader stalled): how many bytes that was."""
        left = len(self._pending)
        self._pending.clear()
        self.close()
        return left

    def close(self) -> None:
        """Stop watching the descriptor (it stays open: it is not ours) and make it blocking again."""
        self._cancel_timer()
        self._want_writable(False)
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self._fd)
        with contextlib.suppress(OSError):
            os.set_blocking(self._fd, True)


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
        self._pipe: PipeWriter | None = None
        mode = os.fstat(fd).st_mode
        self._fifo = stat.S_ISFIFO(mode)
        self._piped = self._fifo or stat.S_ISSOCK(mode)
        self._regular = stat.S_ISREG(mode)
        #: whether the lines go to the user's terminal (then the run ends if it vanishes)
        self.on_terminal = not self._piped and os.isatty(fd)

    async def start(self) -> None:
        """Attach a pipe or socket to the event loop; everything else is written directly."""
        if not self._piped or self._pipe is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            self._pipe = PipeWriter(self._fd, loop, self._fifo)
        except (ValueError, OSError, NotImplementedError):
            with contextlib.suppress(OSError):  # not something the event loop can watch: write it directly
                os.set_blocking(self._fd, True)
            self._piped = False

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
        pipe = self._pipe
        return pipe.paused if pipe is not None else None

    def flush(self) -> None:
        """Write what has been taken so far (a pipe may still hold some back: see `aclose`)."""
        self._hand_on()

    async def aclose(self) -> None:
        """Write what is left (unless the reader is gone or stalled), close, raise a failure of the run."""
        self._hand_on()
        pipe = self._pipe
        if pipe is not None:
            await self._drain(pipe)
            pipe.close()
            if pipe.error is not None and not isinstance(self._failure, FeedError):
                self._failure = FeedError(write_error(self.name, pipe.error))
        if self._owns_fd:
            self._owns_fd = False
            with contextlib.suppress(OSError):
                os.close(self._fd)
        if isinstance(self._failure, FeedError):
            raise self._failure

    async def _drain(self, pipe: PipeWriter) -> None:
        left = pipe.pending()
        stalled_since = time.monotonic()
        while not pipe.lost and left:
            await asyncio.sleep(0.01)
            now_left = pipe.pending()
            if now_left < left:
                stalled_since = time.monotonic()
            elif time.monotonic() - stalled_since > DRAIN_STALL:
                pipe.abandon()  # the pipe holds whole lines only: nothing torn is left behind
                if not isinstance(self._failure, FeedError):
                    self._failure = FeedError(
                        f"{self.name}: the reader stopped reading; {now_left} bytes were not delivered"
                    )
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
        pipe = self._pipe
        if pipe is not None:
            if self._check_pipe():
                pipe.write(self._buf)
            self._buf.clear()
            return
        data = self._buf  # written as it is (no copy), then emptied
        try:
            write_all(self._fd, data)
        except WriteFailed as failed:
            self._failure = self._failed(failed.error)
            if self._regular:
                self._cut_torn_line(bytes(data), failed.done)
        finally:
            data.clear()

    def _check_pipe(self) -> bool:
        """Whether the pipe still takes lines; if not, note why in `_failure`."""
        pipe = self._pipe
        if pipe is None or self._failure is not None:
            return self._failure is None
        if pipe.error is not None:
            self._failure = FeedError(write_error(self.name, pipe.error))
        elif pipe.lost:
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
