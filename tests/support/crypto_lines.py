"""Checks of crypto trade, book and ticker lines against the simulators' true market.

The simulators' books are a pure function of (seed, pair, update id) (feedcli/simulators/
crypto_market.py), so a `book` line naming update id N can be compared with the true book
after update N: equal, level for level, or the client built it wrong.
"""

from __future__ import annotations

from feedcli.simulators.candles import DEFAULT_PAIRS
from feedcli.simulators.crypto_market import BookMarket


def data_lines(out: list[dict], channel: str) -> list[dict]:
    return [o for o in out if o.get("channel") == channel]


def assert_books_true(out: list[dict], seed: int, depth: int, *, by_step: bool = False) -> int:
    """Every book line is the true book's top `depth` at its `seq`, never crossed; returns how many.

    `by_step`: the exchange numbers its book messages one by one (Bybit, Coinbase), so `seq`
    is the market's `step_id`, not its update id.
    """
    books = data_lines(out, "book")
    by_pair: dict[str, list[dict]] = {}
    for line in books:
        by_pair.setdefault(line["symbol"], []).append(line)
    for pair, pair_lines in by_pair.items():
        market = BookMarket(pair, DEFAULT_PAIRS[pair], seed, pair=pair)
        for line in sorted(pair_lines, key=lambda o: o["seq"]):
            assert line["kind"] == "book"

            while _at(market, by_step) < line["seq"]:
                market.step()
            assert _at(market, by_step) == line["seq"], f"no update ends at {line['seq']}"
            bids, asks = market.top(depth)
            data = line["data"]
            assert data == {"bids": [list(b) for b in bids], "asks": [list(a) for a in asks]}, line["seq"]
            assert data["bids"][0][0] < data["asks"][0][0]
    return len(books)


def assert_books_found(out: list[dict], seed: int, depth: int, *, within: int = 5000) -> int:
    """For an exchange whose `seq` numbers its connection's messages (Coinbase), not the book:
    every book line, in order, is the true top `depth` at some later step of the market."""
    books = data_lines(out, "book")
    markets: dict[str, BookMarket] = {}
    for line in books:
        pair = line["symbol"]
        market = markets.get(pair)
        if market is None:
            market = markets[pair] = BookMarket(pair, DEFAULT_PAIRS[pair], seed, pair=pair)
        want = line["data"]
        for _ in range(within):
            bids, asks = market.top(depth)
            if want == {"bids": [list(b) for b in bids], "asks": [list(a) for a in asks]}:
                break
            market.step()
        else:
            raise AssertionError(f"no state of the market within {within} steps is the book line {line}")
        assert want["bids"][0][0] < want["asks"][0][0]
    return len(books)


def _at(market: BookMarket, by_step: bool) -> int:
    return market.step_id if by_step else market.update_id


def assert_trades_once(out: list[dict]) -> None:
    """Trades are typed, their ids never repeat, `seq` is the numeric id."""
    trades = data_lines(out, "trades")
    ids = [(t["symbol"], t["data"]["id"]) for t in trades]
    assert len(ids) == len(set(ids)), "a trade was written twice"
    for t in trades:
        data = t["data"]
        assert set(data) == {"price", "size", "side", "id"}
        assert data["side"] in ("buy", "sell")
        assert t["kind"] == "trade"
        assert t["seq"] == int(data["id"])


def book_gaps(out: list[dict]) -> int:
    """The gap control lines about books (each names its reason); how many."""
    gaps = [o for o in out if o.get("event") == "gap"]
    for gap in gaps:
        assert gap["stream"] == "book" and gap["reason"] and "channel" not in gap
    return len(gaps)
