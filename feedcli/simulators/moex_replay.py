"""`replay --serve` of a MOEX ISS+ recording: the ISS+ simulator's gateway fed it.

See `feedcli.simulators.replay_server` for the timeline, the end of a recording and slow
clients; this module only plugs a recording into `MoexSimulator` in place of its market.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from feedcli.events import DataEvent
from feedcli.providers.moex.metadata import FALLBACK_SCHEMA
from feedcli.providers.moex.server import encode_packet, encode_rows, message_frame
from feedcli.providers.moex.tables import book_rows, candle_row
from feedcli.simulators.ht import REASON_TOO_SLOW, TRY_AGAIN_LATER
from feedcli.simulators.moex import MoexSimulator
from feedcli.simulators.replay_server import DRAIN_TIMEOUT
from feedcli.timeouts import within
from feedcli.wallclock import utc_moment


class MoexReplay(MoexSimulator):
    """The ISS+ simulator's gateway (CONNECT, metadata, heart-beats, errors) fed a recording.

    A recorded line is the typed row, book or candle feedcli wrote; it is encoded back into a
    packet with the codec (`encode_rows`: numbers back to `[value, decimals]`, enum
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
        self.on_subscribed: Callable[[object], None] = lambda _connection: None
        self.end: tuple[int, str] | None = None

    @property
    def account(self) -> tuple[str, str]:
        return (self.user, self.password)

    async def _produce(self) -> None:
        """No generated market: the recording is the source."""

    def _knows(self, ticker: str) -> bool:
        return self.known is None or ticker in self.known

    def _subscribed(self, sub: Any) -> None:
        # no snapshot of its own: the recording's next line for it is sent as one
        if self.end is not None:
            sub.conn.close_with = self.end
            self._enqueue(sub.conn, None)
        self.on_subscribed(sub.conn)

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
                    await within(sub.conn.queue.put(frame), self.slow_timeout)
                except asyncio.TimeoutError:
                    self._drop(sub.conn)
                    self.spawn(self._close(sub.conn, TRY_AGAIN_LATER, REASON_TOO_SLOW))

    @staticmethod
    def _frame(sub: Any, event: DataEvent, millis: int | None) -> bytes | None:
        data = event.data
        if not isinstance(data, dict):
            return None
        schema = FALLBACK_SCHEMA
        if sub.stream == "orderbooks":
            resource, rows, kind = schema.resource("MXSE.orderbooks"), book_rows(data), "snapshot"
        else:
            if sub.stream == "candles":
                resource, row = schema.resource("MXSE.candles"), candle_row(data)
            else:
                resource, row = schema.resource("MXSE.securities"), {k: v for k, v in data.items() if k != "removed"}
            rows = [row]
            kind = "snapshot" if sub.seq == 0 else "removal" if data.get("removed") else "updates"
        if sub.seq == 0 and kind == "removal":
            return None
        columns, wire = encode_rows(resource, schema, rows)
        sub.seq += 1
        body = encode_packet(kind, columns, wire, sub.seq, millis)
        return message_frame(sub.sid, sub.destination, f"{sub.sid}-{sub.seq}", body)

    async def finish(self, code: int, reason: str) -> None:
        """End every connection: what was queued is sent, then the close (1000 "end of recording")."""
        self.end = (code, reason)
        await asyncio.gather(*(self._end_conn(c) for c in list(self._conns)), return_exceptions=True)

    async def _end_conn(self, conn: Any) -> None:
        conn.close_with = self.end
        try:
            await within(conn.queue.put(None), DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._close(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        sender = conn.tasks[0] if conn.tasks else None
        if sender is not None:
            _done, pending = await asyncio.wait({sender}, timeout=DRAIN_TIMEOUT)
            if pending:
                await self._close(conn, TRY_AGAIN_LATER, REASON_TOO_SLOW)


def _epoch_ms(ts: str | None) -> int | None:
    """A line's `ts` (ISO 8601) as epoch milliseconds, the packet timestamp; None if it has none."""
    moment = utc_moment(ts)
    return None if moment is None else int(moment.timestamp() * 1000)
