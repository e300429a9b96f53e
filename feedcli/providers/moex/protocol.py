"""MOEX ISS+: what the document and MOEX's own material fix, and what feedcli assumes.

The address, the subprotocol, the streams and intervals, the error codes and which exit each
means, the ASSUMED block (what no public material confirms, and only here; the README's MOEX
section lists the same split), the credentials CONNECT sends, and the subscriptions the
command line asks for, checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Any

from feedcli.errors import UsageError

if TYPE_CHECKING:
    from feedcli.market import Kind
from feedcli.providers.base import (
    check_selector,
    unique,
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
#: each stream's kind in the market vocabulary (the record's channel table uses these)
KINDS: dict[str, Kind] = {"securities": "stats", "orderbooks": "book", "candles": "candle"}
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


def single(values: Mapping[str, Any], key: str) -> str | None:
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
