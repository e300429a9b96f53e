"""`replay` of files made to hurt: decompression bombs, damaged members, things that are not recordings.

Memory is measured, not timed: each replay runs under a small wrapper process whose only child
is feedcli, and the wrapper reports its children's peak resident size (ru_maxrss). The child also
runs under an address-space limit, so that a regression fails the test instead of the machine.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import orjson
import pytest

from tests.support.cli import FEEDCLI, run, wait_for

#: what replay may use at most on any input (CONTRACT: bounded memory on hostile input)
PEAK_LIMIT_MB = 200
#: the address space a replay is given: far above a correct run, far below the machine
ADDRESS_SPACE = 1536 << 20

_MEASURE = """
import resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, preexec_fn=cap)
sys.stderr.buffer.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def replay_peak(args: list[str], env: dict[str, str]) -> tuple[int, int, str]:
    """Run `feedcli replay ARGS` (stdout to /dev/null): exit code, peak RSS in MB, stderr."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(ADDRESS_SPACE), *FEEDCLI, "replay", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, peak_kb = done.stdout.split()
    return int(code), int(peak_kb) // 1024, done.stderr


# ---------------------------------------------------------------------- bombs, made by hand
def zstd_rle_bomb(byte: bytes, size: int) -> bytes:
    """A zstd frame of `size` copies of `byte`: RLE blocks of 128 KiB, 4 bytes each."""
    block = 128 << 10
    count, rest = divmod(size, block)
    frame = bytearray(b"\x28\xb5\x2f\xfd\x00\x38")  # magic; no content size; window 128 KiB
    full = ((block << 3) | 2).to_bytes(3, "little") + byte
    frame += full * count
    frame += ((rest << 3) | 2 | 1).to_bytes(3, "little") + byte  # the last block
    return bytes(frame)


def gzip_bomb(byte: bytes, size: int, members: int = 1) -> bytes:
    """`members` gzip members that together expand to `size` copies of `byte`."""
    out = bytearray()
    chunk = byte * (1 << 20)
    for _ in range(members):
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        for _ in range(size // members // len(chunk)):
            out += z.compress(chunk)
        out += z.flush()
    return bytes(out)


BOMBS = {
    "zstd-newlines": lambda: zstd_rle_bomb(b"\n", 600 << 20),
    "zstd-one-line": lambda: zstd_rle_bomb(b"a", 600 << 20),
    "gzip-newlines": lambda: gzip_bomb(b"\n", 400 << 20),
    "gzip-one-line-4-members": lambda: gzip_bomb(b"a", 400 << 20, members=4),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_decompression_bomb_is_read_in_bounded_memory(name: str, tmp_path: Path, env) -> None:
    bomb = tmp_path / "bomb.ndjson"
    bomb.write_bytes(BOMBS[name]())
    assert bomb.stat().st_size < 1 << 20  # hundreds of MB out of well under one
    code, peak, stderr = replay_peak(["--speed", "0", str(bomb)], env)
    assert peak < PEAK_LIMIT_MB, (peak, stderr)
    if "newlines" in name:
        assert code == 0, stderr
        assert "is empty" in stderr
    else:
        assert code == 2, stderr
        assert "is not a feedcli recording" in stderr


def test_a_long_line_is_dropped_at_the_cap_not_after_it_and_the_next_lines_play(tmp_path: Path, env) -> None:
    good = b'{"provider":"tse","event":"recording","recv":"2025-11-14T08:30:00.000000Z"}\n'
    path = tmp_path / "long.ndjson.zst"
    path.write_bytes(zstd_rle_bomb(b"a", 300 << 20) + zstd_rle_bomb(b"\n", 1) + zstd_one(good))
    code, peak, stderr = replay_peak(["--speed", "0", str(path)], env)
    assert code == 0, stderr
    assert peak < PEAK_LIMIT_MB, (peak, stderr)
    assert "line 1 is longer than 64 MiB" in stderr


def zstd_one(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def fd_position(pid: int, path: Path) -> int:
    """How far process `pid` has read the file `path` (0 while it has not opened it)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            if os.readlink(fd) == str(path):
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(info.split("pos:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        pass
    return 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_the_replay_of_a_bomb_while_it_decompresses(sig: int, tmp_path: Path, env) -> None:
    bomb = tmp_path / "bomb.zst"
    bomb.write_bytes(zstd_rle_bomb(b"\n", 64 << 30))  # 64 GiB of newlines: reading it all takes minutes
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", "--speed", "0", str(bomb)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: __import__("resource").setrlimit(
            __import__("resource").RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE)
        ),
    )
    try:
        # it has read past the first bytes (read before the run starts): the run is under way
        assert wait_for(lambda: fd_position(proc.pid, bomb) > 4, timeout=30), "replay did not start reading"
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0  # the user's interruption (CONTRACT.md), answered while the bomb was being read


# ---------------------------------------------------------------------- damaged and foreign files
def recording_lines(n: int, start: int = 0) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "provider": "tse",
                "channel": "aggregate",
                "symbol": "IRO1FOLD0001",
                "ts": None,
                "recv": f"2025-11-14T08:30:{(start + i) % 60:02d}.{start + i:06d}Z",
                "data": {"n": start + i},
            }
        )
        + b"\n"
        for i in range(n)
    ]


def test_a_damaged_gzip_member_is_skipped_and_the_members_after_it_play(tmp_path: Path, env) -> None:
    first, second, third = recording_lines(30, 0), recording_lines(30, 30), recording_lines(30, 60)
    damaged = bytearray(gzip.compress(b"".join(second)))
    damaged[len(damaged) // 2 : len(damaged) // 2 + 8] = b"\xff" * 8
    path = tmp_path / "rec.ndjson.gz"
    path.write_bytes(gzip.compress(b"".join(first)) + bytes(damaged) + gzip.compress(b"".join(third)))
    result = run(["replay", "--speed", "0", str(path)], env)
    assert result.returncode == 0, result.stderr
    got = result.stdout.encode().splitlines(keepends=True)
    assert got[:30] == first
    assert got[-30:] == third  # every line of the member after the damage
    assert set(got) <= set(first + second + third)  # nothing made up
    assert "damaged after line" in result.stderr and "next gzip member" in result.stderr


@pytest.mark.parametrize(
    "content",
    [os.urandom(200_000), Path("/etc/passwd").read_bytes() if Path("/etc/passwd").exists() else b"root:x:0:0\n"],
    ids=["random-bytes", "etc-passwd"],
)
def test_a_file_that_is_not_a_recording_is_exit_2_in_one_line(content: bytes, tmp_path: Path, env) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(content)
    result = run(["replay", "--speed", "0", str(path)], env)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "not a feedcli recording" in result.stderr


def test_an_empty_file_says_so(tmp_path: Path, env) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    result = run(["replay", "--speed", "0", str(path)], env)
    assert result.returncode == 0
    assert "is empty" in result.stderr


def test_a_recording_with_some_damaged_lines_still_plays_and_reports_them(tmp_path: Path, env) -> None:
    good = recording_lines(10)
    path = tmp_path / "some.ndjson"
    path.write_bytes(b"garbage\n" + b"".join(good[:5]) + b"\x00\x01 not json\n" + b"".join(good[5:]))
    result = run(["replay", "--speed", "0", str(path)], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.encode() == b"".join(good)
    assert "line 1 is not JSON" in result.stderr and "line 7 is not JSON" in result.stderr


@pytest.mark.parametrize("name", ["zstd-newlines", "zstd-one-line"])
def test_replay_serve_reads_a_bomb_in_bounded_memory_and_refuses_it(name: str, tmp_path: Path, env) -> None:
    bomb = tmp_path / "bomb.ndjson"
    bomb.write_bytes(BOMBS[name]())
    code, peak, stderr = replay_peak(["--serve", "127.0.0.1:0", str(bomb)], env)
    assert code == 2, stderr
    assert peak < PEAK_LIMIT_MB, (peak, stderr)


@pytest.mark.parametrize("flag", ["--from", "--to"])
@pytest.mark.parametrize("text", ["2025-11-14T08:30+24:00", "9999-12-31T23:59:59-23:59"])
def test_a_time_out_of_range_is_bad_usage(flag: str, text: str, tmp_path: Path, env) -> None:
    path = tmp_path / "rec.ndjson"
    path.write_bytes(b"".join(recording_lines(3)))
    result = run(["replay", "--speed", "0", flag, text, str(path)], env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "out of range" in result.stderr
