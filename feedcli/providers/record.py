"""A provider is one record: everything the commands, the live view and `replay --serve` know of it.

Each provider module exports `PROVIDER`, a `Provider`. `stream`, `record`, `simulate`, `demo`,
`search`, `login`/`logout`, `providers`, `replay --serve` and the live view iterate the
registry of these records (`feedcli.providers`) and never name a provider themselves, so a
new provider is its module (or package), its simulator, its tests and its README section.

A record is declarations, cheap to import (named tuples, which cost a tenth of a dataclass to
create: every command's start, `--help` included, builds every record): what needs more (a
simulator, a login over the network, a replay server) is a function that imports it when called. The codec functions it
points at are pure (DESIGN.md): what reads the environment or the clock happens in the CLI or
the simulator and reaches a codec through `prepare`'s `tuning` or a constructor.
"""

from __future__ import annotations

import importlib
import operator
import types
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from feedcli.providers.base import Codec, ProviderInfo, SelectorOption

if TYPE_CHECKING:
    from feedcli.credentials import CredentialKind
    from feedcli.events import DataEvent
    from feedcli.market import Kind, Market
    from feedcli.ratelimit import RestLimits

#: (base URL, credential) → the codecs of one run, one per connection (a new list each call)
Connector = Callable[[str, Any], list[Codec]]
#: (the provider's option values, test knobs by key) → a Connector; UsageError for bad values
Prepare = Callable[[Mapping[str, Any], Mapping[str, float]], Connector]
if TYPE_CHECKING:
    #: (a line's `data`, its `ts`) → the market objects it holds (see `Channel.normalize`)
    Normalizer = Callable[[Any, str | None], tuple[Market, ...]]

#: no test knobs
NO_TUNING: Mapping[str, float] = types.MappingProxyType({})


class Channel(NamedTuple):
    """One channel (or stream) of a provider: its kind of data and how to read its lines.

    `normalize(data, ts)` returns the market objects in a line's `data` (feedcli.market),
    the line's own first: the first object whose kind is `kind` is what the line is; any
    others are what else the message holds (IME's one message: the best limits, the price
    band and the contract's details besides the day's statistics). It never raises for a
    payload of an unexpected shape: what it cannot read is left out or None.
    """

    name: str
    kind: Kind
    normalize: Normalizer
    #: where the line's `seq` comes from (MOEX: the packet's `seqnum`), as the README's table
    #: says it; None where the provider numbers nothing. The codec sets `seq` on its events.
    seq: str | None = None
    #: `ts` is when a bar starts, not when the message was sent: it says nothing of latency
    bar_time: bool = False
    #: its candles are a series (the live view keeps the recent bars, for a chart)
    series: bool = False
    #: its books are the provider's whole book (to its depth), not a best-limits subset
    full_book: bool = False

    def line_object(self, data: Any, ts: str | None = None) -> Market | None:
        """The object a line of this channel is (the first of its kind), None if there is none."""
        return next((m for m in self.normalize(data, ts) if m.kind == self.kind), None)


class Knob(NamedTuple):
    """A test knob: an environment variable that tunes a codec (a shorter keepalive).

    The CLI reads it and hands the number to `prepare` as `tuning[key]`; a codec never reads
    the environment. Documented per provider in the README.
    """

    env: str
    key: str


class Search(NamedTuple):
    """An instrument search: `codec(pattern)` checks the pattern (exit 2), then
    (base URL, credential) → a codec that finishes once the answer came, a data event per match."""

    codec: Callable[[str], Callable[[str, Any], Codec]]
    #: the columns a terminal table shows first, in order
    columns: tuple[str, ...] = ()
    #: command lines shown in `feedcli search --help`
    examples: tuple[str, ...] = ()


class SimOption(NamedTuple):
    """An option of `feedcli simulate PROVIDER` (the CLI turns these into Typer parameters)."""

    flag: str
    dest: str
    help: str
    type: type = int
    default: Any = None
    metavar: str | None = None
    min: float | None = None
    #: listed under "Fault injection" in --help
    fault: bool = False
    #: the values it takes (a Choice: --help and shell completion offer them; others exit 2)
    choices: tuple[str, ...] = ()
    #: repeatable: the value is a list of every one given (None when it is not given)
    multiple: bool = False


class Served(Protocol):
    """What `simulate` and `demo` run: a simulator's server."""

    async def start(self) -> str: ...

    async def stop(self) -> None: ...

    def banner(self) -> str: ...

    def listing(self) -> list[str]: ...


class Simulator(NamedTuple):
    """A provider's simulator: `build(host, port, values)` imports and makes it (ValueError or
    UsageError for values it refuses), `values` holding every option's `dest`."""

    build: Callable[[str, int, Mapping[str, Any]], Any]
    options: tuple[SimOption, ...]
    port: int
    help: str
    example: str

    def values(self, **given: Any) -> dict[str, Any]:
        """Every option at its default, but those given."""
        out = {option.dest: option.default for option in self.options}
        unknown = set(given) - set(out)
        if unknown:
            raise TypeError(f"no simulator options {sorted(unknown)}")
        out.update(given)
        return out


class Demo(NamedTuple):
    """What `feedcli demo PROVIDER` streams from the provider's simulator, once it is started."""

    #: the running simulator → the provider options to stream it with (as `stream` would)
    values: Callable[[Any], Mapping[str, Any]]
    #: the running simulator → display names by identifier (ISIN → ticker name)
    names: Callable[[Any], Mapping[str, str]] = lambda _sim: {}
    #: the fastest a demo drives this simulator (events per second), whatever --rate asks
    max_rate: float | None = None
    #: (the running simulator, the channels `demo --channel` named) → the provider options for
    #: them; None: the channels replace the `channel` value of `values`
    channels: Callable[[Any, list[str]], Mapping[str, Any]] | None = None


class ReplayBackend(Protocol):
    """A simulator's server fed a recording instead of its generated market (`replay --serve`)."""

    #: called with the client's connection at each subscription it makes
    on_subscribed: Callable[[object], None]

    @property
    def url(self) -> str: ...

    @property
    def connections(self) -> int: ...

    #: (user, password) the banner names, for a server with an account
    @property
    def account(self) -> tuple[str, str] | None: ...

    async def start(self) -> str: ...

    async def stop(self) -> None: ...

    async def deliver(self, event: DataEvent) -> None: ...

    async def finish(self, code: int, reason: str) -> None: ...


class HistoryBackend(Protocol):
    """A replay backend that also serves recordings of history requests, on request."""

    def add_history(self, subscription: Mapping[str, Any], events: list[DataEvent]) -> None: ...

    async def history_served(self) -> None: ...

    def history_listing(self, url: str) -> list[str]: ...


class Replay(NamedTuple):
    """How `replay --serve` serves this provider's recordings.

    `backend(host, port, symbols, queue_size, slow_timeout)` imports and makes the server
    (`symbols`: the recording's, None to accept any).
    """

    backend: Callable[[str, int, list[str] | None, int, float], ReplayBackend]
    #: what the banner calls the service ("HT Data Engine")
    service: str
    #: how to connect, after "Try: "; `{url}` is the server's base URL
    hint: str
    #: whether a recording (by its `recording` line's `subscription`) is of a history request:
    #: served on request (the backend is a HistoryBackend), not played on the timeline; None
    #: where the provider has no history
    history: Callable[[Mapping[str, Any]], bool] | None = None
    #: whether the data lines a live recording holds before its first `connected` line (a
    #: crypto recording's REST backfill, which a client fetches before it subscribes, that is,
    #: before the timeline starts) are handed to the backend up front (its `preload`)
    preload: bool = False


class Provider(NamedTuple):
    """Everything feedcli knows of one provider, in one place."""

    info: ProviderInfo
    #: the options of `stream NAME` and `record NAME` (selectors, channels, flags)
    options: tuple[SelectorOption, ...]
    #: checks the options' values (exit 2 if wrong) before anything connects
    prepare: Prepare
    #: every channel (stream) it serves, with its kind
    channels: tuple[Channel, ...]
    #: how its family's credentials are loaded, checked and stored; None for public data
    credentials: CredentialKind | None = None
    #: the base URL some options imply (Datafye's --deployment), None when they imply none
    base_url_from: Callable[[Mapping[str, Any]], str | None] | None = None
    search: Search | None = None
    simulator: Simulator | None = None
    demo: Demo | None = None
    replay: Replay | None = None
    #: the zone of its timestamps that carry no offset (HT: Tehran); None: they are UTC
    ts_zone: Callable[[], tzinfo] | None = None
    knobs: tuple[Knob, ...] = ()
    #: the exchange's documented REST limits, which the engine paces every REST call to
    #: (feedcli.ratelimit); None where the provider documents none
    rest_limits: RestLimits | None = None

    def problems(self) -> list[str]:
        """What is inconsistent in the record (a test checks every record has none)."""
        out = []
        family = self.credentials.family if self.credentials is not None else None
        if family != self.info.credentials:
            out.append(f"{self.info.name}: credentials {family!r} but its info says {self.info.credentials!r}")
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            out.append(f"{self.info.name}: a channel is declared twice: {names}")
        if set(self.info.channels) != set(names):
            out.append(f"{self.info.name}: the channel table is not the channels listed: {names}")
        return out

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def kinds(self) -> dict[str, Kind]:
        """Each channel's kind, by name: what a codec stamps on its lines."""
        return {c.name: c.kind for c in self.channels}

    def channel(self, name: str) -> Channel | None:
        """The channel of that name, None if the provider has no such channel."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        return None


# --------------------------------------------------------------------------- shared declarations


def lazy(path: str) -> Callable[..., Any]:
    """The callable named `package.module:Name.attr`, imported when first called.

    How a record points at its simulator and its replay backend without importing them (and
    aiohttp) when the record is imported, which every command's start does.
    """
    module, _, name = path.partition(":")
    resolve = operator.attrgetter(name)

    def call(*args: Any, **kwargs: Any) -> Any:
        return resolve(importlib.import_module(module))(*args, **kwargs)

    call.__qualname__ = call.__name__ = f"lazy({path})"
    return call


SEED = SimOption("--seed", "seed", "Seed of the random walk: same seed, same data.", int, 1, metavar="N")
DROP_AFTER = SimOption(
    "--drop-after",
    "drop_after",
    "Cut each connection (no close frame) after N messages.",
    metavar="N",
    min=1,
    fault=True,
)
MALFORMED_EVERY = SimOption(
    "--malformed-every",
    "malformed_every",
    "Send a malformed frame before every Nth message.",
    metavar="N",
    min=1,
    fault=True,
)


def rate_option(help_text: str, default: float) -> SimOption:
    """`--rate`: every simulator has one; what it counts differs."""
    return SimOption("--rate", "rate", help_text, float, default, metavar="MSGS_PER_S", min=0.1)
