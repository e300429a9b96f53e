"""Tests for feedcli.stomp: framing over stomp.utils, and the client state machine.

Frames are written out by hand where the wire form matters, so a change in stomp.py's
output or in our wrapping of it shows up as a failure rather than a silent round trip.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import MalformedFrame
from feedcli.stomp import (
    SILENCE_TOLERANCE,
    Connected,
    Heartbeat,
    Message,
    Receipt,
    Reply,
    StompClient,
    StompError,
    StompProtocolError,
    Unhandled,
    check_subprotocol,
    decode,
    encode,
    is_heartbeat,
    negotiate_heart_beat,
)


def one(message: bytes | str):
    """Decode a message expected to hold exactly one frame."""
    frames = decode(message)
    assert len(frames) == 1, frames
    return frames[0]


# --------------------------------------------------------------------------- encode


def test_encode_is_lf_only_sorted_and_nul_terminated() -> None:
    data = encode("SUBSCRIBE", {"id": "1", "destination": "A.b", "receipt": "1", "selector": 'T="x"'})
    assert data == b'SUBSCRIBE\ndestination:A.b\nid:1\nreceipt:1\nselector:T="x"\n\n\x00'
    assert b"\r" not in data


def test_encode_escapes_headers_per_stomp_12() -> None:
    data = encode("SEND", {"k:1": "a\\b\nc\rd:e"})
    assert data == b"SEND\nk\\c1:a\\\\b\\nc\\rd\\ce\n\n\x00"


def test_encode_does_not_escape_connect_and_refuses_what_cannot_be_sent() -> None:
    assert encode("CONNECT", {"passcode": "a:b\\c"}) == b"CONNECT\npasscode:a:b\\c\n\n\x00"
    with pytest.raises(ValueError):
        encode("CONNECT", {"login": "a\nb"})
    with pytest.raises(ValueError):
        encode("SEND", {"k": "a\x00b"})
    with pytest.raises(ValueError):
        encode("SE\nND", {})


def test_encode_adds_content_length_only_for_nul_bodies() -> None:
    assert encode("SEND", {}, b"abc") == b"SEND\n\nabc\x00"
    assert encode("SEND", {}, b"a\x00c") == b"SEND\ncontent-length:3\n\na\x00c\x00"
    # a caller's wrong content-length is corrected by stomp.utils.convert_frame
    assert encode("SEND", {"content-length": 99}, "é") == b"SEND\ncontent-length:2\n\n\xc3\xa9\x00"
    assert encode("SEND", {"content-length": 99}) == b"SEND\ncontent-length:0\n\n\x00"


def test_encode_without_escaping_for_stomp_10() -> None:
    assert encode("SEND", {"k": "a:b"}, escape=False) == b"SEND\nk:a:b\n\n\x00"


# --------------------------------------------------------------------------- decode

_header_text = st.text(alphabet=st.sampled_from("ab:\\\n\r =é\t\"'"), max_size=12) | st.text(max_size=8).filter(
    lambda text: "\x00" not in text
)
_header_names = _header_text.filter(bool)


@given(
    command=st.sampled_from(["SEND", "MESSAGE", "SUBSCRIBE", "REPLY", "ERROR"]),
    headers=st.dictionaries(_header_names, _header_text, max_size=5),
    body=st.binary(max_size=40) | st.text(max_size=20).map(str.encode),
    trailer=st.sampled_from([b"", b"\n", b"\n\n", b"\r\n"]),
    as_text=st.booleans(),
)
def test_round_trip(command: str, headers: dict[str, str], body: bytes, trailer: bytes, as_text: bool) -> None:
    data = encode(command, headers, body) + trailer
    message: bytes | str = data
    if as_text:
        with contextlib.suppress(UnicodeDecodeError):  # a text WS message cannot carry non-UTF-8
            message = data.decode("utf-8")
    frame = one(message)
    assert frame.cmd == command
    expected = dict(headers)
    if b"\x00" in body:
        expected["content-length"] = str(len(body))
    assert frame.headers == expected
    assert frame.body == body


@pytest.mark.parametrize(
    "message",
    [
        b"MESSAGE\nsubscription:s\n\nhello\x00\n",
        b"MESSAGE\nsubscription:s\n\nhello\x00",
        b"MESSAGE\nsubscription:s\n\nhello",  # no NUL: the WS message bounds the frame
        "MESSAGE\nsubscription:s\n\nhello\x00\n",
        b"\n\nMESSAGE\nsubscription:s\n\nhello\x00\n",  # heart-beats before the frame
        b"MESSAGE\r\nsubscription:s\r\n\r\nhello\x00\r\n",  # CRLF from the server is tolerated
    ],
)
def test_decode_trailing_nul_newline_text_and_binary(message: bytes | str) -> None:
    frame = one(message)
    assert (frame.cmd, frame.headers, frame.body) == ("MESSAGE", {"subscription": "s"}, b"hello")


def test_decode_text_body_is_utf8_bytes() -> None:
    assert one('MESSAGE\nsubscription:s\n\n{"x":"Язык"}\x00\n').body == '{"x":"Язык"}'.encode()


@pytest.mark.parametrize("message", [b"\n", "\n", b"\r\n", b"\n\n"])
def test_decode_bare_eol_is_a_heartbeat(message: bytes | str) -> None:
    assert is_heartbeat(one(message))


def test_decode_empty_message_is_nothing() -> None:
    assert decode(b"") == []


def test_decode_several_frames_in_one_message() -> None:
    frames = decode(b"RECEIPT\nreceipt-id:1\n\n\x00\nMESSAGE\ncontent-length:2\nsubscription:a\n\n\x00\x00\x00\n")
    assert [(f.cmd, f.body) for f in frames] == [("RECEIPT", b""), ("MESSAGE", b"\x00\x00")]


def test_decode_keeps_connected_headers_unescaped() -> None:
    frame = one(b"CONNECTED\nserver:a\\cb\nversion:1.2\n\n\x00")
    assert frame.headers["server"] == "a\\cb"
    assert one(b"MESSAGE\nserver:a\\cb\n\n\x00").headers["server"] == "a:b"


def test_decode_first_duplicate_header_wins() -> None:
    assert one(b"MESSAGE\nk:1\nk:2\n\n\x00").headers == {"k": "1"}


@pytest.mark.parametrize(
    "message",
    [
        b"RECEIPT\nreceipt-id:1\x00",  # no blank line after headers
        b"MESSAGE\ncontent-length:9\n\nabc\x00",  # shorter than content-length
        b"MESSAGE\ncontent-length:1\n\nabc\x00",  # no NUL after content-length bytes
        b"MESSAGE\ncontent-length:x\n\nabc\x00",
        b"MESS AGE\n\n\x00",
        b"MESSAGE\nk:\xff\n\n\x00",  # headers must be UTF-8
    ],
)
def test_decode_refuses_broken_frames(message: bytes) -> None:
    with pytest.raises(MalformedFrame):
        decode(message)


def test_subprotocol_check() -> None:
    assert check_subprotocol(["STOMP"], None) is None
    assert check_subprotocol(["STOMP"], "") is None
    assert check_subprotocol(["v12.stomp", "v11.stomp"], "v12.stomp") == "v12.stomp"
    with pytest.raises(StompProtocolError):
        check_subprotocol(["STOMP"], "mqtt")


# --------------------------------------------------------------------------- heart-beats


@pytest.mark.parametrize(
    ("client", "server", "expected"),
    [
        ((0, 0), "10000,10000", (0, 0)),
        ((10000, 10000), None, (0, 0)),
        ((10000, 10000), "0,0", (0, 0)),
        ((10000, 10000), "5000,20000", (20000, 10000)),
        ((30000, 1000), "5000,20000", (30000, 5000)),
        ((10000, 0), "5000,20000", (20000, 0)),
        ((0, 10000), "5000,20000", (0, 10000)),
        ((10000, 10000), "00,0", (0, 0)),  # stomp.utils alone would take "00" as non-zero
        ((10000, 10000), " 100 , 200 ", (10000, 10000)),
    ],
)
def test_heart_beat_negotiation(client: tuple[int, int], server: str | None, expected: tuple[int, int]) -> None:
    assert negotiate_heart_beat(client, server) == expected


@pytest.mark.parametrize("header", ["10000", "a,b", "1,2,3", "-1,5"])
def test_bad_heart_beat_header(header: str) -> None:
    with pytest.raises(StompProtocolError):
        negotiate_heart_beat((1, 1), header)


# --------------------------------------------------------------------------- client


def connected(heart_beat: tuple[int, int] = (0, 0), server_hb: str = "0,0", now: float = 0.0) -> StompClient:
    client = StompClient()
    client.connect_frame(login="u", passcode="p", heart_beat=heart_beat)
    (event,) = client.feed(f"CONNECTED\nversion:1.2\nheart-beat:{server_hb}\n\n\x00\n".encode(), now)
    assert isinstance(event, Connected)
    return client


def test_connect_frame_headers() -> None:
    client = StompClient()
    frame = one(client.connect_frame(domain="DEMO", login="guest", passcode="guest", heart_beat=(10000, 5000)))
    assert frame.cmd == "CONNECT"
    assert frame.headers == {
        "accept-version": "1.2",
        "domain": "DEMO",
        "login": "guest",
        "passcode": "guest",
        "heart-beat": "10000,5000",
    }
    assert client.state == "connecting"
    with pytest.raises(RuntimeError):
        client.connect_frame()


def test_connect_frame_host_and_defaults() -> None:
    frame = one(StompClient().connect_frame(host="/", accept_version="1.1,1.2"))
    assert frame.headers == {"accept-version": "1.1,1.2", "host": "/", "heart-beat": "0,0"}


def test_connected_negotiates_and_exposes_body() -> None:
    client = StompClient()
    client.connect_frame(heart_beat=(10000, 10000))
    (event,) = client.feed(b'CONNECTED\nversion:1.2\nserver:x/1\nheart-beat:5000,20000\n\n{"a":1}\x00\n', 1.0)
    assert event == Connected("1.2", "x/1", (20000, 10000), event.headers, b'{"a":1}')
    assert (client.state, client.send_interval_ms, client.expect_interval_ms) == ("connected", 20000, 10000)


def test_connected_out_of_turn_is_refused() -> None:
    with pytest.raises(StompProtocolError):
        StompClient().feed(b"CONNECTED\n\n\x00", 0.0)


def test_subscribe_frame_and_receipt_resolution() -> None:
    client = connected()
    sid, data = client.subscribe("A.orderbooks", selector='TICKER="A.B.C"')
    frame = one(data)
    assert frame.headers["id"] == sid
    assert frame.headers["destination"] == "A.orderbooks"
    assert frame.headers["selector"] == 'TICKER="A.B.C"'
    receipt_id = frame.headers["receipt"]
    assert receipt_id != sid
    assert client.pending_receipts == {receipt_id: ("SUBSCRIBE", sid)}
    (event,) = client.feed(f"RECEIPT\nreceipt-id:{receipt_id}\n\n\x00".encode(), 1.0)
    assert event == Receipt(receipt_id, "SUBSCRIBE", sid)
    assert client.pending_receipts == {}
    (stray,) = client.feed(b"RECEIPT\nreceipt-id:nope\n\n\x00", 1.0)
    assert stray == Receipt("nope", None, None)


def test_subscribe_ids_are_unique_and_given_ids_checked() -> None:
    client = connected()
    ids = {client.subscribe("d")[0] for _ in range(5)}
    assert len(ids) == 5
    assert client.subscribe("d", id="mine", receipt="mine-r")[0] == "mine"
    assert one(client.subscribe("d", id="x", receipt=False)[1]).headers.get("receipt") is None
    with pytest.raises(ValueError):
        client.subscribe("d", id="mine")


def test_generated_ids_skip_ids_given_by_the_caller() -> None:
    client = connected()
    client.subscribe("d", id="sub-1", receipt=False)
    assert client.subscribe("d", receipt=False)[0] != "sub-1"


def test_message_routed_by_subscription() -> None:
    client = connected()
    a, _ = client.subscribe("A", receipt=False)
    b, _ = client.subscribe("B", receipt=False)
    events = [
        client.feed(f"MESSAGE\nsubscription:{sid}\ndestination:{dest}\nmessage-id:1\n\n{dest}\x00\n".encode(), 2.0)[0]
        for sid, dest in ((b, "B"), (a, "A"))
    ]
    assert [(e.subscription, e.known, e.destination, e.body) for e in events] == [
        (b, True, "B", b"B"),
        (a, True, "A", b"A"),
    ]


def test_message_after_unsubscribe_is_flagged_unknown() -> None:
    client = connected()
    sid, _ = client.subscribe("A", receipt=False)
    frame = one(client.unsubscribe(sid))
    assert (frame.cmd, frame.headers) == ("UNSUBSCRIBE", {"id": sid})
    (event,) = client.feed(f"MESSAGE\nsubscription:{sid}\n\nlate\x00".encode(), 3.0)
    assert isinstance(event, Message) and not event.known
    with pytest.raises(KeyError):
        client.unsubscribe(sid)


def test_message_without_subscription_is_a_protocol_error() -> None:
    with pytest.raises(StompProtocolError):
        connected().feed(b"MESSAGE\ndestination:A\n\nx\x00", 0.0)


def test_request_and_reply_by_request_id() -> None:
    client = connected()
    r1, data = client.request("SEARCH.x", selector='pattern="S*"')
    r2, _ = client.request("SEARCH.x", b"{}", {"content-type": "application/json"})
    frame = one(data)
    assert frame.cmd == "REQUEST"
    assert frame.headers == {"id": r1, "destination": "SEARCH.x", "selector": 'pattern="S*"'}
    assert r1 != r2
    (event,) = client.feed(f"REPLY\nrequest-id:{r2}\n\n[2]\x00\n".encode(), 1.0)
    assert event == Reply(r2, True, event.headers, b"[2]")
    assert list(client.pending_requests) == [r1]
    (again,) = client.feed(f"REPLY\nrequest-id:{r2}\n\n[2]\x00\n".encode(), 1.0)
    assert isinstance(again, Reply) and not again.known


def test_error_exposes_message_code_and_body() -> None:
    client = StompClient()
    client.connect_frame(login="x", passcode="y")
    (event,) = client.feed(b"ERROR\nmessage:gateway.access-denied\n\nbad login\x00\n", 0.5)
    assert isinstance(event, StompError)
    assert (event.message, event.body) == ("gateway.access-denied", b"bad login")
    assert client.state == "failed" and client.last_error == event
    with pytest.raises(RuntimeError):
        client.subscribe("A")


def test_error_answering_a_request_does_not_fail_the_session() -> None:
    client = connected()
    rid, _ = client.request("Q")
    (event,) = client.feed(f"ERROR\nrequest-id:{rid}\nmessage:gateway.invalidrequest\n\n\x00".encode(), 1.0)
    assert isinstance(event, StompError)
    assert (event.request_id, event.message) == (rid, "gateway.invalidrequest")
    assert client.state == "connected" and client.pending_requests == {}


def test_disconnect_with_receipt_closes_on_receipt() -> None:
    client = connected()
    frame = one(client.disconnect())
    assert frame.cmd == "DISCONNECT"
    rid = frame.headers["receipt"]
    assert client.state == "disconnecting"
    (event,) = client.feed(f"RECEIPT\nreceipt-id:{rid}\n\n\x00".encode(), 1.0)
    assert event == Receipt(rid, "DISCONNECT", None)
    assert client.state == "closed"


def test_unknown_command_is_passed_on() -> None:
    (event,) = connected().feed(b"NOTICE\nk:v\n\nx\x00", 0.0)
    assert isinstance(event, Unhandled) and event.frame.cmd == "NOTICE"


def test_heartbeat_message_is_an_event() -> None:
    assert connected().feed(b"\n", 0.0) == [Heartbeat()]


def test_heartbeat_due_timing() -> None:
    client = connected(heart_beat=(10000, 0), server_hb="0,4000", now=100.0)
    assert client.send_interval_ms == 10000
    assert client.heartbeat_due(109.99) is None
    assert client.heartbeat_due(110.0) == b"\n"
    assert client.heartbeat_due(110.5) is None  # the one just returned counts as sent
    client.mark_sent(115.0)  # any frame sent resets the clock
    assert client.heartbeat_due(124.9) is None
    assert client.next_heartbeat_at() == pytest.approx(125.0)
    assert client.heartbeat_due(125.0) == b"\n"


def test_no_heartbeats_when_off_or_not_connected() -> None:
    assert connected(heart_beat=(0, 0), server_hb="10000,10000").heartbeat_due(1e9) is None
    client = StompClient()
    client.connect_frame(heart_beat=(1000, 1000))
    assert client.heartbeat_due(1e9) is None
    assert not client.peer_silent(1e9)


def test_peer_silent_after_tolerance_times_expected_interval() -> None:
    assert SILENCE_TOLERANCE == 2.0
    client = connected(heart_beat=(0, 5000), server_hb="10000,0", now=50.0)
    assert client.expect_interval_ms == 10000
    assert not client.peer_silent(69.9)
    assert not client.peer_silent(70.0)
    assert client.peer_silent(70.1)
    client.feed(b"\n", 69.0)  # a heart-beat restarts the clock
    assert not client.peer_silent(88.9)
    assert client.peer_silent(89.1)
    client.feed(b"MESSAGE\nsubscription:x\n\n\x00", 89.0)  # so does any frame
    assert not client.peer_silent(108.0)


def test_peer_never_silent_when_not_expected() -> None:
    assert not connected(heart_beat=(10000, 10000), server_hb="0,10000").peer_silent(1e9)


def test_a_server_that_names_no_version_speaks_stomp_10_and_gets_no_escaping() -> None:
    client = StompClient()
    client.connect_frame(login="guest", passcode="guest")
    client.feed(b"CONNECTED\n\n\x00", 0.0)
    _, frame = client.subscribe("/queue/a", selector="x:y")
    assert b"selector:x:y\n" in frame  # 1.0 has no escapes: \c would reach the server literally
    client12 = StompClient()
    client12.connect_frame()
    client12.feed(b"CONNECTED\nversion:1.2\n\n\x00", 0.0)
    _, frame12 = client12.subscribe("/queue/a", selector="x:y")
    assert b"selector:x\\cy\n" in frame12
