"""The MOEX ISS+ simulator's market: the instruments it lists and their seeded walks, rows,
order books and candles, as HT's `ht_market.py` is for HT. `moex.py` serves them over STOMP."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from feedcli.providers.moex.metadata import FALLBACK_SCHEMA
from feedcli.providers.moex.protocol import MOSCOW, SEARCH_DESTINATION
from feedcli.providers.moex.values import encode_fixed

#: candle bars a snapshot carries (MOEX sends 256 daily bars; fewer keep tests quick)
HISTORY_BARS = 120
#: order-book levels per side
BOOK_DEPTH = 10
#: the resources served, as the built-in metadata describes them
SECURITIES = FALLBACK_SCHEMA.resources["MXSE.securities"]
CANDLES = FALLBACK_SCHEMA.resources["MXSE.candles"]
ORDERBOOKS = FALLBACK_SCHEMA.resources["MXSE.orderbooks"]
SEARCH = FALLBACK_SCHEMA.resources[SEARCH_DESTINATION]
SEC_COLUMNS = [c.name for c in SECURITIES.output]
BOOK_COLUMNS = [c.name for c in ORDERBOOKS.output]
CANDLE_COLUMNS = [c.name for c in CANDLES.output]
SEARCH_COLUMNS = [c.name for c in SEARCH.output]


@dataclass(frozen=True)
class Listing:
    """An instrument served: its ticker, names, and where its price walk starts."""

    ticker: str
    shortname: str
    name: str
    isin: str
    price: float
    lot: int
    step: float
    issue: int

    @property
    def secid(self) -> str:
        return self.ticker.rsplit(".", 1)[1]

    @property
    def board(self) -> str:
        return self.ticker.split(".")[1]

    @property
    def decimals(self) -> int:
        text = f"{self.step:.6f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0


UNIVERSE: tuple[Listing, ...] = (
    Listing("MXSE.TQBR.SBER", "Sberbank", "Sberbank of Russia", "RU0009029540", 306.13, 1, 0.01, 21_586_948_000),
    Listing("MXSE.TQBR.SBERP", "Sberbank-p", "Sberbank, pref.", "RU0009029557", 305.42, 1, 0.01, 1_000_000_000),
    Listing("MXSE.TQBR.GAZP", "GAZPROM ao", "Gazprom", "RU0007661625", 128.61, 10, 0.01, 23_673_512_900),
    Listing("MXSE.TQBR.LKOH", "LUKOIL", "LUKOIL", "RU0009024277", 6950.5, 1, 0.5, 692_865_762),
    Listing("MXSE.TQBR.GMKN", "NorNickel GMK", "Norilsk Nickel", "RU0007288411", 120.34, 10, 0.02, 15_286_339_700),
    Listing("MXSE.TQBR.YDEX", "Yandex", "YANDEX", "RU000A107T19", 4100.5, 1, 0.5, 392_000_000),
)

#: seconds per interval (months and quarters are calendar ones, handled apart)
_INTERVAL_SECONDS = {"M1": 60, "M10": 600, "H1": 3600, "D1": 86_400, "W1": 7 * 86_400}


# ----------------------------------------------------------------------------- the market


def _floor_time(now: datetime, interval: str) -> datetime:
    """The start of the bar holding `now` (Moscow time)."""
    local = now.astimezone(MOSCOW).replace(microsecond=0)
    if interval in ("m1", "m3", "Q1"):
        month = local.month if interval == "m1" else local.month - (local.month - 1) % 3
        return local.replace(month=month, day=1, hour=0, minute=0, second=0)
    if interval == "W1":
        day = local.replace(hour=0, minute=0, second=0)
        return day - timedelta(days=day.weekday())
    seconds = _INTERVAL_SECONDS[interval]
    midnight = local.replace(hour=0, minute=0, second=0)
    since = int((local - midnight).total_seconds())
    return midnight + timedelta(seconds=since - since % seconds) if seconds < 86_400 else midnight


def _next_time(start: datetime, interval: str) -> datetime:
    if interval in ("m1", "m3", "Q1"):
        months = 1 if interval == "m1" else 3
        month = start.month - 1 + months
        return start.replace(year=start.year + month // 12, month=month % 12 + 1)
    return start + timedelta(seconds=_INTERVAL_SECONDS[interval])


def _prev_time(start: datetime, interval: str) -> datetime:
    if interval in ("m1", "m3", "Q1"):
        months = 1 if interval == "m1" else 3
        month = start.month - 1 - months
        return start.replace(year=start.year + month // 12, month=month % 12 + 1)
    return start - timedelta(seconds=_INTERVAL_SECONDS[interval])


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Instrument:
    """One ticker's market: a seeded walk of trades and quotes, its book and its candles.

    Values are kept as the wire carries them (`fixed` as [value, decimals], enums as ids,
    dates and times as MOEX writes them), so a packet is built by reading them out.
    """

    def __init__(self, listing: Listing, seed: int, now: datetime) -> None:
        self.listing = listing
        self.seed = seed
        self.rng = random.Random(f"moex/{seed}/{listing.ticker}")
        self.dec = listing.decimals
        price = listing.price
        half = listing.step * max(1, round(price * 0.0002 / listing.step))
        self.bid, self.offer = self._round(price - half), self._round(price + half)
        self.last = price
        self.prev = self._round(price * (1 + self.rng.uniform(-0.01, 0.01)))
        self.levels: dict[str, list[list[Any]]] = {"B": [], "S": []}
        self._rebuild_book()
        local = now.astimezone(MOSCOW)
        settle = (local + timedelta(days=1)).strftime("%Y-%m-%d")
        self.row: dict[str, Any] = dict.fromkeys(SEC_COLUMNS)
        self.row.update(
            {
                "TICKER": listing.ticker,
                "CAPTION": listing.shortname,
                "LAST": self._fixed(price),
                "CHANGE": self._fixed(price - self.prev),
                "BID": self._fixed(self.bid),
                "OFFER": self._fixed(self.offer),
                "HIGH": self._fixed(max(price, self.prev)),
                "LOW": self._fixed(min(price, self.prev)),
                "HIGHBID": self._fixed(self.bid),
                "LOWOFFER": self._fixed(self.offer),
                "BIDDEPTHT": self.rng.randint(500_000, 2_000_000),
                "OFFERDEPTHT": self.rng.randint(500_000, 3_000_000),
                "VOLTODAY": [0, 0],
                "VALTODAY": 0,
                "NUMTRADES": 0,
                "LCURRENTPRICE": self._fixed(price),
                "PREVPRICE": self._fixed(self.prev),
                "WAPRICE": self._fixed(price),
                "PREVWAPRICE": self._fixed(self.prev),
                "PRICEMINUSPREVWAPRICE": self._fixed(price - self.prev),
                "QTY": 0,
                "VALUE": [0.0, 2],
                "MARKETPRICE": self._fixed(self.prev),
                "CURRENCYID": "SUR",
                "SETTLECODE": "Y1",
                "SETTLEDATE1": settle,
                "LOTSIZE": listing.lot,
                "FACEUNIT": "SUR",
                "FACEVALUE": [3, 0],
                "ISSUESIZE": listing.issue,
                "TRADINGSTATUS": "T",
                "STATUS": "A",
                "TIME": local.strftime("%H:%M:%S"),
                "MINSTEP": [listing.step, self.dec],
                "PRICEMINSTEP": [listing.step, self.dec],
            }
        )
        self.volume = 0
        self.value = 0.0
        #: interval → bars, oldest first, each a wire row in CANDLE_COLUMNS order
        self.bars: dict[str, deque[list[Any]]] = {}

    def _round(self, price: float) -> float:
        step = self.listing.step
        return round(round(price / step) * step, self.dec)

    def _fixed(self, value: float) -> list[Any]:
        return encode_fixed(round(value, self.dec), self.dec)

    def _rebuild_book(self) -> None:
        step = self.listing.step
        for side, top, sign in (("B", self.bid, -1), ("S", self.offer, 1)):
            self.levels[side] = [
                ["B" if side == "B" else "S", self._fixed(top + sign * i * step), self.rng.randint(1, 500), None]
                for i in range(BOOK_DEPTH)
            ]

    def book_rows(self) -> list[list[Any]]:
        """Asks from the highest down, then bids from the best down (as a book is printed)."""
        return list(reversed(self.levels["S"])) + list(self.levels["B"])

    def step(self, now: datetime) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        """One market event: a trade or a quote change. → (changed securities columns, changed bars)."""
        rng, step = self.rng, self.listing.step
        changed: dict[str, Any] = {}
        bars: dict[str, list[Any]] = {}
        local = now.astimezone(MOSCOW)
        if rng.random() < 0.6:
            side = rng.choice((1, -1))
            price = self.offer if side > 0 else self.bid
            qty = rng.randint(1, 50)
            units = qty * self.listing.lot
            self.volume += units
            self.value += units * price
            self.last = price
            high = max(self.last, self._num("HIGH"))
            low = min(self.last, self._num("LOW"))
            trades = self.row["NUMTRADES"] + 1
            changed = {
                "LAST": self._fixed(price),
                "CHANGE": self._fixed(price - self.prev),
                "QTY": qty,
                "VALUE": [round(units * price, 2), 2],
                "VOLTODAY": [self.volume, 0],
                "VALTODAY": round(self.value),
                "NUMTRADES": trades,
                "WAPRICE": self._fixed(self.value / self.volume),
                "PRICEMINUSPREVWAPRICE": self._fixed(price - self.prev),
                "LCURRENTPRICE": self._fixed(price),
                "TIME": local.strftime("%H:%M:%S"),
            }
            if high != self._num("HIGH"):
                changed["HIGH"] = self._fixed(high)
            if low != self._num("LOW"):
                changed["LOW"] = self._fixed(low)
            for interval in self.bars:
                bars[interval] = self._trade_into_bar(interval, now, price, units)
        # the quotes move around the last price, a step or two at a time
        drift = rng.choice((-2, -1, -1, 0, 0, 1, 1, 2)) * step
        mid = self._round(self.last + drift)
        half = step * rng.randint(1, 2)
        bid, offer = self._round(mid - half), self._round(mid + half)
        if bid != self.bid or offer != self.offer:
            self.bid, self.offer = bid, offer
            changed["BID"], changed["OFFER"] = self._fixed(bid), self._fixed(offer)
            if bid > self._num("HIGHBID"):
                changed["HIGHBID"] = self._fixed(bid)
            if offer < self._num("LOWOFFER"):
                changed["LOWOFFER"] = self._fixed(offer)
            self._rebuild_book()
        else:
            level = rng.choice(self.levels[rng.choice("BS")])
            level[2] = max(1, level[2] + rng.randint(-40, 40))
        depth = rng.choice(("BIDDEPTHT", "OFFERDEPTHT"))
        changed[depth] = max(1, self.row[depth] + rng.randint(-5000, 5000))
        self.row.update(changed)
        return changed, bars

    def _num(self, column: str) -> float:
        value = self.row[column]
        return float(value[0]) if isinstance(value, list) else float(value)

    def candles(self, interval: str, now: datetime) -> list[list[Any]]:
        """The bars of `interval`, oldest first (made up on first use, reproducibly)."""
        bars = self.bars.get(interval)
        if bars is None:
            bars = self.bars[interval] = deque(self._history(interval, now), maxlen=HISTORY_BARS)
        return list(bars)

    def _history(self, interval: str, now: datetime) -> list[list[Any]]:
        rng = random.Random(f"moex/{self.seed}/{self.listing.ticker}/{interval}")
        start = _floor_time(now, interval)
        close = self.last
        bars = []
        for _ in range(HISTORY_BARS):
            open_ = self._round(close * (1 + rng.uniform(-0.004, 0.004)))
            high = max(open_, close) + self.listing.step * rng.randint(0, 5)
            low = max(self.listing.step, min(open_, close) - self.listing.step * rng.randint(0, 5))
            volume = rng.randint(1_000, 100_000) * self.listing.lot
            bars.append(self._bar(start, interval, open_, high, low, close, volume))
            close = open_
            start = _prev_time(start, interval)
        bars.reverse()
        return bars

    def _bar(
        self, start: datetime, interval: str, open_: float, high: float, low: float, close: float, volume: int
    ) -> list[Any]:
        till = _next_time(start, interval) - timedelta(seconds=1)
        value = round(volume * (open_ + close) / 2, 2)
        return [
            _stamp(start),
            _stamp(till),
            self._fixed(open_),
            self._fixed(high),
            self._fixed(low),
            self._fixed(close),
            [value, 2],
            volume,
        ]

    def _trade_into_bar(self, interval: str, now: datetime, price: float, units: int) -> list[Any]:
        bars = self.bars[interval]
        start = _stamp(_floor_time(now, interval))
        if bars and bars[-1][0] == start:
            bar = bars[-1]
            bar[3] = self._fixed(max(bar[3][0], price))
            bar[4] = self._fixed(min(bar[4][0], price))
            bar[5] = self._fixed(price)
            bar[7] += units
            bar[6] = [round(bar[6][0] + units * price, 2), 2]
        else:
            bar = self._bar(_floor_time(now, interval), interval, price, price, price, price, units)
            bars.append(bar)
        return list(bar)

    def search_row(self) -> list[Any]:
        listing = self.listing
        values = {
            "ticker": listing.ticker,
            "secid": listing.secid,
            "boardid": listing.board,
            "board_name": "T+: Stocks, DRs",
            "marketplace": "MXSE",
            "shortname": listing.shortname,
            "latname": listing.shortname,
            "name": listing.name,
            "isin": listing.isin,
            "regnumber": None,
            "primary_boardid": listing.board,
            "emitent_id": None,
            "emitent_title": listing.name,
            "emitent_inn": None,
            "emitent_okpo": None,
        }
        return [values[c] for c in SEARCH_COLUMNS]
