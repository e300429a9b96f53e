"""Redis Streams: the `--sink redis://` transport, and reading lines back (`replay redis://`).

Built on redis-py's asyncio client (imported only when a Redis URL is used): it speaks
RESP 2 and 3, TLS with verification, AUTH with ACL users, and every stream command we
need (XADD with MAXLEN ~, XRANGE, XREAD BLOCK, XREADGROUP, XACK); hand-writing that would
be a second client to maintain. Its own retries are switched off: reconnects, backoff and
what is re-sent are the delivery core's business (feedcli.sinks.delivery), so that an
outage is a `sink-down` line and never a silent loop inside the library.

Each line is one stream entry with one field, `line`, holding the NDJSON line byte for
byte without its newline. A batch is one pipeline (one round trip, no MULTI): the replies
say which entries were added, so after a failure only the lines not confirmed are sent
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import os
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from feedcli.errors import AuthError, FeedError
from feedcli.sinks.delivery import Note, Route, SinkUnavailable, read_again, stderr_note
from feedcli.sinks.urls import EVENTS_KEY, Endpoint, RedisSinkSpec, RedisSourceSpec, safe

if TYPE_CHECKING:
    import redis.asyncio as aioredis

#: seconds to connect, and to wait for any reply before the connection is judged dead
CONNECT_TIMEOUT = 5.0
SOCKET_TIMEOUT = 15.0
#: entries asked for per XRANGE / XREAD call when reading back
READ_COUNT = 1000
#: entries per stream one reader of a group takes at a time: smaller, so readers share a backlog
GROUP_COUNT = 100
#: milliseconds an XREAD BLOCK waits before the pattern is scanned again for new keys
BLOCK_MS = 1000
#: seconds between two scans for new keys while following
RESCAN_EVERY = 5.0


def server_text(text: object, limit: int = 300) -> str:
    """Text that came from a server, safe for a terminal: control characters escaped, length capped."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return out if len(out) <= limit else out[:limit] + "..."


def make_client(endpoint: Endpoint, db: int, ca: str | None, *, socket_timeout: float | None) -> aioredis.Redis:
    """A single-connection client with redis-py's own retries off (we reconnect ourselves)."""
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    options: dict[str, Any] = {}
    if endpoint.tls:
        # verified against the system's CAs (or ca=PATH), host name checked: "rediss" means TLS, verified
        options.update(ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True, ssl_ca_certs=ca)
    return aioredis.Redis(
        host=endpoint.host,
        port=endpoint.port,
        db=db,
        username=endpoint.username,
        password=endpoint.password,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 0),
        single_connection_client=True,
        decode_responses=False,
        **options,
    )


def classify(exc: BaseException, name: str) -> FeedError | SinkUnavailable:
    """A redis-py error as what it means to us: retry later, or stop with an exit code."""
    import redis.exceptions as rx

    text = server_text(exc) or exc.__class__.__name__
    upper = text.upper()
    if isinstance(exc, rx.AuthenticationError | rx.AuthorizationError) or upper.startswith(
        ("WRONGPASS", "NOAUTH", "INVALID USERNAME-PASSWORD")
    ):
        return AuthError(f"{name}: Redis refused the credentials ({text})")
    if isinstance(exc, rx.NoPermissionError) or upper.startswith("NOPERM"):
        return AuthError(f"{name}: the Redis user may not do this ({text})")
    if "CERTIFICATE_VERIFY_FAILED" in upper or "CERTIFICATE VERIFY FAILED" in upper:
        return FeedError(f"{name}: the server's TLS certificate is not trusted ({text}); give ca=PATH for a private CA")
    if isinstance(exc, rx.OutOfMemoryError) or upper.startswith("OOM"):
        return SinkUnavailable(f"Redis is full: {text}", connected=True)
    if isinstance(exc, rx.BusyLoadingError) or upper.startswith(("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN")):
        return SinkUnavailable(f"Redis is not ready: {text}", connected=True)
    if isinstance(exc, rx.ReadOnlyError) or upper.startswith("READONLY"):
        return SinkUnavailable(f"Redis is a read-only replica: {text}")
    if isinstance(exc, rx.ConnectionError | rx.TimeoutError | OSError | asyncio.TimeoutError | EOFError):
        return SinkUnavailable(_connection_text(exc, text))
    if isinstance(exc, rx.ResponseError):
        return FeedError(f"{name}: Redis refused the command: {text}")
    return FeedError(f"{name}: {exc.__class__.__name__}: {text}")


def _connection_text(exc: BaseException, text: str) -> str:
    if isinstance(exc, asyncio.TimeoutError) or exc.__class__.__name__ == "TimeoutError":
        return "no answer in time"
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ConnectionRefusedError) or "refused" in text.lower():
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return f"cannot resolve the host ({server_text(cause)})"
    if isinstance(cause, ssl.SSLError):
        return f"TLS failed ({server_text(cause)})"
    return text or exc.__class__.__name__


# ---------------------------------------------------------------------- the sink


class RedisRouter:
    """Keys from the template; control lines to `feedcli:{provider}:events`."""

    def __init__(self, spec: RedisSinkSpec) -> None:
        self._key = spec.key

    def data(self, provider: str, channel: str, symbol: str, kind: str | None) -> str:
        return self._key.render(provider, channel, symbol, kind)

    def control(self, provider: str) -> str:
        return EVENTS_KEY.format(provider=safe(provider))


class RedisTransport:
    """XADD through one pipelined connection; see the module's docstring."""

    def __init__(self, spec: RedisSinkSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self._client: aioredis.Redis | None = None
        maxlen = spec.maxlen
        self._head: tuple[Any, ...] = ("XADD",)
        self._tail: tuple[Any, ...] = (b"*", b"line")
        if maxlen is not None:
            self._tail = (b"MAXLEN", b"~", str(maxlen).encode(), b"*", b"line")

    async def connect(self) -> None:
        await self.close()
        client = make_client(self.spec.endpoint, self.spec.db, self.spec.ca, socket_timeout=SOCKET_TIMEOUT)
        try:
            await client.ping()
        except Exception as exc:
            with contextlib.suppress(Exception):
                await client.aclose()
            raise classify(exc, self.name) from None
        self._client = client

    async def send(self, batch: Sequence[Route]) -> None:
        client = self._client
        if client is None:
            raise SinkUnavailable("not connected")
        pipe = client.pipeline(transaction=False)
        tail = self._tail
        command = pipe.execute_command
        for key, line in batch:
            command("XADD", key, *tail, line)
        try:
            replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            raise classify(exc, self.name) from None
        for taken, reply in enumerate(replies):
            if isinstance(reply, Exception):
                verdict = classify(reply, self.name)
                if isinstance(verdict, SinkUnavailable):
                    verdict.taken = taken
                    raise verdict
                raise verdict

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()


def open_redis_sink(spec: RedisSinkSpec, **options: Any) -> Any:
    from feedcli.sinks.delivery import BrokerSink

    return BrokerSink(RedisTransport(spec), RedisRouter(spec), **options)


# ---------------------------------------------------------------------- reading back


async def read_redis(spec: RedisSourceSpec, *, follow: bool = False) -> AsyncIterator[list[bytes]]:
    """The lines of every stream whose key matches the pattern, merged by `recv`, in chunks.

    Without `follow`, it ends at what each stream held when reading began (its last entry
    id then). With `follow`, it then waits for new entries (XREAD BLOCK) and notices new
    keys that match the pattern (a new symbol) every few seconds; lines then come in the
    order they arrive, each batch sorted by `recv`.

    With a group (`group=NAME`), the readers of that group share the work (XREADGROUP):
    each entry reaches one of them. The group is created at the start of each stream if
    it does not exist, so a new group reads everything once. A chunk's entries are
    acknowledged (XACK) when the next chunk is asked for: the replay asks only once it
    has written the chunk (replay.pacing.pump_chunks), so a reader stopped or killed
    mid-way leaves that chunk pending for the group rather than lost (it is read again
    by a reader that starts with the same consumer= name): at-least-once.
    """
    client = make_client(spec.endpoint, spec.db, spec.ca, socket_timeout=None)
    try:
        try:
            await client.ping()
        except Exception as exc:
            verdict = classify(exc, spec.name)
            if isinstance(verdict, SinkUnavailable):
                raise FeedError(f"{spec.name}: cannot read: {verdict}") from None
            raise verdict from None
        reader = _read_plain if spec.group is None else _read_group
        try:
            async for chunk in reader(client, spec, follow, Reconnects(client, spec.name)):
                yield chunk
        except (FeedError, SinkUnavailable):
            raise
        except Exception as exc:
            verdict = classify(exc, spec.name)
            if isinstance(verdict, SinkUnavailable):
                raise FeedError(f"{spec.name}: cannot read: {verdict}") from None
            raise verdict from None
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


class Reconnects:
    """A follower's way through a Redis restart or a lost connection: said once, retried with backoff.

    Only what retrying can fix is waited for (classify: SinkUnavailable); anything else is
    raised. The client reconnects by itself on its next command (its own retries are off).
    """

    def __init__(self, client: aioredis.Redis, name: str, note: Note = stderr_note) -> None:
        self._client = client
        self._name = name
        self._note = note

    async def through(self, exc: BaseException) -> None:
        """Return once the server answers again; raise what cannot be waited for."""
        verdict = classify(exc, self._name)
        if not isinstance(verdict, SinkUnavailable):
            raise verdict from None
        await read_again(self._name, verdict, self._ping, self._note)

    async def _ping(self) -> None:
        """One PING; what fails, as classify reads it (SinkUnavailable is waited out)."""
        try:
            await self._client.ping()
        except Exception as again:
            raise classify(again, self._name) from None


async def _stream_keys(client: aioredis.Redis, pattern: str) -> list[bytes]:
    keys: set[bytes] = set()
    async for key in client.scan_iter(match=pattern, count=1000, _type="stream"):
        keys.add(key)
    return sorted(keys)


def _line_of(fields: dict[bytes, bytes]) -> bytes | None:
    return fields.get(b"line")


def recv_of(line: bytes) -> bytes:
    """The `recv` of a line, for merging: found by position, never fatal (b"" sorts first)."""
    at = line.find(b'"recv":"')
    return line[at + 8 : at + 35] if at >= 0 else b""


async def _range(client: aioredis.Redis, key: bytes, end: bytes) -> AsyncIterator[tuple[bytes, bytes]]:
    """(recv, line) of one stream's entries up to `end`, in id order, a page at a time."""
    start = b"-"
    while True:
        page = await client.xrange(key, min=start, max=end, count=READ_COUNT)
        for _entry_id, fields in page:
            line = _line_of(fields)
            if line is not None:
                yield recv_of(line), line
        if len(page) < READ_COUNT:
            return
        start = b"(" + page[-1][0]


async def _merge(streams: list[AsyncIterator[tuple[bytes, bytes]]]) -> AsyncIterator[bytes]:
    """Lines of several (recv, line) streams in recv order; equal times keep stream order."""
    heap: list[tuple[bytes, int, bytes]] = []
    for index, stream in enumerate(streams):
        with contextlib.suppress(StopAsyncIteration):
            recv, line = await anext(stream)
            heap.append((recv, index, line))
    heapq.heapify(heap)
    while heap:
        _recv, index, line = heap[0]
        yield line
        try:
            recv, nxt = await anext(streams[index])
        except StopAsyncIteration:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (recv, index, nxt))


async def _read_plain(
    client: aioredis.Redis, spec: RedisSourceSpec, follow: bool, reconnects: Reconnects
) -> AsyncIterator[list[bytes]]:
    keys = await _stream_keys(client, spec.pattern)
    ends: dict[bytes, bytes] = {}
    for key in keys:
        last = await client.xrevrange(key, count=1)
        ends[key] = last[0][0] if last else b"0-0"
    streams = [_range(client, key, ends[key]) for key in keys if ends[key] != b"0-0"]
    chunk: list[bytes] = []
    async for line in _merge(streams):
        chunk.append(line)
        if len(chunk) >= READ_COUNT:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
    if not follow:
        return
    positions = dict(ends)
    loop = asyncio.get_running_loop()
    scanned = loop.time()
    while True:
        try:
            if loop.time() - scanned >= RESCAN_EVERY or not positions:
                for key in await _stream_keys(client, spec.pattern):
                    positions.setdefault(key, b"0-0")  # a new stream: all of it is new
                scanned = loop.time()
            if not positions:
                await asyncio.sleep(BLOCK_MS / 1000)
                continue
            reply = await client.xread(positions, count=READ_COUNT, block=BLOCK_MS)
        except Exception as exc:
            await reconnects.through(exc)  # then on from the same positions: nothing missed, nothing twice
            continue
        batch: list[tuple[bytes, bytes]] = []
        for key, entries in reply or ():
            for entry_id, fields in entries:
                positions[key] = entry_id
                line = _line_of(fields)
                if line is not None:
                    batch.append((recv_of(line), line))
        if batch:
            batch.sort(key=lambda item: item[0])
            yield [line for _recv, line in batch]


def default_consumer() -> str:
    """A reader's name in its group when consumer= is not given: host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


async def _ensure_group(client: aioredis.Redis, key: bytes, group: str) -> None:
    import redis.exceptions as rx

    try:
        await client.xgroup_create(key, group, id="0")
    except rx.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _id(entry_id: bytes) -> tuple[int, int]:
    ms, _, seq = entry_id.partition(b"-")
    return int(ms), int(seq or 0)


async def _read_group(
    client: aioredis.Redis, spec: RedisSourceSpec, follow: bool, reconnects: Reconnects
) -> AsyncIterator[list[bytes]]:
    """XREADGROUP over every matching key; see read_redis.

    A follower that loses its connection reads on, after the reconnect, from what the group
    gave it and it did not acknowledge yet (position "0"): at-least-once.
    """
    assert spec.group is not None
    group = spec.group
    consumer = spec.consumer or default_consumer()
    keys = await _stream_keys(client, spec.pattern)
    ends: dict[bytes, tuple[int, int]] = {}
    for key in keys:
        await _ensure_group(client, key, group)
        last = await client.xrevrange(key, count=1)
        ends[key] = _id(last[0][0]) if last else (0, 0)
    if spec.claim is not None:
        await _claim(client, keys, group, consumer, spec.claim)
    # "0" first: what this consumer was given before and never acknowledged (and what it just
    # claimed); then ">" (new entries)
    positions = dict.fromkeys(keys, b"0")
    loop = asyncio.get_running_loop()
    scanned = loop.time()
    done: list[tuple[bytes, bytes]] = []
    try:
        while True:
            try:
                if follow and (loop.time() - scanned >= RESCAN_EVERY or not positions):
                    for key in await _stream_keys(client, spec.pattern):
                        if key not in positions:
                            await _ensure_group(client, key, group)
                            positions[key] = b">"
                    if spec.claim is not None and await _claim(client, list(positions), group, consumer, spec.claim):
                        positions = dict.fromkeys(positions, b"0")  # what was claimed is read from "0"
                    scanned = loop.time()
                if not positions:
                    if not follow:
                        return
                    await asyncio.sleep(BLOCK_MS / 1000)
                    continue
                if done:
                    await _ack(client, group, done)
                catching_up = any(p != b">" for p in positions.values())
                block = BLOCK_MS if follow and not catching_up else None
                reply = await client.xreadgroup(group, consumer, dict(positions), count=GROUP_COUNT, block=block)
            except Exception as exc:
                if not follow:
                    raise
                await reconnects.through(exc)
                done.clear()  # not acknowledged: pending under our name, and read again from "0"
                positions = dict.fromkeys(positions, b"0")
                continue
            got = {key: entries for key, entries in reply or ()}
            batch: list[tuple[bytes, bytes, bytes, bytes]] = []
            for key, position in list(positions.items()):
                entries = got.get(key) or []
                if position != b">":
                    if entries:
                        positions[key] = entries[-1][0]
                    else:
                        positions[key] = b">"  # nothing (more) pending for us: new entries now
                elif not follow and (not entries or _id(entries[-1][0]) >= ends.get(key, (0, 0))):
                    del positions[key]  # reached what was there at the start
                for entry_id, fields in entries:
                    line = _line_of(fields or {})
                    if line is None:
                        done.append((key, entry_id))  # not a feedcli entry, or deleted: nothing to give
                    else:
                        batch.append((recv_of(line), key, entry_id, line))
            if batch:
                batch.sort(key=lambda item: item[0])
                # asked for again only once the chunk is written: acknowledged then, never before;
                # a reader closed or killed here leaves the chunk pending under its name
                yield [line for _recv, _key, _entry_id, line in batch]
                done.extend((key, entry_id) for _recv, key, entry_id, _line in batch)  # acknowledged next round
    finally:
        if done:  # the last chunk written (the reader was resumed after it), or entries without a line
            with contextlib.suppress(Exception):
                await _ack(client, group, done)


async def _claim(client: aioredis.Redis, keys: list[bytes], group: str, consumer: str, idle: float) -> bool:
    """Take over the entries of `keys` that other readers of the group left unacknowledged for
    `idle` seconds (XAUTOCLAIM); whether any were taken (they are then ours, pending: read from "0")."""
    took = False
    for key in keys:
        start: Any = b"0-0"
        while True:
            # not JUSTID: redis-py drops the cursor from that reply
            reply = await client.xautoclaim(key, group, consumer, int(idle * 1000), start_id=start, count=READ_COUNT)
            start, ids = reply[0], reply[1]
            took = took or bool(ids)
            if start in (b"0-0", "0-0"):
                break
    return took


async def _ack(client: aioredis.Redis, group: str, done: list[tuple[bytes, bytes]]) -> None:
    by_key: dict[bytes, list[bytes]] = {}
    for key, entry_id in done:
        by_key.setdefault(key, []).append(entry_id)
    for key, ids in by_key.items():
        await client.xack(key, group, *ids)
    done.clear()
