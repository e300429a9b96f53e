"""How a run ends (feedcli/runner.py): the work, --duration, signals, helpers, the final flush, errors."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from feedcli import runner, terminal
from feedcli.errors import FeedError
from feedcli.runner import Ending, run_command, run_until_done, serve_until_done
from feedcli.sinks.base import StopStream
from feedcli.terminal import TerminalGone


def run(work, **kw) -> tuple[Ending | BaseException, list[str]]:
    """Run `work()` under run_until_done; (its ending or the error raised, what happened in order)."""
    steps: list[str] = []

    async def close() -> None:
        steps.append("close")

    async def main() -> Ending:
        return await run_until_done(work(steps), close=close, note=steps.append, **kw)

    try:
        return asyncio.run(main()), steps
    except Exception as exc:
        return exc, steps


async def forever(steps: list[str]) -> None:
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        steps.append("work stopped")


def test_work_that_returns_or_stops_is_done_and_close_runs_after_it() -> None:
    async def returns(steps: list[str]) -> None:
        steps.append("work")

    async def stops(steps: list[str]) -> None:
        raise StopStream("--limit 5 reached")

    assert run(returns) == (Ending.DONE, ["work", "close"])
    assert run(stops) == (Ending.DONE, ["close"])


def test_an_error_of_the_work_is_raised_after_the_final_flush() -> None:
    async def fails(steps: list[str]) -> None:
        raise FeedError("cannot write stdout: the disk is full")

    error, steps = run(fails)
    assert isinstance(error, FeedError) and steps == ["close"]


def test_duration_stops_the_work_then_closes() -> None:
    assert run(forever, duration=0.05) == (Ending.DURATION, ["work stopped", "close"])


def test_a_failing_helper_ends_the_run_with_its_error_one_that_finishes_does_not() -> None:
    async def done_helper() -> None:
        return None

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the view broke")

    error, steps = run(forever, helpers=[done_helper(), failing()])
    assert isinstance(error, RuntimeError) and steps == ["work stopped", "close"]


def test_helpers_still_running_or_stopping_the_stream_are_no_error_of_the_run() -> None:
    """A helper cancelled at the end (a live view) or one that ended the stream (a key that
    quits) leaves the run done, not failed with its cancellation or its StopStream."""
    helper_steps: list[str] = []

    async def returns(steps: list[str]) -> None:
        steps.append("work")

    async def quits() -> None:
        raise StopStream("q pressed")

    assert run(returns, helpers=[forever(helper_steps)]) == (Ending.DONE, ["work", "close"])
    assert helper_steps == ["work stopped"]
    assert run(forever, helpers=[quits()]) == (Ending.DONE, ["work stopped", "close"])


def test_a_served_server_is_stopped_before_the_close() -> None:
    steps: list[str] = []

    class Stub:
        async def start(self) -> str:
            steps.append("start")
            return "ws://127.0.0.1:1"

        async def stop(self) -> None:
            steps.append("stop")

        def banner(self) -> str:
            return "serving"

    async def finished() -> None:
        steps.append("finished")

    async def close() -> None:
        steps.append("close")

    ending = asyncio.run(serve_until_done(Stub(), "127.0.0.1", 0, list, finished=finished, close=close))
    assert ending is Ending.DONE
    assert steps == ["start", "finished", "stop", "close"]


def test_a_lost_terminal_ends_a_terminal_run_quietly(monkeypatch) -> None:
    monkeypatch.setattr(terminal, "_silence", lambda fds=None: None)

    async def view() -> None:
        await asyncio.sleep(0.01)
        terminal.mark_gone()
        raise TerminalGone("the terminal is gone")

    assert run(forever, helpers=[view()], on_terminal=True) == (Ending.TERMINAL, ["work stopped", "close"])


def test_a_run_on_the_terminal_ends_when_anyone_finds_the_terminal_gone(monkeypatch) -> None:
    monkeypatch.setattr(terminal, "_silence", lambda fds=None: None)

    async def work(steps: list[str]) -> None:
        asyncio.get_running_loop().call_later(0.01, terminal.mark_gone)  # say, a status line's failed write
        await forever(steps)

    assert run(work, on_terminal=True) == (Ending.TERMINAL, ["work stopped", "close"])


@pytest.fixture
def hup_not_ignored_at_start(monkeypatch) -> None:
    """These tests are about a process started with SIGHUP not ignored, whatever this one was
    started with (`nohup make test` ignores it: runner reads that once, at import)."""
    monkeypatch.setattr(runner, "_HUP_IGNORED", False)


@pytest.mark.usefixtures("hup_not_ignored_at_start")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_each_stop_signal_ends_the_run_cleanly_and_is_ignored_afterwards(sig: int) -> None:
    async def signalled(steps: list[str]) -> None:
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), sig)
        await forever(steps)

    assert run(signalled) == (Ending.SIGNAL, ["work stopped", "close"])
    assert signal.getsignal(sig) == signal.SIG_IGN  # a late one cannot kill the process while it exits


@pytest.mark.usefixtures("hup_not_ignored_at_start")
def test_no_stop_signal_is_left_to_its_default_for_an_instant_while_the_run_ends() -> None:
    """A second signal can land at any moment of the teardown (GNU timeout and an impatient
    Ctrl-C both send two). At every return from C code from the run's start to the process's
    exit it must find the run's handler or SIG_IGN: never `default_int_handler` (KeyboardInterrupt,
    which Typer turns into exit 130) nor SIG_DFL (the process killed). Removing handlers set with
    loop.add_signal_handler passes through both."""
    defaults: set[tuple[str, object]] = set()
    stop = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def watch(_frame, event: str, _arg) -> None:
        if event == "c_return":
            for sig in stop:
                handler = signal.getsignal(sig)
                if handler in (signal.default_int_handler, signal.SIG_DFL):
                    defaults.add((sig.name, handler))

    async def signalled(steps: list[str]) -> None:
        sys.setprofile(watch)  # from here on the run's handlers are in place
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), signal.SIGINT)
        await forever(steps)

    try:
        assert run(signalled) == (Ending.SIGNAL, ["work stopped", "close"])
    finally:
        sys.setprofile(None)
    assert defaults == set()
    assert all(signal.getsignal(sig) == signal.SIG_IGN for sig in stop)


@pytest.mark.usefixtures("hup_not_ignored_at_start")
@pytest.mark.parametrize(("second", "exits"), [(signal.SIGINT, True), (signal.SIGTERM, True), (signal.SIGHUP, False)])
def test_a_second_sigint_or_sigterm_exits_at_once_a_repeated_sighup_does_not(monkeypatch, second, exits) -> None:
    """A second Ctrl-C is an impatient user; a second SIGHUP is the kernel's hangup, then the shell's."""
    exit_codes: list[int] = []

    monkeypatch.setattr(os, "_exit", exit_codes.append)  # noted, instead of ending pytest

    async def hung_up(steps: list[str]) -> None:
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), signal.SIGHUP)
        await forever(steps)

    async def main(steps: list[str]) -> Ending:
        async def slow_close() -> None:  # the final flush takes a while (a reader that stopped reading)
            os.kill(os.getpid(), second)
            await asyncio.sleep(0.05)
            steps.append("close")

        return await run_until_done(hung_up(steps), close=slow_close, note=steps.append)

    steps: list[str] = []
    assert asyncio.run(main(steps)) is Ending.SIGNAL
    said = f"feedcli: second {second.name}: exiting without flushing what is left"
    assert exit_codes == ([0] if exits else [])
    assert steps == (["work stopped", said, "close"] if exits else ["work stopped", "close"])


def test_a_process_started_with_sighup_ignored_keeps_ignoring_it(monkeypatch) -> None:
    """`nohup feedcli record ...`: the user asked for the run to outlive the terminal."""
    monkeypatch.setattr(runner, "_HUP_IGNORED", True)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup left it (conftest restores it after)

    async def outlives_a_hangup(steps: list[str]) -> None:
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.sleep(0.05)  # a handler, had one been installed, would have ended the run
        steps.append("work")

    assert run(outlives_a_hangup) == (Ending.DONE, ["work", "close"])


@pytest.mark.usefixtures("hup_not_ignored_at_start")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_command_starts_cancels_it_and_is_no_error(sig: int) -> None:
    steps: list[str] = []

    async def starting() -> None:
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), sig)
        try:
            await asyncio.sleep(30)  # a sink connecting to a server that never answers
        finally:
            steps.append("start stopped")
        steps.append("ran")  # never: the cancellation ends the command

    run_command(starting())  # returns: an interruption is no error (exit 0)
    assert steps == ["start stopped"]
    assert signal.getsignal(sig) == signal.SIG_IGN


@pytest.mark.usefixtures("hup_not_ignored_at_start")
def test_a_run_after_a_start_that_swallowed_the_signals_cancellation_ends_at_once() -> None:
    """A library can turn the cancellation into an error of its own that the caller gets past
    (redis-py: a TimeoutError, taken for "the sink is down"): the run must not then go on."""
    steps: list[str] = []

    async def starting() -> None:
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            steps.append("cancellation swallowed")
        ending = await asyncio.wait_for(run_until_done(forever(steps), note=steps.append), 10)
        steps.append(ending.value)

    run_command(starting())
    assert steps == ["cancellation swallowed", "work stopped", "signal"]
