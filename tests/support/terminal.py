"""feedcli on a pseudo-terminal, as in a terminal window: read its screen, then close the window.

`Pty` starts a command as the session leader of a new session whose controlling terminal is
the slave side of a fresh pty (its stdin, stdout and stderr), as a shell in a terminal window
runs it. Closing the master side is closing the window: the kernel hangs the terminal up,
sends SIGHUP to the session leader, and every later write to the terminal fails with EIO.

With `wrapper=True` the session leader is instead a small parent that handles SIGHUP by doing
nothing and does not pass it on, as `make` or a `sh -c` can: feedcli, its child, never hears
of the hangup and can only notice it on its terminal. The wrapper writes feedcli's exit code
to a file, since its own terminal is gone by then.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.cli import FEEDCLI

#: make the slave side the controlling terminal of a new session, then become the command
_LEAD = (
    "import fcntl, os, sys, termios\n"
    "os.setsid()\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)
#: the same, but stay as a parent that swallows SIGHUP and records the child's exit code
_WRAP = (
    "import fcntl, os, signal, subprocess, sys, termios\n"
    "os.setsid()\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "signal.signal(signal.SIGHUP, lambda *_: None)\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(code))\n"
)


class Pty:
    """`feedcli ARGS` on a pty of `columns`×`rows`; `screen` is everything it drew so far."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        tmp_path: Path,
        *,
        wrapper: bool = False,
        columns: int = 100,
        rows: int = 30,
    ) -> None:
        self.master, slave = pty.openpty()
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.code_file = tmp_path / f"exit-code-{os.getpid()}-{time.monotonic_ns()}"
        launcher = [sys.executable, "-c", _WRAP, str(self.code_file)] if wrapper else [sys.executable, "-c", _LEAD]
        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        self.proc = subprocess.Popen([*launcher, *FEEDCLI, *args], env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.wrapper = wrapper
        self._closing = False
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.closed_at: float | None = None

    def _read(self) -> None:
        # never blocked in read(): a close() of the master while another thread reads it would
        # not take effect (the read holds the file open), and the terminal would not hang up
        while not self._closing:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the slave side is gone (EIO)
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    @property
    def feedcli_pid(self) -> int:
        """feedcli's process id (under a wrapper, the wrapper's one child)."""
        if not self.wrapper:
            return self.proc.pid
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def drained(self, timeout: float = 10) -> str:
        """The whole screen, once feedcli has ended and everything it drew has been read."""
        self._reader.join(timeout)  # it ends when the last holder of the slave side is gone
        return self.screen

    @property
    def screen(self) -> str:
        return b"".join(self._chunks).decode("utf-8", "replace")

    def hang_up(self) -> None:
        """Close the window: close the master side of the pty."""
        self._closing = True
        self._reader.join(10)
        self.closed_at = time.monotonic()
        os.close(self.master)

    def wait(self, timeout: float) -> int | None:
        """feedcli's exit code once it has ended, None if it is still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        if not self.wrapper:
            return code
        while not self.code_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = self.code_file.read_text() if self.code_file.exists() else ""
        return int(text) if text else None

    def kill(self) -> None:
        """Clean up whatever is left: the launcher's whole session."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                self.proc.kill()
            self.proc.wait(10)
        if self.closed_at is None:
            self.hang_up()
