"""Bybit v5 public spot: `kline.{interval}.{symbol}` topics, a JSON ping, REST `/v5/market/kline`.

Sources (checked against Bybit's own v5 documentation):

- https://bybit-exchange.github.io/docs/v5/ws/connect: the spot public stream is
  `wss://stream.bybit.com/v5/public/spot`; a subscription is
  `{"req_id":..,"op":"subscribe","args":[topic,...]}` and is answered with
  `{"success":true|false,"ret_msg":..,"conn_id":..,"req_id":..,"op":"subscribe"}`; a spot
  subscribe request carries at most 10 args (more topics: more requests); the client keeps
  the connection alive with `{"op":"ping"}`, recommended every 20 s, which the spot stream
  answers `{"success":true,"ret_msg":"pong","conn_id":..,"op":"ping"}`.
- https://bybit-exchange.github.io/docs/v5/websocket/public/kline: topic
  `kline.{interval}.{symbol}`, intervals 1 3 5 15 30 60 120 240 360 720 D W M, the message
  `{"topic","data":[{"start","end","interval","open","close","high","low","volume",
  "turnover","confirm","timestamp"}],"ts","type":"snapshot"}`; `confirm: true` marks the
  last tick of a bar.
- https://bybit-exchange.github.io/docs/v5/market/kline: `GET /v5/market/kline?category=spot
  &symbol=&interval=&start=&end=&limit=` (limit 1..1000, default 200) →
  `{"retCode":0,"retMsg":"OK","result":{"category","symbol","list":[[startTime, open, high,
  low, close, volume, turnover], ...]}}`, newest first, all strings.

An unknown symbol is refused on both paths: over WebSocket by a `success:false` reply whose
`ret_msg` names the topic (exit 4), over REST by `retCode` 10001 with HTTP 200 (exit 4).
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
from feedcli.providers.crypto import bybit as crypto
from feedcli.providers.record import Knob
from feedcli.ratelimit import Pool, RestLimits

WS_PATH = "/v5/public/spot"
REST_PATH = "/v5/market/kline"
#: every spot pair, for `feedcli search bybit` ("Get Instruments Info")
INSTRUMENTS_PATH = "/v5/market/instruments-info"
#: canonical interval → Bybit's; the WebSocket and REST serve the same set
INTERVALS: dict[str, str] = {
    "1m": "1",
    "3m": "3",
    "5m": "5",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "2h": "120",
    "4h": "240",
    "6h": "360",
    "12h": "720",
    "1d": "D",
    "1w": "W",
    "1M": "M",
}
#: args one spot subscribe request may carry (documented)
ARGS_PER_REQUEST = 10
#: the documented REST maximum
REST_LIMIT = 1000
#: REST retCode for a bad parameter, an unknown symbol among them (documented error code)
RET_PARAMS_ERROR = 10001
#: the documented keepalive period; FEEDCLI_BYBIT_PING_INTERVAL shortens it (tests)
PING_INTERVAL = 20.0

# ----------------------------------------------------------------------------- ASSUMED
# Not stated by Bybit's public documentation:
#: how many pairs one connection carries before feedcli opens another (Bybit caps the
#: length of args per connection, not a count; 50 keeps every request and frame small)
PAIRS_PER_CONNECTION = 50
#: silence after which the connection is taken for dead: three missed pongs
SILENCE_FACTOR = 3.0
# ----------------------------------------------------------------------------- /ASSUMED


def topic(symbol: str, interval: str) -> str:
    return f"kline.{interval}.{symbol}"


def _loads(frame: Frame) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"bybit: not JSON: {exc}") from None


def parse_kline(item: Any) -> Candle:
    """One element of a kline message's `data` array."""
    if not isinstance(item, dict):
        raise MalformedFrame("bybit: a kline is not an object")
    try:
        start = int(item["start"])
        confirm = item["confirm"]
        return Candle(
            start_ms=start,
            open=number(item["open"], "open"),
            high=number(item["high"], "high"),
            low=number(item["low"], "low"),
            close=number(item["close"], "close"),
            volume=number(item["volume"], "volume"),
            quote_volume=number(item["turnover"], "turnover"),
            closed=bool(confirm) if isinstance(confirm, bool) else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedFrame(f"bybit: kline lacks or mangles {exc}") from None


def parse_rest_row(row: Any) -> Candle:
    """`[startTime, open, high, low, close, volume, turnover]`, all strings."""
    if not isinstance(row, list) or len(row) < 7:
        raise MalformedFrame(f"bybit: a kline row is not a 7-element list: {row!r}")
    try:
        start = int(row[0])
    except (TypeError, ValueError):
        raise MalformedFrame(f"bybit: kline start is not a number: {row[0]!r}") from None
    return Candle(
        start_ms=start,
        open=number(row[1], "open"),
        high=number(row[2], "high"),
        low=number(row[3], "low"),
        close=number(row[4], "close"),
        volume=number(row[5], "volume"),
        quote_volume=number(row[6], "turnover"),
    )


# ---------------------------------------------------------------- the server side (simulator)


def encode_kline_message(symbol: str, interval: str, candle: Candle, interval_ms: int, ts_ms: int) -> str:
    """A `kline.{interval}.{symbol}` push as Bybit sends it (numbers as strings)."""
    item = {
        "start": candle.start_ms,
        "end": candle.start_ms + interval_ms - 1,
        "interval": interval,
        "open": _s(candle.open),
        "close": _s(candle.close),
        "high": _s(candle.high),
        "low": _s(candle.low),
        "volume": _s(candle.volume),
        "turnover": _s(candle.quote_volume or 0.0),
        "confirm": bool(candle.closed),
        "timestamp": ts_ms,
    }
    message = {"topic": topic(symbol, interval), "data": [item], "ts": ts_ms, "type": "snapshot"}
    return orjson.dumps(message).decode()


def encode_reply(op: str, *, success: bool, ret_msg: str, conn_id: str, req_id: str | None) -> str:
    """The spot stream's answer to a subscribe, unsubscribe or ping."""
    reply: dict[str, Any] = {"success": success, "ret_msg": ret_msg, "conn_id": conn_id}
    if req_id is not None:
        reply["req_id"] = req_id
    reply["op"] = op
    return orjson.dumps(reply).decode()


def encode_rest_page(symbol: str, rows: Sequence[Candle]) -> dict[str, Any]:
    """A `/v5/market/kline` answer; `rows` in any order, written newest first."""
    ordered = sorted(rows, key=lambda c: c.start_ms, reverse=True)
    return {
        "retCode": 0,
        "retMsg": "OK",
        "result": {
            "category": "spot",
            "symbol": symbol,
            "list": [
                [
                    str(c.start_ms),
                    _s(c.open),
                    _s(c.high),
                    _s(c.low),
                    _s(c.close),
                    _s(c.volume),
                    _s(c.quote_volume or 0.0),
                ]
                for c in ordered
            ],
        },
        "retExtInfo": {},
        "time": 0,
    }


def _s(value: float) -> str:
    return repr(float(value))


def _ops(op: str, args: list[str]) -> list[Frame]:
    """Requests of at most ARGS_PER_REQUEST topics, each named by its req_id."""
    frames: list[Frame] = []
    for i in range(0, len(args), ARGS_PER_REQUEST):
        chunk = args[i : i + ARGS_PER_REQUEST]
        frames.append(orjson.dumps({"req_id": ",".join(chunk), "op": op, "args": chunk}).decode())
    return frames


class BybitWire(Wire):
    """Trades from `publicTrade.{symbol}`, books from `orderbook.{N}.{symbol}` (N the smallest
    documented depth holding --depth), tickers from `orderbook.1.{symbol}` (spot tickers carry
    no bid or ask); rules in feedcli/providers/crypto/bybit.py."""

    max_depth = crypto.MAX_DEPTH

    def __init__(self) -> None:
        self._book_depth = 0

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        self._book_depth = crypto.topic_depth(depth) if "book" in channels else 0
        args: list[str] = []
        for symbol in symbols:
            if "trades" in channels:
                args.append(crypto.trade_topic(symbol))
            if "book" in channels:
                args.append(crypto.book_topic(symbol, depth))
            if "ticker" in channels and self._book_depth != 1:
                args.append(crypto.ticker_topic(symbol))
        return _ops("subscribe", args)

    def resubscribe(self, symbol: str, depth: int) -> list[Frame]:
        # "Once you have subscribed successfully, you will receive a snapshot"
        topic_ = crypto.book_topic(symbol, depth)
        return _ops("unsubscribe", [topic_]) + _ops("subscribe", [topic_])

    def parse(self, frame: Frame) -> crypto.Parsed:
        parsed = crypto.parse(frame)
        if parsed.tickers and self._book_depth != 1:
            parsed.snapshots.clear()  # an orderbook.1 snapshot: the ticker, not the book
        return parsed

    def book(self, symbol: str, depth: int) -> crypto.BybitBook:
        return crypto.BybitBook(symbol, depth)


class BybitExchange(PingingExchange):
    name = "bybit"
    title = "Bybit v5 spot: kline candles"
    ws_base = "wss://stream.bybit.com"
    rest_base = "https://api.bybit.com"
    ws_intervals = INTERVALS
    rest_intervals = INTERVALS
    rest_limit = REST_LIMIT
    pairs_per_connection = PAIRS_PER_CONNECTION
    wire = BybitWire
    ping_interval = PING_INTERVAL
    silence_factor = SILENCE_FACTOR

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """v5 "Get Instruments Info" for spot: every pair in one page (spot is not paginated)."""
        return HttpRequest("GET", http_url(rest_base, INSTRUMENTS_PATH), (("category", "spot"),))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        answer = _loads(body)
        result = answer.get("result") if isinstance(answer, dict) else None
        listed = result.get("list") if isinstance(result, dict) else None
        if not isinstance(listed, list) or answer.get("retCode") not in (0, "0"):
            msg = answer.get("retMsg") if isinstance(answer, dict) else None
            raise MalformedFrame(f"bybit: the instruments answer holds no list ({msg or 'no result'})")
        return instrument_rows(listed, "symbol", "baseCoin", "quoteCoin", "status")

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_url(ws_base, WS_PATH))

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return self._requests("subscribe", symbols, interval)

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return self._requests("unsubscribe", symbols, interval)

    def _requests(self, op: str, symbols: Sequence[str], interval: str) -> list[Frame]:
        args = [topic(s, interval) for s in symbols]
        frames: list[Frame] = []
        for i in range(0, len(args), ARGS_PER_REQUEST):
            chunk = args[i : i + ARGS_PER_REQUEST]
            # the req_id comes back in the answer: it names what was (or was not) subscribed
            req_id = ",".join(chunk)
            frames.append(orjson.dumps({"req_id": req_id, "op": op, "args": chunk}).decode())
        return frames

    def keepalive(self, now: float) -> list[Frame]:
        return [orjson.dumps({"req_id": "ping", "op": "ping"}).decode()]

    def parse(self, frame: Frame) -> Parsed:
        message = _loads(frame)
        if not isinstance(message, dict):
            raise MalformedFrame("bybit: a message is not a JSON object")
        if "topic" in message:
            name = message["topic"]
            if not isinstance(name, str) or not name.startswith("kline."):
                return Parsed(unknown=True)
            parts = name.split(".", 2)
            if len(parts) != 3:
                raise MalformedFrame(f"bybit: topic {name!r} is not kline.INTERVAL.SYMBOL")
            data = message.get("data")
            if not isinstance(data, list):
                raise MalformedFrame("bybit: kline data is not a list")
            ts = message.get("ts")
            event_ms = int(ts) if isinstance(ts, int) else None
            return Parsed(candles=[(parts[2], parse_kline(item), event_ms) for item in data])
        op = message.get("op")
        if op in ("ping", "pong") or message.get("ret_msg") == "pong":
            return Parsed()
        if op == "subscribe":
            if message.get("success") is True:
                return Parsed(acks=[str(message.get("req_id") or message.get("ret_msg") or "subscribe")])
            reason = message.get("ret_msg") or "subscription refused"
            return Parsed(refusal=f"subscription refused: {reason}")
        if op == "unsubscribe":
            return Parsed()
        return Parsed(unknown=True)

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        params = [("category", "spot"), ("symbol", symbol), ("interval", interval), ("limit", str(limit))]
        if end_ms is not None:
            params.append(("end", str(end_ms)))
        return HttpRequest("GET", http_url(rest_base, REST_PATH), tuple(params))

    def parse_rest(self, body: bytes) -> list[Candle]:
        page = _loads(body)
        try:
            rows = page["result"]["list"]
        except (KeyError, TypeError):
            raise MalformedFrame("bybit: REST answer has no result.list") from None
        if not isinstance(rows, list):
            raise MalformedFrame("bybit: result.list is not a list")
        return [parse_rest_row(row) for row in rows]

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        if response.status != 200:
            return super().rest_refusal(response, symbol)
        try:
            page = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return None  # parse_rest says what is wrong with it
        if not isinstance(page, dict):
            return None
        code = page.get("retCode", 0)
        if code == 0:
            return None
        message = page.get("retMsg") or "no message"
        if code == RET_PARAMS_ERROR:
            return SubscriptionError(f"bybit: {symbol} refused (retCode {code}: {message})")
        return FeedError(f"bybit: REST call failed (retCode {code}: {message})")


EXCHANGE = BybitExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path=WS_PATH,
    title="Bybit v5 spot: live kline candles (WebSocket) with REST backfill",
    examples=(
        "feedcli stream bybit --pair BTC-USDT --interval 1m",
        "feedcli stream bybit --pair BTC-USDT --pair ETH-USDT --interval 5m --backfill 100",
    ),
)


#: Bybit's HTTP IP limit, https://bybit-exchange.github.io/docs/v5/rate-limit: 600 requests in
#: any 5-second window, every endpoint together; past it "403, access too frequent" and a ban
REST_LIMITS = RestLimits(
    pools=(Pool("ip", 600, 5.0),),
    over_status=403,
    source="https://bybit-exchange.github.io/docs/v5/rate-limit",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.bybit:BybitSimulator",
    port=8445,
    help_text="Bybit v5 public spot: kline topics, JSON ping, REST /v5/market/kline.",
    knobs=(Knob("FEEDCLI_BYBIT_PING_INTERVAL", "ping_interval"),),
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests)
prepare = PROVIDER.prepare
