"""The user's terminal, and what feedcli does when it vanishes under a running command.

A terminal goes away with its window, its tmux pane or its SSH connection. The kernel then
hangs it up: every write to it fails with EIO, a read returns end of file, and its session
leader gets SIGHUP. feedcli may be that leader (run from a shell, it gets SIGHUP and ends as
for SIGTERM), or it may run under a wrapper that never passes the signal on (`make`, a
`sh -c`): then the only news of the hangup is a failing write or a hung-up stdin, and
ignoring it leaves a live view drawing into nothing for hours.

So whoever notices first (a writer whose terminal write failed, the live view, the watch on
stdin) calls `mark_gone()`. That is process-wide by nature, as the terminal is: it points
the standard descriptors that were the dead terminal at /dev/null (so nothing later, not even
the interpreter's last flush of stdout, fails or says anything) and tells the run, which ends
at once when the terminal was its output (a view, NDJSON on the terminal) and goes on when
the terminal only showed a status line (a recording keeps recording: `setsid` is how a user
keeps it past the terminal, and it must work).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import select
import stat
import sys
from collections.abc import Callable

from feedcli.sinks.base import StopStream

#: what a write to (or a read from) a terminal that is gone fails with: EIO after a hangup,
#: ENXIO/ENODEV for a device that went away, EPIPE, EBADF for a descriptor closed under us
GONE_ERRNOS = frozenset({errno.EIO, errno.ENXIO, errno.ENODEV, errno.EPIPE, errno.EBADF})
#: while a key is waiting unread on the terminal, stdin is checked for a hangup this often
#: (instead of on every wake-up: a readable stdin that nobody reads would wake the loop forever)
INPUT_RECHECK = 0.5


class TerminalGone(StopStream):
    """The terminal the run drew on is gone: the run ends at once, exit 0, and says nothing."""


def is_gone_error(exc: BaseException) -> bool:
    """Whether `exc`, raised by a write to or a read from a terminal, means the terminal is gone."""
    return isinstance(exc, OSError) and exc.errno in GONE_ERRNOS


_gone = False
_listeners: list[Callable[[], None]] = []


def gone() -> bool:
    """Whether this process has lost its terminal."""
    return _gone


def mark_gone() -> None:
    """The terminal is gone: silence the descriptors that were it, then tell the listeners, once."""
    global _gone
    if _gone:
        return
    _gone = True
    _silence()
    for listener in list(_listeners):
        listener()


def on_gone(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` when the terminal goes (at once if it has); returns what stops listening."""
    if _gone:
        listener()
    _listeners.append(listener)

    def remove() -> None:
        with contextlib.suppress(ValueError):
            _listeners.remove(listener)

    return remove


def reset() -> None:
    """Forget a lost terminal: for a process that runs several commands in turn (the tests)."""
    global _gone
    _gone = False
    _listeners.clear()
    claimed.clear()


def stderr_note(message: str) -> None:
    """One line on stderr; a stderr that is gone is silenced, never an error of the run."""
    if _gone:
        return
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError) as exc:
        if not is_gone_error(exc):
            return
        if _dead(2) and not _broken_pipe(2):
            mark_gone()  # stderr was the terminal, and it is gone
        else:
            _silence((2,))  # a reader of stderr that left: nothing more to say, no failing flush at exit


def _silence(fds: tuple[int, ...] | None = None) -> None:
    """Point the given standard descriptors (default: those that are dead) at /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    try:
        for fd in fds if fds is not None else (0, 1, 2):
            if fds is not None or _dead(fd):
                with contextlib.suppress(OSError):
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _dead(fd: int) -> bool:
    """A descriptor that is closed, a terminal that is hung up, or a pipe whose reader left.

    A hung-up terminal fails every terminal ioctl, so `isatty` says no; a live terminal (one
    the run did not lose, if the standard streams are on different ones) says yes and is left
    alone. /dev/null says no too, and replacing it with itself does no harm.
    """
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return True
    if stat.S_ISCHR(mode):
        return not os.isatty(fd)
    return _broken_pipe(fd)


def _broken_pipe(fd: int) -> bool:
    """A pipe or socket we write that nobody reads any more (it polls as an error)."""
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)) or not hasattr(select, "poll"):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in poller.poll(0))
    except OSError:
        return False


#: terminal descriptors whose input a key reader owns (feedcli.views.keys): not to be watched here
claimed: set[int] = set()


def watch_input(loop: asyncio.AbstractEventLoop, fd: int = 0) -> Callable[[], None]:
    """Watch a terminal stdin for its hangup (then `mark_gone()`); returns what stops watching.

    Nothing is read: a key typed into a view stays for the shell, as before. A hung-up
    terminal polls as HUP (or ERR); a key waiting to be read polls as plain input, and then
    the watch looks again only every INPUT_RECHECK seconds. Does nothing if `fd` is not a
    terminal or the loop cannot watch it.
    """
    try:
        if not os.isatty(fd) or not hasattr(select, "poll"):
            return lambda: None
    except OSError:
        return lambda: None
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    hangup = select.POLLHUP | select.POLLERR | select.POLLNVAL
    later: asyncio.TimerHandle | None = None
    watching = False

    def check() -> None:
        nonlocal later
        try:
            events = poller.poll(0)
        except OSError:
            events = [(fd, select.POLLERR)]
        if any(mask & hangup for _, mask in events):
            stop()
            mark_gone()
        elif events:  # a key waits unread: look again in a while rather than at every turn
            stop()
            later = loop.call_later(INPUT_RECHECK, start)

    def start() -> None:
        nonlocal watching, later
        later = None
        if fd in claimed:  # a reader of keys has the descriptor, and watches for the hangup itself
            return
        try:
            loop.add_reader(fd, check)
        except (OSError, ValueError, NotImplementedError, RuntimeError):
            return
        watching = True

    def stop() -> None:
        nonlocal watching, later
        if watching:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                loop.remove_reader(fd)
            watching = False
        if later is not None:
            later.cancel()
            later = None

    start()
    return stop
