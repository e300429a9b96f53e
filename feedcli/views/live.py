"""The live terminal view: a consumer that keeps the latest state and redraws at a fixed rate.

Market data can arrive thousands of times a second; a terminal can usefully change ten
times a second. So the two are decoupled: `emit` (called by the receive loop for every
event) only files the event under its (symbol, channel) and bumps counters, in constant
time and without rendering; `run` (its own asyncio task) wakes at a fixed rate, turns
what changed since the last frame into view models and draws one frame. However fast
data comes, the view costs the receiver almost nothing and its memory stays the size of
the symbol set, never of the message history.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import deque
from collections.abc import Awaitable, Iterable, Mapping
from datetime import timezone, tzinfo
from typing import Any, ClassVar

from rich.console import Console, RenderableType
from rich.live import Live

from feedcli import terminal
from feedcli.events import ControlEvent, DataEvent, Event
from feedcli.safe_text import PrintableFrame, printable
from feedcli.sinks.base import StopStream
from feedcli.timeouts import within
from feedcli.views import keys, render
from feedcli.views.models import (
    MAX_CANDLES,
    Book,
    Candle,
    Connection,
    Status,
    SymbolView,
    ViewState,
    build_symbol,
    candle_of,
    channel_facts,
    fold_candle,
    is_tape,
    print_of,
    recv_epoch,
    ts_epoch,
)

#: latency samples kept between two frames (the newest; older ones are not worth parsing)
PENDING_SAMPLES = 256
#: latency percentiles cover samples at most this old …
LATENCY_WINDOW = 30.0
#: … and at most this many
LATENCY_SAMPLES = 4096
#: the status bar's clock and rate tick at least this often, even with no data
IDLE_REDRAW = 1.0
#: trades kept per symbol for the tape (more than a panel is tall)
TAPE = 40
#: a ladder level that changed stays highlighted this long (seconds)
HIGHLIGHT = 1.0


class _Symbol:
    """Raw per-symbol state: the latest event of each channel, and its mapped view (cached).

    Bars are the exception to "latest only": a chart needs the series, so candle events
    wait in `bar_events` (bounded) until the next frame folds them into `candles`. The
    ladder drawn last time is kept to tell which levels changed, and when.
    """

    __slots__ = ("bar_events", "candles", "changed_at", "ladder", "latest", "provider", "symbol", "tape", "view")

    def __init__(self, provider: str, symbol: str) -> None:
        self.provider = provider
        self.symbol = symbol
        self.latest: dict[str, DataEvent] = {}
        self.view: SymbolView | None = None
        self.bar_events: deque[DataEvent] = deque(maxlen=MAX_CANDLES)
        self.candles: deque[Candle] = deque(maxlen=MAX_CANDLES)
        self.ladder: Book | None = None
        #: the latest trade events, for the tape (mapped when a frame is drawn)
        self.tape: deque[DataEvent] = deque(maxlen=TAPE)
        #: per level, the monotonic time its (bid, ask) side last changed
        self.changed_at: list[list[float]] = []

    def diff_ladder(self, book: Book | None, now: float) -> None:
        """Note which sides of which levels differ from the last ladder: O(levels)."""
        old = self.ladder
        self.ladder = book
        if old is None or book is None:
            return
        levels, before = book.levels, old.levels
        marks = self.changed_at
        if len(marks) < len(levels):
            marks.extend([-1e18, -1e18] for _ in range(len(levels) - len(marks)))
        del marks[len(levels) :]
        for i, lv in enumerate(levels):
            prev = before[i] if i < len(before) else None
            if prev is None or (lv.bid_price, lv.bid_qty, lv.bid_orders) != (
                prev.bid_price,
                prev.bid_qty,
                prev.bid_orders,
            ):
                marks[i][0] = now
            if prev is None or (lv.ask_price, lv.ask_qty, lv.ask_orders) != (
                prev.ask_price,
                prev.ask_qty,
                prev.ask_orders,
            ):
                marks[i][1] = now


class LiveView:
    """A Consumer that shows the latest state of every symbol in a Rich live display.

    Args:
        title: what is being watched ("feedcli stream PROVIDER"), shown in the status bar
            when there is room.
        names: display names by identifier (ISIN → ticker name, contract id → name);
            rows show the name, the detail panel both.
        providers: providers to list in the status bar before their first event
            (as "connecting"); others are added as they appear.
        symbols: preferred row order (identifiers as subscribed; default the order of
            `names`). Rows are grouped by provider, then follow this order; symbols not
            named here follow in order of first appearance.
        focus: the symbol shown in detail (ladder and statistics); default the first row.
        focus_interval: if set, the focus moves to the next symbol every this many
            seconds (for `demo`, where nobody picks one).
        screen: draw on the alternate screen (full-screen, restored on exit) instead of
            in place in the scrollback.
        zone: the zone of every clock in the frame (default UTC); each clock names it.
        keys: read keys from a terminal stdin while drawing (arrows or j/k move the focus,
            `/` filters, `q` quits, `?` lists the keys).
    """

    def __init__(
        self,
        *,
        title: str | None = None,
        names: Mapping[str, str] | None = None,
        providers: Iterable[str] = (),
        symbols: Iterable[str] = (),
        focus: str | None = None,
        focus_interval: float | None = None,
        screen: bool = False,
        zone: tzinfo | None = None,
        keys: bool = True,
    ) -> None:
        self._title = title
        self._names = dict(names or {})
        self._symbols: dict[tuple[str, str], _Symbol] = {}
        #: (provider, channel) → (its candles are a series, its ts is a bar time), from the records
        self._facts: dict[tuple[str, str], tuple[bool, bool]] = {}
        #: (provider, channel) → its lines are trades (kept for the tape)
        self._tape: dict[tuple[str, str], bool] = {}
        order = list(symbols) or list(self._names)
        self._order_hint = {s: i for i, s in enumerate(order)}
        self._provider_rank = {p: i for i, p in enumerate(dict.fromkeys(providers))}
        self._rows: list[_Symbol] = []
        self._dirty: set[tuple[str, str]] = set()
        self._connections: dict[str, Connection] = {p: Connection(p) for p in providers}
        self._seen_data: set[str] = set()
        self._focus = focus
        self._focus_interval = focus_interval
        self._screen = screen
        self._zone = zone or timezone.utc
        self._keys = keys
        #: the row picked with the keys (provider, symbol), which wins over `focus`
        self._picked: tuple[str, str] | None = None
        #: the filter being typed after `/`, the one in force, the keys help, a `q`
        self._prompt: str | None = None
        self._query: str | None = None
        self._show_keys = False
        self._quit = False
        #: the rows of the last frame in display order, and its focus: what the keys move along
        self._shown: list[tuple[str, str]] = []
        self._shown_focus: tuple[str, str] | None = None

        self._total = 0
        self._reconnects = 0
        self._malformed = 0
        self._gaps = 0
        #: when the focus ladder's newest highlight ends (a frame is due then), if any
        self._hot_until: float | None = None
        #: bumped by anything that changes what a frame would show
        self._version = 0

        self._pending: deque[tuple[str, str, str]] = deque(maxlen=PENDING_SAMPLES)
        self._latencies: deque[tuple[float, float]] = deque(maxlen=LATENCY_SAMPLES)
        self._percentiles: tuple[float | None, float | None] = (None, None)

        self._rate = 0.0
        self._rate_mark: tuple[float, int] | None = None
        self._started = time.monotonic()

        self._closed = False
        self._wake: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        self._run_task: asyncio.Task[Any] | None = None

    # ------------------------------------------------------------------ Consumer

    #: the view is the user's terminal: the run ends when the terminal vanishes
    on_terminal = True
    #: reads each provider's data through its channel table: wants it as received, not normalized
    reads_market = True

    async def start(self) -> None:
        """Nothing to open: drawing is `run`'s, on its own task."""
        return None

    def emit(self, event: Event) -> None:
        """File the event as the latest of its (symbol, channel); constant time, no drawing."""
        if isinstance(event, DataEvent):
            key = (event.provider, event.symbol)
            sym = self._symbols.get(key)
            if sym is None:
                sym = self._add_symbol(key)
            sym.latest[event.channel] = event
            channel = (event.provider, event.channel)
            facts = self._facts.get(channel)
            if facts is None:
                facts = self._facts[channel] = channel_facts(*channel)
            series, bar_time = facts
            if series:
                sym.bar_events.append(event)
            tape = self._tape.get(channel)
            if tape is None:
                tape = self._tape[channel] = is_tape(*channel)
            if tape:
                sym.tape.append(event)
            self._dirty.add(key)
            if event.ts is not None and not bar_time:
                self._pending.append((event.provider, event.ts, event.recv))
            self._total += 1
            self._version += 1
        elif isinstance(event, ControlEvent):
            self._control(event)

    def pressure(self) -> Awaitable[None] | None:
        """Never: the view drops intermediate states instead of slowing the receiver."""
        return None

    async def aclose(self) -> None:
        """Stop `run` after one last frame with the final state, and wait for it."""
        self._closed = True
        if self._wake is not None:
            self._wake.set()
        if self._stopped is not None and self._run_task is not asyncio.current_task():
            await self._stopped.wait()

    # ------------------------------------------------------------------ engine hooks

    def note_malformed(self, n: int = 1) -> None:
        """Count frames the codec could not read (the engine skips them and calls this)."""
        self._malformed += n
        self._version += 1

    def set_focus(self, symbol: str | None) -> None:
        """Show `symbol` in the detail panel (None: the first row)."""
        self._focus = symbol
        self._picked = None
        self._focus_interval = None
        self._version += 1

    # ------------------------------------------------------------------ keys

    #: how far each key moves the focus
    _STEPS: ClassVar[dict[str, int]] = {
        "down": 1,
        "j": 1,
        "up": -1,
        "k": -1,
        "pagedown": 10,
        "pageup": -10,
        "home": -(10**9),
        "end": 10**9,
    }

    def key(self, name: str) -> None:
        """One key typed into the view (`keys.decode`'s names): see `render.KEYS`."""
        if self._prompt is not None:  # typing a filter: it applies as it is typed
            if name == "enter":
                self._query, self._prompt = self._prompt or None, None
            elif name == "escape":
                self._query = self._prompt = None
            elif name == "backspace":
                self._prompt = self._prompt[:-1]
            elif len(name) == 1:
                self._prompt += name
        elif self._show_keys and name != "q":
            self._show_keys = False  # any key closes the list
        elif name == "q":
            self._quit = True
        elif name == "?":
            self._show_keys = True
        elif name == "/":
            self._prompt = ""
        elif name == "escape":
            self._query = None
        elif name in self._STEPS:
            self._move(self._STEPS[name])
        else:
            return
        self._version += 1
        if self._wake is not None:
            self._wake.set()

    def _move(self, step: int) -> None:
        rows = self._shown
        if not rows:
            return
        here = rows.index(self._shown_focus) if self._shown_focus in rows else 0
        self._picked = self._shown_focus = rows[max(0, min(len(rows) - 1, here + step))]
        self._focus_interval = None  # the user drives now (demo's tour stops)

    @property
    def quit_requested(self) -> bool:
        return self._quit

    # ------------------------------------------------------------------ state

    def _add_symbol(self, key: tuple[str, str]) -> _Symbol:
        sym = _Symbol(*key)
        self._symbols[key] = sym
        self._rows.append(sym)
        # rare (once per symbol), so a sort is fine; it is stable: arrival order otherwise
        ranks, hint = self._provider_rank, self._order_hint
        ranks.setdefault(key[0], len(ranks))
        self._rows.sort(key=lambda s: (ranks[s.provider], hint.get(s.symbol, len(hint))))
        if key[0] not in self._connections:
            self._connections[key[0]] = Connection(key[0])
        return sym

    def _control(self, event: ControlEvent) -> None:
        provider, name, fields = event.provider, event.event, event.fields
        if name == "connected":
            self._connections[provider] = Connection(provider, "connected")
        elif name == "reconnected":
            self._reconnects += 1
            self._connections[provider] = Connection(provider, "connected")
        elif name == "disconnected":
            reason = fields.get("reason")  # a server's close reason: no escapes reach the terminal
            self._connections[provider] = Connection(
                provider, "disconnected", printable(str(reason)) if reason else None
            )
        elif name in ("connecting", "reconnecting"):
            attempt = fields.get("attempt")
            self._connections[provider] = Connection(provider, name, f"attempt {attempt}" if attempt else None)
        elif name == "gap":
            self._gaps += 1
        else:  # stale, ...: not (yet) shown
            return
        self._version += 1

    def snapshot(self, now: float | None = None) -> ViewState:
        """The current state as view models; maps only the symbols that changed since last time."""
        mono = time.monotonic() if now is None else now
        for key in self._dirty:
            sym = self._symbols[key]
            while sym.bar_events:
                candle = candle_of(sym.bar_events.popleft())
                if candle is not None:
                    fold_candle(sym.candles, candle)
            sym.view = build_symbol(
                sym.provider, sym.symbol, sym.latest.values(), self._names.get(sym.symbol), tuple(sym.candles)
            )
            if sym.tape:
                prints = (print_of(e) for e in reversed(sym.tape))
                sym.view = dataclasses.replace(sym.view, tape=tuple(p for p in prints if p is not None))
            sym.diff_ladder(sym.view.ladder, mono)
            self._seen_data.add(sym.provider)
        self._dirty.clear()
        views = tuple(s.view for s in self._rows if s.view is not None)
        query = self._prompt if self._prompt is not None else self._query
        hidden = 0
        if query:
            wanted = query.casefold()
            kept = tuple(v for v in views if any(wanted in (t or "").casefold() for t in (v.symbol, v.name, v.label)))
            hidden, views = len(views) - len(kept), kept
        focus = self._focus_key(views, mono)
        self._shown = [v.key for v in views if v.is_market] + [v.key for v in views if not v.is_market]
        self._shown_focus = focus
        views = self._highlight(views, focus, mono)
        return ViewState(
            views,
            focus,
            self._status(mono),
            self._title,
            zone=self._zone,
            prompt=self._prompt,
            query=self._query,
            filtered_out=hidden,
            show_keys=self._show_keys,
        )

    def _highlight(
        self, views: tuple[SymbolView, ...], focus: tuple[str, str] | None, mono: float
    ) -> tuple[SymbolView, ...]:
        """Mark the focus ladder's recently changed levels; only it is drawn, so only it pays."""
        self._hot_until = None
        sym = self._symbols.get(focus) if focus is not None else None
        if sym is None or sym.view is None or not sym.changed_at:
            return views
        hot = tuple((mono - b < HIGHLIGHT, mono - a < HIGHLIGHT) for b, a in sym.changed_at)
        if not any(b or a for b, a in hot):
            return views
        self._hot_until = max(max(b, a) for b, a in sym.changed_at) + HIGHLIGHT
        shown = dataclasses.replace(sym.view, hot=hot)
        return tuple(shown if v is sym.view else v for v in views)

    def _focus_key(self, views: tuple[SymbolView, ...], mono: float) -> tuple[str, str] | None:
        if self._picked is not None and any(v.key == self._picked for v in views):
            return self._picked
        if self._focus is not None:
            for v in views:
                if self._focus in (v.symbol, v.name):
                    return v.key
        market = [v for v in views if v.is_market] or list(views)
        if not market:
            return None
        if self._focus_interval:
            return market[int((mono - self._started) / self._focus_interval) % len(market)].key
        return market[0].key

    def _status(self, mono: float) -> Status:
        if self._rate_mark is None:
            self._rate_mark = (mono, self._total)
        else:
            then, total = self._rate_mark
            if mono - then >= IDLE_REDRAW:
                self._rate = (self._total - total) / (mono - then)
                self._rate_mark = (mono, self._total)
        p50, p99 = self._latency(mono)
        connections = tuple(
            Connection(c.provider, "connected") if c.state == "connecting" and c.provider in self._seen_data else c
            for c in self._connections.values()
        )
        return Status(
            connections,
            self._rate,
            self._total,
            self._reconnects,
            self._malformed,
            p50=p50,
            p99=p99,
            now=time.time(),
            gaps=self._gaps,
        )

    def _latency(self, mono: float) -> tuple[float | None, float | None]:
        """p50/p99 of recv − ts over the recent samples; parsing happens here, not in `emit`."""
        changed = False
        while self._pending:
            provider, ts, recv = self._pending.popleft()
            sent = ts_epoch(provider, ts)
            got = recv_epoch(recv) if sent is not None else None
            if sent is not None and got is not None:
                self._latencies.append((mono, got - sent))
                changed = True
        while self._latencies and mono - self._latencies[0][0] > LATENCY_WINDOW:
            self._latencies.popleft()
            changed = True
        if changed:
            if self._latencies:
                values = sorted(lat for _, lat in self._latencies)
                last = len(values) - 1
                self._percentiles = (values[round(0.50 * last)], values[round(0.99 * last)])
            else:
                self._percentiles = (None, None)
        return self._percentiles

    def state_size(self) -> int:
        """How many things the view holds (symbols, channels, samples): bounded, for tests."""
        return (
            len(self._symbols)
            + sum(len(s.latest) for s in self._rows)
            + len(self._dirty)
            + sum(len(s.bar_events) + len(s.candles) + len(s.changed_at) for s in self._rows)
            + len(self._pending)
            + len(self._latencies)
            + len(self._connections)
        )

    # ------------------------------------------------------------------ drawing

    def frame(self, width: int, height: int, now: float | None = None) -> RenderableType:
        """One frame of the current state at the given size (`now`: monotonic, for tests)."""
        # every cell may hold a server's text: the frame is drawn with control characters escaped
        return PrintableFrame(render.screen(self.snapshot(now), width, height))

    async def run(self, console: Console | None = None, fps: float = 10.0) -> None:
        """Draw at `fps` frames a second until cancelled or `aclose`d.

        A frame is drawn only when something changed, the terminal was resized, or a
        second has passed (for the clock and the rate); skipped ticks are not made up.
        A terminal that is gone (EIO after a hangup, a closed descriptor) raises
        TerminalGone, which ends the run quietly, instead of drawing into nothing forever.
        """
        console = console or Console()
        interval = 1.0 / fps if fps > 0 else 0.1
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._run_task = asyncio.current_task()
        stop_keys = keys.read_keys(loop, self.key) if self._keys and console.is_terminal else (lambda: None)
        live = Live(
            console=console,
            auto_refresh=False,
            screen=self._screen,
            transient=False,
            vertical_overflow="crop",
        )
        drawn_version = -1
        drawn_at = float("-inf")
        drawn_size: tuple[int, int] | None = None
        try:
            with live:
                next_tick = loop.time()
                while not self._closed and not self._quit:
                    now = loop.time()
                    size = (console.size.width, console.size.height)
                    hot_due = self._hot_until is not None and now >= self._hot_until
                    if self._version != drawn_version or size != drawn_size or hot_due or now - drawn_at >= IDLE_REDRAW:
                        drawn_version = self._version
                        live.update(self.frame(*size), refresh=True)
                        drawn_at, drawn_size = now, size
                    next_tick = max(next_tick + interval, loop.time())
                    with contextlib.suppress(asyncio.TimeoutError):
                        await within(self._wake.wait(), next_tick - loop.time())
                # the last word: the final state, drawn once more before the display is released
                live.update(self.frame(console.size.width, console.size.height), refresh=True)
        except OSError as exc:
            if not terminal.is_gone_error(exc):
                raise
            terminal.mark_gone()
            raise terminal.TerminalGone("the terminal is gone") from None
        finally:
            stop_keys()
            self._stopped.set()
            self._run_task = None
        if self._quit:
            raise StopStream("q pressed")  # ends the run like --limit: exit 0, outputs closed
