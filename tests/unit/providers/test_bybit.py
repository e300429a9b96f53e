"""Bybit codec: the documented v5 messages, parsed the way the client reads them.

The kline push is quoted from Bybit's v5 documentation; the subscribe/pong replies and the REST
page follow the examples on the pages named (ids and numbers as there, as far as the stored copy
shows them):
- https://bybit-exchange.github.io/docs/v5/websocket/public/kline (the kline push)
- https://bybit-exchange.github.io/docs/v5/ws/connect (subscribe and ping replies)
- https://bybit-exchange.github.io/docs/v5/market/kline (the REST page)
"""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.providers import bybit
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles import Candle, parse_pair

EX = bybit.EXCHANGE

# https://bybit-exchange.github.io/docs/v5/websocket/public/kline, "Response Example"
KLINE_DOC = """{
    "topic": "kline.5.BTCUSDT",
    "data": [
        {
            "start": 1672324800000,
            "end": 1672325099999,
            "interval": "5",
            "open": "16649.5",
            "close": "16677",
            "high": "16677",
            "low": "16608",
            "volume": "2.081",
            "turnover": "34666.4005",
            "confirm": false,
            "timestamp": 1672324988882
        }
    ],
    "ts": 1672324988882,
    "type": "snapshot"
}"""

# after https://bybit-exchange.github.io/docs/v5/ws/connect, subscribe reply and spot pong
SUBSCRIBED_DOC = (
    '{"success":true,"ret_msg":"subscribe","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b",'
    '"req_id":"10001","op":"subscribe"}'
)
PONG_DOC = '{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}'
REFUSED = (
    '{"success":false,"ret_msg":"Invalid symbol :[kline.1.FOOUSDT]","conn_id":"c1",'
    '"req_id":"kline.1.FOOUSDT","op":"subscribe"}'
)

# after https://bybit-exchange.github.io/docs/v5/market/kline, "Response Example"
REST_DOC = b"""{
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "symbol": "BTCUSD",
        "category": "inverse",
        "list": [
            ["1670608800000", "17071", "17073", "17027", "17055.5", "268611", "15.74462667"],
            ["1670605200000", "17071.5", "17071.5", "17061", "17071", "4177", "0.24469757"],
            ["1670601600000", "17086.5", "17088", "16978", "17071.5", "6356", "0.37288112"]
        ]
    },
    "retExtInfo": {},
    "time": 1672025956592
}"""


def test_pair_spelling_and_path() -> None:
    assert EX.symbol(parse_pair("btc-usdt")) == "BTCUSDT"
    hs = EX.handshake("http://127.0.0.1:9000", ["BTCUSDT"], "1")
    assert hs.url == "ws://127.0.0.1:9000/v5/public/spot"
    assert EX.handshake(EX.ws_base, ["BTCUSDT"], "1").url == "wss://stream.bybit.com/v5/public/spot"


def test_intervals_documented_set() -> None:
    assert set(EX.ws_intervals.values()) == {"1", "3", "5", "15", "30", "60", "120", "240", "360", "720", "D", "W", "M"}
    assert EX.ws_intervals["1h"] == "60" and EX.ws_intervals["1d"] == "D"
    assert "1s" not in EX.ws_intervals and "8h" not in EX.rest_intervals


def test_subscribe_splits_at_ten_args() -> None:
    symbols = [f"C{i}USDT" for i in range(23)]
    frames = [orjson.loads(f) for f in EX.subscribe(symbols, "1")]
    assert [len(f["args"]) for f in frames] == [10, 10, 3]
    assert all(f["op"] == "subscribe" for f in frames)
    assert frames[0]["args"][0] == "kline.1.C0USDT"
    assert [a for f in frames for a in f["args"]] == [f"kline.1.{s}" for s in symbols]


def test_kline_push_from_the_docs() -> None:
    parsed = EX.parse(KLINE_DOC)
    ((symbol, candle, ts),) = parsed.candles
    assert symbol == "BTCUSDT" and ts == 1672324988882
    assert candle == Candle(1672324800000, 16649.5, 16677.0, 16608.0, 16677.0, 2.081, 34666.4005, None, False)
    assert candle.record()["timestamp"] == "2022-12-29T14:40:00.000000Z"


def test_acks_pong_and_refusal() -> None:
    assert EX.parse(SUBSCRIBED_DOC).acks == ["10001"]
    pong = EX.parse(PONG_DOC)
    assert not pong.acks and not pong.candles and not pong.unknown and pong.refusal is None
    assert EX.parse(REFUSED).refusal == "subscription refused: Invalid symbol :[kline.1.FOOUSDT]"
    assert EX.parse('{"topic":"tickers.BTCUSDT","data":{}}').unknown


def test_keepalive_is_a_json_ping() -> None:
    (frame,) = EX.keepalive(0.0)
    assert orjson.loads(frame)["op"] == "ping"
    assert EX.keepalive_interval == 20.0


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1,2]",
        '{"topic":"kline.1.BTCUSDT","data":{"start":1}}',
        '{"topic":"kline.1.BTCUSDT","data":[{"start":1,"open":"x","close":"1","high":"1","low":"1","volume":"1","turnover":"1","confirm":true}]}',
        '{"topic":"kline.1.BTCUSDT","data":[{"open":"1"}]}',
        '{"topic":"kline.BTCUSDT","data":[]}',
    ],
)
def test_malformed(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_rest_request_and_page() -> None:
    req = EX.rest_request("https://api.bybit.com", "BTCUSDT", "1", limit=1000, end_ms=1670608799999)
    assert req.url == "https://api.bybit.com/v5/market/kline"
    assert dict(req.params) == {
        "category": "spot",
        "symbol": "BTCUSDT",
        "interval": "1",
        "limit": "1000",
        "end": "1670608799999",
    }
    candles = EX.parse_rest(REST_DOC)
    assert [c.start_ms for c in candles] == [1670608800000, 1670605200000, 1670601600000]  # newest first
    assert candles[0] == Candle(1670608800000, 17071.0, 17073.0, 17027.0, 17055.5, 268611.0, 15.74462667)
    with pytest.raises(MalformedFrame):
        EX.parse_rest(b'{"retCode":0,"result":{"list":[["1","2"]]}}')


def test_rest_refusals() -> None:
    unknown = HttpResponse(200, {}, b'{"retCode":10001,"retMsg":"params error: symbol invalid","result":{}}')
    err = EX.rest_refusal(unknown, "FOO-USDT")
    assert isinstance(err, SubscriptionError) and "FOO-USDT" in str(err)
    other = EX.rest_refusal(HttpResponse(200, {}, b'{"retCode":10016,"retMsg":"server error"}'), "BTC-USDT")
    assert isinstance(other, FeedError) and not isinstance(other, SubscriptionError)
    assert EX.rest_refusal(HttpResponse(200, {}, REST_DOC), "BTC-USDT") is None


def test_server_encoders_round_trip() -> None:
    candle = Candle(1_700_000_040_000, 1.5, 2.0, 1.0, 1.75, 3.0, 4.5, None, True)
    parsed = EX.parse(bybit.encode_kline_message("ETHUSDT", "1", candle, 60_000, 1_700_000_100_000))
    assert parsed.candles == [("ETHUSDT", candle, 1_700_000_100_000)]
    page = orjson.dumps(bybit.encode_rest_page("ETHUSDT", [candle]))
    assert EX.parse_rest(page) == [Candle(1_700_000_040_000, 1.5, 2.0, 1.0, 1.75, 3.0, 4.5)]
