"""`feedcli record` from the hostile server onto a disk that fills, and killed with SIGKILL.

The server numbers its messages (tests/faults/server.py); what `replay` reads back from the
file must be a run of them from the first, each once, in order: the disk or the kill may cut
the end off a recording, never a piece out of it.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
import zstandard

from tests.faults.driver import tse_args
from tests.faults.server import TOKEN, Attempt, FaultServer
from tests.support.cli import FEEDCLI, wait_for

pytestmark = pytest.mark.e2e

SUFFIX = {"none": "", "gzip": ".gz", "zstd": ".zst"}
DISK_SIZE = 1024 * 1024


def prefix_lines(data: bytes) -> list[bytes]:
    """The complete lines any tolerant reader gets from a (possibly cut) file, decompressed
    independently of feedcli (zlib and zstandard themselves)."""
    if data.startswith(b"\x1f\x8b"):
        data = zlib.decompressobj(wbits=31).decompress(data)
    elif data.startswith(b"\x28\xb5\x2f\xfd"):
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data[: data.rfind(b"\n") + 1].splitlines()


def numbers_of(lines: list[bytes]) -> list[int]:
    parsed = [orjson.loads(line) for line in lines]
    return [obj["data"]["n"] for obj in parsed if "channel" in obj]


def replay(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*FEEDCLI, "replay", "--speed", "0", str(path)],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


# --------------------------------------------------------------------------- a small full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None] | None]]:
    """A 1 MiB tmpfs where the machine lets us mount one (root), else a folder and a child
    file size limit of as much (RLIMIT_FSIZE: the kernel refuses the write past it, EFBIG)."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    mounted = (
        shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0700", "tmpfs", str(mount_point)],
            capture_output=True,
        ).returncode
        == 0
    )
    if mounted:
        try:
            yield mount_point, None
        finally:
            subprocess.run(["umount", str(mount_point)], capture_output=True)
        return

    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (DISK_SIZE, DISK_SIZE))

    yield mount_point, cap


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_record_onto_a_full_disk_is_one_line_exit_1_and_keeps_all_before_the_full_point(
    compress: str, small_disk, env, tmp_path: Path
) -> None:
    disk, preexec = small_disk
    out = disk / f"rec.ndjson{SUFFIX[compress]}"
    with FaultServer([Attempt(end="flood", flood=8_000)]) as server:  # about 8 MB, 4 MB compressed
        args = tse_args(server, "record", "-o", str(out), "--compress", compress)
        proc = subprocess.run(
            [*FEEDCLI, *args],
            env={**env, "FEEDCLI_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec,
            timeout=90,
        )
        sent = list(server.sent)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "disk is full" in proc.stderr, proc.stderr
    assert out.stat().st_size <= DISK_SIZE
    kept = prefix_lines(out.read_bytes())
    assert orjson.loads(kept[0])["event"] == "recording"
    numbers = numbers_of(kept)
    assert numbers and numbers == sent[: len(numbers)]  # the first k the server sent, each once
    result = replay(out, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == kept  # replay reads every line up to the full point
    assert result.stderr == b""  # cut back to a whole line, or closed at a flush point


# --------------------------------------------------------------------------- SIGKILL


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_sigkill_during_record_keeps_every_flushed_line_in_order(compress: str, env, tmp_path: Path) -> None:
    """300 messages, then a flood; SIGKILL once the 300 are on disk (a flush happened) and the
    flood is being written. Replay gives messages 1..k, k >= 300, each once: a kill cuts the
    end, and only the end (a torn last line, a compressed stream without its end marker)."""
    out = tmp_path / f"rec.ndjson{SUFFIX[compress]}"
    with FaultServer([Attempt(send=300, hold=True, end="flood", flood=200_000)]) as server:
        args = tse_args(server, "record", "-o", str(out), "--compress", compress)
        proc = subprocess.Popen(
            [*FEEDCLI, *args],
            env={**env, "FEEDCLI_TOKEN": TOKEN},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def on_disk(count: int) -> Callable[[], bool]:
                return lambda: out.exists() and len(numbers_of(prefix_lines(out.read_bytes()))) >= count

            assert wait_for(on_disk(300), 60), "the first 300 never reached the disk"
            server.release()
            assert wait_for(on_disk(1_000), 60), "the flood never reached the disk"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        sent = list(server.sent)
    data = out.read_bytes()
    kept = prefix_lines(data)
    numbers = numbers_of(kept)
    assert len(numbers) >= 1_000 and numbers == sent[: len(numbers)]
    result = replay(out, env)
    assert result.returncode == 0, result.stderr
    torn = data.rsplit(b"\n", 1)[-1] if compress == "none" else b""
    whole_tail = bool(torn) and _parses(torn)  # a write cut just before its newline
    assert result.stdout.splitlines() == kept + ([torn] if whole_tail else [])
    if compress != "none":  # killed before its end of stream: always reported
        assert b"the compressed stream ends early" in result.stderr
    elif torn and not whole_tail:
        assert result.stderr == f"feedcli: {out}: the last line is incomplete; skipped\n".encode()
    else:
        assert result.stderr == b""
    assert os.path.getsize(out) > 0


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True
