"""`replay --serve` of a Datafye recording: the Datafye simulator's server fed it.

See `feedcli.simulators.replay_server` for the timeline, the end of a recording and slow
clients; this module only plugs a recording into `DatafyeSimulator` in place of its market.

A recording of live data is played on the timeline to the live endpoints. A recording of a
history request (`record datafye --from T --to T`) is served as history: a `start` on
`stocks/history` gets the recorded bars of its range, in batches as the simulator sends them,
then `stream_end` (`datafye_history.py` holds them and says what it can answer). Such a
recording is played once each of its histories has been sent in full.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from feedcli.events import DataEvent
from feedcli.providers.datafye import STREAM_END, TYPE_OF, control_message, data_message
from feedcli.simulators.datafye import (
    HISTORY_BATCH,
    HISTORY_CHANNEL,
    UNKNOWN_SYMBOL,
    DatafyeSimulator,
    Listing,
    Refused,
    _Conn,
    _Dropped,
)
from feedcli.simulators.datafye_history import CHANNEL as HISTORY_BARS
from feedcli.simulators.datafye_history import RecordedHistory, Span, iso
from feedcli.simulators.ht import REASON_TOO_SLOW, TRY_AGAIN_LATER, _reason_bytes
from feedcli.simulators.replay_server import CLOSE_TIMEOUT, DRAIN_TIMEOUT, NORMAL_CLOSURE, REASON_END
from feedcli.timeouts import within

#: an item of a Datafye client's queue: (symbol, frame), or None for the end
_Item = tuple[str, str] | None


class DatafyeReplay(DatafyeSimulator):
    """The Datafye simulator's server (subscribe replies, errors, heartbeats) fed a recording."""

    def __init__(self, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float) -> None:
        super().__init__(host=host, port=port)
        self.known: set[str] | None = None if symbols is None else set(symbols)
        self.queue_size = queue_size
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[object], None] = lambda _connection: None
        self.end: tuple[int, str] | None = None
        # per connection, its queue and the task that sends it (weak: they go with the connection)
        self._outboxes: weakref.WeakKeyDictionary[_Conn, asyncio.Queue[_Item]] = weakref.WeakKeyDictionary()
        self._senders: weakref.WeakKeyDictionary[_Conn, asyncio.Task[Any]] = weakref.WeakKeyDictionary()
        #: the recording's history requests, and when each has been served in full
        self.history = RecordedHistory()
        self._history_done = asyncio.Event()
        self._history_done.set()  # nothing to serve until add_history

    @property
    def account(self) -> None:
        """None: Datafye has no accounts (IP allow-lists)."""
        return None

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
        self.on_subscribed(conn)

    # ---- history -----------------------------------------------------------------------------

    def add_history(self, subscription: Mapping[str, Any], events: Iterable[DataEvent]) -> None:
        """Serve one history recording (its `recording` line's subscription, its data) on request."""
        self.history.add(subscription, events)
        if not self.history.done:
            self._history_done.clear()

    async def history_served(self) -> None:
        """Return once every recorded history has been sent in full (at once if there is none)."""
        await self._history_done.wait()

    def history_listing(self, url: str) -> list[str]:
        """Lines for the banner's listing: what history can be asked for, and how."""
        lines = [f"History on request: {span.describe()}." for span in self.history.spans]
        spans = self.history.spans
        if spans:
            first = spans[0]
            lines.append(
                f"Try: feedcli stream datafye --url {url} --symbol {first.symbol} --channel aggregates "
                f"--frequency {first.frequency} --from {iso(first.start)} --to {iso(first.end)}"
            )
        return lines

    def _history(self, conn: _Conn, msg: dict[str, Any]) -> None:
        """A `start`: the recorded bars of its range, or the error saying why there are none."""
        answer = self.history.answer(msg)
        if conn.replay is not None:
            conn.replay.cancel()  # a new start replaces the replay under way, as the simulator's does
        if self.end is not None:
            conn.replay = conn.spawn(self._end_history(conn))
        else:
            conn.replay = conn.spawn(self._send_history(conn, answer.bars, answer.covers))
        self.on_subscribed(conn)

    async def _send_history(self, conn: _Conn, bars: list[dict[str, Any]], covers: list[Span]) -> None:
        """The bars in batches, as fast as the client reads, then `stream_end`."""
        try:
            for i in range(0, len(bars), HISTORY_BATCH):
                await self._send_data(conn, HISTORY_BARS, bars[i : i + HISTORY_BATCH])
                await asyncio.sleep(0)  # let heartbeats and client messages in
            await self._send(conn, control_message(STREAM_END))
        except (_Dropped, ConnectionError, RuntimeError):
            return
        self.history.served(covers)
        if self.history.done:
            self._history_done.set()

    async def _end_history(self, conn: _Conn) -> None:
        """A request after the end of the replay: `stream_end` and the close at once, as live."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._send(conn, control_message(STREAM_END))
        await self._close(conn, *(self.end or (NORMAL_CLOSURE, REASON_END)))

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
                await within(conn.ws.close(code=code, message=_reason_bytes(reason)), CLOSE_TIMEOUT)
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
            await within(self._outbox(conn).put(item), self.slow_timeout)
        except asyncio.TimeoutError:
            self.spawn(self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    async def finish(self, code: int, reason: str) -> None:
        """End every connection: what was queued is sent, then `stream_end`, then the close."""
        self.end = (code, reason)
        await asyncio.gather(*(self._end_conn(c) for c in list(self._conns)), return_exceptions=True)

    async def _end_conn(self, conn: _Conn) -> None:
        sender = self._senders.get(conn)
        if conn.channel == HISTORY_CHANNEL and conn.replay is not None:
            # a history reply under way is sent to its end (its own stream_end), then the close
            _done, pending = await asyncio.wait({conn.replay}, timeout=DRAIN_TIMEOUT)
            if pending:
                await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
                return
            await self._close(conn, *(self.end or (NORMAL_CLOSURE, REASON_END)))
            return
        if conn.channel == HISTORY_CHANNEL or sender is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._send(conn, control_message(STREAM_END))
            await self._close(conn, *(self.end or (NORMAL_CLOSURE, REASON_END)))
            return
        try:
            await within(self._outbox(conn).put(None), DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        _done, pending = await asyncio.wait({sender}, timeout=DRAIN_TIMEOUT)
        if pending:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
