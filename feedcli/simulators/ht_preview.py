"""Render a sample frame of the live view, for eyeballing layout changes.

    python -m feedcli.simulators.ht_preview                 # one frame at the terminal's size
    python -m feedcli.simulators.ht_preview -W 80 -H 24     # one frame at a given size
    python -m feedcli.simulators.ht_preview --live 10       # ten seconds of the real LiveView, random walk

The sample is six TSE symbols (best limits, order book, day aggregate, a run of 1-minute
bars, the investor split) and three IME contracts, shaped like the HT documents'
payloads, with made-up but plausible values. Not a server: `feedcli demo` runs one. It lives
beside the HT simulator because it writes HT's payloads, which the view itself never names.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import datetime, timedelta, timezone

from rich.console import Console

from feedcli.events import ControlEvent, DataEvent, RecvClock
from feedcli.views.live import LiveView

#: (ISIN, last, previous close, total volume)
TSE = [
    ("IRO1FOLD0001", 5_120, 5_010, 182_345_678),
    ("IRO1IKCO0001", 2_374, 2_412, 96_512_004),
    ("IRO1MSMI0001", 7_480, 7_480, 54_870_112),
    ("IRO1BMLT0001", 3_105, 3_051, 38_220_970),
    ("IRO1PNES0001", 11_920, 12_290, 12_004_551),
    ("IRT3SATF0001", 21_647, 21_602, 4_512_330),
]
#: (contract id, last, previous close, total volume, allowed range)
IME = [
    ("12345", 412_500_000, 408_000_000, 1_280, (367_200_000, 448_800_000)),
    ("67890", 98_450, 99_900, 35_410, (89_910, 109_890)),
    ("24680", 1_535_000, 1_520_000, 7_250, (1_368_000, 1_672_000)),
]

#: display names, as `feedcli demo` passes them (the simulator's instruments are named so)
NAMES = {
    "IRO1FOLD0001": "فولاد",
    "IRO1IKCO0001": "خودرو",
    "IRO1MSMI0001": "فملی",
    "IRO1BMLT0001": "وبملت",
    "IRO1PNES0001": "شپنا",
    "12345": "طلا0412",
    "67890": "زعفران0412",
}

TEHRAN = timezone(timedelta(hours=3, minutes=30))


def _tick(price: float) -> int:
    return max(1, round(price * 0.001))


def sample_book(rng: random.Random, last: float, step: float, levels: int = 10) -> dict[str, list[dict[str, float]]]:
    """A TSE order-book payload around `last`: the preview's and the view benchmark's."""
    return {
        side: [
            {
                "price": last - i * step if side == "Buy" else last + i * step,
                "quantity": rng.randrange(1_000, 900_000, 100),
                "count": rng.randint(1, 60),
            }
            for i in range(1, levels + 1)
        ]
        for side in ("Buy", "Sell")
    }


def tse_events(rng: random.Random, ts: str, recv: str) -> list[DataEvent]:
    out = []
    for isin, last, prev, volume in TSE:
        step = _tick(last)
        levels = {}
        for i in range(1, 6):
            levels[str(i)] = {
                "buy_order_count": rng.randint(1, 60),
                "buy_quantity": rng.randrange(1_000, 900_000, 100),
                "buy_price": last - i * step,
                "sell_order_count": rng.randint(1, 60),
                "sell_quantity": rng.randrange(1_000, 900_000, 100),
                "sell_price": last + (i - 1) * step + step,
            }
        out.append(DataEvent("tse", "best-limit", isin, ts, recv, levels))
        aggregate = {
            "date": ts[:10],
            "time": ts[11:19],
            "trade_count": volume // 7_300,
            "total_volume": volume,
            "total_value": volume * last,
            "closing_price": round((last + prev) / 2),
            "last_price": last,
            "low_price": min(last, prev) - 3 * step,
            "high_price": max(last, prev) + 2 * step,
            "open_price": prev + step,
            "previous_close": prev,
        }
        out.append(DataEvent("tse", "aggregate", isin, ts, recv, aggregate))
        book = sample_book(rng, last, step)
        out.append(DataEvent("tse", "order-book", isin, ts, recv, book))
        ind_buy, ind_sell = rng.uniform(0.5, 0.95), rng.uniform(0.5, 0.95)
        flow = {
            "buy_count_individual": rng.randint(500, 9_000),
            "buy_volume_individual": round(volume * ind_buy),
            "buy_count_institution": rng.randint(1, 40),
            "buy_volume_institution": volume - round(volume * ind_buy),
            "sell_count_individual": rng.randint(500, 9_000),
            "sell_volume_individual": round(volume * ind_sell),
            "sell_count_institution": rng.randint(1, 40),
            "sell_volume_institution": volume - round(volume * ind_sell),
        }
        out.append(DataEvent("tse", "institutional-vs-individual", isin, ts, recv, flow))
    return out


def candle_events(rng: random.Random, bars: int, end: float) -> list[DataEvent]:
    """`bars` one-minute bars per TSE symbol, a random walk ending at its last price."""
    out = []
    for isin, last, _prev, _volume in TSE:
        step = _tick(last)
        close = last - rng.randint(-20, 20) * step
        series = []
        for _ in range(bars):
            open_ = close + rng.randint(-3, 3) * step
            high = max(open_, close) + rng.randint(0, 3) * step
            low = min(open_, close) - rng.randint(0, 3) * step
            series.append(
                {"open": open_, "high": high, "low": low, "close": close, "volume": rng.randrange(1, 400) * 1_000}
            )
            close = open_
        series.reverse()
        series[-1]["close"] = last
        series[-1]["high"] = max(series[-1]["high"], last)
        series[-1]["low"] = min(series[-1]["low"], last)
        for i, bar in enumerate(series):
            minute = datetime.fromtimestamp(end - (bars - 1 - i) * 60, TEHRAN).replace(tzinfo=None)
            recv = RecvClock().format(end - (bars - 1 - i) * 60 + 0.02)
            out.append(DataEvent("tse", "ohlcv-last-1m", isin, minute.isoformat(timespec="microseconds"), recv, bar))
    return out


def ime_events(rng: random.Random, ts: str, recv: str) -> list[DataEvent]:
    out = []
    for cid, last, prev, volume, (low, high) in IME:
        step = _tick(last)
        data = {
            "BestLimit": {
                str(i): {
                    "buy_quantity": rng.randint(1, 400),
                    "buy_price": last - i * step,
                    "sell_quantity": rng.randint(1, 400),
                    "sell_price": last + i * step,
                }
                for i in range(1, 4)
            },
            "Aggregate": {
                "date": ts[:10],
                "time": ts[11:19],
                "trade_count": volume // 11,
                "total_volume": volume,
                "total_value": volume * last,
                "closing_price": last,
                "last_price": last,
                "low_price": min(last, prev) - 5 * step,
                "high_price": max(last, prev) + 4 * step,
                "open_price": prev - step,
                "previous_close": prev,
            },
            "AllowedPriceRange": {"minAllowedPrice": low, "maxAllowedPrice": high},
            "ContractInfo": {"open_interest": volume * 3, "open_interest_changes": rng.randint(-90, 120)},
        }
        out.append(DataEvent("ime", "IME Stream", cid, ts, recv, data))
    return out


def sample_view(seed: int = 7, names: bool = False) -> LiveView:
    """A LiveView holding one message per sample symbol and channel, both providers connected."""
    rng = random.Random(seed)
    clock = RecvClock()
    view = LiveView(title="feedcli preview", providers=["tse", "ime"], names=NAMES if names else None)
    for provider in ("tse", "ime"):
        view.emit(ControlEvent(provider, "connected", clock.now()))
    now = time.time()
    for event in candle_events(rng, 60, now - 1):
        view.emit(event)
    for i, event in enumerate(tse_events(rng, "", "") + ime_events(rng, "", "")):
        recv_t = now - 0.5 + i * 0.001
        sent = datetime.fromtimestamp(recv_t - rng.uniform(0.004, 0.040), TEHRAN).replace(tzinfo=None)
        event.ts = sent.isoformat(timespec="microseconds")
        event.recv = clock.format(recv_t)
        view.emit(event)
    return view


async def _animate(view: LiveView, seconds: float, rate: float) -> None:
    """Random-walk the sample so the live display has something to do."""
    rng = random.Random(1)
    clock = RecvClock()
    task = asyncio.create_task(view.run(fps=10))
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            i = rng.randrange(len(TSE))
            isin, last, prev, volume = TSE[i]
            last = max(1, last + rng.choice((-1, 0, 1)) * _tick(last))
            TSE[i] = (isin, last, prev, volume + rng.randrange(100, 10_000))
            t = time.time()
            ts = datetime.fromtimestamp(t - 0.015, TEHRAN).replace(tzinfo=None).isoformat(timespec="microseconds")
            for event in tse_events(rng, ts, clock.format(t)):
                if event.symbol == isin:
                    view.emit(event)
            await asyncio.sleep(1 / rate)
    finally:
        await view.aclose()
        await task


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m feedcli.simulators.ht_preview", description=__doc__.splitlines()[0]
    )
    parser.add_argument("-W", "--width", type=int, help="columns (default: the terminal's)")
    parser.add_argument("-H", "--height", type=int, help="lines (default: the terminal's, less one for the prompt)")
    parser.add_argument("--focus", metavar="SYMBOL", help="the symbol shown in detail")
    parser.add_argument("--names", action="store_true", help="show display names (as `feedcli demo` does)")
    parser.add_argument("--live", type=float, metavar="SECONDS", help="run the live display this long")
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second with --live")
    args = parser.parse_args()

    view = sample_view(names=args.names)
    if args.focus:
        view.set_focus(args.focus)
    if args.live:
        asyncio.run(_animate(view, args.live, args.rate))
        return
    console = Console(width=args.width)
    width = console.size.width
    height = args.height or max(console.size.height - 1, 2)
    console.print(view.frame(width, height), crop=True)


if __name__ == "__main__":
    main()
