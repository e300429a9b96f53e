"""The NDJSON writer: events as lines on stdout, a pipe or a file (`stream`, `stream -o`, `demo`).

Each event is encoded once (orjson, straight into the writer's buffer); batching, pipes and
their backpressure, the drain at the end and every failure are the line writer's
(`sinks/writer.py`), shared with replay's output and the recording's parts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import orjson

from feedcli.errors import FeedError
from feedcli.events import DataEvent, Event
from feedcli.sinks.writer import FLUSH_AT, LineWriter, standard_output

_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE


class NdjsonWriter(LineWriter):
    """A Consumer that writes one NDJSON line per event to a file descriptor (stdout or a file).

    `controls=False` leaves control lines out (`stream` without `--events`).
    """

    def __init__(self, fd: int, name: str = "stdout", *, owns_fd: bool = False, controls: bool = True) -> None:
        super().__init__(fd, name, owns_fd=owns_fd)
        self.controls = controls

    def emit(self, event: Event) -> None:
        """Encode the event into the buffer; never blocks. Raises what stopped the writing."""
        if self._failure is not None:
            raise self._failure
        if self.controls or type(event) is DataEvent:
            self._buf += _dumps(event.to_dict(), option=_NEWLINE)
        else:
            return
        if len(self._buf) >= FLUSH_AT or not self._scheduled:
            self._later()

    def emit_lines(self, lines: Sequence[bytes]) -> None:
        """Take data lines codecs made themselves (the line path, `Codec.line`), as they are."""
        if self._failure is not None:
            raise self._failure
        self._buf += b"".join(lines)
        if len(self._buf) >= FLUSH_AT or not self._scheduled:
            self._later()


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
    return NdjsonWriter(standard_output("give -o FILE"), "stdout", controls=controls)
