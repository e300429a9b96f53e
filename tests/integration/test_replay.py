"""`feedcli replay`: byte-exact output, damaged files, merging, filters, pacing, the CLI's edges.

Recordings are written here, in the exact line format `record` writes (encode_line), as
plain, gzip and zstd files; damage is done by hand (cut bytes, a torn last line, garbage
in the middle). The unit tests call feedcli.replay directly; the end-to-end tests run
`python -m feedcli replay` as a user does and read its stdout as bytes.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import pty
import select
import signal
import subprocess
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcli import replay as rp
from feedcli.errors import UsageError
from feedcli.events import ControlEvent, DataEvent, RecvClock, encode_line
from feedcli.replay import lines as lines_module
from feedcli.replay.decompress import Decompression
from feedcli.replay.filters import DROP, peeker
from feedcli.replay.lines import LineSplitter
from feedcli.replay.reading import LineCheck
from feedcli.simulators.ht_market import TSE_UNIVERSE, HTMarket, tehran_timestamp
from tests.support.cli import FEEDCLI, feedcli_env, login, wait_for
from tests.support.virtual_time import VirtualTimer

T0 = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
SYMBOLS = ("IRO1FOLD0001", "IRO1MSMI0001", "IRO1KHOD0001")
ISIN = TSE_UNIVERSE[0].isin
CHANNELS = ("best-limit", "aggregate")
_clock = RecvClock()


# ====================================================================== recordings


def recv_at(seconds: float) -> str:
    return _clock.format(T0.timestamp() + seconds)


def data_line(seconds: float, symbol: str = SYMBOLS[0], channel: str = CHANNELS[0], n: int = 0) -> bytes:
    data = {"1": {"buy_price": 3200 + n, "buy_quantity": 100 * (n + 1), "sell_price": 3210 + n, "sell_quantity": 500}}
    moment = T0 + timedelta(seconds=seconds)
    return encode_line(DataEvent("tse", channel, symbol, tehran_timestamp(moment), recv_at(seconds), data))


def control_line(at: float, event: str, **fields: object) -> bytes:
    return encode_line(ControlEvent("tse", event, recv_at(at), dict(fields)))


def recording(n: int = 50, span: float = 5.0, *, offset: float = 0.0, header: bool = True) -> list[bytes]:
    """A `record`-style file's lines: a header, then `n` data lines spread evenly over `span` seconds."""
    out = [control_line(offset, "recording", feedcli="test", part=1)] if header else []
    for i in range(n):
        at = offset + span * i / max(1, n - 1)
        out.append(data_line(at, SYMBOLS[i % len(SYMBOLS)], CHANNELS[i % len(CHANNELS)], i))
    return out


def market_recording(n: int = 200) -> list[bytes]:
    """Realistic HT lines (the simulator's market model), as the view must draw them."""
    market = HTMarket(seed=5)
    out: list[bytes] = [control_line(0, "recording", feedcli="test")]
    step = 0
    while len(out) < n:
        step += 1
        moment = T0 + timedelta(milliseconds=10 * step)
        for spec, channel, data in market.step(moment):
            ev = DataEvent("tse", channel, spec.key, tehran_timestamp(moment), recv_at(step / 100), data)
            out.append(encode_line(ev))
    return out[:n]


def gzip_bytes(lines: list[bytes], flush_every: int = 5) -> bytes:
    """gzip as `record` writes it: a sync flush every few lines, so a cut file still decompresses."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    out = bytearray()
    for i, line in enumerate(lines, 1):
        out += z.compress(line)
        if i % flush_every == 0:
            out += z.flush(zlib.Z_SYNC_FLUSH)
    out += z.flush(zlib.Z_FINISH)
    return bytes(out)


def zstd_bytes(lines: list[bytes], flush_every: int = 5) -> bytes:
    """zstd as `record` writes it: one frame, a block flush every few lines."""
    z = zstandard.ZstdCompressor().compressobj()
    out = bytearray()
    for i, line in enumerate(lines, 1):
        out += z.compress(line)
        if i % flush_every == 0:
            out += z.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    out += z.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)
    return bytes(out)


def write(path: Path, data: bytes | list[bytes]) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else b"".join(data))
    return path


class Notes(list):
    """A warn callback that keeps what it was told."""

    def __call__(self, message: str) -> None:
        self.append(message)

    def text(self) -> str:
        return "\n".join(self)


def read_all(path: Path | str) -> tuple[list[bytes], Notes]:
    notes = Notes()
    got = list(rp.open_lines(str(path), notes))
    return got, notes


def kept(path: Path, filters: rp.Filters) -> list[bytes]:
    rec = rp.Recording.open(str(path))
    try:
        return [line for _, line in rec.records(filters, Notes())]
    finally:
        rec.close()


def strip(lines: list[bytes]) -> list[bytes]:
    return [line.rstrip(b"\n") for line in lines]


# ====================================================================== unit: reading


@pytest.mark.parametrize("kind", ["plain", "gzip", "zstd"])
def test_every_compression_reads_back_the_same_lines_whatever_the_name(tmp_path: Path, kind: str) -> None:
    lines = recording(300)
    data = {"plain": b"".join(lines), "gzip": gzip_bytes(lines), "zstd": zstd_bytes(lines)}[kind]
    # a misleading name on purpose: the format comes from the content
    path = write(tmp_path / ("rec.zst" if kind != "zstd" else "rec.ndjson.gz"), data)
    got, notes = read_all(path)
    assert got == strip(lines)
    assert notes == []


def test_gzip_members_and_zstd_frames_one_after_another_read_as_one_stream(tmp_path: Path) -> None:
    a, b = recording(20), recording(20, offset=10)
    gz = write(tmp_path / "two.gz", gzip.compress(b"".join(a)) + gzip.compress(b"".join(b)))
    zst = write(tmp_path / "two.zst", zstd_bytes(a) + zstd_bytes(b))
    for path in (gz, zst):
        got, notes = read_all(path)
        assert got == strip(a + b), path
        assert notes == []


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_a_cut_compressed_stream_gives_what_decompresses_and_says_it_ends_early(tmp_path: Path, kind: str) -> None:
    lines = recording(400)
    whole = gzip_bytes(lines) if kind == "gzip" else zstd_bytes(lines)
    path = write(tmp_path / "cut", whole[: len(whole) * 2 // 3])  # a recorder killed with -9
    got, notes = read_all(path)
    assert 100 < len(got) < len(lines)
    assert got == strip(lines)[: len(got)]  # a prefix, every line whole
    assert notes == [f"{path}: the compressed stream ends early (the recorder was killed?); {len(got)} lines read"]


def test_a_torn_last_line_is_skipped_and_reported(tmp_path: Path) -> None:
    lines = recording(30)
    path = write(tmp_path / "torn.ndjson", b"".join(lines) + lines[5][:40])
    got, notes = read_all(path)
    assert got == strip(lines)
    assert notes == [f"{path}: the last line is incomplete; skipped"]


def test_a_last_line_without_newline_that_is_whole_is_kept(tmp_path: Path) -> None:
    lines = recording(10)
    path = write(tmp_path / "no-final-newline.ndjson", b"".join(lines).rstrip(b"\n"))
    got, notes = read_all(path)
    assert got == strip(lines)
    assert notes == []
    rec = rp.Recording.open(str(path))
    try:
        assert len(list(rec.lines(Notes()))) == rec.lines_read == len(lines)  # the count says "N lines read"
    finally:
        rec.close()


@pytest.mark.parametrize("at", [0, 1, 2])
def test_an_over_long_line_is_skipped_up_to_its_newline_wherever_the_chunk_ends(monkeypatch, at: int) -> None:
    """The newline that ends an over-long line may come first in the next chunk, or later."""
    monkeypatch.setattr(lines_module, "MAX_LINE", 16)
    skipped: list[int] = []
    splitter = LineSplitter(skipped.append)
    chunks = [b"a\n" + b"x" * 40, b"y" * at + b"\nb\nc\n"]
    got = [line for _, batch in splitter.batches(chunks) for line in batch]
    assert got == [b"a", b"b", b"c"]
    assert skipped == [2] and splitter.count == 4


def test_malformed_lines_in_the_middle_are_skipped_reported_and_then_only_counted(tmp_path: Path) -> None:
    lines = recording(40)
    bad = [b"not json at all\n", b"[1, 2, 3]\n", b'{"provider":"tse","channel":"x"}\n', b'{"half":\n']
    damaged = lines[:5] + bad + lines[5:10] + bad + lines[10:]
    path = write(tmp_path / "bad.ndjson", damaged)
    notes = Notes()
    rec = rp.Recording.open(str(path))
    got = [line for _, line in rec.records(rp.Filters(), notes)]
    assert got == strip(lines)
    assert notes[0] == f"{path}: line 6 is not JSON; skipped"
    assert notes[1] == f"{path}: line 7 is not a JSON object; skipped"
    assert notes[2] == f"{path}: line 8 has no recv; skipped (more are counted, not shown)"
    assert notes[3:] == [f"{path}: 8 malformed lines skipped in all"]


def test_a_line_is_checked_whole_even_where_the_check_skips_building_values(tmp_path: Path, monkeypatch) -> None:
    """The check does not build `data` (msgspec skips it): it must still refuse a line whose
    `data` is not JSON or not UTF-8, while a multi-byte character cut by a read is fine."""
    monkeypatch.setattr(rp.reading, "READ_SIZE", 7)  # every line crosses reads, characters too
    good = [line.replace(b'"buy_price"', '"buy_price_\u00e9\u20ac"'.encode()) for line in recording(6)]
    assert b"\xe2\x82\xac" in good[1]  # a three-byte character, read in pieces
    not_utf8 = good[1].replace(b"\xe2\x82\xac", b"\xff")
    bad_in_data = [good[1].replace(b":100", b":1.}"), good[1].replace(b":100", b":tru"), not_utf8]
    path = write(tmp_path / "deep.ndjson", good[:2] + bad_in_data + good[2:])
    notes = Notes()
    rec = rp.Recording.open(str(path))
    got = [line for _, line in rec.records(rp.Filters(), notes)]
    assert got == strip(good)
    assert notes == [
        f"{path}: line 3 is not JSON; skipped",
        f"{path}: line 4 is not JSON; skipped",
        f"{path}: line 5 is not UTF-8; skipped (more are counted, not shown)",
    ]


def test_garbage_after_a_compressed_stream_is_reported(tmp_path: Path) -> None:
    lines = recording(10)
    path = write(tmp_path / "junk.gz", gzip.compress(b"".join(lines)) + b"this is not gzip")
    got, notes = read_all(path)
    assert got == strip(lines)
    assert notes == [f"{path}: data after the end of the gzip stream ignored"]


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_garbage_after_the_stream_that_spans_several_reads_is_ignored_not_damage(kind: str) -> None:
    """Once past the last member, later chunks are not fed to the finished decompressor
    (zstd's refuses to go on, which would call a sound file damaged)."""
    lines = recording(10)
    packed = gzip.compress(b"".join(lines)) if kind == "gzip" else zstd_bytes(lines)
    decompression = Decompression(kind)
    got = b"".join(decompression.chunks([packed + b"junk", b"more junk", b"\0\0"]))
    assert got == b"".join(lines)
    assert decompression.ending is None and decompression.trailing


def test_damaged_compressed_data_stops_that_file_with_a_message(tmp_path: Path) -> None:
    lines = recording(200)
    data = bytearray(gzip_bytes(lines))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeros in the middle of the deflate stream
    path = write(tmp_path / "damaged.gz", bytes(data))
    got, notes = read_all(path)
    assert got == strip(lines)[: len(got)]
    assert len(notes) == 1 and "damaged" in notes[0] and f"{len(got)} lines read before it" in notes[0]


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_an_unreadable_file_is_a_usage_error_with_the_reason(tmp_path: Path, make: str) -> None:
    path = tmp_path / "nope.ndjson"
    if make == "directory":
        path.mkdir()
    with pytest.raises(UsageError) as caught:
        rp.open_lines(str(path))  # raised on the call, before any iteration
    reason = "No such file or directory" if make == "missing" else "Is a directory"
    assert str(caught.value) == f"cannot read {path}: {reason}"
    assert caught.value.exit_code == 2


# ====================================================================== unit: merge and filters


def test_two_files_merge_by_receive_time_and_equal_times_keep_file_order(tmp_path: Path) -> None:
    a = [data_line(t, SYMBOLS[0], n=i) for i, t in enumerate((0.0, 1.0, 2.0, 2.0, 5.0))]
    b = [data_line(t, SYMBOLS[1], n=i) for i, t in enumerate((0.5, 2.0, 3.0, 4.0))]
    recs = [rp.Recording.open(str(write(tmp_path / "a", a))), rp.Recording.open(str(write(tmp_path / "b", b)))]
    out = [line for _, line in rp.merged(recs, rp.Filters(), Notes())]
    expected = [a[0], b[0], a[1], a[2], a[3], b[1], b[2], b[3], a[4]]
    assert out == strip(expected)


def test_time_window_is_from_inclusive_to_exclusive_and_keeps_the_recording_header(tmp_path: Path) -> None:
    lines = recording(11, span=10.0)  # data at 0, 1, ..., 10 s; the header at 0
    path = write(tmp_path / "rec", lines)
    filters = rp.Filters(start=recv_at(3), end=recv_at(6))
    assert kept(path, filters) == strip([lines[0], *lines[4:7]])  # header, then 3 s, 4 s, 5 s
    rec = rp.Recording.open(str(path))
    keys = [key for key, _ in rec.records(filters, Notes())]
    assert keys[0] == recv_at(3)  # the header sorts (and is paced) as the window's start


def test_channel_and_symbol_filters_select_data_and_keep_control_lines(tmp_path: Path) -> None:
    lines = recording(12)
    gap = control_line(2.5, "gap", seconds=1.2)
    lines.insert(6, gap)
    path = write(tmp_path / "rec", lines)
    only = rp.Filters(channels=frozenset({"aggregate"}), symbols=frozenset({SYMBOLS[1]}))
    got = [orjson.loads(line) for line in kept(path, only)]
    events = [g["event"] for g in got if "event" in g]
    data = [(g["channel"], g["symbol"]) for g in got if "channel" in g]
    assert events == ["recording", "gap"]
    assert data and set(data) == {("aggregate", SYMBOLS[1])}
    expected = [orjson.loads(x) for x in lines if b'"channel"' in x]
    assert len(data) == sum(1 for e in expected if e["channel"] == "aggregate" and e["symbol"] == SYMBOLS[1])


def test_control_lines_outside_the_window_are_dropped(tmp_path: Path) -> None:
    lines = [control_line(0, "recording"), control_line(1, "connected"), data_line(5), control_line(9, "disconnected")]
    path = write(tmp_path / "rec", lines)
    got = [orjson.loads(x).get("event") for x in kept(path, rp.Filters(start=recv_at(4), end=recv_at(8)))]
    assert got == ["recording", None]


# Lines in odd shapes (keys in another order, `recv` also nested inside `data`, quotes and
# braces in values) must get the same verdict from the parse-free pre-filter as from a
# full parse: the pre-filter may only ever drop what the full check would drop.
_text = st.text(alphabet=st.sampled_from('ab{}"\\:,é '), max_size=6)


@st.composite
def odd_lines(draw: st.DrawFn) -> bytes:
    seconds = draw(st.integers(0, 9))
    obj: dict = {"provider": "tse"}
    if draw(st.booleans()):
        obj["channel"] = draw(st.sampled_from([*CHANNELS, *draw(st.lists(_text, max_size=1))]))
        obj["symbol"] = draw(st.sampled_from([*SYMBOLS, *draw(st.lists(_text, max_size=1))]))
    else:
        obj["event"] = draw(st.sampled_from(["recording", "gap", "connected"]))
    obj["recv"] = recv_at(seconds)
    if draw(st.booleans()):  # an odd top-level key that ends like a real one: x"recv, x"channel
        odd = 'x"' + draw(st.sampled_from(["recv", "channel", "symbol"]))
        obj[odd] = recv_at(draw(st.integers(0, 9))) if odd.endswith("recv") else draw(st.sampled_from(CHANNELS))
    data = {"recv": recv_at(draw(st.integers(0, 9))), "channel": draw(_text), "symbol": draw(_text)}
    if draw(st.booleans()):
        obj = {"data": data, **obj}  # data first: a nested `recv` comes before the real one
    else:
        obj["data"] = data
    keys = list(obj)
    order = draw(st.permutations(keys))
    return orjson.dumps({k: obj[k] for k in order})


def reference(lines: list[bytes], f: rp.Filters) -> list[bytes]:
    out = []
    for line in lines:
        obj = orjson.loads(line)
        recv = obj["recv"]
        if f.end is not None and recv >= f.end:
            break
        if recv < f.start and obj.get("event") != "recording":
            continue
        if "channel" in obj and (
            (f.channels and obj["channel"] not in f.channels) or (f.symbols and obj["symbol"] not in f.symbols)
        ):
            continue
        out.append(line)
    return out


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(odd_lines(), min_size=1, max_size=12),
    start=st.integers(0, 9),
    end=st.integers(1, 10),
    channels=st.sets(st.sampled_from(CHANNELS), max_size=1),
    symbols=st.sets(st.sampled_from(SYMBOLS), max_size=2),
)
def test_the_parse_free_prefilter_agrees_with_a_full_parse(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[bytes],
    start: int,
    end: int,
    channels: set[str],
    symbols: set[str],
) -> None:
    lines.sort(key=lambda x: orjson.loads(x)["recv"])  # files are in receive order
    end = max(end, start + 1)  # the CLI refuses --from after --to
    path = write(tmp_path_factory.mktemp("odd") / "rec", [x + b"\n" for x in lines])
    f = rp.Filters(
        start=recv_at(start) if start else "",
        end=recv_at(end) if end < 10 else None,
        channels=frozenset(channels),
        symbols=frozenset(symbols),
    )
    assert kept(path, f) == reference(lines, f)


@pytest.mark.parametrize("key", ["channel", "symbol"])
def test_the_prefilter_drops_by_a_key_that_comes_first_in_the_line(key: str) -> None:
    """At index 1, right after the `{`, a key is certainly top-level: no need for the full parse."""
    f = rp.Filters(start="", end=None, channels=frozenset({"trades"}), symbols=frozenset({"A"}))
    other = {"channel": "aggregate", "symbol": "B"}[key]
    line = b'{"%s":"%s","provider":"moex","recv":"2025-11-14T08:30:00.000000Z","data":{}}' % (
        key.encode(),
        other.encode(),
    )
    assert peeker(f)(line) == DROP


def test_the_check_says_it_ended_at_to_even_when_only_the_full_parse_finds_recv() -> None:
    """A source read back from Redis or NATS stops asking for more once a line reaches --to;
    a recv the prefilter cannot see (after the nested data) is found by the full parse."""
    late = b'{"provider":"tse","channel":"x","symbol":"A","data":{"i":1},"recv":"%s"}' % recv_at(5).encode()
    check = LineCheck(rp.Filters(start="", end=recv_at(3)), lambda _n, _why: None)
    kept = [line for _key, line in check.records([(1, [data_line(1.0), late, data_line(6.0)])])]
    assert kept == [data_line(1.0)]
    assert check.ended


# ====================================================================== unit: times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-14", "2025-11-14T00:00:00.000000Z"),
        ("2025-11-14T08:30", "2025-11-14T08:30:00.000000Z"),
        ("2025-11-14 08:30:05", "2025-11-14T08:30:05.000000Z"),
        ("2025-11-14T08:30:05.25Z", "2025-11-14T08:30:05.250000Z"),
        ("2025-11-14T08:30:05.1234567", "2025-11-14T08:30:05.123456Z"),
        ("2025-11-14T12:00+03:30", "2025-11-14T08:30:00.000000Z"),
        ("2025-11-14T03:30:00-0500", "2025-11-14T08:30:00.000000Z"),
    ],
)
def test_times_are_iso_8601_and_naive_means_utc(text: str, expected: str) -> None:
    assert rp.parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2025-13-01",
        "14/11/2025",
        "2025-11-14T25:00",
        # an offset or a year out of range was an "unexpected error" (exit 1): issue 12 item 6
        "2025-11-14T08:30+24:00",
        "2025-11-14T08:30-05:60",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00+01:00",
    ],
)
def test_a_bad_time_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--to"):
        rp.parse_time(text, "--to")


def test_recv_seconds_matches_the_datetime_conversion() -> None:
    seconds = rp.RecvSeconds()
    for offset in (0.0, 0.000001, 0.5, 59.999999, 86_400.25):
        recv = recv_at(offset)
        assert seconds(recv) == pytest.approx(T0.timestamp() + offset, abs=1e-6)


# ====================================================================== unit: pacing


class Collect:
    """An Output that notes when each line was handed over (on the timer); its first send is slow."""

    def __init__(self, timer: VirtualTimer, first_delay: float = 0.0) -> None:
        self.got: list[tuple[float, bytes]] = []
        self.sends: list[int] = []  # how many lines each send took
        self.timer = timer
        self.first_delay = first_delay

    async def start(self) -> None:
        return None

    async def send(self, lines: list[bytes]) -> None:
        self.got.extend((self.timer.now(), line) for line in lines)
        self.sends.append(len(lines))
        if self.first_delay:
            delay, self.first_delay = self.first_delay, 0.0
            await self.timer.sleep(delay)  # a reader that was slow once

    async def aclose(self) -> None:
        return None


def paced(
    times: list[float], speed: float, first_delay: float = 0.0, sends: list[int] | None = None
) -> list[tuple[float, bytes]]:
    """What pump hands over, and when on virtual time, for lines received at `times` (recv has
    microseconds, so times compare to 2 µs); the size of each send goes to `sends`."""
    records = [(recv_at(t), data_line(t, n=i)) for i, t in enumerate(times)]

    async def main() -> list[tuple[float, bytes]]:
        timer = VirtualTimer()
        out = Collect(timer, first_delay=first_delay)
        await timer.drive(asyncio.ensure_future(rp.pump(iter(records), out, speed, rp.Counters(), timer)))
        if sends is not None:
            sends.extend(out.sends)
        return out.got

    got = asyncio.run(main())
    assert [line for _, line in got] == [line for _, line in records]
    return got


def test_pacing_follows_one_schedule_and_late_lines_do_not_push_later_ones() -> None:
    times = [0.0, 0.1, 0.2, 0.4, 0.4, 0.8, 1.0]
    got = paced(times, 2.0, first_delay=0.25)
    # at speed 2 line i is due at times[i] / 2; the ones due during the slow first send come
    # right after it, and the rest keep their schedule rather than shifting by the delay
    assert [at for at, _ in got] == pytest.approx([0.0, *(max(t / 2, 0.25) for t in times[1:])], abs=2e-6)


def test_late_lines_go_out_in_one_batch_and_a_line_on_time_is_flushed_before_the_sleep() -> None:
    sends: list[int] = []
    paced([0.0, 0.1, 0.2, 0.4, 0.4, 0.8, 1.0], 2.0, first_delay=0.25, sends=sends)
    # the four lines due during the slow first send (by 0.25 s) are late: one send, not four
    assert sends == [1, 4, 1, 1]


def test_pacing_at_real_time_and_slower_keeps_every_gap() -> None:
    times = [0.0, 0.0002, 0.5, 0.5, 2.0, 60.0]
    for speed in (1.0, 0.5):
        got = paced(times, speed)
        # due at recv / speed, except a line due within MIN_SLEEP of the previous is not slept for
        assert [at for at, _ in got] == pytest.approx([0.0, 0.0, *(t / speed for t in times[2:])], abs=2e-6)


# ====================================================================== end to end


def replay(args: list[str], tmp_path: Path, **kw: object) -> subprocess.CompletedProcess[bytes]:
    env = feedcli_env(tmp_path / "config", COLUMNS="100", LINES="30")
    return subprocess.run(
        [*FEEDCLI, "replay", *args], env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL, **kw
    )


#: valid lines that a decode and re-encode would change (spaces, key order, escapes, 1.50):
#: replay must pass them on untouched, like every other line
RESPELT = [
    b'{"provider": "tse", "channel": "best-limit", "symbol": "IRO1FOLD0001", "ts": null, '
    b'"recv": "2025-11-14T08:30:00.500000Z", "data": {"p": 1.50, "n": "\\u0641\\u0648"}}\n',
    b'{"recv":"2025-11-14T08:30:00.500500Z","event":"gap","provider":"tse","seconds":1e0}\n',
]


@pytest.mark.parametrize("kind", ["plain", "gzip", "zstd"])
def test_replay_writes_the_recording_byte_for_byte(tmp_path: Path, kind: str) -> None:
    lines = recording(500)
    lines[51:51] = RESPELT  # in receive order: between the lines at 0.491 s and 0.501 s
    data = {"plain": b"".join(lines), "gzip": gzip_bytes(lines), "zstd": zstd_bytes(lines)}[kind]
    path = write(tmp_path / f"rec.{kind}", data)
    result = replay(["--speed", "0", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"".join(lines)
    assert result.stderr == b""  # nothing to say, and no progress bar: stderr is not a terminal


def test_replay_of_a_replay_is_the_same_file(tmp_path: Path) -> None:
    path = write(tmp_path / "rec.ndjson", market_recording(300))
    first = replay(["--speed", "0", str(path)], tmp_path)
    again = write(tmp_path / "again.ndjson", first.stdout)
    second = replay(["--speed", "0", str(again)], tmp_path)
    assert second.stdout == first.stdout == path.read_bytes()


def arrivals(args: list[str], tmp_path: Path) -> tuple[list[float], list[bytes], int]:
    """Run replay and stamp each line as it is read from the pipe."""
    env = feedcli_env(tmp_path / "config")
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    stamps, got = [], []
    for line in proc.stdout:
        stamps.append(time.monotonic())
        got.append(line)
    return stamps, got, proc.wait(10)


@pytest.mark.parametrize(("speed", "expected"), [("1", 5.0), ("2", 2.5)])
def test_a_five_second_recording_takes_five_seconds_at_speed_1_and_half_at_2(
    tmp_path: Path, speed: str, expected: float
) -> None:
    lines = recording(50, span=5.0)
    path = write(tmp_path / "rec.ndjson", lines)
    stamps, got, code = arrivals(["--speed", speed, str(path)], tmp_path)
    assert code == 0
    assert got == lines
    # The schedule itself (every line on time to the millisecond, late lines not pushing later
    # ones) is tested on virtual time above; on the wall clock of a busy machine the reader
    # wakes late by tens or hundreds of milliseconds, so this end-to-end check only tells
    # whether `--speed` reaches the pacer: speed 2 takes half as long as speed 1, never less,
    # and a speed ignored (5 s at 2, 10 s at 1... or no pacing at all) is far outside.
    took = stamps[-1] - stamps[0]
    assert expected * 0.9 <= took <= expected * 1.4, took
    offsets = [float(orjson.loads(x)["recv"][17:26]) for x in lines]
    for stamp, offset in zip(stamps, offsets, strict=True):
        assert stamp - stamps[0] == pytest.approx(offset / float(speed), abs=0.6)


def test_speed_0_is_as_fast_as_possible(tmp_path: Path) -> None:
    lines = recording(50, span=5.0)
    path = write(tmp_path / "rec.ndjson", lines)
    stamps, got, code = arrivals(["--speed", "0", str(path)], tmp_path)
    assert code == 0 and got == lines
    assert stamps[-1] - stamps[0] < 0.5


def test_replay_merges_files_by_receive_time(tmp_path: Path) -> None:
    a = recording(40, span=4.0)
    b = recording(40, span=4.0, offset=0.05)
    pa, pb = write(tmp_path / "a.ndjson", a), write(tmp_path / "b.ndjson.zst", zstd_bytes(b))
    result = replay(["--speed", "0", str(pb), str(pa)], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines(keepends=True)
    assert sorted(out) == sorted(a + b)
    recvs = [orjson.loads(x)["recv"] for x in out]
    assert recvs == sorted(recvs)
    assert out[:2] == [a[0], a[1]]  # a's header and first line (0 s) before b's (0.05 s)


def test_replay_filters_from_the_command_line(tmp_path: Path) -> None:
    lines = recording(60, span=6.0)
    path = write(tmp_path / "rec.ndjson.gz", gzip_bytes(lines))
    args = ["--speed", "0", "--from", recv_at(2)[:19], "--to", recv_at(4), "--symbol", SYMBOLS[0], str(path)]
    result = replay(args, tmp_path)
    assert result.returncode == 0, result.stderr
    got = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert got[0]["event"] == "recording"
    data = got[1:]
    assert data and {d["symbol"] for d in data} == {SYMBOLS[0]}
    assert all(recv_at(2) <= d["recv"] < recv_at(4) for d in data)
    expected = [x for x in lines[1:] if orjson.loads(x)["symbol"] == SYMBOLS[0]]
    expected = [x for x in expected if recv_at(2) <= orjson.loads(x)["recv"] < recv_at(4)]
    assert result.stdout.splitlines(keepends=True)[1:] == expected


def test_filters_that_keep_nothing_say_so_and_exit_0(tmp_path: Path) -> None:
    path = write(tmp_path / "rec.ndjson", recording(20, header=False))
    result = replay(["--speed", "0", "--channel", "no-such-channel", str(path)], tmp_path)
    assert result.returncode == 0
    assert result.stdout == b""
    assert result.stderr == b"feedcli: no line matched --from/--to/--channel/--symbol\n"


def test_damaged_files_replay_what_they_can_and_say_what_was_lost(tmp_path: Path) -> None:
    lines = recording(300)
    whole = zstd_bytes(lines)
    cut = write(tmp_path / "cut.zst", whole[: len(whole) // 2])
    torn = write(tmp_path / "torn.ndjson", [*lines[:10], b"oops\n", *lines[10:20], lines[20][:30]])
    result = replay(["--speed", "0", str(cut), str(torn)], tmp_path)
    assert result.returncode == 0
    stderr = result.stderr.decode().splitlines()
    n = sum(1 for x in result.stdout.splitlines() if x in strip(lines)) - 20  # torn.ndjson gave 20 lines
    assert f"feedcli: {cut}: the compressed stream ends early (the recorder was killed?); {n} lines read" in stderr
    assert f"feedcli: {torn}: line 11 is not JSON; skipped" in stderr
    assert f"feedcli: {torn}: the last line is incomplete; skipped" in stderr
    assert len(stderr) == 3


def test_an_unreadable_file_is_exit_2_before_any_output(tmp_path: Path) -> None:
    good = write(tmp_path / "good.ndjson", recording(5))
    result = replay(["--speed", "0", str(good), str(tmp_path / "missing.ndjson")], tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == f"feedcli: cannot read {tmp_path / 'missing.ndjson'}: No such file or directory\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--serve", "no-port-here"], "--serve wants HOST:PORT"),
        (["--speed", "-1"], "--speed"),
        (["--speed", "nan"], "--speed"),
        (["--from", "soon"], "--from: cannot read 'soon' as a time"),
        (["--from", "2025-11-14T09:00", "--to", "2025-11-14T08:00"], "--from must be before --to"),
    ],
)
def test_bad_options_are_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    good = write(tmp_path / "good.ndjson", recording(5))
    result = replay([*args, str(good)], tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    assert message in result.stderr.decode()


def test_no_file_is_exit_2(tmp_path: Path) -> None:
    assert replay([], tmp_path).returncode == 2


def test_standard_input_is_read_with_dash(tmp_path: Path) -> None:
    lines = recording(20)
    env = feedcli_env(tmp_path / "config")
    result = subprocess.run(
        [*FEEDCLI, "replay", "--speed", "0", "-"], env=env, input=gzip_bytes(lines), capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"".join(lines)
    assert result.stderr == b""  # nothing said: stdin opened unbuffered like a file (buffering=1 would warn here)


def test_format_view_draws_the_symbols(tmp_path: Path) -> None:
    lines = market_recording(200)
    path = write(tmp_path / "market.ndjson", lines)
    result = replay(["--speed", "0", "--format", "view", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    symbols = {orjson.loads(x).get("symbol") for x in lines[1:]}
    assert any(s in text for s in symbols)
    assert f"{len(lines) - 1} msgs" in text  # every data line reached the view
    assert b'"recv"' not in result.stdout  # a view, not NDJSON


def test_interrupt_stops_cleanly_with_exit_0_and_whole_lines(tmp_path: Path) -> None:
    lines = recording(100, span=20.0)
    path = write(tmp_path / "long.ndjson", lines)
    env = feedcli_env(tmp_path / "config")
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    assert proc.wait(10) == 0
    out = first + rest
    assert out.endswith(b"\n") and 2 < len(out.splitlines()) < 30
    assert out == b"".join(lines[: len(out.splitlines())])


def test_a_reader_that_leaves_ends_the_replay_quietly(tmp_path: Path) -> None:
    path = write(tmp_path / "rec.ndjson", recording(20_000, span=10.0))
    env = feedcli_env(tmp_path / "config")
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", "--speed", "0", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert proc.wait(15) == 0
    assert proc.stderr.read() == b""


def test_progress_bar_on_a_terminal_stderr_only(tmp_path: Path) -> None:
    """With stderr a terminal and stdout a pipe, the bar is drawn; the other tests show it is not otherwise."""
    lines = recording(2_000, span=1.0)
    path = write(tmp_path / "rec.ndjson", lines)
    env = feedcli_env(tmp_path / "config")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*FEEDCLI, "replay", "--speed", "1", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert proc.wait(15) == 0
    seen = b""
    while select.select([leader], [], [], 0.5)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert out == b"".join(lines)  # the bar never reaches stdout
    assert b"lines/s" in seen and b"100%" in seen and f"{len(lines):,} lines".encode() in seen


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    path = write(tmp_path / "rec.ndjson", recording(2_000, span=1.0))
    result = replay(["--speed", "1", str(path)], tmp_path)
    assert result.returncode == 0
    assert result.stderr == b""


@pytest.mark.skipif(sys.platform != "linux", reason="uses /dev/full")
def test_a_full_disk_is_exit_1_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "rec.ndjson", recording(2_000))
    env = feedcli_env(tmp_path / "config")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [*FEEDCLI, "replay", "--speed", "0", str(path)], env=env, stdout=full, stderr=subprocess.PIPE, timeout=60
        )
    assert proc.returncode == 1
    assert proc.stderr == b"feedcli: cannot write stdout: the disk is full\n"


# ====================================================================== with the real recorder


def independent_decompress(data: bytes) -> bytes:
    """What any tolerant reader gets from a (possibly cut) file: complete lines only."""
    if data.startswith(b"\x1f\x8b"):
        data = zlib.decompressobj(wbits=31).decompress(data)
    elif data.startswith(b"\x28\xb5\x2f\xfd"):
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data[: data.rfind(b"\n") + 1]


@pytest.mark.e2e
@pytest.mark.parametrize("compress", ["zstd", "gzip", "none"])
def test_replay_reads_what_record_wrote_even_after_kill_9(ht_sim, env, tmp_path: Path, compress: str) -> None:
    login(ht_sim, env)
    folder = tmp_path / "recordings"
    args = ["record", "tse", "--url", ht_sim.url, "--isin", ISIN, "-o", f"{folder}/", "--compress", compress]
    proc = subprocess.Popen([*FEEDCLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def grown() -> bool:
            files = list(folder.glob("*")) if folder.exists() else []
            return bool(files) and len(independent_decompress(files[0].read_bytes()).splitlines()) > 20

        assert wait_for(grown, 30), "the recorder wrote nothing"
    finally:
        proc.kill()  # SIGKILL: no chance to finish the compressed stream
        proc.wait(10)
    [path] = list(folder.iterdir())
    expected = independent_decompress(path.read_bytes())
    result = replay(["--speed", "0", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert orjson.loads(expected.splitlines()[0])["event"] == "recording"
    if compress != "none":
        assert b"the compressed stream ends early" in result.stderr


def test_speed_0_hands_a_big_chunk_on_in_bounded_writes() -> None:
    """A chunk of a compressed file can decompress to megabytes of lines: at speed 0 they are
    written in writes of about FLUSH_AT bytes, every line once and in order, never one write
    of the whole chunk."""
    from feedcli.sinks.writer import FLUSH_AT

    class Sizes(Collect):
        def __init__(self) -> None:
            super().__init__(VirtualTimer())
            self.writes: list[int] = []

        async def send(self, lines: list[bytes]) -> None:
            self.writes.append(sum(len(line) for line in lines))
            await super().send(lines)

    chunks = [[data_line(i / 1000 + c, n=i) for i in range(25_000)] for c in range(2)]  # about 6 MB each
    counters = rp.Counters()
    out = Sizes()
    records = ((recv_at(c), line) for c, lines in enumerate(chunks) for line in lines)
    asyncio.run(rp.pump(records, out, 0, counters))
    assert [line for _, line in out.got] == [line for lines in chunks for line in lines]
    assert counters.lines == 50_000
    assert max(out.writes) < 2 * FLUSH_AT
