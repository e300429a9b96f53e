"""Sinks and sources on other machines, opened from URLs: what the commands plug in.

The CLI (and the run loop) need only this module:

- `parse_sinks(urls)` checks every `--sink` URL (exit 2 before anything connects);
  `open_sinks(specs)` builds the sinks (Consumers; `await sink.start()` connects, exit 3 on
  wrong credentials). Append them to the consumers of a run.
- `announce_to(sinks, consumers)` hands their `sink-down`/`sink-up` lines to every consumer.
- `pending_lines(consumers)` / `abandon_all(consumers)`: for the run loop's second Ctrl-C
  ("N lines not delivered to the sinks were abandoned").
- `SinkTee(out, sinks)`: a replay Output that also sends every raw line to the sinks.
- `open_chunks(url, follow=...)`: raw lines (without `\\n`) read back from Redis or NATS in
  chunks, for `feedcli replay redis://...|nats://...`; `open_source`, the same a line at a time.

Nothing here imports redis-py or nats-py until a sink or source of theirs is opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from feedcli.errors import UsageError
from feedcli.sinks.base import aclose_all
from feedcli.sinks.delivery import (
    BrokerSink,
    Note,
    abandon_all,
    announce_to,
    pending_lines,
    stderr_note,
    undelivered,
)
from feedcli.sinks.urls import NatsSinkSpec, RedisSinkSpec, SinkSpec, is_sink_url, parse_sink, parse_source

__all__ = [
    "BrokerSink",
    "SinkTee",
    "abandon_all",
    "announce_to",
    "is_sink_url",
    "open_chunks",
    "open_sinks",
    "open_source",
    "parse_sinks",
    "pending_lines",
    "undelivered",
]


def parse_sinks(urls: Sequence[str]) -> list[SinkSpec]:
    """Every `--sink` URL checked, in order; the same URL twice is refused (every line twice)."""
    specs = [parse_sink(url) for url in urls]
    seen: set[str] = set()
    for url in urls:
        if url in seen:
            raise UsageError(f"--sink {url.split('?')[0]!r} is given twice")
        seen.add(url)
    return specs


def _missing(package: str) -> UsageError:
    return UsageError(f"--sink needs the Python package {package}, which is not installed (pip install {package})")


def open_sinks(specs: Sequence[SinkSpec], *, note: Note = stderr_note) -> list[BrokerSink]:
    """The sinks for checked specs (not yet connected: `await sink.start()`)."""
    sinks: list[BrokerSink] = []
    for spec in specs:
        if isinstance(spec, RedisSinkSpec):
            try:
                import redis  # noqa: F401
            except ImportError:
                raise _missing("redis") from None
            from feedcli.sinks.redis import open_redis_sink

            sinks.append(open_redis_sink(spec, note=note))
        elif isinstance(spec, NatsSinkSpec):
            try:
                import nats  # noqa: F401
            except ImportError:
                raise _missing("nats-py") from None
            from feedcli.sinks.nats import open_nats_sink

            sinks.append(open_nats_sink(spec, note=note))
    return sinks


class SinkTee:
    """A replay Output (feedcli.replay) that hands every line to the sinks, then to `out`.

    The lines go out byte for byte (`BrokerSink.emit_line`); a sink that is full or down
    holds the replay back through its `pressure()`, as it holds back a live stream.
    """

    def __init__(self, out: Any, sinks: Sequence[BrokerSink]) -> None:
        self.out = out
        self.sinks = list(sinks)

    async def start(self) -> None:
        await self.out.start()
        for sink in self.sinks:
            await sink.start()

    async def send(self, lines: list[bytes]) -> None:
        for sink in self.sinks:
            put = sink.emit_line
            for line in lines:
                put(line)
        for sink in self.sinks:
            waiter = sink.pressure()
            if waiter is not None:
                await waiter
        await self.out.send(lines)

    async def aclose(self) -> None:
        await aclose_all((self.out, *self.sinks))


def open_chunks(url: str, *, follow: bool = False) -> AsyncIterator[list[bytes]]:
    """Raw lines (without `\\n`) read back from `redis://...?key=PATTERN` or `nats://...?subject=..&stream=..`,
    in chunks (a page of XRANGE, an XREAD reply, a JetStream fetch), merged by `recv`.

    The URL is checked now (UsageError, exit 2); the connection is made on the first
    iteration (AuthError, exit 3, for refused credentials). Without `follow` the iterator
    ends at what was there when reading began. Ask for the next chunk only once the one
    before is written: a Redis consumer group acknowledges a chunk then.
    """
    spec = parse_source(url, follow=follow)
    from feedcli.sinks.urls import RedisSourceSpec

    if isinstance(spec, RedisSourceSpec):
        from feedcli.sinks.redis import read_redis

        return read_redis(spec, follow=follow)
    from feedcli.sinks.nats import read_nats

    return read_nats(spec, follow=follow)


def open_source(url: str, *, follow: bool = False) -> AsyncIterator[bytes]:
    """`open_chunks`, a line at a time (a chunk counts as written once its last line is taken)."""
    chunks = open_chunks(url, follow=follow)

    async def lines() -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                for line in chunk:
                    yield line
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    return lines()
