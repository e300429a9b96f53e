"""What every provider codec offers the session engine, the CLI and the simulators.

A codec is sans-I/O (see DESIGN.md): it is handed frames and answers with events and
frames to send. It never opens a socket, sleeps or reads the clock, so it can be tested
with plain function calls and shared by the client and the simulator of its provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from feedcli.errors import FeedError, MalformedFrame, UsageError
from feedcli.events import Event

Frame = bytes | str


@dataclass(frozen=True)
class Handshake:
    """Everything needed to open one WebSocket connection."""

    url: str
    headers: tuple[tuple[str, str], ...] = ()
    subprotocols: tuple[str, ...] = ()
    #: headers whose values are secret and must never be printed or recorded
    secret_headers: frozenset[str] = field(default_factory=lambda: frozenset({"authorization"}))

    def describe(self) -> str:
        """The URL without query-string secrets, fit for logs and control lines."""
        return self.url


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP call a codec wants made (a token, a REST backfill page, a poll).

    The engine makes it with its own client (proxies, User-Agent, timeouts, rate limits)
    and hands the answer back to `Codec.on_http`, so codecs stay sans-I/O.
    """

    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    json: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    #: what the call is for, in a word, for messages ("token", "backfill", "poll")
    purpose: str = "request"
    #: a form-encoded body (a login); kept out of the repr, as it may hold a password
    form: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


class ConnectionDead(Exception):
    """Raised by `Codec.on_timer` when the peer has been silent past what its protocol allows."""


class Codec(ABC):
    """The protocol state of one connection, created fresh for every connection attempt."""

    provider: str
    #: None until known for a codec whose address comes from an HTTP call (a token flow),
    #: and for a codec that only polls
    handshake: Handshake | None
    #: True for a codec with no WebSocket at all: the engine only makes its HTTP calls
    polling: bool = False
    #: True while the provider has said no data will come (a trading halt): the data
    #: watchdog must not take that silence for a dead connection
    expect_silence: bool = False
    #: True once the provider has said the stream is complete (the end of a replay): the
    #: engine closes the connection and does not reconnect
    finished: bool = False
    #: set by `parse` when it wants HTTP calls made while connected (a top-up of what a
    #: REST backfill could not see yet); the engine clears it and makes them beside the stream
    wants_http: bool = False
    #: seconds between `on_timer` calls while connected (None: no timer). Read again
    #: after every call, so a codec may set it once the server has said its rate.
    timer_interval: float | None = None
    #: True when every data event the codec makes carries its `kind` already: the engine then
    #: hands its events on without `vocabulary.stamped`'s look-up (one call a message fewer)
    stamps_kind: bool = False
    #: the line path, for a codec that can write a message's NDJSON data line itself (kind
    #: included) without building its events: `line(frame, recv)` gives the finished line
    #: (`\n` included), or None for any message it cannot vouch for, which then goes through
    #: `parse` as usual. The engine uses it only while the one consumer writes lines as they
    #: are (no --normalize, no live view), and then for a message with a line it neither
    #: sends, asks for HTTP calls nor looks at `finished`: a message that needs any of that
    #: must return None. None (most codecs): every message goes through `parse`.
    line: Callable[[Frame, str], bytes | None] | None = None
    #: the line path a read at a time (picows hands the engine a socket read's frames at once):
    #: `lines(frames, recv, out)` appends to `out` the lines of `frames`, in order, up to the
    #: first frame without one, and says how many it made; that frame then goes through
    #: `parse`. For a codec whose loop over the frames costs less than a call of `line` per
    #: frame; None: the engine calls `line` for each (`lines_by_line`).
    lines: Callable[[Sequence[Frame], str, list[bytes]], int] | None = None

    def opening_frames(self) -> list[Frame]:
        """Frames to send once the connection is open (subscriptions, logins)."""
        return []

    @abstractmethod
    def parse(self, frame: Frame, recv: str) -> list[Event]:
        """Turn one received frame into events; raise MalformedFrame if it cannot be read."""

    def take_outgoing(self) -> list[Frame]:
        """Frames that the last `parse` calls want sent (answers to heartbeats, acks)."""
        return []

    def close_verdict(self, code: int | None, reason: str) -> FeedError | None:
        """What a close from the server means: None to reconnect, or the error to exit with."""
        return None

    def closing_frames(self) -> list[Frame]:
        """Frames to send before closing on purpose (unsubscribe)."""
        return []

    def on_timer(self, now: float, last_heard: float) -> list[Frame]:
        """Frames due at `now` (a protocol keepalive); `last_heard` is when any frame last came.

        Raise ConnectionDead when the peer has been silent longer than its protocol allows:
        the engine then drops the connection and reconnects.
        """
        return []

    def pending_requests(self, now: float) -> list[HttpRequest]:
        """HTTP calls to make now; the engine asks again after each answer until this is empty.

        Before a WebSocket opens (a token, a backfill), and all along for a codec with no
        WebSocket at all (`polling`).
        """
        return []

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        """Turn an answer into events; raise a FeedError for a final refusal (exit 3 or 4).

        Rate limiting (429, 418 with Retry-After) and network failures are the engine's
        business and never reach here.
        """
        return []

    def poll_delay(self, now: float) -> float:
        """For a codec without WebSocket: seconds to wait before asking `pending_requests` again."""
        return 1.0


def lines_by_line(line: Callable[[Frame, str], bytes | None]) -> Callable[[Sequence[Frame], str, list[bytes]], int]:
    """`Codec.lines` for a codec that has `line` alone: a call of it per frame."""

    def lines(frames: Sequence[Frame], recv: str, out: list[bytes]) -> int:
        before = len(out)
        append = out.append
        for frame in frames:
            made = line(frame, recv)
            if made is None:
                break
            append(made)
        return len(out) - before

    return lines


class OneRequestCodec(Codec):
    """A codec that is one HTTP call and no WebSocket (a login, an instrument search).

    The request is handed out once; `on_http` reads its answer and sets `finished`.
    `what` names the call for the error a stray WebSocket frame raises.
    """

    handshake = None
    what = "a one-request codec"

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._asked = False

    def pending_requests(self, now: float) -> list[HttpRequest]:
        if self._asked:
            return []
        self._asked = True
        return [self._request]

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        raise MalformedFrame(f"{self.what} has no WebSocket")


_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def check_base_url(base_url: str) -> str:
    """Refuse a base URL that cannot work before anything connects (UsageError, exit 2).

    The refusal quotes the URL with any password in it hidden: `http://user:secret@host`
    must not put the secret on stderr (or in a terminal's scrollback) a second time.
    """
    from feedcli.safe_text import redact_url

    hint = "--url must look like http://HOST:PORT or https://HOST"
    shown = repr(redact_url(base_url))
    try:
        parts = urlsplit(base_url)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise UsageError(f"{hint}, not {shown} ({redact_url(str(exc))})") from None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        raise UsageError(f"{hint}, not {shown}")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"--url must not carry a user or password ({shown}): use feedcli login")
    if parts.query or parts.fragment:
        raise UsageError(f"--url is a base URL, without '?' or '#': {shown}")
    if port == 0:
        raise UsageError(f"--url has port 0: {shown}")
    return base_url


def is_loopback(base_url: str) -> bool:
    """Whether a URL points at this machine: such requests never go through a proxy."""
    import ipaddress

    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ws_url(base_url: str, target: str) -> str:
    """Join a base URL (`http://host:port`) and a request target, mapping http→ws, https→wss."""
    parts = urlsplit(check_base_url(base_url))
    scheme = _SCHEMES[parts.scheme.lower()]
    path, _, query = target.partition("?")
    prefix = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, prefix + path, query, ""))


def http_url(base_url: str, path: str) -> str:
    """Join a base URL and an HTTP path (for login and REST calls)."""
    parts = urlsplit(check_base_url(base_url))
    scheme = {"http": "http", "https": "https", "ws": "http", "wss": "https"}[parts.scheme.lower()]
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + path, "", ""))


def check_selector(kind: str, value: str) -> str:
    """Refuse a selector that cannot be right before anything is sent (exit 2)."""
    if not value or not value.strip():
        raise UsageError(f"{kind} must not be empty")
    if value != value.strip():
        raise UsageError(f"{kind} {value!r} has leading or trailing whitespace")
    if any(ch in value for ch in "\r\n\t\x00"):
        raise UsageError(f"{kind} {value!r} contains a control character")
    return value


def unique(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Drop repeats, keeping the user's order."""
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class ProviderInfo:
    """How a provider is named, found and logged in to: what `feedcli providers` lists."""

    name: str
    title: str
    default_url: str
    #: the credential family in the config store (`ht`, `moex`), or None for public data
    credentials: str | None
    channels: tuple[str, ...]
    selectors: str
    ws_path: str
    #: command lines shown in `feedcli stream PROVIDER --help`
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelectorOption:
    """A command-line option a provider needs (a selector, a channel, a flag).

    Providers declare these and the CLI builds `stream PROVIDER` from them, so a new
    provider adds no command-line code, and the CLI knows no provider's options.
    """

    flag: str
    dest: str
    help: str
    metavar: str = "VALUE"
    short: str | None = None
    #: the only values allowed (offered by --help and shell completion)
    choices: tuple[str, ...] | None = None
    #: a yes/no flag rather than a repeatable value
    is_flag: bool = False
    #: one value (the last one given wins) rather than a repeatable list
    single: bool = False


class Refusal(Exception):
    """A server-side refusal of a request, with the reason the simulator sends back."""

    def __init__(self, reason: str, *, auth: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.auth = auth
