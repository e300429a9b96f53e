"""The Redis Streams sink and reader against a real, private redis-server (no mocks).

Checks go through a separate synchronous redis-py client or redis-cli, not through the
sink's own reader, except where the reader itself is under test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis

from feedcli.errors import AuthError, FeedError
from feedcli.events import DataEvent, Event
from feedcli.sinks.delivery import HIGH_WATER, BrokerSink, SinkUnavailable
from feedcli.sinks.redis import RedisRouter, RedisTransport
from feedcli.sinks.remote import SinkTee, open_chunks, open_sinks, open_source, parse_sinks
from feedcli.sinks.urls import RedisSinkSpec
from tests.support.servers import RedisServer, TlsRedisServer
from tests.support.sinks import Keep, arun, control, data, feed, line, numbers

pytestmark = pytest.mark.timeout(120)


def sink_for(url: str, **options: Any) -> BrokerSink:
    return open_sinks(parse_sinks([url]), **options)[0]


def client(server: Any, db: int = 0) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=server.port, db=db, password=server.password)


def stream_lines(server: Any, key: str, db: int = 0) -> list[bytes]:
    with client(server, db) as r:
        return [fields[b"line"] for _id, fields in r.xrange(key)]


def test_every_line_byte_for_byte_per_key_and_control_lines_to_the_events_key(redis_server: RedisServer) -> None:
    events = [control("connected", url="ws://x")] + [data(i) for i in range(30)] + [control("gap", missed=3)]

    async def main() -> BrokerSink:
        return await sent(redis_server.url(), events)

    sink = arun(main())
    assert sink.pending() == 0 and sink.delivered == 32
    for symbol, safe in (("MXSE.TQBR.SBER", "MXSE_TQBR_SBER"), ("IRO1FOLD0001", "IRO1FOLD0001")):
        want = [line(e) for e in events if isinstance(e, DataEvent) and e.symbol == symbol]
        assert stream_lines(redis_server, f"feedcli:moex:orderbooks:{safe}") == want
    assert stream_lines(redis_server, "feedcli:moex:events") == [line(events[0]), line(events[-1])]
    # each entry has exactly one field, `line`
    with client(redis_server) as r:
        (_id, fields), *_ = r.xrange("feedcli:moex:events")
        assert list(fields) == [b"line"]


def test_auth_db_maxlen_and_a_template_from_the_url(redis_with_password: RedisServer) -> None:
    server = redis_with_password

    async def main() -> None:
        sink = sink_for(server.url("/5", "key=md:{symbol}&maxlen=100", auth=":s3cret@"))
        await sink.start()
        await feed(sink, [data(i, "BTC-USDT", pad=50) for i in range(3000)])
        await sink.aclose()

    arun(main())
    with client(server, 5) as r:
        length = r.xlen("md:BTC-USDT")
        last = r.xrevrange("md:BTC-USDT", count=1)[0][1][b"line"]
    assert 100 <= length < 3000  # MAXLEN ~: trimmed, approximately (whole macro nodes)
    assert numbers([last]) == [2999]
    with client(server, 0) as r:
        assert r.dbsize() == 0  # nothing in the default database


def test_wrong_credentials_are_an_auth_error_at_start(redis_with_password: RedisServer) -> None:
    async def main(url: str) -> None:
        sink = sink_for(url)
        await sink.start()

    with pytest.raises(AuthError, match="refused the credentials") as caught:
        arun(main(redis_with_password.url(auth=":wrong@")))
    assert caught.value.exit_code == 3 and "wrong" not in str(caught.value)
    with pytest.raises(AuthError):
        arun(main(redis_with_password.url()))  # no password at all: NOAUTH


async def sent(url: str, events: list[Event]) -> BrokerSink:
    """Send `events` through a Redis sink and wait until the server has every one; the sink, closed."""
    sink = sink_for(url)
    await sink.start()
    await feed(sink, events)
    await sink.aclose()
    return sink


async def read_all(url: str) -> list[bytes]:
    """Every line a reader of `url` (without --follow) is given, in order."""
    return [x async for chunk in open_chunks(url) for x in chunk]


def _announce(sink: BrokerSink) -> Keep:
    keep = Keep()

    def both(event: Any) -> None:
        keep.emit(event)
        sink.emit(event)

    sink.announce = both
    return keep


def test_a_server_stopped_mid_stream_and_restarted_loses_nothing(redis_server: RedisServer) -> None:
    total = 8000  # about 8 MiB: more than the queue's bound, so the receiver must wait
    notes: list[str] = []

    async def main() -> tuple[BrokerSink, Keep, list[float]]:
        sink = sink_for(redis_server.url(), note=notes.append)
        keep = _announce(sink)
        await sink.start()
        held: list[float] = []
        producer = asyncio.create_task(feed(sink, [data(i, pad=1000) for i in range(total)], held=held))
        while sink.delivered < 500:
            await asyncio.sleep(0.005)
        await asyncio.to_thread(redis_server.stop)
        while not keep.named("sink-down"):
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)  # down for a while: the receiver is held back, memory stays bounded
        assert not producer.done()
        assert sink._bytes <= HIGH_WATER + 4096  # one line past the mark, and the sink-down line itself
        redis_server.start()  # from this thread: the server dies with the thread that started it (pdeathsig)
        await producer
        await sink.aclose()
        return sink, keep, held

    sink, keep, held = arun(main())
    assert sink.pending() == 0
    assert len(keep.named("sink-down")) == 1 and len(keep.named("sink-up")) == 1
    assert keep.named("sink-down")[0].fields["sink"] == f"redis://127.0.0.1:{redis_server.port}/0"
    assert max(held) >= 0.9  # the receiver really waited while the server was down
    got: list[bytes] = []
    for key in ("feedcli:moex:orderbooks:MXSE_TQBR_SBER", "feedcli:moex:orderbooks:IRO1FOLD0001"):
        got += stream_lines(redis_server, key)
    got += stream_lines(redis_server, "feedcli:moex:orderbooks:BTC-USDT")
    seen = numbers(got)
    assert set(seen) == set(range(total))  # nothing lost; a few may come twice (at-least-once) ...
    assert len(set(got)) == total  # ... byte-identical
    events = [e.event for e in keep.events]
    assert events == ["sink-down", "sink-up"]
    # the outage is in the sink's own stream too, in order
    marks = [numbers([x]) for x in stream_lines(redis_server, "feedcli:moex:events")]
    assert len(marks) == 2
    assert any("is down" in n for n in notes) and any("up again" in n for n in notes)


def test_a_full_redis_holds_the_stream_back_until_there_is_room(full_redis: RedisServer) -> None:
    server = full_redis
    total = 6000
    notes: list[str] = []

    async def main() -> tuple[BrokerSink, Keep]:
        sink = sink_for(server.url(), note=notes.append)
        keep = _announce(sink)
        await sink.start()
        producer = asyncio.create_task(feed(sink, [data(i, pad=1000) for i in range(total)]))
        while not keep.named("sink-down"):
            await asyncio.sleep(0.01)
        assert "Redis is full" in keep.named("sink-down")[0].fields["reason"]
        await asyncio.sleep(0.5)
        assert not producer.done() and sink.pending() > 0
        await asyncio.to_thread(server.cli, "CONFIG", "SET", "maxmemory", "0")
        await producer
        await sink.aclose()
        return sink, keep

    _sink, keep = arun(main())
    with client(server) as r:
        got = []
        for key in r.scan_iter("feedcli:moex:orderbooks:*"):
            got += [f[b"line"] for _i, f in r.xrange(key)]
    assert set(numbers(got)) == set(range(total))
    assert [e.event for e in keep.events] == ["sink-down", "sink-up"]
    assert any("Redis is full" in n and "maxmemory" in n for n in notes)


def test_pressure_bounds_the_queue_while_the_server_is_down(redis_server: RedisServer) -> None:
    async def main() -> None:
        sink = sink_for(redis_server.url(), note=lambda _m: None)
        await sink.start()
        await asyncio.to_thread(redis_server.stop)
        waiter = None
        count = 0
        while waiter is None:
            sink.emit(data(count, pad=500))
            count += 1
            waiter = sink.pressure()
        assert HIGH_WATER / 800 < count < HIGH_WATER / 600  # about HIGH_WATER bytes (lines of ~700), then held
        await asyncio.sleep(0.5)
        assert not waiter.done()
        redis_server.start()  # from this thread: the server dies with the thread that started it (pdeathsig)
        await asyncio.wait_for(waiter, 30)
        await sink.aclose()
        assert sink.pending() == 0 and sink.delivered >= count

    arun(main())


def test_the_hold_is_released_once_the_lines_are_delivered(redis_server: RedisServer) -> None:
    """Each line counts its size plus a fixed overhead when queued and the same when confirmed:
    a count that did not come back to zero would keep a stream of small lines held back for good."""

    async def main() -> None:
        sink = sink_for(redis_server.url(), note=lambda _m: None)
        await sink.start()
        waiter = None
        count = 0
        while waiter is None:  # no await: nothing is sent until the queue is at its high-water mark
            sink.emit(data(count))
            count += 1
            waiter = sink.pressure()
        await asyncio.wait_for(waiter, 20)
        while sink.pending():
            await asyncio.sleep(0.01)
        assert sink.pressure() is None
        await sink.aclose()
        assert sink.delivered == count

    arun(main())


def test_abandon_gives_up_what_is_left_and_says_how_much(redis_server: RedisServer) -> None:
    async def main() -> None:
        sink = sink_for(redis_server.url(), note=lambda _m: None)
        await sink.start()
        await asyncio.to_thread(redis_server.stop)
        for i in range(50):
            sink.emit(data(i))
        closing = asyncio.create_task(sink.aclose())
        await asyncio.sleep(0.3)
        assert not closing.done() and sink.pending() == 51  # and the sink's own sink-down line
        assert sink.abandon() == 51
        await asyncio.wait_for(closing, 5)

    arun(main())


def test_reading_back_merges_keys_by_recv_and_ends_at_the_start(redis_server: RedisServer) -> None:
    events = [control("connected")] + [data(i) for i in range(200)]

    async def main() -> tuple[list[bytes], list[bytes]]:
        await sent(redis_server.url(), events)
        got = [x async for x in open_source(redis_server.url("/0", "key=feedcli:moex:*"))]
        one = [x async for x in open_source(redis_server.url("/0", "key=feedcli:moex:orderbooks:BTC*"))]
        return got, one

    got, one = arun(main())
    assert got == [line(e) for e in events]  # recv order across the four keys, byte for byte
    assert numbers(one) == list(range(2, 200, 3))


def test_follow_reads_new_lines_and_new_keys(redis_server: RedisServer) -> None:
    async def main() -> list[bytes]:
        sink = sink_for(redis_server.url())
        await sink.start()
        await feed(sink, [data(0, "OLD")])
        await asyncio.sleep(0)
        source = open_source(redis_server.url("/0", "key=feedcli:*"), follow=True)
        got = [await anext(source)]
        await feed(sink, [data(1, "OLD"), data(2, "NEW")])
        got.append(await asyncio.wait_for(anext(source), 20))
        got.append(await asyncio.wait_for(anext(source), 20))
        await source.aclose()  # type: ignore[attr-defined]
        await sink.aclose()
        return got

    import feedcli.sinks.redis as module

    module.RESCAN_EVERY = 0.2
    try:
        assert sorted(numbers(arun(main()))) == [0, 1, 2]
    finally:
        module.RESCAN_EVERY = 5.0


def test_a_consumer_group_shares_the_work_and_acknowledges_a_chunk_only_once_it_is_written(
    redis_server: RedisServer,
) -> None:
    total = 1200  # 400 per key: more than one reader takes at a time (GROUP_COUNT per key)

    async def main() -> dict[str, list[bytes]]:
        await sent(redis_server.url(), [data(i) for i in range(total)])
        url = redis_server.url("/0", "key=feedcli:moex:orderbooks:*&group=desk&consumer={}")
        first = open_chunks(url.format("a"), follow=True)
        second = open_chunks(url.format("b"), follow=True)
        a1 = await asyncio.wait_for(anext(first), 20)  # reader a takes a chunk ...
        b1 = await asyncio.wait_for(anext(second), 20)  # ... reader b another, never the same entries
        a2 = await asyncio.wait_for(anext(first), 20)  # asking again says a1 is written: acknowledged
        await first.aclose()  # type: ignore[attr-defined]  # a2 and b1 were never said to be written
        await second.aclose()  # type: ignore[attr-defined]
        # a new reader of the group, without --follow: what nobody was given yet, then the end
        rest = await read_all(url.format("c"))
        # a and b again: what they were given but not acknowledged (pending under their names)
        again_a = await read_all(url.format("a"))
        again_b = await read_all(url.format("b"))
        return {"a1": a1, "a2": a2, "b1": b1, "rest": rest, "again_a": again_a, "again_b": again_b}

    parts = arun(main())
    assert parts["a1"] and parts["a2"] and parts["b1"] and parts["rest"]
    assert parts["again_a"] == parts["a2"] and parts["again_b"] == parts["b1"]  # at least once
    seen = [n for name in ("a1", "a2", "b1", "rest") for n in numbers(parts[name])]
    assert sorted(seen) == list(range(total))  # each entry exactly once across the group's readers


def test_a_reader_with_claim_takes_over_what_a_reader_that_died_left_unacknowledged(
    redis_server: RedisServer,
) -> None:
    total = 600

    async def main() -> dict[str, list[bytes]]:
        await sent(redis_server.url(), [data(i) for i in range(total)])
        url = redis_server.url("/0", "key=feedcli:moex:orderbooks:*&group=desk&consumer={}")
        dead = open_chunks(url.format("dead"), follow=True)
        lost = await asyncio.wait_for(anext(dead), 20)  # given to "dead", never said to be written
        await dead.aclose()  # type: ignore[attr-defined]
        without = await read_all(url.format("b"))  # without claim=: what nobody was given
        with_claim = await read_all(url.format("c") + "&claim=0")  # with it: what "dead" left, too
        return {"lost": lost, "without": without, "with_claim": with_claim}

    parts = arun(main())
    assert parts["lost"] and parts["without"]
    assert sorted(parts["with_claim"]) == sorted(parts["lost"])  # taken over, all of it
    assert sorted(numbers(parts["without"]) + numbers(parts["with_claim"])) == list(range(total))


def test_a_replay_tee_sends_raw_lines_byte_for_byte(redis_server: RedisServer) -> None:
    raw = [
        b'{"provider":"tse","channel":"best-limit","symbol":"X.Y","ts":null,"recv":"2025-11-14T08:30:00.000001Z",'
        b'"data":{"a":1.50}}',
        b'{"provider":"tse","event":"connected","recv":"2025-11-14T08:30:00.000002Z"}',
    ]

    class Out:
        def __init__(self) -> None:
            self.lines: list[bytes] = []

        async def start(self) -> None: ...

        async def send(self, lines: list[bytes]) -> None:
            self.lines += lines

        async def aclose(self) -> None: ...

    async def main() -> Out:
        out = Out()
        tee = SinkTee(out, [sink_for(redis_server.url())])
        await tee.start()
        await tee.send(raw)
        await tee.aclose()
        return out

    out = arun(main())
    assert out.lines == raw
    assert stream_lines(redis_server, "feedcli:tse:best-limit:X_Y") == [raw[0]]  # 1.50 stays 1.50
    assert stream_lines(redis_server, "feedcli:tse:events") == [raw[1]]


def test_rediss_verifies_the_server_certificate(tls_redis: TlsRedisServer) -> None:
    async def main(url: str) -> BrokerSink:
        sink = sink_for(url)
        await sink.start()
        await feed(sink, [data(i) for i in range(10)])
        await sink.aclose()
        return sink

    with pytest.raises(FeedError, match="certificate is not trusted") as caught:
        arun(main(tls_redis.url()))  # the test's CA is not among the system's: refused, not retried
    assert caught.value.exit_code == 1
    sink = arun(main(tls_redis.url("/0", f"ca={tls_redis.ca}")))
    assert sink.delivered == 10
    with redis.Redis(host="127.0.0.1", port=tls_redis.port, ssl=True, ssl_ca_certs=str(tls_redis.ca)) as r:
        assert r.xlen("feedcli:moex:orderbooks:BTC-USDT") == 3


class SwallowsCancellation(RedisTransport):
    """redis-py as measured: a cancellation landing while it reads can come out as its own
    TimeoutError ("Timeout reading from ..."; 1 in ~300 cancelled PINGs to a silent server),
    which the transport classifies as SinkUnavailable. Here it happens every time."""

    def __init__(self, spec: RedisSinkSpec, *, refuse_first: bool = False) -> None:
        super().__init__(spec)
        self.refuse = refuse_first
        self.connecting = asyncio.Event()

    async def connect(self) -> None:
        if self.refuse:  # down at start, so that the sender is the one connecting
            self.refuse = False
            raise SinkUnavailable("connection refused")
        self.connecting.set()
        try:
            await asyncio.sleep(60)  # a server that never answers
        except asyncio.CancelledError:
            raise SinkUnavailable("Timeout reading from 127.0.0.1") from None


def swallowing_sink(*, refuse_first: bool = False) -> tuple[BrokerSink, SwallowsCancellation]:
    spec = parse_sinks(["redis://127.0.0.1:9"])[0]
    assert isinstance(spec, RedisSinkSpec)
    transport = SwallowsCancellation(spec, refuse_first=refuse_first)
    return BrokerSink(transport, RedisRouter(spec), note=lambda _m: None), transport


def test_a_start_cancelled_inside_the_library_is_cancelled_not_a_sink_that_is_down() -> None:
    async def main() -> str:
        sink, transport = swallowing_sink()
        task = asyncio.ensure_future(sink.start())
        await transport.connecting.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        return "started, the sink down"  # the Ctrl-C that ended the start is lost

    assert arun(main(), timeout=10) == "cancelled"


def test_abandoning_a_sink_whose_library_swallows_the_cancellation_still_ends_it() -> None:
    """A second Ctrl-C abandons what a sink holds; a sender stuck reconnecting must stop."""

    async def main() -> int:
        sink, transport = swallowing_sink(refuse_first=True)
        await sink.start()  # down: the sender retries
        sink.emit(data(1))
        await transport.connecting.wait()  # the sender is in connect(), waiting on the silent server
        held = sink.pending()
        assert sink.abandon() == held >= 1  # the line (and the sink-down line)
        await asyncio.wait_for(sink.aclose(), 5)  # returns: the sender ended
        return sink.pending()

    assert arun(main(), timeout=10) == 0
