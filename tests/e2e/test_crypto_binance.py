"""End to end: Binance trades, books and tickers, `feedcli stream` as a subprocess against the simulator.

Book lines are compared with the simulator's true book at the update id they name
(tests/support/crypto_lines.py), with and without the faults that break a naive client:
a skipped update id, a REST snapshot older than the stream.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.cli import Simulator, feedcli_env, lines, run
from tests.support.crypto_lines import assert_books_true, assert_trades_once, book_gaps, data_lines

pytestmark = pytest.mark.e2e

SEED = 7


def stream(url: str, *args: str) -> list[str]:
    return ["stream", "binance", "--url", url, "--events", *args]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    env = feedcli_env(tmp_path_factory.mktemp("sim"))
    args = ("--rate", "25", "--seed", str(SEED), "--skip-update-every", "9", "--snapshot-lag", "3")
    with Simulator("binance", *args, env=env) as s:
        yield s


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    env = feedcli_env(tmp_path_factory.mktemp("sim"))
    with Simulator("binance", "--rate", "25", "--seed", str(SEED), env=env) as s:
        yield s


def test_every_channel_on_one_connection(clean, env) -> None:
    args = ["--pair", "BTC-USDT", "--pair", "ETH-USDT"]
    args += ["--channel", "candles", "--channel", "trades", "--channel", "book", "--channel", "ticker"]
    result = run([*stream(clean.url, *args, "--depth", "5"), "--limit", "120"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    events = Counter(o["event"] for o in out if "event" in o)
    assert events["connected"] == 1 and events["gap"] == 0
    channels = Counter(o["channel"] for o in out if "channel" in o)
    assert set(channels) == {"candles", "trades", "book", "ticker"}, channels
    assert {o["symbol"] for o in data_lines(out, "book")} == {"BTC-USDT", "ETH-USDT"}
    assert assert_books_true(out, SEED, 5) > 10
    assert_trades_once(out)
    for line in data_lines(out, "candles"):
        assert line["kind"] == "candle"
    for line in data_lines(out, "ticker"):
        assert line["kind"] == "quote" and set(line["data"]) == {"bid", "bid_size", "ask", "ask_size"}
        assert line["data"]["bid"] < line["data"]["ask"]
        assert isinstance(line["seq"], int)


def test_gaps_and_lagging_snapshots_never_give_a_wrong_book(faulty, env) -> None:
    result = run(
        [*stream(faulty.url, "--pair", "BTC-USDT", "--channel", "book", "--depth", "10"), "--limit", "80"], env
    )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert book_gaps(out) >= 3
    assert assert_books_true(out, SEED, 10) >= 40
    # each gap is followed by a fresh REST snapshot: the book comes back
    order = [o.get("event") or o["channel"] for o in out]
    last_gap = max(i for i, what in enumerate(order) if what == "gap")
    assert "book" in order[last_gap:] or len(order) - last_gap < 5


def test_a_reconnect_starts_a_new_book_and_repeats_no_trade(tmp_path, env) -> None:
    with Simulator("binance", "--rate", "25", "--seed", str(SEED), "--drop-after", "40", env=env) as sim:
        args = ["--pair", "BTC-USDT", "--channel", "book", "--channel", "trades", "--depth", "3"]
        result = run([*stream(sim.url, *args), "--limit", "150"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert Counter(o.get("event") for o in out)["reconnected"] >= 2
    assert assert_books_true(out, SEED, 3) > 20
    assert_trades_once(out)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--channel", "book", "--depth", "5000"], 2, "allowed depths: 1 to 1000"),
        (["--channel", "book", "--interval", "1m"], 2, "--interval is for candles"),
        (["--channel", "quotes"], 2, "quotes"),
        (["--pair", "NOPE-USDT", "--channel", "book"], 4, "NOPEUSDT"),
    ],
)
def test_bad_input(clean, env, args, code, message) -> None:
    pair = [] if "--pair" in args else ["--pair", "BTC-USDT"]
    result = run([*stream(clean.url, *pair, *args), "--limit", "1"], env, timeout=30)
    assert result.returncode == code, (result.returncode, result.stderr)
    assert message in result.stderr


def test_demo_binance_streams_candles_the_book_and_trades_together(tmp_path) -> None:
    result = run(["demo", "binance", "--limit", "300"], feedcli_env(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    channels = Counter(o["channel"] for o in out if "channel" in o)
    assert {"candles", "book", "trades"} <= set(channels), channels


def test_demo_takes_channels(tmp_path) -> None:
    result = run(["demo", "binance", "--channel", "ticker", "--limit", "20"], feedcli_env(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    assert {o["channel"] for o in lines(result.stdout) if "channel" in o} == {"ticker"}


def test_record_writes_books_and_replay_reads_them_back(tmp_path, clean, env) -> None:
    out = tmp_path / "books.ndjson"
    args = ["record", "binance", "--url", clean.url, "--pair", "BTC-USDT", "--channel", "book", "--depth", "5"]
    result = run([*args, "-o", str(out), "--limit", "30"], env)
    assert result.returncode == 0, result.stderr
    recorded = lines(out.read_text())
    assert assert_books_true(recorded, SEED, 5) == 30
    replayed = run(["replay", str(out), "--speed", "0", "--channel", "book"], env)
    assert replayed.returncode == 0, replayed.stderr
    assert [o["data"] for o in data_lines(lines(replayed.stdout), "book")] == [
        o["data"] for o in data_lines(recorded, "book")
    ]
