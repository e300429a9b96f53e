"""Recorded trade and ticker lines as each exchange's frames (feedcli/simulators/crypto_replay_frames.py),
read back by the exchange's own codec: no socket needed for what a frame holds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from feedcli.events import DataEvent
from feedcli.providers.crypto import binance, bybit, coinbase, gate, kucoin, okx
from feedcli.simulators.candles import Subscriber
from feedcli.simulators.crypto_replay_frames import recorded_ticker, recorded_trade, ticker_frames, trade_frames

TS = "2026-11-21T08:30:00.123000Z"
TS_MS = 1_795_249_800_123
TRADE = {"price": 67000.5, "size": 0.25, "side": "sell", "id": "50001"}
TICKER = {"bid": 66999.9, "bid_size": 1.5, "ask": 67000.1, "ask_size": 2.0, "last": 67000.0}


def line(channel: str, data: Any, seq: int | None = None, ts: str | None = TS) -> DataEvent:
    return DataEvent("x", channel, "BTC-USDT", ts, "2026-11-21T08:30:01.000000Z", data, None, seq)


def server(name: str) -> Any:
    return SimpleNamespace(
        name=name, now_ms=lambda: 1, pair_of={"BTC_USDT": "BTC-USDT"}, symbol_of=lambda p: p.replace("-", "")
    )


def subscriber(feeds: Any) -> Subscriber:
    return Subscriber(ws=None, extra={"feeds": feeds})  # type: ignore[arg-type]


#: exchange → (its codec's parse, a subscriber to BTC-USDT's trades and ticker in its own terms)
EXCHANGES = {
    "binance": (
        binance.parse,
        lambda: subscriber({"btcusdt@trade": ("BTC-USDT", "trade"), "btcusdt@bookTicker": ("BTC-USDT", "bookTicker")}),
    ),
    "okx": (okx.parse, lambda: subscriber({(okx.TRADES, "BTC-USDT"), (okx.TICKERS, "BTC-USDT")})),
    "bybit": (
        bybit.parse,
        lambda: subscriber(
            {"publicTrade.BTCUSDT": ("BTC-USDT", "BTCUSDT", 0), "orderbook.1.BTCUSDT": ("BTC-USDT", "BTCUSDT", 1)}
        ),
    ),
    "coinbase": (
        coinbase.parse,
        lambda: subscriber({(coinbase.MARKET_TRADES, "BTC-USDT"), (coinbase.TICKER, "BTC-USDT")}),
    ),
    "kucoin": (kucoin.parse, lambda: subscriber({(kucoin.MATCH, "BTC-USDT"), (kucoin.TICKER, "BTC-USDT")})),
    "gate": (gate.parse, lambda: subscriber({(gate.TRADES, "BTC_USDT"), (gate.BOOK_TICKER, "BTC_USDT")})),
}


@pytest.mark.parametrize("name", EXCHANGES)
def test_the_codec_reads_back_the_recorded_trade_and_ticker(name: str) -> None:
    parse, make = EXCHANGES[name]
    sub = make()
    [trade_frame] = trade_frames(server(name), sub, line("trades", TRADE, seq=50001))
    [trade] = parse(trade_frame).trades
    numeric = name in ("binance", "gate")  # their trade ids are JSON numbers
    assert trade.record() == {**TRADE, "id": 50001 if numeric else "50001"}
    if numeric:  # sent as a number, as the exchange does, not as a digit string the codec also reads
        sent = orjson.loads(trade_frame)
        assert (sent["t"] if name == "binance" else sent["result"]["id"]) == 50001
    assert (trade.seq, trade.ts_ms) == (50001, TS_MS)
    [ticker_frame] = ticker_frames(server(name), sub, line("ticker", TICKER, seq=777))
    [ticker] = parse(ticker_frame).tickers
    want = dict(TICKER)
    if name in ("binance", "bybit", "gate"):  # their best bid/ask messages carry no last price
        del want["last"]
    assert ticker.record() == want
    assert ticker.ts_ms == (None if name == "binance" else TS_MS)  # Binance's bookTicker has no time
    # the exchanges that number their quotes give the recorded number back
    assert ticker.seq == (777 if name in ("binance", "bybit", "kucoin", "gate") else None)


@pytest.mark.parametrize("name", EXCHANGES)
def test_a_subscriber_of_another_pair_or_channel_gets_nothing(name: str) -> None:
    sub = subscriber(set() if name not in ("binance", "bybit") else {})
    assert trade_frames(server(name), sub, line("trades", TRADE)) == []
    assert ticker_frames(server(name), sub, line("ticker", TICKER)) == []


def test_coinbase_numbers_every_message_of_a_connection_and_starts_each_ticker_with_a_snapshot() -> None:
    parse, make = EXCHANGES["coinbase"]
    sub = make()
    sub.extra["seq"] = 3  # the subscriptions messages took 0..2
    frames = [
        *ticker_frames(server("coinbase"), sub, line("ticker", TICKER)),
        *trade_frames(server("coinbase"), sub, line("trades", TRADE)),
        *ticker_frames(server("coinbase"), sub, line("ticker", TICKER)),
    ]
    messages = [orjson.loads(frame) for frame in frames]
    assert [m["sequence_num"] for m in messages] == [3, 4, 5]
    assert [m["events"][0]["type"] for m in messages] == ["snapshot", "update", "update"]
    assert all(m["timestamp"] == "2026-11-21T08:30:00.123000000Z" for m in messages)
    assert [len(parse(frame).tickers) + len(parse(frame).trades) for frame in frames] == [1, 1, 1]


def test_what_a_line_lacks_is_derived_and_what_is_not_a_trade_or_ticker_is_none() -> None:
    trade = recorded_trade("BTCUSDT", line("trades", {**TRADE, "side": None, "id": 12}))
    assert trade is not None and (trade.side, trade.id) == ("buy", "12")  # no side: a buy; ids as text
    assert recorded_trade("BTC_USDT", line("trades", TRADE), numeric_id=True).id == 50001  # type: ignore[union-attr]
    assert recorded_trade("X", line("trades", {**TRADE, "id": "a1"}), numeric_id=True) is None
    assert recorded_trade("X", line("trades", {"price": 1.0})) is None
    assert recorded_trade("X", line("trades", [1, 2])) is None
    ticker = recorded_ticker("X", line("ticker", {k: v for k, v in TICKER.items() if k != "last"}, ts=None))
    assert ticker is not None and (ticker.last, ticker.ts_ms, ticker.seq) == (None, None, None)
    assert recorded_ticker("X", line("ticker", {**TICKER, "bid": "x"})) is None
    assert ticker_frames(server("nowhere"), subscriber(set()), line("ticker", TICKER)) == []
