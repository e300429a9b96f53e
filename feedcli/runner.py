"""How every long-running command ends: signals, the final flush and the way out, in one place.

`stream`, `record` and `demo` (through `pipeline.run`), `replay`, `replay --serve` and
`simulate` run their work under `run_until_done`, so they all end the same way:

- **What ends a run:** the work returning (a replay played, every session's stream over) or
  raising StopStream (`--limit`, a reader that left); `--duration`; SIGINT, SIGTERM or
  SIGHUP; a helper (the view's redraw loop, a status line) failing; or, for a run whose
  output is the terminal (`on_terminal`), the terminal vanishing (see feedcli/terminal.py).
- **SIGHUP is SIGTERM.** A closed terminal window or a dropped SSH session sends it; the run
  ends cleanly and a recording is finished, synced and closed. Unless SIGHUP was ignored
  when feedcli started: that is what `nohup` asks for, and then it stays ignored.
- **The final flush.** The work is stopped first, then `close` runs (consumers flush, the view
  draws its last frame), and only then are helpers stopped.
- **A second SIGINT or SIGTERM**, sent because that is taking too long (a reader that stopped
  reading), exits at once, still with 0, after one line on stderr. A repeated SIGHUP is not a
  second request: a hangup often arrives twice (from the kernel and from the shell).
- **Afterwards** the signals are ignored rather than reset: interpreter finalization resets
  every Python-handled signal to its default, and a late Ctrl-C would then kill feedcli (130)
  after the run had ended well. An ignored signal stays ignored.
- **Errors:** the first of the work's, then `close`'s, then a helper's is raised (the CLI turns
  it into its exit code). A lost terminal is no error: the run ends, exit 0, and says nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol

from feedcli import terminal
from feedcli.sinks.base import StopStream
from feedcli.terminal import stderr_note

#: the signals that end a run cleanly (SIGHUP where the platform has it)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None
)
_SIGHUP = getattr(signal, "SIGHUP", None)
#: `nohup` (or a parent that means the same) ignores SIGHUP before feedcli starts: respected
_HUP_IGNORED = _SIGHUP is not None and signal.getsignal(_SIGHUP) == signal.SIG_IGN


class Ending(enum.Enum):
    """Why a run ended, for commands that say something about it (none is an error)."""

    DONE = "done"  # the work is over: played out, --limit, a reader that left
    DURATION = "duration"
    SIGNAL = "signal"
    TERMINAL = "terminal"  # the terminal the run drew on vanished


async def run_until_done(
    work: Awaitable[Any],
    *,
    close: Callable[[], Awaitable[None]] | None = None,
    helpers: Iterable[Awaitable[Any]] = (),
    duration: float | None = None,
    on_terminal: bool = False,
    note: Callable[[str], None] = stderr_note,
    left_behind: Callable[[], str] = lambda: "",
) -> Ending:
    """Run `work` until it ends or something ends the run; then `close`; raise the run's error.

    `left_behind()` says what a second SIGINT/SIGTERM abandons (sinks' undelivered lines),
    appended to its one line on stderr.

    `helpers` run beside the work and are stopped after `close`; one that fails ends the run
    (its error is the run's, unless it is TerminalGone). `on_terminal`: the run's output is
    the user's terminal, so the run also ends when the terminal vanishes (a failed write or
    a hung-up stdin).
    """
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[Ending] = loop.create_future()

    def end(why: Ending) -> None:
        if not stop.done():
            stop.set_result(why)

    early = _STOPPED_STARTING.get()
    if early is not None and early.done():  # a signal while starting, its cancellation swallowed
        end(early.result())

    signals = _StopSignals(loop, end, note, left_behind)
    cleanups: list[Callable[[], None]] = []
    if on_terminal:
        cleanups.append(terminal.on_gone(lambda: end(Ending.TERMINAL)))
        cleanups.append(terminal.watch_input(loop))
    work_task = asyncio.ensure_future(work)
    helper_tasks = [asyncio.ensure_future(h) for h in helpers]
    ending = Ending.DONE
    error: BaseException | None = None
    try:
        ending, error = await _wait(loop, work_task, helper_tasks, stop, duration)
    finally:
        work_task.cancel()
        await asyncio.gather(work_task, return_exceptions=True)
        if close is not None:
            try:
                await close()
            except StopStream:
                pass
            except Exception as exc:
                error = error or exc
        for task in helper_tasks:
            task.cancel()
        for result in await asyncio.gather(*helper_tasks, return_exceptions=True):
            if isinstance(result, Exception) and not isinstance(result, StopStream):
                error = error or result
        for cleanup in cleanups:
            cleanup()
        signals.remove()
    if terminal.gone() and on_terminal:
        return Ending.TERMINAL
    if error is not None:
        raise error
    return ending


#: set by run_command: done once a signal came while the command was starting. A library can
#: swallow the cancellation that signal sent (see sinks.delivery.still_cancelled); the run
#: that follows then ends at once instead of running as if nothing had been asked
_STOPPED_STARTING: contextvars.ContextVar[asyncio.Future[Ending] | None] = contextvars.ContextVar(
    "feedcli_stopped_starting", default=None
)


def run_command(main: Coroutine[Any, Any, Any]) -> None:
    """`asyncio.run(main)` for a long-running command, with its start-up under the stop signals too.

    `run_until_done` handles signals once the run proper has started. Before that (a sink
    connecting to a server that does not answer, a recording being opened, a simulator
    starting) a SIGINT, SIGTERM or SIGHUP cancels `main`: its `finally` blocks close what it
    opened (a recording is finished, never left a truncated frame), and the command ends as
    any interruption does, exit 0. Left to Python, a Ctrl-C there was a KeyboardInterrupt
    (Typer's exit 130) and a SIGTERM killed the process mid-write.
    """

    async def guarded() -> None:
        loop = asyncio.get_running_loop()
        stopped: asyncio.Future[Ending] = loop.create_future()
        _STOPPED_STARTING.set(stopped)  # before the task: it runs in a copy of this context
        task = asyncio.ensure_future(main)

        def cancel(why: Ending) -> None:
            if not stopped.done():
                stopped.set_result(why)
                task.cancel()

        signals = _StopSignals(loop, cancel, stderr_note)
        try:
            await task
        except asyncio.CancelledError:
            if not stopped.done():
                raise
        finally:
            signals.remove()

    asyncio.run(guarded())


class Server(Protocol):
    """A server feedcli runs (a simulator, the replay server): started, described, stopped."""

    async def start(self) -> str: ...

    async def stop(self) -> None: ...

    def banner(self) -> str: ...


async def serve_until_done(
    server: Server,
    host: str,
    port: int,
    listing: Callable[[], Iterable[str]],
    *,
    finished: Callable[[], Awaitable[Any]] | None = None,
    close: Callable[[], Awaitable[None]] | None = None,
) -> Ending:
    """Start `server`, say where it is on stderr, serve until `finished()` returns or a signal comes.

    The banner is the first line on stderr (scripts read the URL from it), then `listing()`,
    read after the start since it may name the real port. The signal handlers are in place
    before the server starts: whoever reads the banner may signal at once, and gets exit 0.
    A port that cannot be bound is a FeedError. `close` runs after the server has stopped.
    """
    from feedcli.errors import FeedError

    started = False

    async def serve() -> None:
        nonlocal started
        try:
            await server.start()
        except OSError as exc:
            raise FeedError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        started = True
        stderr_note(server.banner())
        for line in listing():
            stderr_note(line)
        await (finished() if finished is not None else asyncio.get_running_loop().create_future())

    async def stop() -> None:
        try:
            if started:
                await server.stop()
        finally:
            if close is not None:
                await close()

    return await run_until_done(serve(), close=stop)


async def _wait(
    loop: asyncio.AbstractEventLoop,
    work: asyncio.Future[Any],
    helpers: list[asyncio.Future[Any]],
    stop: asyncio.Future[Ending],
    duration: float | None,
) -> tuple[Ending, BaseException | None]:
    """Until the first thing that ends the run: why, and the error it brought, if any."""
    deadline = None if duration is None else loop.time() + duration
    waiting: set[asyncio.Future[Any]] = {work, stop, *helpers}
    while True:
        left = None if deadline is None else max(0.0, deadline - loop.time())
        done, _ = await asyncio.wait(waiting, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            return Ending.DURATION, None
        if stop in done:
            return stop.result(), None
        for task in done:
            exc = None if task.cancelled() else task.exception()
            if task is not work and exc is None:
                waiting.discard(task)  # a helper that finished its job is no reason to stop
                continue
            if isinstance(exc, terminal.TerminalGone):
                return Ending.TERMINAL, None
            if exc is None or isinstance(exc, StopStream):
                return Ending.DONE, None
            return Ending.DONE, exc


class _StopSignals:
    """SIGINT, SIGTERM and SIGHUP: the first ends the run, a second SIGINT/SIGTERM the process.

    Installed with `signal.signal`, not `loop.add_signal_handler`: removing the loop's handlers
    puts SIGINT back to `default_int_handler` and SIGTERM to SIG_DFL before they can be ignored,
    and a second signal landing in that instant (GNU timeout and an impatient Ctrl-C both send
    two) raised KeyboardInterrupt (Typer's exit 130) or killed the process. Here each signal
    goes from our handler to SIG_IGN in one swap. The handler runs in the main thread between
    bytecodes and hands the signal to the loop; a wakeup fd read by the loop wakes it when the
    signal was delivered to another thread while the main one waits in the selector.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        end: Callable[[Ending], None],
        note: Callable[[str], None],
        left_behind: Callable[[], str] = lambda: "",
    ):
        self._loop = loop
        self._end = end
        self._note = note
        self._left_behind = left_behind
        self._first: int | None = None
        self._removed = False
        self._installed: list[int] = []
        for sig in STOP_SIGNALS:
            if sig == _SIGHUP and _HUP_IGNORED:
                continue
            with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
                signal.signal(sig, self._caught)
                self._installed.append(sig)
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._old_wakeup = -1
        if self._installed:
            self._wake = socket.socketpair()
            for end_ in self._wake:
                end_.setblocking(False)
            loop.add_reader(self._wake[0].fileno(), self._drain)
            self._old_wakeup = signal.set_wakeup_fd(self._wake[1].fileno(), warn_on_full_buffer=False)

    def _caught(self, signum: int, _frame: object) -> None:
        if not self._removed:
            with contextlib.suppress(RuntimeError):  # the loop closed under a late signal
                self._loop.call_soon_threadsafe(self._on_signal, signum)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):  # BlockingIOError: drained
            while self._wake is not None and self._wake[0].recv(512):
                pass

    def _on_signal(self, signum: int) -> None:
        if self._removed:
            return  # handled after the run was over: nothing left to end or abandon
        if self._first is None:
            self._first = signum
            self._end(Ending.SIGNAL)
            return
        if signum == _SIGHUP:
            return
        lost = ""
        with contextlib.suppress(Exception):  # a count that fails must not keep the user waiting
            lost = self._left_behind()
        self._note(f"feedcli: second {signal.Signals(signum).name}: exiting without flushing what is left{lost}")
        os._exit(0)  # still the user's interruption (CONTRACT.md: exit 0)

    def remove(self) -> None:
        """Each signal straight to SIG_IGN (see the class and the module docstring)."""
        self._removed = True
        for sig in self._installed:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, signal.SIG_IGN)
        self._installed.clear()
        if self._wake is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.set_wakeup_fd(self._old_wakeup)
            self._loop.remove_reader(self._wake[0].fileno())
            for end_ in self._wake:
                end_.close()
            self._wake = None
