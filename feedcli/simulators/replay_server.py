"""Serve a recording over the recorded provider's own protocol (`feedcli replay FILE --serve`).

A recording is only as useful as the clients that can read it. Serving it over the wire the
provider itself speaks lets `feedcli stream --url`, the provider's documented example clients
and users' own code run against yesterday's market unchanged, with only the base URL swapped,
as tardis-machine does for crypto exchanges. So this is the simulator's server (login, JWT check
at the handshake, refusals, heartbeats, subscribe replies) with the recording as its source in
place of the generated market: each provider's record names its backend (`Provider.replay`),
a subclass of its simulator whose data source and end-of-stream handling are replaced
(`ht_replay.py`, `datafye_replay.py`, `moex_replay.py`; `crypto_replay.py` for the six crypto
exchanges, one module for all).

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

History. A recording of a history request (the provider's record says which: `Replay.history`)
is not played on the timeline: its lines are handed to the backend up front (`add_history`) and
sent to whoever asks for that history, as fast as the client reads, in the provider's own
request/response shape. An accepted history request counts as a subscription for starting the
timeline, and the recording has been played once the timeline is over and every recorded
history has been sent in full at least once.

Slow clients. A replay at high speed can outrun a reader. Frames wait in a bounded queue per
client; when it is full the timeline waits up to `slow_timeout` seconds for room (a replay
should not drop a reader that is merely behind), then closes that client with 1013 "client too
slow" (try again later, as the simulators do) so that one stuck client cannot stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, cast

from feedcli import providers
from feedcli.errors import UsageError
from feedcli.events import DataEvent, Event
from feedcli.providers.ht import END_OF_RECORDING
from feedcli.providers.record import HistoryBackend, ReplayBackend

#: the close every client gets when the recording has been played to its end
NORMAL_CLOSURE = 1000
REASON_END = END_OF_RECORDING  # the codecs read this close as the end of the stream
#: the close when the source failed (a file that cannot be read further): the server's error
INTERNAL_ERROR = 1011
REASON_FAILED = "replay failed"
#: how long a close frame may take to be written before the connection is aborted
CLOSE_TIMEOUT = 2.0
#: how long the end of the recording waits for a client to be sent what was queued for it
DRAIN_TIMEOUT = 10.0

Source = Callable[[], AsyncIterator[Event]]


class ReplayServer:
    """Serve a recording as the recorded provider's server: `await start()` → base URL.

    `provider` is the recording's provider (one whose record has `replay`); `source` is called once,
    when `wait_clients` client connections have subscribed (the first, by default), and yields
    the recording's events already paced in time.
    `symbols`, the recording's symbols (of `provider`, as in the lines' `symbol`), lets a
    subscription to any other be refused as the live server refuses an unknown symbol (HT:
    close 1008 "Invalid symbol: X"; Datafye: error UNKNOWN_SYMBOL); without it every symbol is
    accepted and simply gets no data. `queue_size` bounds each client's backlog in messages;
    a client whose backlog stays full for `slow_timeout` seconds is closed with 1013.

    What is served, and how symbols are matched, is the backend's (see each one's docstring).
    Also an async context manager.
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
        wait_clients: int = 1,
    ) -> None:
        record = providers.find(provider)
        if record is None or record.replay is None:
            raise UsageError(f"replay --serve does not know how to serve {provider} yet")
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if wait_clients < 1:
            raise ValueError("wait_clients must be at least 1")
        #: subscribed client connections to wait for before the timeline starts
        self.wait_clients = wait_clients
        self._clients: set[int] = set()
        if not slow_timeout > 0:
            raise ValueError(f"slow_timeout must be a positive number of seconds, not {slow_timeout}")
        self.provider = provider
        self._source = source
        known = None if symbols is None else list(dict.fromkeys(symbols))
        #: the symbols played on the timeline (None: any)
        self._live = known
        self._spec = record.replay
        self._backend: ReplayBackend = record.replay.backend(host, port, known, queue_size, slow_timeout)
        self._backend.on_subscribed = self._on_subscribed
        self._subscribed: asyncio.Event | None = None
        self._finished: asyncio.Event | None = None
        self._player: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self.played = 0
        self.exhausted = False
        self._history: HistoryBackend | None = None

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
        line = f"feedcli replay: serving the recording as {self._spec.service} at {self.url}"
        account = self._backend.account
        if account is not None:
            line += f" user {account[0]} password {account[1]}"
        return line

    def listing(self) -> list[str]:
        """Lines after the banner: when the replay starts, what history it serves, how to connect."""
        when = (
            "the first client subscribes"
            if self.wait_clients == 1
            else f"{self.wait_clients} client connections have subscribed (--wait-clients)"
        )
        history = self._history.history_listing(self.url) if self._history is not None else []
        live = self._live is None or bool(self._live) or not history
        return [
            f"The recording starts playing when {when}.",
            *history,
            *(["Try: " + self._spec.hint.format(url=self.url)] if live else []),
        ]

    def add_history(self, subscription: Mapping[str, Any], events: list[DataEvent]) -> None:
        """Serve a recording of a history request (its `recording` line's subscription and its
        data events) to whoever asks for it; UsageError if the provider serves no history."""
        if self._spec.history is None or not hasattr(self._backend, "add_history"):
            raise UsageError(f"replay --serve does not serve {self.provider} history")
        self._history = cast(HistoryBackend, self._backend)
        self._history.add_history(subscription, events)

    def preload(self, events: list[DataEvent]) -> None:
        """Hand the backend the lines it serves before the timeline starts (`Replay.preload`)."""
        if events and hasattr(self._backend, "preload"):
            self._backend.preload(events)

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

    @property
    def clients(self) -> int:
        """Connections that have subscribed so far (a Datafye client opens one per channel)."""
        return len(self._clients)

    def _on_subscribed(self, connection: object) -> None:
        self._clients.add(id(connection))
        if self._subscribed is not None and len(self._clients) >= self.wait_clients:
            self._subscribed.set()

    async def _play(self) -> None:
        """Wait for the subscribers asked for, then send each event as the source yields it."""
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
            if self._history is not None:
                await self._history.history_served()
            self.exhausted = True
            await backend.finish(NORMAL_CLOSURE, REASON_END)
        finally:
            self._finished.set()


def recorded_symbols(events: Iterable[Event], provider: str) -> list[str]:
    """The symbols of `provider`'s data events, in order of appearance: `ReplayServer(symbols=)`."""
    return list(dict.fromkeys(e.symbol for e in events if isinstance(e, DataEvent) and e.provider == provider))


__all__ = ["ReplayServer", "recorded_symbols"]
