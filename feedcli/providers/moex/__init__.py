"""MOEX ISS+: STOMP over WebSocket; securities, order books and candles as typed rows.

Source: ../shared/seeds/moex-issplus-stomp.md (the connection, the commands, the packet
layout, the error codes), and where it is silent what ../shared/notes/protocols.md found in
MOEX's own material: the official client (`moexalgo/beta/issplus.py`), the streams reference
(`websocket-en.md`), the CONNECTED metadata dump (`metadata.json`) and the recorded outputs
of the example notebooks.

One connection carries every subscription. It goes: CONNECT (domain, login, passcode and a
heart-beat) → CONNECTED, whose JSON body describes every market's streams and their columns
→ one SUBSCRIBE per (stream, ticker), each answered by a RECEIPT and then MESSAGEs. A MESSAGE
body is a packet `{"properties": {"type", "seqnum", "timestamp"}, "columns", "data"}`: first
a `snapshot`, then `updates` carrying only the changed columns (plus the key), and `removal`
by key. feedcli keeps a keyed table per subscription, types every column from the
CONNECTED metadata (`fixed` values `[value, decimals]` become numbers, enums, dates and times
are decoded), and writes full rows.

The SUBSCRIBEs are sent after CONNECTED, not pipelined behind CONNECT: that is what the
official client does (it reads the metadata first), it lets the selector use the parameter
names the metadata gives (`TICKER` for securities, `ticker` for candles), and a gateway that
authenticates asynchronously cannot see a SUBSCRIBE before the login is settled. It costs one
round trip per connection.

The same package is the server's codec for `feedcli simulate moex` and `replay --serve`
(the framing itself is `feedcli.stomp`'s, on stomp.py's utilities). Its modules, along the
protocol's seams:

- `protocol`: the document's constants, the ASSUMED block, credentials, subscriptions;
- `schema`: the markets' streams and columns from CONNECTED's metadata;
- `values`: every column typed (and back, for the server);
- `tables`: packets, the keyed tables they update, and rows shaped into lines;
- `codecs`: the stream, search and login codecs; `server`: the server's frames, rows and
  packets (the two that need STOMP: this module imports `codecs` only when a connection is
  made, so that a command's start does not pay for them);
- `metadata`: the built-in CONNECTED body.

This module is the provider's record: its options, `prepare`, its channel table (the
market vocabulary of its lines) and the rest of `PROVIDER`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from feedcli import market as vocab
from feedcli.credentials import PasscodeLogin
from feedcli.providers.base import Codec, ProviderInfo, SelectorOption
from feedcli.providers.moex.protocol import (
    GUEST,
    INTERVALS,
    KINDS,
    PATH,
    PRODUCTION_URL,
    SEARCH_COLUMNS,
    STREAMS,
    TIMEOUT,
    Credentials,
    check_pattern,
    credentials,
    heartbeat_ms,
    single,
    subscriptions,
)
from feedcli.providers.record import (
    DROP_AFTER,
    MALFORMED_EVERY,
    NO_TUNING,
    SEED,
    Channel,
    Demo,
    Provider,
    Replay,
    Search,
    SimOption,
    Simulator,
    lazy,
    rate_option,
)

INFO = ProviderInfo(
    name="moex",
    title="MOEX ISS+ over STOMP: securities, order books and candles of the Moscow Exchange",
    default_url=PRODUCTION_URL,
    credentials="moex",
    channels=STREAMS,
    selectors="--ticker MXSE.TQBR.SBER...",
    ws_path=PATH,
    examples=(
        "feedcli stream moex --ticker MXSE.TQBR.SBER --stream securities --stream orderbooks",
        "feedcli stream moex --ticker MXSE.TQBR.GAZP --stream candles --interval H1 | jq -c .data.close",
        "feedcli search moex 'SBER*'",
    ),
)

OPTIONS = (
    SelectorOption("--ticker", "ticker", "Ticker as MARKET.BOARD.SECID, e.g. MXSE.TQBR.SBER (repeatable).", "TICKER"),
    SelectorOption(
        "--stream",
        "stream",
        "securities, orderbooks, candles (repeatable). Default: securities.",
        metavar="STREAM",
        choices=STREAMS,
    ),
    SelectorOption(
        "--interval",
        "interval",
        "Candle interval: M1 (default), M10, H1, D1, W1, m1 (a month), m3, Q1 (quarters).",
        metavar="I",
        single=True,
        choices=INTERVALS,
    ),
    SelectorOption(
        "--heartbeat",
        "heartbeat",
        "STOMP heart-beat to ask for, in seconds (default 10; 0: none). "
        "A server silent for twice the agreed interval is dropped and reconnected.",
        metavar="SECONDS",
        single=True,
    ),
)


def prepare(
    values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING
) -> Callable[[str, Credentials | None], list[Codec]]:
    """Check the options (exit 2 if wrong); then (base URL, credentials) → one codec, one connection."""
    subs = subscriptions(values.get("ticker") or [], values.get("stream") or [], single(values, "interval"))
    beat = heartbeat_ms(single(values, "heartbeat"))

    def make(base_url: str, cred: Credentials | None) -> list[Codec]:
        from feedcli.providers.moex.codecs import StreamCodec

        return [StreamCodec(subs, base_url, cred or GUEST, heart_beat=beat)]

    return make


def search(pattern: str) -> Callable[[str, Credentials | None], Codec]:
    """`feedcli search moex PATTERN`: check it (exit 2), then (base URL, credentials) → a codec."""
    checked = check_pattern(pattern)

    def make(base_url: str, cred: Credentials | None) -> Codec:
        from feedcli.providers.moex.codecs import SearchCodec

        return SearchCodec(checked, base_url, cred or GUEST)

    return make


def _login_codec(base_url: str, cred: Credentials) -> Codec:
    """A codec finished once the gateway accepts the login (`feedcli login moex`)."""
    from feedcli.providers.moex.codecs import LoginCodec

    return LoginCodec(base_url, cred)


# ----------------------------------------------------------------------------- the vocabulary

_NONE: Mapping[str, Any] = {}


def _row_of(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else _NONE


#: Stats' figures → the columns of a securities row
SECURITIES_STATS = {
    "last": "LAST",
    "open": "OPEN",
    "high": "HIGH",
    "low": "LOW",
    "close": "LCLOSEPRICE",
    "prev_close": "PREVPRICE",
    "volume": "VOLTODAY",
    "value": "VALTODAY",
    "trades": "NUMTRADES",
    "date": "TRADEDATE",
    "time": "TIME",
}


def securities_objects(data: Any, _ts: str | None = None) -> tuple[vocab.Market, ...]:
    """A securities row: the day's statistics, and its best bid and offer as a quote (with the
    lots at each where the row has ISS's BIDDEPTH/OFFERDEPTH; the simulator's rows do not)."""
    row = _row_of(data)
    n = vocab.number
    top = vocab.Quote(n(row.get("BID")), n(row.get("BIDDEPTH")), n(row.get("OFFER")), n(row.get("OFFERDEPTH")))
    return (vocab.stats_from(row, SECURITIES_STATS), top)


def book_object(data: Any, _ts: str | None = None) -> tuple[vocab.Market, ...]:
    """An order book as feedcli writes it (`book_data`): `{"bids": [[price, lots], ...], "asks": ...}`."""
    book = _row_of(data)

    def side(name: str) -> tuple[vocab.Level, ...]:
        out = []
        levels = book.get(name)
        for level in levels if isinstance(levels, list | tuple) else ():
            if isinstance(level, list | tuple) and len(level) >= 2:
                price = vocab.number(level[0])
                if price is not None and price > 0:
                    out.append(vocab.Level(price, vocab.number(level[1])))
        return tuple(out)

    return (vocab.Book(side("bids"), side("asks")),)


def candle_object(data: Any, _ts: str | None = None) -> tuple[vocab.Market, ...]:
    """A candle as feedcli writes it (`candle_data`); ISS does not say whether a bar is final."""
    return (vocab.candle_from(_row_of(data)),)


# ----------------------------------------------------------------------------- the record


def _fault(flag: str, dest: str, help_text: str) -> SimOption:
    return SimOption(flag, dest, help_text, metavar="N", min=1, fault=True)


SIM_OPTIONS: tuple[SimOption, ...] = (
    rate_option("Market events per second, per instrument.", 20.0),
    SEED,
    SimOption(
        "--heart-beat",
        "heart_beat",
        "The server's heart-beat in CONNECTED (ms, both ways); the rate is agreed with the client's.",
        int,
        1000,
        "MS",
        0,
    ),
    DROP_AFTER,
    _fault("--gap-every", "gap_every", "Skip a seqnum in every Nth packet of a subscription (a lost packet: a gap)."),
    _fault("--error-after", "error_after", "Send ERROR --error-code after N messages on a connection, and close it."),
    SimOption(
        "--error-code",
        "error_code",
        "The code --error-after sends: gateway.timeout, gateway.transport, gateway.exception, ...",
        str,
        TIMEOUT,
        "CODE",
        fault=True,
    ),
    _fault("--stall-after", "stall_after", "Send no more data on a connection after N messages; heart-beats go on."),
    _fault(
        "--silent-after", "silent_after", "Send nothing at all on a connection after N messages, not even heart-beats."
    ),
    MALFORMED_EVERY,
)


CREDENTIALS = PasscodeLogin(
    "moex",
    "MOEX ISS+",
    PRODUCTION_URL,
    make=credentials,
    guest=GUEST,
    check=_login_codec,
    detail=lambda cred: f"domain {cred.domain}",
    user_prompt="MOEX passport login",
    secret_prompt="Passcode",
)

PROVIDER = Provider(
    info=INFO,
    options=OPTIONS,
    prepare=prepare,
    channels=(
        Channel("securities", KINDS["securities"], securities_objects, seq="seqnum"),
        Channel("orderbooks", KINDS["orderbooks"], book_object, seq="seqnum", full_book=True),
        Channel("candles", KINDS["candles"], candle_object, seq="seqnum", series=True),
    ),
    credentials=CREDENTIALS,
    search=Search(search, SEARCH_COLUMNS, ("feedcli search moex SBER", "feedcli search moex 'GAZ*' | jq -r .ticker")),
    simulator=Simulator(
        lazy("feedcli.simulators.moex:MoexSimulator.from_options"),
        SIM_OPTIONS,
        8767,
        "MOEX ISS+ over STOMP: CONNECT with metadata, securities, orderbooks and candles of MXSE, "
        "SEARCH.ticker, heart-beats, the documented ERROR codes.",
        "feedcli simulate moex --port 8767, then "
        "feedcli stream moex --url http://127.0.0.1:8767 --ticker MXSE.TQBR.SBER --stream orderbooks",
    ),
    # three tickers' order books and quotes, as the guest
    demo=Demo(values=lambda sim: {"ticker": list(sim.instruments)[:3], "stream": ["orderbooks", "securities"]}),
    replay=Replay(
        lazy("feedcli.simulators.moex_replay:MoexReplay"),
        "MOEX ISS+",
        "feedcli stream moex --url {url} --ticker TICKER --stream STREAM (as the guest)",
    ),
)
