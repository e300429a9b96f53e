"""Sink and source URLs and their templates: everything wrong is exit 2 before anything connects."""

from __future__ import annotations

import pytest

from feedcli.errors import UsageError
from feedcli.sinks.remote import parse_sinks
from feedcli.sinks.urls import (
    NatsSinkSpec,
    RedisSinkSpec,
    RedisSourceSpec,
    Template,
    is_sink_url,
    parse_sink,
    parse_source,
    safe,
)


def test_redis_defaults_follow_the_contract() -> None:
    spec = parse_sink("redis://127.0.0.1:6390")
    assert isinstance(spec, RedisSinkSpec)
    assert (spec.endpoint.host, spec.endpoint.port, spec.db, spec.maxlen) == ("127.0.0.1", 6390, 0, None)
    assert spec.key.text == "feedcli:{provider}:{channel}:{symbol}"
    assert spec.key.render("moex", "orderbooks", "MXSE.TQBR.SBER", None) == "feedcli:moex:orderbooks:MXSE_TQBR_SBER"
    assert spec.key.render("ime", "IME Stream", "12 34", None) == "feedcli:ime:IME_Stream:12_34"


def test_redis_auth_db_maxlen_and_a_custom_template() -> None:
    spec = parse_sink("rediss://alice:p%40ss@cache.example:6380/3?key=md:{kind}:{symbol}&maxlen=100000")
    assert isinstance(spec, RedisSinkSpec)
    assert spec.endpoint.tls and spec.endpoint.username == "alice" and spec.endpoint.password == "p@ss"
    assert (spec.db, spec.maxlen) == (3, 100000)
    assert spec.key.render("binance", "trades", "BTC-USDT", "trade") == "md:trade:BTC-USDT"
    # a line without kind (control lines, lines from before kinds) has the documented value
    assert spec.key.render("binance", "trades", "BTC-USDT", None) == "md:unknown:BTC-USDT"
    assert "p@ss" not in spec.name and "***" in spec.name


def test_nats_defaults_prefix_and_events_subject() -> None:
    spec = parse_sink("nats://127.0.0.1:4333?stream=FEED")
    assert isinstance(spec, NatsSinkSpec)
    assert spec.subject.render("tse", "best-limit", "IRO1FOLD0001", None) == "feedcli.tse.best-limit.IRO1FOLD0001"
    assert spec.stream_subjects == ["feedcli.>"]
    assert spec.events_subject("tse") == "feedcli.tse.events"
    custom = parse_sink("nats://h:1?subject=md.x.{provider}.{symbol}&stream=MD")
    assert isinstance(custom, NatsSinkSpec)
    assert custom.stream_subjects == ["md.x.>"] and custom.events_subject("okx") == "md.x.okx.events"
    fixed = parse_sink("nats://h:1?subject=md.all&stream=MD")
    assert isinstance(fixed, NatsSinkSpec) and fixed.stream_subjects == ["md.>"]
    core = parse_sink("nats://h:1?subject={provider}.{symbol}")
    assert isinstance(core, NatsSinkSpec) and core.events_subject("tse") == "feedcli.tse.events"


def test_safe_replaces_every_other_character_with_an_underscore() -> None:
    assert safe("MXSE.TQBR.SBER") == "MXSE_TQBR_SBER"
    assert safe("a*b>c d:e/f") == "a_b_c_d_e_f"
    assert safe("BTC-USDT_1") == "BTC-USDT_1"
    assert safe("سهم") == "___"
    assert safe("") == "_"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("kafka://broker:9092", "unknown scheme"),
        ("redis:/nohost", "not a URL"),
        ("127.0.0.1:6379", "not a URL"),
        ("redis://:6379", "no host"),
        ("redis://h:notaport", "malformed"),
        ("redis://h:6379/x", "database number"),
        ("redis://h:6379?key={venue}", "unknown field {venue}"),
        ("redis://h:6379?key={symbol:>10}", "without a format"),
        ("redis://h:6379?key={symbol", "malformed"),
        ("redis://h:6379?key={}", "unknown field {}"),
        ("redis://h:6379?maxlen=0", "maxlen="),
        ("redis://h:6379?maxlen=ten", "maxlen="),
        ("redis://h:6379?keys=x", "unknown parameter keys="),
        ("redis://h:6379?key=a&key=b", "twice"),
        ("redis://h:6379?ca=/tmp/ca.pem", "rediss"),
        ("nats://h:4222?subject=a..{symbol}", "NATS subject"),
        ("nats://h:4222?subject=a.*.{symbol}", "NATS subject"),
        ("nats://h:4222?subject=a b.{symbol}", "NATS subject"),
        ("nats://h:4222?subject={provider}.{symbol}&stream=S", "fixed token"),
        ("nats://h:4222?stream=a.b", "stream="),
        ("nats://h:4222/path", "no path"),
        ("nats://h:4222?subject=x.{kind}.{nope}", "unknown field {nope}"),
    ],
)
def test_bad_sink_urls_are_usage_errors(url: str, words: str) -> None:
    with pytest.raises(UsageError, match=words.replace("{", r"\{").replace("}", r"\}").replace("*", r"\*")):
        parse_sink(url)


def test_a_password_is_never_in_an_error_message() -> None:
    with pytest.raises(UsageError) as caught:
        parse_sink("redis://bob:hunter2@h:6379?bogus=1")
    assert "hunter2" not in str(caught.value)


def test_the_same_sink_twice_is_refused() -> None:
    with pytest.raises(UsageError, match="twice"):
        parse_sinks(["redis://h:6379", "redis://h:6379"])


def test_templates_check_fields_once() -> None:
    template = Template("{provider}/{channel}/{symbol}/{kind}", what="key")
    assert template.fields == {"provider", "channel", "symbol", "kind"}
    assert template.render("a", "b", "c", "d") == "a/b/c/d"


def test_source_urls() -> None:
    spec = parse_source("redis://h:6379/2?key=feedcli:tse:*&group=desk&consumer=one")
    assert isinstance(spec, RedisSourceSpec)
    assert (spec.db, spec.pattern, spec.group, spec.consumer) == (2, "feedcli:tse:*", "desk", "one")
    with pytest.raises(UsageError, match="key=PATTERN"):
        parse_source("redis://h:6379")
    with pytest.raises(UsageError, match="needs group="):
        parse_source("redis://h:6379?key=x&consumer=one")
    assert parse_source("redis://h?key=x&group=g&claim=1.5").claim == 1.5  # type: ignore[union-attr]
    assert parse_source("redis://h?key=x&group=g").claim is None  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="claim= needs group="):
        parse_source("redis://h?key=x&claim=60")
    for bad in ("-1", "soon", "nan", ""):
        with pytest.raises(UsageError, match="claim= must be"):
            parse_source(f"redis://h?key=x&group=g&claim={bad}")
    with pytest.raises(UsageError, match="stream=NAME"):
        parse_source("nats://h:4222?subject=feedcli.>")
    assert parse_source("nats://h:4222?subject=feedcli.>", follow=True).stream is None  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="subject pattern"):
        parse_source("nats://h:4222?subject=a.>.b&stream=S")
    assert is_sink_url("redis://x") and is_sink_url("nats://x") and not is_sink_url("day.ndjson")
