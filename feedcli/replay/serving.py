"""`replay --serve`: a recording served over its provider's own protocol, paced like a replay.

The server itself is simulators/replay_server.py (the provider's simulator, fed recorded
events); this module reads the recordings, learns which provider and symbols they hold,
paces their events into the server through a bounded queue, and runs it until the recording
has been played or a signal ends it (runner.run_until_done).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

from feedcli.errors import UsageError
from feedcli.replay.filters import Filters
from feedcli.replay.pacing import Counters, pump
from feedcli.replay.playback import ReplayOptions
from feedcli.replay.reading import Recording, merged, stderr_warn
from feedcli.runner import run_command, serve_until_done


class _QueueOutput:
    """Paced lines, decoded into events and handed to the replay server through a bounded queue."""

    def __init__(self, size: int = 1024) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)

    async def start(self) -> None:
        return None

    async def send(self, lines: list[bytes]) -> None:
        from feedcli.events import decode_line

        for line in lines:
            try:
                event = decode_line(line)
            except (ValueError, KeyError, TypeError):
                continue  # the reader has reported it already
            await self.queue.put(event)

    async def aclose(self) -> None:
        await self.queue.put(None)


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `:PORT` for loopback); UsageError (exit 2) otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--serve wants HOST:PORT, such as 127.0.0.1:8765, not {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


class Survey(NamedTuple):
    """What the recordings hold, from one quick pass (no pacing)."""

    #: provider → its symbols, of the recordings played on the timeline (live ones)
    live: dict[str, list[str]]
    #: the files played on the timeline
    live_files: list[str]
    #: recordings of history requests: (provider, the `recording` line's subscription, its data)
    history: list[tuple[str, dict[str, Any], list[Any]]]
    #: data lines of the live recordings the backend wants before the timeline starts
    #: (`Replay.preload`: a crypto recording's REST backfill)
    preload: list[Any]

    @property
    def providers(self) -> list[str]:
        return list(dict.fromkeys([*self.live, *(provider for provider, _sub, _events in self.history)]))


def _is_history(header: Any) -> bool:
    """Whether a file's `recording` line says it holds a history request's answer (the
    provider's record judges by the subscription; one without history has none)."""
    from feedcli import providers

    subscription = header.fields.get("subscription")
    record = providers.find(header.provider)
    judge = record.replay.history if record is not None and record.replay is not None else None
    return judge is not None and isinstance(subscription, dict) and judge(subscription)


def _survey(paths: Sequence[str], filters: Filters) -> Survey:
    """The providers and symbols of the recordings, and which of them are history."""
    from feedcli.events import ControlEvent, DataEvent, decode_line

    live: dict[str, dict[str, None]] = {}
    live_files: list[str] = []
    preload: list[DataEvent] = []
    wants = _preloaders()
    history: list[tuple[str, dict[str, Any], list[Any]]] = []
    for path in paths:
        recording = Recording.open(path)
        # a file's `recording` line comes first: it says whether the file is history, whose
        # events are kept (the backend serves them on request); of a live file only its symbols
        header: ControlEvent | None = None
        events: list[DataEvent] | None = None
        symbols: dict[tuple[str, str], None] = {}
        #: whether the recorder's first connection is open yet: data before it came over REST
        connected = False
        try:
            for _key, line in recording.records(filters, lambda _m: None):  # no ticks asked for
                try:
                    event = decode_line(line)
                except (ValueError, KeyError, TypeError):
                    continue
                if isinstance(event, ControlEvent) and event.event == "recording" and header is None:
                    if event.fields.get("normalized") is True:
                        raise UsageError(
                            f"{path} was recorded with --normalize: its data is no longer the provider's, "
                            "so it cannot be served in the provider's protocol (replay it, or export it)"
                        )
                    header = event
                    events = [] if _is_history(event) else None
                elif isinstance(event, DataEvent):
                    if events is not None:
                        events.append(event)
                    else:
                        symbols[event.provider, event.symbol] = None
                        if not connected and event.provider in wants:
                            preload.append(event)
                elif isinstance(event, ControlEvent) and event.event == "connected":
                    connected = True
        finally:
            recording.close()
        if header is not None and events is not None:
            if events:
                history.append((header.provider, dict(header.fields["subscription"]), events))
            continue
        live_files.append(path)
        for provider, symbol in symbols:
            live.setdefault(provider, {})[symbol] = None
    return Survey({p: list(symbols) for p, symbols in live.items()}, live_files, history, preload)


def _preloaders() -> set[str]:
    """The providers whose backend takes a recording's lines from before its first connection
    up front (`Replay.preload`)."""
    from feedcli import providers

    return {r.name for r in providers.records() if r.replay is not None and r.replay.preload}


def serve(options: ReplayOptions, address: str, *, wait_clients: int = 1, public: bool = False) -> None:
    """Serve the recordings over their provider's own protocol, paced at `options.speed`.

    The timeline starts when `wait_clients` subscriptions have come (see ReplayServer); the command
    ends when the recording has been played to every client, or on SIGINT/SIGTERM/SIGHUP.
    A HOST that is not loopback needs `public` (binds.check_bind).
    """
    from feedcli.binds import check_bind
    from feedcli.simulators.replay_server import ReplayServer

    host, port = parse_address(address)
    warning = check_bind(host, public, "the recording", "--serve")
    if "-" in options.files:
        raise UsageError("--serve reads the recording twice (to learn its symbols): give a file, not -")
    survey = _survey(options.files, options.filters)
    found = survey.providers
    if not found:
        raise UsageError("no data line to serve in " + ", ".join(options.files))
    if len(found) > 1:
        raise UsageError(f"the recordings hold several providers ({', '.join(found)}); --serve serves one at a time")
    (provider,) = found
    symbols = survey.live.get(provider, [])

    async def main() -> None:
        recordings = [Recording.open(path) for path in survey.live_files]
        out = _QueueOutput()
        pumping: list[asyncio.Task[None]] = []

        async def produce() -> None:
            try:
                await pump(merged(recordings, options.filters, stderr_warn, ticks=True), out, options.speed, Counters())
            finally:
                await out.aclose()  # the end of the recording, or of a failed read: the source ends

        async def source() -> AsyncIterator[Any]:
            task = asyncio.create_task(produce())
            pumping.append(task)
            while True:
                event = await out.queue.get()
                if event is None:
                    break
                yield event
            await task  # a read error surfaces here, and ends the replay with it

        server = ReplayServer(provider, source, host, port, symbols=symbols, wait_clients=wait_clients)
        for _provider, subscription, events in survey.history:
            server.add_history(subscription, events)
        server.preload([e for e in survey.preload if e.provider == provider])

        async def close() -> None:
            for task in pumping:
                task.cancel()
            await asyncio.gather(*pumping, return_exceptions=True)
            for recording in recordings:
                recording.close()

        listing = server.listing if warning is None else lambda: [*server.listing(), warning]
        await serve_until_done(server, host, port, listing, finished=server.wait_finished, close=close)

    run_command(main())
