"""`feedcli stream binance|okx --channel book` against independent, documentation-only servers
(tests/support/independent_books.py), so the books are not only tested against our simulators.

Each server records its book after every update id; every book line must be that book's top
`--depth` at the line's `seq`, through the gaps and checksum failures the servers inject.
"""

from __future__ import annotations

import pytest

from tests.support.cli import feedcli_env, lines, run
from tests.support.independent_books import IndependentBinanceBooks, IndependentOkxBooks

pytestmark = pytest.mark.e2e

DEPTH = 8


def assert_lines_are_the_servers_book(out: list[dict], history: dict) -> int:
    books = [o for o in out if o.get("channel") == "book"]
    for line in books:
        bids, asks = history[line["seq"]]
        assert line["data"] == {"bids": bids[:DEPTH], "asks": asks[:DEPTH]}, line["seq"]
    return len(books)


def test_binance_books_through_gaps(tmp_path) -> None:
    with IndependentBinanceBooks(skip_every=15) as server:
        args = ["stream", "binance", "--url", server.url, "--pair", "BTC-USDT", "--events"]
        args += ["--channel", "book", "--channel", "trades", "--depth", str(DEPTH), "--limit", "120"]
        result = run(args, feedcli_env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert assert_lines_are_the_servers_book(out, server.book.history) >= 60
    gaps = [o for o in out if o.get("event") == "gap"]
    assert gaps and server.skipped >= len(gaps)
    snapshots = [r for r in server.requests if r.startswith("/api/v3/depth?")]
    assert len(snapshots) == 1 + len(gaps)  # one to start, one after each gap
    assert all("limit=100" in r for r in snapshots)  # deep enough for --depth, not limit=--depth
    trades = [o for o in out if o.get("channel") == "trades"]
    sent = {t["t"]: t for t in server.sent_trades}
    for line in trades:
        t = sent[line["data"]["id"]]
        assert line["data"] == {"price": float(t["p"]), "size": float(t["q"]), "side": "sell", "id": t["t"]}


def test_okx_books_through_bad_checksums(tmp_path) -> None:
    with IndependentOkxBooks(bad_checksum_every=12) as server:
        args = ["stream", "okx", "--url", server.url, "--pair", "BTC-USDT", "--events"]
        args += ["--channel", "book", "--depth", str(DEPTH), "--limit", "100"]
        result = run(args, feedcli_env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert assert_lines_are_the_servers_book(out, server.book.history) >= 60
    gaps = [o for o in out if o.get("event") == "gap"]
    assert gaps and all("checksum mismatch" in g["reason"] for g in gaps)
    assert server.subscribes == 1 + len(gaps)  # a resubscription (and its snapshot) per mismatch
