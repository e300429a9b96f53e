"""Keeping a local book provably in sync with an exchange: the two patterns the six use.

A sync machine is sans-I/O, like the codecs: it is fed parsed `BookSnapshot` and `BookDelta`
objects and answers with actions (`model.Action`): `EmitBook` (write a book line), `FetchSnapshot`
(make this REST call), `Resubscribe` (ask the WebSocket for a fresh snapshot) and `Gap` (write a
gap control line). It never reads the clock or opens anything. One machine per (connection,
symbol): a new connection gets new machines, so a new book is never merged into a stale one.

The contract every machine keeps (CONTRACT.md, "Crypto channels"; issue 15 item 3):
- on a sequence gap, a checksum mismatch or a crossed book it answers `Gap`, throws the book
  away and asks for a fresh snapshot; no `EmitBook` until a snapshot and the updates after it
  have put it back in sync;
- an emitted line is the top `depth` levels of a book that is in sync, best first, never
  crossed, never showing a removed level, and never reaching past what the book knows (the
  horizon of a truncated REST snapshot, see `book.py`);
- stale updates (repeats, and ones the snapshot already holds) are dropped, not applied twice.

The two patterns:
- `RangeSync` (Binance, Gate, KuCoin): a REST snapshot at update id S, WebSocket updates that
  each cover the id range [first, last]. Updates are buffered from the first one on, the
  snapshot is fetched once the first has arrived (so it can be checked against it), a snapshot
  older than the first buffered update is fetched again, buffered updates it already holds are
  dropped, and from then on an update must start at most one past the book's id.
- `ChainSync` (OKX, Bybit, Coinbase): the WebSocket sends the snapshot itself, then updates that
  each say which message they follow (OKX `prevSeqId`) or carry the next number (Bybit `u`,
  Coinbase `sequence_num`). A gap is answered with a resubscription, which brings a new snapshot.

Each exchange module subclasses one of them with its own rules and sources.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from enum import Enum

from feedcli.providers.crypto.book import L2Book
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
)

#: updates held while a snapshot is on its way, at most (the oldest are dropped past it; the
#: snapshot is then checked against the oldest one kept)
MAX_BUFFER = 10_000


class SyncState(Enum):
    #: no book: waiting for a snapshot (REST machines buffer updates meanwhile)
    WAITING = "waiting"
    #: in sync: every update is checked and applied, and answered with a book line
    SYNCED = "synced"


class BookSync(ABC):
    """What every machine offers. Create one per (connection, symbol)."""

    #: the exchange's name, for messages
    exchange: str = ""

    def __init__(self, symbol: str, depth: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, not {depth}")
        self.symbol = symbol
        self.depth = depth
        self._book: L2Book | None = None
        self._seq = -1

    @property
    def state(self) -> SyncState:
        return SyncState.WAITING if self._book is None else SyncState.SYNCED

    @property
    def book(self) -> L2Book | None:
        """The local book while in sync (read it, never write it), else None."""
        return self._book

    @property
    def seq(self) -> int | None:
        """The exchange's update id the book is at, None while waiting."""
        return None if self._book is None else self._seq

    @abstractmethod
    def on_delta(self, delta: BookDelta) -> list[Action]:
        """An update message for this symbol arrived."""

    @abstractmethod
    def on_snapshot(self, snapshot: BookSnapshot) -> list[Action]:
        """A snapshot arrived (the REST answer asked for, or the WebSocket's own)."""

    @abstractmethod
    def invalidate(self, reason: str) -> list[Action]:
        """Throw the book away from outside (Coinbase's connection-wide sequence has a gap)."""

    def _line(self, ts_ms: int | None) -> EmitBook:
        assert self._book is not None
        bids, asks = self._book.top(self.depth)
        return EmitBook(self._seq, bids, asks, ts_ms)

    def _thin(self) -> bool:
        """Whether a truncated side knows fewer levels than a line must show."""
        assert self._book is not None
        return self._book.thin(self.depth)


# ====================================================================== REST snapshot + ranges
class RangeSync(BookSync):
    """REST snapshot + updates covering [first, last] update ids (Binance, Gate, KuCoin)."""

    #: REST levels per side, kept at most (the book's cap; None: keep every level learnt)
    cap: int | None = None

    def __init__(self, symbol: str, depth: int) -> None:
        super().__init__(symbol, depth)
        self._buffer: deque[BookDelta] = deque()
        #: a FetchSnapshot is outstanding
        self._pending = False
        #: levels per side the outstanding request asked for
        self._limit = 0
        #: while the live book refreshes its horizon: the book's id when the refresh was asked
        self._refresh_from: int | None = None

    @abstractmethod
    def snapshot_request(self) -> SnapshotRequest:
        """The REST call that fetches a snapshot deep enough for `depth`."""

    def apply_levels(self, book: L2Book, delta: BookDelta, seq: int) -> None:
        """Apply an update's levels to a book at id `seq` (KuCoin filters them by their own sequence)."""
        book.update(delta.bids, delta.asks)

    # ------------------------------------------------------------------ inputs
    def on_delta(self, delta: BookDelta) -> list[Action]:
        if self._book is None:
            self._hold(delta)
            return self._fetch("initial snapshot") if not self._pending else []
        if self._refresh_from is not None:
            if len(self._buffer) >= MAX_BUFFER:
                # the refresh takes too long to hold every update: give it up (its answer will
                # be ignored) and ask again when the book is next found thin
                self._buffer.clear()
                self._refresh_from = None
            else:
                self._buffer.append(delta)
        return self._apply(delta)

    @property
    def quick_ready(self) -> bool:
        """Whether `quick` may stand for `on_delta` here: an update's levels are applied as
        they come (KuCoin filters them by its own sequence, so it has no quick way)."""
        return type(self).apply_levels is RangeSync.apply_levels

    def quick(
        self, first: int, last: int, bids: list[Level], asks: list[Level], ts_ms: int
    ) -> tuple[bytes, bytes] | list[Action] | None:
        """The line path's `on_delta`, for an update that continues the synced book (`first` <=
        the book's id + 1 < `last` + 1): applied, it answers the top `depth` levels (each side
        as orjson writes it, from `L2Book.advance`) where `on_delta` would answer one `EmitBook`
        of them, with `seq` = `last` (the book's new id), and `on_delta`'s answer itself where
        the book came out crossed or thin (a gap, a refresh: `_emit`). None, with nothing
        changed, for everything else (waiting, a refresh under way, a snapshot outstanding, a
        repeat, a gap): `on_delta` then decides, as always."""
        book = self._book
        if book is None or self._refresh_from is not None or self._pending:
            return None
        seq = self._seq
        if last <= seq or first > seq + 1:
            return None
        self._seq = last
        top = book.advance(bids, asks, self.depth)
        return self._emit(ts_ms) if top is None else top

    def on_snapshot(self, snapshot: BookSnapshot) -> list[Action]:
        if not self._pending:
            return []  # an answer nobody waits for any more (the book resynced meanwhile)
        self._pending = False
        if self._book is None:
            return self._build(snapshot)
        if self._refresh_from is None:
            return []
        if snapshot.seq < self._refresh_from:
            return self._fetch("refresh: the snapshot is older than the book")
        # the buffer holds every update since the refresh was asked, a continuous chain from
        # the live book's id, so the new book built from it is in sync from the start
        return self._build(snapshot)

    def on_snapshot_failed(self, reason: str) -> list[Action]:
        """The engine gave up on the snapshot call: a waiting book asks again on its next update."""
        self._pending = False
        self._refresh_from = None
        if self._book is None and self._buffer:
            return self._fetch(f"snapshot again after: {reason}")
        return []

    def invalidate(self, reason: str) -> list[Action]:
        if self._book is None:
            return []
        return self._lose(reason, keep=None)

    # ------------------------------------------------------------------ the rules
    def _hold(self, delta: BookDelta) -> None:
        if len(self._buffer) >= MAX_BUFFER:
            self._buffer.popleft()
        self._buffer.append(delta)

    def _fetch(self, reason: str) -> list[Action]:
        request = self.snapshot_request()
        self._pending = True
        self._limit = request.limit
        return [FetchSnapshot(request, reason)]

    def _apply(self, delta: BookDelta) -> list[Action]:
        book = self._book
        assert book is not None
        seq = self._seq
        if delta.last <= seq:
            return []  # a repeat, or older than the book
        if delta.first > seq + 1:
            missed = delta.first - seq - 1
            return self._lose(f"{missed} update(s) missed: ids {delta.first}..{delta.last} after {seq}", delta)
        self.apply_levels(book, delta, seq)
        self._seq = delta.last
        if book.crossed() or book.thin(self.depth):
            return self._emit(delta.ts_ms)  # the rare ways: a gap, or a refresh of the horizon
        return [self._line(delta.ts_ms)]  # what _emit answers, its checks just made

    def _emit(self, ts_ms: int | None) -> list[Action]:
        assert self._book is not None
        if self._book.crossed():
            return self._lose(f"crossed book at id {self._seq}", None)
        if self._thin():
            if self._refresh_from is None and not self._pending:
                self._refresh_from = self._seq
                self._buffer.clear()
                return self._fetch(f"refresh: fewer than {self.depth} levels known")
            return []  # withheld until the refresh or later updates make the book deep enough
        return [self._line(ts_ms)]

    def _lose(self, reason: str, keep: BookDelta | None) -> list[Action]:
        """Out of sync: drop the book, keep buffering from `keep` on, and fetch a fresh snapshot."""
        self._book = None
        self._refresh_from = None
        self._buffer.clear()
        if keep is not None:
            self._buffer.append(keep)
        actions: list[Action] = [Gap(f"{self.exchange} {self.symbol}: {reason}")]
        if not self._pending:
            actions += self._fetch("resync after a gap")
        return actions

    def _build(self, snapshot: BookSnapshot) -> list[Action]:
        """A new book from a snapshot and the updates buffered since it was asked for."""
        events = self._buffer
        if events and snapshot.seq + 1 < events[0].first:
            return self._fetch(f"snapshot {snapshot.seq} is older than the first update {events[0].first}")
        book = L2Book(self.cap)
        limit = self._limit
        book.load(
            snapshot.bids,
            snapshot.asks,
            bids_truncated=limit > 0 and len(snapshot.bids) >= limit,
            asks_truncated=limit > 0 and len(snapshot.asks) >= limit,
        )
        seq = snapshot.seq
        ts_ms = snapshot.ts_ms
        pending = list(events)
        self._buffer.clear()
        self._refresh_from = None
        for index, event in enumerate(pending):
            if event.last <= seq:
                continue
            if event.first > seq + 1:
                actions = self._lose(f"{event.first - seq - 1} update(s) missed after snapshot {seq}", event)
                self._buffer.extend(pending[index + 1 :])
                return actions
            self.apply_levels(book, event, seq)
            seq = event.last
            ts_ms = event.ts_ms
        self._book, self._seq = book, seq
        return self._emit(ts_ms)


# ====================================================================== WebSocket snapshot + chain
class ChainSync(BookSync):
    """WebSocket snapshot + chained updates (OKX, Bybit, Coinbase)."""

    def __init__(self, symbol: str, depth: int) -> None:
        super().__init__(symbol, depth)
        #: a Resubscribe is outstanding (not asked twice for one loss)
        self._resubscribing = False

    @abstractmethod
    def link(self, delta: BookDelta) -> str | None:
        """Whether `delta` follows the book: None to apply it, "stale" to drop it, else why not."""

    def load(self, book: L2Book, snapshot: BookSnapshot) -> None:
        book.load(snapshot.bids, snapshot.asks)

    def apply_levels(self, book: L2Book, delta: BookDelta) -> None:
        book.update(delta.bids, delta.asks)

    def verify(self, book: L2Book, checksum: int | None) -> str | None:
        """Why the book does not match the exchange's checksum, or None (no checksum: None)."""
        return None

    def on_snapshot(self, snapshot: BookSnapshot) -> list[Action]:
        book = L2Book()
        self.load(book, snapshot)
        self._book, self._seq = book, snapshot.seq
        self._resubscribing = False
        wrong = self.verify(book, snapshot.checksum)
        if wrong is not None:
            return self._lose(f"snapshot {snapshot.seq}: {wrong}")
        return self._emit(snapshot.ts_ms)

    def on_delta(self, delta: BookDelta) -> list[Action]:
        if self._book is None:
            return []  # before the (new) snapshot: nothing to apply it to
        verdict = self.link(delta)
        if verdict == "stale":
            return []
        if verdict is not None:
            return self._lose(verdict)
        self.apply_levels(self._book, delta)
        self._seq = delta.last
        wrong = self.verify(self._book, delta.checksum)
        if wrong is not None:
            return self._lose(f"update {delta.last}: {wrong}")
        if not delta.bids and not delta.asks:
            return []  # a keepalive update: the book has not changed
        return self._emit(delta.ts_ms)

    def invalidate(self, reason: str) -> list[Action]:
        if self._book is None:
            return []
        return self._lose(reason)

    def _emit(self, ts_ms: int | None) -> list[Action]:
        assert self._book is not None
        if self._book.crossed():
            return self._lose(f"crossed book at id {self._seq}")
        return [self._line(ts_ms)]

    def _lose(self, reason: str) -> list[Action]:
        self._book = None
        actions: list[Action] = [Gap(f"{self.exchange} {self.symbol}: {reason}")]
        if not self._resubscribing:
            self._resubscribing = True
            actions.append(Resubscribe(reason))
        return actions
