"""NATS: the `--sink nats://` transport (core or JetStream), and reading lines back (`replay nats://`).

Built on nats-py (imported only when a NATS URL is used) for the connection, the protocol
and JetStream's management API. Two things are done here rather than through its helpers:

- nats-py's own reconnect is off (`allow_reconnect=False`): its reconnect buffer would
  hold lines we count as sent and drop them when it overflows. Reconnects, backoff and
  re-sends belong to the delivery core (feedcli.sinks.delivery).
- JetStream acknowledgements are gathered by one reply subscription per connection
  instead of `js.publish` (one round trip per line) or `js.publish_async` (whose future is
  never completed when the server rejects a message, in nats-py 2.16): a batch is published
  with a reply subject per line, and each line is confirmed by its own ack.

Core NATS has no acknowledgement: a batch counts as taken once a PING after it has been
answered (the server has processed every line before it). What the server then does with
a line is core NATS's at-most-once: it reaches the subscribers of that moment. Give
`stream=NAME` for a stream that keeps them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from feedcli.errors import AuthError, FeedError
from feedcli.sinks.delivery import Note, Route, SinkUnavailable, read_again, stderr_note
from feedcli.sinks.redis import recv_of, server_text
from feedcli.sinks.urls import Endpoint, NatsSinkSpec, NatsSourceSpec

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from nats.aio.msg import Msg

#: seconds to connect, and for a PING or a batch's acknowledgements to come back
CONNECT_TIMEOUT = 5.0
ACK_TIMEOUT = 15.0
#: messages fetched per pull when reading back, and seconds a fetch waits while following
FETCH = 500
FETCH_WAIT = 1.0
#: JetStream API error codes that mean "full": retried, never dropped
_LIMIT_CODES = {10077, 10078, 10027, 10047, 10054}


async def _quiet(*_args: object) -> None:
    """nats-py's callbacks: errors reach us as exceptions; nothing is logged behind our back."""


async def connect(endpoint: Endpoint, name: str, on_lost: Any = _quiet) -> NatsClient:
    """A connection without nats-py's own reconnects; errors classified like the Redis ones.

    `on_lost` (a coroutine function) is called when the connection drops or closes.
    """
    import nats

    options: dict[str, Any] = {}
    if endpoint.username is not None and endpoint.password is not None:
        options.update(user=endpoint.username, password=endpoint.password)
    elif endpoint.username is not None:
        options.update(token=endpoint.username)
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    try:
        return await nats.connect(
            servers=[f"nats://{host}:{endpoint.port}"],
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=int(CONNECT_TIMEOUT),
            error_cb=_quiet,
            disconnected_cb=on_lost,
            closed_cb=on_lost,
            reconnected_cb=_quiet,
            name="feedcli",
            **options,
        )
    except Exception as exc:
        raise classify(exc, name) from None


def classify(exc: BaseException, name: str) -> FeedError | SinkUnavailable:
    import nats.errors as nx
    import nats.js.errors as jx

    text = server_text(exc) or exc.__class__.__name__
    if isinstance(exc, nx.AuthorizationError) or "authorization violation" in text.lower():
        return AuthError(f"{name}: NATS refused the credentials ({text})")
    if "permissions violation" in text.lower():
        return AuthError(f"{name}: the NATS user may not publish there ({text})")
    if isinstance(exc, jx.NoStreamResponseError):
        return SinkUnavailable("no JetStream stream takes the subject", connected=True)
    if isinstance(exc, jx.APIError):
        return FeedError(f"{name}: JetStream refused: {server_text(exc.description or exc)}")
    if isinstance(exc, nx.MaxPayloadError):
        return FeedError(f"{name}: a line is larger than the server's max_payload ({text})")
    if isinstance(exc, nx.NoServersError | ConnectionRefusedError):
        return SinkUnavailable("connection refused")
    if isinstance(exc, nx.Error | OSError | asyncio.TimeoutError | EOFError):
        return SinkUnavailable(text if text != exc.__class__.__name__ else f"connection lost ({text})")
    return FeedError(f"{name}: {exc.__class__.__name__}: {text}")


class NatsRouter:
    """Subjects from the template; control lines to `PREFIX{provider}.events`."""

    def __init__(self, spec: NatsSinkSpec) -> None:
        self._spec = spec

    def data(self, provider: str, channel: str, symbol: str, kind: str | None) -> str:
        return self._spec.subject.render(provider, channel, symbol, kind)

    def control(self, provider: str) -> str:
        return self._spec.events_subject(provider)


class NatsTransport:
    """Core publish plus a PING, or JetStream publishes each confirmed by its ack."""

    def __init__(self, spec: NatsSinkSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self._nc: NatsClient | None = None
        self._inbox = ""
        self._batch = 0
        self._acks: list[asyncio.Future[dict[str, Any]]] = []
        self._gone: asyncio.Event | None = None

    async def _flush(self, nc: NatsClient) -> None:
        """A PING answered, or SinkUnavailable as soon as the connection is known to be gone.

        nats-py does not always fail a pending flush when the server goes away, so the
        wait is raced against our own connection-lost callback.
        """
        gone = self._gone
        assert gone is not None
        flush = asyncio.ensure_future(nc.flush(timeout=int(ACK_TIMEOUT)))
        lost = asyncio.ensure_future(gone.wait())
        try:
            await asyncio.wait({flush, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not flush.done():
            flush.cancel()
            raise SinkUnavailable("connection lost")
        flush.result()

    async def _lost(self) -> None:
        """The connection dropped: the acks still awaited will never come; say so at once."""
        if self._gone is not None:
            self._gone.set()
        for future in self._acks:
            if not future.done():
                future.set_result({"lost": True})

    async def connect(self) -> None:
        await self.close()
        self._gone = asyncio.Event()
        nc = await connect(self.spec.endpoint, self.name, self._lost)
        try:
            if self.spec.stream is not None:
                await self._ensure_stream(nc)
                self._inbox = nc.new_inbox()
                await nc.subscribe(self._inbox + ".>", cb=self._on_ack)
        except BaseException:
            with contextlib.suppress(Exception):
                await nc.close()
            raise
        self._nc = nc

    async def _ensure_stream(self, nc: NatsClient) -> None:
        """Create the stream if it is missing: subjects PREFIX> (`feedcli.>` by default)."""
        import nats.errors as nx
        import nats.js.errors as jx

        stream = self.spec.stream
        assert stream is not None
        js = nc.jetstream(timeout=CONNECT_TIMEOUT)
        try:
            try:
                await js.stream_info(stream)
            except jx.NotFoundError:
                await js.add_stream(name=stream, subjects=self.spec.stream_subjects)
        except (jx.ServiceUnavailableError, nx.NoRespondersError):
            raise FeedError(f"{self.name}: the server has no JetStream (start nats-server with -js)") from None
        except jx.APIError as exc:
            raise FeedError(
                f"{self.name}: cannot create stream {stream} with subjects {self.spec.stream_subjects}: "
                f"{server_text(exc.description or exc)}"
            ) from None
        except Exception as exc:
            raise classify(exc, self.name) from None

    async def _on_ack(self, msg: Msg) -> None:
        index = msg.subject.rsplit(".", 2)
        try:
            batch, position = int(index[-2]), int(index[-1])
        except (ValueError, IndexError):
            return
        if batch != self._batch or position >= len(self._acks):
            return  # a late ack of an earlier, failed batch: that batch is being sent again
        future = self._acks[position]
        if not future.done():
            if msg.headers and msg.headers.get("Status") == "503":
                future.set_result({"error": {"code": 503, "description": "no JetStream stream takes the subject"}})
            else:
                try:
                    future.set_result(orjson.loads(msg.data))
                except orjson.JSONDecodeError:
                    future.set_result({"error": {"code": 0, "description": "an acknowledgement that is not JSON"}})

    async def send(self, batch: Sequence[Route]) -> None:
        nc = self._nc
        if nc is None:
            raise SinkUnavailable("not connected")
        try:
            if self.spec.stream is None:
                publish = nc.publish
                for subject, line in batch:
                    await publish(subject, line)
                await self._flush(nc)
                return
            await self._send_acknowledged(nc, batch)
        except (FeedError, SinkUnavailable):
            raise
        except Exception as exc:
            raise classify(exc, self.name) from None

    async def _send_acknowledged(self, nc: NatsClient, batch: Sequence[Route]) -> None:
        loop = asyncio.get_running_loop()
        self._batch += 1
        prefix = f"{self._inbox}.{self._batch}."
        self._acks = [loop.create_future() for _ in batch]
        publish = nc.publish
        for position, (subject, line) in enumerate(batch):
            await publish(subject, line, reply=prefix + str(position))
        await self._flush(nc)
        done, _ = await asyncio.wait(self._acks, timeout=ACK_TIMEOUT)
        for taken, future in enumerate(self._acks):
            if future not in done:
                raise SinkUnavailable("no acknowledgement in time", taken=taken)
            reply = future.result()
            if reply.get("lost"):
                raise SinkUnavailable("connection lost", taken=taken)
            error = reply.get("error")
            if error:
                code = error.get("err_code") or error.get("code")
                text = server_text(error.get("description") or error)
                if code in _LIMIT_CODES or "exceeded" in text or code == 503:
                    subject = batch[taken][0]
                    raise SinkUnavailable(
                        f"stream {self.spec.stream} took no more: {text} ({subject})", taken=taken, connected=True
                    )
                raise FeedError(f"{self.name}: JetStream refused a line: {text}")

    async def close(self) -> None:
        nc, self._nc = self._nc, None
        self._acks = []
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.close()


def open_nats_sink(spec: NatsSinkSpec, **options: Any) -> Any:
    from feedcli.sinks.delivery import BrokerSink

    return BrokerSink(NatsTransport(spec), NatsRouter(spec), **options)


# ---------------------------------------------------------------------- reading back


async def read_nats(spec: NatsSourceSpec, *, follow: bool = False) -> AsyncIterator[list[bytes]]:
    """Lines from a JetStream stream (oldest first), or from core NATS from now on, in chunks.

    With `stream=`, an ephemeral pull consumer filtered by the subject pattern reads the
    stream from its start. Without `follow` it ends after the messages that were there when
    it began (the consumer's pending count then); with `follow` it keeps fetching, and when
    the connection is lost (a server restart) it says so, reconnects with backoff and reads
    on from the stream sequence after the last one it gave: nothing missed, nothing twice.
    Lines come in the stream's order, which is the order they were stored (receive order
    for one capture process), each fetched chunk sorted by `recv` (so the lines of several
    capture processes come merged within a chunk). Without `stream=` (core NATS, `--follow`
    only) it subscribes and gets what is published from now on.
    """
    nc = await connect(spec.endpoint, spec.name)
    try:
        if spec.stream is None:
            sub = await nc.subscribe(spec.subject, pending_msgs_limit=-1, pending_bytes_limit=-1)
            async for msg in sub.messages:
                yield [msg.data]
            return
        after = 0  # the stream sequence of the last line given
        while True:
            try:
                async for chunk, last in _read_stream(nc, spec, follow, after):
                    after = last
                    yield chunk
                return
            except FeedError:
                raise
            except Exception as exc:
                verdict = exc if isinstance(exc, SinkUnavailable) else classify(exc, spec.name)
                if not isinstance(verdict, SinkUnavailable):
                    raise verdict from None
                if not follow:
                    raise FeedError(f"{spec.name}: cannot read: {verdict}") from None
                with contextlib.suppress(Exception):
                    await nc.close()
                nc = await _reconnect(spec, str(verdict))
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


async def _reconnect(spec: NatsSourceSpec, why: str, note: Note = stderr_note) -> NatsClient:
    """A new connection for a follower that lost its own: said once, retried with backoff."""
    return await read_again(spec.name, why, lambda: connect(spec.endpoint, spec.name), note)


async def _read_stream(
    nc: NatsClient, spec: NatsSourceSpec, follow: bool, after: int
) -> AsyncIterator[tuple[list[bytes], int]]:
    """(lines, the stream sequence of the last) from sequence `after` + 1 on."""
    import nats.errors as nx
    import nats.js.errors as jx
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    js = nc.jetstream(timeout=CONNECT_TIMEOUT)
    try:
        await js.stream_info(spec.stream or "")
    except jx.NotFoundError:
        raise FeedError(f"{spec.name}: there is no JetStream stream {spec.stream}") from None
    except (jx.ServiceUnavailableError, nx.NoRespondersError):
        raise FeedError(f"{spec.name}: the server has no JetStream") from None
    start: dict[str, Any] = {"deliver_policy": DeliverPolicy.ALL}
    if after:
        start = {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": after + 1}
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=60.0, max_ack_pending=-1, **start)
    sub = await js.pull_subscribe(spec.subject, stream=spec.stream, config=config)
    try:
        left = (await sub.consumer_info()).num_pending
        while follow or left > 0:
            want = FETCH if follow else min(FETCH, left)
            try:
                msgs = await sub.fetch(want, timeout=FETCH_WAIT if follow else ACK_TIMEOUT)
            except nx.TimeoutError:
                if nc.is_closed or not nc.is_connected:
                    raise SinkUnavailable("connection lost") from None
                if follow:
                    continue
                raise FeedError(f"{spec.name}: the stream stopped answering with {left} messages left") from None
            left -= len(msgs)
            if msgs:
                yield sorted((msg.data for msg in msgs), key=recv_of), msgs[-1].metadata.sequence.stream
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
