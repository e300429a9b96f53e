"""The recording writer: headers, rotation, compression, crashes, full disks, naming, counters.

These drive `RecordingWriter` directly with events and real files in tmp_path; crashes and
file size limits run in a child process, since they kill or cap the process that writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import zstandard

import feedcli
from feedcli.errors import FeedError, UsageError
from feedcli.events import ControlEvent, DataEvent, RecvClock, encode_line, parse_recv
from feedcli.sinks.compress_process import RemoteStream
from feedcli.sinks.recording import MAX_PENDING, SYNC_AT, RecordingWriter
from feedcli.sinks.scrub import scrub

CLOCK = RecvClock()
SECRET_DESCRIBE = {
    "subscription": {"isin": ["IRO1FOLD0001"], "channels": ["best-limit"]},
    "url": "http://alice:hunter2@127.0.0.1:8765/?token=tok-in-url&x=1",
    "token": "tok-plain",
    "Authorization": "Bearer tok-bearer",
    "nested": [{"password": "pw-nested", "keep": "yes"}, "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"],
    "headers": {"X-Api-Key": "api-secret", "User-Agent": "feedcli"},
}
SECRETS = ("hunter2", "tok-in-url", "tok-plain", "tok-bearer", "pw-nested", "eyJhbGciOi", "api-secret")


def data(i: int, pad: int = 40, rng: random.Random | None = None) -> DataEvent:
    """A data event numbered `i`; random padding makes it hard to compress when asked."""
    filler = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=pad)) if rng else "x" * pad
    return DataEvent("tse", "best-limit", "IRO1FOLD0001", None, CLOCK.now(), {"i": i, "pad": filler})


def control(event: str, **fields: object) -> ControlEvent:
    return ControlEvent("tse", event, CLOCK.now(), dict(fields))


def decompress(raw: bytes) -> bytes:
    """A part's NDJSON text, whatever its compression (told apart by the magic bytes)."""
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw


def prefix_text(raw: bytes) -> bytes:
    """What a stream that was never finished (a crash) decompresses to, without complaint."""
    if raw[:2] == b"\x1f\x8b":
        return zlib.decompressobj(31).decompress(raw)
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw


def parts(writer: RecordingWriter) -> list[list[dict]]:
    """Every part's lines, parsed; fails if a line does not parse or a part does not end a line."""
    out = []
    for path in writer.files:
        text = decompress(Path(path).read_bytes())
        assert text.endswith(b"\n"), path
        out.append([orjson.loads(line) for line in text.splitlines()])
    return out


def record(writer: RecordingWriter, events, *, every: int = 50, pause: float = 0.0) -> None:
    """Open, start, emit (yielding to the loop now and then, as a session does), close."""

    async def main() -> None:
        writer.open()
        await writer.start()
        for n, event in enumerate(events, 1):
            writer.emit(event)
            if n % every == 0:
                await asyncio.sleep(pause)
        await writer.aclose()

    asyncio.run(main())


def writer(path: Path | str, **kw) -> RecordingWriter:
    kw.setdefault("provider", "tse")
    kw.setdefault("describe", {"subscription": {"isin": ["IRO1FOLD0001"]}})
    return RecordingWriter(str(path), **kw)


def _parses(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def ext(compress: str) -> str:
    return {"none": "", "gzip": ".gz", "zstd": ".zst"}[compress]


# ---------------------------------------------------------------------- header
def test_every_part_starts_with_a_header_without_secrets(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson", describe=SECRET_DESCRIBE, rotate_size=4000)
    events = [control("connected", url="http://127.0.0.1:8765"), *(data(i) for i in range(200))]
    record(w, events)
    got = parts(w)
    assert len(got) > 3
    started = {p[0]["started"] for p in got}
    assert len(started) == 1  # the recording's start, the same in every part
    for number, (path, lines) in enumerate(zip(w.files, got, strict=True), 1):
        head = lines[0]
        assert head["provider"] == "tse" and head["event"] == "recording" and "channel" not in head
        assert head["feedcli"] == feedcli.__version__
        assert head["part"] == number and head["file"] == os.path.basename(path)
        assert head["subscription"] == SECRET_DESCRIBE["subscription"]
        assert head["url"] == "http://alice@127.0.0.1:8765/?x=1"
        assert head["nested"] == [{"keep": "yes"}]
        assert head["headers"] == {"User-Agent": "feedcli"}
        assert not {"token", "Authorization"} & head.keys()
        assert head["started"] <= head["recv"]  # recv: when this part began
        assert [line for line in lines[1:] if line.get("event") == "recording"] == []
    raw = b"".join(Path(p).read_bytes() for p in w.files)
    for secret in SECRETS:
        assert secret.encode() not in raw


def test_scrub_keeps_the_rest_and_makes_it_json() -> None:
    cleaned = scrub({"a": (1, 2), "b": {"passcode": 1, "c": None}, "d": object, "moex_password": "x", "e": 1.5})
    assert cleaned["a"] == [1, 2] and cleaned["b"] == {"c": None} and cleaned["e"] == 1.5
    assert isinstance(cleaned["d"], str) and "moex_password" not in cleaned


def test_control_lines_are_recorded_in_order(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson")
    events = [
        control("connected", url="u"),
        data(0),
        control("disconnected", reason="x", code=1006, attempt=1),
        control("reconnected", url="u", attempt=1),
        control("gap", seconds=2.5),
        data(1),
    ]
    record(w, events)
    (lines,) = parts(w)
    assert [line.get("event", line.get("channel")) for line in lines] == [
        "recording",
        "connected",
        "best-limit",
        "disconnected",
        "reconnected",
        "gap",
        "best-limit",
    ]
    assert w.reconnects == 1 and w.messages == 2 and w.lines == 6


# ---------------------------------------------------------------------- rotation
@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_rotation_by_size_splits_no_line_and_loses_none(tmp_path, compress) -> None:
    rng = random.Random(7)
    limit = 8000 if compress == "none" else 12000
    w = writer(tmp_path / f"rec.ndjson{ext(compress)}", rotate_size=limit, compress=compress)
    events = [data(i, pad=rng.randrange(20, 200), rng=rng) for i in range(1500)]
    record(w, events)
    got = parts(w)
    assert len(got) >= 5
    for path in w.files:
        assert os.path.getsize(path) <= limit, path  # compressed parts count the text, an upper bound
    assert [line["data"]["i"] for lines in got for line in lines[1:]] == list(range(1500))
    assert [lines[0]["part"] for lines in got] == list(range(1, len(got) + 1))
    names = [os.path.basename(p) for p in w.files]
    assert names[:3] == [
        f"rec.ndjson{ext(compress)}",
        f"rec.0002.ndjson{ext(compress)}",
        f"rec.0003.ndjson{ext(compress)}",
    ]
    assert w.bytes_written == sum(os.path.getsize(p) for p in w.files)


def test_a_line_larger_than_the_size_gets_a_part_of_its_own(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson", rotate_size=300)
    record(w, [data(0, pad=10), data(1, pad=1000), data(2, pad=10)])
    got = parts(w)
    assert [[line["data"]["i"] for line in lines[1:]] for lines in got] == [[0], [1], [2]]


def test_rotation_by_interval(tmp_path) -> None:
    w = writer(tmp_path, rotate_interval=0.3, compress="gzip", flush_interval=0.1)
    record(w, (data(i) for i in range(120)), every=1, pause=0.01)
    got = parts(w)
    assert len(got) >= 4
    assert [line["data"]["i"] for lines in got for line in lines[1:]] == list(range(120))
    # later parts start on their slot's boundary: a multiple of 0.3 s since the epoch
    for lines in got[1:]:
        slots = parse_recv(lines[0]["recv"]) / 0.3
        assert abs(slots - round(slots)) < 1e-3


def test_interval_rotation_ends_a_part_on_time_when_no_line_comes(tmp_path) -> None:
    w = writer(tmp_path / "quiet.ndjson.zst", rotate_interval=0.2, compress="zstd", flush_interval=5)

    async def main() -> list[str]:
        w.open()
        await w.start()
        w.emit(data(0))
        await asyncio.sleep(0.5)
        finished = list(w.files[:-1])
        await w.aclose()
        return finished

    finished = asyncio.run(main())
    assert len(finished) >= 1
    # the first part was finished (an end of frame) while the recording went on
    assert zstandard.ZstdDecompressor().decompress(Path(finished[0]).read_bytes(), max_output_size=1 << 20)
    assert len(parts(w)) == len(w.files)


# ---------------------------------------------------------------------- naming
def test_directory_mode_names_parts_by_provider_and_start_time(tmp_path) -> None:
    target = tmp_path / "recordings"
    w = writer(f"{target}/", rotate_size=2000, compress="zstd", provider="ime")
    record(w, [data(i, rng=random.Random(i)) for i in range(100)])
    assert target.is_dir()
    names = [os.path.basename(p) for p in w.files]
    assert len(names) >= 2 and len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"ime-\d{8}T\d{6}Z(-\d+)?\.ndjson\.zst", name), name
    assert sorted(os.listdir(target)) == sorted(names)


def test_an_existing_directory_never_loses_a_file(tmp_path) -> None:
    first = writer(tmp_path)
    record(first, [data(0)])
    second = writer(tmp_path)  # same second, same name: -2
    record(second, [data(1)])
    assert first.files[0] != second.files[0]
    assert parts(first)[0][1]["data"]["i"] == 0 and parts(second)[0][1]["data"]["i"] == 1


def test_an_existing_file_is_never_overwritten(tmp_path) -> None:
    out = tmp_path / "rec.ndjson"
    out.write_text("last week's\n")
    with pytest.raises(UsageError, match="exists; record never overwrites"):
        writer(out).open()
    assert out.read_text() == "last week's\n"


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symbolic_link_at_the_output_path_is_never_followed(tmp_path, dangling: bool) -> None:
    target = tmp_path / "precious.txt"
    if not dangling:
        target.write_text("keep me\n")
    link = tmp_path / "rec.ndjson"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="symbolic link"):
        writer(link).open()
    assert link.is_symlink()
    assert (target.read_text() == "keep me\n") if not dangling else not target.exists()


def test_a_device_is_written_to(tmp_path) -> None:
    w = writer("/dev/null")
    record(w, [data(0)])
    assert w.files == ["/dev/null"]


@pytest.mark.parametrize("rotate_size", [1000, None])
@pytest.mark.parametrize("left", ["rec.0002.ndjson.gz", "rec.2.ndjson.gz", "rec.0003-2.ndjson.gz"])
def test_parts_left_by_an_earlier_recording_are_refused_with_or_without_rotation(
    tmp_path, left: str, rotate_size: int | None
) -> None:
    (tmp_path / left).write_bytes(b"earlier")
    with pytest.raises(UsageError, match=rf"{re.escape(left)} is left from an earlier recording"):
        writer(tmp_path / "rec.ndjson.gz", compress="gzip", rotate_size=rotate_size).open()
    assert (tmp_path / left).read_bytes() == b"earlier"
    assert not (tmp_path / "rec.ndjson.gz").exists()


def test_part_numbers_sort_by_name(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson", rotate_size=300)
    record(w, [data(i, pad=200) for i in range(12)])
    later = [os.path.basename(p) for p in w.files[1:]]
    assert len(later) >= 11
    assert later == sorted(later)
    assert later[0] == "rec.0002.ndjson" and later[9] == "rec.0011.ndjson"


@pytest.mark.parametrize("name", ["rec", "rec.jsonl", "rec.gz", "day.2025-01-01.ndjson.zst"])
def test_later_parts_take_the_number_before_the_extensions(tmp_path, name) -> None:
    w = writer(tmp_path / name, rotate_size=10)
    record(w, [data(0), data(1)])
    expected = {
        "rec": "rec.0002",
        "rec.jsonl": "rec.0002.jsonl",
        "rec.gz": "rec.0002.gz",
        "day.2025-01-01.ndjson.zst": "day.2025-01-01.0002.ndjson.zst",
    }[name]
    assert [os.path.basename(p) for p in w.files] == [name, expected]


# ---------------------------------------------------------------------- compression and durability
@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_compressed_parts_are_complete_streams_after_close(tmp_path, compress) -> None:
    w = writer(tmp_path / f"rec.ndjson{ext(compress)}", compress=compress, rotate_size=50_000)
    rng = random.Random(3)
    record(w, [data(i, pad=100, rng=rng) for i in range(3000)])
    assert len(w.files) >= 3
    for path in w.files:
        raw = Path(path).read_bytes()
        if compress == "gzip":
            # a complete member: the strict reader checks the CRC and length trailer
            with gzip.open(path) as f:
                assert f.read().endswith(b"\n")
        else:
            dobj = zstandard.ZstdDecompressor().decompressobj()
            dobj.decompress(raw)
            assert dobj.eof  # the frame was ended
        tool = shutil.which("gzip" if compress == "gzip" else "zstd")
        if tool:
            assert subprocess.run([tool, "-t", path], capture_output=True).returncode == 0
    assert sum(len(lines) - 1 for lines in parts(w)) == 3000


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_flushed_data_is_readable_while_the_writer_is_still_open(tmp_path, compress) -> None:
    w = writer(tmp_path / f"rec.ndjson{ext(compress)}", compress=compress, flush_interval=0.1)

    async def main() -> bytes:
        w.open()
        await w.start()
        for i in range(500):
            w.emit(data(i))
        await asyncio.sleep(0.35)  # a periodic flush ran
        snapshot = Path(w.files[0]).read_bytes()  # what a crash now would leave
        for i in range(500, 600):
            w.emit(data(i))
        await w.aclose()
        return snapshot

    snapshot = asyncio.run(main())
    text = prefix_text(snapshot)
    assert text.endswith(b"\n")  # only sync points reach the file: no torn line
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert lines[0]["event"] == "recording"
    assert [line["data"]["i"] for line in lines[1:]] == list(range(500))


CHILD = textwrap.dedent(
    """
    import asyncio, os, random, sys
    from feedcli.events import DataEvent, RecvClock
    from feedcli.errors import FeedError
    from feedcli.sinks.recording import RecordingWriter

    path, compress, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    clock, rng = RecvClock(), random.Random(1)

    def event(i):
        pad = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randrange(50, 400)))
        return DataEvent("tse", "best-limit", "X", None, clock.now(), {"i": i, "pad": pad})

    async def main():
        w = RecordingWriter(path, provider="tse", describe={}, compress=compress, flush_interval=0.1)
        w.open()
        await w.start()
        i = 0
        try:
            if mode == "crash":
                for i in range(300):
                    w.emit(event(i))
                await asyncio.sleep(0.4)
                print(300, flush=True)
                i = 300
                while True:  # more lines than ever get flushed, until SIGKILL
                    w.emit(event(i))
                    i += 1
                    if i % 20 == 0:
                        await asyncio.sleep(0.01)
            while True:  # "full": until the file size limit stops us
                w.emit(event(i))
                i += 1
                if i % 20 == 0:
                    await asyncio.sleep(0)
        except FeedError as exc:
            print("emit:", exc, flush=True)
        try:
            await w.aclose()
        except FeedError as exc:
            print("aclose:", exc, flush=True)
            sys.exit(exc.exit_code)

    asyncio.run(main())
    """
)


def child(path: Path, compress: str, mode: str, **kw) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), compress, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_kill_9_leaves_every_flushed_line_readable(tmp_path, compress) -> None:
    """What SIGKILL guarantees: every line before a possibly torn last one is whole, and replay says so.

    The kernel may cut a write short when the process is killed in the middle of it, so the
    file can end inside a line: that is the one thing a crash may tear, and replay reports it.
    """
    path = tmp_path / f"crash.ndjson{ext(compress)}"
    proc = child(path, compress, "crash")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "300"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    text = prefix_text(path.read_bytes())  # an unfinished stream decompresses up to the last flush
    whole, _, torn = text.rpartition(b"\n")
    lines = [orjson.loads(line) for line in whole.split(b"\n")]
    assert lines[0]["event"] == "recording"
    numbers = [line["data"]["i"] for line in lines[1:]]
    assert numbers == list(range(len(numbers))) and len(numbers) >= 300
    # a torn tail is the beginning of the next line, never a piece of another one
    assert b'{"provider":"tse","channel":"best-limit"'.startswith(torn[:40])
    replayed = subprocess.run(
        [sys.executable, "-m", "feedcli", "replay", "--speed", "0", str(path)],
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert replayed.returncode == 0, replayed.stderr
    # a write cut just before its newline leaves a whole object, which replay keeps
    cut_at_newline = bool(torn) and torn.endswith(b"}") and _parses(torn)
    assert replayed.stdout.splitlines() == whole.split(b"\n") + ([torn] if cut_at_newline else [])
    if compress != "none":  # killed before its end of stream: always reported
        assert b"the compressed stream ends early" in replayed.stderr
    elif torn and not cut_at_newline:
        assert f"{path}: the last line is incomplete; skipped".encode() in replayed.stderr
    else:
        assert replayed.stderr == b""


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_a_full_disk_is_a_clear_error_and_the_file_stays_valid(tmp_path, compress) -> None:
    path = tmp_path / f"full.ndjson{ext(compress)}"
    cap = 300_000

    def limit() -> None:  # the kernel refuses writes past `cap` bytes (EFBIG), like a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    proc = child(path, compress, "full", preexec_fn=limit)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "emit: cannot write" in out and "the disk is full" in out
    assert "aclose: cannot write" in out
    raw = path.read_bytes()
    assert 0 < len(raw) <= cap
    # complete, not merely a prefix: a plain file ends on a line, a compressed one is sealed
    text = decompress(raw)
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert text.endswith(b"\n") and lines[0]["event"] == "recording"
    assert [line["data"]["i"] for line in lines[1:]] == list(range(len(lines) - 1))
    assert len(lines) > 10
    tool = {"gzip": "gzip", "zstd": "zstd"}.get(compress)
    if tool and shutil.which(tool):
        assert subprocess.run([tool, "-t", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_dev_full_fails_at_open(tmp_path, compress) -> None:
    """A compressed part that could not write even its first sync point has no end marker to
    write by hand either: the same one-line error, not a crash."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(FeedError, match=r"cannot write /dev/full: the disk is full"):
        writer("/dev/full", compress=compress).open()


@pytest.mark.parametrize("compress", ["none", "gzip"])
def test_a_write_error_surfaces_from_emit_and_aclose(tmp_path, compress, monkeypatch) -> None:
    w = writer(tmp_path / f"rec.ndjson{ext(compress)}", compress=compress)

    async def main() -> None:
        w.open()
        await w.start()
        w.emit(data(0))
        w.flush()
        real_write = os.write

        def failing(fd: int, buf) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "write", failing)
        with pytest.raises(FeedError, match="disk is full"):
            for i in range(1, 100):
                w.emit(data(i))
                w.flush()
        with pytest.raises(FeedError, match="disk is full"):
            w.emit(data(100))
        monkeypatch.setattr(os, "write", real_write)
        with pytest.raises(FeedError, match="disk is full"):
            await w.aclose()
        with pytest.raises(FeedError, match="disk is full"):
            await w.aclose()  # again: the same error, nothing else

    asyncio.run(main())
    # every write refused, so no room even for an end marker: the flushed prefix still reads
    text = prefix_text(Path(w.files[0]).read_bytes())
    assert [orjson.loads(line)["data"]["i"] for line in text.splitlines()[1:]] == [0]


@pytest.mark.parametrize("sub", ["/nonexistent-dir/rec.ndjson", "{file}/rec.ndjson", "{file}/dir/"])
def test_an_unwritable_path_fails_at_open(tmp_path, sub) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = sub.format(file=blocker)
    with pytest.raises(FeedError, match=r"cannot open .* for writing: "):
        writer(path).open()


def test_record_refuses_stdout_and_bad_options(tmp_path) -> None:
    with pytest.raises(UsageError):
        writer("-")
    with pytest.raises(UsageError):
        writer(tmp_path / "x", compress="bz2")
    with pytest.raises(UsageError):
        writer(tmp_path / "x", rotate_size=0)
    with pytest.raises(UsageError):
        writer(tmp_path / "x", rotate_interval=0)


def test_aclose_twice_and_emit_after_close(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson.gz", compress="gzip")

    async def main() -> None:
        w.open()
        await w.start()
        w.emit(data(0))
        await w.aclose()
        await w.aclose()
        with pytest.raises(FeedError):
            w.emit(data(1))

    asyncio.run(main())
    assert len(parts(w)[0]) == 2


# ---------------------------------------------------------------------- counters (what a status line shows)
def test_counters_for_a_status_line(tmp_path) -> None:
    w = writer(tmp_path / "rec.ndjson")
    seen: list[tuple] = []

    async def main() -> None:
        w.open()
        await w.start()
        assert (w.messages, w.reconnects, w.connected) == (0, 0, None)
        w.emit(control("connected"))
        for i in range(30):
            w.emit(data(i))
        w.emit(control("disconnected", reason="x"))
        seen.append((w.messages, w.reconnects, w.connected))
        w.emit(control("reconnected", attempt=1))
        await asyncio.sleep(0)
        seen.append((w.messages, w.reconnects, w.connected, w.current_file, w.current_size))
        await w.aclose()

    asyncio.run(main())
    path = str(tmp_path / "rec.ndjson")
    assert seen == [(30, 0, False), (30, 1, True, path, os.path.getsize(path))]


def test_the_writer_never_draws_on_the_terminal(tmp_path, monkeypatch) -> None:
    """A sink never draws: whatever stderr is, the writer leaves it alone (the CLI draws the status line)."""
    err = io.StringIO()
    err.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stderr", err)
    w = RecordingWriter(str(tmp_path / "rec.ndjson"), provider="tse", describe={})
    record(w, [control("connected"), *(data(i) for i in range(10)), control("reconnected", attempt=1)])
    assert err.getvalue() == ""


# ---------------------------------------------------------------------- end to end: `feedcli record`
@pytest.fixture(scope="module")
def sim():
    from tests.support.cli import Simulator

    with Simulator("tse", "--rate", "500") as s:
        yield s


def _record_until(args: list[str], env: dict[str, str], files: Callable[[], list[Path]], sig: int) -> str:
    """Run `feedcli record ...` until it wrote something, then send `sig`; its stderr."""
    from tests.support.cli import FEEDCLI, wait_for

    proc = subprocess.Popen(
        [*FEEDCLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: sum(p.stat().st_size for p in files()) > 3000, timeout=20)
        time.sleep(0.5)  # lines in flight, between two flushes
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == b""
    return err.decode()


def _check_recording(paths: list[Path], config_dir: Path, *, provider: str = "tse") -> list[dict]:
    """Every part a complete stream of parseable lines, with its header first and no credential."""
    secrets = [
        m.group(0)
        for f in config_dir.rglob("*")
        if f.is_file()
        for m in re.finditer(rb"eyJ[\w-]+\.[\w-]+\.[\w-]*", f.read_bytes())
    ]
    everything: list[dict] = []
    assert paths
    for number, path in enumerate(paths, 1):
        raw = path.read_bytes()
        for secret in secrets:
            assert secret not in decompress(raw)
        text = decompress(raw)  # strict: a gzip trailer or a zstd end of frame must be there
        if raw[:4] == b"\x28\xb5\x2f\xfd":
            dobj = zstandard.ZstdDecompressor().decompressobj()
            dobj.decompress(raw)
            assert dobj.eof
        assert text.endswith(b"\n")
        lines = [orjson.loads(line) for line in text.splitlines()]
        head = lines[0]
        assert head["event"] == "recording" and head["provider"] == provider and head["part"] == number
        assert head["feedcli"] == feedcli.__version__ and head["file"] == path.name
        assert "subscription" in head and head["url"].startswith("http://127.0.0.1:")
        everything += lines[1:]
    assert any(line.get("event") == "connected" for line in everything)
    assert sum(1 for line in everything if "channel" in line) > 10
    return everything


def test_record_gzip_closes_properly_on_sigint(sim, env, config_dir, tmp_path) -> None:
    from feedcli.simulators.ht_market import TSE_UNIVERSE
    from tests.support.cli import login

    login(sim, env)
    out = tmp_path / "rec.ndjson.gz"
    args = ["record", "tse", "--url", sim.url, "--isin", TSE_UNIVERSE[0].isin, "-o", str(out)]
    args += ["--compress", "gzip", "--rotate-size", "20kB"]
    err = _record_until(args, env, lambda: sorted(tmp_path.glob("rec*.ndjson.gz")), signal.SIGINT)
    assert err == ""  # stderr is not a terminal: no status line
    paths = [out, *sorted(tmp_path.glob("rec.*.ndjson.gz"), key=lambda p: int(p.name.split(".")[1]))]
    lines = _check_recording(paths, config_dir)
    assert all(line["recv"].endswith("Z") for line in lines)


def test_record_zstd_into_a_directory_closes_properly_on_sigterm(sim, env, config_dir, tmp_path) -> None:
    from feedcli.simulators.ht_market import TSE_UNIVERSE
    from tests.support.cli import login

    login(sim, env)
    target = tmp_path / "recordings"
    args = ["record", "tse", "--url", sim.url, "--isin", TSE_UNIVERSE[0].isin, "-o", f"{target}/"]
    args += ["--compress", "zstd", "--rotate-interval", "1s", "--flush-interval", "0.2"]
    _record_until(args, env, lambda: sorted(target.glob("*")), signal.SIGTERM)
    paths = sorted(target.glob("*"), key=lambda p: p.stat().st_mtime_ns)
    for path in paths:
        assert re.fullmatch(r"tse-\d{8}T\d{6}Z(-\d+)?\.ndjson\.zst", path.name), path.name
    paths.sort(key=lambda p: orjson.loads(decompress(p.read_bytes()).split(b"\n", 1)[0])["part"])
    _check_recording(paths, config_dir)


def test_record_on_a_terminal_shows_a_status_line_and_clears_it(sim, env, tmp_path) -> None:
    from feedcli.simulators.ht_market import TSE_UNIVERSE
    from tests.support.cli import login, wait_for
    from tests.support.terminal import Pty

    login(sim, env)
    out = tmp_path / "rec.ndjson"
    term = Pty(["record", "tse", "--url", sim.url, "--isin", TSE_UNIVERSE[0].isin, "-o", str(out)], env, tmp_path)
    try:
        status = re.compile(r"recording tse: [\d,]+ msgs, [\d,]+/s, 0 reconnects, rec\.ndjson [\d.]+ (bytes|kB|MB)")
        assert wait_for(lambda: len(status.findall(term.screen)) >= 2, timeout=20), term.screen
        term.proc.send_signal(signal.SIGINT)
        assert term.wait(20) == 0
        screen = term.drained()
    finally:
        term.kill()
    drawn, _, end = screen.partition("recording tse:")[2].rpartition("\x1b[?25h")  # until the cursor is back
    assert drawn.count("recording tse:") >= 2 and "\n" not in drawn.rstrip("\r\n")  # redrawn in place
    assert end.rstrip("\r\n").endswith("\x1b[1A\x1b[2K")  # and erased at the end
    assert "Traceback" not in screen


@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_closing_the_terminal_finishes_the_recording(sim, env, config_dir, tmp_path, compress) -> None:
    """A hangup (SIGHUP, the terminal window closed) ends `record` as SIGTERM does: every file complete."""
    from feedcli.simulators.ht_market import TSE_UNIVERSE
    from tests.support.cli import login, wait_for
    from tests.support.terminal import Pty

    login(sim, env)
    target = tmp_path / "recordings"
    args = ["record", "tse", "--url", sim.url, "--isin", TSE_UNIVERSE[0].isin, "-o", f"{target}/"]
    term = Pty([*args, "--compress", compress], env, tmp_path)
    try:
        assert wait_for(lambda: sum(p.stat().st_size for p in target.glob("*")) > 3000, timeout=20), term.screen
        time.sleep(0.5)  # lines in flight, between two flushes
        term.hang_up()
        assert term.wait(30) == 0
    finally:
        term.kill()
    paths = sorted(target.glob("*"), key=lambda p: p.stat().st_mtime_ns)
    _check_recording(paths, config_dir)  # strict: the gzip trailer, the zstd end of frame


def test_a_recording_that_never_hears_the_hangup_goes_on(sim, env, config_dir, tmp_path) -> None:
    """What `setsid` (or a wrapper that keeps SIGHUP) gives: the terminal goes, the recording does not."""
    from feedcli.simulators.ht_market import TSE_UNIVERSE
    from tests.support.cli import login, wait_for
    from tests.support.terminal import Pty

    login(sim, env)
    out = tmp_path / "rec.ndjson.zst"
    args = ["record", "tse", "--url", sim.url, "--isin", TSE_UNIVERSE[0].isin, "-o", str(out), "--compress", "zstd"]
    term = Pty([*args, "--flush-interval", "0.2"], env, tmp_path, wrapper=True)
    try:
        assert wait_for(lambda: "recording tse:" in term.screen and out.exists(), timeout=20), term.screen
        term.hang_up()
        size = out.stat().st_size
        assert wait_for(lambda: out.stat().st_size > size + 2000, timeout=20)  # still recording
        os.kill(term.feedcli_pid, signal.SIGTERM)
        assert term.wait(30) == 0
    finally:
        term.kill()
    _check_recording([out], config_dir)


def test_record_to_an_unwritable_path_fails_before_connecting(env, tmp_path) -> None:
    from tests.support.cli import run

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run(
        ["record", "tse", "--url", "http://127.0.0.1:9", "--isin", "IRO1FOLD0001", "-o", f"{blocker}/x.ndjson"],
        {**env, "FEEDCLI_TOKEN": "t"},
    )
    assert result.returncode == 1
    assert f"cannot open {blocker}/x.ndjson for writing" in result.stderr
    assert result.stderr.count("\n") == 1 and "connect" not in result.stderr


# ---------------------------------------------------------------------- the promises behind the README
@pytest.mark.parametrize("compress", ["none", "gzip", "zstd"])
def test_the_periodic_flush_fsyncs_what_was_received(tmp_path, compress, monkeypatch) -> None:
    """ "A power cut loses at most the last interval": each periodic flush fsyncs the part, and
    what the file held at that fsync is every line emitted before the flush."""
    synced: list[tuple[int, bytes]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        with contextlib.suppress(OSError):  # the part is open write-only: read it by its name
            synced.append((fd, Path(f"/proc/self/fd/{fd}").read_bytes()))

    monkeypatch.setattr(os, "fsync", fsync)
    w = writer(tmp_path / f"rec.ndjson{ext(compress)}", compress=compress, flush_interval=0.05)

    async def main() -> None:
        w.open()
        await w.start()
        for i in range(50):
            w.emit(data(i))
        for _ in range(200):  # until a periodic flush has fsynced them (no fixed sleep)
            await asyncio.sleep(0.01)
            if any(prefix_text(content).count(b"\n") >= 51 for _fd, content in synced):
                break
        before_close = list(synced)
        await w.aclose()
        assert before_close, "no fsync before the end of the run"
        text = prefix_text(before_close[-1][1])
        numbers = [orjson.loads(line)["data"]["i"] for line in text.splitlines()[1:]]
        assert numbers == list(range(50))

    asyncio.run(main())


@pytest.mark.parametrize("fits", [True, False])
def test_a_plain_part_is_never_a_byte_over_the_rotation_size(tmp_path, fits) -> None:
    """Plain parts count exactly: three lines that fill the part to the byte stay together, and
    one byte less room sends the third to the next part (never a part of rotate_size + 1)."""
    w = writer(tmp_path / "rec.ndjson", rotate_size=10**9)
    events = [data(i, pad=100) for i in range(4)]
    size = len(encode_line(events[0]))
    assert all(len(encode_line(e)) == size for e in events)

    async def main() -> None:
        w.open()
        header = w.current_size
        w.rotate_size = header + 3 * size - (0 if fits else 1)
        await w.start()
        for event in events:
            w.emit(event)
        await w.aclose()

    asyncio.run(main())
    got = parts(w)
    assert [len(lines) - 1 for lines in got] == ([3, 1] if fits else [2, 2])
    assert all(os.path.getsize(p) <= w.rotate_size for p in w.files)


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_sync_points_compressed_in_the_worker_arrive_whole_and_in_order(tmp_path, compress) -> None:
    """Megabytes with no periodic flush in between: every 64 KiB sync point is compressed in
    the worker thread while lines keep coming; the file must hold every line, in order, in
    one stream that a standard tool reads."""
    path = tmp_path / f"big.ndjson{ext(compress)}"
    w = writer(path, compress=compress, flush_interval=3600)
    rng = random.Random(3)
    events = [data(i, pad=rng.randrange(100, 400), rng=rng) for i in range(6000)]
    jobs: list[int] = []
    submit = RemoteStream.submit

    def counted(codec: RemoteStream, text: bytes):
        jobs.append(len(text))
        return submit(codec, text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RemoteStream, "submit", counted)
        record(w, events, every=20)
    assert len(jobs) > 10 and min(jobs) >= SYNC_AT  # whole sync points went to the process
    (lines,) = parts(w)
    assert [line["data"]["i"] for line in lines[1:]] == list(range(6000))
    tool = {"gzip": "gzip", "zstd": "zstd"}[compress]
    if shutil.which(tool):
        assert subprocess.run([tool, "-t", str(path)], capture_output=True).returncode == 0


class _SentWhenAsked:
    """A job of `HeldProcess`: handed to the compression process only when its result is
    asked for (nothing else reaches the process before: the writer settles its jobs first)."""

    def __init__(self, codec: RemoteStream, text: bytes | bytearray) -> None:
        self._job = (codec, bytes(text))  # the writer reuses its buffer once submit returns
        self._answer = None

    def done(self) -> bool:
        return self._answer is not None

    def result(self):
        if self._answer is None:
            codec, text = self._job
            self._answer = _SUBMIT(codec, text)
        return self._answer.result()


_SUBMIT = RemoteStream.submit


class HeldProcess:
    """The compression process, stood in for by one that never catches up on its own: a job
    runs only when the loop waits for it, so every job out stays out."""

    def __init__(self) -> None:
        self.jobs: list[_SentWhenAsked] = []
        self.most_out = 0

    def submit(self, codec: RemoteStream, text: bytes | bytearray) -> _SentWhenAsked:
        job = _SentWhenAsked(codec, text)
        self.jobs.append(job)
        self.most_out = max(self.most_out, sum(not j.done() for j in self.jobs))
        return job


def test_a_worker_that_falls_behind_holds_at_most_max_pending_sync_points(tmp_path) -> None:
    """The loop hands the worker sync points without waiting for them, up to MAX_PENDING; one
    more, and it first waits for the oldest: the text held for a slow worker stays bounded, and
    the file still holds every line, in order."""
    path = tmp_path / "held.ndjson.zst"
    w = writer(path, compress="zstd", flush_interval=3600)
    held = HeldProcess()
    rng = random.Random(5)
    events = [data(i, pad=300, rng=rng) for i in range(4000)]  # ~20 sync points' worth of text
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RemoteStream, "submit", lambda codec, text: held.submit(codec, text))
        record(w, events, every=20)
    assert len(held.jobs) > 2 * MAX_PENDING, (len(held.jobs), SYNC_AT)
    assert held.most_out == MAX_PENDING
    (lines,) = parts(w)
    assert [line["data"]["i"] for line in lines[1:]] == list(range(4000))


# ---------------------------------------------------------------------- the name says the compression
@pytest.mark.parametrize(
    ("name", "asked", "expected"),
    [
        ("x.ndjson.gz", None, "gzip"),
        ("x.ndjson.GZ", "gzip", "gzip"),
        ("x.ndjson.zst", None, "zstd"),
        ("x.zstd", "zstd", "zstd"),
        ("x.ndjson", None, "none"),
        ("x.ndjson", "gzip", "gzip"),
        ("dir/", "zstd", "zstd"),
        ("dir/", None, "none"),
    ],
)
def test_the_output_name_implies_its_compression(name: str, asked: str | None, expected: str) -> None:
    from feedcli.sinks.naming import compression_for

    assert compression_for(name, asked) == expected


@pytest.mark.parametrize(("name", "asked"), [("x.ndjson.gz", "zstd"), ("x.ndjson.gz", "none"), ("x.zst", "gzip")])
def test_a_compression_the_name_contradicts_is_refused(name: str, asked: str) -> None:
    from feedcli.sinks.naming import compression_for

    with pytest.raises(UsageError, match="--compress"):
        compression_for(name, asked)


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_a_compression_process_that_dies_stops_the_recording_with_a_valid_file(tmp_path, compress) -> None:
    """The child killed (the OOM killer, a stray `kill -9`): one FeedError, and the file ends at
    its last sync point written, every line before it whole and in order."""
    path = tmp_path / f"dies.ndjson{ext(compress)}"
    w = writer(path, compress=compress, flush_interval=3600)
    rng = random.Random(9)
    events = [data(i, pad=300, rng=rng) for i in range(3000)]

    loop_errors: list[dict] = []

    async def main() -> str:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: loop_errors.append(context))
        w.open()
        await w.start()
        for n, event in enumerate(events):
            if n == 1500:
                w.flush()  # a periodic flush: lines 0-1499 on disk, up to a sync point
                assert w._process is not None
                w._process._proc.kill()
                w._process._proc.wait()
            try:
                w.emit(event)
            except FeedError as exc:
                await asyncio.gather(w.aclose(), return_exceptions=True)
                return str(exc)
            if n % 20 == 0:
                await asyncio.sleep(0)
        with pytest.raises(FeedError) as caught:
            await w.aclose()
        return str(caught.value)

    said = asyncio.run(main())
    assert said.startswith("the compression process ended unexpectedly"), said
    assert loop_errors == []  # the loop's watch of the dead pipe neither raised nor spun
    stream = zlib.decompressobj(31) if compress == "gzip" else zstandard.ZstdDecompressor().decompressobj()
    text = stream.decompress(path.read_bytes())
    assert text.endswith(b"\n")  # cut at a sync point: whole lines only
    numbers = [orjson.loads(line)["data"]["i"] for line in text.splitlines()[1:]]
    assert numbers == list(range(1500))
