"""Binance spot: kline streams over WebSocket, klines and exchangeInfo over REST.

Sources (Binance's own documentation):
- WebSocket streams, https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams:
  base `wss://stream.binance.com:9443`; raw streams at `/ws/<streamName>`, combined ones at
  `/stream?streams=a/b`, wrapped as `{"stream":"<streamName>","data":<rawPayload>}`; stream names
  are lowercase (`btcusdt@kline_1m`); live subscribing with
  `{"method":"SUBSCRIBE","params":["btcusdt@kline_1m"],"id":1}` answered `{"result":null,"id":1}`;
  error answers `{"code":<n>,"msg":"...","id":<id>}`; 1024 streams per connection, 5 incoming
  messages a second; the server sends a ping frame every 20 s and disconnects a connection that
  has not ponged within a minute (the engine answers ping frames itself); a connection lives 24 h.
  The kline event: `{"e":"kline","E":<event ms>,"s":"BNBBTC","k":{"t":<open ms>,"T":<close ms>,
  "s","i","f","L","o","c","h","l","v","n","x":<closed?>,"q","V","Q","B"}}`; intervals
  1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M.
- REST, https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints:
  `GET https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=N&endTime=ms`
  (limit default 500, max 1000; oldest first) rows `[open ms, "o", "h", "l", "c", "v", close ms,
  "quote volume", trades, "taker base", "taker quote", "0"]`; errors `{"code":-1121,"msg":"Invalid
  symbol."}` with HTTP 400; 429 (and 418 once banned) with Retry-After.
  `GET /api/v3/exchangeInfo?symbols=["BTCUSDT","BNBBTC"]` lists the symbols with their `status`.

A SUBSCRIBE to a stream of a symbol that does not exist is acknowledged like any other and then
delivers nothing, so the symbols are checked first with exchangeInfo (the preflight): an unknown
one is exit 4 before anything connects.

ASSUMED (not in the public docs): an error answer may also come as `{"error":{"code","msg"},"id"}`
(both shapes are read); a symbol whose exchangeInfo `status` is not TRADING is refused (exit 4),
since its kline stream would stay silent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
import orjson

from feedcli.errors import FeedError, MalformedFrame, SubscriptionError
from feedcli.events import EXACT_MS, MS_TAILS, epoch_ms_iso
from feedcli.providers import candles
from feedcli.providers.base import Frame, Handshake, HttpRequest, HttpResponse, http_url, ws_url
from feedcli.providers.candles import Candle, Exchange, Pair, Parsed, number
from feedcli.providers.candles.channels import Wire
from feedcli.providers.candles.exchange import QuickCandle, instrument_rows
from feedcli.providers.crypto import binance as crypto
from feedcli.ratelimit import Pool, RestLimits, Rule, by_limit

WS_BASE = "wss://stream.binance.com:9443"
REST_BASE = "https://api.binance.com"
WS_PATH = "/ws"
COMBINED_PATH = "/stream"
KLINES_PATH = "/api/v3/klines"
EXCHANGE_INFO_PATH = "/api/v3/exchangeInfo"
DEPTH_PATH = "/api/v3/depth"
#: every interval Binance serves, spelt as we spell them, on the WebSocket and over REST alike
INTERVALS: dict[str, str] = {i: i for i in candles.INTERVAL_SECONDS}
#: the documented limits
MAX_STREAMS = 1024
REST_LIMIT = 1000
#: Binance's error code for an unknown symbol
INVALID_SYMBOL = -1121


def stream_name(symbol: str, interval: str) -> str:
    """`BTCUSDT`, `1m` → `btcusdt@kline_1m` (stream names are lowercase)."""
    return f"{symbol.lower()}@kline_{interval}"


def encode_kline_event(symbol: str, interval: str, candle: Candle, event_ms: int) -> dict[str, Any]:
    """The kline event as Binance pushes it (for the simulator and tests)."""
    length = candles.INTERVAL_SECONDS[interval] * 1000
    return {
        "e": "kline",
        "E": event_ms,
        "s": symbol,
        "k": {
            "t": candle.start_ms,
            "T": candle.start_ms + length - 1,
            "s": symbol,
            "i": interval,
            "f": 100,
            "L": 100 + (candle.trades or 0),
            "o": _text(candle.open),
            "c": _text(candle.close),
            "h": _text(candle.high),
            "l": _text(candle.low),
            "v": _text(candle.volume),
            "n": candle.trades or 0,
            "x": bool(candle.closed),
            "q": _text(candle.quote_volume or 0.0),
            "V": _text(candle.volume / 2),
            "Q": _text((candle.quote_volume or 0.0) / 2),
            "B": "0",
        },
    }


def encode_kline_row(interval: str, candle: Candle) -> list[Any]:
    """One row of /api/v3/klines (for the simulator and tests)."""
    length = candles.INTERVAL_SECONDS[interval] * 1000
    return [
        candle.start_ms,
        _text(candle.open),
        _text(candle.high),
        _text(candle.low),
        _text(candle.close),
        _text(candle.volume),
        candle.start_ms + length - 1,
        _text(candle.quote_volume or 0.0),
        candle.trades or 0,
        _text(candle.volume / 2),
        _text((candle.quote_volume or 0.0) / 2),
        "0",
    ]


def _text(value: float) -> str:
    return f"{value:.8f}"


def _json(frame: Frame, what: str) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"{what} is not JSON: {exc}") from None


def _kline(payload: Mapping[str, Any]) -> tuple[str, Candle, int | None]:
    k = payload.get("k")
    if not isinstance(k, dict):
        raise MalformedFrame("kline event without its 'k' object")
    symbol = k.get("s") or payload.get("s")
    start = k.get("t")
    if not isinstance(symbol, str) or not isinstance(start, int) or isinstance(start, bool):
        raise MalformedFrame("kline without a symbol or an integer open time 't'")
    trades = k.get("n")
    closed = k.get("x")
    event = payload.get("E")
    candle = Candle(
        start,
        number(k.get("o"), "open"),
        number(k.get("h"), "high"),
        number(k.get("l"), "low"),
        number(k.get("c"), "close"),
        number(k.get("v"), "volume"),
        number(k["q"], "quote volume") if "q" in k else None,
        int(trades) if isinstance(trades, int) and not isinstance(trades, bool) else None,
        closed if isinstance(closed, bool) else None,
    )
    return symbol, candle, event if isinstance(event, int) else None


# -- the hot path: a kline event of the documented shape, typed, read by msgspec ---------------
#
# `quick_candle` reads what the line needs straight into typed fields: no dict of the whole
# event, no `Candle`, no `Parsed` (codec 75k → 30k instructions a message). It must say exactly
# what `parse` says, so it takes only messages it reads as `parse` would, and leaves any other
# to `parse` (None), which writes the same line or raises its own error:
# - no field unknown: msgspec skips an unknown field without checking all of it (a number out
#   of range, bad UTF-8), where orjson refuses the message;
# - the prices and volumes read by msgspec's lax mode, which turns "96543.21000000" into the
#   float `float()` makes of it (correctly rounded both), and refuses what `float()` reads
#   otherwise (" 1", "1_000", "1e400"): only a zero differs ("-0" is 0.0 to msgspec, -0.0 to
#   float()), so a zero in a message with a text that starts with a minus is left to `parse`;
# - every other field typed as any JSON scalar, so lax mode has nothing to convert ("1" stays
#   text, 1.0 a float, true a bool), and the line's integers and flag checked here as `parse`
#   checks them: int, not bool; bool; within what orjson reads as an int.

_Scalar = int | float | str | bool


class _QuickKline(msgspec.Struct, forbid_unknown_fields=True):
    t: _Scalar
    s: str
    o: float
    c: float
    h: float
    l: float  # noqa: E741 (Binance's name)
    v: float
    n: _Scalar
    x: _Scalar
    q: float
    # not in the line: checked as JSON when present, as orjson checks them
    T: _Scalar = 0
    i: _Scalar = ""
    f: _Scalar = 0
    L: _Scalar = 0
    V: _Scalar = ""
    Q: _Scalar = ""
    B: _Scalar = ""


class _QuickEvent(msgspec.Struct, forbid_unknown_fields=True):
    e: str
    E: _Scalar
    k: _QuickKline
    s: _Scalar = ""


class _QuickCombined(msgspec.Struct, forbid_unknown_fields=True):
    stream: _Scalar
    data: _QuickEvent


_COMBINED = (b'{"stream"', '{"stream"')
_EVENT = (b'{"e":"kline"', '{"e":"kline"')


def _quick_reader() -> Callable[[Frame], QuickCandle | None]:
    """`quick_kline`, with the two times of the line made as `epoch_ms_iso` makes them, the
    event time's second and the bar's start text kept from the message before (most messages
    are the same bar, many of them the same second)."""
    decode_event = msgspec.json.Decoder(_QuickEvent, strict=False).decode
    decode_combined = msgspec.json.Decoder(_QuickCombined, strict=False).decode
    tails, exact = MS_TAILS, EXACT_MS
    second, prefix, bar, bar_text = -1, "", -1, ""

    def quick_kline(frame: Frame) -> QuickCandle | None:
        """A kline event (raw, or in a combined stream's wrapper) as the line needs it; None
        for any message `parse` must read."""
        nonlocal second, prefix, bar, bar_text
        try:
            if frame[:9] in _COMBINED:
                event = decode_combined(frame).data
            elif frame[:12] in _EVENT:
                event = decode_event(frame)
            else:
                return None
        except msgspec.DecodeError:  # msgspec's ValidationError is one
            return None
        k = event.k
        start, trades, event_ms, closed = k.t, k.n, event.E, k.x
        # the times within 1970..2106 (where they are exact), the trade count within what
        # orjson reads as an int (it reads a larger one as a float, which parse leaves out)
        if not (
            type(start) is int
            and type(event_ms) is int
            and type(trades) is int
            and type(closed) is bool
            and 0 <= start < exact
            and 0 <= event_ms < exact
            and _INT_MIN <= trades < _INT_END
            and ((k.o and k.h and k.l and k.c and k.v and k.q) or _unsigned(frame))
            and k.s
            and event.e == "kline"
        ):
            return None
        if start != bar:
            bar, bar_text = start, epoch_ms_iso(start) or ""
        data = {
            "timestamp": bar_text,
            "open": k.o,
            "high": k.h,
            "low": k.l,
            "close": k.c,
            "volume": k.v,
            "quote_volume": k.q,
            "trades": trades,
            "closed": closed,
        }
        sec, rest = divmod(event_ms, 1000)
        if sec != second:
            second, prefix = sec, (epoch_ms_iso(sec * 1000) or "")[:20]  # "YYYY-MM-DDTHH:MM:SS."
        return k.s, start, closed, prefix + tails[rest], data

    return quick_kline


def _unsigned(frame: Frame) -> bool:
    """No text in the message starts with a minus sign, even escaped: a zero msgspec read is
    then 0.0 for `float()` too, not -0.0."""
    if type(frame) is bytes:
        return b'"-' not in frame and b"\\" not in frame
    return '"-' not in frame and "\\" not in frame


#: orjson reads an integer of 64 bits as an int, a larger one as a float (which `parse` refuses
#: or leaves out): msgspec reads any size, so the quick path leaves the larger ones to `parse`
_INT_MIN, _INT_END = -(2**63), 2**64
quick_kline = _quick_reader()


class BinanceWire(Wire):
    """Trades from `<symbol>@trade`, books from `<symbol>@depth@100ms` and `GET /api/v3/depth`,
    tickers from `<symbol>@bookTicker` (CONTRACT.md; rules in feedcli/providers/crypto/binance.py)."""

    max_depth = crypto.MAX_DEPTH
    #: trades straight to their lines (MarketCodec's line path); no bound method: a call fewer
    quick_trade = staticmethod(crypto.quick_trade)
    #: synced depth diffs straight to their book lines (MarketCodec's line path)
    quick_depth = staticmethod(crypto.quick_depth)

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        streams: list[str] = []
        for symbol in symbols:
            if "trades" in channels:
                streams.append(crypto.trade_stream(symbol))
            if "book" in channels:
                streams.append(crypto.depth_stream(symbol))
            if "ticker" in channels:
                streams.append(crypto.book_ticker_stream(symbol))
        return [orjson.dumps({"method": "SUBSCRIBE", "params": streams, "id": 3}).decode()]

    def parse(self, frame: Frame) -> crypto.Parsed:
        return crypto.parse(frame)

    def book(self, symbol: str, depth: int) -> crypto.BinanceBook:
        return crypto.BinanceBook(symbol, depth)

    def parse_snapshot(self, body: bytes, symbol: str) -> crypto.BookSnapshot:
        return crypto.parse_depth_snapshot(body, symbol)


class BinanceExchange(Exchange):
    name = "binance"
    title = "Binance spot: kline (candle) streams"
    ws_base = WS_BASE
    rest_base = REST_BASE
    ws_intervals = INTERVALS
    rest_intervals = INTERVALS
    rest_limit = REST_LIMIT
    pairs_per_connection = MAX_STREAMS
    #: Binance pings us (ping frames every 20 s); the engine answers them
    keepalive_interval = None
    wire = BinanceWire
    silence_limit = None

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_url(ws_base, WS_PATH))

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        params = [stream_name(s, interval) for s in symbols]
        return [orjson.dumps({"method": "SUBSCRIBE", "params": params, "id": 1}).decode()]

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        params = [stream_name(s, interval) for s in symbols]
        return [orjson.dumps({"method": "UNSUBSCRIBE", "params": params, "id": 2}).decode()]

    quick_candle = staticmethod(quick_kline)  # no bound method: one call a message fewer

    def parse(self, frame: Frame) -> Parsed:
        message = _json(frame, "message")
        if not isinstance(message, dict):
            raise MalformedFrame("message is not a JSON object")
        if "stream" in message and "data" in message:  # a combined stream's wrapper
            message = message["data"]
            if not isinstance(message, dict):
                raise MalformedFrame("combined stream 'data' is not an object")
        if message.get("e") == "kline":
            return Parsed(candles=[_kline(message)])
        error = message.get("error") if isinstance(message.get("error"), dict) else None
        if error is None and "code" in message and "msg" in message:
            error = message
        if error is not None:
            return Parsed(refusal=f"request {message.get('id')} refused: {error.get('msg')} (code {error.get('code')})")
        if "result" in message and "id" in message:
            if message["result"] is None:
                return Parsed(acks=[f"request {message['id']}"])
            return Parsed()  # an answer to LIST_SUBSCRIPTIONS or a property query
        return Parsed(unknown=True)

    # -- REST --------------------------------------------------------------------------

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        params = [("symbol", symbol), ("interval", interval), ("limit", str(min(limit, REST_LIMIT)))]
        if end_ms is not None:
            params.append(("endTime", str(end_ms)))
        return HttpRequest("GET", http_url(rest_base, KLINES_PATH), tuple(params))

    def parse_rest(self, body: bytes) -> list[Candle]:
        rows = _json(body, "klines answer")
        if not isinstance(rows, list):
            raise MalformedFrame("klines answer is not a list")
        out = []
        for row in rows:
            if not isinstance(row, list) or len(row) < 9:
                raise MalformedFrame(f"kline row is not a list of at least 9 fields: {row!r}"[:200])
            start, trades = row[0], row[8]
            if not isinstance(start, int) or isinstance(start, bool):
                raise MalformedFrame(f"kline open time is not an integer: {start!r}")
            values = [number(v, "kline field") for v in row[1:6]]
            out.append(
                Candle(
                    start,
                    *values,
                    quote_volume=number(row[7], "quote volume"),
                    trades=int(trades) if isinstance(trades, int) else None,
                )
            )
        return out

    def rest_refusal(self, response: HttpResponse, symbol: str) -> FeedError | None:
        if response.status < 400:
            return None
        code, msg = _error_of(response)
        if code == INVALID_SYMBOL:
            return SubscriptionError(f"binance: no such symbol {symbol} ({msg})")
        return super().rest_refusal(response, symbol)

    def preflight(self, rest_base: str, symbols: Sequence[str]) -> HttpRequest:
        listed = orjson.dumps(list(symbols)).decode()
        return HttpRequest("GET", http_url(rest_base, EXCHANGE_INFO_PATH), (("symbols", listed),))

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """exchangeInfo without `symbols`: every symbol, with its base and quote asset and status."""
        return HttpRequest("GET", http_url(rest_base, EXCHANGE_INFO_PATH))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        info = _json(body, "exchangeInfo answer")
        listed = info.get("symbols") if isinstance(info, dict) else None
        if not isinstance(listed, list):
            raise MalformedFrame("exchangeInfo answer without a 'symbols' list")
        return instrument_rows(listed, "symbol", "baseAsset", "quoteAsset", "status")

    def check_preflight(self, response: HttpResponse, symbols: Sequence[str]) -> None:
        if response.status >= 400:
            code, msg = _error_of(response)
            if code == INVALID_SYMBOL or response.status == 400:
                which = symbols[0] if len(symbols) == 1 else "one of " + ", ".join(symbols)
                raise SubscriptionError(f"binance: no such symbol: {which} ({msg or 'HTTP 400'})")
            raise FeedError(f"binance: exchangeInfo failed (HTTP {response.status}: {msg})")
        info = _json(response.body, "exchangeInfo answer")
        listed = info.get("symbols") if isinstance(info, dict) else None
        if not isinstance(listed, list):
            raise MalformedFrame("exchangeInfo answer without a 'symbols' list")
        status = {
            s["symbol"]: s.get("status") for s in listed if isinstance(s, dict) and isinstance(s.get("symbol"), str)
        }
        missing = [s for s in symbols if s not in status]
        if missing:
            raise SubscriptionError(f"binance: no such symbol: {', '.join(missing)}")
        halted = [f"{s} ({status[s]})" for s in symbols if status[s] != "TRADING"]
        if halted:
            raise SubscriptionError(f"binance: not trading: {', '.join(halted)}")


def _error_of(response: HttpResponse) -> tuple[int | None, str]:
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None, response.body[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        code = body.get("code")
        return (code if isinstance(code, int) else None), str(body.get("msg", ""))
    return None, ""


EXCHANGE = BinanceExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path=WS_PATH,
    examples=(
        "feedcli stream binance --pair BTC-USDT --interval 1m",
        "feedcli stream binance --pair BTC-USDT --pair ETH-USDT --interval 1s --backfill 60",
        "feedcli simulate binance & feedcli stream binance --url http://127.0.0.1:9443 --pair BTC-USDT",
    ),
)


#: Binance's REST limits, https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits
#: (REQUEST_WEIGHT 6000 a minute per IP; 429 past it, 418 for a client that goes on) and the weights
#: of each endpoint's page under rest-api/market-data-endpoints and general-endpoints
REST_LIMITS = RestLimits(
    pools=(Pool("weight", crypto.WEIGHT_PER_MINUTE, 60.0),),
    rules=(
        Rule(KLINES_PATH, 2),
        Rule(DEPTH_PATH, by_limit(crypto.DEPTH_WEIGHTS, default=100)),  # the book's own table
        Rule(EXCHANGE_INFO_PATH, 20),
    ),
    over_status=429,
    ban_status=418,
    source="https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.binance:BinanceSimulator",
    port=9443,
    help_text="Binance spot: kline streams on /ws and /stream, ping frames, REST /api/v3/klines.",
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests, bench)
prepare = PROVIDER.prepare
