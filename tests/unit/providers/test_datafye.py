"""The Datafye codec: the samples' messages verbatim, our assumed envelope, and its control frames."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import MalformedFrame, SubscriptionError, UsageError
from feedcli.events import ControlEvent, DataEvent
from feedcli.providers import datafye as d

BASE = "http://127.0.0.1:8080"


def live(channel: str = "quotes", symbols: tuple[str, ...] = ("AAPL",), frequency: str | None = None) -> d.LiveCodec:
    return d.LiveCodec(d.Subscription(channel, "SIP", symbols, frequency), BASE)


def test_subscribe_messages_are_the_samples_verbatim() -> None:
    # datafye-samples ws/SubscribeLiveTopOfBook.java and SubscribeLiveOHLC.java
    assert live().opening_frames() == [b'{"action":"subscribe","dataset":"SIP","symbols":["AAPL"]}']
    assert live("aggregates", frequency="Minute").opening_frames() == [
        b'{"action":"subscribe","dataset":"SIP","symbols":["AAPL"],"frequency":"Minute"}'
    ]
    assert live().closing_frames() == [b'{"action":"unsubscribe","dataset":"SIP","symbols":["AAPL"]}']
    history = d.HistoryCodec(
        d.HistoryRequest("SIP", "AAPL", "Minute", "2025-01-02T09:30:00", "2025-01-02T16:00:00"), BASE
    )
    assert orjson.loads(history.opening_frames()[0]) == {
        "action": "start",
        "dataset": "SIP",
        "symbol": "AAPL",
        "frequency": "Minute",
        "from": "2025-01-02T09:30:00",
        "to": "2025-01-02T16:00:00",
    }


def test_one_endpoint_per_channel() -> None:
    codecs = d.prepare({"symbol": ["AAPL", "MSFT"], "channel": ["quotes", "trades", "aggregates"]})(BASE, None)
    assert [c.handshake.url for c in codecs] == [
        "ws://127.0.0.1:8080/datafye-ws/v1/stocks/live/quotes",
        "ws://127.0.0.1:8080/datafye-ws/v1/stocks/live/ticks",
        "ws://127.0.0.1:8080/datafye-ws/v1/stocks/live/aggs",
    ]
    assert orjson.loads(codecs[2].opening_frames()[0])["frequency"] == "Minute"
    assert "frequency" not in orjson.loads(codecs[0].opening_frames()[0])


@pytest.mark.parametrize(
    ("values", "url"),
    [
        ({"deployment": "local"}, "http://localhost:8080"),
        ({"deployment": "internal"}, "http://api.rumi.local"),
        ({"deployment": "external", "user": "acme", "type": "foundry"}, "http://acme-foundry-api.datafye.io"),
        (
            {"deployment": "external", "user": "acme", "type": "foundry", "env": "dev"},
            "http://acme-foundry-dev-api.datafye.io",
        ),
        ({}, None),
    ],
)
def test_deployment_addresses_of_the_document(values, url) -> None:
    assert d.base_url_from(values) == url


@pytest.mark.parametrize(
    "values",
    [
        {"symbol": []},
        {"symbol": ["AAPL"], "deployment": "external", "user": "acme"},
        {"symbol": ["AAPL"], "user": "acme"},
        {"symbol": ["AAPL"], "channel": ["aggregates"], "from_": "2025-01-02T09:30:00"},
        {"symbol": ["AAPL"], "channel": ["quotes"], "from_": "2025-01-02", "to": "2025-01-03"},
        {"symbol": ["AAPL"], "channel": ["quotes"], "frequency": "Minute"},
        {"symbol": [" AAPL"]},
    ],
)
def test_impossible_options_are_usage_errors(values) -> None:
    with pytest.raises(UsageError):
        d.prepare(values)
        d.base_url_from(values)


def test_heartbeat_is_answered_with_a_pong_and_writes_no_line() -> None:
    codec = live()
    assert codec.parse(b'{"type":"heartbeat","timestamp":1763109000000}', "R") == []
    assert [orjson.loads(f) for f in codec.take_outgoing()] == [{"type": "pong", "timestamp": 1763109000000}]
    assert codec.take_outgoing() == []


def test_halt_resume_and_stream_end() -> None:
    codec = live()
    (halt,) = codec.parse(b'{"type":"halt","symbol":"AAPL","reason":"LULD pause"}', "R")
    assert isinstance(halt, ControlEvent) and halt.event == "halt" and halt.fields["reason"] == "LULD pause"
    assert codec.expect_silence
    (resume,) = codec.parse(b'{"type":"resume","symbol":"AAPL"}', "R")
    assert resume.event == "resume" and not codec.expect_silence
    (end,) = codec.parse(b'{"type":"stream_end"}', "R")
    assert end.event == "stream_end" and codec.finished


def test_errors_are_final_subscription_refusals() -> None:
    with pytest.raises(SubscriptionError, match="INVALID_DATASET: unknown dataset NOPE"):
        live().parse(b'{"type":"error","code":"INVALID_DATASET","message":"unknown dataset NOPE"}', "R")


def test_unknown_frames_are_passed_on_as_control_lines() -> None:
    (event,) = live().parse(b'{"type":"surprise","x":1}', "R")
    assert (
        isinstance(event, ControlEvent)
        and event.event == "unknown"
        and event.fields["frame"]
        == {
            "type": "surprise",
            "x": 1,
        }
    )


def test_records_batches_and_bare_records() -> None:
    quote = {"symbol": "AAPL", "exchangeTimestamp": 1763109000123, "bidPrice": 1.0, "askPrice": 1.1}
    (event,) = live().parse(d.data_message("quotes", quote), "R")
    assert event == DataEvent("datafye", "quotes", "AAPL", "2025-11-14T08:30:00.123000Z", "R", quote, "quote")
    bars = [{"symbol": "AAPL", "datetime": 1763109000000 + i * 60000, "open": 1, "close": 2} for i in range(3)]
    events = live("aggregates").parse(d.data_message("aggregates", bars), "R")
    assert [(e.channel, e.kind) for e in events] == [("aggregates", "candle")] * 3
    (bare,) = live("trades").parse(orjson.dumps({"symbol": "MSFT", "tradePrice": 2.0}), "R")
    assert bare.channel == "trades" and bare.symbol == "MSFT" and bare.ts is None


@pytest.mark.parametrize("frame", [b"{", b'{"type":"quote","data":5}', b'{"type":"quote","data":{"bidPrice":1}}', b"7"])
def test_malformed_frames(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        live().parse(frame, "R")


def test_history_skips_bars_already_delivered_after_a_reconnect() -> None:
    make = d.prepare(
        {"symbol": ["AAPL"], "channel": ["aggregates"], "from_": "2025-01-02T09:30:00", "to": "2025-01-02T10:00:00"}
    )
    bars = [{"symbol": "AAPL", "datetime": 1735810200000 + i * 60000, "close": i} for i in range(5)]
    first = make(BASE, None)[0]
    assert len(first.parse(d.data_message("aggregates", bars[:3]), "R")) == 3
    again = make(BASE, None)[0]  # a new connection replays from --from
    events = again.parse(d.data_message("aggregates", bars), "R")
    assert [e.data["close"] for e in events] == [3, 4]
    again.parse(b'{"type":"stream_end"}', "R")
    assert make(BASE, None)[0].finished  # a replay that ended is not opened again


records = st.fixed_dictionaries(
    {"symbol": st.sampled_from(["AAPL", "MSFT", "BTC-USD"]), "exchangeTimestamp": st.integers(10**12, 2 * 10**12)},
    optional={"bidPrice": st.floats(0, 1e6), "askSize": st.integers(0, 10**9)},
)


@given(channel=st.sampled_from(d.CHANNELS), batch=st.lists(records, min_size=1, max_size=5))
def test_parse_of_encode_is_identity(channel: str, batch: list[dict]) -> None:
    events = live(channel).parse(d.data_message(channel, batch), "R")
    assert [e.data for e in events] == batch
    assert all(isinstance(e, DataEvent) and e.channel == channel for e in events)
