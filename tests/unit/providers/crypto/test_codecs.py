"""The six wire codecs: the exchanges' documented examples, and parse(encode(x)) == x.

The documented examples (tests/fixtures/crypto_doc_examples.json, verbatim, with their sources)
pin both directions to the exchange's own text, so a bug shared by parse and encode cannot pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcli.errors import MalformedFrame
from feedcli.providers.crypto import binance, bybit, coinbase, gate, kucoin, okx
from feedcli.providers.crypto.model import BookDelta, BookSnapshot, EmitBook, Gap, Ticker, Trade, format_number

FIXTURES = json.loads((Path(__file__).parents[3] / "fixtures" / "crypto_doc_examples.json").read_text())


def doc(exchange: str, name: str) -> bytes:
    """A documented example as JSON: its comments and trailing commas removed."""
    text = FIXTURES[exchange][name]["text"]
    text = re.sub(r"\s*//[^\n]*", "", text)
    text = re.sub(r",(\s*[\]}])", r"\1", text)
    return text.encode()


def raw(exchange: str, name: str) -> Any:
    return orjson.loads(doc(exchange, name))


def test_every_example_names_its_source() -> None:
    for exchange in ("binance", "okx", "bybit", "coinbase", "kucoin", "gate"):
        for name, example in FIXTURES[exchange].items():
            assert example["source"].startswith("https://"), (exchange, name)
            orjson.loads(doc(exchange, name))


# ---------------------------------------------------------------------------- Binance
def test_binance_documented_messages() -> None:
    [trade] = binance.parse(doc("binance", "trade")).trades
    assert trade == Trade("BNBBTC", 0.001, 100.0, "sell", 12345, 1672515782136)  # "m": true: the seller took
    assert trade.seq == 12345 and trade.record() == {"price": 0.001, "size": 100.0, "side": "sell", "id": 12345}
    [agg] = binance.parse(doc("binance", "aggTrade")).trades
    assert agg == Trade("BNBBTC", 0.001, 100.0, "sell", 12345, 1672515782136)
    [ticker] = binance.parse(doc("binance", "bookTicker")).tickers
    assert ticker == Ticker("BNBUSDT", 25.3519, 31.21, 25.3652, 40.66, seq=400900217)
    [delta] = binance.parse(doc("binance", "depthUpdate")).deltas
    assert delta == BookDelta("BNBBTC", [(0.0024, 10.0)], [(0.0026, 100.0)], 157, 160, ts_ms=1672515782136)
    wrapped = orjson.dumps(binance.combined("bnbbtc@depth5@100ms", raw("binance", "partialDepth")))
    [partial] = binance.parse(wrapped).snapshots
    assert partial == BookSnapshot("BNBBTC", [(0.0024, 10.0)], [(0.0026, 100.0)], 160)
    rest = binance.parse_depth_snapshot(doc("binance", "restDepth"), "BNBBTC")
    assert rest == BookSnapshot("BNBBTC", [(4.0, 431.0)], [(4.000002, 12.0)], 1027024)


def test_binance_encoding_gives_back_the_documented_fields() -> None:
    for name, encoded in [
        ("trade", binance.encode_trade(binance.parse(doc("binance", "trade")).trades[0])),
        ("bookTicker", binance.encode_book_ticker(binance.parse(doc("binance", "bookTicker")).tickers[0])),
        ("depthUpdate", binance.encode_depth_update(binance.parse(doc("binance", "depthUpdate")).deltas[0])),
    ]:
        original = raw("binance", name)
        for key in ("s", "t", "p", "q", "T", "m", "U", "u", "b", "a", "B", "A"):
            if key in original and key != "E":
                assert _same(encoded[key], original[key]), (name, key)
    rest = binance.encode_depth_snapshot(binance.parse_depth_snapshot(doc("binance", "restDepth"), "BNBBTC"))
    assert _same(rest, raw("binance", "restDepth"))


def _same(mine: Any, theirs: Any) -> bool:
    """Equal as the exchange means it: decimal texts compared by value ("0.0010" is "0.001")."""
    if isinstance(theirs, list) and isinstance(mine, list):
        return len(mine) == len(theirs) and all(_same(a, b) for a, b in zip(mine, theirs, strict=True))
    if isinstance(theirs, dict) and isinstance(mine, dict):
        return all(_same(mine.get(k), v) for k, v in theirs.items())
    if isinstance(theirs, str) and isinstance(mine, str):
        try:
            return float(mine) == float(theirs)
        except ValueError:
            return mine == theirs
    return bool(mine == theirs)


# ---------------------------------------------------------------------------- OKX
def test_okx_documented_messages() -> None:
    [snapshot] = okx.parse(doc("okx", "booksSnapshot")).snapshots
    assert snapshot.seq == 123456 and snapshot.checksum == -855196043 and snapshot.ts_ms == 1597026383085
    assert snapshot.bids[0] == (8476.97, 256.0) and snapshot.asks[1] == (8477.0, 7.0) and len(snapshot.asks) == 8
    assert snapshot.texts is not None and snapshot.texts[1][1] == ("8477", "7")
    [update] = okx.parse(doc("okx", "booksUpdate")).deltas
    assert (update.prev, update.first, update.last) == (123456, 123457, 123457)
    [five] = okx.parse(doc("okx", "books5")).snapshots
    assert five.symbol == "BCH-USDT-SWAP" and len(five.bids) == 5 and five.asks[4] == (111.1, 67272.0)
    [trade] = okx.parse(doc("okx", "trades")).trades
    assert trade == Trade("BTC-USDT", 42219.9, 0.12060306, "buy", "130639474", 1630048897897)
    assert trade.seq == 130639474
    [ticker] = okx.parse(doc("okx", "tickers")).tickers
    assert ticker == Ticker("BTC-USDT", 8888.88, 5.0, 9999.99, 11.0, last=9999.99, ts_ms=1597026383085)
    assert okx.parse("pong").snapshots == []


def test_okx_checksum_follows_the_documented_check_strings() -> None:
    # "3366.1:7:3366.8:9:3366:6:3368:8" and "3366.1:7:3366.8:9:3368:8:3372:8" (OKX, "Calculate Checksum");
    # their values are those of OKEx's v3 documentation of the same algorithm
    assert okx.checksum([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]) == -1881014294
    assert okx.checksum([("3366.1", "7")], [("3366.8", "9"), ("3368", "8"), ("3372", "8")]) == 831078360


def test_okx_the_documented_snapshot_checksum_does_not_match_its_levels_and_is_a_gap() -> None:
    [snapshot] = okx.parse(doc("okx", "booksSnapshot")).snapshots
    gap, _resubscribe = okx.OkxBook("BTC-USDT", 5).on_snapshot(snapshot)
    assert isinstance(gap, Gap) and "-855196043" in gap.reason
    zeroed = BookSnapshot(**{**{k: getattr(snapshot, k) for k in BookSnapshot.__slots__}, "checksum": 0})
    [line] = okx.OkxBook("BTC-USDT", 1).on_snapshot(zeroed)
    assert line == EmitBook(123456, [(8476.97, 256.0)], [(8476.98, 415.0)], 1597026383085)


# ---------------------------------------------------------------------------- Bybit
def test_bybit_documented_messages() -> None:
    [delta] = bybit.parse(doc("bybit", "orderbookDelta")).deltas
    assert (delta.symbol, delta.first, delta.last, delta.ts_ms) == ("BTCUSDT", 177400507, 177400507, 1687940967466)
    assert delta.bids[4] == (30240.0, 0.0) and delta.asks[0] == (30248.7, 0.0) and len(delta.asks) == 7
    trades = bybit.parse(doc("bybit", "publicTrade")).trades
    assert trades == [Trade("BTCUSDT", 16578.5, 0.001, "buy", "20f43950-d8dd-5b31-9112-a178eb6023af", 1672304486865)]
    assert trades[0].seq is None  # not a number: no seq
    encoded = bybit.encode_trades("BTCUSDT", trades, 1672304486868)
    documented = raw("bybit", "publicTrade")["data"][0]
    assert _same(encoded["data"][0], {k: v for k, v in documented.items() if k not in ("L", "seq")})


def test_bybit_level_one_is_the_ticker() -> None:
    snapshot = BookSnapshot("BTCUSDT", [(1.5, 2.0)], [(1.6, 3.0)], 7, ts_ms=5)
    parsed = bybit.parse(orjson.dumps(bybit.encode_book(snapshot, 1)))
    assert parsed.snapshots == [snapshot]
    assert parsed.tickers == [Ticker("BTCUSDT", 1.5, 2.0, 1.6, 3.0, ts_ms=5, seq=7)]


# ---------------------------------------------------------------------------- Coinbase
def test_coinbase_documented_messages() -> None:
    [snapshot] = coinbase.parse(doc("coinbase", "level2")).snapshots
    assert snapshot == BookSnapshot("BTC-USD", [(21921.73, 0.06317902), (21921.3, 0.02)], [], 0, 1675974770714)
    [trade] = coinbase.parse(doc("coinbase", "marketTrades")).trades
    assert trade == Trade("ETH-USD", 1260.01, 0.3, "buy", "000000000", 1565815347265)
    [ticker] = coinbase.parse(doc("coinbase", "ticker")).tickers
    assert ticker == Ticker("BTC-USD", 21931.98, 8000.21, 21933.98, 8038.07770938, 21932.98, 1675974637167)
    assert coinbase.sequence_of(doc("coinbase", "ticker")) == 0
    encoded = coinbase.encode_ticker(ticker)
    assert _same(
        encoded,
        {
            k: v
            for k, v in raw("coinbase", "ticker")["events"][0]["tickers"][0].items()
            if "24" not in k and "52" not in k
        },
    )


# ---------------------------------------------------------------------------- KuCoin
def test_kucoin_documented_messages() -> None:
    [delta] = kucoin.parse(doc("kucoin", "level2")).deltas
    assert delta == BookDelta(
        "BTC-USDT", [(18891.9, 0.15688)], [(18906.0, 0.00331), (18907.3, 0.58751503)], 14103844, 14103847,
        ts_ms=1663747970273, level_seqs=([14103847], [14103845, 14103844]),
    )  # fmt: skip
    [trade] = kucoin.parse(doc("kucoin", "match")).trades
    assert trade == Trade("BTC-USDT", 0.082, 0.01022222, "buy", "5c24c5da03aa673885cd67aa", 1545913818099)
    [ticker] = kucoin.parse(doc("kucoin", "ticker")).tickers
    assert ticker == Ticker("BTC-USDT", 0.049, 0.036, 0.08, 0.18, last=0.08, seq=1545896668986)
    assert _same(kucoin.encode_level2(delta), raw("kucoin", "level2")["data"])


def test_kucoin_a_zero_price_change_only_moves_the_sequence() -> None:
    message = kucoin.envelope("/market/level2", "BTC-USDT", "trade.l2update", {
        "changes": {"asks": [["0", "0", "20"]], "bids": [["5", "1", "19"]]},
        "sequenceStart": 19, "sequenceEnd": 20, "symbol": "BTC-USDT", "time": 1,
    })  # fmt: skip
    [delta] = kucoin.parse(orjson.dumps(message)).deltas
    assert delta.asks == [] and delta.bids == [(5.0, 1.0)] and delta.last == 20


# ---------------------------------------------------------------------------- Gate
def test_gate_documented_messages() -> None:
    [trade] = gate.parse(doc("gate", "trades")).trades
    assert trade == Trade("GT_USDT", 0.4705, 16.47, "sell", 309143071, 1606292218213)
    [ticker] = gate.parse(doc("gate", "bookTicker")).tickers
    assert ticker == Ticker("BTC_USDT", 19177.79, 0.0003341504, 19179.38, 0.09, ts_ms=1606293275123, seq=48733182)
    [delta] = gate.parse(doc("gate", "orderBookUpdate")).deltas
    assert delta == BookDelta(
        "BTC_USDT", [(19137.74, 0.0001), (19088.37, 0.0)], [(19137.75, 0.6135)], 48776301, 48776306,
        ts_ms=1606294781123,
    )  # fmt: skip
    [snapshot] = gate.parse(doc("gate", "orderBook")).snapshots
    assert snapshot.seq == 48791820 and snapshot.bids[0] == (19079.55, 0.0195) and len(snapshot.asks) == 5
    for name, encoded in [
        ("bookTicker", gate.encode_book_ticker(ticker)),
        ("orderBookUpdate", gate.encode_book_update(delta)),
        ("orderBook", gate.encode_book_snapshot(snapshot)),
    ]:
        assert _same(encoded, raw("gate", name)["result"]), name


# ---------------------------------------------------------------------------- round trips
PRICE = st.decimals("0.00000001", "99999999", places=8).map(float).filter(lambda x: x > 0)
SIZE = st.decimals("0", "9999999", places=8).map(float)
TS = st.integers(1_500_000_000_000, 2_000_000_000_000)
SIDE = st.sampled_from(["buy", "sell"])
LEVELS = st.lists(st.tuples(PRICE, SIZE), max_size=6, unique_by=lambda level: level[0])


def _trade(ids: st.SearchStrategy[Any]) -> st.SearchStrategy[Trade]:
    return st.builds(Trade, st.just("X-Y"), PRICE, SIZE, SIDE, ids, TS)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_parse_encode_round_trips(data: st.DataObject) -> None:
    numeric = st.integers(0, 2**53)
    text = st.integers(0, 2**53).map(str)
    trade = data.draw(_trade(numeric))
    assert binance.parse(orjson.dumps(binance.encode_trade(trade))).trades == [trade]
    assert binance.parse(orjson.dumps(binance.encode_agg_trade(trade, 1, 2))).trades == [trade]
    assert gate.parse(orjson.dumps(gate.envelope(gate.TRADES, gate.encode_trade(trade), 0))).trades == [trade]
    trade = data.draw(_trade(text))
    assert okx.parse(orjson.dumps(okx.push(okx.TRADES, "X-Y", [okx.encode_trade(trade)]))).trades == [trade]
    assert bybit.parse(orjson.dumps(bybit.encode_trades("X-Y", [trade], 0))).trades == [trade]
    assert coinbase.parse(
        orjson.dumps(
            coinbase.message("market_trades", 1, 0, [{"type": "update", "trades": [coinbase.encode_trade(trade)]}])
        )
    ).trades == [trade]
    match = kucoin.envelope(kucoin.MATCH, "X-Y", "trade.l3match", kucoin.encode_match(trade, 1))
    assert kucoin.parse(orjson.dumps(match)).trades == [trade]

    bid, bid_size, ask, ask_size = data.draw(PRICE), data.draw(SIZE), data.draw(PRICE), data.draw(SIZE)
    last, ts, seq = data.draw(PRICE), data.draw(TS), data.draw(st.integers(0, 2**53))
    ticker = Ticker("X-Y", bid, bid_size, ask, ask_size, seq=seq)
    assert binance.parse(orjson.dumps(binance.encode_book_ticker(ticker))).tickers == [ticker]
    gated = Ticker("X-Y", bid, bid_size, ask, ask_size, ts_ms=ts, seq=seq)
    assert gate.parse(orjson.dumps(gate.envelope(gate.BOOK_TICKER, gate.encode_book_ticker(gated), 0))).tickers == [
        gated
    ]
    okxed = Ticker("X-Y", bid, bid_size, ask, ask_size, last=last, ts_ms=ts)
    assert okx.parse(orjson.dumps(okx.push(okx.TICKERS, "X-Y", [okx.encode_ticker(okxed)]))).tickers == [okxed]
    cb = coinbase.message("ticker", 1, ts, [{"type": "update", "tickers": [coinbase.encode_ticker(okxed)]}])
    assert coinbase.parse(orjson.dumps(cb)).tickers == [okxed]
    kc = Ticker("X-Y", bid, bid_size, ask, ask_size, last=last, ts_ms=ts, seq=seq)
    wire = kucoin.envelope(kucoin.TICKER, "X-Y", "trade.ticker", kucoin.encode_ticker(kc))
    assert kucoin.parse(orjson.dumps(wire)).tickers == [kc]

    bids, asks = data.draw(LEVELS), data.draw(LEVELS)
    first = data.draw(st.integers(1, 2**40))
    last_id = first + data.draw(st.integers(0, 50))
    delta = BookDelta("X-Y", bids, asks, first, last_id, ts_ms=ts)
    assert binance.parse(orjson.dumps(binance.encode_depth_update(delta))).deltas == [delta]
    assert gate.parse(orjson.dumps(gate.envelope(gate.BOOK_UPDATE, gate.encode_book_update(delta), 0))).deltas == [
        delta
    ]
    kdelta = BookDelta(
        "X-Y", bids, asks, first, last_id, ts_ms=ts, level_seqs=([last_id] * len(bids), [last_id] * len(asks))
    )
    assert kucoin.parse(
        orjson.dumps(kucoin.envelope(kucoin.LEVEL2, "X-Y", "x", kucoin.encode_level2(kdelta)))
    ).deltas == [kdelta]
    single = BookDelta("X-Y", bids, asks, last_id, last_id, ts_ms=ts)
    assert bybit.parse(orjson.dumps(bybit.encode_book(single, 50))).deltas == [single]
    assert coinbase.parse(
        orjson.dumps(coinbase.message("l2_data", last_id, ts, [coinbase.encode_l2_event(single)]))
    ).deltas == [single]
    chained = BookDelta("X-Y", bids, asks, last_id, last_id, prev=first, ts_ms=ts, checksum=0)
    okx_delta = okx.parse(orjson.dumps(okx.push(okx.BOOKS, "X-Y", [okx.encode_book_update(chained)], "update"))).deltas[
        0
    ]
    assert (okx_delta.bids, okx_delta.asks, okx_delta.prev, okx_delta.last, okx_delta.checksum) == (
        bids,
        asks,
        first,
        last_id,
        0,
    )

    snapshot = BookSnapshot("X-Y", sorted(bids, reverse=True), sorted(asks), last_id)
    assert binance.parse_depth_snapshot(orjson.dumps(binance.encode_depth_snapshot(snapshot)), "X-Y") == snapshot
    assert kucoin.parse_rest_snapshot(orjson.dumps(kucoin.encode_rest_snapshot(snapshot)), "X-Y") == snapshot
    gated_snapshot = BookSnapshot("X-Y", snapshot.bids, snapshot.asks, last_id, ts_ms=ts)
    assert gate.parse_rest_snapshot(orjson.dumps(gate.encode_rest_snapshot(gated_snapshot)), "X-Y") == gated_snapshot


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_format_number_is_exact_and_never_exponential(value: float) -> None:
    text = format_number(value)
    assert "e" not in text.lower() and float(text) == value


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b'{"e":"trade","s":"X","t":1,"p":"abc","q":"1","T":1,"m":true}',
        b'{"e":"trade","s":"X","t":1,"p":"1","q":"-1","T":1,"m":true}',
        b'{"e":"trade","s":"X","t":1,"p":"NaN","q":"1","T":1,"m":true}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1"]],"a":[],"E":1}',
        b'{"e":"trade","s":"X","t":1,"p":"1","q":"1","T":1}',
    ],
)
def test_malformed_messages_are_refused_with_malformed_frame(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        binance.parse(frame)


def _general(frame: bytes) -> Any:
    """What the general (orjson) parser gives, or the MalformedFrame it raises."""
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return MalformedFrame
    stream = None
    if isinstance(message, dict) and "stream" in message and "data" in message:
        stream, message = message["stream"], message["data"]
    try:
        return binance.parse_payload(message, stream)
    except MalformedFrame as exc:
        return type(exc)


def _either(frame: bytes) -> Any:
    try:
        return binance.parse(frame)
    except MalformedFrame as exc:
        return type(exc)


@pytest.mark.parametrize(
    "frame",
    [
        doc("binance", "trade"),
        doc("binance", "aggTrade"),
        doc("binance", "depthUpdate"),
        doc("binance", "bookTicker"),
        orjson.dumps(binance.combined("bnbbtc@trade", raw("binance", "trade"))),
        orjson.dumps(binance.combined("bnbbtc@depth@100ms", raw("binance", "depthUpdate"))),
        b'{"stream":"x@kline_1m","data":{"e":"kline","E":1,"s":"X","k":{}}}',
        b'{"e":"trade","E":1,"s":"X","t":7,"p":"1.5","q":"2","T":3,"m":false,"M":true}',
        b'{"e":"trade","s":"X","t":"7","p":"1.5","q":"2","T":3,"m":false}',  # an id as digits
        b'{"e":"trade","s":"X","t":7,"p":1.5,"q":2,"T":3,"m":false}',  # numbers, not strings
        b'{"e":"trade","s":"X","t":7,"p":"inf","q":"2","T":3,"m":false}',
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":"true"}',
        b'{"e":"trade","s":"X","t":true,"p":"1","q":"2","T":3,"m":true}',
        b'{"e":"aggTrade","s":"X","a":7,"p":"-1","q":"2","T":3,"m":true}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[["1","2","3"]],"a":[]}',  # an extra column
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[["1","nan"]],"a":[]}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[["1","Infinity"]],"a":[]}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[],"a":[["-1","2"]]}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[],"a":[["x","2"]]}',
        b'{"data":{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true},"stream":"x@trade"}',
        b'{"result":null,"id":1}',
        # what msgspec would skip unread and orjson refuses: an unknown field out of range or
        # of invalid UTF-8, in each event, in the combined wrapper, and in a kline
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"X":1e999}',
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"X":"\xff"}',
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"M":1e999}',
        b'{"e":"aggTrade","s":"X","a":7,"p":"1","q":"2","T":3,"m":true,"X":1e999}',
        b'{"e":"aggTrade","s":"X","a":7,"p":"1","q":"2","T":3,"m":true,"f":"\xff"}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[],"a":[],"X":1e999}',
        b'{"e":"depthUpdate","s":"X","U":1,"u":2,"E":1,"b":[],"a":[],"pu":"\xff"}',
        b'{"stream":"x@trade","data":{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true},"X":1e999}',
        b'{"stream":"x@kline_1m","data":{"e":"kline","E":1,"s":"X","k":{"X":1e999}}}',
        # documented fields the line does not use, and an unknown one the general parser ignores
        b'{"e":"aggTrade","E":1,"s":"X","a":7,"p":"1","q":"2","f":1,"l":2,"T":3,"m":true,"M":true}',
        b'{"e":"depthUpdate","E":1,"T":1,"s":"X","U":1,"u":2,"pu":0,"b":[],"a":[]}',
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"X":1}',
        # duplicate keys: the last one counts, in both
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"p":"-1"}',
        b'{"e":"trade","s":"X","t":7,"p":"-1","q":"2","T":3,"m":true,"p":"1"}',
        b'{"e":"trade","s":"X","t":7,"p":"1","q":"2","T":3,"m":true,"X":1,"X":1e999}',
    ],
)
def test_the_fast_binance_parser_answers_what_the_general_one_does(frame: bytes) -> None:
    """Trades and depth diffs are decoded by msgspec; anything it declines goes the general way.

    The general parser is the reference: same objects, or the same refusal.
    """
    assert _either(frame) == _general(frame)


@pytest.mark.parametrize("name", ["trade", "aggTrade", "depthUpdate"])
def test_documented_binance_events_stay_on_the_fast_path(name: str) -> None:
    """Forbidding unknown fields must not send Binance's own messages the slow way."""
    assert binance._fast(doc("binance", name)) is not None
    assert binance._fast(orjson.dumps(binance.combined("x@" + name, raw("binance", name)))) is not None
