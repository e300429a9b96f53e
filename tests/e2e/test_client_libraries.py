"""Widely used third-party client libraries against the simulators and `replay --serve`.

Real client libraries read more than feedcli does, so the simulators must answer field by field
as the exchanges document. One library per protocol family, as a new user would point it:
- crypto REST and WebSocket: ccxt (its binance and okx classes, and ccxt.pro's `watch_ohlcv`),
  pointed at loopback by overriding their `urls`;
- STOMP over WebSocket (MOEX ISS+): stomp.py's own WebSocket client, `WSStompConnection` (its
  full threaded STOMP 1.2 client over websocket-client, not the frame functions feedcli uses),
  offering the `STOMP` subprotocol as MOEX asks.
The HT and Datafye families are plain JSON over WebSocket, read by the `websockets` library in
tests/e2e/test_ht_doc_examples.py and tests/integration/simulators/test_replay_server.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, run

ccxt = pytest.importorskip("ccxt")
ccxt_pro = pytest.importorskip("ccxt.pro")
stomp = pytest.importorskip("stomp")
from stomp.adapter.ws import WSStompConnection  # noqa: E402
from stomp.exception import StompException  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

PAIRS = {"BTC/USDT", "ETH/USDT", "SOL/USDT", "BTC/USD", "ETH/BTC"}
#: every field of a symbol in Binance's documented exchangeInfo example (Spot API, "Exchange information")
BINANCE_SYMBOL_FIELDS = {
    "symbol", "status", "baseAsset", "baseAssetPrecision", "quoteAsset", "quotePrecision", "quoteAssetPrecision",
    "baseCommissionPrecision", "quoteCommissionPrecision", "orderTypes", "icebergAllowed", "ocoAllowed",
    "otoAllowed", "opoAllowed", "quoteOrderQtyMarketAllowed", "allowTrailingStop", "cancelReplaceAllowed",
    "amendAllowed", "pegInstructionsAllowed", "isSpotTradingAllowed", "isMarginTradingAllowed", "filters",
    "permissions", "permissionSets", "defaultSelfTradePreventionMode", "allowedSelfTradePreventionModes",
}  # fmt: skip
#: every field of an instrument in OKX's documented `GET /api/v5/public/instruments` example
OKX_INSTRUMENT_FIELDS = {
    "instType", "instId", "uly", "groupId", "instFamily", "baseCcy", "quoteCcy", "settleCcy", "ctVal", "ctMult",
    "ctValCcy", "optType", "stk", "listTime", "auctionEndTime", "contTdSwTime", "preMktSwTime", "openType", "elp",
    "expTime", "lever", "tickSz", "lotSz", "minSz", "ctType", "state", "ruleType", "maxLmtSz", "maxMktSz",
    "maxLmtAmt", "maxMktAmt", "maxTwapSz", "maxIcebergSz", "maxTriggerSz", "maxStopSz", "futureSettlement",
    "tradeQuoteCcyList", "instIdCode", "instCategory", "upcChg", "maxPlatOILmt", "posLmtAmt", "posLmtPct",
}  # fmt: skip


def binance(exchange: Any, base: str) -> Any:
    """A ccxt binance (or ccxt.pro binance) pointed at the simulator, spot markets only."""
    for key, url in list(exchange.urls["api"].items()):
        if isinstance(url, str) and url.startswith("https://api.binance.com"):
            exchange.urls["api"][key] = url.replace("https://api.binance.com", base)
    if isinstance(exchange.urls["api"].get("ws"), dict):
        exchange.urls["api"]["ws"]["spot"] = base.replace("http://", "ws://") + "/ws"
    exchange.options["fetchMarkets"] = {"types": ["spot"]}
    return exchange


def okx(exchange: Any, base: str) -> Any:
    """A ccxt okx (or ccxt.pro okx) pointed at the simulator, spot markets only."""
    exchange.urls["api"]["rest"] = base
    if "ws" in exchange.urls["api"]:
        exchange.urls["api"]["ws"] = base.replace("http://", "ws://") + "/ws/v5"
    exchange.options["fetchMarkets"] = {"types": ["spot"]}
    return exchange


def on_grid(value: float, step: float) -> bool:
    ratio = Decimal(str(value)) / Decimal(str(step))
    return ratio == ratio.to_integral_value()


@pytest.fixture(scope="module")
def binance_sim():
    with Simulator("binance", "--rate", "5") as sim:
        yield sim


@pytest.fixture(scope="module")
def okx_sim():
    with Simulator("okx", "--rate", "5") as sim:
        yield sim


# ----------------------------------------------------------------------------- crypto: ccxt


def test_ccxt_binance_loads_every_market_from_exchange_info_and_reads_klines(binance_sim: Simulator) -> None:
    exchange = binance(ccxt.binance(), binance_sim.url)
    markets = exchange.load_markets()
    assert set(markets) == PAIRS
    for market in markets.values():
        info = market["info"]
        assert set(info) >= BINANCE_SYMBOL_FIELDS, BINANCE_SYMBOL_FIELDS - set(info)
        filters = {f["filterType"]: f for f in info["filters"]}
        assert {"PRICE_FILTER", "LOT_SIZE", "NOTIONAL"} <= set(filters)
        assert market["active"] and market["spot"] and market["type"] == "spot"
        assert market["precision"]["price"] == float(filters["PRICE_FILTER"]["tickSize"])
        assert market["precision"]["amount"] == float(filters["LOT_SIZE"]["stepSize"])
        assert market["limits"]["amount"]["min"] == float(filters["LOT_SIZE"]["minQty"])
        assert market["limits"]["cost"]["min"] == float(filters["NOTIONAL"]["minNotional"]) > 0
    assert exchange.price_to_precision("BTC/USDT", 67_000.12345) == "67000.12"
    assert exchange.amount_to_precision("BTC/USDT", 0.1234567) == "0.123456"
    for symbol in ("BTC/USDT", "ETH/BTC"):
        bars = exchange.fetch_ohlcv(symbol, "1m", limit=30)
        assert len(bars) == 30
        tick = markets[symbol]["precision"]["price"]
        assert all(on_grid(price, tick) for bar in bars for price in bar[1:5]), symbol  # prices the ticks allow


def test_ccxt_okx_loads_every_instrument_and_reads_candles(okx_sim: Simulator) -> None:
    exchange = okx(ccxt.okx(), okx_sim.url)
    markets = exchange.load_markets()
    assert set(markets) == PAIRS
    for market in markets.values():
        info = market["info"]
        assert set(info) >= OKX_INSTRUMENT_FIELDS, OKX_INSTRUMENT_FIELDS - set(info)
        assert market["active"] and market["spot"] and info["state"] == "live"
        assert market["precision"]["price"] == float(info["tickSz"])
        assert market["precision"]["amount"] == float(info["lotSz"])
        assert market["limits"]["amount"]["min"] == float(info["minSz"])
    bars = exchange.fetch_ohlcv("SOL/USDT", "1m", limit=20)
    assert len(bars) == 20
    assert all(on_grid(price, markets["SOL/USDT"]["precision"]["price"]) for bar in bars for price in bar[1:5])
    # OKX's own answers for what it does not have
    assert exchange.publicGetPublicInstruments({"instType": "SWAP"})["data"] == []
    with pytest.raises(ccxt.BadSymbol):
        exchange.publicGetPublicInstruments({"instType": "SPOT", "instId": "DOGE-USDT"})


@pytest.mark.parametrize("name", ["binance", "okx"])
def test_ccxt_pro_watches_candles_over_the_simulators_websocket(name: str, binance_sim, okx_sim) -> None:
    sim, point = (binance_sim, binance) if name == "binance" else (okx_sim, okx)

    async def watch() -> list[list[Any]]:
        exchange = point(getattr(ccxt_pro, name)(), sim.url)
        try:
            await exchange.load_markets()
            seen: list[list[Any]] = []
            while len(seen) < 3:  # the forming bar, pushed again and again
                seen.extend(await asyncio.wait_for(exchange.watch_ohlcv("ETH/USDT", "1m"), 20))
            return seen
        finally:
            await exchange.close()

    bars = asyncio.run(watch())
    assert all(start % 60_000 == 0 for start, *_ in bars)  # minute bars, by their start
    for _start, open_, high, low, close, volume in bars:
        assert low <= min(open_, close) <= max(open_, close) <= high and volume >= 0


@pytest.mark.parametrize("name", ["binance", "okx"])
def test_ccxt_pro_builds_books_and_reads_trades_from_the_simulators(name: str, binance_sim, okx_sim) -> None:
    """ccxt.pro's own book building (Binance: the diff depth stream and REST depth; OKX: books)
    and trade parsing work on the simulators' streams: sorted, uncrossed books, newer each time.

    (Not compared level by level with the simulator's true book: ccxt.pro fetches Binance's
    REST snapshot before the stream's first event and reports a `nonce` its book is not always
    at, so its early books are not the exchange's. feedcli's are, tests/e2e/test_crypto_*.py.)"""
    sim, point = (binance_sim, binance) if name == "binance" else (okx_sim, okx)

    async def watch() -> tuple[list[tuple[int, list, list]], list[dict]]:
        exchange = point(getattr(ccxt_pro, name)(), sim.url)
        try:
            await exchange.load_markets()
            books = []
            for _ in range(5):
                book = await asyncio.wait_for(exchange.watch_order_book("SOL/USDT"), 20)
                books.append((book["nonce"], book["bids"][:10], book["asks"][:10]))
            trades = await asyncio.wait_for(exchange.watch_trades("SOL/USDT"), 20)
            return books, trades
        finally:
            await exchange.close()

    books, trades = asyncio.run(watch())
    nonces = [nonce for nonce, _, _ in books]
    assert nonces == sorted(nonces) and len(set(nonces)) > 1
    for _nonce, bids, asks in books:
        assert len(bids) == len(asks) == 10
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)
        assert bids[0][0] < asks[0][0]
    assert trades and all(t["side"] in ("buy", "sell") and t["id"].isdigit() and t["price"] > 0 for t in trades)


# ----------------------------------------------------------------------------- STOMP over WebSocket: stomp.py


class _Collector(stomp.ConnectionListener):
    """What a stomp.py listener is told, in order; `wanted` MESSAGEs set `done`."""

    def __init__(self, wanted: int) -> None:
        self.connected: list[Any] = []
        self.receipts: list[str] = []
        self.errors: list[Any] = []
        self.messages: list[Any] = []
        self.wanted = wanted
        self.done = threading.Event()

    def on_connected(self, frame: Any) -> None:
        self.connected.append(frame)

    def on_receipt(self, frame: Any) -> None:
        self.receipts.append(frame.headers["receipt-id"])

    def on_error(self, frame: Any) -> None:
        self.errors.append(frame)
        self.done.set()

    def on_message(self, frame: Any) -> None:
        self.messages.append(frame)
        if len(self.messages) >= self.wanted:
            self.done.set()


def stomp_stream(base: str, destination: str, selector: str, wanted: int, login=("guest", "guest", "DEMO")):
    """Connect with stomp.py's WebSocket client, subscribe once, collect `wanted` MESSAGEs."""
    host, port = re.match(r"http://([\d.]+):(\d+)", base).groups()  # type: ignore[union-attr]
    connection = WSStompConnection(
        [(host, int(port))],
        ws_path="/infocx/v3/websocket",
        header=["Sec-WebSocket-Protocol: STOMP"],  # MOEX's subprotocol
        heartbeats=(0, 0),
        reconnect_attempts_max=1,
    )
    listener = _Collector(wanted)
    connection.set_listener("test", listener)
    user, passcode, domain = login
    connection.connect(user, passcode, wait=True, headers={"domain": domain})
    try:
        connection.subscribe(destination, id="sub-1", receipt="sub-1", headers={"selector": selector})
        listener.done.wait(30)
    finally:
        # a replay server closes the connection itself at the end of the recording: between
        # is_connected() and DISCONNECT the library may already have closed its socket
        if connection.is_connected():
            with contextlib.suppress(OSError, StompException):
                connection.disconnect()
    return listener


def test_stomp_py_over_websocket_reads_the_moex_simulator() -> None:
    with Simulator("moex", "--rate", "50") as sim:
        got = stomp_stream(sim.url, "MXSE.orderbooks", 'TICKER="MXSE.TQBR.SBER"', 5)
    assert not got.errors, [(e.headers, e.body) for e in got.errors]
    (connected,) = got.connected
    assert "structure" in json.loads(connected.body)  # the metadata, as moexalgo reads it
    assert got.receipts[0] == "sub-1"  # the SUBSCRIBE's (then the DISCONNECT's)
    packets = [json.loads(m.body) for m in got.messages[:5]]
    for message in got.messages:
        assert (message.headers["subscription"], message.headers["destination"]) == ("sub-1", "MXSE.orderbooks")
    assert [p["properties"]["seqnum"] for p in packets] == list(range(1, 6))
    for packet in packets:
        assert packet["columns"] == ["BUYSELL", "PRICE", "QUANTITY", "REPOVALUE"]
        assert {row[0] for row in packet["data"]} == {"B", "S"}


def _book(packet: dict[str, Any]) -> dict[str, list[list[float]]]:
    """An orderbooks packet's rows as feedcli writes a book: bids and asks, best first."""
    rows = [dict(zip(packet["columns"], row, strict=True)) for row in packet["data"]]
    price = lambda r: r["PRICE"][0] if isinstance(r["PRICE"], list) else r["PRICE"]  # noqa: E731
    bids = sorted(([price(r), r["QUANTITY"]] for r in rows if r["BUYSELL"] == "B"), reverse=True)
    asks = sorted([price(r), r["QUANTITY"]] for r in rows if r["BUYSELL"] == "S")
    return {"bids": bids, "asks": asks}


def test_stomp_py_over_websocket_reads_a_moex_recording_served_by_replay(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "books.ndjson"
    with Simulator("moex", "--rate", "50") as sim:
        args = ["record", "moex", "--url", sim.url, "--ticker", "MXSE.TQBR.SBER", "--stream", "orderbooks"]
        result = run([*args, "-o", str(rec), "--limit", "12"], env)
    assert result.returncode == 0, result.stderr
    recorded = [o["data"] for o in lines(rec.read_text()) if "channel" in o]
    assert len(recorded) == 12
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", serve.stderr.readline()).group(0)  # type: ignore[union-attr]
        got = stomp_stream(base, "MXSE.orderbooks", 'TICKER="MXSE.TQBR.SBER"', 12)
        assert not got.errors, [(e.headers, e.body) for e in got.errors]
        assert got.receipts[0] == "sub-1"
        assert [_book(json.loads(m.body)) for m in got.messages] == recorded
        assert serve.wait(30) == 0
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)
