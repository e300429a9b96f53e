"""What a candle exchange is to the command line and the registry: its options (pairs, an
interval, a backfill), checked; its `prepare`; its record, with the `candles` channel, its
simulator's options and a demo."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from feedcli import market
from feedcli.errors import UsageError
from feedcli.providers.base import (
    Codec,
    ProviderInfo,
    SelectorOption,
)
from feedcli.providers.candles.channels import CHANNELS, DEFAULT_DEPTH, TradeGate, check_channels, codecs_for
from feedcli.providers.candles.codec import CandleFeed
from feedcli.providers.candles.exchange import INTERVAL_SECONDS, MAX_PAGES, Exchange, Request, parse_pair
from feedcli.providers.record import (
    DROP_AFTER,
    NO_TUNING,
    SEED,
    Channel,
    Demo,
    Knob,
    Provider,
    Replay,
    Search,
    SimOption,
    Simulator,
    lazy,
    rate_option,
)
from feedcli.ratelimit import RestLimits

# --------------------------------------------------------------------------- CLI declaration


def default_interval(exchange: Exchange) -> str:
    """`1m`, or where the WebSocket has no 1m candles (Coinbase) the shortest it streams:
    a bare `stream PROVIDER --pair P` should stream, not poll."""
    if "1m" in exchange.ws_intervals or not exchange.ws_intervals:
        return "1m"
    return min(exchange.ws_intervals, key=lambda i: INTERVAL_SECONDS.get(i, 10**9))


def options(exchange: Exchange) -> tuple[SelectorOption, ...]:
    """The options every candle provider offers: pairs, the interval, a backfill."""
    intervals = [i for i in INTERVAL_SECONDS if i in exchange.ws_intervals or i in exchange.rest_intervals]
    return (
        SelectorOption("--pair", "pair", "Market as BASE-QUOTE, e.g. BTC-USDT (repeatable).", "PAIR"),
        SelectorOption(
            "--interval",
            "interval",
            f"Candle interval (default {default_interval(exchange)}). Intervals without a WebSocket stream "
            "are polled over REST.",
            "INTERVAL",
            choices=tuple(intervals),
            single=True,
        ),
        SelectorOption(
            "--backfill",
            "backfill",
            "Fetch the last N candles over REST before streaming.",
            "N",
            single=True,
        ),
        *_channel_options(exchange),
    )


def _channel_options(exchange: Exchange) -> tuple[SelectorOption, ...]:
    if exchange.wire is None:
        return ()
    return (
        SelectorOption(
            "--channel",
            "channel",
            "candles (default), trades, book, ticker (repeatable; one connection carries them all).",
            "CHANNEL",
            choices=CHANNELS,
        ),
        SelectorOption(
            "--depth",
            "depth",
            f"Levels per side of a book line (default {DEFAULT_DEPTH}; {exchange.wire.depth_hint()}).",
            "N",
            single=True,
        ),
    )


def request_from(exchange: Exchange, values: Mapping[str, Any]) -> Request:
    """Check the command line (exit 2 for what can't be right) before anything connects."""
    raw = values.get("pair") or []
    if not raw:
        raise UsageError(f"{exchange.name}: give at least one --pair, e.g. --pair BTC-USDT")
    pairs = tuple(dict.fromkeys(parse_pair(p) for p in raw))  # btc-usdt and BTC-USDT are one pair
    for pair in pairs:
        exchange.check_pair(pair)
    interval = values.get("interval") or default_interval(exchange)
    if interval not in exchange.ws_intervals and interval not in exchange.rest_intervals:
        served = [i for i in INTERVAL_SECONDS if i in exchange.ws_intervals or i in exchange.rest_intervals]
        raise UsageError(f"{exchange.name} has no {interval} candles; it serves {', '.join(served)}")
    backfill_text = values.get("backfill")
    backfill = 0
    if backfill_text not in (None, ""):
        try:
            backfill = int(backfill_text)
        except ValueError:
            raise UsageError(f"--backfill wants a number of candles, not {backfill_text!r}") from None
        if backfill < 0 or backfill > exchange.rest_limit * MAX_PAGES:
            raise UsageError(f"--backfill must be between 0 and {exchange.rest_limit * MAX_PAGES}")
    channels, depth = check_channels(exchange, values)
    return Request(pairs, interval, backfill, channels, depth)


def provider_info(
    exchange: Exchange, *, ws_path: str, examples: tuple[str, ...], title: str | None = None, pair: str = "BTC-USDT"
) -> ProviderInfo:
    """A candle provider's `INFO`: what `feedcli providers` lists and `--help` shows."""
    return ProviderInfo(
        name=exchange.name,
        title=title or exchange.title,
        default_url=exchange.ws_base,
        credentials=None,
        channels=CHANNELS if exchange.wire is not None else ("candles",),
        selectors=f"--pair {pair}... [--interval {default_interval(exchange)}] [--backfill N]"
        + (" [--channel C]... [--depth N]" if exchange.wire is not None else ""),
        ws_path=ws_path,
        examples=examples,
    )


def preparer(
    exchange: Exchange,
) -> Callable[[Mapping[str, Any], Mapping[str, float]], Callable[[str, Any], list[Codec]]]:
    """A candle provider module's `prepare`."""
    return functools.partial(prepare_for, exchange)


def prepare_for(
    exchange: Exchange, values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING
) -> Callable[[str, Any], list[Codec]]:
    """A provider module's `prepare`: (base URL, no credential) → one codec per connection.

    With the production base URL, REST goes to the exchange's REST host; with `--url`
    (a simulator, a proxy) both WebSocket and REST go to the given host.
    """
    request = request_from(exchange, values)
    exchange = exchange.tuned(tuning)
    feeds: dict[str, CandleFeed] = {}
    trades = TradeGate()

    def make(base_url: str, _credential: Any) -> list[Codec]:
        feed = feeds.get(base_url)
        if feed is None:
            rest = exchange.rest_base if base_url == exchange.ws_base else base_url
            feed = feeds[base_url] = CandleFeed(exchange, request, base_url, rest)
        return list(codecs_for(feed, trades))

    return make


# --------------------------------------------------------------------------- the records


def candle_object(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A candle line's `data` (`Candle.record()`) in the vocabulary's terms."""
    return (market.candle_from(data if isinstance(data, Mapping) else {}),)


def book_object(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A book line's `data` (`{"bids":[[p,s],...],"asks":[...]}`) in the vocabulary's terms."""
    if not isinstance(data, Mapping):
        return (market.Book(),)

    def side(rows: Any) -> tuple[market.Level, ...]:
        out = []
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, list) and len(row) >= 2:
                price = market.number(row[0])
                if price is not None:
                    out.append(market.Level(price, market.number(row[1])))
        return tuple(out)

    return (market.Book(side(data.get("bids")), side(data.get("asks"))),)


def trade_object(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A trade line's `data` (`{"price","size","side","id"}`)."""
    if not isinstance(data, Mapping):
        return (market.Trade(None),)
    side = data.get("side")
    ident = data.get("id")
    return (
        market.Trade(
            market.number(data.get("price")),
            market.number(data.get("size")),
            side if side in ("buy", "sell") else None,
            ident if isinstance(ident, (str, int)) and not isinstance(ident, bool) else None,
        ),
    )


def quote_object(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A ticker line's `data` (`{"bid","bid_size","ask","ask_size"[,"last"]}`)."""
    if not isinstance(data, Mapping):
        return (market.Quote(),)
    get = data.get
    last = market.number(get("last"))
    quote = market.Quote(
        market.number(get("bid")),
        market.number(get("bid_size")),
        market.number(get("ask")),
        market.number(get("ask_size")),
        last,
    )
    # the last trade's price, where the ticker carries it, is what else the message holds
    return (quote, market.Trade(last)) if last is not None else (quote,)


def _channels(exchange: Exchange) -> tuple[Channel, ...]:
    candles = Channel("candles", "candle", candle_object, series=True)
    if exchange.wire is None:
        return (candles,)
    return (
        candles,
        Channel("trades", "trade", trade_object, seq="the exchange's trade id, where it is a number"),
        Channel("book", "book", book_object, seq="the exchange's book update id", full_book=True),
        Channel("ticker", "quote", quote_object),
    )


#: pairs a demo watches, and how many bars of history it fetches first
DEMO_PAIRS = ("BTC-USDT", "ETH-USDT", "SOL-USDT")
DEMO_BACKFILL = "60"


def _demo_values(exchange: Exchange, channels: list[str] | None = None) -> dict[str, Any]:
    """Three pairs: an hour of 1m history first, then live; with the book and the trades where
    the exchange has them wired (the ladder and the tape beside the candles). `channels`: the
    ones `demo --channel` asked for (the candle options only where candles are among them)."""
    if channels is None:
        channels = ["candles", "book", "trades"] if exchange.wire is not None else ["candles"]
    values: dict[str, Any] = {"pair": list(DEMO_PAIRS)}
    if "candles" in channels:
        values |= {"interval": "1m", "backfill": DEMO_BACKFILL}
    if exchange.wire is not None:
        values["channel"] = list(channels)
    return values


SIM_OPTIONS: tuple[SimOption, ...] = (
    rate_option("Updates per second of each subscribed candle.", 2.0),
    SEED,
    SimOption(
        "--channel",
        "channels",
        "Serve only these channels: candles, trades, book, ticker (repeatable; default: all). A "
        "subscription to another is answered with the exchange's own error for a channel it does not have.",
        str,
        None,
        metavar="CHANNEL",
        choices=CHANNELS,
        multiple=True,
    ),
    SimOption(
        "--rest-429-every",
        "rest_limit_every",
        "Answer every Nth REST call with 429 and Retry-After: 1.",
        metavar="N",
        min=1,
        fault=True,
    ),
    DROP_AFTER,
    SimOption(
        "--rest-limits-scale",
        "rest_limits_scale",
        "Enforce the exchange's documented REST limits (429/418 past them), every window and what it "
        "holds scaled by F (1: as documented).",
        float,
        None,
        metavar="F",
        fault=True,
    ),
    SimOption(
        "--skip-update-every",
        "skip_update_every",
        "Leave out every Nth book update of each pair (a sequence gap).",
        metavar="N",
        min=1,
        fault=True,
    ),
    SimOption(
        "--bad-checksum-every",
        "bad_checksum_every",
        "Send a wrong book checksum now and then, about every Nth time (where the exchange sends one).",
        metavar="N",
        min=1,
        fault=True,
    ),
    SimOption(
        "--snapshot-lag",
        "snapshot_lag",
        "Answer REST book snapshots with the book as it was N updates ago.",
        metavar="N",
        min=1,
        fault=True,
    ),
)


def _search(exchange: Exchange) -> Search | None:
    """`feedcli search NAME PATTERN` where the exchange has an instrument list."""
    if type(exchange).instruments_request is Exchange.instruments_request:
        return None
    from feedcli.providers.candles.search import COLUMNS, search_for

    name = exchange.name
    return Search(
        search_for(exchange), COLUMNS, (f"feedcli search {name} BTC", f"feedcli search {name} '*-USDT' | jq -r .pair")
    )


def provider(
    exchange: Exchange,
    info: ProviderInfo,
    simulator: str,
    *,
    port: int,
    help_text: str,
    knobs: tuple[Knob, ...] = (),
    rest_limits: RestLimits | None = None,
) -> Provider:
    """A candle exchange's record: the `candles` channel, its simulator (`module:Class`, a
    `CandleSimulator`), a demo of three pairs."""
    return Provider(
        info=info,
        options=options(exchange),
        prepare=preparer(exchange),
        channels=_channels(exchange),
        search=_search(exchange),
        simulator=Simulator(
            lazy(f"{simulator}.from_options"),
            SIM_OPTIONS,
            port,
            help_text,
            f"feedcli simulate {exchange.name}, then feedcli stream {exchange.name} "
            f"--url http://127.0.0.1:{port} --pair BTC-USDT --interval 1m",
        ),
        demo=Demo(
            values=lambda _sim: _demo_values(exchange),
            max_rate=10.0,
            channels=lambda _sim, channels: _demo_values(exchange, channels),
        ),
        knobs=knobs,
        rest_limits=rest_limits,
        # the exchange's own simulator, fed the recording (feedcli.simulators.crypto_replay)
        replay=Replay(
            functools.partial(lazy("feedcli.simulators.crypto_replay:serve"), simulator),
            exchange.title.partition(":")[0],
            f"feedcli stream {exchange.name} --url {{url}} --pair PAIR",
            preload=True,
        ),
    )
