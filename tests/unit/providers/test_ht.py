"""HT codecs against the source documents' own examples, and parse(encode(x)) == x."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedcli.errors import AuthError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import DataEvent, decode_line, encode_line
from feedcli.providers import ht, ime, tse
from feedcli.providers.base import Refusal
from feedcli.wallclock import utc_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TSE_EXAMPLES = json.loads((FIXTURES / "tse_doc_examples.json").read_text())
IME_EXAMPLES = json.loads((FIXTURES / "ime_doc_examples.json").read_text())


def tse_codec(by: str = "isin"):
    sub = tse.Subscription(by, ("IRO1XYZ1234",), tse.CHANNELS)  # type: ignore[arg-type]
    return tse.codecs(sub, "http://127.0.0.1:1", "tok")[0]


@pytest.mark.parametrize("example", TSE_EXAMPLES, ids=[e["channel"] for e in TSE_EXAMPLES])
def test_every_documented_tse_example_parses_to_its_own_data(example: dict) -> None:
    (event,) = tse_codec().parse(json.dumps(example).encode(), "2025-11-14T08:30:00.001234Z")
    assert event.provider == "tse"
    assert event.channel == example["channel"]
    assert event.symbol == example["symbolIsin"]
    assert example["timestamp"] == "2025-11-14T12:00:00.000000"  # Tehran wall time, UTC+03:30
    assert event.ts == "2025-11-14T08:30:00.000000Z"
    assert event.kind == tse.PROVIDER.channel(example["channel"]).kind  # type: ignore[union-attr]
    assert event.data == example["data"]  # the provider's object, unchanged


def test_the_seven_documented_channels_are_the_seven_we_know() -> None:
    assert {e["channel"] for e in TSE_EXAMPLES} == set(tse.CHANNELS)


def test_name_endpoint_reads_symbol_name() -> None:
    frame = tse.encode_message("name", "فولاد", "aggregate", "2025-11-14T12:00:00.000000", {"last_price": 1})
    (event,) = tse_codec("name").parse(frame, "R")
    assert event.symbol == "فولاد"


def test_ime_examples_by_name_and_by_id() -> None:
    by_name, by_id, payload = IME_EXAMPLES
    codec = ime.codecs(ime.Subscription("name", ("ContractA",)), "http://h:1", "t")[0]
    (event,) = codec.parse(json.dumps({**by_name, "data": payload}), "R")
    assert (event.channel, event.symbol, event.ts) == ("IME Stream", "ContractA", "2026-05-23T11:40:00.000000Z")
    assert event.kind == "stats"
    assert event.data == payload
    codec = ime.codecs(ime.Subscription("id", ("12345",)), "http://h:1", "t")[0]
    (event,) = codec.parse(json.dumps({**by_id, "data": payload}).encode(), "R")
    assert event.symbol == "12345"
    assert set(event.data) == set(ime.SECTIONS)


def test_ime_numeric_contract_id_becomes_the_string_subscribed() -> None:
    codec = ime.codecs(ime.Subscription("id", ("12345",)), "http://h:1", "t")[0]
    (event,) = codec.parse(b'{"channel":"IME Stream","ContractId":12345,"timestamp":null,"data":{}}', "R")
    assert event.symbol == "12345" and event.ts is None


@pytest.mark.parametrize(
    "frame",
    [
        b'{"channel": "best-limit", "symbolIsin": "IRO1XYZ1234", "data": {',  # truncated
        b"[1, 2, 3]",  # not an object
        b'{"symbolIsin": "IRO1XYZ1234", "data": {}}',  # no channel
        b'{"channel": "best-limit", "symbolIsin": "IRO1XYZ1234"}',  # no data
        b'{"channel": "best-limit", "symbolIsin": "IRO1XYZ1234", "data": 5}',  # data not an object
        b'{"channel": "best-limit", "data": {}}',  # no identifier
        b"\xff\xfe garbage",
    ],
)
def test_malformed_frames_raise_malformed_frame(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        tse_codec().parse(frame, "R")


def test_request_target_repeats_each_parameter_as_the_document_shows() -> None:
    sub = tse.subscription(["IRT3SATF0001", "IRTKMOFD0001"], [], ["order-book", "best-limit"])
    assert tse.request_target(sub) == (
        "/data-engine/tse-ifb/live/data/websocket/symbol/isin?channels=order-book&channels=best-limit"
        "&symbol_isins=IRT3SATF0001&symbol_isins=IRTKMOFD0001"
    )
    url = tse.codecs(sub, "https://core.hedgetech.ir", "t")[0].handshake.url
    assert url.startswith("wss://core.hedgetech.ir/data-engine/tse-ifb/live/data/websocket/symbol/isin?")


def test_ime_paths_and_parameters() -> None:
    assert ime.request_target(ime.subscription(["12345", "67890"], [])) == (
        "/data-engine/ime/live/data/websocket/contract/id?contract_id=12345&contract_id=67890"
    )
    assert ime.request_target(ime.subscription([], ["ContractA"])).endswith("contract/name?contract_names=ContractA")
    # the later README revision's singular spelling is understood by the server side
    assert ime.parse_request_target(ime.PATH + "/name", "contract_name=A&contract_name=B").contracts == ("A", "B")
    # and the document's own path, at the root of the IME service (its examples connect there)
    assert ime.parse_request_target("/live/data/websocket/contract/id", "contract_id=12345") == ime.Subscription(
        "id", ("12345",)
    )
    with pytest.raises(Refusal):
        ime.parse_request_target("/live/data/websocket/contract/nope", "contract_id=12345")
    with pytest.raises(Refusal):
        ime.parse_request_target("/data/websocket/contract/id", "contract_id=12345")


def test_authorization_header_is_the_raw_token_or_bearer() -> None:
    sub = tse.subscription(["IRO1FOLD0001"], [], [])
    assert dict(tse.codecs(sub, "http://h:1", "abc")[0].handshake.headers) == {"Authorization": "abc"}
    assert dict(tse.codecs(sub, "http://h:1", "abc", bearer=True)[0].handshake.headers) == {
        "Authorization": "Bearer abc"
    }


@pytest.mark.parametrize(
    ("isins", "names", "channels", "message"),
    [
        (["IRO1FOLD001"], [], [], "12 characters"),
        ([""], [], [], "empty"),
        (["   "], [], [], "empty"),
        ([], [" فولاد"], [], "whitespace"),
        (["IRO1FOLD0001"], ["x"], [], "not both"),
        ([], [], [], "at least one"),
        (["IRO1FOLD0001"], [], ["best_limit"], "unknown channel"),
        (["IRO1FOLD000!"], [], [], "not an ISIN"),
    ],
)
def test_local_selector_errors_are_usage_errors(isins, names, channels, message) -> None:
    with pytest.raises(UsageError, match=message):
        tse.subscription(isins, names, channels)


def test_isins_are_upper_cased_and_deduplicated() -> None:
    sub = tse.subscription(["iro1fold0001", "IRO1FOLD0001"], [], [])
    assert sub.symbols == ("IRO1FOLD0001",)
    assert sub.channels == tse.CHANNELS


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Invalid token", AuthError),
        ("Token expired", AuthError),
        ("", AuthError),
        ("Invalid symbol: IRO1XXXX0001", SubscriptionError),
        ("invalid channel: foo", SubscriptionError),
        ("Invalid contract: 999", SubscriptionError),
        # the quoted name must not decide: these are about a symbol, whatever it is called
        ("Invalid symbol: IRO1AUTH0001", SubscriptionError),
        ("Invalid symbol: LOGIN", SubscriptionError),
        ("Invalid contract: token-x", SubscriptionError),
        ("Missing token", AuthError),
    ],
)
def test_close_1008_maps_to_exit_3_or_4_by_reason(reason: str, kind: type) -> None:
    assert isinstance(ht.refusal(1008, reason), kind)


@pytest.mark.parametrize("code", [None, 1000, 1001, 1006, 1011, 1012])
def test_other_closes_are_retried(code) -> None:
    assert ht.refusal(code, "whatever") is None


def test_server_refuses_unknown_channel_and_empty_lists() -> None:
    with pytest.raises(Refusal, match="channel"):
        tse.parse_request_target(tse.PATH + "/isin", "channels=nope&symbol_isins=IRO1FOLD0001")
    with pytest.raises(Refusal):
        tse.parse_request_target(tse.PATH + "/isin", "channels=best-limit")
    with pytest.raises(Refusal):
        ime.parse_request_target(ime.PATH + "/id", "")


# ---------------------------------------------------------------- parse(encode(x)) == x

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), st.text()
)
json_objects = st.dictionaries(
    st.text(min_size=1),
    st.recursive(
        json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3), max_leaves=10
    ),
    max_size=6,
)
symbols = st.text(min_size=1).filter(lambda s: s == s.strip() and not any(c in s for c in "\r\n\t\x00"))
timestamps = st.none() | st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f"))


@given(
    by=st.sampled_from(["isin", "name"]),
    symbol=symbols,
    channel=st.sampled_from(tse.CHANNELS),
    ts=timestamps,
    data=json_objects,
)
def test_tse_parse_of_encode_is_identity(by, symbol, channel, ts, data) -> None:
    codec = tse_codec(by)
    (event,) = codec.parse(tse.encode_message(by, symbol, channel, ts, data), "R")
    kind = tse.PROVIDER.kinds[channel]
    assert event == DataEvent("tse", channel, symbol, utc_of(ts, ht.tehran()), "R", data, kind)


@given(by=st.sampled_from(["id", "name"]), contract=symbols, ts=timestamps, data=json_objects)
def test_ime_parse_of_encode_is_identity(by, contract, ts, data) -> None:
    codec = ime.codecs(ime.Subscription(by, (contract,)), "http://h:1", "t")[0]
    (event,) = codec.parse(ime.encode_message(by, contract, ts, data), "R")
    assert event == DataEvent("ime", "IME Stream", contract, utc_of(ts, ht.tehran()), "R", data, "stats")


@given(
    by=st.sampled_from(["isin", "name"]),
    syms=st.lists(symbols, min_size=1, max_size=4, unique=True),
    channels=st.lists(st.sampled_from(tse.CHANNELS), min_size=1, max_size=7, unique=True),
)
def test_tse_request_target_round_trips(by, syms, channels) -> None:
    sub = tse.Subscription(by, tuple(syms), tuple(channels))
    path, _, query = tse.request_target(sub).partition("?")
    assert tse.parse_request_target(path, query) == sub


@given(by=st.sampled_from(["id", "name"]), contracts=st.lists(symbols, min_size=1, max_size=4, unique=True))
def test_ime_request_target_round_trips(by, contracts) -> None:
    sub = ime.Subscription(by, tuple(contracts))
    path, _, query = ime.request_target(sub).partition("?")
    assert ime.parse_request_target(path, query) == sub


@given(symbol=symbols, ts=timestamps, data=json_objects)
def test_ndjson_line_round_trips(symbol, ts, data) -> None:
    event = DataEvent("tse", "aggregate", symbol, ts, "2025-11-14T08:30:00.001234Z", data)
    line = encode_line(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_line(line) == event
    assert list(orjson.loads(line)) == ["provider", "channel", "symbol", "ts", "recv", "data"]
