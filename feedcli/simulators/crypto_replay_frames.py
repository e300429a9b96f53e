"""`replay --serve` of crypto trades and tickers: a recorded line as each exchange's own frame.

A recorded `trades` or `ticker` line holds what feedcli's codec read from the exchange's frame
(CONTRACT.md "Crypto channels"), with the exchange's time as `ts` and its number as `seq`. Each
function here turns it back into the neutral `Trade`/`Ticker` and encodes it with the same
codec helper (feedcli/providers/crypto/<exchange>.py) the exchange's simulator sends, so
`feedcli stream <exchange> --channel trades --channel ticker --url ...` reads back the same
price, size, side and id (or bid, ask, sizes and last), the same `seq` and the same `ts`.

Where a frame needs what a recorded line does not keep, it is derived, the same way every time:
- KuCoin's match `sequence` (the book's sequence at the trade) is the trade's recorded `seq`
  (its id) or 0; `takerOrderId`/`makerOrderId` are made from the trade id, as the simulator does.
- Bybit's ticker is the best bid and ask of an `orderbook.1` snapshot (where feedcli reads it),
  with the recorded `seq` as its `u` and a `seq` (cross sequence) of 0.
- Coinbase numbers every message of a connection (`sequence_num`): a replayed message takes the
  connection's next number, as the simulator's own messages do. A connection's first ticker
  of a product is a `snapshot` event, later ones `update`s, as Coinbase sends them; trades are
  `update`s.
- OKX's trade `count` is 1 and `source` 0; Gate's `id_market` and `range` are made from the id;
  Binance's trade `E` (event time) is the trade time.
- A trade line without a `side` (a `--normalize`d line may say null) is served as a buy.

What a simulator sends on its own when a client subscribes (Coinbase's current ticker, Bybit's
`orderbook.1` snapshot) comes from its seeded market, not from the recording, so `REPLAY_MIXINS`
holds it back: the recording's own lines are the only tickers a client gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from feedcli.events import DataEvent
from feedcli.providers.crypto.model import BookSnapshot, Ticker, Trade
from feedcli.simulators.candles import Subscriber
from feedcli.wallclock import utc_moment


def _ms(ts: Any) -> int | None:
    """A line's `ts` as epoch milliseconds (None where it has none), rounded as the replay does."""
    moment = utc_moment(ts)
    return None if moment is None else round(moment.timestamp() * 1000)


def recorded_trade(symbol: str, event: DataEvent, *, numeric_id: bool = False) -> Trade | None:
    """A trade line back as a Trade of `symbol` (the exchange's spelling); None if it is not one.

    `numeric_id`: the exchange sends its trade id as a JSON number (Binance, Gate).
    """
    data = event.data
    if not isinstance(data, dict):
        return None
    try:
        trade_id = data["id"]
        if numeric_id:
            trade_id = int(trade_id)
        elif not isinstance(trade_id, str):
            trade_id = str(trade_id)
        return Trade(
            symbol,
            float(data["price"]),
            float(data["size"]),
            data.get("side") or "buy",
            trade_id,
            _ms(event.ts),
        )
    except (KeyError, TypeError, ValueError):
        return None


def recorded_ticker(symbol: str, event: DataEvent) -> Ticker | None:
    """A ticker line back as a Ticker of `symbol`, with its recorded time and `seq`; None if it is not one."""
    data = event.data
    if not isinstance(data, dict):
        return None
    try:
        last = data.get("last")
        return Ticker(
            symbol,
            float(data["bid"]),
            float(data["bid_size"]),
            float(data["ask"]),
            float(data["ask_size"]),
            last=None if last is None else float(last),
            ts_ms=_ms(event.ts),
            seq=event.seq,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _dumps(frames: Iterable[Any]) -> list[str]:
    return [orjson.dumps(frame).decode() for frame in frames]


# ------------------------------------------------------------------ Binance
def _binance_feeds(sub: Subscriber, event: DataEvent, kind: str, payload: Any) -> list[str]:
    """A Binance payload to each of the subscriber's streams of `kind` for the line's pair."""
    combined = sub.extra.get("combined")
    return _dumps(
        {"stream": name, "data": payload} if combined else payload
        for name, (pair, feed_kind) in sub.extra.get("feeds", {}).items()
        if pair == event.symbol and feed_kind == kind
    )


def _binance_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import binance as wire

    trade = recorded_trade(server.symbol_of(event.symbol), event, numeric_id=True)
    return [] if trade is None else _binance_feeds(sub, event, "trade", wire.encode_trade(trade))


def _binance_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import binance as wire

    ticker = recorded_ticker(server.symbol_of(event.symbol), event)
    return [] if ticker is None else _binance_feeds(sub, event, "bookTicker", wire.encode_book_ticker(ticker))


# ------------------------------------------------------------------ OKX: /ws/v5/public
def _okx_subscribed(sub: Subscriber, channel: str, pair: str) -> bool:
    return (channel, pair) in sub.extra.get("feeds", ())  # OKX's instId is the pair as written


def _okx_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import okx

    trade = recorded_trade(event.symbol, event)
    if trade is None or not _okx_subscribed(sub, okx.TRADES, event.symbol):
        return []
    return _dumps([okx.push(okx.TRADES, event.symbol, [okx.encode_trade(trade)])])


def _okx_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import okx

    ticker = recorded_ticker(event.symbol, event)
    if ticker is None or not _okx_subscribed(sub, okx.TICKERS, event.symbol):
        return []
    return _dumps([okx.push(okx.TICKERS, event.symbol, [okx.encode_ticker(ticker)])])


# ------------------------------------------------------------------ Bybit: publicTrade, orderbook.1
def _bybit_topics(sub: Subscriber, pair: str, depth: int) -> list[str]:
    """The subscriber's Bybit symbols for the pair in topics of `depth` (0: publicTrade)."""
    feeds: dict[str, tuple[str, str, int]] = sub.extra.get("feeds", {})
    return [symbol for p, symbol, d in feeds.values() if p == pair and d == depth]


def _bybit_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import bybit

    out = []
    for symbol in _bybit_topics(sub, event.symbol, 0):
        trade = recorded_trade(symbol, event)
        if trade is not None:
            out.append(bybit.encode_trades(symbol, [trade], trade.ts_ms or server.now_ms()))
    return _dumps(out)


def _bybit_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import bybit

    out = []
    for symbol in _bybit_topics(sub, event.symbol, 1):
        ticker = recorded_ticker(symbol, event)
        if ticker is not None:
            top = BookSnapshot(
                symbol,
                [(ticker.bid, ticker.bid_size)],
                [(ticker.ask, ticker.ask_size)],
                ticker.seq or 0,
                ts_ms=ticker.ts_ms or server.now_ms(),
            )
            out.append(bybit.encode_book(top, 1))
    return _dumps(out)


class BybitReplay:
    """Bybit's simulator, without its seeded `orderbook.1` snapshot on subscribing (the ticker
    topic): the recording's tickers are the snapshots."""

    def on_message(self, sub: Subscriber, text: str) -> list[str]:
        replies: list[str] = super().on_message(sub, text)  # type: ignore[misc]
        return [reply for reply in replies if not reply.startswith('{"topic":"orderbook.1.')]


# ------------------------------------------------------------------ Coinbase Advanced Trade
def _coinbase_message(sub: Subscriber, channel: str, ts_ms: int, events: list[Any]) -> str:
    """A message numbered in the connection's one `sequence_num` series."""
    from feedcli.providers.crypto import coinbase

    seq = sub.extra.get("seq", 0)
    sub.extra["seq"] = seq + 1
    return orjson.dumps(coinbase.message(channel, seq, ts_ms, events)).decode()


def _coinbase_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import coinbase

    trade = recorded_trade(event.symbol, event)
    if trade is None or (coinbase.MARKET_TRADES, event.symbol) not in sub.extra.get("feeds", ()):
        return []
    events = [{"type": "update", "trades": [coinbase.encode_trade(trade)]}]
    return [_coinbase_message(sub, coinbase.MARKET_TRADES, trade.ts_ms or server.now_ms(), events)]


def _coinbase_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import coinbase

    ticker = recorded_ticker(event.symbol, event)
    if ticker is None or (coinbase.TICKER, event.symbol) not in sub.extra.get("feeds", ()):
        return []
    started: set[str] = sub.extra.setdefault("replayed_tickers", set())
    kind = "update" if event.symbol in started else "snapshot"
    started.add(event.symbol)
    events = [{"type": kind, "tickers": [coinbase.encode_ticker(ticker)]}]
    return [_coinbase_message(sub, coinbase.TICKER, ticker.ts_ms or server.now_ms(), events)]


class CoinbaseReplay:
    """Coinbase's simulator, without its seeded `market_trades` and `ticker` snapshots on
    subscribing: the recording's first ticker of a product is sent as the snapshot."""

    def _snapshot(self, sub: Subscriber, channel: str, product: str) -> list[bytes]:
        from feedcli.providers.crypto import coinbase

        if channel in (coinbase.MARKET_TRADES, coinbase.TICKER):
            return []
        return super()._snapshot(sub, channel, product)  # type: ignore[misc, no-any-return]


# ------------------------------------------------------------------ KuCoin
def _kucoin_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import kucoin

    trade = recorded_trade(event.symbol, event)  # KuCoin's symbol is the pair as written
    if trade is None or (kucoin.MATCH, event.symbol) not in sub.extra.get("feeds", ()):
        return []
    data = kucoin.encode_match(trade, event.seq or 0)
    return _dumps([kucoin.envelope(kucoin.MATCH, event.symbol, "trade.l3match", data)])


def _kucoin_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import kucoin

    ticker = recorded_ticker(event.symbol, event)
    if ticker is None or (kucoin.TICKER, event.symbol) not in sub.extra.get("feeds", ()):
        return []
    return _dumps([kucoin.envelope(kucoin.TICKER, event.symbol, "trade.ticker", kucoin.encode_ticker(ticker))])


# ------------------------------------------------------------------ Gate.io
def _gate_symbols(server: Any, sub: Subscriber, channel: str, pair: str) -> list[str]:
    return [s for c, s in sub.extra.get("feeds", ()) if c == channel and server.pair_of.get(s) == pair]


def _gate_trade(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import gate

    out = []
    for symbol in _gate_symbols(server, sub, gate.TRADES, event.symbol):
        trade = recorded_trade(symbol, event, numeric_id=True)
        if trade is not None:
            out.append(gate.envelope(gate.TRADES, gate.encode_trade(trade), trade.ts_ms or server.now_ms()))
    return _dumps(out)


def _gate_ticker(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    from feedcli.providers.crypto import gate

    out = []
    for symbol in _gate_symbols(server, sub, gate.BOOK_TICKER, event.symbol):
        ticker = recorded_ticker(symbol, event)
        if ticker is not None:
            frame = gate.encode_book_ticker(ticker)
            out.append(gate.envelope(gate.BOOK_TICKER, frame, ticker.ts_ms or server.now_ms()))
    return _dumps(out)


Frames = Callable[[Any, Subscriber, DataEvent], list[str]]

#: exchange (its simulator's `name`) → (trade frames, ticker frames)
EXCHANGE_FRAMES: dict[str, tuple[Frames, Frames]] = {
    "binance": (_binance_trade, _binance_ticker),
    "okx": (_okx_trade, _okx_ticker),
    "bybit": (_bybit_trade, _bybit_ticker),
    "coinbase": (_coinbase_trade, _coinbase_ticker),
    "kucoin": (_kucoin_trade, _kucoin_ticker),
    "gate": (_gate_trade, _gate_ticker),
}

#: exchange → the class mixed in before its simulator's, for what it sends on subscribing
REPLAY_MIXINS: dict[str, tuple[type, ...]] = {"bybit": (BybitReplay,), "coinbase": (CoinbaseReplay,)}


def trade_frames(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    """A recorded trade line as the exchange's trade message(s) to one subscriber."""
    frames = EXCHANGE_FRAMES.get(server.name)
    return [] if frames is None else frames[0](server, sub, event)


def ticker_frames(server: Any, sub: Subscriber, event: DataEvent) -> list[str]:
    """A recorded ticker line as the exchange's best bid/ask message(s) to one subscriber."""
    frames = EXCHANGE_FRAMES.get(server.name)
    return [] if frames is None else frames[1](server, sub, event)


__all__ = ["EXCHANGE_FRAMES", "REPLAY_MIXINS", "recorded_ticker", "recorded_trade", "ticker_frames", "trade_frames"]
