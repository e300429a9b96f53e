"""End to end: `feedcli simulate EXCHANGE --channel C` serves only those channels, and
`feedcli stream` against it gets them, or the exchange's own refusal (exit 4) for another."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.cli import FEEDCLI, Simulator, lines, run, wait_for

pytestmark = pytest.mark.e2e


def stream(exchange: str, url: str, *args: str) -> list[str]:
    return ["stream", exchange, "--url", url, "--pair", "BTC-USDT", "--max-retries", "0", *args]


@pytest.mark.parametrize(
    ("exchange", "refusal", "listed", "unlisted"),
    [
        (
            "binance",
            "Invalid request: unknown stream 'btcusdt@trade' (code 2)",
            "(SUBSCRIBE btcusdt@depth@100ms, btcusdt@bookTicker, ...)",
            ("@trade", "@kline"),
        ),
        (
            "okx",
            "Wrong URL or channel:trades,instId:BTC-USDT doesn't exist",
            "/ws/v5/public (books, books5, tickers)",
            ("trades", "/ws/v5/business"),
        ),
        ("coinbase", "unknown channel 'market_trades'", "(level2, ticker, heartbeats;", ("market_trades", "candles")),
        (
            "bybit",
            "error:handler not found,topic:publicTrade.BTCUSDT",
            "Topics: orderbook.{1,50,200,1000}.* on",
            ("publicTrade", "kline"),
        ),
        (
            "kucoin",
            "topic /market/match:BTC-USDT is not found (code 404)",
            "Topics: /market/level2, /market/ticker;",
            ("/market/match", "candles"),
        ),
        (
            "gate",
            "Invalid argument provided: unknown channel spot.trades (code 2)",
            "Channels: spot.order_book_update, spot.book_ticker on",
            ("spot.trades", "spot.candlesticks"),
        ),
    ],
)
def test_only_the_chosen_channels_are_served(
    exchange: str, refusal: str, listed: str, unlisted: tuple[str, ...], env
) -> None:
    with Simulator(exchange, "--rate", "20", "--channel", "book", "--channel", "ticker") as sim:
        assert sim.first_line.rstrip().endswith(f"at {sim.url} (channels book, ticker; candles, trades refused)")
        # the listing under the banner names only what is served
        assert wait_for(lambda: any(listed in line for line in sim.rest), timeout=30), sim.rest
        [line] = [line for line in sim.rest if listed in line]
        assert not any(name in line for name in unlisted), line
        served = run([*stream(exchange, sim.url, "--channel", "book", "--channel", "ticker", "--limit", "6")], env)
        trades = run([*stream(exchange, sim.url, "--channel", "book", "--channel", "trades", "--limit", "6")], env)
        candles = run([*stream(exchange, sim.url, "--limit", "2")], env)  # candles, the default
    assert served.returncode == 0, served.stderr
    assert {line["channel"] for line in lines(served.stdout)} <= {"book", "ticker"}
    assert len(lines(served.stdout)) == 6
    assert trades.returncode == 4, trades.stderr  # a refused subscription, as the exchange refuses it
    assert refusal in trades.stderr and len(trades.stderr.splitlines()) == 1
    assert not any(line.get("channel") == "trades" for line in lines(trades.stdout))
    assert candles.returncode == 4 and len(candles.stderr.splitlines()) == 1, candles.stderr
    assert not any(line.get("channel") == "candles" for line in lines(candles.stdout))


def test_without_channel_every_channel_is_served(env) -> None:
    with Simulator("gate", "--rate", "20") as sim:
        assert sim.first_line.rstrip().endswith("(channels candles, trades, book, ticker)")
        args = ("--channel", "trades", "--channel", "book", "--channel", "ticker", "--channel", "candles")
        result = run([*stream("gate", sim.url, *args, "--limit", "30")], env)
    assert result.returncode == 0, result.stderr
    assert {"book", "ticker"} <= {line["channel"] for line in lines(result.stdout)}


def test_an_unknown_channel_is_exit_2_naming_the_channels(env) -> None:
    result = subprocess.run(
        [*FEEDCLI, "simulate", "okx", "--port", "0", "--channel", "book", "--channel", "quotes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "'quotes' is not one of 'candles', 'trades', 'book', 'ticker'" in result.stderr
