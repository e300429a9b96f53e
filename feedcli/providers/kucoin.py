"""KuCoin spot: a `bullet-public` token before every connection, then `/market/candles` topics.

Documented (kucoin.com/docs-new, websocket-api/base-info/introduction and the spot Klines page):
- `POST https://api.kucoin.com/api/v1/bullet-public` (empty body) →
  `{"code":"200000","data":{"token":"..","instanceServers":[{"endpoint":"wss://ws-api-spot.kucoin.com/",
  "encrypt":true,"protocol":"websocket","pingInterval":18000,"pingTimeout":10000}]}}`; the WebSocket
  is `<endpoint>?token=<token>&connectId=<id>`. feedcli makes the call before every connection.
- The server greets with `{"id":"<connectId>","type":"welcome"}`; "the connection will only be
  available once the welcome message has been received", so subscriptions wait for it.
- The client sends `{"id":"<n>","type":"ping"}` every `pingInterval` ms and gets
  `{"id":"<n>","type":"pong"}`; a client silent for long is disconnected.
- Subscribe `{"id":<n>,"type":"subscribe","topic":"/market/candles:BTC-USDT_1hour",
  "privateChannel":false,"response":true}` → `{"id":"<n>","type":"ack"}`.
- Data `{"type":"message","topic":"/market/candles:BTC-USDT_1hour","subject":"trade.candles.update",
  "data":{"symbol":"BTC-USDT","candles":["1729839600","67644.9","67437.6","67724.8","67243.8",
  "44.88321441","3027558.991928447"],"time":1729842192785164840}}`: the array is
  [start s, open, CLOSE, HIGH, LOW, volume, turnover]; `time` is in nanoseconds in the examples.
- WebSocket types 1min 3min 15min 30min 1hour 2hour 4hour 6hour 8hour 12hour 1day 1week (the spot
  Klines topic lists no 5min); REST `GET /api/v1/market/candles?type=1min&symbol=BTC-USDT&startAt=
  <s>&endAt=<s>` also serves 5min, at most 1500 rows a call, newest first, inside `{"code":"200000","data":[..]}`.
- At most 100 topics per connection ("exceed max subscription count limitation of 100 per session").

ASSUMED: errors on the socket look like `{"id":..,"type":"error","code":404,"data":"topic .. is not
found"}` and every such error refuses the subscription (exit 4); a REST answer whose `code` is not
200000 (e.g. 400100 for an unknown pair) is a refusal too; `time` may come in ns, µs or ms (read by size).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.providers import candles
from feedcli.providers.base import Frame, Handshake, HttpRequest, HttpResponse, http_url
from feedcli.providers.candles import INTERVAL_SECONDS, Candle, Exchange, Pair, Parsed, number
from feedcli.providers.candles.channels import Wire
from feedcli.providers.candles.exchange import instrument_rows
from feedcli.providers.crypto import kucoin as crypto
from feedcli.ratelimit import Pool, RestLimits, Rule

REST_BASE = "https://api.kucoin.com"
TOKEN_PATH = "/api/v1/bullet-public"
CANDLES_PATH = "/api/v1/market/candles"
#: every spot symbol, for `feedcli search kucoin` ("Get All Symbols")
SYMBOLS_PATH = "/api/v2/symbols"
TOPIC = "/market/candles:"
SUBJECT = "trade.candles.update"
OK = "200000"
WS_INTERVALS: dict[str, str] = {
    "1m": "1min",
    "3m": "3min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1hour",
    "2h": "2hour",
    "4h": "4hour",
    "6h": "6hour",
    "8h": "8hour",
    "12h": "12hour",
    "1d": "1day",
    "1w": "1week",
}
REST_INTERVALS: dict[str, str] = {**WS_INTERVALS, "5m": "5min"}
#: the exchange's type → seconds
TYPE_SECONDS: dict[str, int] = {code: INTERVAL_SECONDS[i] for i, code in REST_INTERVALS.items()}
REST_LIMIT = 1500


def topic(symbol: str, interval: str) -> str:
    return f"{TOPIC}{symbol}_{interval}"


def split_topic(text: str) -> tuple[str, str]:
    """`/market/candles:BTC-USDT_1min` → ("BTC-USDT", "1min"); MalformedFrame otherwise."""
    if not text.startswith(TOPIC):
        raise MalformedFrame(f"not a candles topic: {text!r}")
    symbol, sep, interval = text[len(TOPIC) :].rpartition("_")
    if not sep or not symbol:
        raise MalformedFrame(f"a candles topic without SYMBOL_TYPE: {text!r}")
    return symbol, interval


def candle_array(candle: Candle) -> list[str]:
    """KuCoin's row order: [start s, open, close, high, low, volume, turnover]."""
    return [
        str(candle.start_ms // 1000),
        repr(candle.open),
        repr(candle.close),
        repr(candle.high),
        repr(candle.low),
        repr(candle.volume),
        repr(candle.quote_volume or 0.0),
    ]


def read_array(row: Any) -> Candle:
    if not isinstance(row, list) or len(row) < 7:
        raise MalformedFrame(f"a candle is not a 7-field array: {row!r}")
    try:
        start = int(row[0])
    except (TypeError, ValueError):
        raise MalformedFrame(f"a candle's start is not a number: {row[0]!r}") from None
    return Candle(
        start * 1000,
        open=number(row[1], "open"),
        close=number(row[2], "close"),
        high=number(row[3], "high"),
        low=number(row[4], "low"),
        volume=number(row[5], "volume"),
        quote_volume=number(row[6], "turnover"),
    )


def epoch_ms(value: Any) -> int | None:
    """KuCoin's `time` in ns (the documented examples), µs or ms → ms."""
    if not isinstance(value, int) or value <= 0:
        return None
    if value > 10**17:
        return value // 1_000_000
    if value > 10**14:
        return value // 1000
    return value


def _loads(frame: Frame | bytes) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"not JSON ({exc})") from None


@dataclass(frozen=True)
class KucoinHandshake(Handshake):
    """The WebSocket a token answer names, with that server's keepalive rates (seconds)."""

    ping_interval: float = 18.0
    ping_timeout: float = 10.0
    shown: str = ""

    def describe(self) -> str:
        return self.shown or self.url.split("?", 1)[0]  # never the token


def read_token(body: bytes) -> tuple[str, str, float, float]:
    """A bullet-public answer → (endpoint, token, pingInterval s, pingTimeout s)."""
    doc = _loads(body)
    if not isinstance(doc, dict) or doc.get("code") != OK:
        code = doc.get("code") if isinstance(doc, dict) else None
        raise FeedError(f"kucoin: the token call was refused (code {code}: {_msg(doc)})")
    data = doc.get("data")
    try:
        token = data["token"]
        server = data["instanceServers"][0]
        endpoint = server["endpoint"]
        interval = float(server.get("pingInterval", 18000)) / 1000
        timeout = float(server.get("pingTimeout", 10000)) / 1000
    except (KeyError, IndexError, TypeError, ValueError):
        raise MalformedFrame("a token answer without token and instanceServers[0].endpoint") from None
    if not isinstance(token, str) or not isinstance(endpoint, str) or not token or interval <= 0:
        raise MalformedFrame("a token answer with an empty token or endpoint")
    return endpoint, token, interval, timeout


def _msg(doc: Any) -> str:
    if isinstance(doc, dict):
        return str(doc.get("msg") or doc.get("data") or "no message")[:200]
    return "no message"


#: symbols one topic may name, comma-separated (KuCoin's public channels: "up to 100")
TOPIC_SYMBOLS = 100


class KucoinWire(Wire):
    """Trades from `/market/match`, books from `/market/level2` and `GET
    /api/v1/market/orderbook/level2_100`, tickers from `/market/ticker`; rules in
    feedcli/providers/crypto/kucoin.py. Sent after the welcome, as the candles are."""

    max_depth = crypto.MAX_DEPTH

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        # one topic per channel with the symbols comma-separated, as KuCoin allows (up to 100), so
        # 50 pairs stay far below its 100 client messages per 10 s
        joined = [",".join(symbols[i : i + TOPIC_SYMBOLS]) for i in range(0, len(symbols), TOPIC_SYMBOLS)]
        topics = [
            f"{channel}:{group}"
            for ours, channel in (("trades", crypto.MATCH), ("book", crypto.LEVEL2), ("ticker", crypto.TICKER))
            if ours in channels
            for group in joined
        ]
        first = int(now * 1000) + 10_000  # never an id the candles' subscriptions of the moment had
        return [
            orjson.dumps(
                {"id": first + i, "type": "subscribe", "topic": t, "privateChannel": False, "response": True}
            ).decode()
            for i, t in enumerate(topics)
        ]

    def parse(self, frame: Frame) -> crypto.Parsed:
        return crypto.parse(frame)

    def book(self, symbol: str, depth: int) -> crypto.KucoinBook:
        return crypto.KucoinBook(symbol, depth)

    def parse_snapshot(self, body: bytes, symbol: str) -> crypto.BookSnapshot:
        return crypto.parse_rest_snapshot(body, symbol)


class KucoinExchange(Exchange):
    name = "kucoin"
    title = "KuCoin spot: candles over the bullet-public WebSocket"
    #: the address users give is the REST host: the WebSocket's comes from the token call
    ws_base = REST_BASE
    rest_base = REST_BASE
    ws_intervals = WS_INTERVALS
    rest_intervals = REST_INTERVALS
    rest_limit = REST_LIMIT
    # 100 topics a connection, but also 100 client messages per 10 s: one subscribe per pair
    # plus pings must stay under it, so a connection carries at most 50 pairs
    pairs_per_connection = 50
    subscribe_when_ready = True
    wire = KucoinWire

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """ "Get All Symbols" (`/api/v2/symbols`): every spot symbol, whether it trades."""
        return HttpRequest("GET", http_url(rest_base, SYMBOLS_PATH))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        answer = _loads(body)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or str(answer.get("code")) != "200000":
            msg = answer.get("msg") if isinstance(answer, dict) else None
            raise MalformedFrame(f"kucoin: the symbols answer holds no list ({msg or 'no data'})")
        rows = instrument_rows(data, "symbol", "baseCurrency", "quoteCurrency", "enableTrading")
        for row in rows:  # KuCoin says only whether it trades: a word for the status column
            row["status"] = "enabled" if row["status"] is True else "disabled"
        return rows

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}-{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake | None:
        return None  # from the token call

    def token_request(self, rest_base: str) -> HttpRequest | None:
        return HttpRequest("POST", http_url(rest_base, TOKEN_PATH))

    def on_token(self, response: HttpResponse, symbols: Sequence[str], interval: str) -> Handshake:
        endpoint, token, ping_interval, ping_timeout = read_token(response.body)
        connect_id = secrets.token_hex(8)
        joiner = "&" if "?" in endpoint else "?"
        url = endpoint + joiner + urlencode({"token": token, "connectId": connect_id})
        shown = endpoint + joiner + urlencode({"connectId": connect_id})
        return KucoinHandshake(url, ping_interval=ping_interval, ping_timeout=ping_timeout, shown=shown)

    def keepalive_for(self, handshake: Handshake | None) -> tuple[float | None, float | None]:
        if isinstance(handshake, KucoinHandshake):
            return handshake.ping_interval, handshake.ping_interval + handshake.ping_timeout
        return None, None

    # A request's `id` is the engine's clock in ms (plus its place among the requests sent
    # together): unique on a connection, and no state of the codec's own.

    def keepalive(self, now: float) -> list[Frame]:
        return [orjson.dumps({"id": str(int(now * 1000)), "type": "ping"}).decode()]

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        first = int(now * 1000)
        return [
            orjson.dumps(
                {
                    "id": first + i,
                    "type": "subscribe",
                    "topic": topic(s, interval),
                    "privateChannel": False,
                    "response": True,
                }
            ).decode()
            for i, s in enumerate(symbols)
        ]

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        first = int(now * 1000) + len(symbols)  # never an id a subscribe of the same moment had
        return [
            orjson.dumps(
                {
                    "id": first + i,
                    "type": "unsubscribe",
                    "topic": topic(s, interval),
                    "privateChannel": False,
                    "response": False,
                }
            ).decode()
            for i, s in enumerate(symbols)
        ]

    def parse(self, frame: Frame) -> Parsed:
        msg = _loads(frame)
        if not isinstance(msg, dict):
            raise MalformedFrame("a message is not a JSON object")
        kind = msg.get("type")
        if kind == "message":
            data = msg.get("data")
            if not isinstance(data, dict):
                raise MalformedFrame("a message without a data object")
            symbol = data.get("symbol")
            if not isinstance(symbol, str):
                symbol, _ = split_topic(str(msg.get("topic", "")))
            return Parsed(candles=[(symbol, read_array(data.get("candles")), epoch_ms(data.get("time")))])
        if kind == "welcome":
            return Parsed(ready=True)
        if kind in ("pong", "ping"):
            return Parsed()
        if kind == "ack":
            return Parsed(acks=[f"candles (request {msg.get('id')})"])
        if kind == "error":
            return Parsed(refusal=f"{msg.get('data') or 'error'} (code {msg.get('code')})")
        if kind is None:
            raise MalformedFrame("a message without a type")
        return Parsed(unknown=True)

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        step = TYPE_SECONDS[interval]
        end = (now_ms if end_ms is None else end_ms) // 1000
        start = max(0, end - min(limit, REST_LIMIT) * step + 1)
        params = (("type", interval), ("symbol", symbol), ("startAt", str(start)), ("endAt", str(end)))
        return HttpRequest("GET", http_url(rest_base, CANDLES_PATH), params)

    def parse_rest(self, body: bytes) -> list[Candle]:
        doc = _loads(body)
        rows = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            raise MalformedFrame("a candles answer without a data list")
        return [read_array(row) for row in rows]

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        refusal = super().rest_refusal(response, symbol)
        if refusal is not None:
            return refusal
        try:
            doc = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return None  # parse_rest says what is wrong
        if isinstance(doc, dict) and doc.get("code") not in (None, OK):
            return SubscriptionError(f"kucoin: {symbol} refused (code {doc.get('code')}: {_msg(doc)})")
        return None


EXCHANGE = KucoinExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path="<endpoint from POST /api/v1/bullet-public>?token=..&connectId=..",
    examples=(
        "feedcli stream kucoin --pair BTC-USDT --pair ETH-USDT --interval 1m",
        "feedcli stream kucoin --pair BTC-USDT --interval 1h --backfill 48",
    ),
)


#: KuCoin's "Public" resource pool, https://www.kucoin.com/docs-new/rate-limit: 2000 weight per
#: 30 s (every VIP level); 429 (code 429000) past it. Weights from each endpoint's page: Get
#: Klines 3, Get All Symbols 4; ASSUMED (not confirmed here): the public token (bullet-public) 10, others 2
REST_LIMITS = RestLimits(
    pools=(Pool("public", 2000, 30.0),),
    rules=(Rule(CANDLES_PATH, 3), Rule(TOKEN_PATH, 10), Rule(SYMBOLS_PATH, 4)),
    default_weight=2,
    over_status=429,
    source="https://www.kucoin.com/docs-new/rate-limit",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.kucoin:KucoinSimulator",
    port=8446,
    help_text="KuCoin: bullet-public token flow, welcome/ping/pong, REST /api/v1/market/candles.",
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests)
prepare = PROVIDER.prepare
