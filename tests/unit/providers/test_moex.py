"""The MOEX ISS+ codec as plain function calls: the document's packets, typing, tables, gaps, errors, heart-beats."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

import orjson
import pytest
import stomp.utils as su
from hypothesis import given, settings
from hypothesis import strategies as st

from feedcli.errors import AuthError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import ControlEvent, DataEvent
from feedcli.providers import moex
from feedcli.providers.base import ConnectionDead, Refusal
from feedcli.providers.moex import codecs, metadata, protocol, schema, server, tables, values

SBER = "MXSE.TQBR.SBER"
BASE = "http://127.0.0.1:1"


# ----------------------------------------------------------------------------- helpers
# Frames are written out by hand here (and read with stomp.py's own parse_frame), not with
# feedcli.stomp, so these tests check the codec against STOMP as the document shows it.


def raw(command: str, headers: dict[str, str], body: str | bytes = b"") -> bytes:
    data = body.encode() if isinstance(body, str) else body
    return (command + "\n" + "".join(f"{k}:{v}\n" for k, v in headers.items()) + "\n").encode() + data + b"\x00"


def connected(structure: Any = metadata.STRUCTURE, heart_beat: str | None = None) -> bytes:
    headers = {"version": "1.2"}
    if heart_beat is not None:
        headers["heart-beat"] = heart_beat
    return raw("CONNECTED", headers, orjson.dumps({"version": {}, "structure": structure}))


def packet(kind: str, seq: int | None, columns: list[str], data: list[list[Any]], ts: Any = 1769064680000) -> bytes:
    props: dict[str, Any] = {"type": kind, "timestamp": ts}
    if seq is not None:
        props["seqnum"] = seq
    return orjson.dumps({"properties": props, "columns": columns, "data": data})


def message(sid: str, body: bytes, destination: str = "MXSE.securities") -> bytes:
    return raw("MESSAGE", {"subscription": sid, "destination": destination, "message-id": "1"}, body)


def sent(frames: list[Any]) -> list[su.Frame]:
    return [su.parse_frame(f) for f in frames]


def stream_codec(
    streams: tuple[str, ...] = ("securities",),
    tickers: tuple[str, ...] = (SBER,),
    interval: str | None = None,
    **kw: Any,
) -> codecs.StreamCodec:
    subs = protocol.subscriptions(list(tickers), list(streams), interval)
    return codecs.StreamCodec(subs, BASE, kw.pop("cred", moex.GUEST), heart_beat=kw.pop("heart_beat", 0), **kw)


def open_codec(*args: Any, structure: Any = metadata.STRUCTURE, heart_beat: str | None = None, **kw: Any):
    codec = stream_codec(*args, **kw)
    codec.opening_frames()
    assert codec.parse(connected(structure, heart_beat), "r") == []
    return codec, sent(codec.take_outgoing())


def data(events: list[Any]) -> list[Any]:
    return [e.data for e in events if isinstance(e, DataEvent)]


# The securities notebook's first packets (MOEX's recorded output): a snapshot, then updates
# that carry only the changed columns and the key.
SNAP_COLUMNS = ["TICKER", "CAPTION", "LAST", "BID", "OFFER", "BIDDEPTHT", "VOLTODAY", "VALTODAY", "NUMTRADES"]
SNAP_ROW = [SBER, "Sberbank", [306.13, 2], [306.12, 2], [306.13, 2], 1685771, [1322700, 0], 405375659, 10774]


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("wire", "typed"),
    [
        ([306.13, 2], 306.13),
        ([1322700, 0], 1322700),
        ([3, 0], 3),
        ([0.01, 2], 0.01),
        ([-0.37, 2], -0.37),
        ([0.7, 2], 0.7),
        ([306.0, 2], 306.0),
        ("306.13", 306.13),
        (None, None),
    ],
)
def test_fixed_values_are_numbers(wire: Any, typed: Any) -> None:
    decode = values.value_decoder(schema.Column("LAST", "fixed"), None, "MXSE")
    out = decode(wire)
    assert out == typed and type(out) is type(typed)


def test_enums_dates_and_times_are_decoded_from_the_metadata() -> None:
    codec, _ = open_codec()
    columns = ["TICKER", "TRADINGSTATUS", "STATUS", "SETTLEDATE1", "SETTLEDATE2", "TIME", "DPVALINDICATORBUY"]
    row = [SBER, "T", "Z", "20260123", "2026-01-24", "095120", None]
    out = data(codec.parse(message("sub-1", packet("snapshot", 1, columns, [row])), "r"))
    assert out == [
        {
            "TICKER": SBER,
            "TRADINGSTATUS": "Trading session",
            "STATUS": "Z",  # an id the metadata does not list: as sent
            "SETTLEDATE1": "2026-01-23",
            "SETTLEDATE2": "2026-01-24",
            "TIME": "09:51:20",
            "DPVALINDICATORBUY": None,
        }
    ]


def test_packet_timestamp_is_the_line_ts() -> None:
    assert tables.packet_time(1769064680000) == "2026-01-22T06:51:20.000000Z"
    assert tables.packet_time(1769064680) == "2026-01-22T06:51:20.000000Z"
    assert tables.packet_time("1769064680000") == "2026-01-22T06:51:20.000000Z"
    assert tables.packet_time(None) is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"properties":{"type":"snapshot"},"data":[]}',
        b'{"properties":{"type":"snapshot"},"columns":["A","B"],"data":[["x"]]}',
        b'{"properties":{"type":"everything"},"columns":[],"data":[]}',
        b'{"properties":{"type":"updates","seqnum":"seven"},"columns":[],"data":[]}',
        b'{"properties":[],"columns":[],"data":[]}',
    ],
)
def test_a_body_that_is_not_a_packet_is_malformed(body: bytes) -> None:
    codec, _ = open_codec()
    with pytest.raises(MalformedFrame):
        codec.parse(message("sub-1", body), "r")


# ----------------------------------------------------------------------------- the connection


def test_connect_first_and_subscribe_only_after_connected() -> None:
    codec = stream_codec(("securities", "orderbooks", "candles"), interval="D1", heart_beat=10000)
    (frame,) = sent(codec.opening_frames())
    assert frame.cmd == "CONNECT"
    assert frame.headers["domain"] == "DEMO" and frame.headers["login"] == "guest"
    assert frame.headers["passcode"] == "guest" and frame.headers["heart-beat"] == "10000,10000"
    assert codec.handshake.subprotocols == ("STOMP",)
    assert codec.handshake.url == "ws://127.0.0.1:1/infocx/v3/websocket"
    assert codec.take_outgoing() == []
    codec.parse(connected(), "r")
    subs = sent(codec.take_outgoing())
    assert [(f.cmd, f.headers["destination"], f.headers["selector"]) for f in subs] == [
        ("SUBSCRIBE", "MXSE.securities", f'TICKER="{SBER}"'),
        ("SUBSCRIBE", "MXSE.orderbooks", f'TICKER="{SBER}"'),
        ("SUBSCRIBE", "MXSE.candles", f'ticker="{SBER}" and interval="D1"'),
    ]
    assert all(f.headers["receipt"] == f.headers["id"] for f in subs)
    assert len({f.headers["id"] for f in subs}) == 3


def test_passport_credentials_go_in_connect_and_never_in_a_repr() -> None:
    cred = moex.credentials("alice", "s3cret")
    assert cred.domain == "passport" and moex.credentials("guest", "guest") == moex.GUEST
    assert "s3cret" not in repr(cred)
    codec = stream_codec(cred=cred)
    (frame,) = sent(codec.opening_frames())
    assert (frame.headers["domain"], frame.headers["login"], frame.headers["passcode"]) == (
        "passport",
        "alice",
        "s3cret",
    )


def test_selector_names_come_from_the_metadata() -> None:
    structure = {
        "MXSE": {
            "streams": [
                {"name": "securities", "params": [{"name": "Ticker"}], "output": [{"name": "TICKER", "type": "string"}]}
            ]
        }
    }
    _, frames = open_codec(structure=structure)
    assert frames[0].headers["selector"] == f'Ticker="{SBER}"'


def test_an_unreadable_connected_body_falls_back_on_the_documented_metadata() -> None:
    codec = stream_codec()
    codec.opening_frames()
    codec.parse(raw("CONNECTED", {"version": "1.2"}, "not json"), "r")
    (frame,) = sent(codec.take_outgoing())
    assert frame.headers["selector"] == f'TICKER="{SBER}"'
    out = data(codec.parse(message(frame.headers["id"], packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r"))
    assert out[0]["LAST"] == 306.13


def test_text_and_binary_frames_read_alike() -> None:
    codec_a, _ = open_codec()
    codec_b, _ = open_codec()
    frame = message("sub-1", packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW]))
    assert data(codec_a.parse(frame, "r")) == data(codec_b.parse(frame.decode(), "r"))


def test_receipts_are_subscribed_lines_and_closing_unsubscribes_then_disconnects() -> None:
    codec, frames = open_codec(("securities", "orderbooks"))
    ids = [f.headers["id"] for f in frames]
    (event,) = codec.parse(raw("RECEIPT", {"receipt-id": ids[1]}), "r")
    assert isinstance(event, ControlEvent) and event.event == "subscribed"
    assert event.fields == {
        "stream": "orderbooks",
        "symbol": SBER,
        "destination": "MXSE.orderbooks",
        "selector": f'TICKER="{SBER}"',
    }
    closing = sent(codec.closing_frames())
    assert [(f.cmd, f.headers.get("id")) for f in closing[:2]] == [("UNSUBSCRIBE", ids[0]), ("UNSUBSCRIBE", ids[1])]
    assert closing[2].cmd == "DISCONNECT" and closing[2].headers["receipt"]


def test_closing_before_connected_sends_nothing() -> None:
    codec = stream_codec()
    codec.opening_frames()
    assert codec.closing_frames() == []


# ----------------------------------------------------------------------------- tables


def test_snapshot_then_partial_updates_give_full_merged_rows() -> None:
    codec, _ = open_codec()
    first = codec.parse(message("sub-1", packet("snapshot", 10, SNAP_COLUMNS, [SNAP_ROW])), "r")
    (line,) = first
    assert (line.provider, line.channel, line.symbol) == ("moex", "securities", SBER)
    assert line.ts == "2026-01-22T06:51:20.000000Z"
    row = dict(line.data)
    assert row == {
        "TICKER": SBER,
        "CAPTION": "Sberbank",
        "LAST": 306.13,
        "BID": 306.12,
        "OFFER": 306.13,
        "BIDDEPTHT": 1685771,
        "VOLTODAY": 1322700,
        "VALTODAY": 405375659,
        "NUMTRADES": 10774,
    }
    cols = ["TICKER", "LAST", "VOLTODAY", "NUMTRADES"]
    upd = data(
        codec.parse(message("sub-1", packet("updates", 11, cols, [[SBER, [306.12, 2], [1322706, 0], 10775]])), "r")
    )
    row.update(LAST=306.12, VOLTODAY=1322706, NUMTRADES=10775)
    assert upd == [row]
    for seq, depth in ((12, 1685771), (13, 1685741), (14, 1685739)):
        (out,) = data(
            codec.parse(message("sub-1", packet("updates", seq, ["TICKER", "BIDDEPTHT"], [[SBER, depth]])), "r")
        )
        row["BIDDEPTHT"] = depth
        assert out == row
        assert list(out) == SNAP_COLUMNS  # the snapshot's column order is kept


def test_an_update_without_its_key_applies_to_a_one_row_table() -> None:
    codec, _ = open_codec()
    codec.parse(message("sub-1", packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r")
    (out,) = data(codec.parse(message("sub-1", packet("updates", 2, ["LAST"], [[[307.0, 2]]])), "r"))
    assert out["TICKER"] == SBER and out["LAST"] == 307.0


def test_removal_deletes_by_key_and_says_so() -> None:
    codec, _ = open_codec()
    codec.parse(message("sub-1", packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r")
    (gone,) = data(codec.parse(message("sub-1", packet("removal", 2, ["TICKER"], [[SBER]])), "r"))
    assert gone["removed"] is True and gone["LAST"] == 306.13
    # the table is empty now: a keyless update has nothing to apply to
    with pytest.raises(MalformedFrame):
        codec.parse(message("sub-1", packet("updates", 3, ["LAST"], [[[1.0, 2]]])), "r")


def test_updates_before_any_snapshot_are_not_written() -> None:
    codec, _ = open_codec()
    assert codec.parse(message("sub-1", packet("updates", 5, ["TICKER", "LAST"], [[SBER, [1.0, 2]]])), "r") == []


def test_a_message_for_a_subscription_we_do_not_have_is_ignored() -> None:
    codec, _ = open_codec()
    assert codec.parse(message("sub-99", packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r") == []


CANDLE_COLUMNS = ["FROM", "TILL", "OPEN", "HIGH", "LOW", "CLOSE", "VALUE", "VOLUME"]


def bar(day: str, close: float, volume: int) -> list[Any]:
    return [f"{day} 00:00:00", f"{day} 23:59:59", [305.0, 2], [307.0, 2], [304.0, 2], [close, 2], [1e8, 2], volume]


def test_candles_are_keyed_by_from_and_written_as_candle_records() -> None:
    codec, _ = open_codec(("candles",), interval="D1")
    snap = data(
        codec.parse(message("sub-1", packet("snapshot", 1, CANDLE_COLUMNS, [bar("2026-01-21", 306.49, 100)])), "r")
    )
    assert snap == [
        {
            "timestamp": "2026-01-20T21:00:00.000000Z",  # Moscow midnight, in UTC
            "open": 305.0,
            "high": 307.0,
            "low": 304.0,
            "close": 306.49,
            "volume": 100,
            "quote_volume": 1e8,
            "till": "2026-01-21T20:59:59.000000Z",
        }
    ]
    # the current bar updates in place (same FROM), then a new bar appends
    (same,) = data(
        codec.parse(message("sub-1", packet("updates", 2, CANDLE_COLUMNS, [bar("2026-01-21", 306.6, 120)])), "r")
    )
    assert same["timestamp"] == snap[0]["timestamp"] and same["close"] == 306.6
    (new,) = data(
        codec.parse(message("sub-1", packet("updates", 3, CANDLE_COLUMNS, [bar("2026-01-22", 306.1, 5)])), "r")
    )
    assert new["timestamp"] == "2026-01-21T21:00:00.000000Z"
    sub = codec.subs[0]
    assert sub.table is not None and len(sub.table.rows) == 2


def test_orderbooks_are_written_as_whole_books_best_first() -> None:
    codec, _ = open_codec(("orderbooks",))
    cols = ["BUYSELL", "PRICE", "QUANTITY", "REPOVALUE"]
    rows = [
        ["S", [306.14, 2], 12, None],
        ["S", [306.13, 2], 8, None],
        ["B", [306.11, 2], 4, None],
        ["B", [306.12, 2], 25, None],
    ]
    (book,) = data(codec.parse(message("sub-1", packet("snapshot", 1, cols, rows), "MXSE.orderbooks"), "r"))
    assert book == {"bids": [[306.12, 25], [306.11, 4]], "asks": [[306.13, 8], [306.14, 12]]}
    # a snapshot replaces the book whole
    (book,) = data(codec.parse(message("sub-1", packet("snapshot", 2, cols, rows[:1]), "MXSE.orderbooks"), "r"))
    assert book == {"bids": [], "asks": [[306.14, 12]]}
    # updates (ASSUMED): keyed by side and price, a zero quantity removes the level
    upd = [["S", [306.14, 2], 0, None], ["B", [306.1, 2], 7, None]]
    (book,) = data(codec.parse(message("sub-1", packet("updates", 3, cols, upd), "MXSE.orderbooks"), "r"))
    assert book == {"bids": [[306.1, 7]], "asks": []}


# ----------------------------------------------------------------------------- gaps


def updates(seq: int, last: float) -> bytes:
    return packet("updates", seq, ["TICKER", "LAST"], [[SBER, [last, 2]]])


def test_a_seqnum_gap_drops_the_table_and_resubscribes_for_a_fresh_snapshot() -> None:
    codec, frames = open_codec()
    old = frames[0].headers["id"]
    codec.parse(message(old, packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r")
    assert data(codec.parse(message(old, updates(2, 306.2)), "r"))
    out = codec.parse(message(old, updates(4, 306.3)), "r")
    assert [(e.event, e.fields) for e in out] == [
        ("gap", {"stream": "securities", "symbol": SBER, "expected": 3, "got": 4, "resubscribed": True})
    ]
    unsub, sub = sent(codec.take_outgoing())
    assert (unsub.cmd, unsub.headers["id"]) == ("UNSUBSCRIBE", old)
    assert sub.cmd == "SUBSCRIBE" and sub.headers["id"] != old and sub.headers["selector"] == f'TICKER="{SBER}"'
    new = sub.headers["id"]
    # in flight on the old subscription, or updates before the fresh snapshot: not written
    assert codec.parse(message(old, updates(5, 306.4)), "r") == []
    assert codec.parse(message(new, updates(40, 306.4)), "r") == []
    (fresh,) = data(codec.parse(message(new, packet("snapshot", 41, SNAP_COLUMNS, [SNAP_ROW])), "r"))
    assert fresh["LAST"] == 306.13  # the snapshot's, not the stale table's 306.2
    assert data(codec.parse(message(new, updates(42, 306.5)), "r"))[0]["LAST"] == 306.5


def test_gap_detection_turns_itself_off_when_seqnums_are_not_consecutive() -> None:
    codec, frames = open_codec()
    sid = frames[0].headers["id"]
    for round_ in range(protocol.MAX_RESYNCS_IN_A_ROW):
        codec.parse(message(sid, packet("snapshot", 100 * round_, SNAP_COLUMNS, [SNAP_ROW])), "r")
        (gap,) = codec.parse(message(sid, updates(100 * round_ + 7, 306.0)), "r")
        assert gap.fields["resubscribed"] is True
        sid = sent(codec.take_outgoing())[1].headers["id"]
    codec.parse(message(sid, packet("snapshot", 1000, SNAP_COLUMNS, [SNAP_ROW])), "r")
    gap, row = codec.parse(message(sid, updates(1009, 306.7)), "r")
    assert gap.event == "gap" and gap.fields["resubscribed"] is False and "off" in gap.fields["reason"]
    assert row.data["LAST"] == 306.7  # the packet that turned detection off is merged, not lost
    assert codec.take_outgoing() == []
    assert data(codec.parse(message(sid, updates(1077, 306.9)), "r"))[0]["LAST"] == 306.9


def test_a_repeated_or_late_seqnum_is_not_a_gap() -> None:
    codec, frames = open_codec()
    sid = frames[0].headers["id"]
    codec.parse(message(sid, packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r")
    assert data(codec.parse(message(sid, updates(2, 306.2)), "r"))
    assert codec.parse(message(sid, updates(2, 306.2)), "r") == []  # a repeat: already merged
    assert codec.take_outgoing() == []  # no resubscription
    assert data(codec.parse(message(sid, updates(3, 306.3)), "r"))[0]["LAST"] == 306.3


def test_a_packet_rejected_part_way_leaves_the_seqnum_so_the_next_one_resyncs() -> None:
    codec, frames = open_codec()
    sid = frames[0].headers["id"]
    codec.parse(message(sid, packet("snapshot", 1, SNAP_COLUMNS, [SNAP_ROW])), "r")
    with pytest.raises(MalformedFrame):
        codec.parse(message(sid, packet("updates", 2, ["TICKER", "LAST"], [[{"not": "a key"}, 1.0]])), "r")
    (gap,) = codec.parse(message(sid, updates(3, 306.3)), "r")  # packet 2 was not merged: a gap
    assert gap.event == "gap" and gap.fields["expected"] == 2


def test_an_error_code_with_a_detail_is_still_recognised() -> None:
    from feedcli import stomp

    error = stomp.StompError("Gateway.Access-Denied: bad login", {}, b"", None, None)
    assert isinstance(codecs.refusal(error, "login"), AuthError)


def test_a_clean_update_resets_the_resync_count() -> None:
    codec, frames = open_codec()
    sid = frames[0].headers["id"]
    for round_ in range(protocol.MAX_RESYNCS_IN_A_ROW + 2):
        codec.parse(message(sid, packet("snapshot", 100 * round_, SNAP_COLUMNS, [SNAP_ROW])), "r")
        assert data(codec.parse(message(sid, updates(100 * round_ + 1, 306.0)), "r"))
        (gap,) = codec.parse(message(sid, updates(100 * round_ + 5, 306.0)), "r")
        assert gap.fields["resubscribed"] is True
        sid = sent(codec.take_outgoing())[1].headers["id"]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("gateway.access-denied", AuthError),
        ("gateway.not-connected", AuthError),
        ("gateway.invalidrequest", SubscriptionError),
        ("gateway.notimplemented", SubscriptionError),
        ("gateway.timeout", ConnectionDead),
        ("gateway.transport", ConnectionDead),
        ("gateway.exception", ConnectionDead),
        ("gateway.something-new", ConnectionDead),
    ],
)
def test_error_codes_map_to_exits_or_a_reconnect(code: str, error: type[Exception]) -> None:
    codec = stream_codec()
    codec.opening_frames()
    with pytest.raises(error) as caught:
        codec.parse(raw("ERROR", {"message": code}, "what went wrong"), "r")
    assert code in str(caught.value)
    assert "login" in str(caught.value)  # before CONNECTED, an ERROR answers the login


def test_exit_codes_of_the_two_final_errors() -> None:
    assert AuthError.exit_code == 3 and SubscriptionError.exit_code == 4


def test_an_error_for_one_subscription_names_it() -> None:
    codec, frames = open_codec(("securities", "candles"), interval="H1")
    with pytest.raises(SubscriptionError, match=r'MXSE\.candles ticker="MXSE\.TQBR\.SBER" and interval="H1"'):
        codec.parse(raw("ERROR", {"message": "gateway.invalidrequest", "receipt-id": frames[1].headers["id"]}), "r")


def test_closed_from_the_server_makes_the_engine_reconnect() -> None:
    codec, _ = open_codec()
    with pytest.raises(ConnectionDead):
        codec.parse(raw("CLOSED", {}), "r")


# ----------------------------------------------------------------------------- heart-beats


def test_heartbeats_at_the_agreed_rate_and_a_silent_server_is_dead() -> None:
    codec = stream_codec(heart_beat=1000)
    codec.opening_frames()
    codec.on_timer(100.0, 100.0)  # the engine's clock, before CONNECTED: nothing due
    codec.parse(connected(heart_beat="500,2000"), "r")
    # we send every max(1000, 2000) = 2 s; we expect the server every max(1000, 500) = 1 s
    assert (codec.stomp.send_interval_ms, codec.stomp.expect_interval_ms) == (2000, 1000)
    assert codec.timer_interval == 0.5
    assert codec.on_timer(100.1, 100.1) == []
    assert codec.on_timer(102.0, 101.9) == [b"\n"]
    assert codec.on_timer(103.0, 102.9) == []
    assert codec.on_timer(104.1, 103.5) == [b"\n"]
    with pytest.raises(ConnectionDead, match="no heart-beat"):
        codec.on_timer(105.6, 103.5)  # 2.1 s of silence > 2 x 1 s


def test_a_bare_eol_is_a_heartbeat_and_writes_nothing() -> None:
    codec, _ = open_codec()
    assert codec.parse(b"\n", "r") == [] and codec.parse("\n", "r") == []


def test_no_timer_when_no_heartbeats_are_agreed() -> None:
    codec = stream_codec(heart_beat=10000)
    codec.opening_frames()
    codec.parse(connected(), "r")  # no heart-beat header: 0,0
    assert codec.timer_interval is None


# ----------------------------------------------------------------------------- search and login


def test_search_requests_after_connected_and_finishes_with_the_reply() -> None:
    codec = moex.search("SBER*")(BASE, moex.GUEST)
    (connect,) = sent(codec.opening_frames())
    assert connect.cmd == "CONNECT"
    codec.parse(connected(), "r")
    (request,) = sent(codec.take_outgoing())
    assert request.cmd == "REQUEST" and request.headers["destination"] == "SEARCH.ticker"
    assert request.headers["selector"] == 'pattern="SBER*"'
    rid = request.headers["id"]
    body = packet(
        "snapshot", None, ["ticker", "secid", "emitent_id"], [[SBER, "SBER", "1"], ["MXSE.TQBR.SBERP", "SBERP", None]]
    )
    out = codec.parse(raw("REPLY", {"request-id": rid}, body), "r")
    assert [(e.channel, e.symbol, e.data) for e in out] == [
        ("search", SBER, {"ticker": SBER, "secid": "SBER", "emitent_id": 1}),
        ("search", "MXSE.TQBR.SBERP", {"ticker": "MXSE.TQBR.SBERP", "secid": "SBERP", "emitent_id": None}),
    ]
    assert codec.finished


def test_search_reads_a_reply_of_objects_too_and_refusals_are_exit_4() -> None:
    codec = moex.search("GAZ")(BASE, moex.GUEST)
    codec.opening_frames()
    codec.parse(connected(), "r")
    rid = sent(codec.take_outgoing())[0].headers["id"]
    out = codec.parse(raw("REPLY", {"request-id": rid}, b'[{"ticker": "MXSE.TQBR.GAZP"}]'), "r")
    assert [e.data for e in out] == [{"ticker": "MXSE.TQBR.GAZP"}]
    other = moex.search("GAZ")(BASE, moex.GUEST)
    other.opening_frames()
    other.parse(connected(), "r")
    rid = sent(other.take_outgoing())[0].headers["id"]
    with pytest.raises(SubscriptionError, match="GAZ"):
        other.parse(raw("ERROR", {"message": "gateway.invalidrequest", "request-id": rid}), "r")


@pytest.mark.parametrize("pattern", ["", "  ", 'SB"ER', "a\\b", "x\ny"])
def test_search_patterns_that_cannot_be_sent_are_exit_2(pattern: str) -> None:
    with pytest.raises(UsageError):
        moex.search(pattern)


def test_login_codec_is_done_at_connected_and_refused_by_access_denied() -> None:
    codec = codecs.LoginCodec(BASE, moex.credentials("alice", "pw"))
    (frame,) = sent(codec.opening_frames())
    assert frame.headers["heart-beat"] == "0,0"
    codec.parse(connected(), "r")
    assert codec.finished and codec.connected
    refused = codecs.LoginCodec(BASE, moex.credentials("alice", "bad"))
    refused.opening_frames()
    with pytest.raises(AuthError, match="refused login"):
        refused.parse(raw("ERROR", {"message": "gateway.access-denied"}), "r")


# ----------------------------------------------------------------------------- options


@pytest.mark.parametrize("ticker", [SBER, "FORTS.RFUD.SiZ4", "MXSE.TQCB.RU000A0JX0J2", "MXCX.CETS.USD000UTSTOM"])
def test_good_tickers_are_kept_as_typed(ticker: str) -> None:
    assert protocol.check_ticker(ticker) == ticker


@pytest.mark.parametrize(
    "ticker", ["SBER", "MXSE.SBER", "MXSE..SBER", ".TQBR.SBER", "MX SE.TQBR.SBER", 'MXSE.TQBR.S"', " MXSE.TQBR.SBER"]
)
def test_malformed_tickers_are_exit_2(ticker: str) -> None:
    with pytest.raises(UsageError):
        protocol.check_ticker(ticker)


def test_subscriptions_from_options() -> None:
    assert protocol.subscriptions([SBER, SBER], [], None) == (protocol.Subscription("securities", SBER),)
    subs = protocol.subscriptions([SBER, "MXSE.TQBR.GAZP"], ["orderbooks", "candles"], None)
    assert [(s.stream, s.ticker, s.interval, s.destination) for s in subs] == [
        ("orderbooks", SBER, None, "MXSE.orderbooks"),
        ("candles", SBER, "M1", "MXSE.candles"),
        ("orderbooks", "MXSE.TQBR.GAZP", None, "MXSE.orderbooks"),
        ("candles", "MXSE.TQBR.GAZP", "M1", "MXSE.candles"),
    ]
    for bad in (
        ([], [], None),
        ([SBER], ["trades"], None),
        ([SBER], ["securities"], "M1"),
        ([SBER], ["candles"], "M5"),
    ):
        with pytest.raises(UsageError):
            protocol.subscriptions(*bad)


def test_heartbeat_option() -> None:
    assert (
        protocol.heartbeat_ms(None) == 10000
        and protocol.heartbeat_ms("0") == 0
        and protocol.heartbeat_ms("0.25") == 250
    )
    for bad in ("soon", "-1", "7200"):
        with pytest.raises(UsageError):
            protocol.heartbeat_ms(bad)


def test_prepare_makes_one_codec_for_every_subscription_and_defaults_to_the_guest() -> None:
    make = moex.prepare({"ticker": [SBER], "stream": ["securities", "orderbooks"], "interval": None, "heartbeat": "2"})
    (codec,) = make(BASE, None)
    assert codec.cred == moex.GUEST and len(codec.subs) == 2
    assert sent(codec.opening_frames())[0].headers["heart-beat"] == "2000,2000"


# ----------------------------------------------------------------------------- the server's side


def test_selector_parser_reads_the_documents_selectors() -> None:
    assert server.parse_selector('TICKER="MXSE.TQBR.SBER"') == {"ticker": SBER}
    assert server.parse_selector('ticker="MXSE.TQBR.SBER" and interval="M1"') == {"ticker": SBER, "interval": "M1"}
    assert server.parse_selector('TICKER="MXSE.TQBR.GAZP" and LANGUAGE="en"') == {
        "ticker": "MXSE.TQBR.GAZP",
        "language": "en",
    }
    assert server.parse_selector('pattern="SBER*"') == {"pattern": "SBER*"}
    assert server.parse_selector("") == {}
    for bad in ("TICKER=SBER", 'TICKER="A" or B="c"', 'TICKER="A" and'):
        with pytest.raises(Refusal):
            server.parse_selector(bad)


def test_the_metadata_has_moexs_key_names() -> None:
    mxse = metadata.STRUCTURE["MXSE"]
    assert set(mxse) == {"enums", "streams"}
    stream = next(s for s in mxse["streams"] if s["name"] == "orderbooks")
    assert set(stream) == {"name", "access", "caption", "params", "output"}
    assert stream["output"][0] == {
        "name": "BUYSELL",
        "caption": {"en": "Direction"},
        "type": "enum",
        "enum": "TBuySell",
    }
    enum = next(e for e in mxse["enums"] if e["name"] == "TTradingStatus")
    assert set(enum) == {"name", "caption", "values"} and set(enum["values"][0]) == {"id", "caption", "description"}
    securities = metadata.FALLBACK_SCHEMA.resource("MXSE.securities")
    assert securities is not None and securities.keys == ("TICKER",) and len(securities.output) == 41


# ----------------------------------------------------------------------------- properties

SECURITIES = metadata.FALLBACK_SCHEMA.resources["MXSE.securities"]
_prices = st.decimals(min_value="0.01", max_value="99999.99", places=2).map(float)
_status = st.sampled_from([text for _, text in metadata._ENUMS["TTradingStatus"]])
_dates = st.dates().map(lambda d: d.isoformat())
_times = st.times().map(lambda t: t.strftime("%H:%M:%S"))
_rows = st.fixed_dictionaries(
    {"TICKER": st.just(SBER)},
    optional={
        "CAPTION": st.text(string.ascii_letters + " ", max_size=12),
        "LAST": _prices,
        "BID": _prices,
        "VOLTODAY": st.integers(0, 10**12),
        "NUMTRADES": st.integers(0, 10**7),
        "TRADINGSTATUS": _status,
        "SETTLEDATE1": _dates,
        "TIME": _times,
        "MINSTEP": st.none(),
    },
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_rows, min_size=1, max_size=4))
def test_typed_rows_survive_encode_then_parse(rows: list[dict[str, Any]]) -> None:
    columns, wire = server.encode_rows(SECURITIES, metadata.FALLBACK_SCHEMA, rows)
    parsed = tables.parse_packet(server.encode_packet("updates", columns, wire, 7, 1769064680000))
    assert (parsed.type, parsed.seqnum) == ("updates", 7)
    back = values.RowDecoder(SECURITIES, metadata.FALLBACK_SCHEMA, "MXSE")(parsed.columns, parsed.data)
    assert back == [{c: row.get(c) for c in columns} for row in rows]


_keys = st.sampled_from(["A", "B", "C", "D"])
_ops = st.lists(
    st.tuples(
        st.sampled_from(["snapshot", "updates", "removal"]),
        st.lists(
            st.tuples(_keys, st.dictionaries(st.sampled_from(["X", "Y", "Z"]), st.integers(), max_size=2)), max_size=4
        ),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(ops=_ops)
def test_the_table_is_a_dict_of_merged_rows(ops: list[tuple[str, list[tuple[str, dict[str, int]]]]]) -> None:
    table = tables.Table(("K",))
    model: dict[str, dict[str, Any]] = {}
    for kind, rows in ops:
        full = [{"K": k, **cols} for k, cols in rows]
        if kind == "snapshot":
            table.replace(full)
            model = {}
            for row in full:
                model[row["K"]] = {**model.get(row["K"], {}), **row}
        elif kind == "updates":
            out = table.update(full)
            for row in full:
                model[row["K"]] = {**model.get(row["K"], {}), **row}
            assert out[-1:] == [model[full[-1]["K"]]] if full else out == []
        else:
            table.remove(full)
            for row in full:
                model.pop(row["K"], None)
        assert {k[0]: v for k, v in table.rows.items()} == model


@settings(max_examples=100, deadline=None)
@given(
    secid=st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=12),
    board=st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=6),
    interval=st.sampled_from(protocol.INTERVALS),
)
def test_the_selectors_we_send_are_read_back_by_the_server(secid: str, board: str, interval: str) -> None:
    ticker = protocol.check_ticker(f"MXSE.{board}.{secid}")
    codec = stream_codec(("securities", "candles"), tickers=(ticker,), interval=interval)
    codec.opening_frames()
    codec.parse(connected(), "r")
    selectors = [server.parse_selector(f.headers["selector"]) for f in sent(codec.take_outgoing())]
    assert selectors == [{"ticker": ticker}, {"ticker": ticker, "interval": interval}]


@settings(max_examples=100, deadline=None)
@given(
    bids=st.lists(_prices, unique=True, max_size=8),
    asks=st.lists(_prices, unique=True, max_size=8),
    qty=st.integers(1, 10**6),
)
def test_books_survive_rows_then_book(bids: list[float], asks: list[float], qty: int) -> None:
    book = {"bids": sorted(([p, qty] for p in bids), reverse=True), "asks": sorted([p, qty] for p in asks)}
    assert tables.book_data(tables.book_rows(book)) == book


@settings(max_examples=100, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1)).map(lambda d: d.replace(microsecond=0)))
def test_candle_rows_survive_the_candle_record(moment: Any) -> None:
    row = {"FROM": moment.strftime("%Y-%m-%dT%H:%M:%S"), "OPEN": 1.5, "CLOSE": 2.0, "VOLUME": 3, "VALUE": 4.5}
    assert tables.candle_row(tables.candle_data(row)) == row


# ----------------------------------------------------------------------------- the live view, the STOMP additions


def test_the_live_view_reads_moex_lines() -> None:
    from feedcli.views.models import Book, Stats, candle_of, map_data

    row = {"TICKER": SBER, "LAST": 306.13, "PREVPRICE": 306.49, "BID": 306.12, "OFFER": 306.13, "NUMTRADES": 10774}
    stats, top = map_data("moex", "securities", row)
    assert isinstance(stats, Stats) and stats.last == 306.13 and stats.trades == 10774
    assert stats.change == pytest.approx(-0.36)
    assert (
        isinstance(top, Book) and top.best is not None and (top.best.bid_price, top.best.ask_price) == (306.12, 306.13)
    )
    (book,) = map_data("moex", "orderbooks", {"bids": [[306.12, 25], [306.11, 4]], "asks": [[306.13, 8]]})
    assert isinstance(book, Book) and book.depth and len(book.levels) == 2
    assert (book.levels[0].bid_qty, book.levels[0].ask_qty, book.levels[1].ask_price) == (25, 8, None)
    candles = moex.PROVIDER.channel("candles")
    assert candles is not None and candles.series
    line = DataEvent(
        "moex",
        "candles",
        SBER,
        None,
        "r",
        tables.candle_data(dict(zip(CANDLE_COLUMNS, bar("2026-01-22", 1.0, 5), strict=True))),
    )
    candle = candle_of(line)
    assert candle is not None and candle.key == "2026-01-21T21:00:00.000000Z"


def test_stomp_server_side_heart_beat_negotiation() -> None:
    from feedcli import stomp

    assert stomp.server_heart_beat((1000, 1000), "0,100") == (1000, 0)
    assert stomp.server_heart_beat((50, 50), "200,200") == (200, 200)
    assert stomp.server_heart_beat((1000, 1000), None) == (0, 0)
    assert stomp.server_heart_beat((0, 0), "100,100") == (0, 0)
    with pytest.raises(stomp.StompProtocolError):
        stomp.server_heart_beat((1000, 1000), "fast")


def test_stomp_mark_heard_only_moves_forward() -> None:
    from feedcli import stomp

    client = stomp.StompClient()
    client.connect_frame(heart_beat=(0, 1000))
    client.feed(raw("CONNECTED", {"version": "1.2", "heart-beat": "1000,0"}), 0.0)
    assert client.peer_silent(2.5)
    client.mark_heard(2.0)
    client.mark_heard(1.0)
    assert not client.peer_silent(2.5) and client.peer_silent(4.1)


def test_a_passcode_with_a_line_break_is_refused_without_showing_it() -> None:
    with pytest.raises(UsageError) as refused:
        moex.credentials("alice", "top\nsecret")
    assert "secret" not in str(refused.value)


def test_a_candle_time_already_in_utc_is_not_shifted_again() -> None:
    assert tables._moscow_to_utc("2026-01-22T07:00:00.000000Z") == "2026-01-22T07:00:00.000000Z"
    assert tables._moscow_to_utc("2026-01-22 10:00:00") == "2026-01-22T07:00:00.000000Z"


def test_every_line_carries_its_kind_and_the_packets_seqnum() -> None:
    codec, frames = open_codec(("securities", "orderbooks"))
    sec, book = (f.headers["id"] for f in frames)
    (first,) = codec.parse(message(sec, packet("snapshot", 10, SNAP_COLUMNS, [SNAP_ROW])), "r")
    (second,) = codec.parse(message(sec, updates(11, 306.2)), "r")
    assert (first.kind, first.seq, second.kind, second.seq) == ("stats", 10, "stats", 11)
    rows = packet("snapshot", 5, ["BUYSELL", "PRICE", "QUANTITY"], [["B", [306.1, 2], 10], ["S", [306.2, 2], 4]])
    (ladder,) = codec.parse(message(book, rows, "MXSE.orderbooks"), "r")
    assert (ladder.kind, ladder.seq) == ("book", 5)
