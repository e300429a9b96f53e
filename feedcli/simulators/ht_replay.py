"""`replay --serve` of an HT Data Engine recording (tse or ime): the HT simulator's server fed it.

See `feedcli.simulators.replay_server` for the timeline, the end of a recording and slow
clients; this module only plugs a recording into `HTSimulator` in place of its market.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from feedcli.events import DataEvent
from feedcli.providers import ht, ime, tse
from feedcli.simulators.ht import REASON_TOO_SLOW, TRY_AGAIN_LATER, HTSimulator, _Client, _reason_bytes
from feedcli.simulators.replay_server import CLOSE_TIMEOUT, DRAIN_TIMEOUT, NORMAL_CLOSURE, REASON_END
from feedcli.timeouts import within


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


class HTReplay(HTSimulator):
    """The HT simulator's server (login, token check, refusals, per-client queues) fed a recording.

    `family` is the recording's (`tse` or `ime`). Both families' endpoints exist, as on the
    real host; the one not recorded refuses every symbol (close 1008). Symbols are matched as
    recorded: a TSE ISIN on the `isin` endpoint, anything else on `name`; an IME id (digits)
    on `id`, anything else on `name`. The account is the simulator's (user `demo`, password
    `demo`), with tokens signed with the key of the simulator's default seed, so a token stored
    from `feedcli simulate tse` is accepted too.
    """

    def __init__(
        self, family: str, host: str, port: int, symbols: list[str] | None, queue_size: int, slow_timeout: float
    ) -> None:
        super().__init__(host=host, port=port, queue_size=queue_size)
        self.family = family
        self.slow_timeout = slow_timeout
        self.on_subscribed: Callable[[object], None] = lambda _connection: None
        #: (code, reason) once the recording is over: every client, present or future, gets it
        self.end: tuple[int, str] | None = None
        # The simulator looks subscriptions up in these four tables (symbol → object with .key).
        # The family not being replayed has empty tables: its endpoints refuse every symbol.
        empty: tuple[dict[str, _Recorded], dict[str, _Recorded]] = ({}, {})
        tse_tables = _tables(symbols, tse.is_isin) if family == "tse" else empty
        ime_tables = _tables(symbols, str.isdigit) if family == "ime" else empty
        self._isins, self._names = cast(Any, tse_tables)
        self._contract_ids, self._contract_names = cast(Any, ime_tables)

    @property
    def account(self) -> tuple[str, str]:
        return (self.user, self.password)

    async def _produce(self) -> None:
        """No generated market: the replay server delivers the recording instead."""

    def _synthesize(self, family: str, by: str, identifier: str) -> None:
        """Nothing is made up: a symbol the recording does not have is refused (1008)."""
        return None

    def _register(self, client: _Client, keys: list[tuple[str, str]]) -> None:
        super()._register(client, keys)
        if self.end is not None:
            client.queue.put_nowait(_HT_END)  # a fresh queue has room
        self.on_subscribed(client)

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
        """The message as the live server sent it: the recorded `data` unchanged, and its `ts` as HT
        writes it, Tehran wall time (a line's UTC `ts` converted back; an older recording's as it is).

        The identifier is the recorded symbol (the client subscribed by it), under the field
        the client's endpoint names it by (symbolIsin or symbolName; ContractId or contractName).
        """
        ts = ht.wall_time(event.ts)
        if client.family == "tse":
            by = cast(tse.By, client.by)
            return tse.encode_message(by, event.symbol, event.channel, ts, event.data).decode()
        return ime.encode_message(cast(ime.By, client.by), event.symbol, ts, event.data).decode()

    async def _wait_for_room(self, client: _Client, frame: str) -> None:
        try:
            await within(client.queue.put(frame), self.slow_timeout)
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
                        await within(ws.close(code=code, message=_reason_bytes(reason)), CLOSE_TIMEOUT)
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
            await within(client.queue.put(_HT_END), DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            await self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW)
            return
        if client.sender is not None:
            _done, pending = await asyncio.wait({client.sender}, timeout=DRAIN_TIMEOUT)
            if pending:
                await self._kick(client, TRY_AGAIN_LATER, REASON_TOO_SLOW)


#: the end marker in an HT client's queue (frames are never empty, so identity is enough)
_HT_END = ""
