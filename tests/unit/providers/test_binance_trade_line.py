"""The line path of Binance trades (`MarketCodec` with `BinanceWire.quick_trade`) beside the
general path (`MarketCodec.parse` and the writer's `encode_line`): byte for byte the same lines,
the same refusals, the same trade gate, over generated streams with every kind of oddity a
trade message can carry, repeats after reconnects, and other channels on the same connection.

Two runs are driven side by side, each with its own feed and trade gate, as two `feedcli
stream` processes would be: in the "lined" run every frame is first offered to `codec.line`
(as the engine does) and goes to `parse` only where that declines; the "general" run has only
`parse`. Whatever the lined run writes must be what the general run writes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from feedcli.providers.base import Frame, HttpResponse
from feedcli.providers.candles.channels import MarketCodec
from feedcli.providers.crypto import binance as crypto
from tests.support.binance_line_run import LineRun

PAIRS = ["BTC-USDT", "ETH-USDT", "BNB-BTC", "SOL-USDT"]
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBBTC"]
#: an asked-for pair that gets only the odd trades whose ids are near the 64-bit bounds: the
#: gate then drops every later trade of it, which would starve the others of lines
HUGE = "SOLUSDT"
#: a symbol nobody asked for: its trades are dropped on both paths
STRANGER = "XRPUSDT"
T0 = 1_764_000_000_000


class Run(LineRun):
    """One `feedcli stream binance` run: its connections' codecs, made one after another."""

    def __init__(self, channels: list[str], *, lined: bool) -> None:
        super().__init__(PAIRS, channels, lined=lined, depth=5 if "book" in channels else None)


# ----------------------------------------------------------------------------- the messages


def trade(rng: random.Random, symbol: str, ident: Any, ms: Any) -> dict[str, Any]:
    price = rng.choice(["96543.21000000", "0.00100000", "1", "0.1", "12345678.9", "1e-8", "3.14159265358979"])
    size = rng.choice(["0.00010000", "100", "2.5", "0.00000001", "1000000"])
    event = {"e": "trade", "E": ms, "s": symbol, "t": ident, "p": price, "q": size, "T": ms, "m": rng.random() < 0.5}
    event["M"] = True
    return event


#: (field, value) replacements, each of which one path or the other must answer in its own way
ODD_VALUES: list[tuple[str, Any]] = [
    ("p", "0"),
    ("p", "0.00000000"),
    ("p", "-0"),
    ("p", "-1.5"),
    ("q", "-0.1"),
    ("p", "1e400"),
    ("p", "nan"),
    ("q", "inf"),
    ("p", " 1.5"),
    ("q", "1_000"),
    ("p", "+2"),
    ("p", "１２"),
    ("p", ""),
    ("p", 1.5),
    ("q", 7),
    ("p", None),
    ("p", True),
    ("p", "123456789012345678901234567890.5"),
    ("t", "777"),
    ("t", "abc-1"),
    ("t", -5),
    ("t", 0),
    ("t", 2**63 - 1),
    ("t", 2**64 - 1),
    ("t", 2**64),
    ("t", 2**70),
    ("t", 1.0),
    ("t", None),
    ("T", 0),
    ("T", -1),
    ("T", "1764000000000"),
    ("T", 2**32 * 1000),
    ("T", 2**32 * 1000 - 1),
    ("T", 10**15),
    ("T", 10**20),
    ("T", 1.5),
    ("m", 1),
    ("m", "true"),
    ("m", None),
    ("s", 5),
    ("s", "btcusdt"),
    ("s", STRANGER),
    ("E", [1]),
    ("M", {"x": 1}),
    ("X", 1),
    ("b", 88),
    ("a", "seller"),
]


def dumps(value: Any, **options: Any) -> bytes:
    """orjson's JSON, with integers past 64 bits (which orjson will not write) written as digits."""
    big: list[int] = []

    def held(item: Any) -> Any:
        if type(item) is int and not -(2**63) <= item < 2**64:
            big.append(item)
            return f"@big{len(big) - 1}@"
        if isinstance(item, dict):
            return {k: held(v) for k, v in item.items()}
        return item

    text = orjson.dumps(held(value), **options)
    for n, item in enumerate(big):
        text = text.replace(f'"@big{n}@"'.encode(), str(item).encode())
    return text


def compact(event: Any, rng: random.Random) -> bytes:
    """The event as Binance sends it: mostly combined-stream wrapped, sometimes raw."""
    if rng.random() < 0.75:
        stream = f"{str(event.get('s', 'x')).lower()}@trade" if isinstance(event, dict) else "x@trade"
        return dumps({"stream": stream, "data": event})
    return dumps(event)


def odd_frame(rng: random.Random, base: dict[str, Any]) -> bytes:
    """A trade made odd: a value, a missing field, a key twice, spacing, bad bytes, an aggTrade."""
    roll = rng.random()
    event = dict(base)
    if roll < 0.55:
        key, value = rng.choice(ODD_VALUES)
        event[key] = value
        if key == "t" and isinstance(value, int) and value > 2**40:
            event["s"] = HUGE
        return compact(event, rng)
    if roll < 0.62:
        del event[rng.choice(["s", "t", "p", "q", "T", "m", "E", "M"])]
        return compact(event, rng)
    if roll < 0.68:  # an aggregate trade: its id is `a`
        event["e"] = "aggTrade"
        event["a"] = event.pop("t")
        event["f"], event["l"] = 1, 2
        return compact(event, rng)
    if roll < 0.74:  # a key twice: the last one counts (orjson and msgspec alike)
        text = dumps(event)
        return text[:-1] + b',"p":"' + rng.choice([b"2", b"-2", b"x"]) + b'"}'
    if roll < 0.80:  # spacing and newlines, as a pretty-printer writes it
        return dumps({"stream": "x@trade", "data": event}, option=orjson.OPT_INDENT_2)
    if roll < 0.85:
        text = compact(event, rng)
        cut = rng.randrange(1, len(text))
        return text[:cut]  # cut short: not JSON
    if roll < 0.90:
        text = compact(event, rng)
        spot = rng.randrange(len(text))
        return text[:spot] + bytes([rng.randrange(256)]) + text[spot + 1 :]  # a byte flipped
    if roll < 0.94:
        return compact(event, rng).replace(b'"s":"', b'"s":"\\u00e9', 1)  # an escape in the symbol
    if roll < 0.97:
        return b'{"stream":"btcusdt@trade","data":' + dumps(event)[:-1] + b',"p":"\xff"}}'  # not UTF-8
    return dumps([event])  # not an object


def other_frame(rng: random.Random, channels: list[str], ids: dict[str, int], ms: int) -> bytes:
    """A message of another channel of the same connection (or the server's own)."""
    symbol = rng.choice(SYMBOLS)
    choices = ["answer"]
    if "candles" in channels:
        choices.append("kline")
    if "book" in channels:
        choices += ["depth", "depth"]
    if "ticker" in channels:
        choices.append("ticker")
    what = rng.choice(choices)
    if what == "answer":
        return b'{"result":null,"id":3}'
    if what == "kline":
        start = ms - ms % 60_000
        kline = {
            "t": start,
            "T": start + 59_999,
            "s": symbol,
            "i": "1m",
            "f": 1,
            "L": 2,
            "o": "1.0",
            "c": "1.5",
            "h": "2.0",
            "l": "0.5",
            "v": "10",
            "n": 2,
            "x": False,
            "q": "15",
            "V": "5",
            "Q": "7.5",
            "B": "0",
        }
        event = {"e": "kline", "E": ms, "s": symbol, "k": kline}
        return orjson.dumps({"stream": f"{symbol.lower()}@kline_1m", "data": event})
    if what == "ticker":
        event = {"u": ids[symbol], "s": symbol, "b": "1.0", "B": "2", "a": "1.1", "A": "3"}
        return orjson.dumps({"stream": f"{symbol.lower()}@bookTicker", "data": event})
    first = ids.setdefault("depth" + symbol, 100) + 1
    last = first + rng.randint(0, 3)
    ids["depth" + symbol] = last
    event = {"e": "depthUpdate", "E": ms, "s": symbol, "U": first, "u": last, "b": [["1.0", "2"]], "a": [["1.2", "0"]]}
    return orjson.dumps({"stream": f"{symbol.lower()}@depth@100ms", "data": event})


def stream_of(rng: random.Random, count: int, channels: list[str]) -> list[tuple[str, Any]]:
    """Steps: ("frame", bytes or text), ("reconnect", None), ("http", the ids so far): trades with ids rising
    per pair, repeats and older ids now and then, odd trades, other channels' messages, and
    reconnects after which the last few trades come again (as Binance may send them)."""
    ids = {s: rng.randint(1, 10**9) for s in SYMBOLS}
    ms = T0
    sent: list[bytes] = []
    out: list[tuple[str, Any]] = []
    for i in range(count):
        ms += rng.choice([0, 0, 1, 7, 250, 999, 1000, 61_000])
        roll = rng.random()
        symbol = rng.choice(SYMBOLS + [STRANGER] * (roll < 0.1))
        if roll < 0.55:
            ids[symbol] = ids.get(symbol, 1) + rng.choice([1, 1, 1, 2, 50])
            frame = compact(trade(rng, symbol, ids[symbol], ms), rng)
            sent.append(frame)
        elif roll < 0.62 and sent:
            frame = rng.choice(sent[-30:])  # a repeat on the same connection
        elif roll < 0.65:
            ids[symbol] = ids.get(symbol, 1) + 1
            frame = compact(trade(rng, symbol, ids[symbol] - rng.randint(2, 9), ms), rng)  # older
        elif roll < 0.82:
            frame = odd_frame(rng, trade(rng, symbol, ids.get(symbol, 1) + rng.randint(1, 3), ms))
        elif roll < 0.97:
            frame = other_frame(rng, channels, ids, ms)
        elif roll < 0.985:
            out.append(("reconnect", None))
            out += [("frame", f) for f in sent[-rng.randint(1, 12) :]]  # sent again after a reconnect
            continue
        else:
            out.append(("http", dict(ids)))  # the last diff ids so far: the books' snapshots
            continue
        out.append(("frame", frame.decode(errors="replace") if i % 11 == 0 else frame))  # text, as aiohttp
    return out


def snapshot_body(last_u: int) -> bytes:
    """A REST book snapshot (the diffs held after it apply, or a gap is found: both paths alike)."""
    return orjson.dumps({"lastUpdateId": last_u, "bids": [["1.0", "5"], ["0.9", "1"]], "asks": [["1.2", "4"]]})


def drive(channels: list[str], seed: int, count: int = 1500) -> tuple[int, int]:
    """Both runs over the same generated stream; (frames the line path took, frames it left)."""
    rng = random.Random(seed)
    steps = stream_of(rng, count, channels)
    lined, general = Run(channels, lined=True), Run(channels, lined=False)
    took = left = 0
    for i, (what, frame) in enumerate(steps):
        if what == "reconnect":
            lined.connect(), general.connect()
            continue
        if what == "http":  # the engine asks for the REST calls and answers them
            asked = [c.codec.pending_requests(1.8e9 + i) for c in (lined, general)]
            assert asked[0] == asked[1]
            for request in asked[0]:
                if request.purpose == "snapshot":  # the book as of now: after the diffs sent
                    body = snapshot_body(frame.get("depth" + dict(request.params)["symbol"], 100))
                else:
                    body = b"[]"  # no klines
                answers = [run.answer(request, HttpResponse(200, {}, body)) for run in (lined, general)]
                assert answers[0] == answers[1]
            continue
        recv = f"2025-11-24T16:00:{i // 7 % 60:02d}.{i:06d}Z"  # one stamp for a few frames, as a read
        got, by_line = lined.feed(frame, recv)
        want, _ = general.feed(frame, recv)
        assert got == want, frame
        took += by_line
        left += not by_line
        a, b = lined.codec, general.codec
        assert (a.wants_http, a.take_outgoing()) == (b.wants_http, b.take_outgoing()), frame
        a.wants_http = b.wants_http = False
    gate_a, gate_b = lined.codec.trades, general.codec.trades
    assert gate_a.highest == gate_b.highest and gate_a.recent == gate_b.recent
    return took, left


@pytest.mark.parametrize("seed", range(5))
def test_trade_lines_are_the_bytes_of_the_general_path(seed: int) -> None:
    took, left = drive(["trades"], seed)
    assert took > 600 and left > 300, (took, left)  # both ways, often


@pytest.mark.parametrize(
    "channels",
    [["trades", "candles"], ["trades", "book"], ["trades", "ticker"], ["candles", "trades", "book", "ticker"]],
)
def test_trades_multiplexed_with_other_channels_on_one_connection(channels: list[str]) -> None:
    took, left = drive(channels, 11)
    # with a book, every message waits for parse while a snapshot call is outstanding
    assert took > 150 and left > 300, (took, left)


def test_the_line_path_only_for_trades_and_only_where_the_wire_has_a_reader() -> None:
    assert Run(["trades"], lined=True).codec.line is not None
    for channels in (["ticker"], ["candles", "ticker"]):
        run = Run(channels, lined=False)
        assert run.codec.line is None, channels  # nothing to write a trade for: parse alone
    # books have their own line path (test_binance_book_line.py), trades not offered to it
    assert Run(["book"], lined=False).codec.line.__func__ is MarketCodec._book_line  # type: ignore[union-attr]
    assert MarketCodec.line is None


def test_a_trade_is_written_once_across_a_reconnect_and_its_repeats_go_to_parse() -> None:
    run = Run(["trades"], lined=True)
    rng = random.Random(3)
    first = compact(trade(rng, "BTCUSDT", 42, T0), rng)
    got, by_line = run.feed(first, "r")
    assert by_line and len(got) == 1
    line = orjson.loads(got[0])
    assert (line["symbol"], line["seq"], line["data"]["id"], line["kind"]) == ("BTC-USDT", 42, 42, "trade")
    assert run.codec.line(first, "r") is None  # a repeat: left to parse, which drops it
    assert run.feed(first, "r") == ([], False)
    run.connect()
    assert run.feed(first, "r") == ([], False)  # the gate is the run's: not again after a reconnect
    got, by_line = run.feed(compact(trade(rng, "BTCUSDT", 43, T0), rng), "r")
    assert by_line and len(got) == 1


def test_the_reader_declines_what_the_line_cannot_vouch_for() -> None:
    rng = random.Random(5)
    base = trade(rng, "BTCUSDT", 7, T0)
    read: Callable[[Any], Any] = crypto.quick_trade
    assert read(orjson.dumps(base)) is not None and read(orjson.dumps(base).decode()) is not None
    for key, value in [("t", "7"), ("t", 2**64), ("T", 0), ("T", 2**32 * 1000), ("p", "-1"), ("q", "nan"), ("X", 0)]:
        assert read(dumps({**base, key: value})) is None, (key, value)
    assert read(b'{"result":null,"id":3}') is None and read(b"not json") is None
    assert read(orjson.dumps(base).decode().replace('"s":"', '"s":"\ud800', 1)) is None  # a lone surrogate


def test_a_text_frame_parse_cannot_encode_is_left_to_it() -> None:
    """Text with a lone surrogate (no WebSocket client hands one on, but `Frame` allows it): the
    general path fails on it as it always did, and the line path leaves it to that."""
    rng = random.Random(9)
    text = compact(trade(rng, "BTCUSDT", 7, T0), rng).decode().replace('"s":"BTCUSDT"', '"s":"BTCUSDT\ud800"')
    run = Run(["trades"], lined=True)
    assert run.codec.line is not None and run.codec.line(text, "r") is None
    with pytest.raises(UnicodeEncodeError):
        run.codec.parse(text, "r")


def test_the_comparison_catches_a_line_path_that_gets_one_rule_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    """The side-by-side check can fail: a reader that names the maker's side instead of the
    taker's (one rule wrong, every other byte right) is caught. bench/README.md lists the other
    planted bugs, each of which fails the tests above."""
    from feedcli.providers.binance import BinanceWire

    real = crypto.quick_trade

    def maker_side(frame: Frame) -> Any:
        got = real(frame)
        if got is None:
            return None
        symbol, price, size, side, ident, ms = got
        return symbol, price, size, "buy" if side == "sell" else "sell", ident, ms

    monkeypatch.setattr(BinanceWire, "quick_trade", staticmethod(maker_side))
    with pytest.raises(AssertionError):
        drive(["trades"], 0, count=300)
