"""Serve a recording over the recorded provider's own protocol (`feedcli replay FILE --serve`).

A recording is only as useful as the clients that can read it. Serving it over the wire the
provider itself speaks lets `feedcli stream --url`, the provider's documented example clients
and users' own code run against yesterday's market unchanged, with only the base URL swapped,
as tardis-machine does for crypto exchanges. So this is the simulator's server (login, JWT check
at the handshake, refusals, heartbeats, subscribe replies) with the recording as its source in
place of the generated market: `HTSimulator`, `DatafyeSimulator` and `MoexSimulator` are
subclassed and only their data source and end-of-stream handling are replaced.

Timeline. The source is consumed once, and what it yields is fanned out to every connected
client whose subscription matches it: one shared timeline, as a live market is shared. The
timeline starts when the FIRST client subscribes (HT: a handshake whose token and symbols are
accepted; Datafye: an accepted `subscribe` message), not when the server starts: a client that
connects a moment after `replay --serve` printed its banner would otherwise miss the start of
the recording. From then on the timeline runs whoever is connected; a client that connects later
gets what is played from then on, never what was played before (no snapshot, as live).

Pacing is the caller's: `source()` is called once, when the timeline starts, and its events are
sent as they arrive. Only the provider's data events are sent; control lines (connected,
disconnected, recording headers) describe the recorder's own connection and are skipped.

What clients see when the source is exhausted: HT and MOEX clients are closed with 1000 "end of
recording"; Datafye clients get `{"type":"stream_end"}` (Datafye's own end-of-stream frame, which
feedcli's codec reads as "complete, do not reconnect") and then the same close. Every frame
queued before the end is sent first. A client that connects after the end is checked as usual
(refusals still name the problem) and then ended the same way at once.

Slow clients. A replay at high speed can outrun a reader. Frames wait in a bounded queue per
client; when it is full the timeline waits up to `slow_timeout` seconds for room (a replay
should not drop a reader that is merely behind), then closes that client with 1013 "client too
slow" (try again later, as the simulators do) so that one stuck client cannot stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, NamedTuple, cast

from feedcli.errors import UsageError
from feedcli.events import DataEvent, Event
from feedcli.providers import ime, moex, tse
from feedcli.providers.datafye import STREAM_END, TYPE_OF, control_message, data_message
from feedcli.providers.ht import END_OF_RECORDING
from feedcli.simulators.datafye import (
    BAD_REQUEST,
    HISTORY_CHANNEL,
    UNKNOWN_SYMBOL,
    DatafyeSimulator,
    Listing,
    Refused,
    Replay,
    _Conn,
)
from feedcli.simulators.ht import (
    REASON_TOO_SLOW,
    TRY_AGAIN_LATER,
    HTSimulator,
    _Client,
    _reason_bytes,
)
from feedcli.simulators.moex import MoexSimulator

#: the close every client gets when the recording has been played to its end
NORMAL_CLOSURE = 1000
REASON_END = END_OF_RECORDING  # the codec reads this close as the end of the stream
#: the close when the source failed (a file that cannot be read further): the server's error
INTERNAL_ERROR = 1011
REASON_FAILED = "replay failed"
#: how long a close frame may take to be written before the connection is aborted
_CLOSE_TIMEOUT = 2.0
#: how long the end of the recording waits for a client to be sent what was queued for it
_DRAIN_TIMEOUT = 10.0

#: provider → the name the banner gives the service (the same as `feedcli simulate`'s banner)
SERVED: dict[str, str] = {"tse": "HT Data Engine", "ime": "HT Data Engine", "datafye": "Datafye", "moex": "MOEX ISS+"}

Source = Callable[[], AsyncIterator[Event]]


class _Recorded(NamedTuple):
    """A recorded symbol in the HT simulator's lookup tables (which only read `.key`)."""

    key: str


class _AnySymbol(dict[str, _Recorded]):
    """A lookup table that knows every symbol: used when the recording's symbols were not given."""

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str)

    def __missing__(self, symbol: str) -> _Recorded:
        return _Recorded(symbol)


def _tables(symbols: list[str] | None, first: Callable[[str], bool]) -> tuple[dict[str, _Recorded], ...]:
    """Two lookup tables (the two endpoints of an HT family), split by what a symbol looks like.

    The line's `symbol` is the identifier as subscribed, so a recording made by ISIN holds
    ISINs and one made by name holds names; each endpoint accepts what it would have accepted
    live. Without the list every symbol is accepted on both endpoints.
    """
    if symbols is None:
        return _AnySymbol(), _AnySymbol()
    ones = {s: _Recorded(s) for s in symbols if first(s)}
    others = {s: _Recorded(s) for s in symbols if not first(s)}
    return ones, others


# ----------------------------------------------------------------------------- HT Data Engine


class _HTReplay(HTSimulator):
    """The HT simulator's server (login, token check, refusals, per-client queues) fed a recording."""

    def __init__(
        self, provider: str, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float
    ) -> None:
        super().__init__(host=host, port=port, queue_size=queue_size)
        self.provider = provider
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[], None] = lambda: None
        #: (code, reason) once the recording is over: every client, present or future, gets it
        self.end: tuple[int, str] | None = None
        # The simulator looks subscriptions up in these four tables (symbol → object with .key).
        # The family not being replayed has empty tables: its endpoints refuse every symbol.
        empty: tuple[dict[str, _Recorded], dict[str, _Recorded]] = ({}, {})
        tse_tables = _tables(symbols, lambda s: bool(tse._ISIN.match(s))) if provider == "tse" else empty
        ime_tables = _tables(symbols, str.isdigit) if provider == "ime" else empty
        self._isins, self._names = cast(Any, tse_tables)
        self._contract_ids, self._contract_names = cast(Any, ime_tables)

    async def _produce(self) -> None:
        """No generated market: the replay server delivers the recording instead."""

    def _register(self, client: _Client, keys: list[tuple[str, str]]) -> None:
        super()._register(client, keys)
        if self.end is not None:
            client.queue.put_nowait(_HT_END)  # a fresh queue has room
        self.on_subscribed()

    async def deliver(self, event: DataEvent) -> None:
        """Queue one recorded message for each client subscribed to its symbol and channel."""
        subscribers = self._index.get((event.symbol, event.channel))
        if not subscribers:
            return
        frames: dict[str, str] = {}
        waiting: list[tuple[_Client, str]] = []
        for client in tuple(subscribers):
            frame = frames.get(client.by)
            if frame is None:
                frame = frames[client.by] = self._encode_recorded(client, event)
            try:
                client.queue.put_nowait(frame)
            except asyncio.QueueFull:
                waiting.append((client, frame))
        if waiting:
            await asyncio.gather(*(self._wait_for_room(c, f) for c, f in waiting))

    @staticmethod
    def _encode_recorded(client: _Client, event: DataEvent) -> str:
        """The message as the live server sent it: the recorded `ts` and `data`, unchanged.

        The identifier is the recorded symbol (the client subscribed by it), under the field
        the client's endpoint names it by (symbolIsin or symbolName; ContractId or contractName).
        """
        if client.family == "tse":
            by = cast(tse.By, client.by)
            return tse.encode_message(by, event.symbol, event.channel, event.ts, event.data).decode()
        return ime.encode_message(cast(ime.By, client.by), event.symbol, event.ts, event.data).decode()

    async def _wait_for_room(self, client: _Client, frame: str) -> None:
        try:
            await asyncio.wait_for(client.queue.put(frame), self.slow_timeout)
        except asyncio.TimeoutError:
            self._unregister(client)
            self.spawn(self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    async def _send_loop(self, client: _Client) -> None:
        """Send a client's queue in order; the end marker closes it with the end's code."""
        ws = client.ws
        try:
            while True:
                frame = await client.queue.get()
                if frame is _HT_END:
                    code, reason = self.end or (NORMAL_CLOSURE, REASON_END)
                    self._unsubscribe(client)
                    try:
                        await asyncio.wait_for(ws.close(code=code, message=_reason_bytes(reason)), _CLOSE_TIMEOUT)
                    except asyncio.TimeoutError:
                        if client.transport is not None:
                            client.transport.abort()
                    return
                await ws.send_str(frame)
        except (ConnectionError, RuntimeError):
            # the client went away while we wrote; the handler notices and cleans up
            self._unsubscribe(client)

    async def finish(self, code: int, reason: str) -> None:
        """End every client: what was queued for it is sent, then the close."""
        self.end = (code, reason)
        await asyncio.gather(*(self._end_client(c) for c in list(self._clients)), return_exceptions=True)

    async def _end_client(self, client: _Client) -> None:
        try:
            await asyncio.wait_for(client.queue.put(_HT_END), _DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        if client.sender is not None:
            _done, pending = await asyncio.wait({client.sender}, timeout=_DRAIN_TIMEOUT)
            if pending:
                await self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW)


#: the end marker in an HT client's queue (frames are never empty, so identity is enough)
_HT_END = ""


# ----------------------------------------------------------------------------- Datafye

#: an item of a Datafye client's queue: (symbol, frame), or None for the end
_Item = tuple[str, str] | None


class _DatafyeReplay(DatafyeSimulator):
    """The Datafye simulator's server (subscribe replies, errors, heartbeats) fed a recording."""

    def __init__(self, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float) -> None:
        super().__init__(host=host, port=port)
        self.known: set[str] | None = None if symbols is None else set(symbols)
        self.queue_size = queue_size
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[], None] = lambda: None
        self.end: tuple[int, str] | None = None
        # per connection, its queue and the task that sends it (weak: they go with the connection)
        self._outboxes: weakref.WeakKeyDictionary[_Conn, asyncio.Queue[_Item]] = weakref.WeakKeyDictionary()
        self._senders: weakref.WeakKeyDictionary[_Conn, asyncio.Task[Any]] = weakref.WeakKeyDictionary()

    def _outbox(self, conn: _Conn) -> asyncio.Queue[_Item]:
        queue = self._outboxes.get(conn)
        if queue is None:
            queue = self._outboxes[conn] = asyncio.Queue(self.queue_size)
        return queue

    def _listings(self, dataset: str, symbols: list[str]) -> list[Listing]:
        """What the recording has: any dataset the server knows, the recorded symbols only."""
        if self.known is not None:
            unknown = [s for s in symbols if s not in self.known]
            if unknown:
                plural = "s" if len(unknown) > 1 else ""
                raise Refused(UNKNOWN_SYMBOL, f"unknown symbol{plural} in the recording: {', '.join(unknown)}")
        # the price fields only drive the generated market, which is not used here
        return [Listing(s, 0.0, 0.0, ()) for s in symbols]

    async def _subscribe(self, conn: _Conn, msg: dict[str, Any]) -> None:
        self._outbox(conn)  # before the symbols are routed here
        await super()._subscribe(conn, msg)
        if self.end is not None:
            self._outbox(conn).put_nowait(None)
        self.on_subscribed()

    def _start_replay(self, conn: _Conn, replay: Replay) -> None:
        raise Refused(BAD_REQUEST, "this server replays a recording of live data: there is no history endpoint")

    async def _stream(self, conn: _Conn) -> None:
        """The connection's sender (the simulator spawns it per live connection): its queue, in order."""
        task = asyncio.current_task()
        assert task is not None
        self._senders[conn] = task
        queue = self._outbox(conn)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    code, reason = self.end or (NORMAL_CLOSURE, REASON_END)
                    await self._send(conn, control_message(STREAM_END))
                    await self._close(conn, code, reason)
                    return
                symbol, frame = item
                # an unsubscribe takes effect at once: nothing queued before it follows its reply
                if symbol in conn.subs:
                    await self._send(conn, frame)
        except (ConnectionError, RuntimeError):
            return  # the client went away; the handler cleans up

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        try:
            async with conn.lock:
                await asyncio.wait_for(conn.ws.close(code=code, message=_reason_bytes(reason)), _CLOSE_TIMEOUT)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            if conn.transport is not None:
                conn.transport.abort()

    async def deliver(self, event: DataEvent) -> None:
        """Queue one recorded record for each connection on its channel subscribed to its symbol."""
        if event.channel not in TYPE_OF:
            return
        frame: str | None = None
        waiting: list[_Conn] = []
        for conn in list(self._conns):
            if conn.channel != event.channel or event.symbol not in conn.subs:
                continue
            if frame is None:
                frame = data_message(event.channel, event.data).decode()
            try:
                self._outbox(conn).put_nowait((event.symbol, frame))
            except asyncio.QueueFull:
                waiting.append(conn)
        if waiting and frame is not None:
            item = (event.symbol, frame)
            await asyncio.gather(*(self._wait_for_room(c, item) for c in waiting))

    async def _wait_for_room(self, conn: _Conn, item: tuple[str, str]) -> None:
        try:
            await asyncio.wait_for(self._outbox(conn).put(item), self.slow_timeout)
        except asyncio.TimeoutError:
            self.spawn(self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    async def finish(self, code: int, reason: str) -> None:
        """End every connection: what was queued is sent, then `stream_end`, then the close."""
        self.end = (code, reason)
        await asyncio.gather(*(self._end_conn(c) for c in list(self._conns)), return_exceptions=True)

    async def _end_conn(self, conn: _Conn) -> None:
        sender = self._senders.get(conn)
        if conn.channel == HISTORY_CHANNEL or sender is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._send(conn, control_message(STREAM_END))
            await self._close(conn, *(self.end or (NORMAL_CLOSURE, REASON_END)))
            return
        try:
            await asyncio.wait_for(self._outbox(conn).put(None), _DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        _done, pending = await asyncio.wait({sender}, timeout=_DRAIN_TIMEOUT)
        if pending:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)


# ----------------------------------------------------------------------------- MOEX ISS+


class _MoexReplay(MoexSimulator):
    """The ISS+ simulator's gateway (CONNECT, metadata, heart-beats, errors) fed a recording.

    A recorded line is the typed row, book or candle feedcli wrote; it is encoded back into a
    packet with the codec (`moex.encode_rows`: numbers back to `[value, decimals]`, enum
    descriptions back to ids, candle records back to rows). A subscription's first packet is
    a `snapshot` (the codec writes nothing before one), the next ones `updates` of the whole
    row (a `removal` for a line marked removed); order books are whole books every time. The
    recorded `ts` is the packet's `timestamp`. Candles are served at whatever interval is
    asked for: a recording does not say which one it holds.
    """

    def __init__(self, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float) -> None:
        super().__init__(host=host, port=port, queue_size=queue_size, listings=())
        self.known: set[str] | None = None if symbols is None else set(symbols)
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[], None] = lambda: None
        self.end: tuple[int, str] | None = None

    async def _produce(self) -> None:
        """No generated market: the recording is the source."""

    def _knows(self, ticker: str) -> bool:
        return self.known is None or ticker in self.known

    def _subscribed(self, sub: Any) -> None:
        # no snapshot of its own: the recording's next line for it is sent as one
        if self.end is not None:
            sub.conn.close_with = self.end
            self._enqueue(sub.conn, None)
        self.on_subscribed()

    async def deliver(self, event: DataEvent) -> None:
        subs = [s for key, group in self._index.items() if key[:2] == (event.channel, event.symbol) for s in group]
        if not subs:
            return
        millis = _epoch_ms(event.ts)
        for sub in subs:
            frame = self._frame(sub, event, millis)
            if frame is None:
                continue
            try:
                sub.conn.queue.put_nowait(frame)
            except asyncio.QueueFull:
                try:
                    await asyncio.wait_for(sub.conn.queue.put(frame), self.slow_timeout)
                except asyncio.TimeoutError:
                    self._drop(sub.conn)
                    self.spawn(self._close(sub.conn, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    @staticmethod
    def _frame(sub: Any, event: DataEvent, millis: int | None) -> bytes | None:
        data = event.data
        if not isinstance(data, dict):
            return None
        schema = moex.FALLBACK_SCHEMA
        if sub.stream == "orderbooks":
            resource, rows, kind = schema.resource("MXSE.orderbooks"), moex.book_rows(data), "snapshot"
        else:
            if sub.stream == "candles":
                resource, row = schema.resource("MXSE.candles"), moex.candle_row(data)
            else:
                resource, row = schema.resource("MXSE.securities"), {k: v for k, v in data.items() if k != "removed"}
            rows = [row]
            kind = "snapshot" if sub.seq == 0 else "removal" if data.get("removed") else "updates"
        if sub.seq == 0 and kind == "removal":
            return None
        columns, wire = moex.encode_rows(resource, schema, rows)
        sub.seq += 1
        body = moex.encode_packet(kind, columns, wire, sub.seq, millis)
        return moex.message_frame(sub.sid, sub.destination, f"{sub.sid}-{sub.seq}", body)

    async def finish(self, code: int, reason: str) -> None:
        """End every connection: what was queued is sent, then the close (1000 "end of recording")."""
        self.end = (code, reason)
        await asyncio.gather(*(self._end_conn(c) for c in list(self._conns)), return_exceptions=True)

    async def _end_conn(self, conn: Any) -> None:
        conn.close_with = self.end
        try:
            await asyncio.wait_for(conn.queue.put(None), _DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._close(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        sender = conn.tasks[0] if conn.tasks else None
        if sender is not None:
            _done, pending = await asyncio.wait({sender}, timeout=_DRAIN_TIMEOUT)
            if pending:
                await self._close(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)


def _epoch_ms(ts: str | None) -> int | None:
    """A line's `ts` (ISO 8601) as epoch milliseconds, the packet timestamp; None if it has none."""
    if not ts:
        return None
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


# ----------------------------------------------------------------------------- the server


class ReplayServer:
    """Serve a recording as the recorded provider's server: `await start()` → base URL.

    `provider` is the recording's provider (`tse`, `ime` or `datafye`); `source` is called once,
    when the first client subscribes, and yields the recording's events already paced in time.
    `symbols`, the recording's symbols (of `provider`, as in the lines' `symbol`), lets a
    subscription to any other be refused as the live server refuses an unknown symbol (HT:
    close 1008 "Invalid symbol: X"; Datafye: error UNKNOWN_SYMBOL); without it every symbol is
    accepted and simply gets no data. `queue_size` bounds each client's backlog in messages;
    a client whose backlog stays full for `slow_timeout` seconds is closed with 1013.

    HT is served with the simulator's account (user `demo`, password `demo`, HS256 JWT at
    `POST /auth/user/token/issue`, signed with the key of the simulator's default seed, so a
    token stored from `feedcli simulate tse` is accepted too). Both families' endpoints exist,
    as on the real host; the one not recorded refuses every symbol (close 1008). Symbols are
    matched as recorded: a TSE ISIN on the `isin` endpoint, anything else on `name`; an IME
    id (digits) on `id`, anything else on `name`. Also an async context manager.
    """

    def __init__(
        self,
        provider: str,
        source: Source,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        symbols: Iterable[str] | None = None,
        queue_size: int = 4_096,
        slow_timeout: float = 5.0,
    ) -> None:
        if provider not in SERVED:
            raise UsageError(f"replay --serve does not know how to serve {provider} yet")
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if not slow_timeout > 0:
            raise ValueError(f"slow_timeout must be a positive number of seconds, not {slow_timeout}")
        self.provider = provider
        self._source = source
        known = None if symbols is None else list(dict.fromkeys(symbols))
        self._backend: _HTReplay | _DatafyeReplay | _MoexReplay
        if provider == "datafye":
            self._backend = _DatafyeReplay(host, port, known, queue_size, slow_timeout)
        elif provider == "moex":
            self._backend = _MoexReplay(host, port, known, queue_size, slow_timeout)
        else:
            self._backend = _HTReplay(provider, host, port, known, queue_size, slow_timeout)
        self._backend.on_subscribed = self._on_subscribed
        self._subscribed: asyncio.Event | None = None
        self._finished: asyncio.Event | None = None
        self._player: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.played = 0
        self.exhausted = False

    # ---- what the CLI shows ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give `--url`, once started."""
        return self._backend.url

    @property
    def connections(self) -> int:
        """Client connections open now (HT: accepted subscriptions; Datafye: open sockets)."""
        return self._backend.connections

    @property
    def started(self) -> bool:
        """Whether the timeline has started (a first client subscribed)."""
        return self._subscribed is not None and self._subscribed.is_set()

    def banner(self) -> str:
        """The first line on stderr: the base URL, and the credentials where the provider has them.

        The same shape as `feedcli simulate`'s banner (CONTRACT.md, `simulate`), so scripts and
        tests that read one read the other.
        """
        line = f"feedcli replay: serving the recording as {SERVED[self.provider]} at {self.url}"
        if isinstance(self._backend, _HTReplay | _MoexReplay):
            line += f" user {self._backend.user} password {self._backend.password}"
        return line

    def listing(self) -> list[str]:
        """Lines after the banner: when the replay starts and how to connect to it."""
        lines = ["The recording starts playing when the first client subscribes."]
        login = f"feedcli login --url {self.url} -u demo"
        if self.provider == "tse":
            lines.append(f"Try: {login}, then feedcli stream tse --url {self.url} --isin ISIN")
        elif self.provider == "ime":
            lines.append(f"Try: {login}, then feedcli stream ime --url {self.url} --contract-id ID")
        elif self.provider == "moex":
            lines.append(f"Try: feedcli stream moex --url {self.url} --ticker TICKER --stream STREAM (as the guest)")
        else:
            lines.append(f"Try: feedcli stream datafye --url {self.url} --symbol SYM --channel quotes")
        return lines

    # ---- life cycle --------------------------------------------------------------------------

    async def start(self) -> str:
        """Bind and return the base URL (`http://HOST:PORT`, with the real port).

        The recording is not read yet: it starts playing when the first client subscribes.
        """
        if self._player is not None:
            return self.url
        self._subscribed = asyncio.Event()
        self._finished = asyncio.Event()
        url = await self._backend.start()
        self._player = asyncio.ensure_future(self._play())
        return url

    async def stop(self) -> None:
        """Stop playing, close every connection (1001 "server shutting down"), release the port."""
        if self._player is not None:
            self._player.cancel()
            await asyncio.gather(self._player, return_exceptions=True)
        await self._backend.stop()
        if self._finished is not None:
            self._finished.set()

    async def wait_finished(self) -> None:
        """Return once the recording has been played and every client was sent its end.

        Also returns if the server is stopped first (then `exhausted` is False). Raises the
        source's error if reading the recording failed (clients were closed with 1011).
        """
        if self._finished is None:
            raise RuntimeError("the replay server is not started")
        await self._finished.wait()
        if self._error is not None:
            raise self._error

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- the timeline ------------------------------------------------------------------------

    def _on_subscribed(self) -> None:
        if self._subscribed is not None:
            self._subscribed.set()

    async def _play(self) -> None:
        """Wait for the first subscriber, then send each event as the source yields it."""
        assert self._subscribed is not None and self._finished is not None
        backend = self._backend
        try:
            await self._subscribed.wait()
            events = self._source()
            try:
                async for event in events:
                    if isinstance(event, DataEvent) and event.provider == self.provider:
                        self.played += 1
                        await backend.deliver(event)
                    # let the senders run even if the source never waits (an unpaced replay)
                    await asyncio.sleep(0)
            finally:
                aclose = getattr(events, "aclose", None)
                if aclose is not None:
                    with contextlib.suppress(Exception):
                        await aclose()
        except Exception as exc:
            self._error = exc
            # the reason stays generic: the operator gets the error itself (wait_finished), the
            # clients, possibly someone else's, need not see local paths
            await backend.finish(INTERNAL_ERROR, REASON_FAILED)
        else:
            self.exhausted = True
            await backend.finish(NORMAL_CLOSURE, REASON_END)
        finally:
            self._finished.set()


def recorded_symbols(events: Iterable[Event], provider: str) -> list[str]:
    """The symbols of `provider`'s data events, in order of appearance: `ReplayServer(symbols=)`."""
    return list(dict.fromkeys(e.symbol for e in events if isinstance(e, DataEvent) and e.provider == provider))


__all__ = ["SERVED", "ReplayServer", "recorded_symbols"]
