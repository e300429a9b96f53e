"""Each exchange's documented book rules, one scenario each (the sources are in the modules)."""

from __future__ import annotations

from feedcli.providers.crypto import binance, bybit, coinbase, gate, kucoin, okx
from feedcli.providers.crypto.model import BookDelta, BookSnapshot, EmitBook, FetchSnapshot, Gap, Resubscribe
from feedcli.providers.crypto.sync import SyncState

S = "BTCUSDT"


def test_binance_fetches_the_snapshot_once_the_first_update_is_buffered() -> None:
    machine = binance.BinanceBook(S, 10)
    [fetch] = machine.on_delta(BookDelta(S, [(1.0, 1.0)], [], 11, 12))
    assert isinstance(fetch, FetchSnapshot)
    assert fetch.request.path == "/api/v3/depth"
    assert dict(fetch.request.params) == {"symbol": "BTCUSDT", "limit": "100"}
    assert fetch.request.weight == 5
    assert machine.on_delta(BookDelta(S, [(1.0, 2.0)], [], 13, 13)) == []  # still buffering, no second fetch


def test_binance_a_snapshot_older_than_the_first_buffered_update_is_fetched_again() -> None:
    machine = binance.BinanceBook(S, 1)
    machine.on_delta(BookDelta(S, [(1.0, 1.0)], [], 11, 12))
    [again] = machine.on_snapshot(BookSnapshot(S, [(1.0, 9.0)], [(2.0, 1.0)], 9))
    assert isinstance(again, FetchSnapshot) and "older" in again.reason
    assert machine.state is SyncState.WAITING
    # lastUpdateId == U - 1: the first event follows it exactly
    [line] = machine.on_snapshot(BookSnapshot(S, [(1.0, 9.0)], [(2.0, 1.0)], 10))
    assert isinstance(line, EmitBook) and line.seq == 12 and line.bids == [(1.0, 1.0)]


def test_binance_buffered_updates_the_snapshot_holds_are_dropped() -> None:
    machine = binance.BinanceBook(S, 1)
    machine.on_delta(BookDelta(S, [(1.0, 1.0)], [], 11, 12))
    machine.on_delta(BookDelta(S, [(1.0, 3.0)], [], 13, 15))
    [line] = machine.on_snapshot(BookSnapshot(S, [(1.0, 2.0)], [(2.0, 1.0)], 13))
    assert line == EmitBook(15, [(1.0, 3.0)], [(2.0, 1.0)])
    assert machine.on_delta(BookDelta(S, [(1.0, 7.0)], [], 14, 15)) == []  # u <= the book's id: ignored


def test_binance_snapshot_depth_is_never_the_line_depth() -> None:
    assert binance.snapshot_limit(5) == 100 and binance.snapshot_limit(20) == 100
    assert binance.snapshot_limit(21) == 500 and binance.snapshot_limit(200) == 1000
    assert binance.snapshot_limit(1000) == 5000
    assert [binance.depth_weight(n) for n in (1, 100, 101, 500, 501, 1000, 1001, 5000)] == [
        5,
        5,
        25,
        25,
        50,
        50,
        250,
        250,
    ]


def test_a_thin_book_refreshes_its_snapshot_without_a_gap_and_withholds_lines_meanwhile() -> None:
    machine = gate.GateBook("BTC_USDT", 2)
    machine.on_delta(BookDelta("BTC_USDT", [], [], 1, 1))
    bids = [(100.0 - n, 1.0) for n in range(100)]  # a full 100-level answer: truncated
    [line] = machine.on_snapshot(BookSnapshot("BTC_USDT", bids, [(200.0, 1.0)], 1))
    assert isinstance(line, EmitBook)
    removals = [(100.0 - n, 0.0) for n in range(99)]
    [refresh] = machine.on_delta(BookDelta("BTC_USDT", removals, [], 2, 2))
    assert isinstance(refresh, FetchSnapshot) and refresh.reason.startswith("refresh")
    assert dict(refresh.request.params)["with_id"] == "true"
    assert machine.on_delta(BookDelta("BTC_USDT", [(1.0, 0.0)], [], 3, 3)) == []  # withheld, still in sync
    [line] = machine.on_snapshot(BookSnapshot("BTC_USDT", [(1.5, 2.0), (0.5, 1.0)], [(200.0, 1.0)], 2))
    assert line == EmitBook(3, [(1.5, 2.0), (0.5, 1.0)], [(200.0, 1.0)])


def test_a_crossed_book_is_a_gap() -> None:
    machine = binance.BinanceBook(S, 1)
    machine.on_delta(BookDelta(S, [], [], 1, 1))
    machine.on_snapshot(BookSnapshot(S, [(1.0, 1.0)], [(2.0, 1.0)], 1))
    gap, fetch = machine.on_delta(BookDelta(S, [(3.0, 1.0)], [], 2, 2))
    assert isinstance(gap, Gap) and "crossed" in gap.reason and isinstance(fetch, FetchSnapshot)


def test_kucoin_skips_changes_the_snapshot_already_holds() -> None:
    machine = kucoin.KucoinBook("BTC-USDT", 1)
    # sequenceStart 14..17: the change at 15 is in the snapshot (at 16), the one at 17 is not
    delta = BookDelta("BTC-USDT", [(1.0, 5.0)], [(2.0, 4.0)], 14, 17, level_seqs=([15], [17]))
    [fetch] = machine.on_delta(delta)
    assert fetch.request.path == "/api/v1/market/orderbook/level2_100"
    [line] = machine.on_snapshot(BookSnapshot("BTC-USDT", [(1.0, 1.0)], [(2.0, 1.0)], 16))
    assert line == EmitBook(17, [(1.0, 1.0)], [(2.0, 4.0)])


def test_okx_updates_follow_by_prev_seq_id_including_keepalives_and_resets() -> None:
    machine = okx.OkxBook("BTC-USDT", 1)
    [line] = machine.on_snapshot(BookSnapshot("BTC-USDT", [(1.0, 1.0)], [(2.0, 1.0)], 10))
    assert line.seq == 10
    [line] = machine.on_delta(BookDelta("BTC-USDT", [(1.0, 2.0)], [], 15, 15, prev=10))
    assert line.seq == 15 and line.bids == [(1.0, 2.0)]
    assert machine.on_delta(BookDelta("BTC-USDT", [], [], 15, 15, prev=15)) == []  # no change for 60 s
    [line] = machine.on_delta(BookDelta("BTC-USDT", [(1.0, 3.0)], [], 3, 3, prev=15))  # reset by maintenance
    assert line.seq == 3
    [line] = machine.on_delta(BookDelta("BTC-USDT", [(1.0, 4.0)], [], 5, 5, prev=3))
    assert line.seq == 5
    assert machine.on_delta(BookDelta("BTC-USDT", [(1.0, 9.0)], [], 5, 5, prev=3)) == []  # a repeat
    gap, resubscribe = machine.on_delta(BookDelta("BTC-USDT", [(1.0, 9.0)], [], 9, 9, prev=7))
    assert isinstance(gap, Gap) and isinstance(resubscribe, Resubscribe)
    assert machine.on_delta(BookDelta("BTC-USDT", [(1.0, 9.0)], [], 10, 10, prev=9)) == []  # no book till a snapshot


def test_okx_checksum_is_checked_only_when_non_zero() -> None:
    texts = ([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")])
    snapshot = BookSnapshot("X", [(3366.1, 7.0), (3366.0, 6.0)], [(3366.8, 9.0), (3368.0, 8.0)], 1, texts=texts)
    for checksum in (0, None, -1881014294):
        machine = okx.OkxBook("X", 2)
        [line] = machine.on_snapshot(BookSnapshot(**{**_fields(snapshot), "checksum": checksum}))
        assert isinstance(line, EmitBook)
    gap, resubscribe = okx.OkxBook("X", 2).on_snapshot(BookSnapshot(**{**_fields(snapshot), "checksum": 12345}))
    assert isinstance(gap, Gap) and "checksum mismatch" in gap.reason and isinstance(resubscribe, Resubscribe)


def _fields(snapshot: BookSnapshot) -> dict[str, object]:
    return {name: getattr(snapshot, name) for name in BookSnapshot.__slots__}


def test_bybit_a_snapshot_resets_the_book_and_u_must_continue() -> None:
    machine = bybit.BybitBook(S, 2)
    machine.on_snapshot(BookSnapshot(S, [(1.0, 1.0), (0.5, 1.0)], [(2.0, 1.0)], 100))
    [line] = machine.on_delta(BookDelta(S, [(0.5, 0.0)], [], 101, 101))
    assert line.bids == [(1.0, 1.0)]
    # "u"=1: the service restarted; the snapshot replaces the book, never merged into it
    [line] = machine.on_snapshot(BookSnapshot(S, [(0.9, 1.0)], [(2.5, 1.0)], 1))
    assert line == EmitBook(1, [(0.9, 1.0)], [(2.5, 1.0)])
    assert machine.on_delta(BookDelta(S, [(0.9, 5.0)], [], 1, 1)) == []  # a repeat
    gap, resubscribe = machine.on_delta(BookDelta(S, [(0.9, 5.0)], [], 3, 3))
    assert isinstance(gap, Gap) and isinstance(resubscribe, Resubscribe)
    assert (
        bybit.topic_depth(10) == 50
        and bybit.topic_depth(1) == 1
        and bybit.book_topic(S, 300) == "orderbook.1000.BTCUSDT"
    )


def test_coinbase_sequence_is_per_connection_and_a_jump_invalidates_the_books() -> None:
    connection = coinbase.ConnectionSequence()
    assert [connection.check(n) for n in (5, 6, 6, 4, 8, 9)] == ["ok", "ok", "stale", "stale", "gap", "ok"]
    machine = coinbase.CoinbaseBook("BTC-USD", 1)
    machine.on_snapshot(BookSnapshot("BTC-USD", [(1.0, 1.0)], [(2.0, 1.0)], 5))
    gap, resubscribe = machine.invalidate("sequence_num 8 after 6")
    assert isinstance(gap, Gap) and isinstance(resubscribe, Resubscribe)
    assert machine.invalidate("again") == []


def test_a_synced_update_answers_with_the_books_one_line_maker() -> None:
    """The common way (a continuous update, the book neither crossed nor thin) answers with
    `_line`, as every other way does, not a line built beside it."""
    machine = binance.BinanceBook(S, 1)
    machine.on_delta(BookDelta(S, [(1.0, 1.0)], [], 11, 12))
    machine.on_snapshot(BookSnapshot(S, [(1.0, 9.0)], [(2.0, 1.0)], 10))
    made: list[EmitBook] = []
    line_of = machine._line

    def recorded(ts_ms: int | None) -> EmitBook:
        made.append(line_of(ts_ms))
        return made[-1]

    machine._line = recorded  # type: ignore[method-assign]
    [line] = machine.on_delta(BookDelta(S, [(1.0, 5.0)], [], 13, 14, None, 77))
    assert made == [line] and line == EmitBook(14, [(1.0, 5.0)], [(2.0, 1.0)], 77)
