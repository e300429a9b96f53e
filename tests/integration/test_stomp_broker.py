"""`feedcli.stomp` against a real STOMP broker: RabbitMQ's Web-STOMP on loopback.

Why: tests/unit/test_stomp.py checks our framing against frames we wrote by hand, and our
simulators speak through the same module as the client. Only an independent broker can
show that what we send is standard STOMP 1.2 and that we read what a real server sends.

The transport is the `websockets` client (the test's own, not a mock); the protocol
(every frame built and every message read) is `feedcli.stomp.StompClient`. The broker is
started once per session by tests/support/broker.py; without it these tests skip, except under
``CI=true``, where they fail.

What RabbitMQ 3.10 (Debian 12) does that a STOMP client must live with, as found here:
it answers a bad destination and a bad login with ERROR but does not close the
connection (STOMP 1.2 says it MUST); an error that closes the connection (a missing
exchange, a duplicate subscription id, DISCONNECT) closes it 1000 "STOMP died" before the
queued ERROR or RECEIPT goes out (rabbitmq/rabbitmq-server#6737); a client that promised
heart-beats and goes silent is closed 1000 "STOMP died" after about three intervals, and
heart-beat intervals are rounded up to whole seconds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from feedcli.stomp import (
    STANDARD_SUBPROTOCOLS,
    Connected,
    Heartbeat,
    Message,
    Receipt,
    StompClient,
    StompError,
    StompEvent,
    check_subprotocol,
    decode,
    encode,
)
from tests.support.broker import RabbitMQ, marked_pids, port_open, rabbitmq_or_skip

pytestmark = pytest.mark.timeout(60)

T = TypeVar("T")
E = TypeVar("E", bound=StompEvent)


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[RabbitMQ]:
    """One private node for the whole session (about 6 s to start, 1 s to stop)."""
    yield from rabbitmq_or_skip()


def arun(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run one test's coroutine; a hang becomes a TimeoutError rather than a stuck suite."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def topic() -> str:
    """A destination of its own for each test, so no test sees another's messages."""
    return f"/topic/feedcli-test.{uuid.uuid4().hex[:10]}"


class Peer:
    """One WebSocket to the broker driven by a `StompClient`, as the session engine would.

    Every wait also sends the heart-beats the client says are due (unless `beat` is
    False, to play a client that broke its promise), and every message is kept raw in
    `raw` and decoded in `events`, so tests can check the wire as well as the meaning.
    """

    def __init__(self, ws: ClientConnection, offered: Sequence[str], name: str, *, beat: bool) -> None:
        self.ws = ws
        self.offered = tuple(offered)
        self.client = StompClient(id_prefix=f"{name}-")
        self.beat = beat
        self.raw: list[str | bytes] = []
        self.events: list[StompEvent] = []
        self.beats_sent = 0
        self._unread: list[StompEvent] = []

    @classmethod
    async def open(
        cls, url: str, offered: Sequence[str] = ("v12.stomp",), name: str = "a", *, beat: bool = True
    ) -> Peer:
        ws = await connect(url, subprotocols=list(offered) or None, open_timeout=10, close_timeout=2)  # type: ignore[arg-type]
        return cls(ws, offered, name, beat=beat)

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    async def send(self, data: bytes) -> None:
        """Send one frame as a text message, as browsers' STOMP clients and the broker do."""
        await self.ws.send(data.decode("utf-8"))
        self.client.mark_sent(self.now())

    async def _read_one(self, deadline: float) -> bool:
        """Read at most one message before `deadline`, sending heart-beats while waiting."""
        while True:
            now = self.now()
            if self.beat:
                due = self.client.heartbeat_due(now)
                if due is not None:
                    await self.ws.send(due.decode())
                    self.beats_sent += 1
            assert not self.client.peer_silent(now), "the broker missed its heart-beats"
            until = deadline
            nxt = self.client.next_heartbeat_at() if self.beat else None
            if nxt is not None:
                until = min(until, nxt)
            if now >= deadline:
                return False
            try:
                message = await asyncio.wait_for(self.ws.recv(), max(0.0, until - now))
            except asyncio.TimeoutError:  # not the builtin before Python 3.11
                continue
            self.raw.append(message)
            for event in self.client.feed(message, self.now()):
                self.events.append(event)
                self._unread.append(event)
            return True

    async def expect(self, kind: type[E], where: Callable[[E], bool] = lambda _: True, timeout: float = 5.0) -> E:
        """The next event of `kind` meeting `where`; others (heart-beats...) are passed over."""
        deadline = self.now() + timeout
        while True:
            while self._unread:
                event = self._unread.pop(0)
                if isinstance(event, kind) and where(event):
                    return event
            try:
                got = await self._read_one(deadline)
            except ConnectionClosed as exc:
                raise AssertionError(
                    f"connection closed ({exc}) waiting for {kind.__name__}; saw {self.events}"
                ) from exc
            if not got:
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {self.events}")

    async def pump(self, seconds: float) -> None:
        """Keep the connection going (reading, heart-beating) for `seconds`."""
        deadline = self.now() + seconds
        while await self._read_one(deadline):
            pass

    async def closed(self, timeout: float = 10.0) -> ConnectionClosed:
        """Wait for the broker to close the connection, reading what comes before."""
        deadline = self.now() + timeout
        try:
            while await self._read_one(deadline):
                pass
        except ConnectionClosed as exc:
            return exc
        raise AssertionError(f"the broker did not close within {timeout} s; saw {self.events}")

    async def login(self, passcode: str = "guest", **kwargs: Any) -> StompEvent:
        """CONNECT as guest; the answer is CONNECTED or ERROR."""
        await self.send(self.client.connect_frame(host="/", login="guest", passcode=passcode, **kwargs))
        return await self.expect(Connected | StompError)  # type: ignore[arg-type]

    async def connect(self, **kwargs: Any) -> Connected:
        event = await self.login(**kwargs)
        assert isinstance(event, Connected), event
        return event

    async def subscribe(self, destination: str, **kwargs: Any) -> str:
        """SUBSCRIBE and wait for its RECEIPT: after it, the broker routes to us."""
        sid, frame = self.client.subscribe(destination, **kwargs)
        await self.send(frame)
        receipt = await self.expect(Receipt, lambda r: r.subscription == sid)
        assert receipt.for_command == "SUBSCRIBE"
        return sid

    async def publish(self, destination: str, body: bytes | str, headers: dict[str, str] | None = None) -> None:
        """SEND with a receipt and wait for it: when it returns, the broker has routed the message."""
        rid = f"send-{uuid.uuid4().hex[:8]}"
        await self.send(encode("SEND", {**(headers or {}), "destination": destination, "receipt": rid}, body))
        await self.expect(Receipt, lambda r: r.receipt_id == rid)

    async def close(self) -> None:
        await self.ws.close()


async def pair(rabbitmq: RabbitMQ) -> tuple[Peer, Peer]:
    """A subscriber and a publisher, both logged in: messages must cross the broker."""
    sub = await Peer.open(rabbitmq.ws_url, name="sub")
    pub = await Peer.open(rabbitmq.ws_url, name="pub")
    await sub.connect()
    await pub.connect()
    return sub, pub


# --------------------------------------------------------------------------- handshake


def test_offering_the_standard_subprotocols_gets_v12_stomp(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url, STANDARD_SUBPROTOCOLS)
        assert peer.ws.subprotocol == "v12.stomp"
        assert check_subprotocol(peer.offered, peer.ws.subprotocol) == "v12.stomp"
        assert (await peer.connect()).version == "1.2"
        await peer.close()

    arun(main())


def test_offering_plain_stomp_gets_no_subprotocol_and_still_works(rabbitmq: RabbitMQ) -> None:
    """Gateways that call their protocol ``STOMP`` meet brokers that echo nothing back."""

    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url, ["STOMP"])
        assert peer.ws.subprotocol is None
        assert check_subprotocol(peer.offered, peer.ws.subprotocol) is None
        assert (await peer.connect()).version == "1.2"
        await peer.close()

    arun(main())


def test_connect_as_guest_gets_connected_1_2(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url)
        event = await peer.connect()
        assert event.version == "1.2"
        assert event.server is not None and event.server.startswith("RabbitMQ/")
        assert event.heart_beat == (0, 0)
        assert event.headers["session"]
        assert peer.client.state == "connected"
        await peer.close()

    arun(main())


def test_wrong_passcode_is_an_error_with_its_message(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url)
        event = await peer.login(passcode="not-the-passcode")
        assert isinstance(event, StompError), event
        assert event.message == "Bad CONNECT"
        assert b"Access refused" in event.body
        assert peer.client.state == "failed" and peer.client.last_error == event
        await peer.close()

    arun(main())


# --------------------------------------------------------------------------- heart-beats


def test_heart_beats_keep_the_link_alive_where_a_silent_client_is_dropped(rabbitmq: RabbitMQ) -> None:
    """Both ask for 1 s heart-beats; one sends what `heartbeat_due` says, one sends nothing.

    The silent one shows the broker enforces heart-beats (it is closed); the other then
    proves the broker accepted our ``\\n`` heart-beats by living on past that moment,
    and that the broker's own heart-beats (bare ``\\n`` text messages) reach us in time.
    """

    async def main() -> None:
        beating = await Peer.open(rabbitmq.ws_url, name="beat")
        silent = await Peer.open(rabbitmq.ws_url, name="mute", beat=False)
        connected = await beating.connect(heart_beat=(1000, 1000))
        assert connected.headers["heart-beat"] == "1000,1000"
        assert (beating.client.send_interval_ms, beating.client.expect_interval_ms) == (1000, 1000)
        await silent.connect(heart_beat=(1000, 0))
        assert silent.client.send_interval_ms == 1000

        began = beating.now()
        silent_end = asyncio.ensure_future(silent.closed(timeout=15.0))
        while not silent_end.done():
            await beating.pump(0.1)
        dropped = silent_end.result()
        silent_for = beating.now() - began
        assert dropped.rcvd is not None and dropped.rcvd.code == 1000  # RabbitMQ says "STOMP died"
        assert silent_for >= 1.0, "dropped before a heart-beat was even due: not a heart-beat timeout"

        await beating.pump(1.5)  # and the beating client lives on past the silent one's end
        beating_for = beating.now() - began
        assert beating_for > silent_for + 1.0
        assert beating.beats_sent >= int(beating_for) - 1
        server_beats = [m for m, e in zip(beating.raw, beating.events, strict=True) if isinstance(e, Heartbeat)]
        assert len(server_beats) >= int(beating_for) - 1
        assert set(server_beats) == {"\n"}
        await beating.subscribe(topic())  # a round trip: still connected
        await beating.close()

    arun(main())


# --------------------------------------------------------------------------- subscriptions


def test_subscribe_with_receipt_then_a_message_from_another_client(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dest = topic()
        sid, frame = sub.client.subscribe(dest)
        receipt_id = decode(frame)[0].headers["receipt"]
        await sub.send(frame)
        receipt = await sub.expect(Receipt)
        assert receipt == Receipt(receipt_id, "SUBSCRIBE", sid)
        assert sub.client.pending_receipts == {}

        await pub.publish(dest, '{"price":"101.5"}', {"content-type": "application/json"})
        message = await sub.expect(Message)
        assert (message.subscription, message.known, message.destination) == (sid, True, dest)
        assert message.body == b'{"price":"101.5"}'
        assert message.headers["content-type"] == "application/json"
        assert message.headers["message-id"]
        await sub.close()
        await pub.close()

    arun(main())


def test_messages_are_routed_by_their_subscription_header(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dests = [topic(), topic(), f"/queue/feedcli-test.{uuid.uuid4().hex[:10]}"]
        sids = [await sub.subscribe(dest) for dest in dests]
        order = [2, 0, 1, 1, 0, 2]
        for n, i in enumerate(order):
            await pub.publish(dests[i], f"{i}:{n}")
        got = [await sub.expect(Message) for _ in order]
        assert sorted((m.subscription, m.body) for m in got) == sorted(
            (sids[i], f"{i}:{n}".encode()) for n, i in enumerate(order)
        )
        for message in got:
            i = int(message.body.split(b":")[0])
            assert (message.subscription, message.destination, message.known) == (sids[i], dests[i], True)
        await sub.close()
        await pub.close()

    arun(main())


def test_selector_is_accepted_and_ignored(rabbitmq: RabbitMQ) -> None:
    """RabbitMQ takes a ``selector`` header without complaint and filters nothing by it."""

    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dest = topic()
        sid = await sub.subscribe(dest, selector="colour = 'red'")
        await pub.publish(dest, "blue one", {"colour": "blue"})
        message = await sub.expect(Message)
        assert (message.subscription, message.body, message.headers["colour"]) == (sid, b"blue one", "blue")
        await sub.close()
        await pub.close()

    arun(main())


def test_unsubscribe_stops_delivery(rabbitmq: RabbitMQ) -> None:
    """Two subscriptions to one topic; after UNSUBSCRIBE's receipt only the other one gets messages."""

    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dest = topic()
        gone = await sub.subscribe(dest)
        kept = await sub.subscribe(dest)
        await pub.publish(dest, "before")
        before = {(await sub.expect(Message)).subscription for _ in range(2)}
        assert before == {gone, kept}

        frame = sub.client.unsubscribe(gone, receipt=True)
        await sub.send(frame)
        assert await sub.expect(Receipt, lambda r: r.for_command == "UNSUBSCRIBE") == Receipt(
            decode(frame)[0].headers["receipt"], "UNSUBSCRIBE", gone
        )
        for n in range(3):
            await pub.publish(dest, f"after {n}")
        after = [await sub.expect(Message) for _ in range(3)]
        assert [(m.subscription, m.body) for m in after] == [(kept, f"after {n}".encode()) for n in range(3)]
        # one more round trip on this connection, so a stray late delivery would have arrived
        await sub.subscribe(topic())
        late = [e for e in sub.events if isinstance(e, Message) and e.subscription == gone and e.body != b"before"]
        assert late == []
        await sub.close()
        await pub.close()

    arun(main())


def test_bad_destination_is_an_error_whose_message_we_read(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url)
        await peer.connect()
        _, frame = peer.client.subscribe("/bogus/x")
        await peer.send(frame)
        error = await peer.expect(StompError)
        assert error.message == "Unknown destination"
        assert b"/bogus/x" in error.body
        assert error.request_id is None
        assert peer.client.state == "failed" and peer.client.last_error == error
        # RabbitMQ leaves the connection open after this ERROR (STOMP 1.2 says it MUST
        # close it); a client that heeds the ERROR closes it itself
        await peer.close()

    arun(main())


# --------------------------------------------------------------------------- wire form


def test_broker_frames_are_text_messages_ending_in_nul_newline(rabbitmq: RabbitMQ) -> None:
    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dest = topic()
        await sub.subscribe(dest)
        await pub.publish(dest, "x")
        await sub.expect(Message)
        _, frame = sub.client.subscribe("/bogus/y")
        await sub.send(frame)
        await sub.expect(StompError)
        kinds = {type(e).__name__ for e in sub.events}
        assert {"Connected", "Receipt", "Message", "StompError"} <= kinds
        for message in sub.raw:
            assert isinstance(message, str), message
            assert message == "\n" or message.endswith("\x00\n"), message
            assert len(decode(message)) == 1
        await sub.close()
        await pub.close()

    arun(main())


def test_escaped_header_values_and_binary_bodies_round_trip_through_the_broker(rabbitmq: RabbitMQ) -> None:
    """What we escape the broker unescapes, stores, escapes again; we must read it back whole."""
    headers = {
        "x-colon": "a:b",
        "x-newline": "line 1\nline 2",
        "x-backslash": "c:\\d",
        "x-carriage": "e\rf",
        "x-key:with-colon": "v",
        "x-utf8": "Язык ü",
    }
    body = b"nul\x00inside, then utf-8 \xd0\xaf"

    async def main() -> None:
        sub, pub = await pair(rabbitmq)
        dest = topic()
        sid = await sub.subscribe(dest)
        await pub.publish(dest, body, headers)
        message = await sub.expect(Message)
        assert message.subscription == sid
        assert message.body == body
        assert message.headers["content-length"] == str(len(body))
        for key, value in headers.items():
            assert message.headers[key] == value, key
        wire = sub.raw[-1]
        assert isinstance(wire, str) and "x-colon:a\\cb\n" in wire and "x-newline:line 1\\nline 2\n" in wire
        await sub.close()
        await pub.close()

    arun(main())


# --------------------------------------------------------------------------- disconnect


def test_disconnect_with_receipt_ends_the_session_cleanly(rabbitmq: RabbitMQ) -> None:
    """DISCONNECT ends with the broker closing the WebSocket normally (1000).

    STOMP 1.2 says a RECEIPT comes first, and then our client is ``closed``. RabbitMQ 3.10
    closes before its queued RECEIPT is sent (rabbitmq/rabbitmq-server#6737), so the
    client is left ``disconnecting``; a session engine must count a close in that state
    as the end it asked for. Both outcomes are accepted; nothing else is.
    """

    async def main() -> None:
        peer = await Peer.open(rabbitmq.ws_url)
        await peer.connect()
        await peer.subscribe(topic())
        frame = peer.client.disconnect()
        receipt_id = decode(frame)[0].headers["receipt"]
        assert peer.client.state == "disconnecting"
        await peer.send(frame)
        closed = await peer.closed(timeout=10.0)
        assert closed.rcvd is not None and closed.rcvd.code == 1000
        receipts = [e for e in peer.events if isinstance(e, Receipt) and e.for_command == "DISCONNECT"]
        if receipts:
            assert receipts == [Receipt(receipt_id, "DISCONNECT", None)]
            assert peer.client.state == "closed"
        else:
            assert peer.client.state == "disconnecting"
            assert peer.client.pending_receipts == {receipt_id: ("DISCONNECT", None)}
        assert not [e for e in peer.events if isinstance(e, StompError)]

    arun(main())


# --------------------------------------------------------------------------- the helper itself


def test_a_second_node_runs_beside_the_first_and_leaves_no_process(rabbitmq: RabbitMQ) -> None:
    """The helper's ports and epmd are private: two nodes run side by side; stop ends all.

    "All" is every process carrying the node's token, found in /proc: the start script,
    the Erlang VM and its helpers, and the node's own epmd, which must not outlive it.
    """
    other = RabbitMQ().start()
    try:
        ports = {other.web_stomp_port, other.dist_port, other.epmd_port}
        assert not ports & {rabbitmq.web_stomp_port, rabbitmq.dist_port, rabbitmq.epmd_port}
        assert other.epmd_port != 4369 and other.epmd_pid is not None
        pids = marked_pids(other.token)
        assert other.epmd_pid in pids and len(pids) >= 3

        async def main() -> None:
            peer = await Peer.open(other.ws_url)
            assert (await peer.connect()).version == "1.2"
            await peer.close()

        arun(main())
    finally:
        other.stop()
    # every process it started is gone (the VM may outlive its start script by a moment
    # on a loaded machine; stop() then ends it by its own pid, which is the point)
    assert marked_pids(other.token) == []
    assert not any(port_open(port) for port in ports)
    # and the session's node is untouched by the other's stop
    assert rabbitmq.epmd_port and port_open(rabbitmq.web_stomp_port) and port_open(rabbitmq.epmd_port)
