"""The NATS sink (core and JetStream) and reader against a real, private nats-server (no mocks).

Checks read through a separate nats-py connection (a plain subscription, JetStream's own
stream API), not through the sink's reader, except where the reader itself is under test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest
from nats.js.api import DiscardPolicy, StreamConfig

from feedcli.errors import AuthError
from feedcli.events import DataEvent
from feedcli.sinks.delivery import BrokerSink
from feedcli.sinks.remote import open_sinks, open_source, parse_sinks
from tests.support.servers import NatsServer
from tests.support.sinks import Keep, arun, control, data, drained, feed, line, numbers

pytestmark = pytest.mark.timeout(120)


def sink_for(url: str, **options: Any) -> BrokerSink:
    return open_sinks(parse_sinks([url]), **options)[0]


async def stored(server: NatsServer, stream: str, subject: str = ">") -> list[tuple[str, bytes]]:
    """(subject, payload) of every message a stream holds, read with JetStream's own consumer."""
    nc = await nats.connect(f"nats://127.0.0.1:{server.port}")
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stream, seq)
            if subject == ">" or msg.subject == subject:
                out.append((msg.subject, msg.data or b""))
        return out
    finally:
        await nc.close()


def test_core_publish_per_subject_byte_for_byte(nats_server: NatsServer) -> None:
    events = [control("connected")] + [data(i) for i in range(20)]

    async def main() -> list[tuple[str, bytes]]:
        nc = await nats.connect(f"nats://127.0.0.1:{nats_server.port}")
        got: list[tuple[str, bytes]] = []

        async def keep(msg: Any) -> None:
            got.append((msg.subject, msg.data))

        await nc.subscribe("feedcli.>", cb=keep)
        await nc.flush()
        sink = sink_for(nats_server.url())
        await sink.start()
        await feed(sink, events)
        await sink.aclose()
        for _ in range(200):
            if len(got) == len(events):
                break
            await asyncio.sleep(0.01)
        await nc.close()
        return got

    got = arun(main())
    subjects = [
        f"feedcli.moex.orderbooks.{e.symbol.replace('.', '_')}" if isinstance(e, DataEvent) else "feedcli.moex.events"
        for e in events
    ]
    want = [(subject, line(e)) for subject, e in zip(subjects, events, strict=True)]
    assert got == want


def test_jetstream_creates_the_stream_and_acknowledges_every_line(nats_server: NatsServer) -> None:
    events = [data(i) for i in range(2500)] + [control("disconnected", reason="x")]

    async def main() -> tuple[BrokerSink, list[tuple[str, bytes]], Any]:
        sink = sink_for(nats_server.url("subject=md.{kind}.{symbol}&stream=MD"))
        await sink.start()
        await feed(sink, events)
        await sink.aclose()
        nc = await nats.connect(f"nats://127.0.0.1:{nats_server.port}")
        info = await nc.jetstream().stream_info("MD")
        await nc.close()
        return sink, await stored(nats_server, "MD"), info

    sink, got, info = arun(main())
    assert info.config.subjects == ["md.>"]
    assert sink.delivered == len(events) and sink.pending() == 0
    assert [payload for _s, payload in got] == [line(e) for e in events]
    assert got[0][0] == "md.unknown.MXSE_TQBR_SBER"  # no kind on the line yet: the documented value
    assert got[-1][0] == "md.moex.events"


def test_a_jetstream_that_rejects_holds_the_stream_back_and_loses_nothing(nats_server: NatsServer) -> None:
    total = 300
    notes: list[str] = []

    async def main() -> tuple[BrokerSink, Keep]:
        nc = await nats.connect(f"nats://127.0.0.1:{nats_server.port}")
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="FEED", subjects=["feedcli.>"], max_msgs=100, discard=DiscardPolicy.NEW))
        sink = sink_for(nats_server.url("stream=FEED"), note=notes.append)
        keep = Keep()
        sink.announce = keep.emit
        await sink.start()
        producer = asyncio.create_task(feed(sink, [data(i) for i in range(total)]))
        while not keep.named("sink-down"):
            await asyncio.sleep(0.01)
        reason = keep.named("sink-down")[0].fields["reason"]
        assert "FEED" in reason and "maximum messages exceeded" in reason
        assert sink.delivered == 100 and sink.pending() == total - 100
        # a consumer takes the first 100 away (here: the operator raises the limit)
        unlimited = StreamConfig(name="FEED", subjects=["feedcli.>"], max_msgs=-1, discard=DiscardPolicy.NEW)
        await js.update_stream(unlimited)
        await producer
        await sink.aclose()
        await nc.close()
        return sink, keep

    _sink, keep = arun(main())
    got = arun(stored(nats_server, "FEED"))
    assert numbers([p for _s, p in got]) == list(range(total))  # every line, once, in order
    assert [e.event for e in keep.events] == ["sink-down", "sink-up"]
    assert any("took no more" in n for n in notes)


def test_a_server_stopped_mid_stream_and_restarted_loses_nothing(nats_server: NatsServer) -> None:
    total = 8000

    async def main() -> tuple[BrokerSink, Keep]:
        sink = sink_for(nats_server.url("stream=FEED"), note=lambda _m: None)
        keep = Keep()
        sink.announce = keep.emit
        await sink.start()
        producer = asyncio.create_task(feed(sink, [data(i, pad=1000) for i in range(total)]))
        while sink.delivered < 1000:
            await asyncio.sleep(0.005)
        await asyncio.to_thread(nats_server.stop)
        while not keep.named("sink-down"):
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        assert not producer.done()
        nats_server.start()  # from this thread: the server dies with the thread that started it
        await producer
        await sink.aclose()
        return sink, keep

    _sink, keep = arun(main())
    got = [p for _s, p in arun(stored(nats_server, "FEED"))]
    assert set(numbers(got)) == set(range(total))  # nothing lost; at-least-once, byte-identical
    assert len(set(got)) == total
    assert [e.event for e in keep.events] == ["sink-down", "sink-up"]


def test_wrong_credentials_are_an_auth_error_at_start(nats_with_users: NatsServer) -> None:
    async def main(url: str) -> None:
        sink = sink_for(url)
        await sink.start()
        await sink.aclose()

    arun(main(nats_with_users.url(auth="feed:right@")))
    with pytest.raises(AuthError, match="refused the credentials") as caught:
        arun(main(nats_with_users.url(auth="feed:wrong@")))
    assert "wrong" not in str(caught.value) and caught.value.exit_code == 3


def test_reading_a_stream_back_ends_at_the_start_or_follows(nats_server: NatsServer) -> None:
    async def main() -> tuple[list[bytes], list[bytes], list[bytes]]:
        sink = sink_for(nats_server.url("stream=FEED"))
        await sink.start()
        await feed(sink, [data(i) for i in range(1200)])
        await drained(sink)
        everything = [x async for x in open_source(nats_server.url("subject=feedcli.>&stream=FEED"))]
        one = [x async for x in open_source(nats_server.url("subject=feedcli.*.*.BTC-USDT&stream=FEED"))]
        follow = open_source(nats_server.url("subject=feedcli.>&stream=FEED"), follow=True)
        followed = [await anext(follow) for _ in range(1200)]
        await feed(sink, [data(1200)])
        followed.append(await asyncio.wait_for(anext(follow), 20))
        await follow.aclose()  # type: ignore[attr-defined]
        await sink.aclose()
        return everything, one, followed

    everything, one, followed = arun(main())
    assert numbers(everything) == list(range(1200))
    assert numbers(one) == list(range(2, 1200, 3))
    assert numbers(followed) == list(range(1201))
