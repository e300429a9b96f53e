"""Property: replay's reader takes any bytes, raises only what it documents, keeps what is whole.

- The line splitter (feedcli/replay/lines.py) gives the same lines however the bytes are cut
  into chunks, and exactly the file's complete lines (a last one without `\\n` only if it is
  a whole JSON object, else `torn`).
- The decompressors (feedcli/replay/decompress.py) never raise: random bytes, a real gzip or
  zstd stream cut anywhere or with bytes changed end in `ending` ("truncated", "damaged: ..."),
  and a stream cut short gives a prefix of what was compressed.
- A whole recording file, random or a real one mutated, read by `open_lines` and `records`
  (feedcli/replay/reading.py), raises nothing but the one-line UsageError (exit 2) of a file
  none of whose lines is a feedcli line; every line it yields is a line of the file's content.
"""

from __future__ import annotations

import gzip
import itertools
import os
import tempfile
import zlib

import orjson
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import UsageError
from feedcli.replay.decompress import Decompression, kind_of
from feedcli.replay.lines import LineSplitter
from feedcli.replay.reading import Recording, open_lines
from tests.faults.fuzzing import FUZZ, byte_mutation


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the given offsets (taken modulo its length), in order."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def recording_line(n: int, pad: str = "") -> bytes:
    return orjson.dumps(
        {
            "provider": "tse",
            "channel": "best-limit",
            "symbol": "IRO1FOLD0001",
            "ts": None,
            "recv": f"2025-11-14T08:30:{n // 1000000 % 60:02d}.{n % 1000000:06d}Z",
            "data": {"n": n, "pad": pad},
        }
    )


#: content that looks like recordings, and content that does not
contents = st.one_of(
    st.binary(max_size=600),
    st.lists(
        st.one_of(
            st.integers(0, 10**6).map(recording_line),
            st.binary(max_size=40).filter(lambda b: b"\n" not in b),
            st.sampled_from([b"", b"{}", b"[]", b"{", b'{"recv":1}', b"\r", b" "]),
        ),
        max_size=12,
    )
    .map(lambda lines: b"\n".join(lines))
    .flatmap(lambda body: st.sampled_from([body, body + b"\n"])),
)


def expected_lines(data: bytes) -> tuple[list[bytes], bool]:
    """The complete lines of `data` and whether its end is torn, as README promises."""
    parts = data.split(b"\n")
    last = parts.pop()
    if not last.strip():
        return parts, False
    try:
        whole = type(orjson.loads(last)) is dict
    except orjson.JSONDecodeError:
        whole = False
    return ([*parts, last], False) if whole else (parts, True)


# ----------------------------------------------------------------------------- the line splitter


@FUZZ
@given(data=contents, cuts=st.lists(st.integers(0, 10**4), max_size=8))
def test_the_line_splitter_gives_the_complete_lines_however_the_bytes_are_chunked(data: bytes, cuts) -> None:
    too_long: list[int] = []
    splitter = LineSplitter(too_long.append)
    got: list[bytes] = []
    numbers: list[int] = []
    for first, batch in splitter.batches(chunked(data, cuts)):
        numbers += range(first, first + len(batch))
        got += batch
    lines, torn = expected_lines(data)
    # blank lines may be left out (a run of them is a newline bomb, nothing to look at);
    # every other line comes, numbered by its place in the file
    kept = [(n, line) for n, line in zip(numbers, got, strict=True) if line]
    assert kept == [(n, line) for n, line in enumerate(lines, 1) if line]
    assert splitter.torn == torn and splitter.count == len(lines) and too_long == []


# ----------------------------------------------------------------------------- the decompressors


def compress(kind: str, members: list[bytes]) -> bytes:
    """Several gzip members or zstd frames one after the other (appended or rotated pieces)."""
    if kind == "gzip":
        return b"".join(gzip.compress(m, mtime=0) for m in members)
    return b"".join(zstandard.ZstdCompressor().compress(m) for m in members)


def decompress(data: bytes, cuts: list[int]) -> tuple[bytes, Decompression]:
    d = Decompression(kind_of(data[:4]))
    return b"".join(d.chunks(chunked(data, cuts))), d


members = st.lists(st.binary(max_size=300) | contents, min_size=1, max_size=4)
cuts_ = st.lists(st.integers(0, 10**4), max_size=6)


@FUZZ
@given(kind=st.sampled_from(["gzip", "zstd"]), parts=members, cuts=cuts_)
def test_a_whole_compressed_stream_of_several_members_decompresses_exactly(kind: str, parts, cuts) -> None:
    out, d = decompress(compress(kind, parts), cuts)
    assert out == b"".join(parts)
    assert d.ending is None and not d.trailing


@FUZZ
@given(kind=st.sampled_from(["gzip", "zstd"]), parts=members, cut=st.integers(0, 10**5), cuts=cuts_)
def test_a_compressed_stream_cut_anywhere_gives_a_prefix_and_says_so(kind: str, parts, cut: int, cuts) -> None:
    """Cut between members, the file is complete as far as anyone can tell; cut inside one,
    what decompresses is a prefix of the content and `ending` says the stream ends early."""
    pieces = [compress(kind, [p]) for p in parts]
    data = b"".join(pieces)
    cut = 4 + cut % (len(data) - 3)  # at least the magic: shorter is not told from plain text
    out, d = decompress(data[:cut], cuts)
    assert b"".join(parts).startswith(out)
    boundaries = {sum(len(p) for p in pieces[:k]) for k in range(len(pieces) + 1)}
    if cut in boundaries:
        assert out == b"".join(parts[: sorted(boundaries).index(cut)]) and d.ending is None
    else:
        assert d.ending == "truncated"


@FUZZ
@given(
    kind=st.sampled_from(["gzip", "zstd"]),
    parts=members,
    data=st.data(),
    cuts=cuts_,
)
def test_a_damaged_compressed_stream_never_raises(kind: str, parts, data: st.DataObject, cuts) -> None:
    damaged = data.draw(byte_mutation(compress(kind, parts)), label="damaged")
    out, d = decompress(damaged, cuts)
    assert isinstance(out, bytes)
    assert d.ending is None or d.ending == "truncated" or d.ending.startswith("damaged: ")


@FUZZ
@given(magic=st.sampled_from([b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b""]), rest=st.binary(max_size=400), cuts=cuts_)
def test_random_bytes_behind_a_compression_magic_never_raise(magic: bytes, rest: bytes, cuts) -> None:
    out, _d = decompress(magic + rest, cuts)
    assert isinstance(out, bytes)


# ----------------------------------------------------------------------------- a whole file


def as_file(kind: str, content: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(content, mtime=0)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(content)
    return content


@FUZZ
@given(
    kind=st.sampled_from(["none", "gzip", "zstd"]),
    content=st.lists(st.integers(0, 10**6).map(recording_line), min_size=1, max_size=10).map(
        lambda lines: b"\n".join(lines) + b"\n"
    ),
    data=st.data(),
)
def test_a_real_recording_mutated_is_read_without_an_exception(kind: str, content: bytes, data: st.DataObject) -> None:
    raw = data.draw(byte_mutation(as_file(kind, content)) | st.binary(max_size=500), label="file")
    warnings: list[str] = []
    fd, path = tempfile.mkstemp(prefix="feedcli-fuzz-")
    try:
        os.write(fd, raw)
        os.close(fd)
        lines = list(open_lines(path, warnings.append))
        recording = Recording.open(path)
        try:
            records = [line for _, line in recording.records(warn=warnings.append)]
        except UsageError as exc:  # documented: no line of it is a feedcli line (exit 2)
            assert "\n" not in str(exc)
            records = []
        finally:
            recording.close()
    finally:
        os.unlink(path)
    assert all(isinstance(w, str) and "\n" not in w for w in warnings)
    assert all(isinstance(line, bytes) and b"\n" not in line for line in lines)
    assert set(records) <= set(lines)
    for line in records:  # what replay plays is a feedcli line
        assert type(orjson.loads(line)) is dict


def test_the_properties_can_fail() -> None:
    """A sanity check of the oracles: zlib's own reader of a cut stream agrees with ours."""
    data = gzip.compress(b"a\nb\n" * 100, mtime=0)
    out, d = decompress(data[: len(data) // 2], [7, 19])
    assert d.ending == "truncated" and (b"a\nb\n" * 100).startswith(out)
    assert zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2]) == out
