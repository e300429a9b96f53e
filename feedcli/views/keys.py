"""Keys typed into the live view: the terminal in cbreak mode, bytes decoded into key names.

The view asks for keys only when stdin is a terminal; piped or redirected, nothing is read.
While it reads, the terminal does not echo and hands over each key at once; Ctrl-C still
interrupts (cbreak keeps signals). The terminal's mode is restored however the view ends.
Reading stdin also means noticing its hangup: end of input or EIO marks the terminal gone,
as `terminal.watch_input` does when nothing reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

from feedcli import terminal

#: escape sequences of the keys the view knows, by what they mean
SEQUENCES = {
    b"\x1b[A": "up",
    b"\x1bOA": "up",
    b"\x1b[B": "down",
    b"\x1bOB": "down",
    b"\x1b[5~": "pageup",
    b"\x1b[6~": "pagedown",
    b"\x1b[H": "home",
    b"\x1b[F": "end",
}
SPECIAL = {b"\r": "enter", b"\n": "enter", b"\x7f": "backspace", b"\x08": "backspace", b"\x1b": "escape"}


def decode(data: bytes) -> list[str]:
    """Key names in a chunk read from the terminal: `up`, `enter`, `escape`, or the character."""
    keys: list[str] = []
    i = 0
    while i < len(data):
        for seq, name in SEQUENCES.items():
            if data.startswith(seq, i):
                keys.append(name)
                i += len(seq)
                break
        else:
            byte = data[i : i + 1]
            if byte == b"\x1b" and data[i + 1 : i + 2] in (b"[", b"O"):
                # an escape sequence we do not know: skip it whole (up to its final letter or ~)
                j = i + 2
                while j < len(data) and not (0x40 <= data[j] <= 0x7E):
                    j += 1
                i = j + 1
                continue
            if byte in SPECIAL:
                keys.append(SPECIAL[byte])
                i += 1
                continue
            # a UTF-8 character: as many bytes as its lead byte says
            lead = data[i]
            size = 1 if lead < 0x80 else 2 if lead >> 5 == 0b110 else 3 if lead >> 4 == 0b1110 else 4
            text = data[i : i + size].decode("utf-8", "replace")
            if text.isprintable():
                keys.append(text)
            i += size
    return keys


def read_keys(loop: asyncio.AbstractEventLoop, on_key: Callable[[str], None], fd: int = 0) -> Callable[[], None]:
    """Feed each key typed on terminal `fd` to `on_key`; returns what stops it and restores the mode.

    Does nothing (and returns a no-op) when `fd` is not a terminal or its mode cannot be set.
    """
    try:
        import termios
        import tty

        if not os.isatty(fd):
            return lambda: None
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd, termios.TCSANOW)
    except (ImportError, OSError, ValueError):
        return lambda: None

    def readable() -> None:
        try:
            data = os.read(fd, 1024)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # end of input, or a hung-up terminal: nothing to restore the mode of
            stop(restore=False)
            terminal.mark_gone()
            return
        for key in decode(data):
            on_key(key)

    stopped = False

    def stop(restore: bool = True) -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        terminal.claimed.discard(fd)
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            loop.remove_reader(fd)
        if restore and not terminal.gone():
            _restore(fd, saved)

    try:
        loop.add_reader(fd, readable)  # replaces `terminal.watch_input`'s watch, if any
    except (OSError, ValueError, NotImplementedError, RuntimeError):
        stop()
        return lambda: None
    terminal.claimed.add(fd)  # and keeps it from coming back while keys are read
    return stop


def _restore(fd: int, saved: list) -> None:
    """Put the terminal's mode back, without waiting and without being stopped for it.

    A process outside the terminal's foreground group (after a hangup under a wrapper that
    ignores SIGHUP) is stopped by SIGTTOU when it changes the mode: ignored for the call.
    """
    import signal
    import termios

    try:
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread
        previous = None
    try:
        with contextlib.suppress(OSError, ValueError):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTTOU, previous)
