"""A terminal that vanishes (feedcli/terminal.py): noticed on a hung-up stdin, without reading a key."""

from __future__ import annotations

import asyncio
import errno
import os
import pty

import pytest

from feedcli import terminal


@pytest.fixture
def no_silencing(monkeypatch) -> list[tuple[int, ...] | None]:
    """mark_gone() would point this process's own dead standard descriptors at /dev/null: note it instead."""
    calls: list[tuple[int, ...] | None] = []
    monkeypatch.setattr(terminal, "_silence", lambda fds=None: calls.append(fds))
    return calls


def test_a_hung_up_terminal_on_stdin_is_noticed(no_silencing) -> None:
    master, slave = pty.openpty()

    async def main() -> bool:
        stop = terminal.watch_input(asyncio.get_running_loop(), slave)
        try:
            await asyncio.sleep(0.05)
            assert not terminal.gone()
            os.close(master)  # the window is closed
            for _ in range(200):
                if terminal.gone():
                    return True
                await asyncio.sleep(0.05)
            return False
        finally:
            stop()

    try:
        assert asyncio.run(main())
    finally:
        os.close(slave)
    assert no_silencing == [None]


def test_a_key_waiting_on_stdin_is_left_for_the_shell_and_is_not_a_hangup(no_silencing) -> None:
    master, slave = pty.openpty()
    os.write(master, b"q\n")  # typed, never read

    async def main() -> None:
        stop = terminal.watch_input(asyncio.get_running_loop(), slave)
        await asyncio.sleep(terminal.INPUT_RECHECK * 2.5)
        stop()

    try:
        asyncio.run(main())
        assert not terminal.gone()
        assert os.read(slave, 10) == b"q\n"  # still there
    finally:
        os.close(master)
        os.close(slave)


def test_listeners_hear_of_it_once_and_late_ones_at_once(no_silencing) -> None:
    heard: list[str] = []
    remove = terminal.on_gone(lambda: heard.append("early"))
    terminal.mark_gone()
    terminal.mark_gone()
    terminal.on_gone(lambda: heard.append("late"))
    remove()
    assert heard == ["early", "late"] and no_silencing == [None]


def test_which_errors_mean_gone() -> None:
    for code in (errno.EIO, errno.EPIPE, errno.EBADF, errno.ENXIO):
        assert terminal.is_gone_error(OSError(code, os.strerror(code)))
    assert not terminal.is_gone_error(OSError(errno.ENOSPC, "full"))
    assert not terminal.is_gone_error(ValueError("x"))


def test_a_note_to_a_stderr_whose_reader_left_is_dropped_not_raised(monkeypatch, no_silencing) -> None:
    read, write = os.pipe()
    os.close(read)
    stream = os.fdopen(write, "w")
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.setattr(terminal, "_dead", lambda fd: True)
    monkeypatch.setattr(terminal, "_broken_pipe", lambda fd: True)
    terminal.stderr_note("feedcli: something")  # EPIPE: no exception
    assert not terminal.gone() and no_silencing == [(2,)]
    with __import__("contextlib").suppress(OSError):
        stream.close()
