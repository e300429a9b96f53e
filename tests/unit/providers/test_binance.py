"""Binance codec from the exchange's documented message examples (no network)."""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.providers import binance
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles import Candle, parse_pair, request_from

EX = binance.EXCHANGE

# https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#klinecandlestick-streams-for-utc
DOC_KLINE = """{
  "e": "kline", "E": 1672515782136, "s": "BNBBTC",
  "k": {
    "t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m", "f": 100, "L": 200,
    "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0015", "v": "1000", "n": 100,
    "x": false, "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"
  }
}"""

# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data
DOC_KLINES = b"""[
  [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815",
   1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]
]"""

# https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#live-subscribingunsubscribing-to-streams
DOC_SUBSCRIBE = {"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade", "btcusdt@depth"], "id": 1}
DOC_ACK = '{"result": null, "id": 1}'
# ... #error-messages
DOC_ERROR = '{"code": 2, "msg": "Invalid request: property name must be a string"}'
# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-api-information#error-codes-and-messages
DOC_INVALID_SYMBOL = b'{"code": -1121, "msg": "Invalid symbol."}'


def test_symbol_and_stream_spelling() -> None:
    assert EX.symbol(parse_pair("btc-usdt")) == "BTCUSDT"
    assert binance.stream_name("BTCUSDT", "1m") == "btcusdt@kline_1m"


def test_subscribe_frame_has_the_documented_shape() -> None:
    [frame] = EX.subscribe(["BTCUSDT", "ETHUSDT"], "1m")
    sent = orjson.loads(frame)
    assert sent.keys() == DOC_SUBSCRIBE.keys()
    assert sent["method"] == "SUBSCRIBE" and isinstance(sent["id"], int)
    assert sent["params"] == ["btcusdt@kline_1m", "ethusdt@kline_1m"]
    [unsub] = EX.unsubscribe(["BTCUSDT"], "1m")
    assert orjson.loads(unsub)["method"] == "UNSUBSCRIBE"


def test_handshake_uses_the_raw_stream_path() -> None:
    assert EX.handshake(binance.WS_BASE, ["BTCUSDT"], "1m").url == "wss://stream.binance.com:9443/ws"
    assert EX.handshake("http://127.0.0.1:9", ["BTCUSDT"], "1m").url == "ws://127.0.0.1:9/ws"


def test_documented_kline_event() -> None:
    parsed = EX.parse(DOC_KLINE)
    [(symbol, candle, event_ms)] = parsed.candles
    assert symbol == "BNBBTC" and event_ms == 1672515782136
    assert candle == Candle(1672515780000, 0.001, 0.0025, 0.0015, 0.002, 1000.0, 1.0, 100, False)


def test_combined_stream_wrapper_is_unwrapped() -> None:
    wrapped = orjson.dumps({"stream": "bnbbtc@kline_1m", "data": orjson.loads(DOC_KLINE)})
    assert EX.parse(wrapped.decode()).candles[0][0] == "BNBBTC"


def test_ack_and_error_frames() -> None:
    assert EX.parse(DOC_ACK).acks == ["request 1"]
    refusal = EX.parse(DOC_ERROR).refusal
    assert refusal is not None and "property name must be a string" in refusal and "code 2" in refusal
    nested = EX.parse('{"error": {"code": 2, "msg": "Invalid request"}, "id": 1}').refusal
    assert nested is not None and "Invalid request" in nested
    assert EX.parse('{"result": ["btcusdt@kline_1m"], "id": 3}').acks == []
    assert EX.parse('{"e": "trade"}').unknown


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"e": "kline", "E": 1}',
        '{"e": "kline", "k": {"t": "x", "s": "BTCUSDT"}}',
        '{"e": "kline", "k": {"t": 1, "s": "BTCUSDT", "o": "abc", "h": 1, "l": 1, "c": 1, "v": 1}}',
        '{"stream": "x", "data": 5}',
    ],
)
def test_malformed_frames(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_documented_rest_page() -> None:
    [candle] = EX.parse_rest(DOC_KLINES)
    assert candle == Candle(
        1499040000000, 0.0163479, 0.8, 0.015758, 0.015771, 148976.11427815, 2434.19055334, 308, None
    )


@pytest.mark.parametrize("body", [b"{}", b"[[1, 2]]", b'[["t", "1", "1", "1", "1", "1", 0, "1", 1]]', b"nope"])
def test_malformed_rest_pages(body: bytes) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse_rest(body)


def test_rest_request_has_the_documented_params() -> None:
    request = EX.rest_request(binance.REST_BASE, "BTCUSDT", "1h", limit=5000, end_ms=123)
    assert request.url == "https://api.binance.com/api/v3/klines"
    assert dict(request.params) == {"symbol": "BTCUSDT", "interval": "1h", "limit": "1000", "endTime": "123"}


def test_invalid_symbol_is_a_subscription_refusal() -> None:
    refusal = EX.rest_refusal(HttpResponse(400, {}, DOC_INVALID_SYMBOL), "BTC-XYZ")
    assert isinstance(refusal, SubscriptionError) and "Invalid symbol." in str(refusal)
    assert EX.rest_refusal(HttpResponse(200, {}, DOC_KLINES), "BTC-USDT") is None
    other = EX.rest_refusal(HttpResponse(403, {}, b"WAF"), "BTC-USDT")
    assert isinstance(other, FeedError) and not isinstance(other, SubscriptionError)


def test_preflight_asks_exchange_info_for_every_symbol() -> None:
    request = EX.preflight("http://127.0.0.1:9", ["BTCUSDT", "ETHUSDT"])
    assert request.url == "http://127.0.0.1:9/api/v3/exchangeInfo"
    assert dict(request.params) == {"symbols": '["BTCUSDT","ETHUSDT"]'}


def test_preflight_answers() -> None:
    ok = orjson.dumps({"symbols": [{"symbol": "BTCUSDT", "status": "TRADING"}]})
    EX.check_preflight(HttpResponse(200, {}, ok), ["BTCUSDT"])
    with pytest.raises(SubscriptionError, match="BTCXYZ"):
        EX.check_preflight(HttpResponse(400, {}, DOC_INVALID_SYMBOL), ["BTCXYZ"])
    with pytest.raises(SubscriptionError, match="ETHUSDT"):
        EX.check_preflight(HttpResponse(200, {}, ok), ["BTCUSDT", "ETHUSDT"])
    halted = orjson.dumps({"symbols": [{"symbol": "BTCUSDT", "status": "BREAK"}]})
    with pytest.raises(SubscriptionError, match="BREAK"):
        EX.check_preflight(HttpResponse(200, {}, halted), ["BTCUSDT"])
    with pytest.raises(MalformedFrame):
        EX.check_preflight(HttpResponse(200, {}, b"{}"), ["BTCUSDT"])


def test_every_documented_interval_is_served_by_the_websocket() -> None:
    documented = ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"]
    assert list(EX.ws_intervals) == documented == list(EX.rest_intervals)
    assert request_from(EX, {"pair": ["BTC-USDT"], "interval": "1M"}).interval == "1M"
    with pytest.raises(UsageError):
        request_from(EX, {"pair": ["BTC-USDT"], "interval": "2d"})


def test_encoders_round_trip() -> None:
    candle = Candle(60_000, 1.5, 2.0, 1.0, 1.75, 10.0, 15.0, 7, True)
    event = binance.encode_kline_event("BTCUSDT", "1m", candle, 61_000)
    assert event["k"]["T"] == 119_999
    assert EX.parse(orjson.dumps(event).decode()).candles == [("BTCUSDT", candle, 61_000)]
    row = binance.encode_kline_row("1m", candle)
    [back] = EX.parse_rest(orjson.dumps([row]))
    assert (back.start_ms, back.close, back.trades) == (60_000, 1.75, 7)
