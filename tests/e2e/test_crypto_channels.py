"""End to end, every exchange but Binance (tests/e2e/test_crypto_binance.py): trades, books and
tickers from `feedcli stream` as a subprocess against the exchange's simulator.

Every book line is compared with the simulator's true book at the update id it names
(tests/support/crypto_lines.py), on a clean run and under the faults each exchange can
suffer: a skipped update (all), a wrong checksum (OKX), a REST snapshot older than the
stream (the REST-snapshot exchanges), a cut connection (all).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.cli import Simulator, lines, run
from tests.support.crypto_lines import assert_books_found, assert_books_true, assert_trades_once, book_gaps, data_lines

pytestmark = pytest.mark.e2e

SEED = 11

#: exchange → (the faults its books face in the simulator, the --depth allowed at most,
#: words each kind of fault puts in the gap lines' reasons)
EXCHANGES = {
    "okx": (("--skip-update-every", "9", "--bad-checksum-every", "5"), 400, ("checksum mismatch", "follows")),
    "bybit": (("--skip-update-every", "9"), 1000, ("missed",)),
    "gate": (("--skip-update-every", "9", "--snapshot-lag", "3"), 50, ("missed",)),
    "kucoin": (("--skip-update-every", "9", "--snapshot-lag", "3"), 50, ("missed",)),
    "coinbase": (("--skip-update-every", "9"), 1000, ("was lost",)),
}
#: exchanges that number book messages one by one (the simulator's step, not its update id)
BY_STEP = {"bybit"}
#: exchanges whose book `seq` numbers the connection's messages: lines are found in the market
FOUND = {"coinbase"}


def books_true(exchange: str, out: list[dict], depth: int) -> int:
    if exchange in FOUND:
        return assert_books_found(out, SEED, depth)
    return assert_books_true(out, SEED, depth, by_step=exchange in BY_STEP)


def stream(exchange: str, url: str, *args: str) -> list[str]:
    return ["stream", exchange, "--url", url, "--events", *args]


@pytest.mark.parametrize("exchange", list(EXCHANGES))
def test_trades_books_and_tickers_are_true(exchange, tmp_path, env) -> None:
    with Simulator(exchange, "--rate", "25", "--seed", str(SEED), env=env) as sim:
        args = ["--pair", "BTC-USDT", "--pair", "ETH-USDT", "--depth", "5"]
        args += ["--channel", "trades", "--channel", "book", "--channel", "ticker", "--channel", "candles"]
        result = run([*stream(exchange, sim.url, *args), "--limit", "150"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert book_gaps(out) == 0
    channels = Counter(o["channel"] for o in out if "channel" in o)
    assert {"trades", "book", "ticker"} <= set(channels), channels
    assert books_true(exchange, out, 5) > 10
    assert_trades_once(out)
    for line in data_lines(out, "ticker"):
        assert line["kind"] == "quote" and line["data"]["bid"] < line["data"]["ask"]


@pytest.mark.parametrize("exchange", list(EXCHANGES))
def test_faults_never_give_a_wrong_book(exchange, tmp_path, env) -> None:
    faults, _, reasons = EXCHANGES[exchange]
    with Simulator(exchange, "--rate", "25", "--seed", str(SEED), *faults, env=env) as sim:
        args = ["--pair", "BTC-USDT", "--channel", "book", "--depth", "10"]
        result = run([*stream(exchange, sim.url, *args), "--limit", "80"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert book_gaps(out) >= 3
    assert books_true(exchange, out, 10) >= 40
    said = " ".join(o["reason"] for o in out if o.get("event") == "gap")
    for words in reasons:
        assert words in said, said


@pytest.mark.parametrize("exchange", list(EXCHANGES))
def test_a_reconnect_starts_a_new_book_and_repeats_no_trade(exchange, tmp_path, env) -> None:
    with Simulator(exchange, "--rate", "25", "--seed", str(SEED), "--drop-after", "40", env=env) as sim:
        args = ["--pair", "BTC-USDT", "--channel", "book", "--channel", "trades", "--depth", "3"]
        result = run([*stream(exchange, sim.url, *args), "--limit", "150"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert Counter(o.get("event") for o in out)["reconnected"] >= 2
    assert books_true(exchange, out, 3) > 20
    assert_trades_once(out)


@pytest.mark.parametrize("exchange", list(EXCHANGES))
def test_bad_input(exchange, tmp_path, env) -> None:
    _, deepest, _ = EXCHANGES[exchange]
    with Simulator(exchange, "--seed", str(SEED), env=env) as sim:
        too_deep = run(
            [*stream(exchange, sim.url, "--pair", "BTC-USDT", "--channel", "book", "--depth", str(deepest + 1))], env
        )
        with_interval = run(
            [*stream(exchange, sim.url, "--pair", "BTC-USDT", "--channel", "book", "--interval", "1m")], env
        )
        unknown = run([*stream(exchange, sim.url, "--pair", "NOPE-USDT", "--channel", "book"), "--limit", "1"], env)
    assert too_deep.returncode == 2 and "allowed depths" in too_deep.stderr, too_deep.stderr
    assert with_interval.returncode == 2 and "--interval is for candles" in with_interval.stderr
    assert unknown.returncode == 4, unknown.stderr


def test_okx_record_writes_candles_from_business_and_books_from_public(tmp_path, env) -> None:
    """OKX's candles and its books live on two WebSocket paths: one run, two connections, one file."""
    out = tmp_path / "okx.ndjson"
    with Simulator("okx", "--rate", "25", "--seed", str(SEED), env=env) as sim:
        args = ["record", "okx", "--url", sim.url, "--pair", "BTC-USDT", "-o", str(out), "--limit", "60"]
        result = run([*args, "--channel", "candles", "--channel", "book", "--channel", "trades", "--depth", "5"], env)
    assert result.returncode == 0, result.stderr
    recorded = lines(out.read_text())
    urls = sorted(o["url"] for o in recorded if o.get("event") == "connected")
    assert [u.rsplit("/", 1)[-1] for u in urls] == ["business", "public"]
    assert {"candles", "book"} <= {o["channel"] for o in recorded if "channel" in o}
    assert books_true("okx", recorded, 5) > 10
