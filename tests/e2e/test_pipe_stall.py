"""Ctrl-C while the reader of a pipe has stalled: the reader only ever gets whole lines (issue 12 item 11).

The reader here is the test itself: it holds the pipe's read end without reading until feedcli
has filled the pipe and been interrupted, then reads what the pipe holds.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import termios
from pathlib import Path

import orjson
import pytest

from tests.support.cli import FEEDCLI, wait_for

F_GETPIPE_SZ = 1032


def unread(fd: int) -> int:
    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little")


def recording(path: Path, n: int, pad: int) -> None:
    with path.open("wb") as f:
        for i in range(n):
            line = {
                "provider": "tse",
                "channel": "aggregate",
                "symbol": "IRO1FOLD0001",
                "ts": None,
                "recv": f"2025-11-14T08:30:00.{i:06d}Z",
                "data": {"i": i, "pad": "x" * (pad + i % 97)},
            }
            f.write(orjson.dumps(line) + b"\n")


@pytest.mark.parametrize("pad", [300, 5000, 20000])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_replay_leaves_only_whole_lines_in_a_stalled_pipe(
    pad: int, sig: int, tmp_path: Path, env
) -> None:
    rec = tmp_path / "rec.ndjson"
    recording(rec, 3000, pad)
    read_end, write_end = os.pipe()
    capacity = fcntl.fcntl(write_end, F_GETPIPE_SZ)
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", "--speed", "0", str(rec)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    try:
        # the pipe is as full as feedcli can make it: the reader (this test) has stalled
        assert wait_for(lambda: unread(read_end) >= capacity - 2 * 4096 - pad, timeout=30)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    data = b""
    while chunk := os.read(read_end, 1 << 20):
        data += chunk
    os.close(read_end)
    assert proc.returncode in (0, 1), stderr  # 1: "the reader stopped reading; N bytes were not delivered"
    assert data, "nothing reached the pipe"
    assert data.endswith(b"\n"), (len(data), data[-80:])
    for line in data.splitlines():
        orjson.loads(line)
