"""The line path of Binance book updates (`MarketCodec._book_line`: `BinanceWire.quick_depth`,
`RangeSync.quick`) beside the general path (`MarketCodec.parse`, the book machine's `on_delta`,
`EmitBook` and the writer's `encode_line`): byte for byte the same lines, the same gaps and
resyncs, the same snapshot calls, the same books, over generated streams with gaps, repeats,
overlaps, crossed and thinning books, refreshes, failed and unreadable snapshot calls,
reconnects, odd messages and other channels on the same connection.

As in test_binance_trade_line.py, two runs go side by side: the "lined" run offers every frame
to `codec.line` first (as the engine does) and hands it to `parse` only where that declines;
the "general" run has only `parse`. Whatever the lined run writes must be what the general
run writes, and its books must stay where the general run's are.
"""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from feedcli import providers
from feedcli.providers.base import HttpRequest, HttpResponse
from feedcli.providers.candles.channels import MarketCodec
from feedcli.providers.crypto import binance as crypto
from feedcli.providers.crypto.book import L2Book
from feedcli.providers.crypto.sync import RangeSync
from tests.support.binance_line_run import LineRun

PAIRS = ["BTC-USDT", "ETH-USDT", "BNB-BTC", "SOL-USDT"]
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBBTC", "SOLUSDT"]
#: a symbol nobody asked for: its diffs are dropped on both paths
STRANGER = "XRPUSDT"
DEPTH = 5
#: the REST limit a --depth 5 book asks for (a snapshot this deep is truncated: it has a horizon)
LIMIT = crypto.snapshot_limit(DEPTH)
T0 = 1_764_000_000_000
TICK = 0.5


class Run(LineRun):
    """One `feedcli stream binance --channel book ...` run: its connections' codecs in turn."""

    def __init__(self, channels: list[str], *, lined: bool) -> None:
        super().__init__(PAIRS, channels, lined=lined, depth=DEPTH)

    def books(self) -> dict[str, Any]:
        """Every machine's state: what the next message will be judged against."""
        out: dict[str, Any] = {}
        for symbol, machine in self.codec.books.items():
            assert isinstance(machine, RangeSync)
            book = machine.book
            out[symbol] = (
                machine.state,
                machine.seq,
                None if book is None else (book.top(1000), book.truncated, book.known()),
                machine._pending,
                machine._refresh_from,
                [(d.first, d.last) for d in machine._buffer],
            )
        return out


# ----------------------------------------------------------------------------- the exchange


class Market:
    """One symbol's book as the exchange holds it, and the ids of the diffs it sent."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mid = rng.choice([100.0, 2500.0, 0.5])
        step = self.mid * 0.001
        self.step = step
        self.bids = {round(self.mid - (k + 1) * step, 8): self.size() for k in range(rng.choice([8, 60, 130]))}
        self.asks = {round(self.mid + (k + 1) * step, 8): self.size() for k in range(rng.choice([8, 60, 130]))}
        self.u = rng.randint(1, 10**6)
        self.sent: list[bytes] = []

    def size(self) -> float:
        return self.rng.choice([0.001, 1.0, 2.5, 12345.678, 0.00000001, 3.0])

    def best(self) -> tuple[float, float]:
        return max(self.bids, default=self.mid - self.step), min(self.asks, default=self.mid + self.step)

    def levels(self, crossing: bool, thinning: bool) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        rng = self.rng
        out: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        bid, ask = self.best()
        for side, book, sign in ((0, self.bids, -1), (1, self.asks, 1)):
            for _ in range(rng.randint(0 if not thinning else 3, 4)):
                roll = rng.random()
                known = sorted(book, reverse=sign < 0)
                if thinning and known:
                    price, size = known[0], 0.0  # the best level removed
                elif roll < 0.45 and known:
                    price, size = rng.choice(known[:12]), self.size()
                elif roll < 0.6 and known:
                    price, size = rng.choice(known[:12]), 0.0
                elif roll < 0.62:
                    price, size = round(self.mid + sign * rng.randint(1, 40) * self.step, 8), 0.0  # not there
                else:
                    price, size = round(self.mid + sign * rng.randint(1, 40) * self.step, 8), self.size()
                out[side].append((price, size))
        if crossing:  # a bid at or above the best ask (or an ask at or below the best bid)
            if rng.random() < 0.5:
                out[0].append((ask + rng.choice([0.0, self.step]), self.size()))
            else:
                out[1].append((bid - rng.choice([0.0, self.step]), self.size()))
        if rng.random() < 0.1 and out[0]:  # a level twice in one diff: the last size counts
            out[0].append((out[0][0][0], rng.choice([0.0, 7.0])))
        return out

    def apply(self, bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> None:
        for book, rows in ((self.bids, bids), (self.asks, asks)):
            for price, size in rows:
                if size > 0:
                    book[price] = size
                else:
                    book.pop(price, None)

    def snapshot(self, limit: int) -> bytes:
        """`GET /api/v3/depth` now: the best `limit` levels a side, at the last id sent."""
        bids = sorted(self.bids.items(), reverse=True)[:limit]
        asks = sorted(self.asks.items())[:limit]
        return orjson.dumps({"lastUpdateId": self.u, "bids": text_levels(bids), "asks": text_levels(asks)})


def text_levels(rows: list[tuple[float, float]]) -> list[list[str]]:
    return [[crypto.format_number(p), crypto.format_number(s)] for p, s in rows]


def diff_event(symbol: str, first: int, last: int, ms: Any, bids: list[Any], asks: list[Any]) -> dict[str, Any]:
    return {"e": "depthUpdate", "E": ms, "s": symbol, "U": first, "u": last, "b": bids, "a": asks}


def wrapped(event: Any, rng: random.Random) -> bytes:
    """As Binance sends it: mostly combined-stream wrapped, sometimes raw."""
    if rng.random() < 0.8:
        symbol = str(event.get("s", "x")).lower() if isinstance(event, dict) else "x"
        return orjson.dumps({"stream": f"{symbol}@depth@100ms", "data": event})
    return orjson.dumps(event)


#: (field, value) replacements of a diff that one path or the other must answer in its own way
ODD_VALUES: list[tuple[str, Any]] = [
    ("E", 0),
    ("E", -1),
    ("E", 2**32 * 1000),
    ("E", 2**32 * 1000 - 1),
    ("E", "1764000000000"),
    ("E", 1.5),
    ("u", 2**63),
    ("u", 2**64 - 1),
    ("u", "9"),
    ("U", None),
    ("s", "btcusdt"),
    ("s", STRANGER),
    ("s", 5),
    ("b", [["1", "2", "3"]]),
    ("b", [["nan", "1"]]),
    ("a", [["1e400", "1"]]),
    ("a", [["-1", "1"]]),
    ("b", [["1", "-0.5"]]),
    ("b", [[1.0, "1"]]),
    ("a", [[" 1", "1"]]),
    ("b", "none"),
    ("a", [["１", "1"]]),
    ("T", 5),
    ("pu", 7),
    ("X", 1),
]


def odd_frame(rng: random.Random, event: dict[str, Any]) -> bytes:
    """A diff made odd (its ids are not the market's: whatever happens to it, both alike)."""
    roll = rng.random()
    event = dict(event)
    if roll < 0.6:
        key, value = rng.choice(ODD_VALUES)
        event[key] = value
        return wrapped(event, rng)
    if roll < 0.7:
        del event[rng.choice(["s", "U", "u", "E", "b", "a", "e"])]
        return wrapped(event, rng)
    if roll < 0.78:
        return orjson.dumps({"stream": "x@depth", "data": event}, option=orjson.OPT_INDENT_2)
    if roll < 0.86:
        text = wrapped(event, rng)
        return text[: rng.randrange(1, len(text))]
    if roll < 0.94:
        text = wrapped(event, rng)
        spot = rng.randrange(len(text))
        return text[:spot] + bytes([rng.randrange(256)]) + text[spot + 1 :]
    return orjson.dumps([event])


def other_frame(rng: random.Random, channels: list[str], ms: int, trade_ids: dict[str, int]) -> bytes:
    symbol = rng.choice(SYMBOLS)
    choices = ["answer"]
    if "candles" in channels:
        choices.append("kline")
    if "trades" in channels:
        choices += ["trade", "trade"]
    if "ticker" in channels:
        choices.append("ticker")
    what = rng.choice(choices)
    if what == "answer":
        return b'{"result":null,"id":3}'
    if what == "trade":
        trade_ids[symbol] = trade_ids.get(symbol, 5) + rng.choice([1, 1, 0, -1])
        event = {
            "e": "trade",
            "E": ms,
            "s": symbol,
            "t": trade_ids[symbol],
            "p": "1.5",
            "q": "2",
            "T": ms,
            "m": rng.random() < 0.5,
            "M": True,
        }
        return orjson.dumps({"stream": f"{symbol.lower()}@trade", "data": event})
    if what == "ticker":
        event = {"u": rng.randint(1, 99), "s": symbol, "b": "1.0", "B": "2", "a": "1.1", "A": "3"}
        return orjson.dumps({"stream": f"{symbol.lower()}@bookTicker", "data": event})
    start = ms - ms % 60_000
    kline = {"t": start, "T": start + 59_999, "s": symbol, "i": "1m", "f": 1, "L": 2, "o": "1.0", "c": "1.5"}
    kline |= {"h": "2.0", "l": "0.5", "v": "10", "n": 2, "x": False, "q": "15", "V": "5", "Q": "7.5", "B": "0"}
    event = {"e": "kline", "E": ms, "s": symbol, "k": kline}
    return orjson.dumps({"stream": f"{symbol.lower()}@kline_1m", "data": event})


def stream_of(rng: random.Random, count: int, channels: list[str]) -> list[tuple[str, Any]]:
    """Steps: ("frame", bytes or text), ("reconnect", None), ("http", how to answer), each market's
    diffs continuing its ids (and the market's book) but now and then skipping ids, sent again,
    overlapping, crossing the book or emptying a side, beside odd and other messages."""
    markets = {s: Market(rng) for s in SYMBOLS}
    ms = T0
    out: list[tuple[str, Any]] = []
    trade_ids: dict[str, int] = {}
    thinning: dict[str, int] = {}
    for i in range(count):
        ms += rng.choice([0, 0, 1, 7, 100, 250, 999, 1000])
        roll = rng.random()
        symbol = rng.choice(SYMBOLS)
        market = markets[symbol]
        if roll < 0.62:
            if symbol not in thinning and rng.random() < 0.004:
                thinning[symbol] = rng.randint(10, 40)
            thin = thinning.get(symbol, 0) > 0
            if thin:
                thinning[symbol] -= 1
            elif symbol in thinning:
                del thinning[symbol]
            bids, asks = market.levels(crossing=rng.random() < 0.01, thinning=thin)
            market.apply(bids, asks)
            first = market.u + 1
            if rng.random() < 0.01:
                first += rng.randint(1, 3)  # ids skipped: a gap
            last = first + rng.choice([0, 0, 0, 1, 5])
            overlap = rng.random() < 0.02
            event = diff_event(symbol, first - 2 if overlap else first, last, ms, text_levels(bids), text_levels(asks))
            market.u = last
            frame = wrapped(event, rng)
            market.sent.append(frame)
        elif roll < 0.66 and market.sent:
            frame = rng.choice(market.sent[-20:])  # sent again (stale: its ids are behind the book)
        elif roll < 0.68:
            bids, asks = market.levels(crossing=False, thinning=False)
            frame = wrapped(diff_event(STRANGER, 1, 2, ms, text_levels(bids), text_levels(asks)), rng)
        elif roll < 0.78:
            event = diff_event(symbol, market.u + 1, market.u + 1, ms, [["1", "1"]], [])
            frame = odd_frame(rng, event)
        elif roll < 0.9:
            frame = other_frame(rng, channels, ms, trade_ids)
        elif roll < 0.905:
            out.append(("reconnect", None))
            continue
        else:
            how = rng.choices(["answer", "answer", "answer", "fail", "unreadable", "error", "later"], k=1)[0]
            # the snapshot is read now (the book as of this step), as Binance answers it
            out.append(("http", (how, {s: m.snapshot(LIMIT) for s, m in markets.items()})))
            continue
        out.append(("frame", frame.decode(errors="replace") if i % 13 == 0 else frame))
    return out


def drive(channels: list[str], seed: int, count: int = 2500, reads: bool = False) -> tuple[int, int, int]:
    """Both runs over one generated stream: (book lines the line path wrote, lines the general
    path wrote in the lined run, gap lines). `reads`: the frames between two other steps come
    as socket reads of 1-12 frames (`LineRun.feed_read`), not one at a time."""
    rng = random.Random(seed)
    steps = stream_of(rng, count, channels)
    if reads:
        steps = in_reads(steps, rng)
    lined, general = Run(channels, lined=True), Run(channels, lined=False)
    took = left = gaps = 0
    clock = 1.8e9
    held: list[HttpRequest] = []
    for i, (what, arg) in enumerate(steps):
        recv = f"2025-11-24T16:00:{i // 7 % 60:02d}.{i:06d}Z"  # one stamp for a few frames, as a read
        if what == "reconnect":
            lined.connect(), general.connect()
            held = []
            continue
        if what == "http":  # the engine asks for the REST calls and answers them (or not)
            how, bodies = arg
            clock += 1.0 if how != "later" else 0.1
            asked = [run.codec.pending_requests(clock) for run in (lined, general)]
            assert asked[0] == asked[1]
            if how == "later":  # no answer yet: a step later the engine counts them as failed
                held += asked[0]
                continue
            for request in held + asked[0]:
                if request.purpose == "snapshot":
                    body = bodies[dict(request.params)["symbol"]]
                    status = 200
                    if how == "fail":
                        continue  # a network error: the engine asks for it again later
                    if how == "unreadable":
                        body = b"<html>"
                    elif how == "error":
                        status, body = 503, b'{"code":-1}'
                else:
                    body, status = b"[]", 200
                answers = [run.answer(request, HttpResponse(status, {}, body), recv) for run in (lined, general)]
                assert answers[0] == answers[1], request
                gaps += sum(1 for line in answers[0] if b'"event":"gap"' in line) if isinstance(answers[0], list) else 0
            held = []
            continue
        if what == "read":
            got, by_line = lined.feed_read(arg, recv)
            want, _ = general.feed_read(arg, recv)
        else:
            got, took_it = lined.feed(arg, recv)
            want, _ = general.feed(arg, recv)
            by_line = int(took_it)
        assert got == want, arg
        took += by_line
        if isinstance(got, list):
            books = sum(1 for line in got if b'"channel":"book"' in line)
            if what == "read":  # (books alone on the connection: every line the path took is a book's)
                left += books - by_line
            elif not by_line:
                left += books
            gaps += sum(1 for line in got if b'"event":"gap"' in line)
        a, b = lined.codec, general.codec
        assert (a.wants_http, a.take_outgoing()) == (b.wants_http, b.take_outgoing()), arg
        a.wants_http = b.wants_http = False
        if i % 50 == 0:
            assert lined.books() == general.books()
    assert lined.books() == general.books()
    return took, left, gaps


def in_reads(steps: list[tuple[str, Any]], rng: random.Random) -> list[tuple[str, Any]]:
    """The frame steps between two other steps grouped into reads of 1-12 frames."""
    out: list[tuple[str, Any]] = []
    frames: list[Any] = []
    for what, arg in steps:
        if what == "frame":
            frames.append(arg)
            if len(frames) < rng.randint(1, 12):
                continue
        if frames:
            out.append(("read", frames))
            frames = []
        if what != "frame":
            out.append((what, arg))
    if frames:
        out.append(("read", frames))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_book_lines_of_whole_reads_are_the_bytes_of_the_general_path(seed: int) -> None:
    """As below, the frames handed over a socket read at a time (`Codec.lines`, as over picows):
    a frame the line path leaves goes to `parse`, and the line path goes on after it."""
    took, left, gaps = drive(["book"], 100 + seed, reads=True)
    # (fewer lines than a frame at a time: a refused frame ends its read, as it ends the run)
    assert took > 50 and left > 100 and gaps > 10, (took, left, gaps)


@pytest.mark.parametrize("seed", range(6))
def test_book_lines_are_the_bytes_of_the_general_path(seed: int) -> None:
    took, left, gaps = drive(["book"], seed)
    # the line path writes most book lines; the general one the rest (after snapshots, around
    # gaps, crossings and refreshes), and gaps happen
    assert took > 100 and left > 100 and gaps > 10, (took, left, gaps)


@pytest.mark.parametrize(
    "channels",
    [["book", "trades"], ["book", "ticker"], ["candles", "book"], ["candles", "trades", "book", "ticker"]],
)
def test_books_multiplexed_with_other_channels_on_one_connection(channels: list[str]) -> None:
    took, left, gaps = drive(channels, 21)
    assert took > 200 and left > 100 and gaps > 10, (took, left, gaps)


def test_a_thin_book_refreshes_its_horizon_on_both_paths() -> None:
    """Diffs that empty the best levels of a truncated snapshot: the book asks for a fresh one
    (a refresh, no gap) on both paths, the line path declining from the update that might
    thin it until the refreshed book is in."""
    rng = random.Random(4)
    market = Market(rng)
    market.bids = {round(100 - k * 0.5, 8): 1.0 for k in range(1, LIMIT + 60)}
    market.asks = {round(100 + k * 0.5, 8): 1.0 for k in range(1, LIMIT + 60)}
    lined, general = Run(["book"], lined=True), Run(["book"], lined=False)
    took = 0
    fetches = 0
    for i in range(LIMIT + 40):
        remove = i > 3
        bids, asks = ([(max(market.bids), 0.0)] if remove else [(max(market.bids), 2.0)]), []
        market.apply(bids, asks)
        market.u += 1
        frame = wrapped(diff_event("BTCUSDT", market.u, market.u, T0 + i, text_levels(bids), []), rng)
        got, by_line = lined.feed(frame, "r")
        assert got == general.feed(frame, "r")[0]
        took += by_line
        for run in (lined, general):
            for request in run.codec.pending_requests(1.8e9 + i):
                fetches += 1
                run.answer(request, HttpResponse(200, {}, market.snapshot(LIMIT)), "r")
        assert lined.books() == general.books()
    assert took > LIMIT - 20 and fetches >= 4, (took, fetches)  # two runs, an initial and a refresh each


def test_the_line_path_only_for_range_books_whose_wire_reads_them() -> None:
    assert Run(["book"], lined=True).codec.line is not None
    assert Run(["book", "trades"], lined=True).codec.line is not None
    for name, channels in (("kucoin", ["book"]), ("okx", ["book"]), ("binance", ["ticker"])):
        pairs = ["BTC-USDT"]
        make = providers.get(name).prepare({"pair": pairs, "channel": channels}, {})
        for codec in make("http://127.0.0.1:1", None):
            if isinstance(codec, MarketCodec):
                assert codec.line is None, name  # KuCoin filters levels, OKX chains: parse alone


def test_the_reader_declines_what_the_line_cannot_vouch_for() -> None:
    base = diff_event("BTCUSDT", 5, 7, T0, [["1.5", "2"]], [["1.6", "0"]])
    read = crypto.quick_depth
    assert read(orjson.dumps(base)) == ("BTCUSDT", 5, 7, T0, [(1.5, 2.0)], [(1.6, 0.0)])
    assert read(orjson.dumps({"stream": "btcusdt@depth@100ms", "data": base}).decode()) is not None
    for key, value in [("E", 0), ("E", 2**32 * 1000), ("b", [["nan", "1"]]), ("a", [["1", "-1"]])]:
        assert read(orjson.dumps({**base, key: value})) is None, (key, value)
    past_64_bits = orjson.dumps({**base, "u": 0}).replace(b'"u":0', b'"u":' + str(2**64).encode())
    assert read(past_64_bits) is None
    trade = {"e": "trade", "E": T0, "s": "BTCUSDT", "t": 1, "p": "1", "q": "1", "T": T0, "m": True}
    assert read(orjson.dumps(trade)) is None and read(b'{"result":null,"id":3}') is None and read(b"{") is None


#: level texts float() reads but the reader's lax decoder does not (or reads otherwise: `-0`),
#: and texts nobody reads: each must send the diff to `parse`
DECLINED_NUMBERS = [
    " 1", "1 ", "+1", "1_0", ".5", "1.", "01", "00", "\uff11", "0", "-0", "-0.0", "1e-400", "nan", "inf",
    "-inf", "Infinity", "1e400", "-1", "", "-", "e5", "0x10", "9" * 400, "1.7976931348623159e308",
]  # fmt: skip
#: zero sizes (a removal) are read: `-0` as 0.0, which removes the level as -0.0 does
ZERO_SIZES = {"0", "-0", "-0.0", "1e-400"}


def level_spellings(rng: random.Random, n: int) -> list[Any]:
    """Prices and sizes as an exchange might write them, and as it should not: decimals of every
    length, exponent forms, short runs of number characters, JSON numbers."""
    out: list[Any] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.4:
            text = f"{rng.uniform(0, 10 ** rng.randint(0, 8)):.{rng.randint(0, 17)}f}"
        elif roll < 0.6:
            text = repr(rng.uniform(0, 1) * 10 ** rng.randint(-30, 30))
        else:
            text = "".join(rng.choice("0123456789.-eE+") for _ in range(rng.randint(1, 8)))
        out.append(text)
        if roll < 0.6 and rng.random() < 0.3:
            out.append(float(text))  # a JSON number, not a string
    return out


@pytest.mark.parametrize("seed", range(3))
def test_the_reader_reads_levels_as_parse_does(seed: int) -> None:
    """`quick_depth`'s lax level decoder against `parse` on the same diff: whatever it reads, it
    reads as the same doubles `parse` gives (sign included, where a size is written), and every
    spelling `parse` would read otherwise or refuse, it declines."""
    rng = random.Random(seed)
    read = crypto.quick_depth
    taken = 0
    odd = [(value, True) for value in DECLINED_NUMBERS]  # as a price
    odd += [(value, False) for value in DECLINED_NUMBERS if value not in ZERO_SIZES]  # as a size
    cases = [*((value, rng.random() < 0.5) for value in level_spellings(rng, 4000)), *odd]
    for i, (value, as_price) in enumerate(cases):
        row = [value, "1.5"] if as_price else ["2", value]
        bids, asks = ([row], [["3", "1"]]) if i % 3 else ([["1", "1"]], [row])
        frame = wrapped(diff_event("BTCUSDT", 5, 7, T0, bids, asks), rng)
        got = read(frame)
        if i >= len(cases) - len(odd):
            assert got is None, (value, as_price)
        if got is None:
            continue
        taken += 1
        (delta,) = crypto.parse(frame).deltas  # parse reads it too (no MalformedFrame)
        assert (delta.symbol, delta.first, delta.last, delta.ts_ms) == got[:4]
        for mine, theirs in ((got[4], delta.bids), (got[5], delta.asks)):
            assert mine == theirs, value
            for (price, size), (price2, size2) in zip(mine, theirs, strict=True):
                assert str(price) == str(price2) and (size == 0 or str(size) == str(size2)), value
    assert taken > 2000, taken


def test_the_comparison_catches_a_book_line_that_gets_one_rule_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    """The side-by-side check can fail: a machine whose quick way lets a gap through (one rule
    wrong, every byte of the line right) is caught. bench/README.md lists the other planted
    bugs, each of which fails the tests above."""

    def gapless(self: RangeSync, first: int, last: int, bids: Any, asks: Any, ts_ms: int) -> Any:
        book = self._book
        if book is None or self._refresh_from is not None or self._pending or last <= self._seq:
            return None
        self._seq = last
        top = book.advance(bids, asks, self.depth)
        return self._emit(ts_ms) if top is None else top

    monkeypatch.setattr(RangeSync, "quick", gapless)
    with pytest.raises(AssertionError):
        drive(["book"], 0)


@pytest.mark.parametrize("seed", range(4))
def test_advance_is_update_then_top(seed: int) -> None:
    """`L2Book.advance` against `update` + `top` on a twin book, with the other writers
    (`set_bid`, `set_ask`, `update`, `load`) in between as other machines use them, and caps
    that trim: it leaves the book as `update` leaves the twin, answers the twin's top as orjson
    writes it, and None exactly where the twin came out crossed or thin (its kept tops
    included: the next answers show them)."""
    rng = random.Random(seed)
    depth = rng.choice([1, 3, 5])

    def rows(low: int, high: int) -> list[tuple[float, float]]:
        return [(float(rng.randint(low, high)), rng.choice([0.0, 1.0, 2.0, 3.5])) for _ in range(rng.randint(0, 4))]

    def loaded() -> tuple[L2Book, L2Book]:
        bids = [(float(p), 1.0) for p in range(rng.randint(60, 95), 100)]
        asks = [(float(p), 1.0) for p in range(101, rng.randint(102, 140))]
        truncated = rng.random() < 0.7
        cap = rng.choice([None, None, 6, 30])
        pair = (L2Book(cap), L2Book(cap))
        for book in pair:
            book.load(bids, asks, bids_truncated=truncated, asks_truncated=truncated)
        return pair

    book, twin = loaded()
    answered = declined = 0
    for _ in range(3000):
        roll = rng.random()
        if roll < 0.7:
            odd = rng.random() < 0.05  # now and then a level on the other side's best
            bids, asks = rows(85, 100 + 2 * odd), rows(101 - 2 * odd, 115)
            if twin.crossed():  # advance is for an uncrossed book only (a synced one)
                book.update(bids, asks), twin.update(bids, asks)
            else:
                got = book.advance(bids, asks, depth)
                twin.update(bids, asks)
                if got is not None:
                    answered += 1
                    want = tuple(orjson.dumps(side)[1:-1] for side in twin.top(depth))
                    assert got == want and not twin.crossed() and not twin.thin(depth)
                else:
                    declined += 1
                    assert twin.crossed() or twin.thin(depth)
        elif roll < 0.8:
            price, size = (float(rng.randint(80, 100 + (rng.random() < 0.05))), rng.choice([0.0, 4.0]))
            book.set_bid(price, size), twin.set_bid(price, size)
        elif roll < 0.9:
            price, size = (float(rng.randint(101 - (rng.random() < 0.05), 110)), rng.choice([0.0, 4.0]))
            book.set_ask(price, size), twin.set_ask(price, size)
        elif roll < 0.98:
            bids, asks = rows(85, 101), rows(100, 115)
            book.update(bids, asks), twin.update(bids, asks)
        else:
            book, twin = loaded()
        assert (book.top(1000), book.truncated, book.known()) == (twin.top(1000), twin.truncated, twin.known())
    assert answered > 600 and declined > 20, (answered, declined)
