"""Coinbase Advanced Trade codec, from the documented message examples.

Sources:
- candles: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/candles.md
  and https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels.md
- REST: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/public/get-public-product-candles
"""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import MalformedFrame, SubscriptionError, UsageError
from feedcli.providers import coinbase as cb
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles import CandleCodec, CandleFeed, Request, parse_pair, request_from

EX = cb.EXCHANGE

# https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels.md (candles)
DOC_CANDLES = (
    '{"channel":"candles","client_id":"","timestamp":"2023-06-09T20:19:35.39625135Z","sequence_num":0,'
    '"events":[{"type":"snapshot","candles":[{"start":"1688998200","high":"1867.72","low":"1865.63",'
    '"open":"1867.38","close":"1866.81","volume":"0.20269406","product_id":"ETH-USD"}]}]}'
)
# /work/shared/notes/protocols.md (nautilus-coinbase test data)
DOC_HEARTBEAT = (
    '{"channel":"heartbeats","client_id":"","timestamp":"2026-04-07T14:30:10.000000Z","sequence_num":0,'
    '"events":[{"current_time":"2026-04-07 14:30:10.000000000+00:00","heartbeat_counter":42}]}'
)


def test_documented_candle_message() -> None:
    parsed = EX.parse(DOC_CANDLES)
    assert parsed.refusal is None and not parsed.unknown
    [(symbol, candle, event_ms)] = parsed.candles
    assert symbol == "ETH-USD"
    assert candle.start_ms == 1688998200_000
    assert (candle.open, candle.high, candle.low, candle.close) == (1867.38, 1867.72, 1865.63, 1866.81)
    assert candle.volume == pytest.approx(0.20269406)
    assert candle.closed is None and candle.trades is None and candle.quote_volume is None
    assert event_ms == 1686341975396  # nanosecond ISO time, read to the ms
    record = candle.record()
    assert "closed" not in record and record["timestamp"].startswith("2023-07-10T14:10:00")


def test_heartbeat_is_silent_and_ack_is_named() -> None:
    parsed = EX.parse(DOC_HEARTBEAT)
    assert not parsed.candles and not parsed.acks and not parsed.unknown
    ack = cb.message(
        "subscriptions", 1, [{"subscriptions": {"candles": ["BTC-USD"], "heartbeats": ["heartbeats"]}}], ""
    )
    assert EX.parse(ack).acks == ["candles: BTC-USD", "heartbeats: heartbeats"]


def test_error_is_a_refusal_and_codec_exits_4() -> None:
    parsed = EX.parse('{"type":"error","message":"Failed to subscribe"}')
    assert parsed.refusal == "Failed to subscribe"
    feed = CandleFeed(EX, Request((parse_pair("BTC-USD"),), "5m"), cb.WS_BASE, cb.REST_BASE)
    codec = CandleCodec(feed, ("BTC-USD",))
    with pytest.raises(SubscriptionError):
        codec.parse('{"type":"error","message":"Failed to subscribe"}', "2024-01-01T00:00:00.000000Z")


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1,2]",
        '{"channel":"candles","events":{}}',
        '{"channel":"candles","events":[{"candles":[{"start":"x","open":"1","high":"1","low":"1","close":"1","volume":"1","product_id":"A"}]}]}',
        '{"channel":"candles","events":[{"candles":[{"start":"1","open":"oops","high":"1","low":"1","close":"1","volume":"1","product_id":"A"}]}]}',
        '{"channel":"candles","events":[{"candles":[{"start":"1","high":"1","low":"1","close":"1","volume":"1","product_id":"A"}]}]}',
        '{"channel":"candles","events":[{"candles":[{"start":"1","open":"1","high":"1","low":"1","close":"1","volume":"1"}]}]}',
    ],
)
def test_malformed_frames(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_subscribe_is_one_channel_per_message_without_granularity() -> None:
    frames = [orjson.loads(f) for f in EX.subscribe(["BTC-USD", "ETH-USD"], "FIVE_MINUTE")]
    assert frames == [
        {"type": "subscribe", "product_ids": ["BTC-USD", "ETH-USD"], "channel": "candles"},
        {"type": "subscribe", "channel": "heartbeats"},
    ]
    assert EX.handshake("https://advanced-trade-ws.coinbase.com", ["BTC-USD"], "FIVE_MINUTE").url == (
        "wss://advanced-trade-ws.coinbase.com/"
    )


def test_intervals_ws_only_5m_rest_the_granularities() -> None:
    assert dict(EX.ws_intervals) == {"5m": "FIVE_MINUTE"}
    assert set(EX.rest_intervals) == {"1m", "5m", "15m", "30m", "1h", "2h", "6h", "1d"}
    assert request_from(EX, {"pair": ["btc-usd"], "interval": "1m"}).interval == "1m"
    with pytest.raises(UsageError):
        request_from(EX, {"pair": ["BTC-USD"], "interval": "4h"})
    with pytest.raises(UsageError):
        request_from(EX, {"pair": ["BTCUSD"]})


def test_rest_request_is_a_time_range() -> None:
    req = EX.rest_request("https://api.coinbase.com", "BTC-USD", "ONE_MINUTE", limit=300, end_ms=1_700_000_059_999)
    assert req.method == "GET"
    assert req.url == "https://api.coinbase.com/api/v3/brokerage/market/products/BTC-USD/candles"
    params = dict(req.params)
    assert params == {
        "start": str(1_700_000_059 - 300 * 60 + 1),
        "end": "1700000059",
        "granularity": "ONE_MINUTE",
        "limit": "300",
    }


def test_rest_page_and_refusal() -> None:
    # the REST answer's shape, newest first (get-public-product-candles)
    body = orjson.dumps(
        {
            "candles": [
                {"start": "1639508100", "low": "1", "high": "4", "open": "2", "close": "3", "volume": "5"},
                {"start": "1639508040", "low": "1.5", "high": "2.5", "open": "2", "close": "2", "volume": "0.5"},
            ]
        }
    )
    page = EX.parse_rest(body)
    assert [c.start_ms for c in page] == [1639508100_000, 1639508040_000]
    assert (page[0].open, page[0].high, page[0].low, page[0].close, page[0].volume) == (2, 4, 1, 3, 5)
    with pytest.raises(MalformedFrame):
        EX.parse_rest(b'{"error":"x"}')
    refusal = EX.rest_refusal(HttpResponse(404, {}, b'{"error":"NOT_FOUND"}'), "BTC-XYZ")
    assert isinstance(refusal, SubscriptionError) and "BTC-XYZ" in str(refusal)
    assert EX.rest_refusal(HttpResponse(200, {}, body), "BTC-USD") is None


def test_rest_rows_get_closed_by_time_ws_rows_do_not() -> None:
    feed = CandleFeed(EX, Request((parse_pair("BTC-USD"),), "5m", backfill=2), cb.WS_BASE, cb.REST_BASE)
    codec = CandleCodec(feed, ("BTC-USD",))
    [req] = codec.pending_requests(1639508200.0)
    body = orjson.dumps(
        {
            "candles": [
                {"start": "1639508100", "low": "1", "high": "4", "open": "2", "close": "3", "volume": "5"},
                {"start": "1639507800", "low": "1", "high": "4", "open": "2", "close": "3", "volume": "5"},
            ]
        }
    )
    events = codec.on_http(req, HttpResponse(200, {}, body), "2021-12-14T18:56:40.000000Z")
    assert [e.data["closed"] for e in events] == [True, False]
    live = cb.message("candles", 3, [{"type": "update", "candles": [cb.candle_row("BTC-USD", _bar(1639508100))]}], "")
    [event] = codec.parse(live, "2021-12-14T18:56:41.000000Z")
    assert "closed" not in event.data and event.symbol == "BTC-USD"


def _bar(start: int):
    from feedcli.providers.candles import Candle

    return Candle(start * 1000, 2.0, 4.0, 1.0, 3.5, 6.0)
