"""`feedcli login` at a terminal: it asks for the user and a password it does not echo."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import time

import pytest

from tests.support.cli import FEEDCLI, Simulator

pytestmark = pytest.mark.e2e


def read_until(fd: int, needle: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_prompts_hide_the_password(env, config_dir) -> None:
    secret = "demo"
    with Simulator("tse", "--rate", "5") as sim:
        # pty.fork makes the pty the child's controlling terminal, as a login shell's is:
        # getpass needs one to turn echo off.
        pid, controller = pty.fork()
        if pid == 0:  # the child: become feedcli
            try:
                os.execve(FEEDCLI[0], [*FEEDCLI, "login", "--url", sim.url], env)
            finally:
                os._exit(127)
        try:
            screen = read_until(controller, b"User name")
            os.write(controller, b"demo\r")
            screen += read_until(controller, b"Password")
            time.sleep(0.2)  # let getpass switch echo off before typing, as a person would
            os.write(controller, secret.encode() + b"\r")
            screen += read_until(controller, b"Stored in")
            deadline = time.monotonic() + 20
            status = None
            while status is None and time.monotonic() < deadline:
                done, code = os.waitpid(pid, os.WNOHANG)
                status = os.waitstatus_to_exitcode(code) if done else None
                time.sleep(0.05)
            assert status == 0, screen
        finally:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            os.close(controller)
    typed_there = screen.split(b"Password", 1)[1].split("✓".encode(), 1)[0]
    assert secret.encode() not in typed_there  # what was typed at the prompt was not echoed
    assert b"Logged in" in screen and b"as demo" in screen
    assert (config_dir / "profiles" / "default" / "ht.json").exists()
