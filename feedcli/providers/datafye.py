"""Datafye: JSON subscribe/unsubscribe per channel endpoint, heartbeats that want a pong.

Source: ../shared/seeds/datafye-websocket.md, whose message examples were lost, and what
Datafye's own sample clients show (../shared/notes/protocols.md): one endpoint per channel
(`stocks/live/quotes|ticks|aggs`), the subscribe message verbatim, `stocks/history` with
`"action":"start"`, datasets, frequencies, the `halt`/`resume`/`stream_end` control frames
and the record field names.

What no public material shows is ASSUMED here, and only here (the `ASSUMED` block below):
the envelope of a data message, the shape of heartbeat, pong, subscription replies and
errors. The README's Datafye section lists the same split between documented and assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timezone, tzinfo
from typing import Any

import orjson

from feedcli import market
from feedcli.errors import FeedError, MalformedFrame, SubscriptionError, UsageError
from feedcli.events import ControlEvent, DataEvent, Event, epoch_iso
from feedcli.providers.base import (
    Codec,
    Frame,
    Handshake,
    ProviderInfo,
    SelectorOption,
    check_selector,
    unique,
    ws_url,
)
from feedcli.providers.record import (
    DROP_AFTER,
    MALFORMED_EVERY,
    NO_TUNING,
    SEED,
    Channel,
    Provider,
    Replay,
    SimOption,
    Simulator,
    lazy,
    rate_option,
)
from feedcli.wallclock import ToUtc, utc_of

PREFIX = "/datafye-ws/v1"
#: our channel name → the endpoint under PREFIX (documented by the samples)
ENDPOINTS: dict[str, str] = {
    "quotes": "/stocks/live/quotes",
    "trades": "/stocks/live/ticks",
    "aggregates": "/stocks/live/aggs",
    "sma": "/stocks/live/sma",
    "ema": "/stocks/live/ema",
}
#: the endpoints whose subscription carries a bar size
BARRED = ("aggregates", "sma", "ema")
HISTORY = "/stocks/history"
CHANNELS = tuple(ENDPOINTS)
#: the values the samples use; the server is the judge (an unknown one is its error, exit 4)
DATASETS = ("SIP", "Synthetic", "Crypto")
FREQUENCIES = ("Second", "Minute", "Hour", "Day")
#: the three deployment addresses of the document
LOCAL_URL = "http://localhost:8080"
INTERNAL_URL = "http://api.rumi.local"

# ----------------------------------------------------------------------------- ASSUMED
# Not shown by any public Datafye material; the most plausible reading of the samples.
#: every frame is a JSON object with a "type"; data frames carry their record(s) in "data"
DATA_TYPES: dict[str, str] = {
    "quote": "quotes",
    "trade": "trades",
    "ohlc": "aggregates",
    "aggregate": "aggregates",
    "sma": "sma",
    "ema": "ema",
}
#: our channel → the "type" the simulator puts on its data frames
TYPE_OF = {"quotes": "quote", "trades": "trade", "aggregates": "ohlc", "sma": "sma", "ema": "ema"}
HEARTBEAT = "heartbeat"  # {"type":"heartbeat","timestamp":<epoch ms>}
PONG = "pong"  # {"type":"pong","timestamp":<the heartbeat's>}
SUBSCRIBED = "subscribed"  # {"type":"subscribed","symbols":[...],"dataset":..[,"frequency":..]}
UNSUBSCRIBED = "unsubscribed"  # {"type":"unsubscribed","symbols":[...]}
ERROR = "error"  # {"type":"error","code":"INVALID_DATASET","message":"..."}
#: named by the samples' Javadoc; {"type":"halt","symbols":[...],"reason":...}, {"type":"resume",...},
#: {"type":"stream_end"}
HALT, RESUME, STREAM_END = "halt", "resume", "stream_end"
#: sma/ema records: {"symbol","datetime","value"} (the REST SMA class differs; not shown for streams)
#: the record field that carries the exchange's time, per channel (REST domain classes)
TIME_FIELDS = ("exchangeTimestamp", "datetime", "timestamp")
# ----------------------------------------------------------------------------- /ASSUMED

INFO = ProviderInfo(
    name="datafye",
    title="Datafye: US stocks (quotes, trades, aggregates) live and historical",
    default_url=LOCAL_URL,
    credentials=None,
    channels=CHANNELS,
    selectors="--symbol SYM... [--dataset SIP]",
    ws_path=PREFIX + "/stocks/live/{quotes,ticks,aggs}",
    examples=(
        "feedcli stream datafye --symbol AAPL --symbol MSFT --channel quotes --channel trades",
        "feedcli stream datafye --symbol AAPL --channel aggregates --from 2025-01-02T09:30:00 --to 2025-01-02T16:00:00",
        "feedcli stream datafye --deployment external --user acme --type foundry --env dev --symbol AAPL",
    ),
)

OPTIONS = (
    SelectorOption("--symbol", "symbol", "Symbol (repeatable).", metavar="SYM"),
    SelectorOption(
        "--channel",
        "channel",
        "quotes, trades, aggregates, sma, ema (repeatable; one connection each). Default: quotes.",
        metavar="CHANNEL",
        short="-c",
        choices=CHANNELS,
    ),
    SelectorOption("--dataset", "dataset", "Dataset: SIP (default), Synthetic, Crypto.", metavar="NAME", single=True),
    SelectorOption(
        "--frequency",
        "frequency",
        "Bar size for aggregates: Second, Minute (default), Hour, Day.",
        metavar="F",
        single=True,
    ),
    SelectorOption(
        "--from", "from_", "History from this time (ISO 8601): replays instead of live.", metavar="T", single=True
    ),
    SelectorOption("--to", "to", "History up to this time (ISO 8601).", metavar="T", single=True),
    SelectorOption(
        "--deployment",
        "deployment",
        "local (ws://localhost:8080), internal (ws://api.rumi.local) or external (built from --user, --type, --env).",
        metavar="WHERE",
        single=True,
        choices=("local", "internal", "external"),
    ),
    SelectorOption("--user", "user", "Your Datafye name, for --deployment external.", metavar="NAME", single=True),
    SelectorOption(
        "--type",
        "type",
        "foundry or trading, for --deployment external.",
        metavar="TYPE",
        single=True,
        choices=("foundry", "trading"),
    ),
    SelectorOption(
        "--env",
        "env",
        "Environment (dev, staging, ...), for --deployment external; none for production.",
        metavar="ENV",
        single=True,
    ),
)


@dataclass(frozen=True)
class Subscription:
    channel: str
    dataset: str
    symbols: tuple[str, ...]
    frequency: str | None = None


@dataclass(frozen=True)
class HistoryRequest:
    dataset: str
    symbol: str
    frequency: str
    start: str
    end: str


# ----------------------------------------------------------------------------- client messages


def subscribe_message(sub: Subscription, action: str = "subscribe") -> bytes:
    """The samples' open message, verbatim in shape: action, dataset, symbols[, frequency]."""
    msg: dict[str, Any] = {"action": action, "dataset": sub.dataset, "symbols": list(sub.symbols)}
    if sub.frequency is not None:
        msg["frequency"] = sub.frequency
    return orjson.dumps(msg)


def history_message(req: HistoryRequest) -> bytes:
    return orjson.dumps(
        {
            "action": "start",
            "dataset": req.dataset,
            "symbol": req.symbol,
            "frequency": req.frequency,
            "from": req.start,
            "to": req.end,
        }
    )


def parse_client_message(frame: Frame) -> dict[str, Any]:
    """The server's reading of what a client sends (the simulator's side)."""
    try:
        obj = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise MalformedFrame("not JSON") from None
    if not isinstance(obj, dict):
        raise MalformedFrame("not a JSON object")
    if not isinstance(obj.get("action"), str) and obj.get("type") != PONG:
        raise MalformedFrame("neither an 'action' nor a pong")
    return obj


# ----------------------------------------------------------------------------- server messages (ASSUMED)


def data_message(channel: str, records: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    return orjson.dumps({"type": TYPE_OF[channel], "data": records})


def control_message(kind: str, **fields: Any) -> bytes:
    return orjson.dumps({"type": kind, **fields})


# ----------------------------------------------------------------------------- options → codecs


def _single(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    if value is None:
        return None
    return check_selector(f"--{key.rstrip('_')}", str(value))


def base_url_from(values: Mapping[str, Any]) -> str | None:
    """The address of `--deployment` (None when not given: then --url, env, or local)."""
    where = _single(values, "deployment")
    if where is None:
        if any(_single(values, k) for k in ("user", "type", "env")):
            raise UsageError("--user, --type and --env build an external address: add --deployment external")
        return None
    if where == "local":
        return LOCAL_URL
    if where == "internal":
        return INTERNAL_URL
    user, kind, env = _single(values, "user"), _single(values, "type"), _single(values, "env")
    if not user or not kind:
        raise UsageError("--deployment external needs --user NAME and --type foundry|trading")
    host = "-".join(part for part in (user, kind, env) if part) + "-api.datafye.io"
    if any(not (ch.isalnum() or ch == "-") for ch in host.replace(".", "")):
        raise UsageError(f"--user/--type/--env make an invalid host name: {host}")
    return f"http://{host.lower()}"


def prepare(values: Mapping[str, Any], tuning: Mapping[str, float] = NO_TUNING) -> Callable[[str, Any], list[Codec]]:
    """Check the options (exit 2 if wrong); then (base URL, no credential) → one codec per endpoint."""
    symbols = unique([check_selector("--symbol", s) for s in values.get("symbol") or []])
    if not symbols:
        raise UsageError("name at least one symbol with --symbol SYM")
    channels = unique(values.get("channel") or []) or ("quotes",)
    dataset = _single(values, "dataset") or "SIP"
    frequency = _single(values, "frequency")
    start, end = _single(values, "from_"), _single(values, "to")
    base_url_from(values)  # checks the deployment options
    if start or end:
        if not (start and end):
            raise UsageError("history needs both --from and --to")
        if channels != ("aggregates",):
            raise UsageError("history is served for --channel aggregates only")
        requests = [HistoryRequest(dataset, s, frequency or "Minute", start, end) for s in symbols]
        # kept across reconnects: a replay that drops resumes without repeating a bar
        progress = [HistoryProgress() for _ in requests]
        return lambda base, _cred: [HistoryCodec(r, base, p) for r, p in zip(requests, progress, strict=True)]
    if frequency is not None and not set(channels) & set(BARRED):
        raise UsageError("--frequency applies to --channel aggregates, sma or ema")
    subs = [Subscription(c, dataset, symbols, (frequency or "Minute") if c in BARRED else None) for c in channels]
    return lambda base, _cred: [LiveCodec(sub, base) for sub in subs]


# ----------------------------------------------------------------------------- codecs


class _DatafyeCodec(Codec):
    """What live and history share: the envelope, heartbeats, control frames and errors."""

    provider = "datafye"

    def __init__(self, handshake: Handshake, channel: str) -> None:
        self.handshake = handshake
        self._channel = channel
        self._kinds = PROVIDER.kinds
        # a time written as text without an offset is taken as UTC (the epoch numbers are)
        self._utc = ToUtc(_utc_zone)
        self._out: list[Frame] = []
        self.expect_silence = False
        self.finished = False

    def take_outgoing(self) -> list[Frame]:
        out, self._out = self._out, []
        return out

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        try:
            obj = orjson.loads(frame)
        except orjson.JSONDecodeError as exc:
            raise MalformedFrame(f"not JSON ({exc.msg})") from None
        if type(obj) is list:  # a batch of records without an envelope
            return [self._record(r, self._channel, recv) for r in obj]
        if type(obj) is not dict:
            raise MalformedFrame("not a JSON object")
        kind = obj.get("type")
        channel = DATA_TYPES.get(kind) if isinstance(kind, str) else None
        if channel is not None:
            data = obj.get("data")
            if type(data) is list:
                return [self._record(r, channel, recv) for r in data]
            return [self._record(data, channel, recv)]
        if kind is None and "symbol" in obj:  # a bare record
            return [self._record(obj, self._channel, recv)]
        return self._control(kind, obj, recv)

    def _record(self, record: Any, channel: str, recv: str) -> DataEvent:
        if type(record) is not dict:
            raise MalformedFrame("a record is not an object")
        symbol = record.get("symbol")
        if not isinstance(symbol, str) or not symbol:
            raise MalformedFrame("a record without 'symbol'")
        ts = None
        for name in TIME_FIELDS:
            value = record.get(name)
            if value is not None:
                if isinstance(value, str):
                    ts = self._utc(value) if value else None
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    ts = epoch_iso(value)
                break
        return DataEvent("datafye", channel, symbol, ts, recv, record, self._kinds.get(channel))

    def _control(self, kind: Any, obj: dict[str, Any], recv: str) -> list[Event]:
        fields = {k: v for k, v in obj.items() if k != "type"}
        if kind == HEARTBEAT:
            # answered at once; a heartbeat is not data and writes no line
            self._out.append(control_message(PONG, **({"timestamp": obj["timestamp"]} if "timestamp" in obj else {})))
            return []
        if kind == ERROR:
            raise self.refusal(obj)
        if kind == HALT:
            self.expect_silence = True
        elif kind == RESUME:
            self.expect_silence = False
        elif kind == STREAM_END:
            self.finished = True
        if kind in (HALT, RESUME, STREAM_END, SUBSCRIBED, UNSUBSCRIBED):
            return [ControlEvent("datafye", str(kind), recv, {"channel_of": self._channel, **fields})]
        # anything else is passed on, never dropped: the protocol is only partly documented
        return [ControlEvent("datafye", "unknown", recv, {"channel_of": self._channel, "frame": obj})]

    def refusal(self, obj: dict[str, Any]) -> FeedError:
        code = str(obj.get("code") or "")
        message = str(obj.get("message") or obj.get("error") or "error")
        return SubscriptionError(
            f"datafye refused the {self._channel} subscription: {code + ': ' if code else ''}{message}"
        )


class LiveCodec(_DatafyeCodec):
    """One live endpoint: subscribe on open, unsubscribe on the way out."""

    def __init__(self, sub: Subscription, base_url: str) -> None:
        super().__init__(Handshake(ws_url(base_url, PREFIX + ENDPOINTS[sub.channel])), sub.channel)
        self.sub = sub

    def opening_frames(self) -> list[Frame]:
        return [subscribe_message(self.sub)]

    def closing_frames(self) -> list[Frame]:
        return [subscribe_message(self.sub, "unsubscribe")]


@dataclass
class HistoryProgress:
    """How far a replay has come: the time of the last bar delivered, and whether it ended."""

    last: Any = None
    ended: bool = False


class HistoryCodec(_DatafyeCodec):
    """A historical replay of one symbol's bars, finished at `stream_end`.

    After a reconnect the server replays from `--from` again; bars up to the last one
    already delivered are skipped, so the output has every bar once.
    """

    def __init__(self, req: HistoryRequest, base_url: str, progress: HistoryProgress | None = None) -> None:
        super().__init__(Handshake(ws_url(base_url, PREFIX + HISTORY)), "aggregates")
        self.req = req
        self.progress = progress or HistoryProgress()
        self.finished = self.progress.ended

    def opening_frames(self) -> list[Frame]:
        return [history_message(self.req)]

    def parse(self, frame: Frame, recv: str) -> list[Event]:
        events = super().parse(frame, recv)
        if self.finished:
            self.progress.ended = True
        out: list[Event] = []
        for event in events:
            if type(event) is DataEvent:
                when = _bar_time(event.data)
                last = self.progress.last
                if when is not None and last is not None and when <= last:
                    continue
                if when is not None:
                    self.progress.last = when
            out.append(event)
        return out


def _bar_time(record: Any) -> Any:
    for name in TIME_FIELDS:
        value = record.get(name) if isinstance(record, dict) else None
        if isinstance(value, int | float | str):
            return value
    return None


# ----------------------------------------------------------------------------- the vocabulary


def _utc_zone() -> tzinfo:
    return timezone.utc


_NONE: Mapping[str, Any] = {}


def _record_of(data: Any) -> Mapping[str, Any]:
    return data if isinstance(data, Mapping) else _NONE


def quote(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A quote record: the best bid and ask with their sizes."""
    rec = _record_of(data)
    return (
        market.Quote(
            market.number(rec.get("bidPrice")),
            market.number(rec.get("bidSize")),
            market.number(rec.get("askPrice")),
            market.number(rec.get("askSize")),
        ),
    )


def trade(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """A trade record; Datafye does not say which side took."""
    rec = _record_of(data)
    ident = rec.get("tradeID")
    return (
        market.Trade(
            market.number(rec.get("tradePrice")),
            market.number(rec.get("tradeSize")),
            None,
            ident if isinstance(ident, str | int) and not isinstance(ident, bool) else None,
        ),
    )


def _bar_start(value: Any) -> str | None:
    """A bar's time: epoch numbers (s, ms, µs or ns) as ISO 8601 UTC, text as sent."""
    if isinstance(value, str):
        return utc_of(value, timezone.utc)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_iso(value)
    return None


def bar(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
    """An OHLC record; `datetime` is when the bar starts. Whether it is final is not said."""
    rec = _record_of(data)
    return (
        market.Candle(
            _bar_start(rec.get("datetime", rec.get("timestamp"))),
            market.number(rec.get("open")),
            market.number(rec.get("high")),
            market.number(rec.get("low")),
            market.number(rec.get("close")),
            market.number(rec.get("volume")),
        ),
    )


def average(name: str) -> Callable[[Any, str | None], tuple[market.Market, ...]]:
    """An SMA or EMA record (`{"symbol","datetime","value"}`): a named figure."""

    def normalize(data: Any, _ts: str | None = None) -> tuple[market.Market, ...]:
        rec = _record_of(data)
        return (market.Indicator(name, market.flat(rec), market.number(rec.get("value"))),)

    return normalize


# ----------------------------------------------------------------------------- the record


def recorded_option(subscription: Mapping[str, Any], key: str) -> Any:
    """An option's value in a recording's `subscription` (a repeated option's last)."""
    value = subscription.get(key)
    return value[-1] if isinstance(value, list) and value else value


def is_history(subscription: Mapping[str, Any]) -> bool:
    """Whether a recording with this subscription is of a history request (`--from`, `--to`)."""
    return bool(recorded_option(subscription, "from_") and recorded_option(subscription, "to"))


SIM_OPTIONS: tuple[SimOption, ...] = (
    rate_option("Data messages per second on each connection, spread over its symbols.", 20.0),
    SEED,
    SimOption(
        "--heartbeat-interval", "heartbeat_interval", "Seconds between heartbeats.", float, 10.0, "S", 0.01, True
    ),
    SimOption(
        "--pong-timeout",
        "pong_timeout",
        "Close a connection (4001 'no pong') that leaves a heartbeat unanswered this long.",
        float,
        30.0,
        "S",
        0.01,
        True,
    ),
    SimOption(
        "--halt-every",
        "halt_every",
        "Halt each live connection after every N data messages ('halt', silence, 'resume').",
        metavar="N",
        min=1,
        fault=True,
    ),
    SimOption("--halt-seconds", "halt_seconds", "How long a halt lasts.", float, 2.0, "S", 0.01, True),
    DROP_AFTER,
    SimOption(
        "--stall-after",
        "stall_after",
        "Go silent on each connection after N data messages, unannounced (heartbeats go on).",
        metavar="N",
        min=1,
        fault=True,
    ),
    MALFORMED_EVERY,
)


PROVIDER = Provider(
    info=INFO,
    options=OPTIONS,
    prepare=prepare,
    channels=(
        Channel("quotes", "quote", quote),
        Channel("trades", "trade", trade),
        Channel("aggregates", "candle", bar, bar_time=True, series=True),
        Channel("sma", "stats", average("sma"), bar_time=True),
        Channel("ema", "stats", average("ema"), bar_time=True),
    ),
    base_url_from=base_url_from,
    simulator=Simulator(
        lazy("feedcli.simulators.datafye:DatafyeSimulator.from_options"),
        SIM_OPTIONS,
        8080,
        "Datafye WebSocket API: live quotes, trades, aggregates, SMA, EMA; history replay; heartbeats.\n\n"
        "Listens on port 8080 by default, the document's local deployment, so `feedcli stream datafye` "
        "reaches it without --url.",
        "feedcli simulate datafye --heartbeat-interval 2 --halt-every 50",
    ),
    replay=Replay(
        lazy("feedcli.simulators.datafye_replay:DatafyeReplay"),
        "Datafye",
        "feedcli stream datafye --url {url} --symbol SYM --channel quotes",
        history=is_history,
    ),
)
