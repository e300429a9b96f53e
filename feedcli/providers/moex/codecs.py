"""MOEX ISS+ codecs: the stream, the search and the login, over one STOMP client each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from feedcli import stomp
from feedcli.errors import AuthError, FeedError, MalformedFrame, SubscriptionError
from feedcli.events import ControlEvent, DataEvent, Event
from feedcli.providers.base import (
    Codec,
    ConnectionDead,
    Frame,
    Handshake,
    ws_url,
)
from feedcli.providers.ht import END_OF_RECORDING
from feedcli.providers.moex.metadata import FALLBACK_SCHEMA
from feedcli.providers.moex.protocol import (
    ACCEPT_VERSION,
    AUTH_ERRORS,
    DEFAULT_INTERVAL,
    HEART_BEAT_MS,
    KINDS,
    MAX_RESYNCS_IN_A_ROW,
    MAX_TABLE_ROWS,
    ORDERBOOK_KEY,
    PATH,
    REQUEST_ERRORS,
    SEARCH_DESTINATION,
    SUBPROTOCOL,
    Credentials,
    Subscription,
)
from feedcli.providers.moex.schema import Resource, Schema
from feedcli.providers.moex.tables import (
    Table,
    book_data,
    candle_data,
    packet_time,
    parse_packet,
    rows_from_reply,
)
from feedcli.providers.moex.values import RowDecoder

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
            events.append(
                DataEvent("moex", spec.stream, spec.ticker, ts, recv, book_data(table.rows.values()), "book", seq)
            )
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
        kind = KINDS.get(spec.stream)
        for row in changed:
            events.append(DataEvent("moex", spec.stream, spec.ticker, ts, recv, shape(row), kind, seq))
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
