"""Binance's hot path (`quick_kline`) says exactly what `parse` says, or leaves the message to it.

`quick_kline` reads a kline event straight into the line's fields (msgspec, typed); `parse`
is the general reader (orjson, checks field by field). Whatever the quick path reads must give
the same line, byte for byte and types included, and every message `parse` refuses must be
left to `parse` (None), so that its error is the one the engine sees. Checked on the documented
example, on edge values of every field, on many generated and mutated events, and end to end
through the candle codec (admission, repeats, closed bars, gaps and their top-up), a codec with
the hot path beside one without it.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import MalformedFrame
from feedcli.events import encode_line, epoch_ms_iso
from feedcli.providers import binance
from feedcli.providers.candles import CandleCodec
from tests.faults.fuzzing import FUZZ, byte_mutation

EX = binance.EXCHANGE
RECV = "2025-11-14T08:30:00.000000Z"
BAR = 1_763_109_000_000  # 2025-11-14T08:30:00Z
MINUTE = 60_000


def kline(
    start: int = BAR,
    event: int = BAR + 1_234,
    symbol: str = "BTCUSDT",
    closed: bool = False,
    close: str = "96543.21000000",
    **changes: Any,
) -> dict[str, Any]:
    """A kline event as Binance pushes it; `changes` set fields of `k` (or of the event, `E_`...)."""
    k: dict[str, Any] = {
        "t": start,
        "T": start + MINUTE - 1,
        "s": symbol,
        "i": "1m",
        "f": 5_412_345_678,
        "L": 5_412_345_999,
        "o": "96500.00000000",
        "c": close,
        "h": "96600.50000000",
        "l": "96400.01000000",
        "v": "12.34567800",
        "n": 321,
        "x": closed,
        "q": "1191234.56789012",
        "V": "6.00000000",
        "Q": "579000.12000000",
        "B": "0",
    }
    k.update(changes)
    return {"e": "kline", "E": event, "s": symbol, "k": k}


def compact(event: Any, *, wrapped: bool = True) -> bytes:
    """As Binance sends it: no spaces; wrapped as the combined stream wraps it, or raw."""
    if wrapped:
        event = {"stream": "btcusdt@kline_1m", "data": event}
    return json.dumps(event, separators=(",", ":")).encode()


def check_same_reading(frame: bytes | str) -> bool:
    """The quick path's reading of `frame` is `parse`'s; True if the quick path read it."""
    quick = binance.quick_kline(frame)
    try:
        parsed = EX.parse(frame)
    except MalformedFrame:
        assert quick is None, frame
        return False
    if quick is None:
        return False
    assert len(parsed.candles) == 1, frame
    [(symbol, candle, event_ms)] = parsed.candles
    ts = epoch_ms_iso(event_ms) if event_ms is not None else None
    assert (symbol, candle.start_ms, candle.closed, ts) == quick[:4], frame
    # byte for byte, which also tells 1 from 1.0 and True from 1
    assert orjson.dumps(candle.record()) == orjson.dumps(quick[4]), frame
    assert [type(v) for v in candle.record().values()] == [type(v) for v in quick[4].values()], frame
    return True


def test_the_documented_and_the_usual_events_take_the_quick_path() -> None:
    from tests.unit.providers.test_binance import DOC_KLINE

    doc = json.loads(DOC_KLINE)
    for frame in (
        compact(doc, wrapped=False),
        compact(doc),
        compact(kline()),
        compact(kline(), wrapped=False),
        compact(kline(closed=True)),
        compact(kline()).decode(),  # text, as the aiohttp transport hands it over
    ):
        assert check_same_reading(frame), frame
    # pretty-printed (the example as documented): the general reader's, with the same result
    assert not check_same_reading(DOC_KLINE)
    assert EX.parse(DOC_KLINE).candles


#: values a field of `k` could hold, the odd ones included
NUMBER_TEXTS = [
    "0.00000000",
    "0",
    "-0",
    "1e-8",
    "1E5",
    "1.5e+3",
    "96543.21000000",
    "123456789012345678901234567890.12345678",
    "1e400",
    "-1e400",
    "inf",
    "nan",
    "Infinity",
    " 1.5",
    "1.5 ",
    "1_000",
    "",
    "abc",
    "0x10",
    "１２",  # full-width digits: float() reads them
    "1,5",
]
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**63) - 1,
    10**30,
    "",
    "1",
    "true",
    [],
    {},
    [1],
    {"a": 1},
]


@pytest.mark.parametrize("field", ["o", "h", "l", "c", "v", "q"])
def test_number_fields_of_every_spelling(field: str) -> None:
    for value in [*NUMBER_TEXTS, *ODD_VALUES]:
        for wrapped in (True, False):
            check_same_reading(compact(kline(**{field: value}), wrapped=wrapped))
    # the usual spellings are read quickly, a zero too
    assert check_same_reading(compact(kline(**{field: "0.00000000"})))
    assert check_same_reading(compact(kline(**{field: "0.00000000"}), wrapped=False).decode())
    assert check_same_reading(compact(kline(**{field: "123456789012345678901234567890.12345678"})))
    # a negative zero is -0.0 to float(), 0.0 to msgspec: left to parse, however it is written
    for text in ("-0", "-0.00000000", "-0e5", "-1e-400", "\\u002d0"):
        frame = compact(kline(**{field: "0"})).replace(b'"0"', b'"' + text.encode() + b'"')
        assert not check_same_reading(frame), frame
        assert not check_same_reading(frame.decode()), frame
    assert b"-0.0" in orjson.dumps(EX.parse(frame).candles[0][1].record())


@pytest.mark.parametrize("field", ["t", "T", "s", "i", "f", "L", "n", "x", "V", "Q", "B"])
def test_other_fields_of_every_type(field: str) -> None:
    for value in [*ODD_VALUES, *NUMBER_TEXTS[:4]]:
        check_same_reading(compact(kline(**{field: value})))
    for event in (kline(), kline(closed=True)):
        del event["k"][field]
        check_same_reading(compact(event))


def test_event_fields_and_wrappers() -> None:
    for key in ("e", "E", "s", "k"):
        for value in ODD_VALUES:
            event = kline()
            event[key] = value
            check_same_reading(compact(event))
            check_same_reading(compact(event, wrapped=False))
        event = kline()
        del event[key]
        check_same_reading(compact(event))
    base = kline()
    odd_frames = [
        {"stream": 5, "data": base},
        {"stream": "x", "data": base, "more": 1},
        {"data": base, "stream": "x"},
        {**base, "extra": 1},
        {**base, "k": {**base["k"], "extra": "x"}},
        {"stream": "x", "data": {**base, "e": "trade"}},
        {"stream": "x", "data": {"result": None, "id": 1}},
        {"result": None, "id": 1},
        {"code": 2, "msg": "Invalid request"},
    ]
    for obj in odd_frames:
        check_same_reading(compact(obj, wrapped=False))
    raw = compact(base)
    for frame in (
        raw.replace(b'"B":"0"', b'"B":"\xff"'),  # not UTF-8
        raw.replace(b'"B":"0"', b'"B":"\\ud800"'),  # a lone surrogate
        raw.replace(b'"B":"0"', b'"B":1e999'),
        raw.replace(b'"o":"96500.00000000"', b'"o":1e999'),  # a JSON number out of range
        raw.replace(b'"o":"96500.00000000"', b'"o":-0.0'),
        raw.replace(b'"o":"96500.00000000"', b'"o":96500'),
        raw.replace(b'"o":"96500.00000000"', b'"o":1E2'),
        raw.replace(b'"B":"0"', b'"B":"0","Z":1e999'),  # in a field the line does not need, unknown
        raw.replace(b'"B":"0"', b'"B":"0","Z":"\xff"'),
        raw.replace(b'"E":', b'"Z":[[1e999]],"E":'),
        raw.replace(b'"B":"0"', b'"B":"0","B":"1"'),  # a key twice: the last one counts, in both
        raw.replace(b'"x":false', b'"x":false,"x":true'),
        raw.replace(b'"t":', b'"t":' + str(BAR).encode() + b',"t":'),
        raw + b" ",
        raw + b"x",
        b" " + raw,
        raw[:-1],
        raw.replace(b"BTCUSDT", "BTCÜSDT".encode()),
    ):
        check_same_reading(frame)


@FUZZ
@given(data=st.data())
def test_mutated_events_are_read_alike(data: st.DataObject) -> None:
    """Fields replaced by odd values, removed, or bytes of the frame flipped, cut, repeated."""
    event = kline(closed=data.draw(st.booleans()))
    for _ in range(data.draw(st.integers(0, 3))):
        inner = event.get("k")
        where = inner if isinstance(inner, dict) and inner and data.draw(st.booleans()) else event
        if not where:
            break
        key = data.draw(st.sampled_from(sorted(where)))
        if data.draw(st.integers(0, 4)) == 0:
            del where[key]
        else:
            where[key] = copy.deepcopy(data.draw(st.sampled_from([*ODD_VALUES, *NUMBER_TEXTS])))
    frame = compact(event, wrapped=data.draw(st.booleans()))
    if data.draw(st.booleans()):
        frame = data.draw(byte_mutation(frame))
    check_same_reading(frame)


# ----------------------------------------------------------------------------- through the codec


def codec(*, quick: bool, backfill: int = 0) -> CandleCodec:
    values = {"pair": ["BTC-USDT", "ETH-USDT"], "interval": "1m", "backfill": str(backfill)}
    [made] = binance.prepare(values, {})("http://127.0.0.1:1", None)
    assert isinstance(made, CandleCodec)
    if not quick:
        made._quick = None
    return made


def stream_of_events(rng: random.Random, count: int) -> list[bytes]:
    """Updates of open bars, closes, repeats of old and closed bars, bars skipped (a gap), another
    symbol, a symbol not asked for; prices of many spellings; wrapped and raw."""
    bars = {"BTCUSDT": BAR, "ETHUSDT": BAR + 5 * MINUTE, "XRPUSDT": BAR}
    out = []
    for i in range(count):
        symbol = rng.choice(["BTCUSDT", "BTCUSDT", "BTCUSDT", "ETHUSDT", "XRPUSDT"])
        move = rng.random()
        if move < 0.1:
            bars[symbol] += MINUTE  # the next bar
        elif move < 0.13:
            bars[symbol] += MINUTE * rng.randint(2, 5)  # bars skipped: a gap to top up
        start = bars[symbol]
        if rng.random() < 0.05:
            start -= MINUTE * rng.randint(1, 3)  # a repeat of an older bar
        closed = rng.random() < 0.15
        close = rng.choice(["96543.21000000", "0.00000000", "1e-8", "123456789012345678901234567890.5", "7"])
        event = kline(start, start + rng.randint(0, MINUTE), symbol, closed, close, n=i)
        out.append(compact(event, wrapped=rng.random() < 0.8))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_codec_writes_the_same_lines_and_asks_the_same_top_ups(seed: int) -> None:
    rng = random.Random(seed)
    frames = stream_of_events(rng, 600)
    fast, slow = codec(quick=True), codec(quick=False)
    for c in (fast, slow):
        c.pending_requests(1.8e9)  # the preflight asked, as before connecting
    quick_reads = 0
    for frame in frames:
        quick_reads += binance.quick_kline(frame) is not None
        lines = [orjson.dumps(e.to_dict()) for e in fast.parse(frame, RECV)]
        assert lines == [orjson.dumps(e.to_dict()) for e in slow.parse(frame, RECV)], frame
        assert fast.wants_http == slow.wants_http
        assert fast.take_outgoing() == slow.take_outgoing()
    assert quick_reads == len(frames)
    assert fast.feed.newest == slow.feed.newest and fast.feed.closed_upto == slow.feed.closed_upto
    assert [(f.symbol, f.wanted, f.since_ms) for f in fast._fills] == [
        (f.symbol, f.wanted, f.since_ms) for f in slow._fills
    ]
    assert fast._fills, "the generated stream has gaps: top-ups were asked"


def test_a_repeat_of_a_closed_bar_and_of_an_older_bar_writes_nothing() -> None:
    fast = codec(quick=True)
    assert len(fast.parse(compact(kline(BAR, closed=False)), RECV)) == 1
    assert len(fast.parse(compact(kline(BAR, closed=True)), RECV)) == 1
    assert fast.parse(compact(kline(BAR, closed=True)), RECV) == []  # written closed already
    assert fast.parse(compact(kline(BAR, closed=False)), RECV) == []
    assert len(fast.parse(compact(kline(BAR + MINUTE)), RECV)) == 1
    assert fast.parse(compact(kline(BAR)), RECV) == []  # superseded
    assert fast.parse(compact(kline(symbol="XRPUSDT")), RECV) == []  # not asked for


# ----------------------------------------------------------------------------- the line path


def recv_of(i: int) -> str:
    """A reception time that changes every few messages, as one socket read's stamp does."""
    return f"2025-11-14T08:30:{i // 7 % 60:02d}.{i:06d}Z"


@pytest.mark.parametrize("seed", range(6))
def test_the_line_path_writes_the_bytes_of_parse_and_the_writer_and_keeps_the_same_state(seed: int) -> None:
    """`CandleCodec.line` (the engine's line path) beside `parse` with the general reader: the
    same bytes as the writer makes of parse's events (encode_line), the same admission, the same
    top-ups asked; a message it leaves (None) changed nothing, so `parse` reads it as usual."""
    rng = random.Random(seed)
    frames = stream_of_events(rng, 600)
    frames += [frame.decode() for frame in stream_of_events(rng, 100)]  # text, as over aiohttp
    lined, slow = codec(quick=True), codec(quick=False)
    assert lined.line is not None
    for c in (lined, slow):
        c.pending_requests(1.8e9)
    took = left = 0
    for i, frame in enumerate(frames):
        recv = recv_of(i)
        line = lined.line(frame, recv)
        if line is None:
            left += 1
            lines = [encode_line(e) for e in lined.parse(frame, recv)]
        else:
            took += 1
            lines = [line]
        assert lines == [encode_line(e) for e in slow.parse(frame, recv)], frame
        assert lined.wants_http == slow.wants_http
        assert lined.take_outgoing() == slow.take_outgoing() == []
        assert (lined.feed.newest, lined.feed.closed_upto) == (slow.feed.newest, slow.feed.closed_upto), frame
        assert lined._streaming == slow._streaming
        assert [(f.symbol, f.wanted, f.since_ms) for f in lined._fills] == [
            (f.symbol, f.wanted, f.since_ms) for f in slow._fills
        ]
    assert took > len(frames) // 5 and left > len(frames) // 5, (took, left)  # both ways, often
    assert lined._fills, "the generated stream has gaps: top-ups were asked"


def test_the_line_path_leaves_to_parse_what_is_not_a_plain_update() -> None:
    c = codec(quick=True)
    c.pending_requests(1.8e9)
    first = compact(kline(BAR))
    assert c.line(first, RECV) is None  # the first candle of a symbol: parse (a top-up may follow)
    assert len(c.parse(first, RECV)) == 1
    assert c.line(compact(kline(BAR, closed=True)), RECV) is not None
    assert c.line(compact(kline(BAR, closed=True)), RECV) is None  # written closed already
    assert c.line(compact(kline(BAR + MINUTE)), RECV) is not None  # the next bar
    assert c.line(compact(kline(BAR)), RECV) is None  # superseded
    assert c.line(compact(kline(BAR + 3 * MINUTE)), RECV) is None  # bars skipped
    assert c.line(compact(kline(symbol="XRPUSDT")), RECV) is None  # not asked for
    assert c.line(b'{"result":null,"id":1}', RECV) is None
    assert c.feed.newest["BTCUSDT"] == BAR + MINUTE and not c.wants_http
    line = c.line(compact(kline(BAR + MINUTE, event=BAR + MINUTE + 5)), RECV)
    assert line is not None and orjson.loads(line) == {
        "provider": "binance",
        "channel": "candles",
        "symbol": "BTC-USDT",
        "ts": "2025-11-14T08:31:00.005000Z",
        "recv": RECV,
        "kind": "candle",
        "data": orjson.loads(orjson.dumps(EX.parse(compact(kline(BAR + MINUTE))).candles[0][1].record())),
    }
    assert line.endswith(b"}\n") and line.count(b"\n") == 1
    # a reconnect: a new codec on the same feed; its first candle of a symbol goes to parse,
    # which fetches the bar that may have closed unwritten meanwhile
    again = CandleCodec(c.feed, c.symbols)
    assert again.line(compact(kline(BAR + 2 * MINUTE)), RECV) is None
    assert len(again.parse(compact(kline(BAR + 2 * MINUTE)), RECV)) == 1 and again.wants_http
    assert again.line(compact(kline(BAR + 2 * MINUTE)), RECV) is not None


def test_codecs_without_the_hot_path_have_no_line_path() -> None:
    from feedcli.providers.candles.channels import MarketCodec

    assert codec(quick=True).line is not None
    slow = codec(quick=False)
    assert slow.line is None or slow.line(compact(kline()), RECV) is None
    assert MarketCodec.line is None
