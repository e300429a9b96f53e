"""OKX (API v5): candle channels on the business WebSocket, candles over REST.

Sources (OKX's own documentation, https://www.okx.com/docs-v5/en/):
- "WebSocket > Overview": public business channels at `wss://ws.okx.com:8443/ws/v5/business`; the
  candlestick channels live there and NOT on `/ws/v5/public` (subscribing them on /public is
  answered error 60018). Keepalive: "set a timer of N seconds whenever a response message is
  received, where N is less than 30; if it fires, send the String 'ping'; expect a 'pong'";
  "the connection will break automatically if the subscription is not established or data has
  not been pushed for more than 30 seconds".
- "Market data > WS / Candlesticks channel": subscribe `{"op":"subscribe","args":[{"channel":
  "candle1D","instId":"BTC-USDT"}]}`, answered `{"event":"subscribe","arg":{...},"connId":"..."}`;
  failure `{"event":"error","code":"60018","msg":"... doesn't exist ...","connId":"..."}`;
  push `{"arg":{"channel","instId"},"data":[["ts","o","h","l","c","vol","volCcy","volCcyQuote",
  "confirm"]]}` (`confirm` "0" forming, "1" final). Channels candle1s candle1m candle3m
  candle5m candle15m candle30m candle1H candle2H candle4H, Hong Kong-aligned candle6H candle12H
  candle1D candle2D candle3D candle5D candle1W candle1M candle3M and UTC-aligned candle6Hutc
  candle12Hutc candle1Dutc candle2Dutc candle3Dutc candle5Dutc candle1Wutc candle1Mutc candle3Mutc.
- "Market data > Get candlesticks": `GET https://www.okx.com/api/v5/market/candles?instId=&bar=
  &after=&limit=` (limit max 300, default 100; `after` = records earlier than that ts; newest
  first), `{"code":"0","msg":"","data":[[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]]}`. `1s`
  is not a bar of that endpoint (error 51000); "Get candlesticks history"
  (`/api/v5/market/history-candles`, limit max 100) serves it.
- "WebSocket > Notice": `{"event":"notice","code":"64008","msg":"The connection will soon be closed
  for a service upgrade. Please reconnect.","connId":...}`: reconnect at once.

Our intervals of 6 h and longer map to the UTC-aligned channels (`1d` → `candle1Dutc`), so a
bar opens at the same instant as Binance's. OKX has no 8 h bars.

ASSUMED (not settled by the public docs): an unknown instId over REST is answered with body
code 51001 (read whatever the HTTP status); at most 100 pairs per connection (OKX documents a
64 KB cap on one subscribe request and 480 subscribe requests an hour, not a count);
`FEEDCLI_OKX_PING_INTERVAL` (seconds, default 20) tunes the client's ping timer for tests.
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
from feedcli.providers.crypto import okx as crypto
from feedcli.providers.record import Knob
from feedcli.ratelimit import Pool, RestLimits, Rule

WS_BASE = "wss://ws.okx.com:8443"
#: every spot instrument, for `feedcli search okx` (OKX API v5, public data)
INSTRUMENTS_PATH = "/api/v5/public/instruments"
REST_BASE = "https://www.okx.com"
WS_PATH = "/ws/v5/business"
PUBLIC_PATH = "/ws/v5/public"
CANDLES_PATH = "/api/v5/market/candles"
HISTORY_PATH = "/api/v5/market/history-candles"
#: our interval → OKX's bar; the WebSocket channel is "candle" + bar
BARS: dict[str, str] = {
    "1s": "1s",
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1H",
    "2h": "2H",
    "4h": "4H",
    "6h": "6Hutc",
    "12h": "12Hutc",
    "1d": "1Dutc",
    "3d": "3Dutc",
    "1w": "1Wutc",
    "1M": "1Mutc",
}
#: bars /market/candles lacks, served by /market/history-candles
HISTORY_ONLY = frozenset({"1s"})
REST_LIMIT = 300
HISTORY_LIMIT = 100
PAIRS_PER_CONNECTION = 100
PING_INTERVAL = 20.0
#: the codes OKX answers for an instrument that does not exist (WS 60018, REST 51001)
NO_SUCH_CHANNEL = "60018"
NO_SUCH_INSTRUMENT = "51001"
RECONNECT_NOTICE = "64008"


def channel(bar: str) -> str:
    return f"candle{bar}"


def encode_row(candle: Candle) -> list[str]:
    """One candle as OKX writes it, on the WebSocket and over REST alike (all strings)."""
    quote = candle.quote_volume or 0.0
    return [
        str(candle.start_ms),
        _text(candle.open),
        _text(candle.high),
        _text(candle.low),
        _text(candle.close),
        _text(candle.volume),
        _text(quote),
        _text(quote),
        "1" if candle.closed else "0",
    ]


def encode_push(inst_id: str, bar: str, candle: Candle) -> dict[str, Any]:
    return {"arg": {"channel": channel(bar), "instId": inst_id}, "data": [encode_row(candle)]}


def _text(value: float) -> str:
    return f"{value:.8f}".rstrip("0").rstrip(".")


def parse_row(row: Any) -> Candle:
    if not isinstance(row, list) or len(row) < 6:
        raise MalformedFrame(f"candle row is not a list of at least 6 fields: {row!r}"[:200])
    try:
        start = int(row[0])
    except (TypeError, ValueError):
        raise MalformedFrame(f"candle ts is not an integer: {row[0]!r}") from None
    values = [number(v, "candle field") for v in row[1:6]]
    quote = number(row[7], "volCcyQuote") if len(row) > 7 else None
    closed = {"0": False, "1": True}.get(row[8]) if len(row) > 8 and isinstance(row[8], str) else None
    return Candle(start, *values, quote_volume=quote, closed=closed)


def _json(frame: Frame | bytes, what: str) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"{what} is not JSON: {exc}") from None


#: error codes that refuse nothing: requests too frequent (60014), an internal error (63999);
#: the connection is re-opened with backoff instead of exiting 4 (ASSUMED from OKX's error list)
TRANSIENT_ERRORS = frozenset({"60014", "63999"})


class OKXWire(Wire):
    """Trades from `trades`, books from `books`, tickers from `tickers`, all on `/ws/v5/public`
    (CONTRACT.md; the book rules in feedcli/providers/crypto/okx.py). Candles are on
    `/ws/v5/business`, so they take a connection of their own."""

    max_depth = crypto.MAX_DEPTH
    shares_candles = False
    _CHANNELS = (("trades", crypto.TRADES), ("book", crypto.BOOKS), ("ticker", crypto.TICKERS))

    def handshake(self, ws_base: str, symbols: Sequence[str]) -> Handshake:
        return Handshake(ws_url(ws_base, PUBLIC_PATH))

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        args = [{"channel": okx, "instId": s} for s in symbols for ours, okx in self._CHANNELS if ours in channels]
        return [orjson.dumps({"op": "subscribe", "args": args}).decode()]

    def resubscribe(self, symbol: str, depth: int) -> list[Frame]:
        # OKX sends a new snapshot for a new subscription ("WS / Order book channel")
        args = [{"channel": crypto.BOOKS, "instId": symbol}]
        return [
            orjson.dumps({"op": "unsubscribe", "args": args}).decode(),
            orjson.dumps({"op": "subscribe", "args": args}).decode(),
        ]

    def parse(self, frame: Frame) -> crypto.Parsed:
        return crypto.parse(frame)

    def book(self, symbol: str, depth: int) -> crypto.OkxBook:
        return crypto.OkxBook(symbol, depth)


class OKXExchange(PingingExchange):
    name = "okx"
    title = "OKX: candlestick channels (business WebSocket)"
    ws_base = WS_BASE
    rest_base = REST_BASE
    ws_intervals = BARS
    rest_intervals = BARS
    rest_limit = REST_LIMIT
    pairs_per_connection = PAIRS_PER_CONNECTION
    wire = OKXWire

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """`GET /api/v5/public/instruments?instType=SPOT`: every spot pair, with its state."""
        return HttpRequest("GET", http_url(rest_base, INSTRUMENTS_PATH), (("instType", "SPOT"),))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        answer = _json(body, "instruments answer")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or str(answer.get("code", "0")) != "0":
            msg = answer.get("msg") if isinstance(answer, dict) else None
            raise MalformedFrame(f"okx: the instruments answer holds no list ({msg or 'no data'})")
        return instrument_rows(data, "instId", "baseCcy", "quoteCcy", "state")

    def __init__(self, ping_interval: float = PING_INTERVAL) -> None:
        # under OKX's 30 s: a longer one would let the server close us first
        self.keepalive_interval = min(max(ping_interval, 0.05), 29.0)
        #: a ping unanswered for another interval: the connection is dead
        self.silence_limit = 2 * self.keepalive_interval + 1

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}-{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_url(ws_base, WS_PATH))

    def _args(self, symbols: Sequence[str], bar: str) -> list[dict[str, str]]:
        return [{"channel": channel(bar), "instId": s} for s in symbols]

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return [orjson.dumps({"op": "subscribe", "args": self._args(symbols, interval)}).decode()]

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return [orjson.dumps({"op": "unsubscribe", "args": self._args(symbols, interval)}).decode()]

    def keepalive(self, now: float) -> list[Frame]:
        return ["ping"]

    def parse(self, frame: Frame) -> Parsed:
        if frame in ("pong", b"pong"):
            return Parsed()
        message = _json(frame, "message")
        if not isinstance(message, dict):
            raise MalformedFrame("message is not a JSON object")
        event = message.get("event")
        if event == "subscribe":
            arg = message.get("arg")
            arg = arg if isinstance(arg, dict) else {}
            return Parsed(acks=[f"{arg.get('channel')} {arg.get('instId')}"])
        if event == "error":
            told = f"{message.get('msg')} (code {message.get('code')})"
            if str(message.get("code")) in TRANSIENT_ERRORS:
                return Parsed(reconnect=told)  # OKX's own trouble or our pace: not a refusal
            return Parsed(refusal=told)
        if event == "notice":
            if message.get("code") == RECONNECT_NOTICE:
                return Parsed(reconnect=str(message.get("msg") or "service upgrade notice"))
            return Parsed(unknown=True)
        if event is not None:  # unsubscribe, channel-conn-count, ...
            return Parsed()
        arg, data = message.get("arg"), message.get("data")
        if isinstance(arg, dict) and isinstance(data, list) and str(arg.get("channel", "")).startswith("candle"):
            inst = arg.get("instId")
            if not isinstance(inst, str):
                raise MalformedFrame("candle push without an instId")
            return Parsed(candles=[(inst, parse_row(row), None) for row in data])
        return Parsed(unknown=True)

    # -- REST --------------------------------------------------------------------------

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        history = interval in HISTORY_ONLY
        most = HISTORY_LIMIT if history else REST_LIMIT
        params = [("instId", symbol), ("bar", interval), ("limit", str(min(limit, most)))]
        if end_ms is not None:
            params.append(("after", str(end_ms + 1)))  # `after`: records earlier than this ts
        path = HISTORY_PATH if history else CANDLES_PATH
        return HttpRequest("GET", http_url(rest_base, path), tuple(params))

    def parse_rest(self, body: bytes) -> list[Candle]:
        page = _json(body, "candles answer")
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise MalformedFrame("candles answer without a 'data' list")
        return [parse_row(row) for row in page["data"]]

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        try:
            body = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            body = None
        code = str(body.get("code")) if isinstance(body, dict) and "code" in body else None
        msg = str(body.get("msg", "")) if isinstance(body, dict) else ""
        if code == NO_SUCH_INSTRUMENT:
            return SubscriptionError(f"okx: no such instrument {symbol} ({msg})")
        if code not in (None, "0"):
            return FeedError(f"okx: REST call refused: {msg} (code {code}, HTTP {response.status})")
        return super().rest_refusal(response, symbol)


EXCHANGE = OKXExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path=WS_PATH,
    examples=(
        "feedcli stream okx --pair BTC-USDT --interval 1m",
        "feedcli stream okx --pair BTC-USDT --pair ETH-USDT --interval 1h --backfill 48",
        "feedcli simulate okx & feedcli stream okx --url http://127.0.0.1:8443 --pair BTC-USDT",
    ),
)


#: OKX's REST limits, per IP and per endpoint (https://www.okx.com/docs-v5/en/#overview-rate-limits),
#: each endpoint's own from its page: "Get candlesticks" 40 requests per 2 s, "Get candlesticks
#: history" 20, "Get order book" 40 (#order-book-trading-market-data-get-candlesticks, ...);
#: 20 per 2 s for any other (instruments: 20, IP + instrument type)
REST_LIMITS = RestLimits(
    pools=(
        Pool("other", 20, 2.0, per_endpoint=True),
        Pool("candles", 40, 2.0),
        Pool("history-candles", 20, 2.0),
        Pool("books", 40, 2.0),
    ),
    rules=(
        Rule(CANDLES_PATH, 1, "candles"),
        Rule(HISTORY_PATH, 1, "history-candles"),
        Rule("/api/v5/market/books", 1, "books"),
    ),
    over_status=429,
    source="https://www.okx.com/docs-v5/en/#overview-rate-limits",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.okx:OKXSimulator",
    port=8443,
    help_text="OKX: candles on /ws/v5/business, text ping/pong, REST /api/v5/market/candles.",
    knobs=(Knob("FEEDCLI_OKX_PING_INTERVAL", "ping_interval"),),
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests)
prepare = PROVIDER.prepare
