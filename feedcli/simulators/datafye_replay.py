"""`replay --serve` of a Datafye recording: the Datafye simulator's server fed it.

See `feedcli.simulators.replay_server` for the timeline, the end of a recording and slow
clients; this module only plugs a recording into `DatafyeSimulator` in place of its market.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import Any

from feedcli.events import DataEvent
from feedcli.providers.datafye import STREAM_END, TYPE_OF, control_message, data_message
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
from feedcli.simulators.ht import REASON_TOO_SLOW, TRY_AGAIN_LATER, _reason_bytes
from feedcli.simulators.replay_server import CLOSE_TIMEOUT, DRAIN_TIMEOUT, NORMAL_CLOSURE, REASON_END

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
                await asyncio.wait_for(conn.ws.close(code=code, message=_reason_bytes(reason)), CLOSE_TIMEOUT)
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
            await asyncio.wait_for(self._outbox(conn).put(None), DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        _done, pending = await asyncio.wait({sender}, timeout=DRAIN_TIMEOUT)
        if pending:
            await self._kick(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
