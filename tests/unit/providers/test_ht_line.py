"""HT's line path (`EnvelopeCodec.line`): the line written without building `data`.

What it must do: the same line as `parse` and the writer make (`encode_line`), field for
field, with `data` exactly the provider's bytes; and nothing for a frame it cannot vouch for
(a raw newline in it, bytes that are not UTF-8, anything `parse` refuses), which then goes
through `parse`.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import MalformedFrame
from feedcli.events import decode_line, encode_line
from feedcli.providers import ime, tse

RECV = "2025-11-14T08:30:00.001234Z"


def tse_codec(by: str = "isin"):
    sub = tse.Subscription(by, ("IRO1XYZ12345",), tse.CHANNELS)  # type: ignore[arg-type]
    return tse.codecs(sub, "http://127.0.0.1:1", "tok")[0]


def ime_codec(by: str = "id"):
    return ime.codecs(ime.Subscription(by, ("1",)), "http://127.0.0.1:1", "tok")[0]  # type: ignore[arg-type]


def slow_line(codec, frame: bytes, recv: str = RECV) -> bytes:
    (event,) = codec.parse(frame, recv)
    return encode_line(event)


def data_bytes(line: bytes) -> bytes:
    """What follows `"data":` in a line, up to the closing brace and newline."""
    _head, sep, rest = line.partition(b',"data":')
    assert sep and rest.endswith(b"}\n"), line
    return rest[:-2]


# ---------------------------------------------------------------- data byte for byte

SPELLINGS = (
    b'{"1":{"buy_price":1E5,"buy_quantity":1.50,"sell_price":-0.0,"sell_quantity":2e-3}}',
    b'{"big":123456789012345678901234567890,"exp":1.0E+2,"neg":-12.500}',
    b'{ "spaced" : [ 1 , 2 ] , "text" : "a\\u00e9\\"b" , "raw" : "\xd8\xa7\xd9\x84\xd9\x81" }',
    b'{"dup":1,"dup":2}',
    b"{}",
)


@pytest.mark.parametrize("data", SPELLINGS)
def test_data_is_the_providers_bytes_as_sent(data: bytes) -> None:
    codec = tse_codec()
    frame = (
        b'{"channel":"best-limit","symbolIsin":"IRO1XYZ12345","timestamp":"2025-11-14T12:00:00.000000","data":'
        + data
        + b"}"
    )
    line = codec.line(frame, RECV)
    assert line is not None
    assert data_bytes(line) == data
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    # every other field is what parse and the writer make of the same frame
    fast, slow = orjson.loads(line), orjson.loads(slow_line(codec, frame))
    assert list(fast) == list(slow) == ["provider", "channel", "symbol", "ts", "recv", "kind", "data"]
    assert {k: v for k, v in fast.items() if k != "data"} == {k: v for k, v in slow.items() if k != "data"}
    assert fast["data"] == slow["data"]  # the same values, spelt as the provider spelt them


def test_numbers_keep_their_spelling_and_type() -> None:
    frame = b'{"channel":"aggregate","symbolIsin":"IRO1XYZ12345","data":{"a":1E5,"b":1.50,"c":10}}'
    line = tse_codec().line(frame, RECV)
    assert line is not None
    assert data_bytes(line) == b'{"a":1E5,"b":1.50,"c":10}'
    # through parse, orjson spells them its own way: the line path is the one that keeps them
    assert data_bytes(slow_line(tse_codec(), frame)) == b'{"a":100000.0,"b":1.5,"c":10}'


# ---------------------------------------------------------------- the same line as parse

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
json_objects = st.dictionaries(
    st.text(),
    st.recursive(
        json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3), max_leaves=10
    ),
    max_size=6,
)
symbols = st.text(min_size=1).filter(lambda s: s == s.strip() and not any(c in s for c in "\r\n\t\x00"))
#: HT's own form, its form without microseconds, with an offset, epoch numbers, nothing, junk
timestamps = st.one_of(
    st.none(),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")),
    st.integers(0, 2**62),
    st.floats(0, 1e18, allow_nan=False),
    st.text(max_size=30),
)


@given(
    by=st.sampled_from(["isin", "name"]),
    symbol=symbols | st.integers(-(2**63), 2**63 - 1),
    channel=st.sampled_from(tse.CHANNELS),
    stamps=st.lists(timestamps, min_size=1, max_size=4),
    data=json_objects,
)
def test_tse_line_is_parse_then_encode(by, symbol, channel, stamps, data) -> None:
    codec = tse_codec(by)
    field = "symbolIsin" if by == "isin" else "symbolName"
    for ts in stamps:  # several in a row: the converted minute is cached from one to the next
        frame = orjson.dumps({"channel": channel, field: symbol, "timestamp": ts, "data": data})
        recv = f"2025-11-14T08:30:00.00{len(stamps)}234Z"
        assert codec.line(frame, recv) == slow_line(codec, frame, recv)


@given(by=st.sampled_from(["id", "name"]), contract=symbols, stamps=st.lists(timestamps, max_size=3), data=json_objects)
def test_ime_line_is_parse_then_encode(by, contract, stamps, data) -> None:
    codec = ime_codec(by)
    field = "contractId" if by == "id" else "ContractName"
    for ts in [*stamps, None]:
        frame = orjson.dumps({"channel": "IME Stream", field: contract, "timestamp": ts, "data": data})
        assert codec.line(frame, RECV) == slow_line(codec, frame)


def test_a_timestamp_in_the_cached_minute_is_converted_from_its_own_seconds() -> None:
    codec = tse_codec()

    def ts_of(stamp: str) -> str:
        frame = f'{{"channel":"aggregate","symbolIsin":"X","timestamp":"{stamp}","data":{{}}}}'.encode()
        line = codec.line(frame, RECV)
        assert line is not None
        return orjson.loads(line)["ts"]

    assert ts_of("2025-11-14T12:00:00.000000") == "2025-11-14T08:30:00.000000Z"
    assert ts_of("2025-11-14T12:00:59.999999") == "2025-11-14T08:30:59.999999Z"  # the cached minute
    assert ts_of("2025-11-14T12:01:07.123456") == "2025-11-14T08:31:07.123456Z"  # the next one
    assert ts_of("2025-11-14T12:01:07.12345Z") == "2025-11-14T12:01:07.12345Z"  # not HT's form: as it is


# ---------------------------------------------------------------- what goes through parse

PRETTY = b"""{
  "channel": "best-limit",
  "symbolIsin": "IRO1XYZ12345",
  "timestamp": "2025-11-14T12:00:00.000000",
  "data": {"1": {"buy_price": 1E5,
                 "sell_price": 10050}}
}"""


@pytest.mark.parametrize(
    "frame",
    [
        PRETTY,
        PRETTY.replace(b"\n", b"\r"),
        b'{"channel":"aggregate","symbolIsin":"X","data":{"a":\n1}}',
        b'{"channel":"aggregate","symbolIsin":"X","data":{"a":\r1}}',
    ],
    ids=["pretty", "pretty-cr", "newline-in-data", "cr-in-data"],
)
def test_a_frame_with_a_raw_newline_goes_through_parse_and_is_one_line(frame: bytes) -> None:
    codec = tse_codec()
    assert codec.line(frame, RECV) is None
    line = slow_line(codec, frame)
    assert line.count(b"\n") == 1 and line.endswith(b"\n") and b"\r" not in line


@pytest.mark.parametrize(
    "frame, why",
    [
        (b'{"channel":"aggregate","symbolIsin":"X","data":{"name":"\xff\xfe"}}', "not JSON"),
        (b'{"channel":"aggregate","symbolIsin":"X","data":{"name":"\xed\xa0\x80"}}', "not JSON"),  # a surrogate
        (b'{"channel":"aggregate","symbolIsin":"X","data":{"a":1,}}', "not JSON"),
        (b'{"channel":"aggregate","symbolIsin":"X","timestamp":1e999,"data":{}}', "not JSON"),
        (b'{"channel":"aggregate","symbolIsin":"X","data":[1]}', "'data' is not an object"),
        (b'{"channel":"aggregate","symbolIsin":"X","data":"{}"}', "'data' is not an object"),
        (b'{"channel":"","symbolIsin":"X","data":{}}', "'channel' is not a name"),
        (b'{"channel":7,"symbolIsin":"X","data":{}}', "'channel' is not a name"),
        (b'{"symbolIsin":"X","data":{}}', "no 'channel'"),
        (b'{"channel":"aggregate","data":{}}', "no 'symbolIsin' or 'symbolName'"),
        (b'[{"channel":"aggregate","symbolIsin":"X","data":{}}]', "not a JSON object"),
    ],
)
def test_what_parse_refuses_the_line_path_leaves_to_parse(frame: bytes, why: str) -> None:
    codec = tse_codec()
    assert codec.line(frame, RECV) is None
    with pytest.raises(MalformedFrame, match=why):
        codec.parse(frame, RECV)


def test_data_orjson_cannot_hold_is_passed_on_as_sent() -> None:
    """Valid JSON that orjson refuses to read (1e999) or to write (nested past 255 levels):
    `parse` skips the frame as malformed, the line path keeps the provider's object as sent."""
    codec = tse_codec()
    deep = b"[" * 300 + b"]" * 300
    for data in (b'{"a":1e999}', b'{"x":' + deep + b"}"):
        frame = b'{"channel":"aggregate","symbolIsin":"X","data":' + data + b"}"
        line = codec.line(frame, RECV)
        assert line is not None and data_bytes(line) == data
    too_deep = b'{"x":' + b"[" * 1100 + b"]" * 1100 + b"}"  # past what msgspec checks, and orjson reads
    frame = b'{"channel":"aggregate","symbolIsin":"X","data":' + too_deep + b"}"
    assert codec.line(frame, RECV) is None
    with pytest.raises(MalformedFrame, match="not JSON"):
        codec.parse(frame, RECV)


@pytest.mark.parametrize(
    "extra", [b'"x":1e999', b'"x":[1e999]', b'"x":{"y":1e999}', b'"x":1', b'"symbolName":"Y","z":null']
)
def test_an_unknown_envelope_field_sends_the_frame_through_parse(extra: bytes) -> None:
    """The line path never writes a frame `parse` would skip: msgspec skips an unknown field
    unread, so the line path leaves any frame with one to `parse`, which refuses `1e999`."""
    codec = tse_codec()
    frame = b'{"channel":"aggregate","symbolIsin":"X",' + extra + b',"data":{}}'
    assert codec.line(frame, RECV) is None
    if b"1e999" in extra:
        with pytest.raises(MalformedFrame, match="not JSON"):
            codec.parse(frame, RECV)
    else:
        assert codec.parse(frame, RECV)


def test_non_ascii_utf8_takes_the_line_path() -> None:
    data = '{"name":"فولاد"}'.encode()
    frame = b'{"channel":"aggregate","symbolIsin":"X","data":' + data + b"}"
    line = tse_codec().line(frame, RECV)
    assert line is not None and data_bytes(line) == data
    assert decode_line(line).data == {"name": "فولاد"}


@pytest.mark.parametrize("second", [b"60", b"99", b"6x"])
def test_seconds_past_59_are_what_parse_makes_of_them_in_the_cached_minute(second: bytes) -> None:
    """The line path's own check of a timestamp in the minute just converted: seconds past 59
    are not a time, as `parse` (ToUtc) says, not `…08:30:99.000000Z`."""
    codec = tse_codec()
    head = b'{"channel":"aggregate","symbolIsin":"X","timestamp":"2025-11-14T12:00:'
    first = head + b'00.000000","data":{}}'
    assert codec.line(first, RECV) == slow_line(codec, first)  # the minute now cached
    frame = head + second + b'.000000","data":{}}'
    line = codec.line(frame, RECV)
    assert line is None or line == slow_line(codec, frame)
    assert orjson.loads(slow_line(codec, frame))["ts"] is None


# ---------------------------------------------------------------- envelopes seen before

KNOWN = b'{"channel":"best-limit","symbolIsin":"IRO1XYZ12345","timestamp":"2025-11-14T12:00:'
OTHER = b'{"channel":"aggregate","symbolIsin":"IRO1ABC00001","timestamp":"2025-11-14T12:00:'


def known_frame(seconds: bytes = b"07.123456", data: bytes = b'{"1":{"buy_price":1E5}}', head: bytes = KNOWN) -> bytes:
    return head + seconds + b'","data":' + data + b"}"


def fresh_line(frame: bytes, recv: str = RECV) -> bytes | None:
    """The line of a codec that has seen nothing before: the envelope decoded whole."""
    return tse_codec().line(frame, recv)


def counted_long_way(codec) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The frames that `codec` reads the long way (msgspec's decode of the envelope)."""
    taken: list[bytes] = []
    long_line = codec._long_line

    def spy(frame: bytes, recv: str) -> bytes | None:
        taken.append(frame)
        return long_line(frame, recv)

    codec._long_line = spy
    return taken


def test_a_known_envelope_is_read_without_decoding_it_and_makes_the_same_line() -> None:
    codec = tse_codec()
    long_way = counted_long_way(codec)
    frames = [known_frame(b"%02d.%06d" % (s, s * 7919 % 10**6), b'{"n":%d,"p":1.50}' % s) for s in range(60)]
    frames += [known_frame(b"01.000000", head=OTHER), known_frame(b"02.000000"), known_frame(b"03.5000000", head=OTHER)]
    out: list[bytes] = []
    assert codec.lines(frames, RECV, out) == len(frames)
    assert out == [fresh_line(f) for f in frames]
    # the first of each envelope, and the one whose seconds are not HT's form, took the long way
    assert long_way == [frames[0], frames[60], frames[62]]
    assert len(out[0]) > 100 and out[0].count(b"\n") == 1


#: what may follow a known envelope's minute, beside `:SS.ffffff","data":{...}}`
ODD_TAILS = [
    b'60.000000","data":{}}',
    b'99.000000","data":{}}',
    b'6x.000000","data":{}}',
    b'07.12345","data":{}}',
    b'07.1234567","data":{}}',
    b'07.123456Z","data":{}}',
    b'07.123456","data" :{}}',
    b'07.123456", "data":{}}',
    b'07.123456","data":[1]}',
    b'07.123456","data":"x"}',
    b'07.123456","data":{} }',
    b'07.123456","data":{}}}',
    b'07.123456","data":{}} ',
    b'07.123456","data":{}]',
    b'07.123456","data":{},"x":1}',
    b'07.123456","data":{},"x":{"y":1e999}}',
    b'07.123456","data":{"a":1},"data":{"b":2}}',
    b'07.123456","data":{"a":1,}}',
    b'07.123456","data":{"a":tru}}',
    b'07.123456","data":{"a":1e999}}',
    b'07.123456","data":{"a":"\\q"}}',
    b'07.123456","data":{"a":"\xd9\x81"}}',
    b'07.123456","data":{"a":"\xff"}}',
    b'07.123456","data":{"a":\n1}}',
    b'07.123456","data":{"a":\r1}}',
    b'07.123456","data":{"a":"\x01"}}',
    b'07.123456","data":',
    b"07",
    b"",
]


@pytest.mark.parametrize("tail", ODD_TAILS)
def test_whatever_follows_a_known_envelope_is_read_as_the_envelope_decoded_whole_reads_it(tail: bytes) -> None:
    codec = tse_codec()
    assert codec.line(known_frame(), RECV) is not None  # the envelope now known
    frame = KNOWN + tail
    assert codec.line(frame, RECV) == fresh_line(frame)
    assert codec.line(known_frame(b"08.000000"), RECV) == fresh_line(known_frame(b"08.000000"))  # still known


@pytest.mark.parametrize("depth", [300, 900, 1100, 5000])
def test_deep_data_is_checked_as_deep_or_left_to_parse(depth: int) -> None:
    """msgspec checks nesting up to about 1,000 levels (less the caller's stack: its
    recursion guard is Python's), deeper is a RecursionError and the frame goes to `parse`."""
    codec = tse_codec()
    assert codec.line(known_frame(), RECV) is not None
    frame = known_frame(data=b'{"x":' + b"[" * depth + b"]" * depth + b"}")
    assert codec.line(frame, RECV) == fresh_line(frame)
    assert (fresh_line(frame) is None) == (depth > 1000)


@pytest.mark.parametrize(
    "first",
    [
        b'{"symbolIsin":"IRO1XYZ12345","channel":"best-limit","timestamp":"2025-11-14T12:00:',  # another order
        b'{"channel": "best-limit","symbolIsin":"IRO1XYZ12345","timestamp":"2025-11-14T12:00:',  # spaced
        b'{"channel":"best\\u002dlimit","symbolIsin":"IRO1XYZ12345","timestamp":"2025-11-14T12:00:',  # escaped
        b'{"channel":"best-limit","symbolIsin":7,"timestamp":"2025-11-14T12:00:',  # a number
        b'{"channel":"best-limit","symbolIsin":null,"symbolName":"X","timestamp":"2025-11-14T12:00:',
    ],
)
def test_an_envelope_spelt_otherwise_is_always_decoded_whole(first: bytes) -> None:
    codec = tse_codec()
    long_way = counted_long_way(codec)
    frames = [known_frame(b"%02d.000000" % s, head=first) for s in range(5)]
    assert [codec.line(f, RECV) for f in frames] == [fresh_line(f) for f in frames]
    assert long_way == frames


def test_the_next_minute_is_converted_and_then_known() -> None:
    codec = tse_codec()
    long_way = counted_long_way(codec)
    next_minute = KNOWN.replace(b"12:00:", b"12:01:")
    frames = [known_frame(b"58.000000"), known_frame(b"59.000000")]
    frames += [known_frame(b"00.000000", head=next_minute), known_frame(b"01.000000", head=next_minute)]
    frames += [known_frame(b"02.000000", head=next_minute), known_frame(b"59.999999")]  # one late: the old minute
    out: list[bytes] = []
    assert codec.lines(frames, RECV, out) == len(frames)
    assert out == [fresh_line(f) for f in frames]
    assert b'"ts":"2025-11-14T08:31:02.000000Z"' in out[4]
    # the first of each minute (the late one's envelope is still known)
    assert long_way == [frames[0], frames[2]]


def test_lines_stop_at_the_first_frame_without_one_and_the_receive_time_is_each_calls() -> None:
    codec = tse_codec()
    frames = [known_frame(b"01.000000"), known_frame(b"02.000000"), b"not json", known_frame(b"03.000000")]
    out: list[bytes] = []
    assert codec.lines(frames, RECV, out) == 2
    assert out == [fresh_line(f) for f in frames[:2]]
    later = "2025-11-14T08:30:09.000000Z"
    assert codec.lines(frames[3:], later, out) == 1
    assert out[2] == fresh_line(frames[3], later)


@pytest.mark.parametrize(
    "odd, lines",
    [
        (known_frame(data=b'{"a":\n1}'), 1),
        (known_frame(data=b'{"a":\r1}'), 1),
        (known_frame(data=b'{"a":"\xff"}'), 1),
        (known_frame(data='{"name":"فولاد"}'.encode()), 3),
        (known_frame(data=b'{"a":"\\n"}'), 3),
    ],
    ids=["newline", "cr", "not-utf8", "utf8", "escaped-newline"],
)
def test_a_read_with_one_odd_frame_checks_each_frame_alone(odd: bytes, lines: int) -> None:
    """The newline and UTF-8 checks are made on a read's frames together; when they fail, on
    each frame: the frames before the odd one have their lines, and the rest theirs if it has."""
    codec = tse_codec()
    frames = [known_frame(b"01.000000"), odd, known_frame(b"02.000000")]
    out: list[bytes] = []
    assert codec.lines(frames, RECV, out) == lines
    assert out == [fresh_line(f) for f in frames[:lines]]
    assert all(line is not None and line.count(b"\n") == 1 for line in out)
