"""The one candle codec: an `Exchange` glued to the session engine, the same way for all six.

REST backfills and gap fills, polling where the WebSocket has no stream, and a `CandleFeed`
shared by a run's connections that lets no candle through twice. Nothing here opens a socket
or reads the clock: the engine passes `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import orjson

from feedcli import progress
from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_ms_iso
from feedcli.providers.base import (
    Codec,
    ConnectionDead,
    Frame,
    HttpRequest,
    HttpResponse,
)
from feedcli.providers.candles.exchange import (
    INTERVAL_SECONDS,
    MAX_MALFORMED,
    MAX_PAGES,
    POLL_LAG,
    SETTLE_MS,
    Candle,
    Exchange,
    Request,
    bar_end_ms,
    excerpt,
)
from feedcli.providers.ht import END_OF_RECORDING


class CandleFeed:
    """The state of one run, shared by all its connections and all their attempts.

    It decides what may be written: a candle older than the newest seen for its pair, or a
    closed candle already written closed, is a repeat (a REST page overlapping the stream,
    a replayed message after a reconnect) and is dropped.
    """

    def __init__(self, exchange: Exchange, request: Request, ws_base: str, rest_base: str) -> None:
        self.exchange = exchange
        self.request = request
        self.ws_base = ws_base
        self.rest_base = rest_base
        self.interval_ms = INTERVAL_SECONDS[request.interval] * 1000
        self.polling = request.interval not in exchange.ws_intervals
        #: the exchange's symbol → the pair as the user wrote it (the data line's `symbol`)
        self.pair_of: dict[str, str] = {exchange.symbol(p): str(p) for p in request.pairs}
        self.newest: dict[str, int] = {}
        self.closed_upto: dict[str, int] = {}
        #: symbols whose backfill is written (it is fetched once; later connections fill gaps)
        self.backfilled: set[str] = set()
        self.preflight_done = False
        #: backfills under way, kept across connection attempts: a page lost to a network
        #: error makes the engine start a new codec, which resumes the paging where it stopped
        self.partial: dict[str, _Backfill] = {}

    def admit(self, symbol: str, candle: Candle) -> bool:
        """Whether a candle is news: a bar closing for the first time, or the newest bar updating."""
        return self.admit_bar(symbol, candle.start_ms, candle.closed)

    def admit_bar(self, symbol: str, start_ms: int, closed: bool | None) -> bool:
        """`admit` of a bar by its start and whether it closed (the hot path has no `Candle`)."""
        if start_ms <= self.closed_upto.get(symbol, -1):
            return False  # written closed already
        if closed:
            self.closed_upto[symbol] = start_ms
            self.newest[symbol] = max(self.newest.get(symbol, start_ms), start_ms)
            return True
        newest = self.newest.get(symbol)
        if newest is not None and start_ms < newest:
            return False  # an update of a bar already superseded
        self.newest[symbol] = start_ms
        return True

    def connections(self, *, streaming: bool = False) -> list[tuple[str, ...]]:
        """The symbols of each connection: as many as the exchange allows on one (its
        streams shared among the channels asked for); one poller when candles are polled."""
        symbols = list(self.pair_of)
        if self.polling and not streaming:
            return [tuple(symbols)]
        size = max(1, self.exchange.pairs_per_connection // max(1, len(self.request.channels)))
        return [tuple(symbols[i : i + size]) for i in range(0, len(symbols), size)]


# --------------------------------------------------------------------------- the codec


@dataclass
class _Backfill:
    """One symbol's paged REST fetch: pages arrive newest first, are written oldest first."""

    symbol: str
    wanted: int
    #: fetch only candles starting at or after this (a gap fill after a reconnect)
    since_ms: int | None = None
    got: dict[int, Candle] = field(default_factory=dict)
    end_ms: int | None = None
    pages: int = 0
    failures: int = 0
    done: bool = False


class CandleCodec(Codec):
    """One connection (or one poller) for some of a run's pairs."""

    #: every data event here (and in MarketCodec) is made with its kind: no stamping needed
    stamps_kind = True

    def __init__(self, feed: CandleFeed, symbols: tuple[str, ...]) -> None:
        self.feed = feed
        self.ex = feed.exchange
        self.provider = self.ex.name
        self.symbols = symbols
        self.polling = feed.polling
        code = (self.ex.rest_intervals if self.polling else self.ex.ws_intervals)[feed.request.interval]
        self.code = code
        #: the REST spelling of the interval, for backfills and gap fills while streaming
        self.rest_code = self.ex.rest_intervals.get(feed.request.interval, code)
        self.handshake = None if self.polling else self.ex.handshake(feed.ws_base, symbols, code)
        self.timer_interval: float | None = None
        self.silence_limit: float | None = None
        if not self.polling:
            self.timer_interval, self.silence_limit = self.ex.keepalive_for(self.handshake)
        self._token_asked = self.polling or self.ex.token_request(feed.rest_base) is None
        self._preflight_asked = feed.preflight_done
        self._fills: list[_Backfill] = self._plan_fills()
        self._in_flight: dict[HttpRequest, _Backfill] = {}
        self._outgoing: list[Frame] = []
        self._next_poll = 0.0
        #: the latest time the engine told us (pending_requests, which it asks before every
        #: connection, and on_timer): what an exchange that stamps its requests stamps them with
        self._now = 0.0
        #: symbols whose first streamed candle this connection has seen
        self._streaming: set[str] = set()
        #: the exchange's hot path, where it has one (Exchange.quick_candle)
        self._quick = None if type(self.ex).quick_candle is Exchange.quick_candle else self.ex.quick_candle
        if self._quick is not None and type(self) is CandleCodec and not self.polling:
            # the engine's line path (Codec.line): a streamed candle's line without its event
            # (a MarketCodec reads its other channels first: parse alone)
            self.line = self._line
            self._heads: dict[str, bytes] = {}
            self._recv = ""
            self._recv_part = b""

    # -- before connecting -------------------------------------------------------------

    def _plan_fills(self) -> list[_Backfill]:
        feed = self.feed
        fills = []
        for symbol in self.symbols:
            if symbol in feed.newest and not self.polling:
                # a reconnect: fetch what the stream missed, from the newest candle seen on
                # (whether or not --backfill was given: an outage must not lose bars)
                fills.append(_Backfill(symbol, self.ex.rest_limit * MAX_PAGES, since_ms=feed.newest[symbol]))
            elif symbol not in feed.backfilled:
                wanted = feed.request.backfill or (2 if self.polling else 0)
                if wanted and not self.polling:
                    fills.append(feed.partial.setdefault(symbol, _Backfill(symbol, wanted)))
                elif wanted:
                    fills.append(_Backfill(symbol, wanted))
        return fills

    def pending_requests(self, now: float) -> list[HttpRequest]:
        self._now = now
        ex, feed = self.ex, self.feed
        # The engine asks again only once every call it was given is answered or has
        # failed (429, a network error): anything still marked in flight was lost.
        self._in_flight.clear()
        if not self._preflight_asked:
            self._preflight_asked = True
            request = ex.preflight(feed.rest_base, self.symbols)
            if request is not None:
                return [replace(request, purpose="preflight")]
            feed.preflight_done = True
        if not self._token_asked:
            self._token_asked = True
            request = ex.token_request(feed.rest_base)
            if request is not None:
                return [replace(request, purpose="token")]
        out = []
        for fill in self._fills:
            if not fill.done:
                page = max(1, min(ex.rest_limit, fill.wanted - len(fill.got)))
                request = ex.rest_request(
                    feed.rest_base, fill.symbol, self.rest_code, limit=page, end_ms=fill.end_ms, now_ms=int(now * 1000)
                )
                request = replace(request, purpose="poll" if self.polling else "backfill")
                self._in_flight[request] = fill
                out.append(request)
        if self.polling and not self._next_poll:
            self._next_poll = self._boundary_after(now)  # the first fetch is the one above
        if out or not self.polling:
            return out
        if now >= self._next_poll:
            # the boundary just passed: the closed candle and the new one, for every pair
            self._next_poll = self._boundary_after(now)
            self._fills = [self._poll_fill(s, now) for s in self.symbols]
            return self.pending_requests(now)
        return []

    def _poll_fill(self, symbol: str, now: float) -> _Backfill:
        """Everything since the newest bar written: a poll that came late (a backoff, a
        Retry-After, many pairs) still writes every bar that closed meanwhile."""
        newest = self.feed.newest.get(symbol)
        if newest is None:
            return _Backfill(symbol, 2)
        missed = int((now * 1000 - newest) // self.feed.interval_ms) + 2
        return _Backfill(symbol, max(2, min(self.ex.rest_limit, missed)), since_ms=newest)

    def _boundary_after(self, now: float) -> float:
        if self.feed.request.interval == "1M":
            this_month = bar_end_ms(int(now * 1000), "1M")  # the start of next month
            return this_month / 1000 + POLL_LAG
        step = self.feed.interval_ms / 1000
        # the lag stays well inside the interval: a poll per bar, none skipped (1s bars)
        return (now // step + 1) * step + min(POLL_LAG, step / 4)

    def poll_delay(self, now: float) -> float:
        return max(0.05, self._next_poll - now)

    def on_http(self, request: HttpRequest, response: HttpResponse, recv: str) -> list[Event]:
        ex, feed = self.ex, self.feed
        if request.purpose == "preflight":
            ex.check_preflight(response, self.symbols)
            feed.preflight_done = True
            return []
        if request.purpose == "token":
            if response.status >= 400:
                raise FeedError(f"{ex.name}: the token call failed (HTTP {response.status}: {excerpt(response)})")
            self.handshake = ex.on_token(response, self.symbols, self.code)
            self.timer_interval, self.silence_limit = ex.keepalive_for(self.handshake)
            return []
        fill = self._in_flight.pop(request, None)
        if fill is None:
            return []
        refusal = ex.rest_refusal(response, feed.pair_of.get(fill.symbol, fill.symbol))
        if refusal is not None:
            raise refusal
        try:
            page = ex.parse_rest(response.body)
        except MalformedFrame:
            fill.failures += 1
            if fill.failures >= MAX_MALFORMED:
                fill.done = True  # give up on this fetch; the stream (or the next poll) goes on
                progress.finish(f"{self.provider}:{fill.symbol}:{id(fill)}")
                feed.partial.pop(fill.symbol, None)
                feed.backfilled.add(fill.symbol)
            raise
        fill.pages += 1
        starts = [c.start_ms for c in page]
        oldest = min(starts) if starts else None
        for candle in page:
            if fill.since_ms is not None and candle.start_ms < fill.since_ms:
                continue
            fill.got[candle.start_ms] = candle
        if fill.since_ms is not None:
            # a gap fill pages back until it reaches the newest bar already written
            finished = oldest is None or oldest <= fill.since_ms
        else:
            finished = len(fill.got) >= fill.wanted or oldest is None
        ignored_end = fill.end_ms is not None and oldest is not None and oldest > fill.end_ms
        key = f"{self.provider}:{fill.symbol}:{id(fill)}"
        if finished or ignored_end or fill.pages >= MAX_PAGES:
            fill.done = True
            feed.partial.pop(fill.symbol, None)
            progress.finish(key)
            return self._write_fill(fill, recv)
        fill.end_ms = oldest - 1
        if fill.since_ms is None and request.purpose == "backfill":  # a gap fill has no known total
            pair = feed.pair_of.get(fill.symbol, fill.symbol)
            progress.report(key, f"{self.provider} {pair} backfill", len(fill.got), fill.wanted)
        return []

    def _write_fill(self, fill: _Backfill, recv: str) -> list[Event]:
        feed = self.feed
        feed.backfilled.add(fill.symbol)
        candles = sorted(fill.got.values(), key=lambda c: c.start_ms)[-fill.wanted :]
        now_ms = _recv_ms(recv)
        out: list[Event] = []
        pair = feed.pair_of[fill.symbol]
        for i, candle in enumerate(candles):
            if candle.closed is None:
                # final when a later bar exists, or when it ended a while ago: a bar that
                # ended a moment ago may still be settling, and its final version will come
                later = i + 1 < len(candles)
                candle.closed = later or bar_end_ms(candle.start_ms, feed.request.interval) <= now_ms - SETTLE_MS
            if feed.admit(fill.symbol, candle):
                out.append(DataEvent(self.provider, "candles", pair, None, recv, candle.record(), "candle"))
        return out

    # -- connected ---------------------------------------------------------------------

    def opening_frames(self) -> list[Frame]:
        if self.ex.subscribe_when_ready:
            return []  # sent when the server says it is ready (parse)
        return self.subscription_frames()

    def subscription_frames(self) -> list[Frame]:
        """Everything this connection subscribes to (a `MarketCodec` adds its channels)."""
        return self.ex.subscribe(self.symbols, self.code, now=self._now)

    def close_verdict(self, code: int | None, reason: str) -> FeedError | None:
        if code == 1000 and reason.strip().lower() == END_OF_RECORDING:
            # `feedcli replay --serve` says the recording is over: the end, not a drop
            self.finished = True
        return None

    def closing_frames(self) -> list[Frame]:
        return self.ex.unsubscribe(self.symbols, self.code, now=self._now)

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        quick = self._quick
        if quick is not None:
            got = quick(frame)
            if got is not None:  # the hot path: one streamed candle, no Parsed, no Candle
                symbol, start_ms, closed, ts, data = got
                feed = self.feed
                pair = feed.pair_of.get(symbol)
                if (
                    pair is not None
                    and feed.newest.get(symbol) == start_ms
                    and start_ms > feed.closed_upto.get(symbol, -1)
                    and symbol in self._streaming
                ):  # the newest bar again: what _streamed (admit_bar) says, without the calls
                    if closed:
                        feed.closed_upto[symbol] = start_ms
                else:
                    pair = self._streamed(symbol, start_ms, closed)
                    if pair is None:
                        return []
                return [DataEvent(self.provider, "candles", pair, ts, recv, data, "candle")]
        parsed = self.ex.parse(frame)
        if parsed.refusal is not None:
            raise SubscriptionError(f"{self.provider}: {parsed.refusal}")
        if parsed.reconnect is not None:
            raise ConnectionDead(f"{self.provider}: {parsed.reconnect}")
        self._outgoing.extend(parsed.replies)
        if parsed.ready and self.ex.subscribe_when_ready:
            self._outgoing.extend(self.subscription_frames())
        out: list[Event] = []
        for symbol, candle, event_ms in parsed.candles:
            pair = self._streamed(symbol, candle.start_ms, candle.closed)
            if pair is None:
                continue
            ts = epoch_ms_iso(event_ms) if event_ms is not None else None
            out.append(DataEvent(self.provider, "candles", pair, ts, recv, candle.record(), "candle"))
        for what in parsed.acks:
            out.append(ControlEvent(self.provider, "subscribed", recv, {"what": what}))
        if parsed.unknown:
            out.append(ControlEvent(self.provider, "unknown", recv, {}))
        return out

    def _line_head(self, heads: dict[str, bytes], channel: str, symbol: str) -> bytes | None:
        """A line path's start of a line (`{"provider":..,"channel":..,"symbol":..,"ts":"`) for an
        exchange symbol, made once and kept in `heads`; None for a pair not asked for."""
        pair = self.feed.pair_of.get(symbol)
        if pair is None:
            return None
        head = heads[symbol] = (
            b'{"provider":'
            + orjson.dumps(self.provider)
            + b',"channel":'
            + orjson.dumps(channel)
            + b',"symbol":'
            + orjson.dumps(pair)
            + b',"ts":"'
        )
        return head

    def _line(self, frame: Frame, recv: str) -> bytes | None:
        """The NDJSON line `parse` and the writer would make of a streamed candle (the same
        bytes), for a candle admitted without anything else to do: an update of the newest bar
        or the next bar of a symbol this connection streams already. None for everything else
        (another message, a repeat to drop, a first candle, a gap to top up), with nothing
        changed, so that `parse` reads it as if this had not looked."""
        quick = self._quick
        if quick is None:
            return None
        got = quick(frame)
        if got is None:
            return None
        symbol, start_ms, closed, ts, data = got
        feed = self.feed
        head = self._heads.get(symbol)
        if head is None:
            head = self._line_head(self._heads, "candles", symbol)
            if head is None:
                return None
        if symbol not in self._streaming:
            return None
        newest = feed.newest.get(symbol)
        if newest is None or start_ms <= feed.closed_upto.get(symbol, -1):
            return None  # written closed already: parse drops it
        if start_ms != newest:
            if start_ms < newest:
                return None  # superseded: parse drops it
            if start_ms > newest + feed.interval_ms and feed.request.interval != "1M":
                return None  # bars skipped: parse asks for them over REST
            feed.newest[symbol] = start_ms  # the next bar (admit_bar, in short)
        if closed:
            feed.closed_upto[symbol] = start_ms
        if recv is not self._recv:
            self._recv = recv
            self._recv_part = b'","recv":' + orjson.dumps(recv) + b',"kind":"candle","data":'
        return b"".join((head, ts.encode(), self._recv_part, orjson.dumps(data), b"}\n"))

    def _streamed(self, symbol: str, start_ms: int, closed: bool | None) -> str | None:
        """The pair of a streamed candle to write, or None (not ours, or not news); fetches
        over REST the bars the stream went past unwritten."""
        feed = self.feed
        pair = feed.pair_of.get(symbol)
        if pair is None:
            return None
        newest = feed.newest.get(symbol)
        closed_upto = feed.closed_upto.get(symbol, -1)
        if not feed.admit_bar(symbol, start_ms, closed):
            return None
        if newest is not None and start_ms > newest:
            first = symbol not in self._streaming
            skipped = feed.request.interval != "1M" and start_ms > newest + feed.interval_ms
            if skipped or (first and closed_upto < newest):
                # The stream starts (or goes on) past bars that were never written closed:
                # one that closed between the REST answer and this update, or bars the
                # stream skipped. Fetch them over REST beside the stream.
                self._top_up(symbol, newest, start_ms)
        self._streaming.add(symbol)
        return pair

    def take_outgoing(self) -> list[Frame]:
        out = self._outgoing
        if out:  # asked after every message: no new list unless there was something to send
            self._outgoing = []
        return out

    def _top_up(self, symbol: str, newest: int, start_ms: int) -> None:
        month = self.feed.request.interval == "1M"
        wanted = 3 if month else int((start_ms - newest) // self.feed.interval_ms) + 2
        self._fills.append(_Backfill(symbol, max(2, min(self.ex.rest_limit, wanted)), since_ms=newest))
        self.wants_http = True

    def on_timer(self, now: float, last_heard: float) -> list[Frame]:
        self._now = now
        limit = self.silence_limit
        if limit is not None and now - last_heard > limit:
            raise ConnectionDead(f"{self.provider}: nothing received for {limit:g}s")
        return self.ex.keepalive(now)


def _recv_ms(recv: str) -> int:
    from feedcli.events import parse_recv

    return int(parse_recv(recv) * 1000)
