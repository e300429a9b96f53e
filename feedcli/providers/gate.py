"""Gate.io API v4 spot: the `spot.candlesticks` channel, `spot.ping`, REST `/api/v4/spot/candlesticks`.

Sources (Gate's own API v4 documentation, https://www.gate.io/docs/developers/apiv4/ws/en/
and https://www.gate.io/docs/developers/apiv4/en/#market-k-line-chart):

- The stream is `wss://api.gateio.ws/ws/v4/`. Every request is
  `{"time":<s>,"channel":..,"event":"subscribe"|"unsubscribe","payload":[..]}` (`time` must be
  within 60 s of the server's clock; an optional `id` is echoed back). For
  `spot.candlesticks` the payload is `[interval, currency_pair]`: one interval and one pair a
  request, so several pairs are several requests.
- Every answer is `{"time","time_ms","channel","event","error","result"}`: a subscription is
  accepted when `error` is null (`result` `{"status":"success"}`), refused with
  `error` `{"code","message"}` (code 2, "Invalid argument provided", for an unknown pair).
- A candle update is `{"channel":"spot.candlesticks","event":"update","result":{"t":"<s>",
  "v","c","h","l","o","n":"1m_BTC_USDT","a","w"}}`: `t` the bar's open in seconds, `n` the
  subscription's name `<interval>_<pair>`, `a` the base-currency amount, `v` the volume
  (the REST rows make it the quote-currency volume), `w: true` once the window is closed
  ("`true` may be missing"). Intervals 10s 1m 5m 15m 30m 1h 4h 8h 1d 7d. Updates every 2 s.
- `{"time":..,"channel":"spot.ping"}` → `{"channel":"spot.pong",...}`; the server pings
  at the protocol level too, and a `spot.ping` resets its timeout timer.
- REST `GET /api/v4/spot/candlesticks?currency_pair=&interval=&limit=` or `&from=&to=`
  (`limit` conflicts with `from`/`to`; at most 1000 points a query); intervals 1s 10s 1m
  5m 15m 30m 1h 4h 8h 1d 7d 30d (30d a calendar month); rows oldest first,
  `[t, quote volume, close, high, low, open, base volume, window closed]`, all strings.
  An unknown pair is HTTP 400 `{"label":"INVALID_CURRENCY_PAIR","message":..}`.

feedcli's `volume` is Gate's base amount (`a`, row[6]) and `quote_volume` its `v`/row[1],
so that `volume` means the same on every exchange. `1w` is Gate's `7d`; `1s` and `1M`
(Gate's `30d`) have no stream and are polled over REST.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.providers import candles
from feedcli.providers.base import Frame, Handshake, HttpRequest, HttpResponse, http_url, ws_url
from feedcli.providers.candles import Candle, Pair, Parsed, number
from feedcli.providers.candles.channels import Wire
from feedcli.providers.candles.exchange import PingingExchange, instrument_rows
from feedcli.providers.crypto import gate as crypto
from feedcli.providers.record import Knob
from feedcli.ratelimit import Pool, RestLimits

WS_PATH = "/ws/v4/"
REST_PATH = "/api/v4/spot/candlesticks"
#: every spot pair, for `feedcli search gate` ("List all currency pairs supported")
PAIRS_PATH = "/api/v4/spot/currency_pairs"
CHANNEL = "spot.candlesticks"
PING, PONG = "spot.ping", "spot.pong"
#: Gate's interval spellings and their length in seconds (30d is a calendar month)
GATE_SECONDS: dict[str, int] = {
    "1s": 1,
    "10s": 10,
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "4h": 14400,
    "8h": 28800,
    "1d": 86400,
    "7d": 604800,
    "30d": 2592000,
}
#: canonical → Gate, on the WebSocket (documented enumeration)
WS_INTERVALS: dict[str, str] = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "4h": "4h",
    "8h": "8h",
    "1d": "1d",
    "1w": "7d",
}
#: canonical → Gate, over REST: the stream's and 1s and 1M besides
REST_INTERVALS: dict[str, str] = {"1s": "1s", **WS_INTERVALS, "1M": "30d"}
REST_LIMIT = 1000
INVALID_PAIR = "INVALID_CURRENCY_PAIR"
#: seconds between `spot.ping`s; FEEDCLI_GATE_PING_INTERVAL shortens it (tests, through the CLI)
PING_INTERVAL = 10.0

# ----------------------------------------------------------------------------- ASSUMED
# Not stated by Gate's public documentation:
#: pairs on one connection before feedcli opens another (Gate states no limit)
PAIRS_PER_CONNECTION = 50
#: silence (no update, no pong) after which the connection is taken for dead
SILENCE_FACTOR = 3.0
# ----------------------------------------------------------------------------- /ASSUMED


def _loads(frame: Frame | bytes) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"gate: not JSON: {exc}") from None


def _closed(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return None


def parse_update(result: Any) -> tuple[str, str, Candle]:
    """A candlestick update's `result` → (interval, currency pair, candle)."""
    if not isinstance(result, dict):
        raise MalformedFrame("gate: a candlestick result is not an object")
    try:
        name = result["n"]
        interval, _, pair = str(name).partition("_")
        if not pair:
            raise MalformedFrame(f"gate: subscription name {name!r} is not <interval>_<pair>")
        start = int(result["t"]) * 1000
        candle = Candle(
            start_ms=start,
            open=number(result["o"], "o"),
            high=number(result["h"], "h"),
            low=number(result["l"], "l"),
            close=number(result["c"], "c"),
            volume=number(result["a"], "a"),
            quote_volume=number(result["v"], "v"),
            # "`true` may be missing": a bar not said closed is the forming one
            closed=_closed(result.get("w")) or False,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedFrame(f"gate: candlestick lacks or mangles {exc}") from None
    return interval, pair, candle


def parse_rest_row(row: Any) -> Candle:
    """`[t, quote volume, close, high, low, open, base volume, window closed]`."""
    if not isinstance(row, list) or len(row) < 7:
        raise MalformedFrame(f"gate: a candlestick row is not a list of 7 or 8: {row!r}")
    try:
        start = int(row[0]) * 1000
    except (TypeError, ValueError):
        raise MalformedFrame(f"gate: candlestick time is not a number: {row[0]!r}") from None
    return Candle(
        start_ms=start,
        open=number(row[5], "open"),
        high=number(row[3], "high"),
        low=number(row[4], "low"),
        close=number(row[2], "close"),
        volume=number(row[6], "base volume"),
        quote_volume=number(row[1], "quote volume"),
        closed=_closed(row[7]) if len(row) > 7 else None,
    )


def request(channel: str, event: str | None, payload: list[str] | None, now: float, req_id: int | None = None) -> str:
    message: dict[str, Any] = {"time": int(now)}
    if req_id is not None:
        message["id"] = req_id
    message["channel"] = channel
    if event is not None:
        message["event"] = event
    if payload is not None:
        message["payload"] = payload
    return orjson.dumps(message).decode()


# ---------------------------------------------------------------- the server side (simulator)


def encode_response(
    channel: str,
    event: str,
    now_ms: int,
    *,
    result: Any = None,
    error: tuple[int, str] | None = None,
    req_id: Any = None,
) -> str:
    """A server message in API v4's envelope."""
    message: dict[str, Any] = {"time": now_ms // 1000, "time_ms": now_ms}
    if req_id is not None:
        message["id"] = req_id
    message["channel"] = channel
    message["event"] = event
    message["error"] = None if error is None else {"code": error[0], "message": error[1]}
    message["result"] = None if error is not None else result
    return orjson.dumps(message).decode()


def encode_update(interval: str, pair: str, candle: Candle, now_ms: int) -> str:
    """A `spot.candlesticks` update as Gate pushes it."""
    result: dict[str, Any] = {
        "t": str(candle.start_ms // 1000),
        "v": _s(candle.quote_volume or 0.0),
        "c": _s(candle.close),
        "h": _s(candle.high),
        "l": _s(candle.low),
        "o": _s(candle.open),
        "n": f"{interval}_{pair}",
        "a": _s(candle.volume),
    }
    if candle.closed:
        result["w"] = True
    message = {"time": now_ms // 1000, "time_ms": now_ms, "channel": CHANNEL, "event": "update", "result": result}
    return orjson.dumps(message).decode()


def encode_rest_rows(rows: Sequence[Candle]) -> list[list[str]]:
    """A REST answer's rows, oldest first."""
    return [
        [
            str(c.start_ms // 1000),
            _s(c.quote_volume or 0.0),
            _s(c.close),
            _s(c.high),
            _s(c.low),
            _s(c.open),
            _s(c.volume),
            "true" if c.closed else "false",
        ]
        for c in sorted(rows, key=lambda c: c.start_ms)
    ]


def _s(value: float) -> str:
    return repr(float(value))


#: the channels of trades, books and tickers, whose acknowledgements the candle parser reads too
CRYPTO_CHANNELS = (crypto.TRADES, crypto.BOOK_TICKER, crypto.BOOK_UPDATE)


class GateWire(Wire):
    """Trades from `spot.trades`, books from `spot.order_book_update` (100ms) and `GET
    /api/v4/spot/order_book?with_id=true`, tickers from `spot.book_ticker`; rules in
    feedcli/providers/crypto/gate.py."""

    max_depth = crypto.MAX_DEPTH

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        out: list[Frame] = []
        if "trades" in channels:
            out.append(request(crypto.TRADES, "subscribe", list(symbols), now, 101))
        if "ticker" in channels:
            out.append(request(crypto.BOOK_TICKER, "subscribe", list(symbols), now, 102))
        if "book" in channels:
            out += [request(crypto.BOOK_UPDATE, "subscribe", [s, "100ms"], now, 103 + i) for i, s in enumerate(symbols)]
        return out

    def parse(self, frame: Frame) -> crypto.Parsed:
        return crypto.parse(frame)

    def book(self, symbol: str, depth: int) -> crypto.GateBook:
        return crypto.GateBook(symbol, depth)

    def parse_snapshot(self, body: bytes, symbol: str) -> crypto.BookSnapshot:
        return crypto.parse_rest_snapshot(body, symbol)


class GateExchange(PingingExchange):
    name = "gate"
    title = "Gate.io API v4 spot: candlesticks"
    ws_base = "wss://api.gateio.ws"
    rest_base = "https://api.gateio.ws"
    ws_intervals = WS_INTERVALS
    rest_intervals = REST_INTERVALS
    rest_limit = REST_LIMIT
    pairs_per_connection = PAIRS_PER_CONNECTION
    wire = GateWire
    ping_interval = PING_INTERVAL
    silence_factor = SILENCE_FACTOR

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """ "List all currency pairs supported": a bare array of every spot pair."""
        return HttpRequest("GET", http_url(rest_base, PAIRS_PATH))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        answer = _loads(body)
        if not isinstance(answer, list):
            msg = answer.get("message") if isinstance(answer, dict) else None
            raise MalformedFrame(f"gate: the currency pairs answer is not a list ({msg or 'no list'})")
        return instrument_rows(answer, "id", "base", "quote", "trade_status")

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}_{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_url(ws_base, WS_PATH))

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        """One request a pair, stamped with `now` (Gate wants it within 60 s of its clock)."""
        return [request(CHANNEL, "subscribe", [interval, s], now, i + 1) for i, s in enumerate(symbols)]

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return [request(CHANNEL, "unsubscribe", [interval, s], now) for s in symbols]

    def keepalive(self, now: float) -> list[Frame]:
        return [request(PING, None, None, now)]

    def parse(self, frame: Frame) -> Parsed:
        message = _loads(frame)
        if not isinstance(message, dict):
            raise MalformedFrame("gate: a message is not a JSON object")
        channel = message.get("channel")
        event = message.get("event")
        if channel == PONG:
            return Parsed()
        if channel != CHANNEL and (channel not in CRYPTO_CHANNELS or event == "update"):
            return Parsed(unknown=True)
        error = message.get("error")
        if event == "update":
            _interval, pair, candle = parse_update(message.get("result"))
            time_ms = message.get("time_ms")
            return Parsed(candles=[(pair, candle, time_ms if isinstance(time_ms, int) else None)])
        if event == "subscribe":
            if error:
                return Parsed(refusal=f"subscription refused: {_error_text(error)}")
            return Parsed(acks=[f"{channel} #{message.get('id', '?')}"])
        if event == "unsubscribe":
            return Parsed()
        return Parsed(unknown=True)

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        params: list[tuple[str, str]] = [("currency_pair", symbol), ("interval", interval)]
        if end_ms is None:
            params.append(("limit", str(limit)))
        else:
            # `limit` conflicts with `from`/`to`: a page ending at `end_ms` is a time range
            step = GATE_SECONDS[interval]
            to = end_ms // 1000
            params += [("from", str(to - (limit - 1) * step)), ("to", str(to))]
        return HttpRequest("GET", http_url(rest_base, REST_PATH), tuple(params))

    def parse_rest(self, body: bytes) -> list[Candle]:
        rows = _loads(body)
        if not isinstance(rows, list):
            raise MalformedFrame("gate: a candlesticks answer is not a list")
        return [parse_rest_row(row) for row in rows]

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        if response.status < 400:
            return None
        label, message = "", ""
        try:
            body = orjson.loads(response.body)
            if isinstance(body, dict):
                label, message = str(body.get("label", "")), str(body.get("message", ""))
        except orjson.JSONDecodeError:
            pass
        if label == INVALID_PAIR:
            return SubscriptionError(f"gate: {symbol} refused ({label}: {message})")
        if label:
            return FeedError(f"gate: REST call failed (HTTP {response.status}: {label}: {message})")
        return super().rest_refusal(response, symbol)


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('message', 'no message')} (code {error.get('code', '?')})"
    return str(error)


EXCHANGE = GateExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path=WS_PATH,
    title="Gate.io API v4 spot: live candlesticks (WebSocket) with REST backfill and polling",
    examples=(
        "feedcli stream gate --pair BTC-USDT --interval 1m",
        "feedcli stream gate --pair BTC-USDT --pair ETH-USDT --interval 1h --backfill 24",
        "feedcli stream gate --pair BTC-USDT --interval 1s   # polled over REST",
    ),
)


#: Gate's public REST limit: 200 requests per 10 s per endpoint and IP (Gate's announcement
#: "Gate.io Latest Announcement on API Rate Limit Adjustments", 2024-01-14, in force since
#: 2024-01-22; https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule); 429 past it
REST_LIMITS = RestLimits(
    pools=(Pool("endpoint", 200, 10.0, per_endpoint=True),),
    over_status=429,
    source="https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.gate:GateSimulator",
    port=8447,
    help_text="Gate.io API v4: spot.candlesticks, spot.ping, REST /api/v4/spot/candlesticks.",
    knobs=(Knob("FEEDCLI_GATE_PING_INTERVAL", "ping_interval"),),
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests)
prepare = PROVIDER.prepare
