"""The shared candle framework (feedcli/providers/candles.py), driven by plain calls to a fake exchange."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import orjson
import pytest

from feedcli.errors import MalformedFrame, SubscriptionError, UsageError
from feedcli.events import DataEvent
from feedcli.providers.base import Handshake, HttpRequest, HttpResponse, http_url
from feedcli.providers.candles import (
    Candle,
    CandleCodec,
    CandleFeed,
    Exchange,
    Pair,
    Parsed,
    Request,
    parse_pair,
    prepare_for,
    request_from,
)

MIN = 60_000
RECV = "2025-01-01T00:10:30.000000Z"  # 600_000 ms + 30 s after the epoch day start
NOW_MS = 1735689600000 + 10 * MIN + 30_000


class FakeExchange(Exchange):
    """REST pages of at most `rest_limit` 1-minute candles ending at `endTime` (newest first)."""

    name = "fake"
    title = "fake"
    ws_base = "wss://ws.fake"
    rest_base = "https://rest.fake"
    ws_intervals: ClassVar[dict[str, str]] = {"1m": "ws-1m"}
    rest_intervals: ClassVar[dict[str, str]] = {"1m": "rest-1m", "1h": "rest-1h"}
    rest_limit = 3
    pairs_per_connection = 2

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_base + "/ws")

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[str]:
        return [f"sub {interval} {' '.join(symbols)}"]

    def parse(self, frame) -> Parsed:
        return Parsed()

    def rest_request(self, rest_base, symbol, interval, *, limit, end_ms=None, now_ms=0) -> HttpRequest:
        params = [("s", symbol), ("i", interval), ("limit", str(limit))]
        if end_ms is not None:
            params.append(("end", str(end_ms)))
        return HttpRequest("GET", http_url(rest_base, "/k"), tuple(params))

    def parse_rest(self, body: bytes) -> list[Candle]:
        try:
            starts = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedFrame(f"not JSON: {exc}") from None
        return [Candle(t, 1.0, 2.0, 0.5, 1.5, 3.0) for t in starts]


def serve(request: HttpRequest, newest: int = NOW_MS // MIN * MIN) -> HttpResponse:
    """The fake exchange's REST answer: start times only, newest first."""
    params = dict(request.params)
    end = int(params.get("end", newest))
    last = min(end, newest) // MIN * MIN
    starts = [last - i * MIN for i in range(int(params["limit"]))]
    return HttpResponse(200, {}, orjson.dumps(starts))


def run_http(codec: CandleCodec) -> tuple[list[DataEvent], list[HttpRequest]]:
    events, asked = [], []
    for _ in range(100):
        requests = codec.pending_requests(NOW_MS / 1000)
        if not requests:
            return events, asked
        for request in requests:
            asked.append(request)
            events += codec.on_http(request, serve(request), RECV)
    raise AssertionError("the codec never stopped asking")


def feed_for(backfill: int = 0, pairs=("BTC-USDT",), interval: str = "1m") -> CandleFeed:
    ex = FakeExchange()
    request = Request(tuple(parse_pair(p) for p in pairs), interval, backfill)
    return CandleFeed(ex, request, ex.ws_base, ex.rest_base)


# --------------------------------------------------------------------------- parse_pair, request_from


def test_parse_pair() -> None:
    assert parse_pair("btc-usdt") == Pair("BTC", "USDT")
    assert str(parse_pair("ETH-BTC")) == "ETH-BTC"
    for bad in ("BTCUSDT", "BTC/USDT", "BTC-", "-USDT", "BTC-USDT-SWAP", " BTC-USDT", "", "BTC_USDT"):
        with pytest.raises(UsageError):
            parse_pair(bad)


def test_request_from_checks_the_command_line() -> None:
    ex = FakeExchange()
    request = request_from(ex, {"pair": ["btc-usdt", "BTC-USDT", "ETH-USDT"], "backfill": "4"})
    assert request.pairs == (Pair("BTC", "USDT"), Pair("ETH", "USDT"))  # repeats dropped
    assert request.interval == "1m" and request.backfill == 4
    assert request_from(ex, {"pair": ["BTC-USDT"], "interval": "1h"}).interval == "1h"  # REST only
    for values in (
        {},
        {"pair": []},
        {"pair": ["BTCUSDT"]},
        {"pair": ["BTC-USDT"], "interval": "5m"},
        {"pair": ["BTC-USDT"], "backfill": "x"},
        {"pair": ["BTC-USDT"], "backfill": "-1"},
        {"pair": ["BTC-USDT"], "backfill": str(3 * 50 + 1)},
    ):
        with pytest.raises(UsageError):
            request_from(ex, values)


def test_prepare_for_sends_rest_to_the_rest_host_only_in_production() -> None:
    ex = FakeExchange()
    make = prepare_for(ex, {"pair": ["BTC-USDT", "ETH-USDT", "SOL-USDT"], "backfill": "1"})
    codecs = make(ex.ws_base, None)
    assert [c.symbols for c in codecs] == [("BTCUSDT", "ETHUSDT"), ("SOLUSDT",)]  # pairs_per_connection
    assert codecs[0].pending_requests(0)[0].url == "https://rest.fake/k"
    local = make("http://127.0.0.1:5", None)[0]
    assert local.handshake.url == "http://127.0.0.1:5/ws"
    assert local.pending_requests(0)[0].url == "http://127.0.0.1:5/k"


# --------------------------------------------------------------------------- CandleFeed.admit


def bar(start: int, closed: bool | None) -> Candle:
    return Candle(start, 1, 1, 1, 1, 1, closed=closed)


def test_admit_seam_rules() -> None:
    feed = feed_for()
    assert feed.admit("X", bar(0, True))
    assert not feed.admit("X", bar(0, True))  # closed twice
    assert not feed.admit("X", bar(0, False))  # an update of a bar already final
    assert feed.admit("X", bar(MIN, False))
    assert feed.admit("X", bar(MIN, False))  # the forming bar updates
    assert feed.admit("X", bar(2 * MIN, False))  # the next bar opens (its predecessor's close was missed)
    assert not feed.admit("X", bar(MIN, False))  # superseded
    assert feed.admit("X", bar(MIN, True))  # ... but its final version is still news
    assert not feed.admit("X", bar(MIN, True))
    assert feed.admit("Y", bar(0, False))  # per symbol


# --------------------------------------------------------------------------- backfill paging


def test_backfill_pages_until_enough_and_writes_oldest_first() -> None:
    feed = feed_for(backfill=7)
    codec = CandleCodec(feed, ("BTCUSDT",))
    events, asked = run_http(codec)
    assert len(asked) == 3  # 3 + 3 + 1 with rest_limit 3
    assert [dict(r.params)["limit"] for r in asked] == ["3", "3", "1"]
    assert "end" not in dict(asked[0].params)
    assert int(dict(asked[1].params)["end"]) == NOW_MS // MIN * MIN - 2 * MIN - 1
    assert all(dict(r.params)["i"] == "rest-1m" for r in asked)  # the REST spelling, not the WebSocket's
    stamps = [e.data["timestamp"] for e in events]
    assert len(stamps) == 7 and stamps == sorted(stamps)
    assert [e.data["closed"] for e in events] == [True] * 6 + [False]  # the newest one is still forming
    assert all(e.symbol == "BTC-USDT" and e.channel == "candles" for e in events)
    assert "BTCUSDT" in feed.backfilled
    # a second connection of the same run does not backfill again: it fills the gap since the newest bar
    events, asked = run_http(CandleCodec(feed, ("BTCUSDT",)))
    assert len(asked) == 1 and "end" not in dict(asked[0].params)
    assert [e.data["timestamp"] for e in events] == stamps[-1:]  # the forming bar, updated


def test_gap_fill_after_a_reconnect_starts_at_the_newest_candle_seen() -> None:
    feed = feed_for(backfill=2)
    run_http(CandleCodec(feed, ("BTCUSDT",)))
    newest = feed.newest["BTCUSDT"]
    feed.newest["BTCUSDT"] = newest - 2 * MIN  # as if the stream had stopped two bars ago
    feed.closed_upto["BTCUSDT"] = newest - 3 * MIN
    events, asked = run_http(CandleCodec(feed, ("BTCUSDT",)))
    assert len(asked) == 1 and dict(asked[0].params)["limit"] == "3"
    # the bar that was forming (now closed), the one missed, and the new forming one
    assert [(e.data["timestamp"][11:16], e.data["closed"]) for e in events] == [
        ("00:08", True),
        ("00:09", True),
        ("00:10", False),
    ]


def test_a_throttled_call_is_asked_again() -> None:
    """The engine drops a call answered 429 and asks `pending_requests` again: it must come back."""
    codec = CandleCodec(feed_for(backfill=2), ("BTCUSDT",))
    [first] = codec.pending_requests(0)
    [again] = codec.pending_requests(0)  # the first one never got an answer
    assert again == first
    assert len(codec.on_http(again, serve(again), RECV)) == 2


def test_a_new_connection_attempt_resumes_a_paged_backfill() -> None:
    """A 429 makes the engine start a new codec: the pages already fetched are not fetched again."""
    feed = feed_for(backfill=5)
    codec = CandleCodec(feed, ("BTCUSDT",))
    [page1] = codec.pending_requests(0)
    assert codec.on_http(page1, serve(page1), RECV) == []
    [page2] = codec.pending_requests(0)  # ... answered 429: this codec is dropped
    retry = CandleCodec(feed, ("BTCUSDT",))
    [again] = retry.pending_requests(0)
    assert again == page2 and "end" in dict(again.params)
    assert len(retry.on_http(again, serve(again), RECV)) == 5


def test_refused_rest_answer_is_final() -> None:
    codec = CandleCodec(feed_for(backfill=2), ("BTCUSDT",))
    [request] = codec.pending_requests(0)
    with pytest.raises(SubscriptionError, match="BTC-USDT"):
        codec.on_http(request, HttpResponse(400, {}, b'{"msg":"no such symbol"}'), RECV)


def test_an_interval_the_websocket_lacks_is_polled_after_each_boundary() -> None:
    feed = feed_for(interval="1h")
    [codec] = [CandleCodec(feed, s) for s in feed.connections()]
    assert codec.polling and codec.handshake is None
    [first] = codec.pending_requests(NOW_MS / 1000)
    assert first.purpose == "poll" and dict(first.params)["i"] == "rest-1h"
    codec.on_http(first, serve(first), RECV)
    assert codec.pending_requests(NOW_MS / 1000) == []
    boundary = (NOW_MS // 3_600_000 + 1) * 3600 + 1.0
    assert codec.poll_delay(NOW_MS / 1000) == pytest.approx(boundary - NOW_MS / 1000)
    assert codec.pending_requests(boundary + 0.5)[0].purpose == "poll"


# --------------------------------------------------------------------------- review fixes


def test_a_reconnect_fills_the_gap_even_without_backfill() -> None:
    feed = feed_for(backfill=0)
    first = CandleCodec(feed, ("BTCUSDT",))
    assert first.pending_requests(NOW_MS / 1000) == []  # nothing asked: live only
    feed.admit("BTCUSDT", bar(NOW_MS // MIN * MIN - 3 * MIN, False))  # the stream saw a bar, then dropped
    events, asked = run_http(CandleCodec(feed, ("BTCUSDT",)))
    assert len(asked) == 2  # pages of 3 until the page reaches the bar the stream last saw
    assert [e.data["timestamp"][11:16] for e in events] == ["00:07", "00:08", "00:09", "00:10"]
    assert [e.data["closed"] for e in events] == [True, True, True, False]


def test_an_unreadable_rest_answer_is_given_up_after_a_few_tries() -> None:
    from feedcli.providers.candles import MAX_MALFORMED

    codec = CandleCodec(feed_for(backfill=2), ("BTCUSDT",))
    for _ in range(MAX_MALFORMED):
        [request] = codec.pending_requests(0)
        with pytest.raises(MalformedFrame):
            codec.on_http(request, HttpResponse(200, {}, b"<html>gateway error</html>"), RECV)
    assert codec.pending_requests(0) == []  # no endless storm of the same call


def test_a_late_poll_fetches_every_bar_since_the_newest() -> None:
    feed = feed_for(interval="1h")
    [codec] = [CandleCodec(feed, s) for s in feed.connections()]
    [first] = codec.pending_requests(NOW_MS / 1000)
    codec.on_http(first, serve(first), RECV)
    late = NOW_MS / 1000 + 5 * 3600  # five hours later (a long Retry-After)
    [poll] = codec.pending_requests(late)
    assert int(dict(poll.params)["limit"]) == 3  # as many as missed (7 here), capped at one page


def test_month_bars_end_on_the_calendar() -> None:
    from feedcli.providers.candles import bar_end_ms

    feb = 1738368000000  # 2025-02-01T00:00:00Z
    assert bar_end_ms(feb, "1M") == 1740787200000  # 2025-03-01, 28 days later
    dec = 1733011200000  # 2024-12-01
    assert bar_end_ms(dec, "1M") == 1735689600000  # 2025-01-01
    assert bar_end_ms(0, "1m") == MIN


def test_a_rest_bar_that_just_ended_is_not_frozen_as_final() -> None:
    feed = feed_for(backfill=2)
    codec = CandleCodec(feed, ("BTCUSDT",))
    [request] = codec.pending_requests(0)
    just_after = "2025-01-01T00:11:01.000000Z"  # the 00:10 bar ended a second ago
    events = codec.on_http(request, serve(request), just_after)
    assert [(e.data["timestamp"][11:16], e.data["closed"]) for e in events] == [("00:09", True), ("00:10", False)]


class Streaming(FakeExchange):
    """A WebSocket whose frames are bar start times (ms): each one a forming bar."""

    def parse(self, frame) -> Parsed:
        return Parsed(candles=[("BTCUSDT", bar(int(frame), False), None)])


def streaming_codec(backfill: int = 0) -> tuple[CandleFeed, CandleCodec]:
    ex = Streaming()
    feed = CandleFeed(ex, Request((parse_pair("BTC-USDT"),), "1m", backfill), ex.ws_base, ex.rest_base)
    return feed, CandleCodec(feed, ("BTCUSDT",))


def test_bars_the_stream_skips_are_fetched_beside_it() -> None:
    _, codec = streaming_codec()
    codec.parse(str(0), RECV)
    codec.parse(str(MIN), RECV)
    assert not codec.wants_http
    codec.parse(str(4 * MIN), RECV)  # 2 and 3 never came
    assert codec.wants_http
    [top_up] = codec.pending_requests(NOW_MS / 1000)
    assert top_up.purpose == "backfill" and int(dict(top_up.params)["limit"]) == 3  # one page of the fake's


def test_a_bar_that_closed_between_the_backfill_and_the_stream_is_fetched() -> None:
    feed, codec = streaming_codec(backfill=2)
    run_http(codec)  # the REST history: 00:09 closed, 00:10 forming
    forming = feed.newest["BTCUSDT"]
    assert feed.closed_upto["BTCUSDT"] < forming
    codec.parse(str(forming + MIN), RECV)  # the stream's first update is already the next bar
    assert codec.wants_http
    [top_up] = codec.pending_requests(NOW_MS / 1000)
    answer = HttpResponse(200, {}, orjson.dumps([forming + MIN, forming]))
    events = codec.on_http(top_up, answer, "2025-01-01T00:11:30.000000Z")
    # the missed close, then the forming bar as REST has it (an update, not a second bar)
    assert [(e.data["timestamp"][11:16], e.data["closed"]) for e in events] == [("00:10", True), ("00:11", False)]


def test_no_top_up_when_the_stream_continues_the_backfill() -> None:
    feed, codec = streaming_codec(backfill=2)
    run_http(codec)
    codec.parse(str(feed.newest["BTCUSDT"]), RECV)  # the forming bar, updated: nothing missed
    assert not codec.wants_http


def test_the_default_interval_is_one_the_websocket_streams() -> None:
    from feedcli.providers import binance, coinbase
    from feedcli.providers.candles import default_interval

    assert default_interval(binance.EXCHANGE) == "1m"
    assert default_interval(coinbase.EXCHANGE) == "5m"  # Coinbase streams only 5-minute candles
    assert request_from(coinbase.EXCHANGE, {"pair": ["BTC-USD"]}).interval == "5m"


def test_an_exchange_that_ignores_the_page_end_does_not_loop() -> None:
    codec = CandleCodec(feed_for(backfill=9), ("BTCUSDT",))
    asked = 0
    while requests := codec.pending_requests(NOW_MS / 1000):
        for request in requests:
            asked += 1
            deaf = HttpRequest(request.method, request.url, tuple(p for p in request.params if p[0] != "end"))
            codec.on_http(request, serve(deaf), RECV)  # always the newest page, whatever was asked
        assert asked < 10
    assert asked == 2  # the second answer was not older than asked: stop, write what there is
