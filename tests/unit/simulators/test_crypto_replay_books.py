"""The recorded-book stand-in of `replay --serve` (feedcli/simulators/crypto_replay_books.py):
recorded book lines made into each exchange's frames, read by feedcli's own parsers and book
machines, must give the recorded lines back (levels, seq, ts): the ids chain, the checksums
match, the REST snapshot fits the first update. No network: the frames functions are pure."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from feedcli.events import DataEvent
from feedcli.providers.crypto import binance, bybit, coinbase, gate, kucoin, okx
from feedcli.providers.crypto.model import EmitBook, FetchSnapshot, Gap, Resubscribe
from feedcli.simulators.candles import Subscriber
from feedcli.simulators.crypto_replay_books import FILL_LIMIT, RecordedBook, book_frames

DEPTH = 5
PAIR = "BTC-USDT"
#: exchange → (its symbol, the subscriber's feeds as its simulator keeps them, parser, book machine)
SETUP: dict[str, tuple[str, dict[str, Any], Any, Any]] = {
    "binance": ("BTCUSDT", {"feeds": {"btcusdt@depth@100ms": (PAIR, "depth")}}, binance.parse, binance.BinanceBook),
    "okx": (PAIR, {"feeds": {(okx.BOOKS, PAIR)}}, okx.parse, okx.OkxBook),
    "bybit": ("BTCUSDT", {"feeds": {"orderbook.50.BTCUSDT": (PAIR, "BTCUSDT", 50)}}, bybit.parse, bybit.BybitBook),
    "coinbase": (PAIR, {"feeds": {(coinbase.LEVEL2, PAIR)}}, coinbase.parse, coinbase.CoinbaseBook),
    "kucoin": (PAIR, {"feeds": {(kucoin.LEVEL2, PAIR)}}, kucoin.parse, kucoin.KucoinBook),
    "gate": ("BTC_USDT", {"feeds": {(gate.BOOK_UPDATE, "BTC_USDT")}}, gate.parse, gate.GateBook),
}
#: how each REST exchange's snapshot answer is written and read back
REST = {
    "binance": (binance.encode_depth_snapshot, binance.parse_depth_snapshot),
    "kucoin": (kucoin.encode_rest_snapshot, kucoin.parse_rest_snapshot),
    "gate": (gate.encode_rest_snapshot, gate.parse_rest_snapshot),
}


def recorded_lines(seed: int, count: int = 60) -> list[dict[str, Any]]:
    """Book lines as a recorder writes them: never crossed, ids growing by 1 to 5, now and then
    a line equal to the one before (a change beyond the depth), a jump (a gap, a reconnect) or
    a jump too far for Bybit's empty updates to fill."""
    rng = random.Random(seed)
    lines = []
    seq, ms = 7_000_000, 1_767_225_600_000
    data: dict[str, list[list[float]]] = {}
    for _ in range(count):
        roll = rng.random()
        if roll < 0.1:
            seq += 5_000 if rng.random() < 0.5 else FILL_LIMIT + 50
        else:
            seq += rng.randint(1, 5)
        ms += rng.randint(1, 400)
        if not data or rng.random() > 0.15:  # else the same book again
            bids = sorted(rng.sample(range(9_000, 9_990), rng.randint(1, DEPTH)), reverse=True)
            asks = sorted(rng.sample(range(10_010, 11_000), rng.randint(1, DEPTH)))
            data = {
                "bids": [[p / 100, rng.randint(1, 9_999) / 1000] for p in bids],
                "asks": [[p / 100, rng.randint(1, 9_999) / 1000] for p in asks],
            }
        # now and then no time: a line the recorder made from a REST snapshot alone (after a gap)
        lines.append({"seq": seq, "ms": ms if rng.random() > 0.05 else None, "data": data})
    return lines


def read_back(exchange: str, lines: list[dict[str, Any]]) -> list[tuple[int, int | None, dict[str, Any]]]:
    """Play `lines` through the exchange's frames, its parser and its book machine: the book
    lines a client writes (seq, ts in ms, data); a gap or resubscription fails the test."""
    symbol, extra, parse, machine_class = SETUP[exchange]
    book = RecordedBook(symbol)
    server = SimpleNamespace(name=exchange, books_played={})
    sub = Subscriber(None, extra={k: (dict(v) if isinstance(v, dict) else set(v)) for k, v in extra.items()})  # type: ignore[arg-type]
    machine = machine_class(symbol, DEPTH)
    out = []

    def act(actions: list[Any]) -> None:
        for action in actions:
            assert not isinstance(action, Gap | Resubscribe), action
            if isinstance(action, EmitBook):
                out.append((action.seq, action.ts_ms, action.record()))
            elif isinstance(action, FetchSnapshot):
                encode, decode = REST[exchange]
                answer = orjson.dumps(encode(book.snapshot(action.request.limit)))
                act(machine.on_snapshot(decode(answer, symbol)))

    for line in lines:
        delta = book.advance(
            [tuple(level) for level in line["data"]["bids"]],
            [tuple(level) for level in line["data"]["asks"]],
            line["seq"],
            line["ms"],
        )
        server.books_played[PAIR] = (book, delta)
        event = DataEvent(exchange, "book", PAIR, None, "2026-01-01T00:00:00Z", line["data"], "book", line["seq"])
        for frame in book_frames(server, sub, event):
            got = parse(frame)
            if exchange == "coinbase":  # its sequence_num is the connection's: every message counts
                sequence = coinbase.sequence_of(frame)
                assert sequence == sub.extra.get("checked", -1) + 1
                sub.extra["checked"] = sequence
            for snapshot in got.snapshots:
                act(machine.on_snapshot(snapshot))
            for update in got.deltas:
                act(machine.on_delta(update))
    return out


@pytest.mark.parametrize("exchange", sorted(SETUP))
@pytest.mark.parametrize("seed", range(8))
def test_every_recorded_line_comes_back_from_the_exchanges_own_frames(exchange: str, seed: int) -> None:
    lines = recorded_lines(seed)
    got = read_back(exchange, lines)
    assert [data for _seq, _ms, data in got] == [line["data"] for line in lines]
    # a frame says 0 for no time, which a client writes as no time (`ts` null)
    assert [ms or None for _seq, ms, _data in got] == [line["ms"] for line in lines]
    if exchange != "coinbase":  # Coinbase's is the connection's message number
        assert [seq for seq, _ms, _data in got] == [line["seq"] for line in lines]


def test_okx_updates_carry_the_checksum_of_the_recorded_top_25() -> None:
    book = RecordedBook(PAIR)
    for line in recorded_lines(3, 5):
        book.advance(
            [tuple(x) for x in line["data"]["bids"]], [tuple(x) for x in line["data"]["asks"]], line["seq"], line["ms"]
        )
    server = SimpleNamespace(name="okx", books_played={})
    sub = Subscriber(None, extra={"feeds": {(okx.BOOKS, PAIR)}})  # type: ignore[arg-type]
    frames = []
    for _ in range(2):  # the snapshot, then an update stating the book again
        delta = book.advance(*book.top(400), book.step_id + 1, 5)
        server.books_played[PAIR] = (book, delta)
        event = DataEvent("okx", "book", PAIR, None, "2026-01-01T00:00:00Z", {}, "book", None)
        frames += [orjson.loads(f)["data"][0] for f in book_frames(server, sub, event)]
    bids, asks = book.top(25)
    want = okx.checksum(
        [(okx.format_number(p), okx.format_number(s)) for p, s in bids],
        [(okx.format_number(p), okx.format_number(s)) for p, s in asks],
    )
    assert want != 0
    assert [f["checksum"] for f in frames] == [want, want]
    assert frames[1]["prevSeqId"] == frames[0]["seqId"]


def test_a_rest_snapshot_is_the_book_before_a_new_clients_first_update_then_the_book_now() -> None:
    book = RecordedBook("BTCUSDT")
    book.advance([(1.0, 2.0)], [(3.0, 4.0)], 10, 1_000)
    book.advance([(1.5, 2.0)], [(3.0, 4.0)], 14, 2_000)
    book.waiting = 1  # a client got the update 11..14 and has not fetched its snapshot
    before = book.snapshot(100)
    assert (before.seq, before.bids) == (10, [(1.0, 2.0)])
    assert book.fetched.is_set()
    now = book.snapshot(100)
    assert (now.seq, now.bids) == (14, [(1.5, 2.0)])


def test_a_seq_that_does_not_grow_is_served_as_the_next_one() -> None:
    book = RecordedBook("BTCUSDT")
    book.advance([(1.0, 2.0)], [(3.0, 4.0)], 10, 1_000)
    delta = book.advance([(1.0, 2.5)], [(3.0, 4.0)], 3, 2_000)
    assert (delta.first, delta.last, delta.prev) == (11, 11, 10)
    assert delta.bids == [(1.0, 2.5)] and delta.asks == []
