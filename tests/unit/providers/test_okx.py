"""OKX codec from the exchange's documented message examples (no network)."""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.providers import okx
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles import Candle, parse_pair, request_from

EX = okx.EXCHANGE

# https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-candlesticks-channel
DOC_SUBSCRIBE = {"op": "subscribe", "args": [{"channel": "candle1D", "instId": "BTC-USDT"}]}
DOC_ACK = '{"event": "subscribe", "arg": {"channel": "candle1D", "instId": "BTC-USDT"}, "connId": "a4d3ae55"}'
DOC_FAILURE = (
    '{"event": "error", "code": "60012", "msg": "Invalid request: {\\"op\\": \\"subscribe\\", '
    '\\"argss\\":[{ \\"channel\\" : \\"candle1D\\", \\"instId\\" : \\"BTC-USD-191227\\"}]}", "connId": "a4d3ae55"}'
)
DOC_PUSH = """{
  "arg": {"channel": "candle1D", "instId": "BTC-USDT"},
  "data": [["1597026383085", "8533.02", "8553.74", "8527.17", "8548.26", "45247", "529.5858061", "5.11", "0"]]
}"""
# https://www.okx.com/docs-v5/en/#overview-websocket-connect (error 60018, wrong URL or channel)
DOC_60018 = (
    '{"event": "error", "code": "60018", "msg": "Wrong URL or channel:candle1m,instId:BTC-XYZ doesn\'t exist. '
    'Please use the correct URL, channel and parameters referring to API document.", "connId": "a4d3ae55"}'
)
# https://www.okx.com/docs-v5/en/#overview-websocket-notice
DOC_NOTICE = (
    '{"event": "notice", "code": "64008", "msg": "The connection will soon be closed for a service upgrade. '
    'Please reconnect.", "connId": "a4d3ae55"}'
)
# https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks
DOC_REST = b"""{"code": "0", "msg": "", "data": [
  ["1597026383085", "3.721", "3.743", "3.677", "3.708", "8422410", "22698348.04828491", "12698348.04828491", "0"],
  ["1597026383085", "3.731", "3.799", "3.494", "3.72", "24912403", "67632347.24399722", "37632347.24399722", "1"]
]}"""


def test_spelling_and_business_path() -> None:
    assert EX.symbol(parse_pair("btc-usdt")) == "BTC-USDT"
    assert EX.handshake(okx.WS_BASE, ["BTC-USDT"], "1m").url == "wss://ws.okx.com:8443/ws/v5/business"
    assert EX.handshake("http://127.0.0.1:9", ["BTC-USDT"], "1m").url == "ws://127.0.0.1:9/ws/v5/business"


def test_subscribe_frame_has_the_documented_shape() -> None:
    [frame] = EX.subscribe(["BTC-USDT"], "1Dutc")
    sent = orjson.loads(frame)
    assert sent.keys() == DOC_SUBSCRIBE.keys() and sent["op"] == "subscribe"
    assert sent["args"] == [{"channel": "candle1Dutc", "instId": "BTC-USDT"}]
    [frame] = EX.subscribe(["BTC-USDT", "ETH-USDT"], "1m")
    assert [a["instId"] for a in orjson.loads(frame)["args"]] == ["BTC-USDT", "ETH-USDT"]
    assert orjson.loads(EX.unsubscribe(["BTC-USDT"], "1m")[0])["op"] == "unsubscribe"


def test_intervals_map_to_documented_channels_and_bars() -> None:
    assert EX.ws_intervals["1h"] == "1H" and EX.ws_intervals["1d"] == "1Dutc" and EX.ws_intervals["1M"] == "1Mutc"
    assert "8h" not in EX.ws_intervals and "8h" not in EX.rest_intervals
    request = request_from(EX, {"pair": ["BTC-USDT"], "interval": "4h"})
    assert request.interval == "4h"


def test_documented_ack_error_and_notice() -> None:
    assert EX.parse(DOC_ACK).acks == ["candle1D BTC-USDT"]
    assert EX.parse(DOC_60018).refusal == (
        "Wrong URL or channel:candle1m,instId:BTC-XYZ doesn't exist. Please use the correct URL, channel and "
        "parameters referring to API document. (code 60018)"
    )
    assert EX.parse(DOC_FAILURE).refusal == (
        'Invalid request: {"op": "subscribe", "argss":[{ "channel" : "candle1D", "instId" : "BTC-USD-191227"}]} '
        "(code 60012)"
    )
    notice = EX.parse(DOC_NOTICE)
    assert notice.reconnect == "The connection will soon be closed for a service upgrade. Please reconnect."
    assert notice.refusal is None
    assert EX.parse('{"event": "unsubscribe", "arg": {}, "connId": "1"}') == okx.Parsed()


def test_documented_push() -> None:
    [(symbol, candle, event_ms)] = EX.parse(DOC_PUSH).candles
    assert symbol == "BTC-USDT" and event_ms is None
    assert candle == Candle(1597026383085, 8533.02, 8553.74, 8527.17, 8548.26, 45247.0, 5.11, None, False)


def test_ping_pong_keepalive() -> None:
    assert EX.keepalive(0.0) == ["ping"]
    assert EX.parse("pong") == okx.Parsed()
    interval, limit = EX.keepalive_for(None)
    assert interval is not None and interval < 30 and limit is not None and limit > interval


def test_keepalive_interval_can_be_shortened(monkeypatch) -> None:
    from feedcli.cli.provider_commands import tuning

    monkeypatch.setenv("FEEDCLI_OKX_PING_INTERVAL", "0.5")
    knobs = tuning(okx.PROVIDER)  # the CLI reads the environment, the codec never does
    assert knobs == {"ping_interval": 0.5}
    assert EX.tuned(knobs).keepalive_for(None) == (0.5, 2.0)
    (codec,) = okx.prepare({"pair": ["BTC-USDT"]}, knobs)("http://127.0.0.1:1", None)
    assert (codec.timer_interval, codec.silence_limit) == (0.5, 2.0)
    assert EX.keepalive_for(None) == (okx.PING_INTERVAL, 2 * okx.PING_INTERVAL + 1)  # untouched


@pytest.mark.parametrize(
    "frame",
    [
        "pon",
        "[]",
        '{"arg": {"channel": "candle1m"}, "data": [["1", "2", "3", "4", "5", "6"]]}',
        '{"arg": {"channel": "candle1m", "instId": "BTC-USDT"}, "data": [["x", "2", "3", "4", "5", "6"]]}',
        '{"arg": {"channel": "candle1m", "instId": "BTC-USDT"}, "data": [["1", "2"]]}',
        '{"arg": {"channel": "candle1m", "instId": "BTC-USDT"}, "data": [["1", "a", "3", "4", "5", "6"]]}',
    ],
)
def test_malformed_frames(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_documented_rest_page() -> None:
    first, second = EX.parse_rest(DOC_REST)
    assert first.closed is False and second.closed is True
    assert second == Candle(1597026383085, 3.731, 3.799, 3.494, 3.72, 24912403.0, 37632347.24399722, None, True)


@pytest.mark.parametrize("body", [b"[]", b'{"code": "0"}', b'{"data": [["1"]]}', b"<html>"])
def test_malformed_rest_pages(body: bytes) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse_rest(body)


def test_rest_request_params() -> None:
    request = EX.rest_request(okx.REST_BASE, "BTC-USDT", "1H", limit=1000, end_ms=1000)
    assert request.url == "https://www.okx.com/api/v5/market/candles"
    assert dict(request.params) == {"instId": "BTC-USDT", "bar": "1H", "limit": "300", "after": "1001"}
    seconds = EX.rest_request(okx.REST_BASE, "BTC-USDT", "1s", limit=300)
    assert seconds.url.endswith("/api/v5/market/history-candles") and dict(seconds.params)["limit"] == "100"


def test_rest_refusals() -> None:
    unknown = b'{"code": "51001", "msg": "Instrument ID doesn\'t exist.", "data": []}'
    for status in (200, 400):
        refusal = EX.rest_refusal(HttpResponse(status, {}, unknown), "BTC-XYZ")
        assert isinstance(refusal, SubscriptionError)
        assert str(refusal) == "okx: no such instrument BTC-XYZ (Instrument ID doesn't exist.)"
    bad_bar = b'{"code": "51000", "msg": "Parameter bar error", "data": []}'
    refusal = EX.rest_refusal(HttpResponse(200, {}, bad_bar), "BTC-USDT")
    assert isinstance(refusal, FeedError) and not isinstance(refusal, SubscriptionError)
    assert str(refusal) == "okx: REST call refused: Parameter bar error (code 51000, HTTP 200)"
    assert EX.rest_refusal(HttpResponse(200, {}, DOC_REST), "BTC-USDT") is None


def test_encoders_round_trip() -> None:
    candle = Candle(60_000, 1.5, 2.0, 1.0, 1.75, 10.0, 15.0, None, True)
    push = okx.encode_push("BTC-USDT", "1m", candle)
    assert push["arg"] == {"channel": "candle1m", "instId": "BTC-USDT"}
    assert EX.parse(orjson.dumps(push).decode()).candles == [("BTC-USDT", candle, None)]


def test_a_rate_or_internal_error_reconnects_instead_of_refusing() -> None:
    for code in ("60014", "63999"):
        parsed = EX.parse(f'{{"event":"error","code":"{code}","msg":"Requests too frequent.","connId":"a"}}')
        assert parsed.refusal is None and parsed.reconnect == f"Requests too frequent. (code {code})"
    refused = EX.parse('{"event":"error","code":"60018","msg":"doesn\'t exist","connId":"a"}')
    assert refused.refusal == "doesn't exist (code 60018)" and refused.reconnect is None
