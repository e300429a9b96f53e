"""The one line writer (sinks/writer.py) on real descriptors: pipes, a terminal, a full device."""

from __future__ import annotations

import asyncio
import errno
import os
import pty
import threading
import time

import orjson
import pytest

from feedcli import terminal
from feedcli.errors import FeedError
from feedcli.events import DataEvent
from feedcli.sinks.base import StopStream
from feedcli.sinks.ndjson import NdjsonWriter
from feedcli.sinks.writer import HIGH_WATER, LineWriter, standard_output, write_error

EVENT = DataEvent("tse", "best-limit", "IRO1FOLD0001", None, "2025-11-14T08:30:00.000000Z", {"p": 1})


def test_one_wording_for_a_failed_write() -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    assert write_error("out.ndjson", full, "lines up to the last complete one are kept") == (
        "cannot write out.ndjson: the disk is full (lines up to the last complete one are kept)"
    )
    assert write_error("stdout", full) == "cannot write stdout: the disk is full"
    assert write_error("stdout", OSError(errno.EIO, "Input/output error")) == "cannot write stdout: Input/output error"


def test_raw_lines_through_a_pipe_wait_for_a_slow_reader_and_arrive_whole_and_in_order() -> None:
    read, write = os.pipe()
    got = bytearray()

    def reader() -> None:  # slow: a pause every 64 KiB
        with os.fdopen(read, "rb") as pipe:
            while chunk := pipe.read(65536):
                got.extend(chunk)
                time.sleep(0.002)

    lines = [b'{"n":%d,"pad":"%s"}' % (i, b"x" * 200) for i in range(20_000)]  # ~4 MB, far past HIGH_WATER

    async def main() -> int:
        out = LineWriter(write, "pipe", owns_fd=True)
        await out.start()
        held = 0
        for i in range(0, len(lines), 100):
            await out.send(lines[i : i + 100])
            held = max(held, out._pipe.pending())  # type: ignore[union-attr]
        await out.aclose()
        return held

    thread = threading.Thread(target=reader)
    thread.start()
    held = asyncio.run(main())
    thread.join(30)
    assert bytes(got) == b"".join(line + b"\n" for line in lines)  # nothing lost, nothing torn
    batch = 100 * len(lines[0] + b"\n")
    assert len(got) > 10 * HIGH_WATER and held <= HIGH_WATER + batch  # memory bounded by the high-water mark


def test_a_reader_that_leaves_ends_the_writing_normally() -> None:
    read, write = os.pipe()
    os.close(read)

    async def main() -> None:
        out = NdjsonWriter(write, "pipe", owns_fd=True)
        await out.start()
        with pytest.raises(StopStream):
            for _ in range(100):
                out.emit(EVENT)
                await asyncio.sleep(0)
        await out.aclose()  # no error: a reader that left is not a failure of the run

    asyncio.run(main())


def test_a_terminal_that_vanished_is_terminal_gone_not_an_error(monkeypatch) -> None:
    monkeypatch.setattr(terminal, "_silence", lambda fds=None: None)
    master, slave = pty.openpty()

    async def main() -> None:
        out = NdjsonWriter(slave, "stdout")
        assert out.on_terminal
        await out.start()
        out.emit(EVENT)
        await asyncio.sleep(0)
        os.close(master)  # hang up
        with pytest.raises(terminal.TerminalGone):
            for _ in range(100):
                out.emit(EVENT)
                await asyncio.sleep(0)
        await out.aclose()

    try:
        asyncio.run(main())
    finally:
        os.close(slave)
    assert terminal.gone()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="uses /dev/full")
def test_a_full_device_is_one_feed_error_raised_by_the_next_write_and_by_aclose() -> None:
    async def main() -> None:
        out = LineWriter(os.open("/dev/full", os.O_WRONLY), "/dev/full", owns_fd=True)
        await out.start()
        out.write(b"line\n")
        out.flush()
        with pytest.raises(FeedError, match=r"^cannot write /dev/full: the disk is full$"):
            out.write(b"more\n")
        with pytest.raises(FeedError, match="disk is full"):
            await out.aclose()

    asyncio.run(main())


@pytest.mark.parametrize("target", ["file", "pipe"])
def test_aclose_writes_the_last_batch_even_when_the_loop_never_ran_the_scheduled_flush(tmp_path, target) -> None:
    """The last lines of a run are buffered for a flush the loop has not run yet: aclose
    must write them, on a file (direct writes) and on a pipe (the transport) alike."""
    events = [DataEvent("tse", "best-limit", "X", None, EVENT.recv, {"i": i}) for i in range(25)]
    got = bytearray()
    if target == "file":
        path = tmp_path / "out.ndjson"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    else:
        read, fd = os.pipe()
        reader = threading.Thread(target=lambda: _drain(read, got), daemon=True)
        reader.start()

    async def main() -> None:
        w = NdjsonWriter(fd, target, owns_fd=True)
        await w.start()
        for event in events:  # no await between: the scheduled flush never gets to run
            w.emit(event)
        await w.aclose()

    asyncio.run(main())
    if target == "file":
        got += path.read_bytes()
    else:
        reader.join(10)
    numbers = [orjson.loads(line)["data"]["i"] for line in bytes(got).splitlines()]
    assert numbers == list(range(25))


def _drain(fd: int, into: bytearray) -> None:
    with os.fdopen(fd, "rb", buffering=0) as f:
        while chunk := f.read(65536):
            into += chunk


def test_a_pipe_we_were_lent_is_left_blocking_as_we_found_it() -> None:
    """The event loop makes a pipe non-blocking (on the open file it shares with the shell's
    stdout); aclose gives it back blocking, or the next program writing there gets EAGAIN."""
    read, write = os.pipe()
    try:
        assert os.get_blocking(write)

        async def main() -> None:
            out = LineWriter(write, "stdout", owns_fd=False)
            await out.start()
            assert not os.get_blocking(write)  # the loop's doing: what aclose must undo
            out.write(b'{"n":1}\n')
            await out.aclose()

        asyncio.run(main())
        assert os.get_blocking(write)
        assert os.read(read, 100) == b'{"n":1}\n'
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize(
    ("hint", "said"), [(None, "standard output is closed"), ("use -o", "standard output is closed: use -o")]
)
def test_a_closed_stdout_is_one_clear_error(monkeypatch, hint: str | None, said: str) -> None:
    import sys

    monkeypatch.setattr(sys, "stdout", None)  # what Python makes of a stdout closed with >&-
    with pytest.raises(FeedError) as caught:
        standard_output(hint)
    assert str(caught.value) == said
