"""The Datafye simulator's market: the symbols it lists and the records it makes of them.

Pure and seeded, as HT's `ht_market.py` is: a live walk per (symbol, connection) gives
quotes, trades and the bars built from them (`Book`, `Bar`, `Averages`), and history is a
function of time alone (`Curve`, `history_bars`), so a repeated or overlapping request gives
identical bars. `datafye.py` serves these over the wire.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from feedcli.providers.datafye import DATASETS
from feedcli.wallclock import read_moment

#: bar length in ms per frequency
FREQUENCY_MS: dict[str, int] = {"Second": 1_000, "Minute": 60_000, "Hour": 3_600_000, "Day": 86_400_000}
#: bars over which sma and ema are computed (fewer at the start of a connection)
MA_PERIODS = 20


# ----------------------------------------------------------------------------- the universe


@dataclass(frozen=True)
class Listing:
    """A symbol served, with what makes its prints plausible.

    `price` is where the live walk starts and the level history moves around; `lot` the
    typical size (shares, or coins); `venues` the exchange IDs quotes and trades come from.
    """

    symbol: str
    price: float
    lot: float
    venues: tuple[int, ...]
    crypto: bool = False


# SIP participant numbering (NYSE, NYSE Arca, Nasdaq, IEX, Cboe EDGX, MEMX); 4 is FINRA, whose
# trade reporting facilities report off-exchange prints
_STOCK_VENUES = (10, 11, 12, 15, 8, 21)
_FINRA = 4
_TRF_IDS = (201, 202, 203)
_CRYPTO_VENUES = (1, 2, 6, 23)

STOCKS: tuple[Listing, ...] = (
    Listing("AAPL", 228.50, 100, _STOCK_VENUES),
    Listing("MSFT", 415.20, 100, _STOCK_VENUES),
    Listing("NVDA", 135.40, 100, _STOCK_VENUES),
    Listing("AMZN", 201.30, 100, _STOCK_VENUES),
    Listing("GOOGL", 176.80, 100, _STOCK_VENUES),
    Listing("TSLA", 251.60, 100, _STOCK_VENUES),
    Listing("SPY", 590.10, 100, _STOCK_VENUES),
)
CRYPTO: tuple[Listing, ...] = (
    Listing("BTC-USD", 97_250.00, 0.05, _CRYPTO_VENUES, crypto=True),
    Listing("ETH-USD", 3_410.00, 0.5, _CRYPTO_VENUES, crypto=True),
    Listing("SOL-USD", 190.40, 5.0, _CRYPTO_VENUES, crypto=True),
)
#: dataset → what it serves (SIP and Synthetic share the stocks)
UNIVERSE: dict[str, dict[str, Listing]] = {
    dataset: {x.symbol: x for x in (CRYPTO if dataset == "Crypto" else STOCKS)} for dataset in DATASETS
}


# ----------------------------------------------------------------------------- market models


def _size(listing: Listing, rng: random.Random, scale: float) -> float | int:
    """A plausible size: round lots of shares, or a fraction of coins."""
    if listing.crypto:
        return max(0.0001, round(listing.lot * scale * rng.uniform(0.05, 1.0), 4))
    return max(1, int(listing.lot * scale * rng.uniform(0.01, 1.0)))


class Book:
    """One symbol's live market on one connection: a seeded walk of the mid, a spread, prints.

    Seeded by (seed, symbol) only, so that a reconnect starts it again from the same place.
    The walk (mid and spread) has a generator of its own, apart from the one that draws
    sizes and venues, so that the Nth quote on a quotes connection and the Nth trade on a
    trades connection of one symbol see the same bid and ask: trades print inside quotes.
    """

    def __init__(self, listing: Listing, seed: int) -> None:
        self.listing = listing
        self.walk = random.Random(f"datafye/{seed}/{listing.symbol}/walk")
        self.rng = random.Random(f"datafye/{seed}/{listing.symbol}/prints")
        self.mid = listing.price
        self.bid = self.ask = 0  # in cents
        #: trade IDs increase per symbol from a seeded start
        self.trade_id = 1_000_000 + self.rng.randrange(1_000_000)

    def _step(self) -> None:
        rng = self.walk
        self.mid *= math.exp(rng.gauss(0.0, 0.0003))
        spread = 1 if self.listing.symbol == "SPY" else rng.choice((1, 1, 1, 2, 2, 3))
        if self.listing.crypto:
            spread = max(1, int(self.mid * rng.uniform(0.00001, 0.0001) * 100))
        self.bid = max(1, math.floor(self.mid * 100 - spread / 2))
        self.ask = self.bid + spread

    def quote(self, now_ms: int) -> dict[str, Any]:
        """A top-of-book quote, bid below ask (the Quote, or CryptoQuote, domain class)."""
        self._step()
        rng, listing = self.rng, self.listing
        if listing.crypto:
            return {
                "symbol": listing.symbol,
                "exchangeTimestamp": now_ms,
                "exchangeID": rng.choice(listing.venues),
                "bidPrice": self.bid / 100,
                "bidSize": _size(listing, rng, 20),
                "askPrice": self.ask / 100,
                "askSize": _size(listing, rng, 20),
            }
        return {
            "symbol": listing.symbol,
            "exchangeTimestamp": now_ms,
            "bidExchangeID": rng.choice(listing.venues),
            "bidPrice": self.bid / 100,
            "bidSize": _size(listing, rng, 20),
            "askExchangeID": rng.choice(listing.venues),
            "askPrice": self.ask / 100,
            "askSize": _size(listing, rng, 20),
        }

    def trade(self, now_ms: int) -> dict[str, Any]:
        """A print within the current bid/ask (the Trade, or CryptoTrade, domain class)."""
        self._step()
        rng, listing = self.rng, self.listing
        self.trade_id += rng.randint(1, 9)
        price = rng.randint(self.bid, self.ask) / 100
        if listing.crypto:
            return {
                "symbol": listing.symbol,
                "exchangeID": rng.choice(listing.venues),
                "exchangeTimestamp": now_ms,
                "tradeID": str(self.trade_id),
                "tradePrice": price,
                "tradeSize": _size(listing, rng, 2),
            }
        off_exchange = rng.random() < 0.15
        return {
            "symbol": listing.symbol,
            "exchangeID": _FINRA if off_exchange else rng.choice(listing.venues),
            "exchangeTimestamp": now_ms,
            "trfID": rng.choice(_TRF_IDS) if off_exchange else 0,
            "trfTimestamp": now_ms + rng.randint(0, 3) if off_exchange else 0,
            "tradeID": str(self.trade_id),
            "tradePrice": price,
            "tradeSize": _size(listing, rng, 2),
        }


class Bar:
    """An OHLC bar being built from trades; `record()` is the OHLC domain class."""

    __slots__ = ("close", "end", "high", "low", "open", "start", "symbol", "volume")

    def __init__(self, symbol: str, start: int, length: int, price: float, size: float) -> None:
        self.symbol = symbol
        self.start = start
        self.end = start + length
        self.open = self.high = self.low = self.close = price
        self.volume: float = size

    def add(self, price: float, size: float) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += size

    def record(self) -> dict[str, Any]:
        volume = self.volume if isinstance(self.volume, int) else round(self.volume, 4)
        return {
            "symbol": self.symbol,
            "datetime": self.start,
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": volume,
        }


class Averages:
    """SMA and EMA over the last `MA_PERIODS` bars, the current (unfinished) one included."""

    def __init__(self) -> None:
        self.closes: deque[float] = deque(maxlen=MA_PERIODS - 1)
        self.ema: float | None = None

    def value(self, kind: str, close: float) -> float:
        if kind == "sma":
            return round((sum(self.closes) + close) / (len(self.closes) + 1), 4)
        if self.ema is None:
            return round(close, 4)
        alpha = 2 / (MA_PERIODS + 1)
        return round(self.ema + alpha * (close - self.ema), 4)

    def close_bar(self, close: float) -> None:
        self.ema = self.value("ema", close)
        self.closes.append(close)


def bar_start(t_ms: int, frequency: str) -> int:
    """The start of the bar holding `t_ms` (UTC-aligned, so Day bars start at midnight UTC)."""
    length = FREQUENCY_MS[frequency]
    return t_ms - t_ms % length


class Curve:
    """One symbol's historical price as a function of time alone.

    A random walk would make a bar depend on where the request started; a function of time
    makes every request, repeated or overlapping, agree bar for bar. Log-price is a sum of
    seeded waves (five minutes to a quarter) plus per-instant noise seeded by the instant.
    """

    _WAVES = ((300.0, 0.0008), (3_600.0, 0.003), (86_400.0, 0.01), (604_800.0, 0.02), (7_776_000.0, 0.08))

    def __init__(self, listing: Listing, seed: int) -> None:
        self.listing = listing
        self.key = f"datafye/{seed}/{listing.symbol}/history"
        rng = random.Random(self.key)
        self.phases = [rng.uniform(0.0, 2 * math.pi) for _ in self._WAVES]
        self._cache: tuple[int, float] | None = None

    def level(self, t_ms: int) -> float:
        if self._cache is not None and self._cache[0] == t_ms:
            return self._cache[1]
        x = sum(
            a * math.sin(2 * math.pi * t_ms / (p * 1000) + ph)
            for (p, a), ph in zip(self._WAVES, self.phases, strict=True)
        )
        x += random.Random(f"{self.key}/{t_ms}").gauss(0.0, 0.0003)
        price = round(self.listing.price * math.exp(x), 2)
        self._cache = (t_ms, price)
        return price

    def bar(self, start: int, length: int) -> dict[str, Any]:
        """The bar [start, start + length): opens where the previous one closed."""
        rng = random.Random(f"{self.key}/{start}/{length}")
        first, last = self.level(start), self.level(start + length)
        wick = 0.0004 * math.sqrt(length / 60_000)
        high = max(round(max(first, last) * (1 + abs(rng.gauss(0.0, wick))), 2), first, last)
        low = min(round(min(first, last) * (1 - abs(rng.gauss(0.0, wick))), 2), first, last)
        volume: float = self.listing.lot * 200 * (length / 60_000) * rng.lognormvariate(0.0, 0.5)
        volume = round(volume, 4) if self.listing.crypto else max(1, int(volume))
        return {
            "symbol": self.listing.symbol,
            "datetime": start,
            "open": first,
            "high": high,
            "low": low,
            "close": last,
            "volume": volume,
        }


def history_bars(listing: Listing, seed: int, frequency: str, start_ms: int, end_ms: int) -> Iterator[dict[str, Any]]:
    """The bars starting in [bar_start(start_ms), end_ms), in order."""
    length = FREQUENCY_MS[frequency]
    curve = Curve(listing, seed)
    t = bar_start(start_ms, frequency)
    while t < end_ms:
        yield curve.bar(t, length)
        t += length


def parse_time(value: Any) -> int | None:
    """An ISO 8601 time (`Z`, an offset, or none meaning UTC) as epoch ms, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    moment = read_moment(value.strip())
    return None if moment is None else round(moment.timestamp() * 1000)
