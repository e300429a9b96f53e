"""`feedcli simulate EXCHANGE --channel C`: the crypto simulators serve only the chosen channels
and refuse a subscription to another as each exchange refuses a channel it does not have.

The simulators' answer functions are pure enough to call without a socket: a subscriber's
WebSocket is only used to push, never to answer a subscription.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from feedcli.simulators.binance import BinanceSimulator
from feedcli.simulators.bybit import BybitSimulator
from feedcli.simulators.candles import CandleSimulator, Subscriber
from feedcli.simulators.coinbase import CoinbaseSimulator
from feedcli.simulators.gate import GateSimulator
from feedcli.simulators.kucoin import KucoinSimulator
from feedcli.simulators.okx import OKXSimulator


def subscriber(**extra: Any) -> Subscriber:
    return Subscriber(ws=None, extra=dict(extra))  # type: ignore[arg-type]


def binance(sim: BinanceSimulator, stream: str) -> dict[str, Any]:
    return orjson.loads(sim._answer(subscriber(), orjson.dumps({"method": "SUBSCRIBE", "params": [stream], "id": 7})))


def okx(sim: OKXSimulator, channel: str) -> dict[str, Any]:
    sub = subscriber(conn_id="c1", business=channel.startswith("candle"))
    return sim._answer(sub, orjson.dumps({"op": "subscribe", "args": [{"channel": channel, "instId": "BTC-USDT"}]}))[0]


def coinbase(sim: CoinbaseSimulator, channel: str) -> dict[str, Any]:
    sub = subscriber(heartbeats=False)
    message = {"type": "subscribe", "channel": channel, "product_ids": ["BTC-USDT"]}
    return orjson.loads(sim._on_client(sub, orjson.dumps(message).decode())[0])


def bybit(sim: BybitSimulator, topic: str) -> dict[str, Any]:
    sub = subscriber(conn_id="c1")
    return orjson.loads(sim.on_message(sub, orjson.dumps({"op": "subscribe", "args": [topic], "req_id": "9"}))[0])


def kucoin(sim: KucoinSimulator, topic: str) -> dict[str, Any] | None:
    message = {"id": "5", "type": "subscribe", "topic": topic, "response": True}
    answers = sim._on_client(subscriber(), orjson.dumps(message).decode(), "conn")
    return orjson.loads(answers[0]) if answers else None


def gate(sim: GateSimulator, channel: str) -> dict[str, Any]:
    now = int(time.time())
    payload = {"spot.candlesticks": ["1m", "BTC_USDT"], "spot.order_book_update": ["BTC_USDT", "100ms"]}.get(
        channel, ["BTC_USDT"]
    )
    message = {"time": now, "id": 3, "channel": channel, "event": "subscribe", "payload": payload}
    return orjson.loads(sim.on_message(subscriber(), orjson.dumps(message).decode())[0])


#: per exchange: the simulator, how to subscribe, our channel → the exchange's topic, whether
#: an answer is a refusal (the exchange's own frame), and the refusal's text
CASES = {
    "binance": (
        BinanceSimulator,
        binance,
        {
            "candles": "btcusdt@kline_1m",
            "trades": "btcusdt@trade",
            "book": "btcusdt@depth@100ms",
            "ticker": "btcusdt@bookTicker",
        },
        lambda a: a.get("code") == 2 and "unknown stream" in a["msg"],
    ),
    "okx": (
        OKXSimulator,
        okx,
        {"candles": "candle1m", "trades": "trades", "book": "books", "ticker": "tickers"},
        lambda a: a.get("event") == "error" and a.get("code") == "60018",
    ),
    "coinbase": (
        CoinbaseSimulator,
        coinbase,
        {"candles": "candles", "trades": "market_trades", "book": "level2", "ticker": "ticker"},
        lambda a: a.get("type") == "error" and "unknown channel" in a["message"],
    ),
    "bybit": (
        BybitSimulator,
        bybit,
        {
            "candles": "kline.1.BTCUSDT",
            "trades": "publicTrade.BTCUSDT",
            "book": "orderbook.50.BTCUSDT",
            "ticker": "orderbook.1.BTCUSDT",
        },
        lambda a: a.get("success") is False and "handler not found" in a["ret_msg"],
    ),
    "kucoin": (
        KucoinSimulator,
        kucoin,
        {
            "candles": "/market/candles:BTC-USDT_1min",
            "trades": "/market/match:BTC-USDT",
            "book": "/market/level2:BTC-USDT",
            "ticker": "/market/ticker:BTC-USDT",
        },
        lambda a: a is not None and a.get("type") == "error" and a.get("code") == 404,
    ),
    "gate": (
        GateSimulator,
        gate,
        {
            "candles": "spot.candlesticks",
            "trades": "spot.trades",
            "book": "spot.order_book_update",
            "ticker": "spot.book_ticker",
        },
        lambda a: (a.get("error") or {}).get("code") == 2 and "unknown channel" in a["error"]["message"],
    ),
}


@pytest.mark.parametrize("exchange", list(CASES))
@pytest.mark.parametrize("served", ["candles", "trades", "book", "ticker"])
def test_only_the_chosen_channel_is_served_and_the_others_refused_the_exchanges_way(exchange: str, served: str) -> None:
    make, subscribe, topics, refused = CASES[exchange]
    sim = make(channels=[served])
    assert sim.channels == (served,)
    for channel, topic in topics.items():
        answer = subscribe(sim, topic)
        # Bybit's ticker is its depth-1 book topic, which a book of --depth 1 uses too
        shared = exchange == "bybit" and (served, channel) == ("book", "ticker")
        assert refused(answer) is (channel != served and not shared), (exchange, served, channel, answer)
    everything = make()  # without --channel, all four
    assert not any(refused(subscribe(everything, topic)) for topic in topics.values())


def test_a_bybit_depth_1_book_is_the_ticker_topic_served_for_either() -> None:
    sim = BybitSimulator(channels=["book"])
    assert bybit(sim, "orderbook.1.BTCUSDT")["success"] is True  # a book of --depth 1


@pytest.mark.parametrize("exchange", list(CASES))
def test_an_unknown_channel_is_refused_naming_the_channels(exchange: str) -> None:
    with pytest.raises(ValueError, match=r"no channel 'quotes'; channels: candles, trades, book, ticker"):
        CASES[exchange][0](channels=["book", "quotes"])


def test_the_banner_names_what_is_served_and_what_is_refused() -> None:
    sim: CandleSimulator = OKXSimulator(port=1234, channels=["ticker", "book"])
    sim._url = "http://127.0.0.1:1234"
    assert (
        sim.banner()
        == "feedcli simulate: serving OKX at http://127.0.0.1:1234 (channels book, ticker; candles, trades refused)"
    )
    everything = GateSimulator()
    everything._url = "http://127.0.0.1:1"
    assert everything.banner().endswith("at http://127.0.0.1:1 (channels candles, trades, book, ticker)")
