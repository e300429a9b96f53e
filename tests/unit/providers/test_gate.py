"""Gate.io codec: the documented API v4 messages, parsed the way the client reads them.

Examples quoted from Gate's API v4 documentation:
- https://www.gate.io/docs/developers/apiv4/ws/en/#candlesticks-channel (the update)
- https://www.gate.io/docs/developers/apiv4/ws/en/#server-response (the subscribe reply)
- https://www.gate.io/docs/developers/apiv4/ws/en/#application-ping-pong (spot.pong)
- https://www.gate.io/docs/developers/apiv4/en/#market-k-line-chart (the REST rows)
The refusal is the one barter-data quotes from the API overview ("unknown currency pair").
"""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.providers import gate
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles import Candle, parse_pair

EX = gate.EXCHANGE

UPDATE_DOC = """{
  "time": 1606292600,
  "time_ms": 1606292600376,
  "channel": "spot.candlesticks",
  "event": "update",
  "result": {
    "t": "1606292580",
    "v": "2362.32035",
    "c": "19128.1",
    "h": "19128.1",
    "l": "19128.1",
    "o": "19128.1",
    "n": "1m_BTC_USDT",
    "a": "3.8283",
    "w": true
  }
}"""
SUBSCRIBED_DOC = """{
  "time": 1611541000,
  "time_ms": 1611541000001,
  "channel": "spot.orders",
  "event": "subscribe",
  "error": null,
  "result": {"status": "success"}
}""".replace("spot.orders", "spot.candlesticks")
PONG_DOC = '{"time": 1545404023, "channel": "spot.pong", "event": "", "error": null, "result": null}'
REFUSED = """{"time": 1606292218, "time_ms": 1606292218231, "channel": "spot.candlesticks", "event": "subscribe",
  "error": {"code": 2, "message": "unknown currency pair GIBBERISH_USD"}, "result": null}"""
REST_DOC = b'[["1539852480","971519.677","0.0021724","0.0021922","0.0021724","0.0021737","true"]]'


def test_pair_spelling_and_path() -> None:
    assert EX.symbol(parse_pair("btc-usdt")) == "BTC_USDT"
    assert EX.handshake(EX.ws_base, ["BTC_USDT"], "1m").url == "wss://api.gateio.ws/ws/v4/"
    assert EX.handshake("http://127.0.0.1:9", ["BTC_USDT"], "1m").url == "ws://127.0.0.1:9/ws/v4/"


def test_intervals_ws_vs_rest() -> None:
    assert set(EX.ws_intervals.values()) == {"1m", "5m", "15m", "30m", "1h", "4h", "8h", "1d", "7d"}
    assert EX.ws_intervals["1w"] == "7d"
    assert EX.rest_intervals["1M"] == "30d" and EX.rest_intervals["1s"] == "1s"
    assert "1M" not in EX.ws_intervals and "1s" not in EX.ws_intervals
    assert "3m" not in EX.rest_intervals


def test_one_subscribe_per_pair() -> None:
    frames = [orjson.loads(f) for f in EX.subscribe(["BTC_USDT", "ETH_USDT"], "1m", now=1700000000.7)]
    assert frames == [
        {
            "time": 1700000000,
            "id": 1,
            "channel": "spot.candlesticks",
            "event": "subscribe",
            "payload": ["1m", "BTC_USDT"],
        },
        {
            "time": 1700000000,
            "id": 2,
            "channel": "spot.candlesticks",
            "event": "subscribe",
            "payload": ["1m", "ETH_USDT"],
        },
    ]
    (ping,) = EX.keepalive(1700000005.2)
    assert orjson.loads(ping) == {"time": 1700000005, "channel": "spot.ping"}


def test_update_from_the_docs() -> None:
    ((symbol, candle, ts),) = EX.parse(UPDATE_DOC).candles
    assert symbol == "BTC_USDT" and ts == 1606292600376
    # volume is the base amount `a`, quote_volume Gate's `v`
    assert candle == Candle(1606292580000, 19128.1, 19128.1, 19128.1, 19128.1, 3.8283, 2362.32035, None, True)


def test_update_without_w_is_forming() -> None:
    text = UPDATE_DOC.replace(',\n    "w": true', "")
    assert '"w"' not in text
    ((_, candle, _),) = EX.parse(text).candles
    assert candle.closed is False


def test_ack_pong_refusal() -> None:
    assert EX.parse(SUBSCRIBED_DOC).acks == ["spot.candlesticks #?"]  # the document's ack names no pair
    pong = EX.parse(PONG_DOC)
    assert not pong.acks and not pong.unknown and pong.refusal is None
    assert EX.parse(REFUSED).refusal == "subscription refused: unknown currency pair GIBBERISH_USD (code 2)"
    assert EX.parse('{"channel":"spot.trades","event":"update","result":{}}').unknown


@pytest.mark.parametrize(
    "frame",
    [
        "{",
        '"x"',
        '{"channel":"spot.candlesticks","event":"update","result":[]}',
        '{"channel":"spot.candlesticks","event":"update","result":{"t":"1","v":"1","c":"1","h":"1","l":"1","o":"1","n":"1m","a":"1"}}',
        '{"channel":"spot.candlesticks","event":"update","result":{"t":"x","v":"1","c":"1","h":"1","l":"1","o":"1","n":"1m_A_B","a":"1"}}',
        '{"channel":"spot.candlesticks","event":"update","result":{"t":"1","n":"1m_A_B"}}',
    ],
)
def test_malformed(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_rest_request_limit_or_range() -> None:
    latest = EX.rest_request("https://api.gateio.ws", "BTC_USDT", "1m", limit=5)
    assert latest.url == "https://api.gateio.ws/api/v4/spot/candlesticks"
    assert dict(latest.params) == {"currency_pair": "BTC_USDT", "interval": "1m", "limit": "5"}
    # `limit` conflicts with from/to: an older page is a range of `limit` points
    page = EX.rest_request("https://api.gateio.ws", "BTC_USDT", "1m", limit=1000, end_ms=1_700_000_059_999)
    params = dict(page.params)
    assert "limit" not in params
    assert params["to"] == "1700000059" and int(params["to"]) - int(params["from"]) == 999 * 60


def test_rest_rows_documented_schema() -> None:
    # the schema: [t, quote volume, close, high, low, open, base volume, window closed]
    (candle,) = EX.parse_rest(b'[["60","10","2","3","1","1.5","5","false"]]')
    assert candle == Candle(60000, 1.5, 3.0, 1.0, 2.0, 5.0, 10.0, None, False)
    # rows of seven (before the window flag was added) still read, closedness then unknown
    (older,) = EX.parse_rest(b'[["60","10","2","3","1","1.5","5"]]')
    assert older == Candle(60000, 1.5, 3.0, 1.0, 2.0, 5.0, 10.0, None, None)
    with pytest.raises(MalformedFrame):
        EX.parse_rest(b'{"label":"x"}')


def test_rest_doc_example_lacks_the_base_volume() -> None:
    # The page's own example has seven fields with "true" where the schema puts the base
    # volume: it contradicts the schema, and is refused rather than read as a volume.
    with pytest.raises(MalformedFrame):
        EX.parse_rest(REST_DOC)


def test_rest_refusals() -> None:
    unknown = HttpResponse(400, {}, b'{"label":"INVALID_CURRENCY_PAIR","message":"Invalid currency pair FOO_USDT"}')
    err = EX.rest_refusal(unknown, "FOO-USDT")
    assert isinstance(err, SubscriptionError)
    assert str(err) == "gate: FOO-USDT refused (INVALID_CURRENCY_PAIR: Invalid currency pair FOO_USDT)"
    bad = EX.rest_refusal(HttpResponse(400, {}, b'{"label":"INVALID_PARAM_VALUE","message":"x"}'), "BTC-USDT")
    assert isinstance(bad, FeedError) and not isinstance(bad, SubscriptionError)
    assert str(bad) == "gate: REST call failed (HTTP 400: INVALID_PARAM_VALUE: x)"
    assert EX.rest_refusal(HttpResponse(200, {}, REST_DOC), "BTC-USDT") is None


def test_server_encoders_round_trip() -> None:
    candle = Candle(1_700_000_040_000, 1.5, 2.0, 1.0, 1.75, 3.0, 4.5, None, True)
    ((pair, got, ts),) = EX.parse(gate.encode_update("1m", "ETH_USDT", candle, 1_700_000_100_123)).candles
    assert (pair, got, ts) == ("ETH_USDT", candle, 1_700_000_100_123)
    rows = orjson.dumps(gate.encode_rest_rows([candle]))
    assert EX.parse_rest(rows) == [candle]
    refused = EX.parse(gate.encode_response("spot.candlesticks", "subscribe", 0, error=(2, "no")))
    assert refused.refusal == "subscription refused: no (code 2)"


def test_subscriptions_are_stamped_with_the_engines_clock() -> None:
    (codec,) = gate.prepare({"pair": ["BTC-USDT"]})("http://127.0.0.1:1", None)
    assert codec.pending_requests(1700000000.7) == []  # the engine asks before every connection
    (frame,) = codec.opening_frames()
    assert orjson.loads(frame)["time"] == 1700000000
    codec.on_timer(1700000042.0, 1700000041.0)
    (frame,) = codec.closing_frames()
    assert orjson.loads(frame) == {
        "time": 1700000042,
        "channel": "spot.candlesticks",
        "event": "unsubscribe",
        "payload": ["1m", "BTC_USDT"],
    }
