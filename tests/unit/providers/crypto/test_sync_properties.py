"""Every book sync machine against a brute-force exchange, with faults in transit.

A fake exchange keeps the true book (two dicts) and numbers its messages the way the real one
does (ranged ids for Binance/Gate/KuCoin, seqId/prevSeqId for OKX, `u` for Bybit, the
connection's `sequence_num` for Coinbase). Messages then cross a faulty network: dropped,
repeated, swapped with the next. REST snapshots come a few messages late and sometimes lag the
stream; OKX checksums are sometimes corrupted. The contract checked on every action:
- every `EmitBook` equals the true book's top N at the line's `seq`: so it is never crossed
  and never shows a removed level;
- after a `Gap`, nothing is emitted until a snapshot has been handed to the machine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcli.providers.crypto import binance, bybit, coinbase, gate, kucoin, okx
from feedcli.providers.crypto.model import (
    Action,
    BookDelta,
    BookSnapshot,
    EmitBook,
    FetchSnapshot,
    Gap,
    Level,
    Resubscribe,
    SnapshotRequest,
    format_number,
)
from feedcli.providers.crypto.sync import BookSync, RangeSync, SyncState

SYMBOL = "X"
#: bids live on 1..30, asks on 31..60: the true book is never crossed
BID_PRICES = [n / 2 for n in range(2, 61)]
ASK_PRICES = [n / 2 for n in range(62, 121)]


def small_limit(cls: type[RangeSync]) -> type[RangeSync]:
    """The same machine asking for a snapshot barely deeper than --depth (exercises the horizon)."""

    class Small(cls):  # type: ignore[misc, valid-type]
        def snapshot_request(self) -> SnapshotRequest:
            return dataclasses.replace(super().snapshot_request(), limit=self.depth + 1)

    Small.__name__ = f"Small{cls.__name__}"
    return Small


@dataclass
class Exchange:
    """The truth, and how the exchange numbers what it sends."""

    kind: str
    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    #: the id of the last change (range kinds) or message (chain kinds)
    seq: int = 1000
    #: the state after every id a line may carry
    history: dict[int, tuple[dict[float, float], dict[float, float]]] = field(default_factory=dict)
    #: ids in sending order, for lagging snapshots
    order: list[int] = field(default_factory=list)
    okx_checksums: bool = False

    def record(self) -> None:
        self.history[self.seq] = (dict(self.bids), dict(self.asks))
        self.order.append(self.seq)

    def top(self, seq: int, n: int) -> tuple[list[Level], list[Level]]:
        bids, asks = self.history[seq]
        return sorted(bids.items(), reverse=True)[:n], sorted(asks.items())[:n]

    def send(self, changes: list[tuple[str, float, float]], step: int) -> BookDelta:
        """Apply changes to the truth and return the message announcing them."""
        first = self.seq + 1
        level_seqs: tuple[list[int], list[int]] = ([], [])
        bids: list[Level] = []
        asks: list[Level] = []
        prev = self.seq
        for side, price, size in changes:
            if self.kind == "range":
                self.seq += 1
            book = self.bids if side == "bid" else self.asks
            if size > 0:
                book[price] = size
            else:
                book.pop(price, None)
            rows, seqs = (bids, level_seqs[0]) if side == "bid" else (asks, level_seqs[1])
            # one entry per price, its last value (as the exchanges aggregate a message)
            for index, (p, _) in enumerate(rows):
                if p == price:
                    del rows[index]
                    del seqs[index]
                    break
            rows.append((price, size))
            seqs.append(self.seq)
        if self.kind == "okx":
            self.seq += step
            first = self.seq
        elif self.kind in ("bybit", "coinbase"):
            self.seq += 1
            first = self.seq
        if self.kind != "range":
            level_seqs = ([self.seq] * len(bids), [self.seq] * len(asks))
        self.record()
        checksum = self.checksum() if self.okx_checksums else 0
        return BookDelta(
            SYMBOL, bids, asks, first, self.seq, prev=prev, checksum=checksum, texts=_texts(bids, asks),
            level_seqs=level_seqs,
        )  # fmt: skip

    def snapshot(self, limit: int | None, lag: int = 0) -> BookSnapshot:
        seq = self.order[max(0, len(self.order) - 1 - lag)]
        bids, asks = self.history[seq]
        top_bids = sorted(bids.items(), reverse=True)[:limit]
        top_asks = sorted(asks.items())[:limit]
        checksum = self.checksum(seq) if self.okx_checksums else 0
        return BookSnapshot(SYMBOL, top_bids, top_asks, seq, checksum=checksum, texts=_texts(top_bids, top_asks))

    def new_snapshot(self) -> BookSnapshot:
        """A WebSocket snapshot sent now (Coinbase's takes a connection number of its own)."""
        if self.kind == "coinbase":
            self.seq += 1
            self.record()
        return self.snapshot(None)

    def history_checksum(self, seq: int) -> int | None:
        return self.checksum(seq) if self.okx_checksums else 0

    def checksum(self, seq: int | None = None) -> int:
        top_bids, top_asks = self.top(self.seq if seq is None else seq, 25)
        texts = _texts(top_bids, top_asks)
        return okx.checksum(*texts)


def _texts(bids: list[Level], asks: list[Level]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (
        [(format_number(p), format_number(s)) for p, s in bids],
        [(format_number(p), format_number(s)) for p, s in asks],
    )


MACHINES: list[tuple[type[BookSync], str]] = [
    (binance.BinanceBook, "range"),
    (small_limit(binance.BinanceBook), "range"),
    (gate.GateBook, "range"),
    (small_limit(gate.GateBook), "range"),
    (kucoin.KucoinBook, "range"),
    (small_limit(kucoin.KucoinBook), "range"),
    (okx.OkxBook, "okx"),
    (bybit.BybitBook, "bybit"),
    (coinbase.CoinbaseBook, "coinbase"),
]

SIZES = st.sampled_from([0.0, 0.0, 0.0, 0.5, 1.0, 3.0])
#: most changes hit the levels near the top, where removals uncover what a snapshot did not hold
CHANGE = st.one_of(
    st.tuples(st.just("bid"), st.sampled_from(BID_PRICES[-8:]), SIZES),
    st.tuples(st.just("ask"), st.sampled_from(ASK_PRICES[:8]), SIZES),
    st.tuples(st.just("bid"), st.sampled_from(BID_PRICES), SIZES),
    st.tuples(st.just("ask"), st.sampled_from(ASK_PRICES), SIZES),
)
FAULT = st.sampled_from(["ok"] * 9 + ["drop", "repeat", "swap"])


class Checker:
    """Feeds a machine and checks every action it answers with against the truth."""

    def __init__(self, machine: BookSync, exchange: Exchange) -> None:
        self.machine = machine
        self.exchange = exchange
        self.gap_open = False
        self.lines = 0
        self.gaps = 0
        self.fetch: FetchSnapshot | None = None
        self.resubscribe = False

    def handle(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, EmitBook):
                assert not self.gap_open, f"book line {action.seq} after a gap and before a snapshot"
                assert self.machine.state is SyncState.SYNCED
                bids, asks = self.exchange.top(action.seq, self.machine.depth)
                assert action.bids == bids, f"bids at {action.seq}"
                assert action.asks == asks, f"asks at {action.seq}"
                if action.bids and action.asks:
                    assert action.bids[0][0] < action.asks[0][0]
                self.lines += 1
            elif isinstance(action, Gap):
                self.gap_open = True
                self.gaps += 1
            elif isinstance(action, FetchSnapshot):
                assert self.fetch is None, "a second snapshot asked for while one is outstanding"
                assert action.request.weight >= 1 and action.request.limit >= self.machine.depth
                self.fetch = action
            elif isinstance(action, Resubscribe):
                self.resubscribe = True

    def snapshot(self, snapshot: BookSnapshot) -> None:
        self.gap_open = False
        self.handle(self.machine.on_snapshot(snapshot))


@pytest.mark.parametrize(("cls", "kind"), MACHINES, ids=[cls.__name__ for cls, _ in MACHINES])
@settings(max_examples=18, deadline=None)
@given(data=st.data())
def test_every_line_is_the_true_book(cls: type[BookSync], kind: str, data: st.DataObject) -> None:
    depth = data.draw(st.integers(1, 6), label="depth")
    exchange = Exchange(kind, okx_checksums=kind == "okx" and data.draw(st.booleans(), label="checksums"))
    # a true book to start from
    for price in data.draw(st.lists(st.sampled_from(BID_PRICES), min_size=12, max_size=40, unique=True), label="bids"):
        exchange.bids[price] = 1.0
    for price in data.draw(st.lists(st.sampled_from(ASK_PRICES), min_size=12, max_size=40, unique=True), label="asks"):
        exchange.asks[price] = 1.0
    exchange.record()
    # the exchange was busy before we connected: a lagging snapshot can then be older than the stream
    for _ in range(data.draw(st.integers(0, 6), label="warm-up")):
        exchange.send(data.draw(st.lists(CHANGE, min_size=1, max_size=4), label="changes"), 1)
    machine = cls(SYMBOL, depth)
    checker = Checker(machine, exchange)
    connection = coinbase.ConnectionSequence()
    if kind != "range":
        checker.snapshot(exchange.new_snapshot())  # the subscription's own snapshot
        if kind == "coinbase":
            connection.check(exchange.seq)

    held: BookDelta | None = None
    fetch_in = 0
    #: a message was lost or overtaken, or a checksum corrupted: only then may a gap be reported
    lossy = False
    for _ in range(data.draw(st.integers(5, 30), label="messages")):
        changes = data.draw(st.lists(CHANGE, min_size=0 if kind == "okx" else 1, max_size=4), label="changes")
        delta = exchange.send(changes, data.draw(st.integers(1, 5), label="okx step"))
        corrupt = kind == "okx" and exchange.okx_checksums and data.draw(st.integers(0, 30), label="corrupt") == 0
        if corrupt:
            delta = dataclasses.replace(delta, checksum=(delta.checksum or 0) + 1)
        fault = data.draw(FAULT, label="fault")
        lossy = lossy or corrupt or fault in ("drop", "swap")
        deliveries: list[BookDelta] = []
        if held is not None:
            deliveries, held = [delta, held], None  # the swap: the newer one first
        elif fault == "ok":
            deliveries = [delta]
        elif fault == "repeat":
            deliveries = [delta, delta]
        elif fault == "swap":
            held = delta
        for item in deliveries:
            if kind == "coinbase":
                verdict = connection.check(item.last)
                if verdict == "stale":
                    continue
                if verdict == "gap":
                    checker.handle(machine.invalidate("coinbase sequence_num gap"))
            follows = machine.seq is not None and item.prev == machine.seq
            actions = machine.on_delta(item)
            checker.handle(actions)
            if kind == "okx" and follows and item.checksum != exchange.history_checksum(item.last):
                assert any(isinstance(a, Gap) for a in actions), "a checksum mismatch must be a gap"
        # the snapshot the machine asked for comes a few messages later, sometimes lagging
        if checker.fetch is not None:
            fetch_in += 1
            if fetch_in > data.draw(st.integers(0, 3), label="fetch delay"):
                request, checker.fetch, fetch_in = checker.fetch.request, None, 0
                lag = data.draw(st.sampled_from([0, 0, 0, 1, 3]), label="snapshot lag")
                checker.snapshot(exchange.snapshot(request.limit, lag))
        if checker.resubscribe:
            checker.resubscribe = False
            snapshot = exchange.new_snapshot()
            if kind == "coinbase":
                connection.check(snapshot.seq)
            checker.snapshot(snapshot)

    if not lossy:
        assert checker.gaps == 0, "a gap reported where nothing was lost"
    if not checker.gaps and kind != "range":
        assert checker.lines > 0


def test_a_gap_withholds_lines_until_the_snapshot() -> None:
    machine = binance.BinanceBook(SYMBOL, 2)
    [fetch] = machine.on_delta(BookDelta(SYMBOL, [(1.0, 1.0)], [], 11, 12))
    assert isinstance(fetch, FetchSnapshot)
    [line] = machine.on_snapshot(BookSnapshot(SYMBOL, [(1.0, 2.0)], [(5.0, 1.0)], 11))
    assert isinstance(line, EmitBook) and line.seq == 12 and line.bids == [(1.0, 1.0)]
    gap, refetch = machine.on_delta(BookDelta(SYMBOL, [(2.0, 1.0)], [], 14, 15))
    assert isinstance(gap, Gap) and isinstance(refetch, FetchSnapshot)
    assert machine.state is SyncState.WAITING
    assert machine.on_delta(BookDelta(SYMBOL, [(2.0, 2.0)], [], 16, 16)) == []
    assert machine.book is None
