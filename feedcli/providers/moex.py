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
by key. This module keeps a keyed table per subscription, types every column from the
CONNECTED metadata (`fixed` values `[value, decimals]` become numbers, enums, dates and times
are decoded), and writes full rows.

The SUBSCRIBEs are sent after CONNECTED, not pipelined behind CONNECT: that is what the
official client does (it reads the metadata first), it lets the selector use the parameter
names the metadata gives (`TICKER` for securities, `ticker` for candles), and a gateway that
authenticates asynchronously cannot see a SUBSCRIBE before the login is settled. It costs one
round trip per connection.

The same module is the server's codec for `feedcli simulate moex` and `replay --serve`:
packets, CONNECTED, MESSAGE, REPLY and ERROR frames, the selector parser and the metadata are
built here (the framing itself is `feedcli.stomp`'s, on stomp.py's utilities).

What no public material confirms is ASSUMED here, and only here (the block below); the
README's MOEX section lists the same split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from feedcli import market as vocab
from feedcli import stomp
from feedcli.credentials import PasscodeLogin
from feedcli.errors import AuthError, FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_iso
from feedcli.providers.base import (
    Codec,
    ConnectionDead,
    Frame,
    Handshake,
    ProviderInfo,
    Refusal,
    SelectorOption,
    check_selector,
    unique,
    ws_url,
)
from feedcli.providers.ht import END_OF_RECORDING
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
    rate_option,
)

PRODUCTION_URL = "https://iss.moex.com"
PATH = "/infocx/v3/websocket"
SUBPROTOCOL = "STOMP"
STREAMS: tuple[str, ...] = ("securities", "orderbooks", "candles")
#: candle intervals (the `intervals` enum of the metadata): m1 is a month, M1 a minute
INTERVALS: tuple[str, ...] = ("M1", "M10", "H1", "D1", "W1", "m1", "m3", "Q1")
DEFAULT_INTERVAL = "M1"
DEFAULT_STREAM = "securities"
SEARCH_DESTINATION = "SEARCH.ticker"
#: the search columns worth a terminal's width, in order (all of them go to NDJSON)
SEARCH_COLUMNS: tuple[str, ...] = ("ticker", "shortname", "name", "isin", "board_name", "marketplace")

#: the CONNECT domains: guests, and ALGOPACK subscribers (a MOEX passport account)
GUEST_DOMAIN = "DEMO"
PASSPORT_DOMAIN = "passport"

# error codes (the document's table), carried in the ERROR frame's `message` header
ACCESS_DENIED = "gateway.access-denied"
NOT_CONNECTED = "gateway.not-connected"
INVALID_REQUEST = "gateway.invalidrequest"
NOT_IMPLEMENTED = "gateway.notimplemented"
TIMEOUT = "gateway.timeout"
TRANSPORT = "gateway.transport"
EXCEPTION = "gateway.exception"
ERROR_CODES = (ACCESS_DENIED, NOT_CONNECTED, INVALID_REQUEST, NOT_IMPLEMENTED, TIMEOUT, TRANSPORT, EXCEPTION)
#: errors that are final: exit 3 (the account), exit 4 (what was asked for)
AUTH_ERRORS = frozenset({ACCESS_DENIED, NOT_CONNECTED})
REQUEST_ERRORS = frozenset({INVALID_REQUEST, NOT_IMPLEMENTED})
#: the three the document calls the gateway's own trouble: reconnect with backoff
TRANSIENT_ERRORS = frozenset({TIMEOUT, TRANSPORT, EXCEPTION})

PACKET_TYPES = ("snapshot", "updates", "removal")
COLUMN_TYPES = ("string", "integer", "fixed", "float", "enum", "date", "time", "datetime", "bool")

# ----------------------------------------------------------------------------- ASSUMED
# Not confirmed by any public MOEX material; each is the most plausible reading, and each
# is listed in the README's MOEX section.
#: The heart-beat we ask for in CONNECT (ms). MOEX documents none; the official client
#: sends no header (0,0); a third-party client uses 10000,10000. Whatever CONNECTED
#: answers is honoured, and a bare "\n" is always taken as a heart-beat.
HEART_BEAT_MS = 10_000
#: STOMP versions offered in CONNECT (the official client offers none, i.e. 1.0)
ACCEPT_VERSION = "1.0,1.1,1.2"
#: `properties.seqnum` counts each subscription's packets one by one, so a jump between two
#: packets means packets were lost. If it does not (three resynchronisations in a row find
#: a jump again at once), gap detection is turned off for that subscription, with a `gap`
#: line saying so, rather than resubscribing forever.
MAX_RESYNCS_IN_A_ROW = 3
#: `properties.timestamp` is an epoch number (its unit, s, ms, µs or ns, told by size).
#: orderbooks have no primary column in the metadata; the notebook treats every packet as
#: a whole book (a snapshot). Should `updates` come, a level is keyed by (BUYSELL, PRICE)
#: and a QUANTITY of 0 or null removes it.
ORDERBOOK_KEY = ("BUYSELL", "PRICE")
#: REQUEST-only resources (SEARCH.ticker) are listed under "queries" in a market's metadata,
#: shaped like streams; a REPLY body is a packet like a MESSAGE's (a list of objects, or
#: {"data": [objects]}, is read too).
QUERIES_KEY = "queries"
#: An enum value is written as its English description from the metadata (its caption when
#: it has none); a value the metadata does not list is written as sent.
ENUM_LANGUAGE = "en"
#: dates, times and datetimes are Moscow time and carry no offset: written as ISO 8601
#: without one ("2026-01-22T10:00:00"), as HT's Tehran times are.
#: CLOSED (a server command the document lists without describing it) ends the connection:
#: feedcli reconnects and subscribes again.
#: ERROR on a SUBSCRIBE carries `receipt-id` (the official client routes it so); on a
#: REQUEST, `request-id` (documented by the official client).
# ----------------------------------------------------------------------------- /ASSUMED

#: MOEX's clock: Moscow time, UTC+3 all year round since 2014
MOSCOW = timezone(timedelta(hours=3), "MSK")

#: rows a candles table keeps (the oldest bars go first): memory stays bounded for a
#: stream left running for days
MAX_TABLE_ROWS = 5_000


@dataclass(frozen=True)
class Credentials:
    """What CONNECT sends. The passcode never appears in a repr, a log or a recording."""

    domain: str
    login: str
    passcode: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {"domain": self.domain, "login": self.login, "passcode": self.passcode}


GUEST = Credentials(GUEST_DOMAIN, "guest", "guest")


def credentials(login: str, passcode: str) -> Credentials:
    """A login's credentials: the guest account is the DEMO domain, any other a passport.

    A line break or NUL cannot travel in CONNECT's headers (they are never escaped), so
    such a login is refused here, naming neither value: it may be a password.
    """
    if any(ch in login + passcode for ch in "\r\n\x00"):
        raise UsageError("the MOEX login or passcode contains a line break or NUL, which STOMP cannot carry")
    domain = GUEST_DOMAIN if (login, passcode) == ("guest", "guest") else PASSPORT_DOMAIN
    return Credentials(domain, login, passcode)


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


# ----------------------------------------------------------------------------- subscriptions

_MARKET = re.compile(r"[A-Za-z0-9_]+\Z")
_SECID_BAD = re.compile(r"[\s\"'\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Subscription:
    """One SUBSCRIBE: a stream of one ticker (candles also at one interval)."""

    stream: str
    ticker: str
    interval: str | None = None

    @property
    def market(self) -> str:
        return self.ticker.split(".", 1)[0]

    @property
    def destination(self) -> str:
        return f"{self.market}.{self.stream}"


def check_ticker(value: str) -> str:
    """A ticker as MARKET.BOARD.SECID (exit 2 otherwise); kept exactly as typed."""
    check_selector("--ticker", value)
    parts = value.split(".", 2)
    hint = "a ticker is MARKET.BOARD.SECID, e.g. MXSE.TQBR.SBER"
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"--ticker {value!r}: {hint}")
    market, board, secid = parts
    if not _MARKET.match(market) or not _MARKET.match(board):
        raise UsageError(f"--ticker {value!r}: the market and board are letters and digits ({hint})")
    if _SECID_BAD.search(secid):
        raise UsageError(f"--ticker {value!r}: the security code has a space, quote or control character")
    return value


def check_pattern(pattern: str) -> str:
    """A search pattern fit for `pattern="..."` (exit 2 for one that would break the selector)."""
    if not pattern or not pattern.strip():
        raise UsageError("the search pattern must not be empty")
    if _SECID_BAD.search(pattern.replace(" ", "")):
        raise UsageError(f"search pattern {pattern!r} has a quote, backslash or control character")
    return pattern


def _single(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return None if value is None else str(value)


def heartbeat_ms(value: str | None) -> int:
    """--heartbeat in seconds → the CONNECT header's milliseconds (exit 2 if not a number)."""
    if value is None:
        return HEART_BEAT_MS
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"--heartbeat wants seconds, not {value!r}") from None
    if not 0 <= seconds <= 3600:
        raise UsageError(f"--heartbeat must be between 0 and 3600 seconds, not {value}")
    return round(seconds * 1000)


def subscriptions(tickers: Sequence[str], streams: Sequence[str], interval: str | None) -> tuple[Subscription, ...]:
    """Check the command line's values (UsageError, exit 2) and make one subscription per pair."""
    checked = unique([check_ticker(t) for t in tickers])
    if not checked:
        raise UsageError("name at least one ticker with --ticker MARKET.BOARD.SECID (e.g. MXSE.TQBR.SBER)")
    chosen = unique(list(streams)) or (DEFAULT_STREAM,)
    for stream_name in chosen:
        if stream_name not in STREAMS:
            raise UsageError(f"unknown stream {stream_name!r}; moex streams: {', '.join(STREAMS)}")
    if interval is not None:
        if interval not in INTERVALS:
            raise UsageError(f"unknown interval {interval!r}; intervals: {', '.join(INTERVALS)}")
        if "candles" not in chosen:
            raise UsageError("--interval applies to --stream candles")
    return tuple(
        Subscription(s, t, (interval or DEFAULT_INTERVAL) if s == "candles" else None) for t in checked for s in chosen
    )


def prepare(
    values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING
) -> Callable[[str, Credentials | None], list[Codec]]:
    """Check the options (exit 2 if wrong); then (base URL, credentials) → one codec, one connection."""
    subs = subscriptions(values.get("ticker") or [], values.get("stream") or [], _single(values, "interval"))
    beat = heartbeat_ms(_single(values, "heartbeat"))
    return lambda base_url, cred: [StreamCodec(subs, base_url, cred or GUEST, heart_beat=beat)]


def search(pattern: str) -> Callable[[str, Credentials | None], Codec]:
    """`feedcli search moex PATTERN`: check it (exit 2), then (base URL, credentials) → a codec."""
    checked = check_pattern(pattern)
    return lambda base_url, cred: SearchCodec(checked, base_url, cred or GUEST)


# ----------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    enum: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class Resource:
    """A stream or a query of one market, as CONNECTED's metadata describes it."""

    market: str
    name: str
    params: tuple[str, ...]
    output: tuple[Column, ...]
    query: bool = False

    @property
    def destination(self) -> str:
        return f"{self.market}.{self.name}"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.output if c.primary)

    def param(self, name: str, default: str) -> str:
        """The parameter's spelling in this resource (`TICKER` or `ticker`), else `default`."""
        for p in self.params:
            if p.lower() == name.lower():
                return p
        return default


def _text_of(caption: Any) -> str | None:
    if isinstance(caption, Mapping):
        value = caption.get(ENUM_LANGUAGE) or next((v for v in caption.values() if isinstance(v, str) and v), None)
        return value if isinstance(value, str) and value.strip() else None
    return caption if isinstance(caption, str) and caption.strip() else None


class Schema:
    """Every market's streams, queries and enums from CONNECTED's `structure`."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        #: (market, enum name) → {id: text}
        self.enums: dict[tuple[str, str], dict[str, str]] = {}
        #: (market, enum name) → {text: id}, for the server's side (replay re-encodes)
        self.enum_ids: dict[tuple[str, str], dict[str, str]] = {}

    @classmethod
    def from_structure(cls, structure: Any, fallback: Schema | None = None) -> Schema:
        """Read the metadata; whatever it lacks (or cannot be read) is taken from `fallback`."""
        schema = cls()
        if fallback is not None:
            schema.resources.update(fallback.resources)
            schema.enums.update(fallback.enums)
            schema.enum_ids.update(fallback.enum_ids)
        if not isinstance(structure, Mapping):
            return schema
        for market, spec in structure.items():
            if not isinstance(market, str) or not isinstance(spec, Mapping):
                continue
            for enum in spec.get("enums") or ():
                if not isinstance(enum, Mapping) or not isinstance(enum.get("name"), str):
                    continue
                texts: dict[str, str] = {}
                for value in enum.get("values") or ():
                    if isinstance(value, Mapping) and value.get("id") is not None:
                        ident = str(value["id"])
                        texts[ident] = _text_of(value.get("description")) or _text_of(value.get("caption")) or ident
                schema.enums[(market, enum["name"])] = texts
                schema.enum_ids[(market, enum["name"])] = {t: i for i, t in texts.items()}
            for key, query in (("streams", False), (QUERIES_KEY, True)):
                for item in spec.get(key) or ():
                    resource = _resource(market, item, query)
                    if resource is not None:
                        schema.resources[resource.destination] = resource
        return schema

    def resource(self, destination: str) -> Resource | None:
        return self.resources.get(destination)


def _resource(market: str, item: Any, query: bool) -> Resource | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        return None
    params = tuple(
        p["name"] for p in item.get("params") or () if isinstance(p, Mapping) and isinstance(p.get("name"), str)
    )
    output = []
    for col in item.get("output") or ():
        if isinstance(col, Mapping) and isinstance(col.get("name"), str):
            kind = col.get("type") if isinstance(col.get("type"), str) else "string"
            enum = col.get("enum") if isinstance(col.get("enum"), str) else None
            output.append(Column(col["name"], kind, enum, bool(col.get("primary"))))
    return Resource(market, item["name"], params, tuple(output), query)


# ----------------------------------------------------------------------------- values


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return None
    return None


def decode_fixed(value: Any) -> Any:
    """`[value, decimals]` → the number (an int when it has no decimals and is whole)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        number, decimals = _number(value[0]), _number(value[1])
        if number is None or decimals is None:
            return value[0] if value[0] is None else value
        if decimals == 0 and float(number).is_integer():
            return int(number)
        return float(number)
    number = _number(value)
    return value if number is None else number


def encode_fixed(value: Any, decimals: int | None = None) -> Any:
    """A number → `[value, decimals]` (the decimals counted from the number when not given)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if decimals is None:
        if isinstance(value, int) or float(value).is_integer():
            decimals = 0
        else:
            text = repr(float(value))
            decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text else 6
    if decimals == 0:
        return [int(value), 0]
    return [round(float(value), decimals), decimals]


def _integer(value: Any) -> Any:
    number = _number(value)
    if number is None:
        return value
    return int(number) if float(number).is_integer() else number


def _float(value: Any) -> Any:
    number = _number(value)
    return value if number is None else float(number)


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
        return value.lower() in ("true", "1")
    return value


def _date(value: Any) -> Any:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None:
        return value
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _time(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 240000:
        value = f"{value:06d}"
    if isinstance(value, str) and len(value) == 6 and value.isdigit():
        return f"{value[:2]}:{value[2:4]}:{value[4:]}"
    return value


def _datetime(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) >= 19 and value[10] == " ":
            return value[:10] + "T" + value[11:]
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_iso(value)
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "fixed": decode_fixed,
    "integer": _integer,
    "float": _float,
    "bool": _bool,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
}


def _identity(value: Any) -> Any:
    return value


def value_decoder(column: Column | None, schema: Schema | None, market: str) -> Callable[[Any], Any]:
    """How one column's values are read: by its type in the metadata; as sent when unknown."""
    if column is None:
        return _identity
    if column.type == "enum" and schema is not None and column.enum is not None:
        texts = schema.enums.get((market, column.enum))
        if texts:
            return lambda v: v if v is None else texts.get(str(v), v)
        return _identity
    decode = _DECODERS.get(column.type, _identity)
    return lambda v: None if v is None else decode(v)


def value_encoder(column: Column | None, schema: Schema | None, market: str) -> Callable[[Any], Any]:
    """The inverse of `value_decoder`: a typed value back to what the wire carries."""
    if column is None:
        return _identity
    if column.type == "fixed":
        return encode_fixed
    if column.type == "enum" and schema is not None and column.enum is not None:
        ids = schema.enum_ids.get((market, column.enum)) or {}
        return lambda v: v if v is None else ids.get(v, v)
    if column.type == "datetime":
        return lambda v: v[:10] + " " + v[11:] if isinstance(v, str) and len(v) >= 19 and v[10] == "T" else v
    return _identity


class RowDecoder:
    """Rows of one resource → typed dicts; the per-column decoders are built once per column list."""

    def __init__(self, resource: Resource | None, schema: Schema | None, market: str) -> None:
        self._columns = {c.name: c for c in resource.output} if resource is not None else {}
        self._schema = schema
        self._market = market
        self._cache: dict[tuple[str, ...], list[Callable[[Any], Any]]] = {}

    def __call__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        key = tuple(columns)
        decoders = self._cache.get(key)
        if decoders is None:
            decoders = [value_decoder(self._columns.get(c), self._schema, self._market) for c in key]
            self._cache[key] = decoders
        return [{c: d(v) for c, d, v in zip(key, decoders, row, strict=True)} for row in rows]


# ----------------------------------------------------------------------------- packets


@dataclass
class Packet:
    """A MESSAGE (or REPLY) body: what happened, its number and time, and rows by column."""

    type: str
    columns: list[str]
    data: list[list[Any]]
    seqnum: int | None = None
    timestamp: Any = None


def parse_packet(body: bytes | str) -> Packet:
    """Read a packet; MalformedFrame if it is not one."""
    text = body.strip(b"\x00\r\n \t") if isinstance(body, bytes) else body.strip("\x00\r\n \t")
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"a MESSAGE body that is not JSON ({exc.msg})") from None
    if type(obj) is not dict:
        raise MalformedFrame("a MESSAGE body that is not a JSON object")
    props = obj.get("properties")
    if props is None:
        props = {}
    columns, data = obj.get("columns"), obj.get("data")
    if type(props) is not dict:
        raise MalformedFrame("'properties' is not an object")
    if type(columns) is not list or not all(type(c) is str for c in columns):
        raise MalformedFrame("a packet without 'columns' (a list of names)")
    if type(data) is not list or not all(type(r) is list and len(r) == len(columns) for r in data):
        raise MalformedFrame("a packet whose 'data' rows do not match its columns")
    kind = props.get("type", "snapshot")
    if kind not in PACKET_TYPES:
        raise MalformedFrame(f"unknown packet type {kind!r}")
    seq = props.get("seqnum")
    seqnum = None
    if seq is not None:
        number = _number(seq)
        if number is None or not float(number).is_integer():
            raise MalformedFrame(f"seqnum {seq!r} is not a number")
        seqnum = int(number)
    return Packet(kind, columns, data, seqnum, props.get("timestamp"))


def encode_packet(
    kind: str, columns: Sequence[str], data: Iterable[Sequence[Any]], seqnum: int | None, timestamp: Any
) -> bytes:
    """A packet as the server sends it (the simulator's and replay server's side)."""
    if kind not in PACKET_TYPES:
        raise ValueError(f"packet type {kind!r}")
    props: dict[str, Any] = {"type": kind}
    if seqnum is not None:
        props["seqnum"] = seqnum
    if timestamp is not None:
        props["timestamp"] = timestamp
    return orjson.dumps({"properties": props, "columns": list(columns), "data": [list(r) for r in data]})


def packet_time(value: Any) -> str | None:
    """`properties.timestamp` as ISO 8601 UTC (epoch numbers in any unit); text as sent."""
    if isinstance(value, str):
        number = _number(value)
        if number is None:
            return value or None
        value = number
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_iso(value)
    return None


def rows_from_reply(body: bytes) -> tuple[list[str] | None, list[Any]]:
    """A REPLY body: a packet (columns, rows), or objects (None, [dict, ...])."""
    text = body.strip(b"\x00\r\n \t")
    try:
        obj = orjson.loads(text) if text else []
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"a REPLY body that is not JSON ({exc.msg})") from None
    if type(obj) is dict and "columns" in obj:
        packet = parse_packet(text)
        return packet.columns, packet.data
    if type(obj) is dict:
        obj = obj.get("data", [])
    if type(obj) is list and all(type(r) is dict for r in obj):
        return None, obj
    raise MalformedFrame("a REPLY body that is neither a packet nor a list of objects")


# ----------------------------------------------------------------------------- tables


class Table:
    """One subscription's rows by primary key: snapshot replaces, updates merge, removal deletes."""

    def __init__(self, keys: tuple[str, ...], limit: int | None = None) -> None:
        self.keys = keys
        self.limit = limit
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.keys:
            try:
                return tuple(_hashable(row[k]) for k in self.keys)
            except KeyError:
                if len(self.rows) == 1:  # a one-row table (securities of one ticker): the row
                    return next(iter(self.rows))
                missing = [k for k in self.keys if k not in row]
                raise MalformedFrame(f"a row without its key column(s) {', '.join(missing)}") from None
        return tuple(sorted((k, _hashable(v)) for k, v in row.items()))

    def replace(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        self.rows = {}
        return self.update(rows)

    def update(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        merged_rows = []
        for row in rows:
            key = self._key(row)
            old = self.rows.get(key)
            merged = {**old, **row} if old is not None else dict(row)
            self.rows[key] = merged
            merged_rows.append(merged)
        if self.limit is not None:
            while len(self.rows) > self.limit:
                del self.rows[next(iter(self.rows))]
        return merged_rows

    def remove(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        gone = []
        for row in rows:
            key = self._key(row)
            gone.append(self.rows.pop(key, None) or dict(row))
        return gone


def _hashable(value: Any) -> Any:
    """A value usable in a key: lists (undecoded `fixed`) become tuples, anything else
    unhashable (an object where a key column should be) is a malformed packet."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        raise MalformedFrame("a key column holding an object")
    return value


# ----------------------------------------------------------------------------- data lines

#: candles columns → the names every feedcli candle record uses (VALUE, the turnover in
#: roubles, is the quote currency's volume)
_CANDLE_NAMES = {
    "FROM": "timestamp",
    "OPEN": "open",
    "HIGH": "high",
    "LOW": "low",
    "CLOSE": "close",
    "VOLUME": "volume",
    "VALUE": "quote_volume",
    "TILL": "till",
}
_CANDLE_COLUMNS = {v: k for k, v in _CANDLE_NAMES.items()}
_TIMES = ("FROM", "TILL")


def _moscow_to_utc(value: Any) -> Any:
    """A Moscow wall-clock time ("2026-01-22T10:00:00") as ISO 8601 UTC, like every candle's timestamp."""
    if not isinstance(value, str) or len(value) < 19 or value.endswith("Z"):
        return value  # not a wall-clock time, or already UTC (an epoch the decoder converted)
    try:
        moment = datetime.fromisoformat(value[:19]).replace(tzinfo=MOSCOW)
    except ValueError:
        return value
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_to_moscow(value: Any) -> Any:
    if not isinstance(value, str) or not value.endswith("Z"):
        return value
    try:
        moment = datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        return value
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")


def candle_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """A candles row as every feedcli candle is written: timestamp (the bar's start, UTC), OHLCV, ...

    Columns the metadata has beyond the usual ones follow under their own names.
    """
    out = {
        name: (_moscow_to_utc(row[col]) if col in _TIMES else row[col])
        for col, name in _CANDLE_NAMES.items()
        if col in row
    }
    out.update({k: v for k, v in row.items() if k not in _CANDLE_NAMES})
    return out


def candle_row(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `candle_data` (replay re-encodes a recorded candle)."""
    out = {}
    for key, value in data.items():
        if key == "removed":
            continue
        col = _CANDLE_COLUMNS.get(key, key)
        out[col] = _utc_to_moscow(value) if col in _TIMES else value
    return out


def _side(value: Any) -> str | None:
    text = str(value).strip().upper() if value is not None else ""
    if text.startswith("B"):
        return "bids"
    if text.startswith("S"):
        return "asks"
    return None


def book_data(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """Order-book rows → {"bids": [[price, qty], ...] best (highest) first, "asks": ... lowest first}."""
    book: dict[str, list[list[Any]]] = {"bids": [], "asks": []}
    for row in rows:
        side = _side(row.get("BUYSELL"))
        price = row.get("PRICE")
        if side is None or not isinstance(price, int | float) or isinstance(price, bool):
            continue
        book[side].append([price, row.get("QUANTITY")])
    book["bids"].sort(key=lambda lv: lv[0], reverse=True)
    book["asks"].sort(key=lambda lv: lv[0])
    return book


def book_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inverse of `book_data` (replay re-encodes a recorded book)."""
    rows = []
    for side, code in (("bids", "B"), ("asks", "S")):
        for level in data.get(side) or ():
            if isinstance(level, list | tuple) and len(level) >= 2:
                rows.append({"BUYSELL": code, "PRICE": level[0], "QUANTITY": level[1]})
    return rows


# ----------------------------------------------------------------------------- errors


def _body_text(body: bytes) -> str:
    text = body.strip(b"\x00\r\n \t").decode("utf-8", "replace")
    return " ".join(text.split())[:200]


def refusal(error: stomp.StompError, what: str) -> Exception:
    """What an ERROR means: AuthError (exit 3), SubscriptionError (exit 4), or ConnectionDead.

    `what` names what was being done ("login", "the subscription to MXSE.orderbooks ...").
    ConnectionDead makes the engine drop the connection and reconnect with backoff: the
    gateway's own trouble (timeout, transport, exception) and any code the document does
    not list, rather than exit on an error we cannot classify.
    """
    code = (error.message or "").strip()
    detail = _body_text(error.body)
    token = code.split(":", 1)[0].split()[0].lower() if code else ""
    told = f"{code}: {detail}" if code and detail and detail != code else (code or detail or "no reason given")
    if token in AUTH_ERRORS:
        hint = "" if what != "login" else " (check `feedcli login moex`, or FEEDCLI_MOEX_LOGIN/FEEDCLI_MOEX_PASSCODE)"
        return AuthError(f"moex refused {what}: {told}{hint}")
    if token in REQUEST_ERRORS:
        return SubscriptionError(f"moex refused {what}: {told}")
    return ConnectionDead(f"server error ({what}): {told}")


# ----------------------------------------------------------------------------- codecs


class _StompCodec(Codec):
    """What the stream, search and login codecs share: CONNECT, metadata, errors, heart-beats."""

    provider = "moex"

    def __init__(self, base_url: str, cred: Credentials, heart_beat: int = 0) -> None:
        self.handshake = Handshake(ws_url(base_url, PATH), subprotocols=(SUBPROTOCOL,))
        self.cred = cred
        self.stomp = stomp.StompClient()
        self.schema = FALLBACK_SCHEMA
        self.finished = False
        self.timer_interval = None
        self._heart_beat = heart_beat
        self._out: list[Frame] = []
        #: CONNECTED was read (an ERROR before it refuses the login)
        self.connected = False
        #: the latest time the engine told us (on_timer); frames parsed are dated with it
        self._now = 0.0

    def opening_frames(self) -> list[Frame]:
        frame = self.stomp.connect_frame(
            heart_beat=(self._heart_beat, self._heart_beat),
            accept_version=ACCEPT_VERSION,
            headers=self.cred.headers(),
        )
        return [frame]

    def take_outgoing(self) -> list[Frame]:
        out, self._out = self._out, []
        return out

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        out: list[Event] = []
        for event in self.stomp.feed(frame, self._now):
            kind = type(event)
            if kind is stomp.Message:
                out.extend(self.on_message(event, recv))  # type: ignore[arg-type]
            elif kind is stomp.Heartbeat:
                continue
            elif kind is stomp.Connected:
                self.connected = True
                self.schema = _schema_of(event.body)  # type: ignore[union-attr]
                hb = event.heart_beat  # type: ignore[union-attr]
                beats = [ms for ms in hb if ms]
                self.timer_interval = max(0.05, min(beats) / 2000) if beats else None
                out.extend(self.on_connected(recv))
            elif kind is stomp.StompError:
                raise refusal(event, self.doing(event))  # type: ignore[arg-type]
            elif kind is stomp.Receipt:
                out.extend(self.on_receipt(event, recv))  # type: ignore[arg-type]
            elif kind is stomp.Reply:
                out.extend(self.on_reply(event, recv))  # type: ignore[arg-type]
            else:
                cmd = event.frame.cmd  # type: ignore[union-attr]
                if cmd == "CLOSED":
                    raise ConnectionDead("moex: the server sent CLOSED")
                out.append(ControlEvent("moex", "unknown", recv, {"command": cmd}))
        return out

    # what subclasses answer
    def on_connected(self, recv: str) -> list[Event]:
        return []

    def on_message(self, msg: stomp.Message, recv: str) -> list[Event]:
        return []

    def on_receipt(self, receipt: stomp.Receipt, recv: str) -> list[Event]:
        return []

    def on_reply(self, reply: stomp.Reply, recv: str) -> list[Event]:
        return []

    def doing(self, error: stomp.StompError) -> str:
        """What an ERROR refuses, in words for its message."""
        return "the request" if self.connected else "login"

    def on_timer(self, now: float, last_heard: float) -> list[Frame]:
        """Send heart-beats at the agreed rate; a server silent past 2x its rate is dead."""
        self._now = now
        self.stomp.mark_heard(last_heard)
        if self.stomp.peer_silent(now):
            expect = self.stomp.expect_interval_ms / 1000
            raise ConnectionDead(
                f"no heart-beat from the server for {stomp.SILENCE_TOLERANCE * expect:g}s (agreed every {expect:g}s)"
            )
        beat = self.stomp.heartbeat_due(now)
        return [beat] if beat is not None else []

    def closing_frames(self) -> list[Frame]:
        if self.stomp.state != "connected":
            return []
        return [self.stomp.disconnect(receipt=True)]


def _schema_of(body: bytes) -> Schema:
    """CONNECTED's body → the metadata (the built-in one where it is missing or unreadable)."""
    try:
        obj = orjson.loads(body.strip(b"\x00\r\n \t")) if body.strip(b"\x00\r\n \t") else None
    except orjson.JSONDecodeError:
        obj = None
    structure = obj.get("structure") if isinstance(obj, dict) else None
    return Schema.from_structure(structure, FALLBACK_SCHEMA)


@dataclass
class _Sub:
    """A subscription's live state on this connection."""

    spec: Subscription
    resource: Resource | None = None
    decode: RowDecoder | None = None
    sid: str | None = None
    selector: str = ""
    table: Table | None = None
    last_seq: int | None = None
    #: resubscriptions since an update last followed its predecessor cleanly
    resyncs: int = 0
    check_seq: bool = True


class StreamCodec(_StompCodec):
    """`feedcli stream moex`: every (stream, ticker) subscription on one connection."""

    def __init__(
        self, subs: Sequence[Subscription], base_url: str, cred: Credentials, *, heart_beat: int = HEART_BEAT_MS
    ) -> None:
        super().__init__(base_url, cred, heart_beat)
        self.subs = [_Sub(s) for s in subs]
        self._by_id: dict[str, _Sub] = {}
        self._counter = 0

    # -- subscribing ---------------------------------------------------------------------

    def on_connected(self, recv: str) -> list[Event]:
        for sub in self.subs:
            self._subscribe(sub)
        return []

    def selector(self, sub: Subscription, resource: Resource | None) -> str:
        """`TICKER="X"` (securities, orderbooks), `ticker="X" and interval="M1"` (candles)."""
        if sub.stream == "candles":
            ticker = resource.param("ticker", "ticker") if resource else "ticker"
            interval = resource.param("interval", "interval") if resource else "interval"
            return f'{ticker}="{sub.ticker}" and {interval}="{sub.interval or DEFAULT_INTERVAL}"'
        ticker = resource.param("TICKER", "TICKER") if resource else "TICKER"
        return f'{ticker}="{sub.ticker}"'

    def _subscribe(self, sub: _Sub) -> None:
        resource = self.schema.resource(sub.spec.destination)
        sub.resource = resource
        sub.decode = RowDecoder(resource, self.schema, sub.spec.market)
        sub.selector = self.selector(sub.spec, resource)
        # The receipt id is the subscription id, as the official client sends them: an ERROR
        # answering this SUBSCRIBE then names the subscription it refuses.
        self._counter += 1
        ident = f"sub-{self._counter}"
        sid, frame = self.stomp.subscribe(sub.spec.destination, id=ident, selector=sub.selector, receipt=ident)
        sub.sid, sub.table, sub.last_seq = sid, None, None
        self._by_id[sid] = sub
        self._out.append(frame)

    def _what(self, sub: _Sub) -> str:
        return f"the subscription to {sub.spec.destination} {sub.selector}"

    def doing(self, error: stomp.StompError) -> str:
        for ident in (error.receipt_id, error.headers.get("subscription")):
            sub = self._by_id.get(ident) if ident else None
            if sub is not None:
                return self._what(sub)
        if not self.connected:
            return "login"
        if (error.message or "").strip() in REQUEST_ERRORS:
            # a refusal that does not say which subscription: name them all
            if len(self.subs) == 1:
                return self._what(self.subs[0])
            named = ", ".join(f"{s.spec.destination} {s.selector}" for s in self.subs)
            return f"one of the subscriptions ({named})"
        return "the session"

    def close_verdict(self, code: int | None, reason: str) -> FeedError | None:
        """Every close is reconnected, but `feedcli replay --serve`'s end of a recording."""
        if code == 1000 and reason.strip().lower() == END_OF_RECORDING:
            self.finished = True  # ISS+ has no end-of-stream frame: the replay server says so in its close
        return None

    def on_receipt(self, receipt: stomp.Receipt, recv: str) -> list[Event]:
        sub = self._by_id.get(receipt.receipt_id)
        if sub is None or receipt.for_command != "SUBSCRIBE":
            return []
        spec = sub.spec
        fields = {
            "stream": spec.stream,
            "symbol": spec.ticker,
            "destination": spec.destination,
            "selector": sub.selector,
        }
        return [ControlEvent("moex", "subscribed", recv, fields)]

    def closing_frames(self) -> list[Frame]:
        if self.stomp.state != "connected":
            return []
        frames: list[Frame] = [
            self.stomp.unsubscribe(sid) for sid in list(self._by_id) if sid in self.stomp.subscriptions
        ]
        frames.append(self.stomp.disconnect(receipt=True))
        return frames

    # -- data ----------------------------------------------------------------------------

    def on_message(self, msg: stomp.Message, recv: str) -> list[Event]:
        sub = self._by_id.get(msg.subscription) if msg.known else None
        if sub is None:
            return []  # in flight on a subscription we left (a resync): not ours any more
        packet = parse_packet(msg.body)
        assert sub.decode is not None
        try:
            rows = sub.decode(packet.columns, packet.data)
        except ValueError:
            raise MalformedFrame("a packet whose rows do not match its columns") from None
        events: list[Event] = []
        seq = packet.seqnum
        if packet.type == "snapshot":
            sub.table = Table(self._keys(sub), MAX_TABLE_ROWS if sub.spec.stream == "candles" else None)
        elif sub.table is None:
            return []  # updates before the snapshot they apply to: nothing to merge them into
        elif seq is not None and sub.last_seq is not None and sub.check_seq:
            if seq <= sub.last_seq:
                return []  # a repeat or a late packet: already merged, nothing lost
            if seq != sub.last_seq + 1:
                gap = self._gap(sub, seq, recv)
                if sub.check_seq:
                    return gap  # resubscribed: the fresh snapshot replaces the table
                events.extend(gap)  # detection is off from now on: this packet is still merged
            else:
                sub.resyncs = 0
        ts = packet_time(packet.timestamp)
        spec = sub.spec
        table = sub.table
        if spec.stream == "orderbooks":
            if packet.type == "snapshot":
                table.replace(rows)
            elif packet.type == "updates":
                table.update(rows)
                for key in [k for k, r in table.rows.items() if not r.get("QUANTITY")]:
                    del table.rows[key]
            else:
                table.remove(rows)
            events.append(DataEvent("moex", spec.stream, spec.ticker, ts, recv, book_data(table.rows.values())))
            if seq is not None:
                sub.last_seq = seq
            return events
        if packet.type == "snapshot":
            changed = table.replace(rows)
        elif packet.type == "updates":
            changed = table.update(rows)
        else:
            changed = [{**row, "removed": True} for row in table.remove(rows)]
        shape = candle_data if spec.stream == "candles" else dict
        for row in changed:
            events.append(DataEvent("moex", spec.stream, spec.ticker, ts, recv, shape(row)))
        if seq is not None:
            sub.last_seq = seq
        return events

    @staticmethod
    def _keys(sub: _Sub) -> tuple[str, ...]:
        keys = sub.resource.keys if sub.resource is not None else ()
        if not keys and sub.spec.stream == "orderbooks":
            return ORDERBOOK_KEY
        if not keys and sub.spec.stream == "securities":
            return ("TICKER",)
        if not keys and sub.spec.stream == "candles":
            return ("FROM",)
        return keys

    def _gap(self, sub: _Sub, seq: int, recv: str) -> list[Event]:
        """Packets were lost: drop the table, and subscribe again for a fresh snapshot."""
        assert sub.last_seq is not None and sub.sid is not None
        spec = sub.spec
        fields: dict[str, Any] = {
            "stream": spec.stream,
            "symbol": spec.ticker,
            "expected": sub.last_seq + 1,
            "got": seq,
        }
        if sub.resyncs >= MAX_RESYNCS_IN_A_ROW:
            sub.check_seq = False
            fields["resubscribed"] = False
            fields["reason"] = (
                f"seqnum jumped again right after {sub.resyncs} fresh snapshots: this server does not number "
                "packets one by one; gap detection is off for this subscription"
            )
            return [ControlEvent("moex", "gap", recv, fields)]
        sub.resyncs += 1
        fields["resubscribed"] = True
        old = sub.sid
        del self._by_id[old]
        self._out.append(self.stomp.unsubscribe(old))
        self._subscribe(sub)
        return [ControlEvent("moex", "gap", recv, fields)]


class SearchCodec(_StompCodec):
    """`feedcli search moex PATTERN`: CONNECT, one REQUEST to SEARCH.ticker, its REPLY, done."""

    def __init__(self, pattern: str, base_url: str, cred: Credentials) -> None:
        super().__init__(base_url, cred)
        self.pattern = pattern
        self._request: str | None = None

    def on_connected(self, recv: str) -> list[Event]:
        resource = self.schema.resource(SEARCH_DESTINATION)
        name = resource.param("pattern", "pattern") if resource else "pattern"
        rid, frame = self.stomp.request(SEARCH_DESTINATION, selector=f'{name}="{self.pattern}"')
        self._request = rid
        self._out.append(frame)
        return []

    def doing(self, error: stomp.StompError) -> str:
        return f'the search for "{self.pattern}"' if self.connected else "login"

    def on_reply(self, reply: stomp.Reply, recv: str) -> list[Event]:
        if reply.request_id != self._request:
            return []
        columns, rows = rows_from_reply(reply.body)
        resource = self.schema.resource(SEARCH_DESTINATION)
        typed = RowDecoder(resource, self.schema, "SEARCH")(columns, rows) if columns is not None else rows
        self.finished = True
        return [DataEvent("moex", "search", str(row.get("ticker") or self.pattern), None, recv, row) for row in typed]


class LoginCodec(_StompCodec):
    """`feedcli login moex`: CONNECT, and done at CONNECTED (an ERROR is the refusal)."""

    def on_connected(self, recv: str) -> list[Event]:
        self.finished = True
        return [ControlEvent("moex", "authenticated", recv, {"login": self.cred.login})]

    def doing(self, error: stomp.StompError) -> str:
        return "login"


# ----------------------------------------------------------------------------- the server's side


def parse_selector(text: str | None) -> dict[str, str]:
    """`TICKER="MXSE.TQBR.SBER" and interval="M1"` → {"ticker": ..., "interval": ...} (names lower-cased).

    The SQL-like grammar of the examples: `name = "value"` (double or single quotes)
    joined by `and`. Refusal for anything else.
    """
    if text is None or not text.strip():
        return {}
    out: dict[str, str] = {}
    pos, rest = 0, text.strip()
    pattern = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(\"([^\"]*)\"|'([^']*)')\s*")
    while True:
        match = pattern.match(rest, pos)
        if match is None:
            raise Refusal(f"cannot read the selector at {rest[pos : pos + 30]!r}")
        value = match.group(3) if match.group(3) is not None else match.group(4)
        out[match.group(1).lower()] = value
        pos = match.end()
        if pos >= len(rest):
            return out
        joiner = re.compile(r"and\s", re.IGNORECASE).match(rest, pos)
        if joiner is None:
            raise Refusal(f"expected 'and' in the selector at {rest[pos : pos + 30]!r}")
        pos = joiner.end()


def connected_frame(structure: Mapping[str, Any], heart_beat: tuple[int, int], version: str | None) -> bytes:
    """CONNECTED with the metadata as its JSON body (`{"version": ..., "structure": ...}`)."""
    body = orjson.dumps({"version": {"version.note": "feedcli simulator"}, "structure": structure})
    headers = {"version": version, "heart-beat": f"{heart_beat[0]},{heart_beat[1]}", "server": "feedcli-simulate/moex"}
    return stomp.encode("CONNECTED", headers, body)


def message_frame(subscription: str, destination: str, message_id: str, body: bytes) -> bytes:
    headers = {
        "subscription": subscription,
        "destination": destination,
        "message-id": message_id,
        "content-type": "application/json",
    }
    return stomp.encode("MESSAGE", headers, body)


def reply_frame(request_id: str, destination: str, body: bytes) -> bytes:
    return stomp.encode("REPLY", {"request-id": request_id, "destination": destination}, body)


def receipt_frame(receipt_id: str) -> bytes:
    return stomp.encode("RECEIPT", {"receipt-id": receipt_id})


def error_frame(code: str, text: str, *, receipt_id: str | None = None, request_id: str | None = None) -> bytes:
    """ERROR with the code in `message` (what the official client reads) and the text as body."""
    headers = {"message": code, "receipt-id": receipt_id, "request-id": request_id, "content-type": "text/plain"}
    return stomp.encode("ERROR", headers, text)


def encode_rows(
    resource: Resource | None, schema: Schema | None, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Typed rows → (columns, wire rows): the inverse of `RowDecoder` (replay re-encodes with it)."""
    columns: list[str] = []
    for row in rows:
        for name in row:
            if name not in columns:
                columns.append(name)
    by_name = {c.name: c for c in resource.output} if resource is not None else {}
    market = resource.market if resource is not None else ""
    encoders = [value_encoder(by_name.get(c), schema, market) for c in columns]
    return columns, [[enc(row.get(c)) for c, enc in zip(columns, encoders, strict=True)] for row in rows]


# ----------------------------------------------------------------------------- the metadata

# The three streams of MXSE and the search query, column for column as MOEX's streams
# reference (websocket-en.md) lists them, in the metadata's JSON shape (metadata.json).
# The simulator sends it in CONNECTED; the client falls back on it where a server's
# metadata lacks a resource it subscribes to.
_ENUMS: dict[str, list[tuple[str, str]]] = {
    "Language": [("en", "English"), ("ru", "Russian")],
    "TBuySell": [("B", "Buy"), ("S", "Sell")],
    "TDPValIndicator": [(" ", "No orders"), ("S", "Small"), ("M", "Much"), ("Y", "There are orders")],
    "TSecStatus": [
        ("A", "Operations allowed"),
        ("S", "Operations suspended"),
        ("N", "Suspended for trading, settlement allowed"),
    ],
    "TTradingStatus": [
        ("N", "Not traded right now"),
        ("O", "Opening period"),
        ("C", "Trading is closed"),
        ("F", "Closing period"),
        ("B", "Break"),
        ("T", "Trading session"),
        ("L", "Closing auction"),
        ("D", "Dark pool"),
        ("I", "Discrete auction"),
        ("E", "Close Auction price trading"),
        ("S", "Opening Auction"),
        ("A", "Auction: Order entry phase"),
        ("a", "Auction: Trade conclusion phase"),
        ("b", "Auction: Bookbuilding phase, orders locked"),
        ("p", "Auction: After auction trade phase"),
    ],
    "intervals": [
        ("M1", "1 minute"),
        ("M10", "10 minutes"),
        ("H1", "1 hour"),
        ("D1", "1 day"),
        ("W1", "1 week"),
        ("m1", "1 month"),
        ("m3", "1 quarter"),
        ("Q1", "1 quarter"),
    ],
}

_SECURITIES = "; ".join(
    (
        "TICKER string* Ticker",
        "CAPTION string Security",
        "LAST fixed Last",
        "CHANGE fixed Last to Closing change",
        "BID fixed Bid",
        "OFFER fixed Offer",
        "HIGH fixed Maximum",
        "LOW fixed Minimum",
        "HIGHBID fixed Best bid",
        "LOWOFFER fixed Best offer",
        "BIDDEPTHT integer Total bid depth",
        "OFFERDEPTHT integer Total offer depth",
        "VOLTODAY fixed Today volume",
        "VALTODAY integer Today value",
        "NUMTRADES integer Trades today",
        "LCLOSEPRICE fixed Closing price",
        "LCURRENTPRICE fixed Current price",
        "PREVPRICE fixed Last closing price",
        "WAPRICE fixed WA",
        "PREVWAPRICE fixed Previous WA price",
        "PRICEMINUSPREVWAPRICE fixed Last price to previous WA price",
        "QTY integer Lots in the last",
        "VALUE fixed Value of the last",
        "BASEPRICE fixed Base price",
        "MARKETPRICE fixed Last day market price",
        "CURRENCYID string Settlement currency",
        "SETTLECODE string Settlement code",
        "SETTLEDATE1 date Settlement date 1",
        "SETTLEDATE2 date Settlement date 2",
        "LOTSIZE integer Lot size",
        "FACEUNIT string Face value currency",
        "FACEVALUE fixed Face value",
        "ISSUESIZE integer Issued volume",
        "ADMITTEDQUOTE fixed Admitted quote",
        "TRADINGSTATUS enum:TTradingStatus Trading status",
        "STATUS enum:TSecStatus Status",
        "DPVALINDICATORBUY enum:TDPValIndicator Bid flag (dark pools)",
        "DPVALINDICATORSELL enum:TDPValIndicator Sell flag (dark pools)",
        "TIME time Time of the last",
        "MINSTEP fixed Order's minimum price step",
        "PRICEMINSTEP fixed Minimum price step",
    )
)
_ORDERBOOKS = "BUYSELL enum:TBuySell Direction; PRICE fixed Price; QUANTITY integer Lots; REPOVALUE fixed REPO value"
_CANDLES = (
    "FROM datetime* From; TILL datetime Till; OPEN fixed Open; HIGH fixed High; LOW fixed Low; CLOSE fixed Close; "
    "VALUE fixed Value; VOLUME integer Volume, units"
)
_SEARCH = (
    "ticker string ticker; secid string secid; boardid string boardid; board_name string board_name; "
    "marketplace string marketplace; shortname string shortname; latname string latname; name string name; "
    "isin string isin; regnumber string regnumber; primary_boardid string primary_boardid; "
    "emitent_id integer emitent_id; emitent_title string emitent_title; emitent_inn string emitent_inn; "
    "emitent_okpo string emitent_okpo"
)


def _columns(spec: str) -> list[dict[str, Any]]:
    out = []
    for item in spec.split("; "):
        name, kind, caption = item.split(" ", 2)
        col: dict[str, Any] = {"name": name, "caption": {"en": caption}}
        primary = kind.endswith("*")
        kind = kind.rstrip("*")
        if kind.startswith("enum:"):
            col["type"], col["enum"] = "enum", kind[5:]
        else:
            col["type"] = kind
        if primary:
            col["primary"] = True
        out.append(col)
    return out


def _params(*specs: tuple[str, str, bool]) -> list[dict[str, Any]]:
    return [
        {"name": n, "type": t, "caption": {"en": n}, **({"optional": True} if optional else {})}
        for n, t, optional in specs
    ]


def _enums(names: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "caption": {"en": name},
            "values": [{"id": i, "caption": {"en": i}, "description": {"en": text}} for i, text in _ENUMS[name]],
        }
        for name in names
    ]


STRUCTURE: dict[str, Any] = {
    "MXSE": {
        "enums": _enums(["Language", "TBuySell", "TDPValIndicator", "TSecStatus", "TTradingStatus", "intervals"]),
        "streams": [
            {
                "name": "candles",
                "access": "general",
                "caption": {"en": "Candles"},
                "params": _params(
                    ("ticker", "string", False),
                    ("interval", "enum", True),
                    ("quantity", "integer", True),
                    ("till", "datetime", True),
                ),
                "output": _columns(_CANDLES),
            },
            {
                "name": "orderbooks",
                "access": "general",
                "caption": {"en": "Aggregate orderbook"},
                "params": _params(("TICKER", "string", False)),
                "output": _columns(_ORDERBOOKS),
            },
            {
                "name": "securities",
                "access": "general",
                "caption": {"en": "General market data"},
                "params": _params(("TICKER", "string", False), ("LANGUAGE", "enum", True)),
                "output": _columns(_SECURITIES),
            },
        ],
    },
    "SEARCH": {
        "enums": [],
        "streams": [],
        QUERIES_KEY: [
            {
                "name": "ticker",
                "access": "general",
                "caption": {"en": "ticker"},
                "params": _params(("pattern", "string", True), ("ticker", "string", True), ("preset", "string", True)),
                "output": _columns(_SEARCH),
            }
        ],
    },
}

FALLBACK_SCHEMA = Schema.from_structure(STRUCTURE)


# ----------------------------------------------------------------------------- the vocabulary

_NONE: Mapping[str, Any] = {}


def _row_of(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else _NONE


def securities_objects(data: Any, _ts: str | None = None) -> tuple[vocab.Market, ...]:
    """A securities row: the day's statistics, and its best bid and offer as a quote (with the
    lots at each where the row has ISS's BIDDEPTH/OFFERDEPTH; the simulator's rows do not)."""
    row = _row_of(data)
    n = vocab.number
    stats = vocab.Stats(
        fields=vocab.flat(row),
        last=n(row.get("LAST")),
        open=n(row.get("OPEN")),
        high=n(row.get("HIGH")),
        low=n(row.get("LOW")),
        close=n(row.get("LCLOSEPRICE")),
        prev_close=n(row.get("PREVPRICE")),
        volume=n(row.get("VOLTODAY")),
        value=n(row.get("VALTODAY")),
        trades=vocab.count(row.get("NUMTRADES")),
        date=vocab.text(row.get("TRADEDATE")),
        time=vocab.text(row.get("TIME")),
    )
    top = vocab.Quote(n(row.get("BID")), n(row.get("BIDDEPTH")), n(row.get("OFFER")), n(row.get("OFFERDEPTH")))
    return (stats, top)


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
    bar = _row_of(data)
    n = vocab.number
    stamp = bar.get("timestamp")
    return (
        vocab.Candle(
            stamp if isinstance(stamp, str) else None,
            n(bar.get("open")),
            n(bar.get("high")),
            n(bar.get("low")),
            n(bar.get("close")),
            n(bar.get("volume")),
        ),
    )


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


def _simulator(host: str, port: int, values: Mapping[str, Any]) -> Any:
    from feedcli.simulators.moex import MoexSimulator

    return MoexSimulator.from_options(host, port, values)


def _replay_backend(host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float) -> Any:
    from feedcli.simulators.moex_replay import MoexReplay

    return MoexReplay(host, port, symbols, queue_size, slow_timeout)


CREDENTIALS = PasscodeLogin(
    "moex",
    "MOEX ISS+",
    PRODUCTION_URL,
    make=credentials,
    guest=GUEST,
    check=LoginCodec,
    detail=lambda cred: f"domain {cred.domain}",
    user_prompt="MOEX passport login",
    secret_prompt="Passcode",
)

PROVIDER = Provider(
    info=INFO,
    options=OPTIONS,
    prepare=prepare,
    channels=(
        Channel("securities", "stats", securities_objects, seq="seqnum"),
        Channel("orderbooks", "book", book_object, seq="seqnum", full_book=True),
        Channel("candles", "candle", candle_object, seq="seqnum", series=True),
    ),
    credentials=CREDENTIALS,
    search=Search(search, SEARCH_COLUMNS, ("feedcli search moex SBER", "feedcli search moex 'GAZ*' | jq -r .ticker")),
    simulator=Simulator(
        _simulator,
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
        _replay_backend, "MOEX ISS+", "feedcli stream moex --url {url} --ticker TICKER --stream STREAM (as the guest)"
    ),
)
