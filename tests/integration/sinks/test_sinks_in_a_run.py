"""A live run into Redis and NATS at once: the Datafye simulator's real frames, through the
session engine and the pipeline (feedcli.pipeline.run), into both sinks and a consumer
that keeps the events. What each server holds must be exactly what stdout would print."""

from __future__ import annotations

from typing import Any

import nats
import redis

from feedcli.events import encode_line
from feedcli.pipeline import run as run_pipeline
from feedcli.providers import datafye
from feedcli.session import SessionOptions
from feedcli.simulators.datafye import DatafyeSimulator
from feedcli.sinks.remote import announce_to, open_sinks, parse_sinks, pending_lines
from tests.support.servers import NatsServer, RedisServer
from tests.support.sinks import Keep, arun


def test_a_live_run_reaches_both_sinks_byte_for_byte(redis_server: RedisServer, nats_server: NatsServer) -> None:
    async def main() -> tuple[Keep, list[bytes]]:
        sim = DatafyeSimulator(rate=200)
        base = await sim.start()
        try:
            make = datafye.prepare({"symbol": ["AAPL", "MSFT"], "channel": ["quotes", "trades"]})
            factories = [lambda i=i: make(base, None)[i] for i in range(2)]
            keep = Keep()
            sinks = open_sinks(parse_sinks([redis_server.url(), nats_server.url("stream=FEED")]))
            consumers: list[Any] = [keep, *sinks]
            announce_to(sinks, consumers)
            for sink in sinks:
                await sink.start()
            await run_pipeline(
                factories, consumers, options=SessionOptions(trust_env=False), limit=300, note=lambda _m: None
            )
            assert pending_lines(consumers) == 0  # the run ended only after the sinks took everything
        finally:
            await sim.stop()
        nc = await nats.connect(f"nats://127.0.0.1:{nats_server.port}")
        js = nc.jetstream()
        info = await js.stream_info("FEED")
        in_nats = [(await js.get_msg("FEED", s)).data or b"" for s in range(1, info.state.last_seq + 1)]
        await nc.close()
        return keep, in_nats

    keep, in_nats = arun(main())
    want = [encode_line(e)[:-1] for e in keep.events]
    assert len([e for e in keep.events if hasattr(e, "channel")]) == 300
    assert in_nats == want  # one stream, in order, control lines included
    with redis.Redis(port=redis_server.port) as r:
        in_redis = sorted(f[b"line"] for key in r.scan_iter("feedcli:datafye:*") for _i, f in r.xrange(key))
    assert in_redis == sorted(want)
