"""The benchmark's load generator (bench/loadgen.py) serves what feedcli reads.

`make bench` measures feedcli against this generator, not against the simulators; if a
change to feedcli (or to the generator) made them disagree, the bench would lose its HT or
Binance row without a test saying so. A few hundred messages each, nothing timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.support.cli import ROOT, feedcli_env, lines, run

pytestmark = pytest.mark.e2e
LOADGEN = ROOT / "bench" / "loadgen.py"


@contextmanager
def loadgen(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The generator in its own process; yields its base URL (http://127.0.0.1:PORT)."""
    proc = subprocess.Popen(
        [sys.executable, str(LOADGEN), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["event"] == "listening", first
        yield f"http://127.0.0.1:{first['port']}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_ht_site_streams_best_limit_lines(tmp_path: Path) -> None:
    with loadgen("--count", "300") as (url, _):
        result = run(
            ["stream", "tse", "--url", url, "--isin", "IRO1FOLD0001", "--channel", "best-limit", "--limit", "300"],
            feedcli_env(tmp_path, FEEDCLI_TOKEN="bench-token"),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 300
    assert {(o["provider"], o["channel"], o["symbol"]) for o in out} == {("tse", "best-limit", "IRO1FOLD0001")}
    assert all(isinstance(o["data"]["1"]["buy_price"], int) for o in out)


@pytest.mark.parametrize("frames", ["combined", "native"])
def test_binance_site_backfill_then_stream(tmp_path: Path, frames: str) -> None:
    """exchangeInfo (the preflight), klines (the backfill), /ws with SUBSCRIBE, kline events."""
    with loadgen("--site", "binance", "--count", "300", "--binance-frames", frames) as (url, _):
        result = run(
            ["stream", "binance", "--url", url, "--pair", "BTC-USDT", "--backfill", "2", "--limit", "302"],
            feedcli_env(tmp_path),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 302
    assert {(o["provider"], o["channel"], o["symbol"]) for o in out} == {("binance", "candles", "BTC-USDT")}
    backfill, streamed = out[:2], out[2:]
    assert [o["data"]["timestamp"] for o in backfill] == ["2025-11-14T11:58:00.000000Z", "2025-11-14T11:59:00.000000Z"]
    assert all(o["data"]["closed"] is True for o in backfill)
    # every streamed event updates the same open bar, so none is dropped as a repeat
    assert {o["data"]["timestamp"] for o in streamed} == {"2025-11-14T12:00:00.000000Z"}
    assert all(o["data"]["closed"] is False and o["ts"].startswith("2025-11-14T12:00:") for o in streamed)


def test_binance_site_refuses_an_unknown_symbol(tmp_path: Path) -> None:
    with loadgen("--site", "binance", "--count", "10") as (url, _):
        result = run(["stream", "binance", "--url", url, "--pair", "NOPE-USDT", "--limit", "1"], feedcli_env(tmp_path))
    assert result.returncode == 4, result.stderr
    assert "NOPEUSDT" in result.stderr


PAIRS = ("BTC-USDT", "ETH-USDT", "BNB-BTC")


def test_binance_site_trades_of_several_pairs_on_one_connection(tmp_path: Path) -> None:
    """One SUBSCRIBE to three trade streams: every trade written (ids rise per pair), in turn."""
    pair_args = [a for p in PAIRS for a in ("--pair", p)]
    with loadgen("--site", "binance", "--count", "300", "--distinct", "300") as (url, _):
        result = run(
            ["stream", "binance", "--url", url, *pair_args, "--channel", "trades", "--limit", "300"],
            feedcli_env(tmp_path),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert [o["symbol"] for o in out[:3]] == list(PAIRS)
    for pair in PAIRS:
        ids = [o["data"]["id"] for o in out if o["symbol"] == pair]
        assert len(ids) == 100 and ids == sorted(set(ids))


@pytest.mark.parametrize("transport", ["picows", "aiohttp"])
def test_binance_site_depth_diffs_match_its_snapshots(tmp_path: Path, transport: str) -> None:
    """Diffs with running U/u and /api/v3/depth snapshots that fit them: book lines, never a gap.

    The generator floods and its corpus is short, so it cycles many times while feedcli holds
    diffs for its three snapshots (over picows, more than it holds a pair: it drops the oldest
    and needs a snapshot newer than the book before the first diff): a snapshot that never
    moved, or ids that started again at each pass, left feedcli without a line (the bench's
    book row hung).
    """
    pair_args = [a for p in PAIRS for a in ("--pair", p)]
    with loadgen("--site", "binance", "--count", "0", "--distinct", "3000") as (url, _):
        book = ["--channel", "book", "--depth", "10", "--events", "--limit", "600"]
        result = run(
            ["stream", "binance", "--url", url, *pair_args, *book],
            feedcli_env(tmp_path, FEEDCLI_TRANSPORT=transport),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert not [o for o in out if o.get("event") == "gap"]
    books = [o for o in out if o.get("kind") == "book"]
    assert len(books) == 600 and {o["symbol"] for o in books} <= set(PAIRS)
    for o in books:
        bids, asks = o["data"]["bids"], o["data"]["asks"]
        assert len(bids) == len(asks) == 10 and bids[0][0] < asks[0][0]
    for pair in PAIRS:
        seqs = [o["seq"] for o in books if o["symbol"] == pair]
        assert seqs == sorted(set(seqs))


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def test_binance_site_depth_snapshot_is_the_book_as_of_now() -> None:
    """Ids go on across passes of the cycled corpus, and a snapshot is the book after what was sent.

    Read with a plain WebSocket client, so the figures are the generator's alone: three passes
    of a corpus of ten diffs a pair, then `/api/v3/depth` must be the first snapshot with all
    thirty applied (Binance's snapshot is the book as of the call).
    """
    streams = [f"{p.replace('-', '').lower()}@depth@100ms" for p in PAIRS]
    with loadgen("--site", "binance", "--count", "90", "--distinct", "30") as (url, _):
        first = _get(f"{url}/api/v3/depth?symbol=BTCUSDT&limit=1000")
        with connect(url.replace("http://", "ws://") + "/ws") as ws:
            ws.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}))
            assert json.loads(ws.recv()) == {"result": None, "id": 1}
            diffs = [json.loads(ws.recv())["data"] for _ in range(90)]
            now = _get(f"{url}/api/v3/depth?symbol=BTCUSDT&limit=1000")
    btc = [d for d in diffs if d["s"] == "BTCUSDT"]
    assert len(btc) == 30
    book_id = first["lastUpdateId"]
    book = {"b": dict(first["bids"]), "a": dict(first["asks"])}
    for diff in btc:
        assert diff["U"] == book_id + 1, "ids must go on from pass to pass"
        book_id = diff["u"]
        for side in ("b", "a"):
            for price, qty in diff[side]:
                if float(qty) > 0:
                    book[side][price] = qty
                else:
                    book[side].pop(price, None)
    assert now["lastUpdateId"] == book_id
    assert dict(now["bids"]) == book["b"] and dict(now["asks"]) == book["a"]
