"""STOMP frames over WebSocket, sans-I/O, built on stomp.py's frame utilities.

Why this module exists: STOMP over WebSocket puts one STOMP frame (or a bare ``\\n``
heart-beat) in each WebSocket message. The framing itself is stomp.py's job
(`stomp.utils.parse_frame`, `stomp.utils.convert_frame`), but those functions were
written for a TCP byte stream driven by stomp.py's own transport and have pitfalls when
used alone (see `decode` and `encode`). This module wraps them and adds the client-side
protocol state: heart-beat negotiation, subscription, receipt and request bookkeeping.

It is generic STOMP 1.2 (plus the ``REQUEST``/``REPLY`` extension some gateways offer):
no provider is named here. Like every codec in feedcli (DESIGN.md) it is pure: no
sockets, no asyncio, no clock. Where time matters the caller passes ``now``, a
monotonic time in **seconds**; STOMP's heart-beat header counts **milliseconds**.

About 600 lines as one module: framing and the client state machine read and write the same
frames, and MOEX (the one user) takes them together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import stomp.utils as su

from feedcli.errors import MalformedFrame

__all__ = [
    "CONNECTED_HEART_BEAT_DEFAULT",
    "HEARTBEAT",
    "SILENCE_TOLERANCE",
    "STANDARD_SUBPROTOCOLS",
    "Connected",
    "Frame",
    "Heartbeat",
    "Message",
    "Receipt",
    "Reply",
    "StompClient",
    "StompError",
    "StompEvent",
    "StompProtocolError",
    "Unhandled",
    "check_subprotocol",
    "decode",
    "encode",
    "is_heartbeat",
    "negotiate_heart_beat",
    "server_heart_beat",
]

Frame = su.Frame

#: The heart-beat marker `decode` returns for a message that holds only EOLs. It is
#: stomp.py's own marker (command ``"heartbeat"``), which no real STOMP command can equal.
HEARTBEAT: su.Frame = su.HEARTBEAT_FRAME

#: The WebSocket subprotocols a standard broker (RabbitMQ, ActiveMQ, Artemis) registers.
#: Gateways with their own name (e.g. plain ``"STOMP"``) are configured by their codec.
STANDARD_SUBPROTOCOLS: tuple[str, ...] = ("v12.stomp", "v11.stomp", "v10.stomp")

#: A peer is called silent after this many expected heart-beat intervals without a byte.
#: STOMP 1.2 leaves the tolerance to implementations ("to account for timing
#: inaccuracies, the receiver SHOULD be tolerant"); 2x is what stomp.py, RabbitMQ and
#: most clients use, and it absorbs one late or lost heart-beat without hiding a dead link.
SILENCE_TOLERANCE = 2.0

#: What a CONNECTED without a heart-beat header means (STOMP 1.2: "0,0", no heart-beats).
CONNECTED_HEART_BEAT_DEFAULT = (0, 0)

# Frames whose headers STOMP 1.2 says are never escaped (the version is not yet agreed).
_UNESCAPED_COMMANDS = frozenset({"CONNECT", "STOMP", "CONNECTED"})
_COMMAND_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_ESCAPES = (("\\", "\\\\"), ("\r", "\\r"), ("\n", "\\n"), (":", "\\c"))


class StompProtocolError(MalformedFrame):
    """The peer broke the STOMP protocol (a frame that cannot be read or makes no sense now).

    A MalformedFrame so the session engine counts it like any unreadable frame.
    """


# --------------------------------------------------------------------------- framing


def check_subprotocol(offered: Iterable[str], chosen: str | None) -> str | None:
    """Accept the subprotocol the server picked, or none at all.

    Why lenient: several STOMP gateways accept the WebSocket upgrade without echoing any
    ``Sec-WebSocket-Protocol`` and speak STOMP all the same; only a server that picks a
    protocol we never offered is certainly speaking something else.
    """
    if not chosen:
        return None
    if chosen not in tuple(offered):
        raise StompProtocolError(f"server chose WebSocket subprotocol {chosen!r}, which was not offered")
    return chosen


def _escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def encode(
    command: str,
    headers: Mapping[str, object] | None = None,
    body: bytes | str = b"",
    *,
    escape: bool = True,
) -> bytes:
    """Serialise one frame as LF-only bytes ending in NUL, ready to send as one WS message.

    Built on `stomp.utils.convert_frame`, whose pitfalls this handles:
    it does not escape headers (STOMP 1.2 escaping of ``\\ \\r \\n :`` is applied here,
    except on CONNECT/STOMP/CONNECTED, where 1.2 forbids it, and when ``escape`` is False
    for a STOMP 1.0 peer); it only rewrites ``content-length`` if present (it is added
    here whenever the body holds a NUL, which would otherwise end the frame early, and a
    caller's value is always corrected, even for an empty body, which convert_frame skips).
    Headers are written sorted by name (convert_frame's order); ``None`` values are
    dropped. Values that cannot be written (a newline in an unescaped frame, a NUL
    anywhere in the headers) raise ValueError rather than produce a broken frame.
    """
    if not _COMMAND_RE.match(command):
        raise ValueError(f"not a STOMP command: {command!r}")
    do_escape = escape and command not in _UNESCAPED_COMMANDS
    out: dict[str, str] = {}
    for key, value in (headers or {}).items():
        if value is None:
            continue
        text = str(value)
        if not key or "\x00" in key or "\x00" in text:
            raise ValueError(f"header {key!r} cannot be sent (empty name or NUL)")
        if do_escape:
            key, text = _escape(key), _escape(text)
        elif ":" in key or any(ch in key + text for ch in "\r\n"):
            # the value is not shown: in CONNECT it may be a passcode
            raise ValueError(f"header {key!r} has a line break or colon and cannot be sent unescaped in {command}")
        out[key] = text
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if b"\x00" in data or "content-length" in out:
        # set here, not left to convert_frame, which keeps a stale value on an empty body
        out["content-length"] = str(len(data))
    return b"".join(su.convert_frame(su.Frame(command, out, data)))


def is_heartbeat(frame: su.Frame) -> bool:
    """Whether `decode` returned the heart-beat marker rather than a frame."""
    return frame.cmd == HEARTBEAT.cmd


def _raw_headers(preamble: str) -> dict[str, str]:
    """Headers of CONNECTED without unescaping (parse_frame unescapes every frame's)."""
    lines = su.LINE_END_RE.split(preamble.lstrip("\r\n"))
    headers: dict[str, str] = {}
    for line in lines[1:]:
        match = su.HEADER_LINE_RE.match(line)
        if match and match.group("key") not in headers:
            headers[match.group("key")] = match.group("value")
    return headers


def decode(message: bytes | bytearray | memoryview | str) -> list[su.Frame]:
    """Read one WebSocket message into frames; ``[HEARTBEAT]`` if it holds only EOLs.

    Text and binary messages are both accepted (servers differ; text is UTF-8 encoded
    first because `stomp.utils.parse_frame` only takes bytes). parse_frame does the
    command and header parsing (header unescaping, first duplicate header wins, CRLF
    tolerated); around it this handles its pitfalls:

    - leading EOLs (heart-beats before a frame) would make it return None: skipped;
    - the body it returns runs to the end of the message, keeping the NUL and any
      trailing ``\\n``: the body is cut at ``content-length`` or the first NUL, and
      what follows (EOLs, or further frames, which a WS message may carry) is read on;
    - it unescapes CONNECTED's headers, which STOMP 1.2 says are not escaped: they are
      re-read raw;
    - it decodes headers with ``errors="replace"``: invalid UTF-8 is refused here.

    A message without a final NUL is accepted (the WS message already bounds the frame),
    but a preamble with no blank line, a bad command or a bad content-length raises
    StompProtocolError.
    """
    data = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    frames: list[su.Frame] = []
    pos = 0
    while True:
        while pos < len(data) and data[pos] in b"\r\n":
            pos += 1
        if pos >= len(data):
            break
        rest = data[pos:]
        end = su.PREAMBLE_END_RE.search(rest)
        nul = rest.find(b"\x00")
        if end is None or (nul != -1 and nul < end.start()):
            raise StompProtocolError(f"STOMP frame without a blank line after its headers: {rest[:60]!r}")
        try:
            preamble = rest[: end.start()].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StompProtocolError(f"STOMP headers are not UTF-8: {exc}") from None
        frame = su.parse_frame(rest)
        if frame is None or not _COMMAND_RE.match(frame.cmd):
            raise StompProtocolError(f"not a STOMP command: {preamble.splitlines()[0][:40]!r}")
        if frame.cmd == "CONNECTED":
            frame.headers = _raw_headers(preamble)
            frame.original_headers = dict(frame.headers)
        body: bytes = frame.body
        length = frame.headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise StompProtocolError(f"bad content-length {length!r}")
            size = int(length)
            if len(body) < size or (len(body) > size and body[size] != 0):
                raise StompProtocolError(f"body does not match content-length {size} ({len(body)} bytes follow)")
            frame.body, used = body[:size], size + 1
        else:
            cut = body.find(b"\x00")
            frame.body, used = (body, len(body)) if cut == -1 else (body[:cut], cut + 1)
        frames.append(frame)
        pos += end.end() + used
    if not frames and data:
        return [HEARTBEAT]
    return frames


def negotiate_heart_beat(client: tuple[int, int], server_header: str | None) -> tuple[int, int]:
    """The (send, expect) intervals in ms agreed from our (cx, cy) and CONNECTED's header.

    STOMP 1.2: we send every max(cx, sy) unless either is 0, and expect the server every
    max(cy, sx) unless either is 0. Uses `stomp.utils.calculate_heartbeats`, whose
    pitfall is comparing the server's numbers to the *string* "0" ("00" would count as
    non-zero), so they are parsed to ints and normalised first.
    """
    if server_header is None or not server_header.strip():
        sx, sy = CONNECTED_HEART_BEAT_DEFAULT
    else:
        parts = server_header.split(",")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise StompProtocolError(f"bad heart-beat header {server_header!r}")
        sx, sy = (int(p) for p in parts)
    cx, cy = client
    return su.calculate_heartbeats((str(sx), str(sy)), (cx, cy))


def server_heart_beat(server: tuple[int, int], client_header: str | None) -> tuple[int, int]:
    """The server's side of the negotiation: (how often it sends, how often it expects), in ms.

    `server` is the server's own (sx, sy), what it puts in CONNECTED's heart-beat header;
    `client_header` is CONNECT's (absent: "0,0"). The same rule as `negotiate_heart_beat`
    seen from the other end: the server sends every max(sx, cy) unless either is 0, and
    expects the client every max(sy, cx) unless either is 0.
    """
    cx, cy = CONNECTED_HEART_BEAT_DEFAULT  # no header: the client neither sends nor wants any
    if client_header is not None and client_header.strip():
        parts = client_header.split(",")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise StompProtocolError(f"bad heart-beat header {client_header!r}")
        cx, cy = (int(p) for p in parts)
    sx, sy = server
    send = max(sx, cy) if sx and cy else 0
    expect = max(sy, cx) if sy and cx else 0
    return send, expect


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Connected:
    """CONNECTED: the session is open; `heart_beat` is the negotiated (send, expect) in ms."""

    version: str | None
    server: str | None
    heart_beat: tuple[int, int]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Receipt:
    """RECEIPT for a frame we asked a receipt for; `for_command` is None if we did not."""

    receipt_id: str
    for_command: str | None
    #: the subscription id for a SUBSCRIBE/UNSUBSCRIBE receipt
    subscription: str | None = None


@dataclass(frozen=True)
class Message:
    """MESSAGE routed by its `subscription` header to one of our subscription ids."""

    subscription: str
    #: False for a MESSAGE on an id we never subscribed or already unsubscribed (in flight)
    known: bool
    destination: str | None
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """REPLY to a REQUEST, matched by `request-id`."""

    request_id: str
    #: False if no REQUEST with this id is pending
    known: bool
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class StompError:
    """ERROR: `message` is the server's short code or text; the body may explain more.

    `request_id`/`receipt_id` tell which REQUEST or receipted frame it answers, if any.
    STOMP 1.2 says the server closes after ERROR; gateways that answer a single REQUEST
    with ERROR may not, so whether it is fatal is left to the codec.
    """

    message: str | None
    headers: dict[str, str]
    body: bytes
    request_id: str | None = None
    receipt_id: str | None = None


@dataclass(frozen=True)
class Heartbeat:
    """A bare EOL from the server: it is alive."""


@dataclass(frozen=True)
class Unhandled:
    """A frame of a command this client does not know (passed on rather than dropped)."""

    frame: su.Frame = field(compare=False)


StompEvent = Connected | Receipt | Message | Reply | StompError | Heartbeat | Unhandled


# --------------------------------------------------------------------------- client


@dataclass
class _Subscription:
    destination: str
    selector: str | None


class StompClient:
    """The client side of one STOMP connection: builds frames, reads frames, keeps time.

    States: ``new`` → ``connecting`` (CONNECT built) → ``connected`` (CONNECTED read) →
    ``disconnecting`` (DISCONNECT built) → ``closed`` (its RECEIPT read), or ``failed``
    after an ERROR that answers no REQUEST. Frames built before CONNECTED may be sent
    right after CONNECT (pipelining); whether to is the caller's choice.

    Ids (subscriptions, receipts, requests) come from one counter, ``<prefix><n>``, so
    they are unique within the connection and reproducible in tests.
    """

    def __init__(self, *, id_prefix: str = "") -> None:
        self.state = "new"
        self.version: str | None = None
        self.server: str | None = None
        #: negotiated intervals in ms: how often we send, how often the server should
        self.send_interval_ms = 0
        self.expect_interval_ms = 0
        self.subscriptions: dict[str, _Subscription] = {}
        #: receipt id → (command, subscription id or None)
        self.pending_receipts: dict[str, tuple[str, str | None]] = {}
        #: request id → destination
        self.pending_requests: dict[str, str] = {}
        self.last_error: StompError | None = None
        self._prefix = id_prefix
        self._counter = 0
        self._used: set[str] = set()
        self._heart_beat = (0, 0)
        self._escape = True
        self._last_sent: float | None = None
        self._last_heard: float | None = None

    # -- ids ------------------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        while True:
            self._counter += 1
            candidate = f"{self._prefix}{kind}-{self._counter}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def _claim(self, given: str | None, kind: str, taken: Iterable[str]) -> str:
        if given is None:
            return self._new_id(kind)
        if given in taken:
            raise ValueError(f"{kind} id {given!r} is already in use")
        self._used.add(given)
        return given

    def _receipt(self, receipt: bool | str, command: str, sub: str | None) -> str | None:
        if receipt is False:
            return None
        rid = self._claim(None if receipt is True else receipt, "receipt", self.pending_receipts)
        self.pending_receipts[rid] = (command, sub)
        return rid

    def _encode(self, command: str, headers: Mapping[str, object], body: bytes | str = b"") -> bytes:
        return encode(command, headers, body, escape=self._escape)

    def _require_open(self, what: str) -> None:
        if self.state in ("new", "disconnecting", "closed", "failed"):
            raise RuntimeError(f"cannot {what} in state {self.state!r}")

    # -- frames to send --------------------------------------------------------------

    def connect_frame(
        self,
        *,
        host: str | None = None,
        domain: str | None = None,
        login: str | None = None,
        passcode: str | None = None,
        heart_beat: tuple[int, int] = (0, 0),
        accept_version: str = "1.2",
        headers: Mapping[str, str] | None = None,
        command: str = "CONNECT",
    ) -> bytes:
        """CONNECT with the given credentials; `heart_beat` is our (cx, cy) in ms.

        `host` is STOMP 1.2's virtual host; `domain` is the name some gateways use for
        an authentication realm. Both are sent only when given, as are login/passcode.
        The heart-beat header is always sent, so a (0, 0) client states it plainly.
        """
        if self.state != "new":
            raise RuntimeError(f"CONNECT already built (state {self.state!r})")
        cx, cy = heart_beat
        if cx < 0 or cy < 0:
            raise ValueError(f"heart-beat intervals must be >= 0, not {heart_beat}")
        self._heart_beat = (cx, cy)
        fields: dict[str, object] = {
            "accept-version": accept_version,
            "host": host,
            "domain": domain,
            "login": login,
            "passcode": passcode,
            "heart-beat": f"{cx},{cy}",
        }
        fields.update(headers or {})
        self.state = "connecting"
        return encode(command, fields)

    def subscribe(
        self,
        destination: str,
        id: str | None = None,
        selector: str | None = None,
        receipt: bool | str = True,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[str, bytes]:
        """SUBSCRIBE; returns (subscription id, frame). The receipt is kept pending."""
        self._require_open("subscribe")
        sid = self._claim(id, "sub", self.subscriptions)
        fields: dict[str, object] = {"id": sid, "destination": destination, "selector": selector}
        fields.update(headers or {})
        fields["receipt"] = self._receipt(receipt, "SUBSCRIBE", sid)
        self.subscriptions[sid] = _Subscription(destination, selector)
        return sid, self._encode("SUBSCRIBE", fields)

    def unsubscribe(self, id: str, receipt: bool | str = False) -> bytes:
        """UNSUBSCRIBE; later MESSAGEs on that id arrive with ``known=False``."""
        self._require_open("unsubscribe")
        if id not in self.subscriptions:
            raise KeyError(f"no subscription {id!r}")
        del self.subscriptions[id]
        return self._encode("UNSUBSCRIBE", {"id": id, "receipt": self._receipt(receipt, "UNSUBSCRIBE", id)})

    def request(
        self,
        destination: str,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        *,
        id: str | None = None,
        selector: str | None = None,
    ) -> tuple[str, bytes]:
        """REQUEST (a one-shot query answered by REPLY or ERROR carrying `request-id`)."""
        self._require_open("request")
        rid = self._claim(id, "req", self.pending_requests)
        fields: dict[str, object] = {"destination": destination, "selector": selector}
        fields.update(headers or {})
        fields["id"] = rid
        self.pending_requests[rid] = destination
        return rid, self._encode("REQUEST", fields, body)

    def disconnect(self, receipt: bool | str = True) -> bytes:
        """DISCONNECT, by default with a receipt so the caller can wait until all was seen."""
        self._require_open("disconnect")
        rid = self._receipt(receipt, "DISCONNECT", None)
        self.state = "disconnecting" if rid else "closed"
        return self._encode("DISCONNECT", {"receipt": rid})

    # -- frames received ---------------------------------------------------------------

    def feed(self, message: bytes | str, now: float) -> list[StompEvent]:
        """Decode one WebSocket message and handle every frame in it."""
        events: list[StompEvent] = []
        for frame in decode(message):
            events.append(self.on_frame(frame, now))
        return events

    def on_frame(self, frame: su.Frame, now: float) -> StompEvent:
        """Handle one decoded frame; `now` (seconds) marks the server as heard from."""
        self._last_heard = now
        if is_heartbeat(frame):
            return Heartbeat()
        headers: dict[str, str] = dict(frame.headers)
        body: bytes = frame.body or b""
        cmd = frame.cmd
        if cmd == "CONNECTED":
            if self.state != "connecting":
                raise StompProtocolError(f"CONNECTED in state {self.state!r}")
            hb = negotiate_heart_beat(self._heart_beat, headers.get("heart-beat"))
            self.send_interval_ms, self.expect_interval_ms = hb
            self.version = headers.get("version")
            self.server = headers.get("server")
            # no version header means STOMP 1.0 (the spec), where headers are never escaped
            self._escape = self.version in ("1.1", "1.2")
            self.state = "connected"
            self._last_sent = now
            return Connected(self.version, self.server, hb, headers, body)
        if cmd == "RECEIPT":
            rid = headers.get("receipt-id")
            if rid is None:
                raise StompProtocolError("RECEIPT without receipt-id")
            command, sub = self.pending_receipts.pop(rid, (None, None))
            if command == "DISCONNECT":
                self.state = "closed"
            return Receipt(rid, command, sub)
        if cmd == "MESSAGE":
            sid = headers.get("subscription")
            if sid is None:
                raise StompProtocolError("MESSAGE without subscription header")
            known = sid in self.subscriptions
            return Message(sid, known, headers.get("destination"), headers, body)
        if cmd == "REPLY":
            req = headers.get("request-id")
            if req is None:
                raise StompProtocolError("REPLY without request-id")
            return Reply(req, self.pending_requests.pop(req, None) is not None, headers, body)
        if cmd == "ERROR":
            req = headers.get("request-id")
            rid = headers.get("receipt-id")
            if rid is not None:
                self.pending_receipts.pop(rid, None)
            answers_request = req is not None and self.pending_requests.pop(req, None) is not None
            error = StompError(headers.get("message"), headers, body, req, rid)
            if not answers_request:
                self.state = "failed"
                self.last_error = error
            return error
        return Unhandled(frame)

    # -- time ----------------------------------------------------------------------------

    def mark_heard(self, now: float) -> None:
        """Note that bytes came from the server at `now` (a caller that sees the socket knows
        better than frame parsing when the peer last spoke: pings, pongs, partial reads)."""
        if self._last_heard is None or now > self._last_heard:
            self._last_heard = now

    def mark_sent(self, now: float) -> None:
        """Note that bytes went out at `now`: any frame counts as a heart-beat (STOMP 1.2)."""
        self._last_sent = now

    def next_heartbeat_at(self) -> float | None:
        """When the next heart-beat is due (seconds), so the caller can schedule a timer."""
        if self.state not in ("connected", "disconnecting") or not self.send_interval_ms or self._last_sent is None:
            return None
        return self._last_sent + self.send_interval_ms / 1000

    def heartbeat_due(self, now: float) -> bytes | None:
        """``b"\\n"`` if a heart-beat should be sent at `now` (and notes it as sent)."""
        due = self.next_heartbeat_at()
        if due is None or now < due:
            return None
        self._last_sent = now
        return b"\n"

    def silence_deadline(self) -> float | None:
        """When the server will count as silent if nothing arrives before (seconds)."""
        if self.state not in ("connected", "disconnecting") or not self.expect_interval_ms:
            return None
        if self._last_heard is None:
            return None
        return self._last_heard + SILENCE_TOLERANCE * self.expect_interval_ms / 1000

    def peer_silent(self, now: float) -> bool:
        """True if nothing came for SILENCE_TOLERANCE x the expected interval: drop the link."""
        deadline = self.silence_deadline()
        return deadline is not None and now > deadline
