"""The line's vocabulary: UTC timestamps from wall-clock times, kind and seq on every line, --normalize."""

from __future__ import annotations

from datetime import timezone

import orjson
import pytest

from feedcli import market, providers, vocabulary
from feedcli.events import ControlEvent, DataEvent, decode_line, encode_line
from feedcli.providers import ht
from feedcli.wallclock import ToUtc, utc_of

# ----------------------------------------------------------------------------- wall clock → UTC


def test_tehran_summer_2021_was_plus_0430_and_winter_plus_0330() -> None:
    """Iran kept daylight saving time until 2022: the zone database's offset changes matter."""
    convert = ToUtc(ht.tehran)
    assert convert("2021-07-01T12:00:00.123456") == "2021-07-01T07:30:00.123456Z"
    assert convert("2021-12-01T12:00:00.123456") == "2021-12-01T08:30:00.123456Z"
    # no more DST from 2023: summer is +03:30 too
    assert convert("2025-07-01T12:00:00.000000") == "2025-07-01T08:30:00.000000Z"


def test_the_same_minute_cache_never_carries_an_offset_across_the_dst_change() -> None:
    convert = ToUtc(ht.tehran)
    # 2021-09-21 24:00 Tehran: clocks went back from +04:30 to +03:30 (Shahrivar 30)
    assert convert("2021-09-21T23:59:59.999999") == "2021-09-21T19:29:59.999999Z"
    assert convert("2021-09-22T00:00:00.000000") == "2021-09-21T20:30:00.000000Z"
    # the same minute again (cached), then a fraction-less and a space-separated form
    assert convert("2021-09-22T00:00:30.5") == "2021-09-21T20:30:30.5Z"
    assert convert("2021-09-22 00:00:31") == "2021-09-21T20:30:31Z"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-11-14T12:00:00.000000Z", "2025-11-14T12:00:00.000000Z"),
        ("2025-11-14T12:00:00+03:30", "2025-11-14T08:30:00.000000Z"),
        ("2025-11-14", "2025-11-13T20:30:00.000000Z"),
        ("not a time", None),
    ],
)
def test_other_forms(text: str, utc: str | None) -> None:
    convert = ToUtc(ht.tehran)
    convert("2025-11-14T12:00:00.000000")  # a cached minute must not capture an offset form
    assert convert(text) == utc


def test_utc_zone_keeps_naive_times() -> None:
    assert utc_of("2025-01-02T09:30:00", timezone.utc) == "2025-01-02T09:30:00Z"
    assert utc_of(None, timezone.utc) is None


# ----------------------------------------------------------------------------- kind and seq


def test_every_channel_of_every_record_has_a_kind_of_the_vocabulary() -> None:
    table = vocabulary.kind_table()
    for record in providers.records():
        assert set(table[record.name]) == set(record.info.channels)
        assert set(table[record.name].values()) <= set(market.KINDS)


def test_stamped_gives_a_line_its_channels_kind_and_leaves_the_rest() -> None:
    got: list = []
    emit = vocabulary.stamped(got.append)
    name = next(r.name for r in providers.records() if r.name not in ("tse", "ime", "datafye", "moex"))
    record = providers.find(name)
    assert record is not None
    channel = record.channels[0]
    emit(DataEvent(name, channel.name, "X", None, "R", {}))
    emit(DataEvent(name, channel.name, "X", None, "R", {}, "trade", 7))  # a codec's own stamp wins
    emit(ControlEvent(name, "connected", "R"))
    assert [getattr(e, "kind", None) for e in got] == [channel.kind, "trade", None]
    assert got[1].seq == 7


def test_kind_and_seq_go_between_recv_and_data_and_survive_the_round_trip() -> None:
    event = DataEvent("moex", "orderbooks", "MXSE.TQBR.SBER", None, "R", {"bids": [], "asks": []}, "book", 42)
    line = encode_line(event)
    assert list(orjson.loads(line)) == ["provider", "channel", "symbol", "ts", "recv", "kind", "seq", "data"]
    assert decode_line(line) == event


# ----------------------------------------------------------------------------- --normalize

TSE_BOOK = {
    "1": {"buy_price": 100, "buy_quantity": 5, "buy_order_count": 2, "sell_price": 101, "sell_quantity": 7},
    "2": {"buy_price": 0, "buy_quantity": 0, "sell_price": 102, "sell_quantity": 1, "sell_order_count": 1},
}


def line(provider: str, channel: str, data: object, ts: str | None = None, **extra: object) -> bytes:
    obj = {"provider": provider, "channel": channel, "symbol": "S", "ts": ts, "recv": "2025-11-14T08:30:00.000001Z"}
    return orjson.dumps({**obj, **extra, "data": data})


@pytest.mark.parametrize(
    ("provider", "channel", "data", "normal"),
    [
        ("tse", "best-limit", TSE_BOOK, {"bids": [[100, 5, 2]], "asks": [[101, 7], [102, 1, 1]]}),
        (
            "tse",
            "order-book",
            {"Buy": [{"price": 9, "quantity": 3, "count": 1}], "Sell": []},
            {"bids": [[9, 3, 1]], "asks": []},
        ),
        (
            "datafye",
            "quotes",
            {"symbol": "S", "bidPrice": 1.5, "bidSize": 3, "askPrice": 1.6, "askSize": 4, "bidExchangeID": 9},
            {"bid": 1.5, "bid_size": 3, "ask": 1.6, "ask_size": 4},
        ),
        (
            "datafye",
            "trades",
            {"symbol": "S", "tradePrice": 2.5, "tradeSize": 10, "tradeID": "77"},
            {"price": 2.5, "size": 10, "side": None, "id": "77"},
        ),
        (
            "datafye",
            "aggregates",
            {"symbol": "S", "datetime": 1763109000000, "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 9},
            {
                "timestamp": "2025-11-14T08:30:00.000000Z",
                "open": 1,
                "high": 2,
                "low": 0.5,
                "close": 1.5,
                "volume": 9,
                "closed": None,
            },
        ),
        (
            "moex",
            "orderbooks",
            {"bids": [[306.1, 10]], "asks": [[306.2, 5]]},
            {"bids": [[306.1, 10]], "asks": [[306.2, 5]]},
        ),
        (
            "moex",
            "securities",
            {"TICKER": "S", "LAST": 306.13, "BID": 306.1},
            {"TICKER": "S", "LAST": 306.13, "BID": 306.1},
        ),
        ("tse", "contract-info", {"a": {"b": 1}}, {"a.b": 1}),
    ],
)
def test_normalized_lines_have_the_common_shape_of_their_kind(provider, channel, data, normal) -> None:
    out = orjson.loads(vocabulary.normalize_line(line(provider, channel, data)))
    record = providers.find(provider)
    assert record is not None
    assert out["kind"] == record.kinds[channel]
    assert out["data"] == normal
    if out["kind"] in ("book", "trade", "candle", "quote"):
        assert list(out["data"]) == list(vocabulary.EMPTY[out["kind"]])


def test_a_tehran_recording_made_before_ts_was_utc_is_converted_when_normalized() -> None:
    bar = {"open": 1, "high": 2, "low": 1, "close": 2, "volume": 5}
    out = orjson.loads(vocabulary.normalize_line(line("tse", "ohlcv-last-1m", bar, "2021-07-01T12:00:59.5")))
    assert out["ts"] == "2021-07-01T07:30:59.5Z"
    assert out["data"]["timestamp"] == "2021-07-01T07:30:00.000000Z"


def test_unreadable_data_is_its_kinds_empty_object_and_other_lines_pass_byte_for_byte() -> None:
    out = orjson.loads(vocabulary.normalize_line(line("tse", "best-limit", "garbage")))
    assert out["data"] == {"bids": [], "asks": []}
    for raw in (
        b'{"provider":"tse","event":"connected","recv":"2025-11-14T08:30:00.000001Z"}',
        line("moex", "search", {"ticker": "X"}),  # no record declares it
        line("nobody", "x", {"a": 1}),
        b"not json",
    ):
        assert vocabulary.normalize_line(raw) is raw


def test_seq_is_kept_when_normalized() -> None:
    out = orjson.loads(vocabulary.normalize_line(line("moex", "orderbooks", {"bids": [], "asks": []}, seq=9)))
    assert out["seq"] == 9


def test_the_readme_table_of_kinds_is_the_records() -> None:
    """README's "Where each line's kind, seq and ts come from" says what the channel tables say."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("**Where each line's kind, seq and ts come from:**", 1)[1].split("\n\n", 2)[1]
    said: dict[tuple[str, str], str] = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        provider = cells[0].strip("`")
        if provider == "crypto":
            continue
        for channel in re.findall(r"`([^`]+)`", cells[1]):
            said[(provider, channel)] = cells[2]
        record = providers.find(provider)
        assert record is not None
        assert cells[3].startswith("none") or "seqnum" in cells[3]
    declared = {
        (name, c.name): c.kind
        for name in ("tse", "ime", "datafye", "moex")
        for c in providers.find(name).channels  # type: ignore[union-attr]
    }
    assert said == declared


def test_the_tzdata_package_alone_converts_tehran_2021_summer_and_winter() -> None:
    """Where the system has no zone database (Windows, slim containers), the `tzdata` dependency's does."""
    from importlib import resources
    from zoneinfo import ZoneInfo

    with resources.files("tzdata.zoneinfo.Asia").joinpath("Tehran").open("rb") as f:
        zone = ZoneInfo.from_file(f, key="Asia/Tehran")
    assert utc_of("2021-07-01T12:00:00.000000", zone) == "2021-07-01T07:30:00.000000Z"
    assert utc_of("2021-12-01T12:00:00.000000", zone) == "2021-12-01T08:30:00.000000Z"
