"""The live view of a crypto exchange: the book's ladder, the trades tape and the candles chart
side by side at 80x24, as `feedcli demo binance` shows them (rendered to text, not looked at)."""

from __future__ import annotations

import io

from rich.console import Console

from feedcli.events import ControlEvent, DataEvent, epoch_iso
from feedcli.simulators.candles import CandleMarket
from feedcli.simulators.crypto_market import BookMarket
from feedcli.views import LiveView

RECV = "2026-12-02T12:00:00.000000Z"
PAIRS = {"BTC-USDT": 67_000.0, "ETH-USDT": 3_500.0, "SOL-USDT": 150.0}


def binance_view(depth: int = 10) -> LiveView:
    """Three pairs with their candles, book and trades, as the demo streams them."""
    view = LiveView(providers=["binance"], focus="BTC-USDT")
    view.emit(ControlEvent("binance", "connected", RECV))
    candles = CandleMarket(seed=1)
    for pair, mid in PAIRS.items():
        start = 1_780_000_000_000
        for bar in candles.history(pair, "1m", 40, start, start + 60_000):
            view.emit(DataEvent("binance", "candles", pair, None, RECV, bar.record(), "candle"))
        market = BookMarket(pair, mid, 1, pair=pair)
        for _ in range(60):
            step = market.step(start)
            for trade in step.trades:
                ts = epoch_iso(start / 1000)
                view.emit(DataEvent("binance", "trades", pair, ts, RECV, trade.record(), "trade", trade.seq))
        bids, asks = market.top(depth)
        book = {"bids": [list(b) for b in bids], "asks": [list(a) for a in asks]}
        view.emit(DataEvent("binance", "book", pair, None, RECV, book, "book", market.update_id))
    return view


def frame_text(view: LiveView, width: int = 80, height: int = 24) -> str:
    con = Console(width=width, height=height, record=True, color_system=None, file=io.StringIO())
    con.print(view.frame(width, height))
    return con.export_text(clear=False)


def test_demo_binance_at_80x24_shows_the_ladder_the_tape_and_the_chart() -> None:
    text = frame_text(binance_view())
    rows = text.rstrip("\n").split("\n")
    assert len(rows) <= 24 and all(len(r) <= 80 for r in rows), text
    for pair in PAIRS:
        assert pair in text  # a quote row each
    assert "Trades" in text and ("▲" in text or "▼" in text)  # the tape
    assert "┃" in text  # the candles chart
    assert "66,99" in text or "66 99" in text or "6699" in text.replace(",", ""), text  # the ladder's bids


def test_the_tape_is_newest_first_in_the_side_of_the_taker() -> None:
    view = LiveView(providers=["binance"])
    prices = [100.0, 101.0, 102.0]
    for i, price in enumerate(prices):
        data = {"price": price, "size": 1.0 + i, "side": "buy" if i % 2 == 0 else "sell", "id": i}
        view.emit(DataEvent("binance", "trades", "BTC-USDT", None, RECV, data, "trade", i))
    state = view.snapshot()
    (sym,) = state.symbols
    assert [p.price for p in sym.tape] == [102.0, 101.0, 100.0]
    assert [p.side for p in sym.tape] == ["buy", "sell", "buy"]
