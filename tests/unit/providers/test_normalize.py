"""Each provider's channel table, against the providers' documented examples: the line's `data`,
as the codec writes it, becomes the vocabulary's objects (feedcli.market), the line's own first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feedcli import market, providers
from feedcli.events import DataEvent
from feedcli.providers import binance, datafye, ht, moex, okx
from tests.unit.providers.test_binance import DOC_KLINE
from tests.unit.providers.test_moex import (
    CANDLE_COLUMNS,
    SNAP_COLUMNS,
    SNAP_ROW,
    bar,
    message,
    open_codec,
    packet,
)
from tests.unit.providers.test_okx import DOC_PUSH

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TSE = {e["channel"]: e for e in json.loads((FIXTURES / "tse_doc_examples.json").read_text(encoding="utf-8"))}
IME = json.loads((FIXTURES / "ime_doc_examples.json").read_text(encoding="utf-8"))


def objects(provider: str, channel: str, data: Any, ts: str | None = None) -> tuple[market.Market, ...]:
    declared = providers.get(provider).channel(channel)
    assert declared is not None
    out = declared.normalize(data, ts)
    line = declared.line_object(data, ts)
    assert line is None or line == out[[m.kind for m in out].index(declared.kind)]
    return out


# ----------------------------------------------------------------------------- HT: TSE & IFB


def test_tse_best_limits_by_rank_with_order_counts() -> None:
    (book,) = objects("tse", "best-limit", TSE["best-limit"]["data"])
    assert book.to_json() == {"bids": [[10000, 1000, 5], [9950, 500, 4]], "asks": [[10050, 800, 3], [10100, 400, 2]]}


def test_tse_order_book_of_zeros_is_empty() -> None:
    # the document's example holds one level of zeros on each side: no level at all
    (book,) = objects("tse", "order-book", TSE["order-book"]["data"])
    assert book == market.Book((), ())
    (book,) = objects("tse", "order-book", {"Buy": [{"price": 9990, "quantity": 300, "count": 2}], "Sell": []})
    assert book.to_json() == {"bids": [[9990, 300, 2]], "asks": []}


def test_tse_minute_bar_starts_at_the_messages_minute_in_utc() -> None:
    example = TSE["ohlcv-last-1m"]
    (candle,) = objects("tse", "ohlcv-last-1m", example["data"], example["timestamp"])
    # 12:00 Tehran (UTC+03:30) is 08:30 UTC
    assert candle.to_json() == {
        "timestamp": "2025-11-14T08:30:00.000000Z",
        "open": 10000.0,
        "high": 10100.0,
        "low": 9950.0,
        "close": 10050.0,
        "volume": 3500,
        "closed": None,
    }
    (late,) = objects("tse", "ohlcv-last-1m", example["data"], "2025-11-14T12:00:59.999999")
    assert late.timestamp == candle.timestamp
    (unknown,) = objects("tse", "ohlcv-last-1m", example["data"], None)
    assert unknown.timestamp is None


def test_tse_aggregate_keeps_the_fields_and_reads_zero_prices_as_none() -> None:
    data = TSE["aggregate"]["data"]
    (stats,) = objects("tse", "aggregate", data)
    assert isinstance(stats, market.Stats) and stats.to_json() == data
    assert (stats.last, stats.prev_close, stats.volume, stats.trades) == (None, None, 0, 0)
    assert (stats.date, stats.time) == ("string", "string")
    live = dict(data, last_price=10050, previous_close=10000, total_volume=1234, trade_count=7)
    (stats,) = objects("tse", "aggregate", live)
    assert (stats.last, stats.prev_close, stats.volume, stats.trades) == (10050, 10000, 1234, 7)


def test_tse_investor_split_and_reference_data() -> None:
    data = dict(TSE["institutional-vs-individual"]["data"], buy_count_institution=5, sell_volume_individual=250)
    (flow,) = objects("tse", "institutional-vs-individual", data)
    assert isinstance(flow, market.InvestorFlow) and flow.kind == "stats" and flow.to_json() == data
    assert (flow.buy_institution_count, flow.sell_individual_volume, flow.buy_individual_count) == (5, 250, 0)
    for channel, title in (("contract-info", "contract"), ("fund-info", "fund")):
        (info,) = objects("tse", channel, TSE[channel]["data"])
        assert info == market.Info(title, TSE[channel]["data"], ht.FIELD_LABELS) and info.kind == "info"


# ----------------------------------------------------------------------------- HT: IME


def test_ime_stream_is_stats_with_the_best_limits_band_and_contract_besides() -> None:
    data = IME[2]
    out = objects("ime", "IME Stream", data)
    assert [type(m).__name__ for m in out] == ["Book", "Stats", "PriceBand", "Info"]
    book, stats, band, info = out
    assert book == market.Book((), ())  # three levels of zeros
    assert isinstance(stats, market.Stats) and stats.to_json() == market.flat(data)
    assert stats.to_json()["AllowedPriceRange.maxAllowedPrice"] == 9999999999
    assert isinstance(band, market.PriceBand) and (band.low, band.high) == (1, 9999999999)
    assert info == market.Info("contract", data["ContractInfo"], ht.FIELD_LABELS)
    line = providers.get("ime").channel("IME Stream").line_object(data)  # type: ignore[union-attr]
    assert line == stats


def test_ime_levels_have_no_order_counts_and_unknown_sections_are_kept() -> None:
    data = {
        "BestLimit": {"1": {"buy_quantity": 5, "buy_price": 100, "sell_quantity": 7, "sell_price": 101}},
        "Extra": {"x": 1},
    }
    book, stats, extra = objects("ime", "IME Stream", data)
    assert book.to_json() == {"bids": [[100, 5]], "asks": [[101, 7]]}
    # the line's own object even without an Aggregate: the message's fields, flat
    assert stats.kind == "stats" and stats.to_json() == market.flat(data)
    assert extra == market.Info("IME Stream", {"Extra.x": 1})


# ----------------------------------------------------------------------------- Datafye


def test_datafye_quote_trade_and_bar_from_the_samples_field_names() -> None:
    quote = {"symbol": "AAPL", "exchangeTimestamp": 1763109000123, "bidPrice": 189.5, "bidSize": 300}
    quote |= {"askPrice": 189.52, "askSize": 200, "bidExchangeID": 10, "askExchangeID": 11}
    (q,) = objects("datafye", "quotes", quote)
    assert q.to_json() == {"bid": 189.5, "bid_size": 300, "ask": 189.52, "ask_size": 200}
    trade = {
        "symbol": "AAPL",
        "exchangeID": 10,
        "exchangeTimestamp": 1,
        "tradeID": "52983525029461",
        "tradePrice": 189.51,
    }
    (t,) = objects("datafye", "trades", trade | {"tradeSize": 100, "trfID": 0, "trfTimestamp": 0})
    assert t.to_json() == {"price": 189.51, "size": 100, "side": None, "id": "52983525029461"}
    ohlc = {"symbol": "AAPL", "datetime": 1763109000000, "open": 1, "high": 3, "low": 0.5, "close": 2, "volume": 9}
    (c,) = objects("datafye", "aggregates", ohlc)
    assert c.to_json() == {
        "timestamp": "2025-11-14T08:30:00.000000Z",
        "open": 1,
        "high": 3,
        "low": 0.5,
        "close": 2,
        "volume": 9,
        "closed": None,
    }
    sma = {"symbol": "AAPL", "datetime": 1763109000000, "value": 188.25}
    (s,) = objects("datafye", "sma", sma)
    assert s == market.Indicator("sma", sma, 188.25) and s.kind == "stats"


def test_datafye_bars_carry_their_time_and_quotes_do_not() -> None:
    channels = {c.name: c for c in datafye.PROVIDER.channels}
    assert channels["aggregates"].bar_time and channels["aggregates"].series
    assert not channels["quotes"].bar_time and not channels["trades"].series


# ----------------------------------------------------------------------------- MOEX ISS+


def moex_line(stream: str, columns: list[str], row: list[Any]) -> DataEvent:
    codec, frames = open_codec((stream,))
    sid = frames[0].headers["id"]
    (line,) = codec.parse(message(sid, packet("snapshot", 1, columns, [row]), f"MXSE.{stream}"), "r")
    assert isinstance(line, DataEvent)
    return line


def test_moex_securities_are_stats_and_a_quote() -> None:
    line = moex_line("securities", SNAP_COLUMNS, SNAP_ROW)
    stats, quote = objects("moex", "securities", line.data, line.ts)
    assert isinstance(stats, market.Stats) and stats.to_json() == line.data
    assert (stats.last, stats.volume, stats.value, stats.trades) == (306.13, 1322700, 405375659, 10774)
    # BIDDEPTHT is the whole bid side's depth, not the lots at the best bid: no size
    assert quote == market.Quote(306.12, None, 306.13, None)
    (_, with_depth) = objects("moex", "securities", dict(line.data, BIDDEPTH=25, OFFERDEPTH=8))
    assert (with_depth.bid_size, with_depth.ask_size) == (25, 8)  # type: ignore[union-attr]


def test_moex_order_book_and_candle() -> None:
    rows = [["B", [306.12, 2], 25, [0, 2]], ["S", [306.13, 2], 8, [0, 2]], ["B", [306.11, 2], 4, [0, 2]]]
    codec, frames = open_codec(("orderbooks",))
    body = packet("snapshot", 1, ["BUYSELL", "PRICE", "QUANTITY", "REPOVALUE"], rows)
    (line,) = codec.parse(message(frames[0].headers["id"], body, "MXSE.orderbooks"), "r")
    (book,) = objects("moex", "orderbooks", line.data)
    assert book.to_json() == {"bids": [[306.12, 25], [306.11, 4]], "asks": [[306.13, 8]]}
    line = moex_line("candles", CANDLE_COLUMNS, bar("2026-01-22", 306.1, 5))
    (candle,) = objects("moex", "candles", line.data, line.ts)
    assert candle.timestamp == "2026-01-21T21:00:00.000000Z"  # midnight in Moscow
    assert (candle.close, candle.volume, candle.closed) == (306.1, 5, None)
    assert all(c.seq == "seqnum" for c in moex.PROVIDER.channels)


# ----------------------------------------------------------------------------- crypto candles


def test_candle_lines_of_the_documented_klines() -> None:
    make = binance.prepare({"pair": ["BNB-BTC"], "interval": "1m"})
    (line,) = make("http://127.0.0.1:1", None)[0].parse(DOC_KLINE, "2023-01-01T00:00:00.000000Z")
    (candle,) = objects("binance", "candles", line.data, line.ts)
    assert candle.to_json() == {
        "timestamp": "2022-12-31T19:43:00.000000Z",
        "open": 0.001,
        "high": 0.0025,
        "low": 0.0015,
        "close": 0.002,
        "volume": 1000.0,
        "closed": False,
    }
    make = okx.prepare({"pair": ["BTC-USDT"], "interval": "1d"})
    (line,) = make("http://127.0.0.1:1", None)[0].parse(DOC_PUSH, "2023-01-01T00:00:00.000000Z")
    (candle,) = objects("okx", "candles", line.data, line.ts)
    assert candle.timestamp == line.data["timestamp"] and candle.closed == line.data.get("closed")


@pytest.mark.parametrize("exchange", ["binance", "okx", "coinbase", "bybit", "kucoin", "gate"])
def test_every_exchanges_candles_are_a_series_of_candles(exchange: str) -> None:
    channel = providers.get(exchange).channel("candles")
    assert channel is not None
    assert (channel.name, channel.kind, channel.series, channel.bar_time) == ("candles", "candle", True, False)
    data = {"timestamp": "2025-01-01T00:00:00.000000Z", "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5}
    (candle,) = channel.normalize(data | {"volume": 3.0, "quote_volume": 4.5, "trades": 2, "closed": True}, None)
    assert candle == market.Candle("2025-01-01T00:00:00.000000Z", 1.0, 2.0, 0.5, 1.5, 3.0, True)


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit", "gate", "kucoin", "coinbase"])
def test_crypto_trade_book_and_ticker_lines_are_the_vocabulary(exchange: str) -> None:
    record = providers.get(exchange)
    trade = {"price": 1.5, "size": 2.0, "side": "sell", "id": 7}
    assert objects(exchange, "trades", trade, None) == (market.Trade(1.5, 2.0, "sell", 7),)
    book = {"bids": [[1.0, 2.0], [0.9, 1.0]], "asks": [[1.1, 3.0]]}
    (got,) = objects(exchange, "book", book, None)
    assert got.to_json() == book
    assert record.channel("book").full_book  # type: ignore[union-attr]
    quote = {"bid": 1.0, "bid_size": 2.0, "ask": 1.1, "ask_size": 3.0, "last": 1.05}
    got, last = objects(exchange, "ticker", quote, None)
    assert got.to_json() == {k: v for k, v in quote.items() if k != "last"} and got.last == 1.05
    assert last == market.Trade(1.05)  # the quote row's last price
    assert objects(exchange, "ticker", {k: v for k, v in quote.items() if k != "last"}, None)[0].last is None


def test_normalizers_do_not_raise_on_payloads_of_another_shape() -> None:
    for record in providers.records():
        for channel in record.channels:
            for data in ({}, {"x": [1, "?"]}, {"1": "oops", "Buy": 5, "bids": "x", "BestLimit": [1]}):
                channel.normalize(data, "not a time")
