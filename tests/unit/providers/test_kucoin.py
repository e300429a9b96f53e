"""KuCoin spot codec, from the documented message examples.

Sources:
- token, welcome, ping/pong, subscribe/ack: https://www.kucoin.com/docs-new/websocket-api/base-info/introduction.md
  and https://kucoin.btc-store.de/docs/websocket/basic-info/apply-connect-token/public-token-no-authentication-required-
- klines topic and message: https://www.kucoin.com/docs-new/3470071w0
- REST klines: https://kucoin.btc-store.de/docs/rest/spot-trading/market-data/get-klines
"""

from __future__ import annotations

import orjson
import pytest

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.providers import kucoin as kc
from feedcli.providers.base import ConnectionDead, HttpResponse
from feedcli.providers.candles import CandleCodec, CandleFeed, Request, parse_pair, request_from

EX = kc.EXCHANGE
RECV = "2024-10-25T07:43:12.000000Z"

# docs-new Klines page (spot)
DOC_CANDLE = (
    '{"topic":"/market/candles:BTC-USDT_1hour","type":"message","subject":"trade.candles.update",'
    '"data":{"symbol":"BTC-USDT","candles":["1729839600","67644.9","67437.6","67724.8","67243.8",'
    '"44.88321441","3027558.991928447"],"time":1729842192785164840}}'
)
# public token example (bullet-public)
DOC_TOKEN = (
    b'{"code":"200000","data":{"token":"2neAiuYvAU61ZDXANAGAsiL4-iAExhsBXZxftpOeh_55i3Ysy2q2LEsEWU64mdzUOPusi34M'
    b"_wGoSf7iNyEWJ4aBZXpWhrmY9jKtqkdWoFa75w3istPvPtiYB9J6i9GjsxUuhPw3BlrzazF6ghq4L_u0MhKxG3x8TeN4aVbNiYo=.mvn"
    b'ekBb8DJegZIgYLs2FBQ==","instanceServers":[{"endpoint":"wss://ws-api-spot.kucoin.com/","encrypt":true,'
    b'"protocol":"websocket","pingInterval":18000,"pingTimeout":10000}]}}'
)


def _codec(*pairs: str, interval: str = "1min", backfill: int = 0) -> CandleCodec:
    canonical = {v: k for k, v in kc.REST_INTERVALS.items()}[interval]
    feed = CandleFeed(EX, Request(tuple(parse_pair(p) for p in pairs), canonical, backfill), kc.REST_BASE, kc.REST_BASE)
    return CandleCodec(feed, tuple(pairs))


def test_documented_candle_message_column_order() -> None:
    [(symbol, candle, event_ms)] = EX.parse(DOC_CANDLE).candles
    assert symbol == "BTC-USDT"
    assert candle.start_ms == 1729839600_000
    assert candle.open == 67644.9 and candle.close == 67437.6  # [start, open, CLOSE, HIGH, LOW, ...]
    assert candle.high == 67724.8 and candle.low == 67243.8
    assert candle.volume == pytest.approx(44.88321441) and candle.quote_volume == pytest.approx(3027558.991928447)
    assert candle.closed is None and candle.trades is None
    assert event_ms == 1729842192785  # the example's `time` is nanoseconds


def test_token_flow_gives_the_socket_and_its_ping_rates() -> None:
    codec = _codec("BTC-USDT")
    assert codec.handshake is None and codec.timer_interval is None
    [token_req] = codec.pending_requests(0.0)
    assert token_req.method == "POST" and token_req.url == "https://api.kucoin.com/api/v1/bullet-public"
    assert token_req.purpose == "token"
    codec.on_http(token_req, HttpResponse(200, {}, DOC_TOKEN), RECV)
    hs = codec.handshake
    assert hs is not None and hs.url.startswith("wss://ws-api-spot.kucoin.com/?token=2neAiuYvAU61")
    assert "connectId=" in hs.url and "token" not in hs.describe()
    assert codec.timer_interval == 18.0 and codec.silence_limit == 28.0
    assert codec.pending_requests(0.0) == []
    with pytest.raises(ConnectionDead):
        codec.on_timer(100.0, 71.0)
    [ping] = codec.on_timer(100.0, 99.0)
    assert orjson.loads(ping)["type"] == "ping" and isinstance(orjson.loads(ping)["id"], str)


def test_refused_token_call_is_final() -> None:
    codec = _codec("BTC-USDT")
    [req] = codec.pending_requests(0.0)
    with pytest.raises(FeedError):
        codec.on_http(req, HttpResponse(200, {}, b'{"code":"400003","msg":"nope"}'), RECV)


def test_subscriptions_wait_for_the_welcome() -> None:
    codec = _codec("BTC-USDT", "ETH-USDT")
    assert codec.opening_frames() == []
    assert codec.parse('{"id":"hQvf8jkno","type":"welcome"}', RECV) == []
    frames = [orjson.loads(f) for f in codec.take_outgoing()]
    assert [f["topic"] for f in frames] == ["/market/candles:BTC-USDT_1min", "/market/candles:ETH-USDT_1min"]
    assert all(f["type"] == "subscribe" and f["privateChannel"] is False and f["response"] is True for f in frames)
    [ack] = codec.parse('{"id":"1545910660739","type":"ack"}', RECV)
    assert ack.event == "subscribed"
    assert codec.parse('{"id":"1545910590801","type":"pong"}', RECV) == []


def test_error_frame_exits_4() -> None:
    codec = _codec("BTC-USDT")
    frame = '{"id":"1","type":"error","code":404,"data":"topic /market/candles:XBT-USDT_1min is not found"}'
    assert "not found" in (EX.parse(frame).refusal or "")
    with pytest.raises(SubscriptionError):
        codec.parse(frame, RECV)


@pytest.mark.parametrize(
    "frame",
    [
        "{",
        "[]",
        '{"id":"1"}',
        '{"type":"message","data":"x"}',
        '{"type":"message","data":{"symbol":"BTC-USDT","candles":["1","2","3"]}}',
        '{"type":"message","data":{"symbol":"BTC-USDT","candles":["t","1","1","1","1","1","1"]}}',
        '{"type":"message","data":{"symbol":"BTC-USDT","candles":["1","x","1","1","1","1","1"]}}',
        '{"type":"message","topic":"/market/ticker:BTC-USDT","data":{"candles":["1","1","1","1","1","1","1"]}}',
    ],
)
def test_malformed_frames(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        EX.parse(frame)


def test_intervals_and_pairs() -> None:
    assert "5m" not in EX.ws_intervals and EX.rest_intervals["5m"] == "5min"  # the socket lists no 5min
    assert EX.ws_intervals["1h"] == "1hour" and EX.ws_intervals["1w"] == "1week"
    assert EX.symbol(parse_pair("btc-usdt")) == "BTC-USDT"
    with pytest.raises(UsageError):
        request_from(EX, {"pair": ["BTC-USDT"], "interval": "1s"})
    with pytest.raises(UsageError):
        request_from(EX, {"pair": ["BTC/USDT"]})


def test_rest_request_and_documented_page() -> None:
    req = EX.rest_request("https://api.kucoin.com", "BTC-USDT", "1min", limit=5, end_ms=1566789757_000)
    assert req.url == "https://api.kucoin.com/api/v1/market/candles"
    assert dict(req.params) == {
        "type": "1min",
        "symbol": "BTC-USDT",
        "startAt": str(1566789757 - 300 + 1),
        "endAt": "1566789757",
    }
    # the Get Klines example rows, in the v1 envelope
    body = (
        b'{"code":"200000","data":[["1545904980","0.058","0.049","0.058","0.049","0.018","0.000945"],'
        b'["1545904920","0.058","0.072","0.072","0.058","0.103","0.006986"]]}'
    )
    page = EX.parse_rest(body)
    assert [c.start_ms for c in page] == [1545904980_000, 1545904920_000]
    assert (page[1].open, page[1].close, page[1].high, page[1].low) == (0.058, 0.072, 0.072, 0.058)
    assert page[0].quote_volume == 0.000945
    assert EX.rest_refusal(HttpResponse(200, {}, body), "BTC-USDT") is None
    refused = EX.rest_refusal(
        HttpResponse(200, {}, b'{"code":"400100","msg":"This pair is not provided at present"}'), "XBT-USDT"
    )
    assert isinstance(refused, SubscriptionError) and "XBT-USDT" in str(refused)
    with pytest.raises(MalformedFrame):
        EX.parse_rest(b'{"code":"200000","data":[["1"]]}')


def test_request_ids_come_from_the_engines_clock_not_the_codecs() -> None:
    codec = _codec("BTC-USDT", "ETH-USDT")
    [token_req] = codec.pending_requests(1545910660.739)
    codec.on_http(token_req, HttpResponse(200, {}, DOC_TOKEN), RECV)
    codec.parse('{"id":"hQvf8jkno","type":"welcome"}', RECV)
    ids = [orjson.loads(f)["id"] for f in codec.take_outgoing()]
    assert ids == [1545910660739, 1545910660740]
    [ping] = codec.on_timer(1545910678.5, 1545910678.0)
    assert orjson.loads(ping)["id"] == "1545910678500"
    closing = [orjson.loads(f)["id"] for f in codec.closing_frames()]
    assert len(set(closing + ids)) == 4
