"""The crypto channels wired to the engine (`candles.channels.MarketCodec`), fed the exchanges'
documented examples: the lines they make, the REST snapshot they ask for, the options refused.

The pure parsers are tested on the same examples in tests/unit/providers/crypto/test_codecs.py;
here the question is what reaches the NDJSON line: channel, symbol as the user wrote it, kind,
seq and the contract's data.
"""

from __future__ import annotations

import pytest

from feedcli import providers
from feedcli.errors import UsageError
from feedcli.events import ControlEvent, DataEvent
from feedcli.providers.base import HttpResponse
from feedcli.providers.candles.channels import MarketCodec
from tests.unit.providers.crypto.test_codecs import doc

RECV = "2026-01-01T00:00:00.000000Z"

#: exchange → (pairs to ask for, documented trade example, documented ticker example or None)
DOCS = {
    "binance": (["BNB-BTC", "BNB-USDT"], "trade", "bookTicker"),
    "bybit": (["BTC-USDT"], "publicTrade", None),
    "okx": (["BTC-USDT"], "trades", "tickers"),
    "coinbase": (["ETH-USD", "BTC-USD"], "marketTrades", "ticker"),
    "kucoin": (["BTC-USDT"], "match", "ticker"),
    "gate": (["GT-USDT", "BTC-USDT"], "trades", "bookTicker"),
}


def market_codec(exchange: str, pairs: list[str], channels: list[str], **values: str) -> MarketCodec:
    """The connection's codec, past the calls made before connecting (a preflight, a token)."""
    make = providers.get(exchange).prepare({"pair": pairs, "channel": channels, **values}, {})
    codecs = [c for c in make("http://127.0.0.1:1", None) if isinstance(c, MarketCodec)]
    assert len(codecs) == 1
    codecs[0].pending_requests(0.0)
    return codecs[0]


@pytest.mark.parametrize("exchange", list(DOCS))
def test_documented_trades_and_tickers_become_contract_lines(exchange: str) -> None:
    pairs, trade_doc, ticker_doc = DOCS[exchange]
    codec = market_codec(exchange, pairs, ["trades", "ticker"])
    (line,) = codec.parse(doc(exchange, trade_doc), RECV)
    assert isinstance(line, DataEvent)
    assert (line.channel, line.kind) == ("trades", "trade") and line.symbol in pairs
    assert set(line.data) == {"price", "size", "side", "id"} and line.data["side"] in ("buy", "sell")
    numeric = str(line.data["id"]).isdigit()
    assert line.seq == (int(line.data["id"]) if numeric else None)
    assert line.to_dict()["kind"] == "trade"
    if ticker_doc is not None:
        # a new connection: Coinbase's examples are numbered as if from different connections
        codec = market_codec(exchange, pairs, ["trades", "ticker"])
        (quote,) = codec.parse(doc(exchange, ticker_doc), RECV)
        assert isinstance(quote, DataEvent)
        assert (quote.channel, quote.kind) == ("ticker", "quote") and quote.symbol in pairs
        assert (
            {"bid", "bid_size", "ask", "ask_size"} <= set(quote.data) <= {"bid", "bid_size", "ask", "ask_size", "last"}
        )


def test_a_trade_seen_before_is_not_written_again_on_the_next_connection() -> None:
    make = providers.get("binance").prepare({"pair": ["BNB-BTC"], "channel": ["trades"]}, {})
    first, second = make("http://127.0.0.1:1", None)[0], make("http://127.0.0.1:1", None)[0]
    assert len(first.parse(doc("binance", "trade"), RECV)) == 1
    assert second.parse(doc("binance", "trade"), RECV) == []


def test_binance_book_buffers_fetches_a_deep_snapshot_and_drops_what_it_holds() -> None:
    codec = market_codec("binance", ["BNB-BTC"], ["book"], depth="1")
    assert codec.parse(doc("binance", "depthUpdate"), RECV) == []  # buffered: no book yet
    assert codec.wants_http
    (request,) = codec.pending_requests(0.0)
    assert request.url == "http://127.0.0.1:1/api/v3/depth" and dict(request.params) == {
        "symbol": "BNBBTC",
        "limit": "100",  # five times --depth at least, in the cheapest weight tier
    }
    (line,) = codec.on_http(request, HttpResponse(200, {}, doc("binance", "restDepth")), RECV)
    # the snapshot (1027024) is past the buffered update (157..160), which is dropped
    assert (line.channel, line.kind, line.seq) == ("book", "book", 1027024)
    assert line.data == {"bids": [[4.0, 431.0]], "asks": [[4.000002, 12.0]]}


def test_a_gap_is_a_control_line_without_a_channel_and_a_new_snapshot() -> None:
    codec = market_codec("binance", ["BNB-BTC"], ["book"], depth="1")
    codec.parse(doc("binance", "depthUpdate"), RECV)
    (request,) = codec.pending_requests(0.0)
    codec.on_http(request, HttpResponse(200, {}, doc("binance", "restDepth")), RECV)
    later = doc("binance", "depthUpdate").replace(b'"U": 157', b'"U": 1027030').replace(b'"u": 160', b'"u": 1027031')
    (gap,) = codec.parse(later, RECV)
    assert isinstance(gap, ControlEvent) and gap.event == "gap"
    assert "channel" not in gap.to_dict() and gap.fields["symbol"] == "BNB-BTC" and gap.fields["stream"] == "book"
    assert [r.url for r in codec.pending_requests(0.0)] == ["http://127.0.0.1:1/api/v3/depth"]


@pytest.mark.parametrize(
    ("exchange", "deepest"),
    [("binance", 1000), ("okx", 400), ("bybit", 1000), ("gate", 50), ("kucoin", 50), ("coinbase", 1000)],
)
def test_depth_beyond_what_the_exchange_streams_names_the_allowed_depths(exchange: str, deepest: int) -> None:
    prepare = providers.get(exchange).prepare
    prepare({"pair": ["BTC-USDT"], "channel": ["book"], "depth": str(deepest)}, {})
    with pytest.raises(UsageError, match=f"allowed depths: 1 to {deepest}"):
        prepare({"pair": ["BTC-USDT"], "channel": ["book"], "depth": str(deepest + 1)}, {})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"channel": ["book"], "interval": "1m"}, "--interval is for candles"),
        ({"channel": ["trades", "ticker"], "interval": "1m"}, "--interval is for candles"),
        ({"channel": ["book"], "backfill": "10"}, "--backfill is for candles"),
        ({"channel": ["trades"], "depth": "5"}, "--depth is for --channel book"),
        ({"channel": ["book"], "depth": "ten"}, "--depth wants a number"),
        ({"channel": ["quotes"]}, "no channel 'quotes'"),
    ],
)
def test_bad_channel_options_are_usage_errors(values: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        providers.get("binance").prepare({"pair": ["BTC-USDT"], **values}, {})


def test_candle_options_with_candles_among_the_channels_are_fine() -> None:
    values = {"pair": ["BTC-USDT"], "channel": ["book", "candles"], "interval": "1h", "backfill": "5"}
    providers.get("binance").prepare(values, {})


def test_okx_candles_keep_their_own_connection() -> None:
    make = providers.get("okx").prepare({"pair": ["BTC-USDT"], "channel": ["candles", "book"]}, {})
    urls = sorted(c.handshake.url for c in make("http://127.0.0.1:1", None))  # type: ignore[union-attr]
    assert urls == ["ws://127.0.0.1:1/ws/v5/business", "ws://127.0.0.1:1/ws/v5/public"]


def test_binance_carries_every_channel_on_one_connection() -> None:
    make = providers.get("binance").prepare(
        {"pair": ["BTC-USDT", "ETH-USDT"], "channel": ["candles", "trades", "book", "ticker"]}, {}
    )
    (codec,) = make("http://127.0.0.1:1", None)
    frames = codec.opening_frames()
    assert '"btcusdt@kline_1m"' in frames[0] and all(
        s in frames[1] for s in ("btcusdt@trade", "btcusdt@depth@100ms", "ethusdt@bookTicker")
    )


def test_a_snapshot_call_that_failed_is_made_again_after_a_growing_backoff() -> None:
    codec = market_codec("binance", ["BNB-BTC"], ["book"], depth="1")
    codec.parse(doc("binance", "depthUpdate"), RECV)
    (first,) = codec.pending_requests(100.0)
    codec.wants_http = False
    codec.parse(doc("binance", "depthUpdate"), RECV)
    assert codec.wants_http  # work is outstanding: the engine asks again
    assert codec.pending_requests(100.0) == []  # the call failed (never answered): not at once
    assert codec.pending_requests(100.4) == []
    (again,) = codec.pending_requests(100.6)
    assert again.url == first.url
    assert codec.pending_requests(100.6) == []  # failed again: now a second to wait
    assert codec.pending_requests(101.5) == []
    (third,) = codec.pending_requests(101.7)
    (line,) = codec.on_http(third, HttpResponse(200, {}, doc("binance", "restDepth")), RECV)
    assert line.channel == "book"


def test_a_connection_without_candles_does_not_unsubscribe_candles() -> None:
    codec = market_codec("gate", ["BTC-USDT"], ["book"])
    assert codec.closing_frames() == []
    with_candles = market_codec("gate", ["BTC-USDT"], ["book", "candles"])
    assert with_candles.closing_frames() and "spot.candlesticks" in str(with_candles.closing_frames()[0])


def test_ms_clock_writes_what_epoch_iso_writes() -> None:
    from feedcli.events import epoch_iso
    from feedcli.providers.candles.channels import MsClock

    clock = MsClock()
    for ms in (1_672_515_782_136, 1_672_515_782_999, 1_672_515_783_000, 1_672_515_783_001, 1_000_000_000_000, 1):
        assert clock.iso(ms) == epoch_iso(ms if ms >= 10**11 else ms / 1000), ms
    assert clock.iso(None) is None and clock.iso(0) is None


def test_polled_candles_beside_a_streamed_book() -> None:
    """Coinbase has no 1m candle stream: the candles are polled, the book still streams."""
    make = providers.get("coinbase").prepare(
        {"pair": ["BTC-USD"], "channel": ["candles", "book"], "interval": "1m"}, {}
    )
    poller, streamer = make("http://127.0.0.1:1", None)
    assert poller.polling and poller.handshake is None
    assert isinstance(streamer, MarketCodec) and not streamer.polling and not streamer.candles
    assert streamer.handshake is not None and streamer.handshake.url.startswith("ws://127.0.0.1:1")
    frames = " ".join(map(str, streamer.opening_frames()))
    assert '"level2"' in frames and '"heartbeats"' in frames and '"candles"' not in frames
