"""L2Book against a brute-force reference book, and its horizon."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedcli.providers.crypto.book import L2Book

PRICES = st.integers(1, 60).map(lambda n: n / 4)
SIZES = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.25, 7.0])
CHANGES = st.lists(st.tuples(st.sampled_from(["bid", "ask"]), PRICES, SIZES), max_size=80)


def reference_top(sizes: dict[float, float], n: int, best_high: bool) -> list[tuple[float, float]]:
    return sorted(((p, s) for p, s in sizes.items() if s > 0), reverse=best_high)[:n]


@settings(max_examples=150, deadline=None)
@given(CHANGES, st.integers(1, 12))
def test_top_matches_a_brute_force_book(changes: list[tuple[str, float, float]], n: int) -> None:
    book = L2Book()
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for side, price, size in changes:
        (book.set_bid if side == "bid" else book.set_ask)(price, size)
        (bids if side == "bid" else asks)[price] = size
        top_bids, top_asks = book.top(n)
        assert top_bids == reference_top(bids, n, best_high=True)
        assert top_asks == reference_top(asks, n, best_high=False)
    assert book.known() == (sum(s > 0 for s in bids.values()), sum(s > 0 for s in asks.values()))


def test_load_replaces_and_drops_zero_sizes() -> None:
    book = L2Book()
    book.update([(10.0, 1.0)], [(11.0, 1.0)])
    book.load([(9.0, 2.0), (8.0, 0.0)], [(12.0, 3.0)])
    assert book.top(5) == ([(9.0, 2.0)], [(12.0, 3.0)])
    assert book.size("bid", 10.0) is None


def test_removing_an_absent_level_is_no_error() -> None:
    book = L2Book()
    book.set_bid(5.0, 0.0)
    book.set_ask(6.0, 0.0)
    assert len(book) == 0


def test_a_truncated_snapshot_keeps_its_worst_price_as_horizon() -> None:
    book = L2Book()
    book.load([(10.0, 1.0), (9.0, 1.0)], [(11.0, 1.0), (12.0, 1.0)], bids_truncated=True, asks_truncated=True)
    assert book.truncated == (True, True)
    # beyond the horizon the book knows nothing: an update there is not stored
    book.set_bid(8.0, 5.0)
    book.set_ask(13.0, 5.0)
    assert book.top(5) == ([(10.0, 1.0), (9.0, 1.0)], [(11.0, 1.0), (12.0, 1.0)])
    # inside it, everything is known
    book.set_bid(9.5, 2.0)
    book.set_ask(11.0, 0.0)
    assert book.known() == (3, 1)


def test_cap_trims_the_worst_levels_and_moves_the_horizon_in() -> None:
    book = L2Book(cap=3)
    for n in range(1, 8):
        book.set_bid(float(n), 1.0)
    assert book.known()[0] <= 6
    book.set_bid(100.0, 1.0)
    top, _ = book.top(3)
    assert top[0] == (100.0, 1.0)
    assert book.bid_floor is not None
    book.load([(float(n), 1.0) for n in range(10)], [])
    assert book.known() == (3, 0) and book.bid_floor == 7.0


def test_cap_trims_the_worst_asks_and_moves_the_ceiling_in() -> None:
    book = L2Book(cap=3)
    for n in range(8, 1, -1):
        book.set_ask(float(n), 1.0)
    assert book.known()[1] <= 6
    book.set_ask(1.0, 1.0)
    _, top = book.top(3)
    assert top[0] == (1.0, 1.0)
    assert book.ask_ceiling is not None
    book.load([], [(float(n), 1.0) for n in range(10)])
    assert book.known() == (0, 3) and book.ask_ceiling == 2.0
    book.set_ask(5.0, 1.0)  # beyond the ceiling: unknown ground, not stored
    assert book.top(5)[1] == [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0)]


def test_a_side_no_deeper_than_the_cap_keeps_no_horizon() -> None:
    book = L2Book(cap=3)
    book.load([(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)], [(4.0, 1.0), (5.0, 1.0), (6.0, 1.0)])
    assert book.truncated == (False, False)
    book.set_bid(0.5, 1.0)
    book.set_ask(6.5, 1.0)
    assert book.known() == (4, 4)  # nothing was cut, so nothing beyond is unknown


def test_crossed() -> None:
    book = L2Book()
    book.update([(10.0, 1.0)], [(10.5, 1.0)])
    assert not book.crossed()
    book.set_bid(10.5, 1.0)
    assert book.crossed()
    assert book.best_bid() == 10.5 and book.best_ask() == 10.5
