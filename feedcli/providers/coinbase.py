"""Coinbase Advanced Trade: the public market-data WebSocket's `candles` channel, REST for the rest.

Documented (docs.cdp.coinbase.com, Advanced Trade API):
- WebSocket `wss://advanced-trade-ws.coinbase.com` (path `/`); one channel per subscribe message:
  `{"type":"subscribe","product_ids":["BTC-USD"],"channel":"candles"}`, no granularity
  (api-reference/advanced-trade-api/websocket/candles.md).
- Candles are FIVE-MINUTE buckets updated every second ("Real-time updates on product candles,
  grouped into five-minute buckets, with updates every second"); a message is
  `{"channel":"candles","client_id":"","timestamp":"2023-06-09T20:19:35.39625135Z","sequence_num":0,
  "events":[{"type":"snapshot","candles":[{"start":"1688998200","high":"1867.72","low":"1865.63",
  "open":"1867.38","close":"1866.81","volume":"0.20269406","product_id":"ETH-USD"}]}]}`.
- "Most channels close within 60-90 seconds if no updates are sent. Subscribe to heartbeats to keep
  all subscriptions open" (coinbase-app/advanced-trade-apis/websocket/websocket-channels.md); the
  heartbeats channel sends one message a second with a `heartbeat_counter`.
- Subscriptions are confirmed on the `subscriptions` channel; errors are `{"type":"error","message":..}`.
- REST `GET https://api.coinbase.com/api/v3/brokerage/market/products/{product_id}/candles` with
  `start`, `end` (UNIX seconds), `granularity` (ONE_MINUTE, FIVE_MINUTE, FIFTEEN_MINUTE,
  THIRTY_MINUTE, ONE_HOUR, TWO_HOUR, SIX_HOUR, ONE_DAY) and `limit`; answer
  `{"candles":[{"start","low","high","open","close","volume"}]}`, newest first
  (api-reference/advanced-trade-api/rest-api/public/get-public-product-candles).

So only `5m` streams; every other interval is polled over REST by the shared codec. Coinbase sends
no closed flag and no trade count: REST rows get `closed` from the clock (the shared codec), WebSocket
rows leave it out (a 5-minute bucket's last update is not marked as such).

ASSUMED (not confirmed by the public docs): the REST `limit` maximum of 350; at most 100 products
per connection (Coinbase documents no number; more pairs open more connections); the exact
text of error messages; an unknown product answers the REST call with 400/404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from feedcli.errors import MalformedFrame
from feedcli.providers import candles
from feedcli.providers.base import Frame, Handshake, HttpRequest, http_url, ws_url
from feedcli.providers.candles import Candle, Exchange, Pair, Parsed, number
from feedcli.providers.candles.channels import Wire
from feedcli.providers.candles.exchange import instrument_rows
from feedcli.providers.crypto import coinbase as crypto
from feedcli.ratelimit import Pool, RestLimits

WS_BASE = "https://advanced-trade-ws.coinbase.com"
REST_BASE = "https://api.coinbase.com"
WS_PATH = "/"
CANDLES_PATH = "/api/v3/brokerage/market/products/{product_id}/candles"
#: every product, for `feedcli search coinbase` ("List Public Products", no authentication)
PRODUCTS_PATH = "/api/v3/brokerage/market/products"
#: REST granularity → seconds
GRANULARITY_SECONDS: dict[str, int] = {
    "ONE_MINUTE": 60,
    "FIVE_MINUTE": 300,
    "FIFTEEN_MINUTE": 900,
    "THIRTY_MINUTE": 1800,
    "ONE_HOUR": 3600,
    "TWO_HOUR": 7200,
    "SIX_HOUR": 21600,
    "ONE_DAY": 86400,
}
REST_INTERVALS: dict[str, str] = {
    "1m": "ONE_MINUTE",
    "5m": "FIVE_MINUTE",
    "15m": "FIFTEEN_MINUTE",
    "30m": "THIRTY_MINUTE",
    "1h": "ONE_HOUR",
    "2h": "TWO_HOUR",
    "6h": "SIX_HOUR",
    "1d": "ONE_DAY",
}
#: the WebSocket serves five-minute buckets only; the code is the REST spelling (gap fills use it)
WS_INTERVALS: dict[str, str] = {"5m": "FIVE_MINUTE"}
REST_LIMIT = 350  # ASSUMED maximum per call


def message(channel: str, sequence: int, events: list[Any], timestamp: str) -> bytes:
    """A server message envelope (the simulator's encoder)."""
    return orjson.dumps(
        {"channel": channel, "client_id": "", "timestamp": timestamp, "sequence_num": sequence, "events": events}
    )


def candle_row(product_id: str, candle: Candle) -> dict[str, str]:
    """A candle as Coinbase spells it (WebSocket rows carry `product_id`, REST rows don't need it)."""
    return {
        "start": str(candle.start_ms // 1000),
        "high": repr(candle.high),
        "low": repr(candle.low),
        "open": repr(candle.open),
        "close": repr(candle.close),
        "volume": repr(candle.volume),
        "product_id": product_id,
    }


def read_candle(row: Any) -> Candle:
    if not isinstance(row, dict):
        raise MalformedFrame(f"a candle is not an object: {row!r}")
    try:
        start = int(row["start"])
        return Candle(
            start * 1000,
            number(row["open"], "open"),
            number(row["high"], "high"),
            number(row["low"], "low"),
            number(row["close"], "close"),
            number(row["volume"], "volume"),
        )
    except KeyError as exc:
        raise MalformedFrame(f"a candle lacks {exc}") from None
    except (TypeError, ValueError):
        raise MalformedFrame(f"a candle's start is not a number: {row.get('start')!r}") from None


def iso_ms(text: Any) -> int | None:
    """`2023-06-09T20:19:35.39625135Z` (nanoseconds) → epoch ms; None when absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    head, _, frac = text.rstrip("Z").partition(".")
    try:
        whole = datetime.fromisoformat(head + "+00:00").timestamp()
        micros = int((frac[:6]).ljust(6, "0")) if frac else 0
    except ValueError:
        return None
    return int(whole * 1000) + micros // 1000


def _loads(frame: Frame | bytes) -> Any:
    try:
        return orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise MalformedFrame(f"not JSON ({exc})") from None


class CoinbaseWire(Wire):
    """Trades from `market_trades`, books from `level2` (`l2_data`), tickers from `ticker`, with
    `heartbeats` so quiet channels stay open; `sequence_num` is checked across the connection
    (rules in feedcli/providers/crypto/coinbase.py). Coinbase's level2 is the whole book."""

    max_depth = 1000
    _CHANNELS = (("trades", crypto.MARKET_TRADES), ("book", crypto.LEVEL2), ("ticker", crypto.TICKER))
    _OWN = (crypto.L2_DATA, crypto.MARKET_TRADES, crypto.TICKER)

    def __init__(self) -> None:
        self.sequence = crypto.ConnectionSequence()
        self._lost: str | None = None

    def subscribe(
        self, symbols: Sequence[str], channels: Sequence[str], depth: int, *, now: float = 0.0
    ) -> list[Frame]:
        out = [
            orjson.dumps({"type": "subscribe", "product_ids": list(symbols), "channel": theirs}).decode()
            for ours, theirs in self._CHANNELS
            if ours in channels
        ]
        return [*out, orjson.dumps({"type": "subscribe", "channel": crypto.HEARTBEATS}).decode()]

    def resubscribe(self, symbol: str, depth: int) -> list[Frame]:
        # a new level2 subscription starts with a snapshot
        return [
            orjson.dumps({"type": kind, "product_ids": [symbol], "channel": crypto.LEVEL2}).decode()
            for kind in ("unsubscribe", "subscribe")
        ]

    def parse(self, frame: Frame) -> crypto.Parsed | None:
        sequence_num = crypto.sequence_of(frame)
        if sequence_num is not None:
            before = self.sequence.last
            verdict = self.sequence.check(sequence_num)
            if verdict == "stale":
                return None
            if verdict == "gap":
                self._lost = f"sequence_num {sequence_num} after {before}: a message of this connection was lost"
        parsed = crypto.parse(frame)
        if not (parsed.trades or parsed.tickers or parsed.snapshots or parsed.deltas):
            message = orjson.loads(frame)
            if isinstance(message, dict) and message.get("channel") in self._OWN:
                return None  # a message of these channels with nothing in it
        return parsed

    def lost(self) -> str | None:
        lost, self._lost = self._lost, None
        return lost

    def book(self, symbol: str, depth: int) -> crypto.CoinbaseBook:
        return crypto.CoinbaseBook(symbol, depth)


class CoinbaseExchange(Exchange):
    name = "coinbase"
    title = "Coinbase Advanced Trade: candles (5m streamed, others polled over REST)"
    ws_base = WS_BASE
    rest_base = REST_BASE
    ws_intervals = WS_INTERVALS
    rest_intervals = REST_INTERVALS
    rest_limit = REST_LIMIT
    pairs_per_connection = 100
    wire = CoinbaseWire
    #: heartbeats come every second: the timer only watches for silence (no client message)
    keepalive_interval = 5.0
    silence_limit = 30.0

    def instruments_request(self, rest_base: str) -> HttpRequest:
        """Advanced Trade's "List Public Products" (no key): every spot product, with its status."""
        return HttpRequest("GET", http_url(rest_base, PRODUCTS_PATH), (("product_type", "SPOT"),))

    def parse_instruments(self, body: bytes) -> list[dict[str, Any]]:
        answer = _loads(body)
        products = answer.get("products") if isinstance(answer, dict) else None
        if not isinstance(products, list):
            raise MalformedFrame("coinbase: the products answer holds no 'products' list")
        return instrument_rows(products, "product_id", "base_currency_id", "quote_currency_id", "status")

    def symbol(self, pair: Pair) -> str:
        return f"{pair.base}-{pair.quote}"

    def handshake(self, ws_base: str, symbols: Sequence[str], interval: str) -> Handshake:
        return Handshake(ws_url(ws_base, WS_PATH))

    def subscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return [
            orjson.dumps({"type": "subscribe", "product_ids": list(symbols), "channel": "candles"}).decode(),
            orjson.dumps({"type": "subscribe", "channel": "heartbeats"}).decode(),
        ]

    def unsubscribe(self, symbols: Sequence[str], interval: str, *, now: float = 0.0) -> list[Frame]:
        return [orjson.dumps({"type": "unsubscribe", "product_ids": list(symbols), "channel": "candles"}).decode()]

    def parse(self, frame: Frame) -> Parsed:
        msg = _loads(frame)
        if not isinstance(msg, dict):
            raise MalformedFrame("a message is not a JSON object")
        if msg.get("type") == "error":
            return Parsed(refusal=str(msg.get("message") or msg.get("reason") or "error"))
        channel = msg.get("channel")
        events = msg.get("events")
        if channel is None:
            return Parsed(unknown=True)
        if not isinstance(events, list):
            raise MalformedFrame(f"a {channel!r} message without an events list")
        if channel == "heartbeats":
            return Parsed()
        if channel == "subscriptions":
            acks = []
            for event in events:
                subs = event.get("subscriptions") if isinstance(event, dict) else None
                if isinstance(subs, dict):
                    acks.extend(
                        f"{name}: {','.join(map(str, ids)) if isinstance(ids, list) else ids}"
                        for name, ids in subs.items()
                        if ids
                    )
            return Parsed(acks=acks)
        if channel != "candles":
            return Parsed(unknown=True)
        event_ms = iso_ms(msg.get("timestamp"))
        out = Parsed()
        for event in events:
            rows = event.get("candles") if isinstance(event, dict) else None
            if not isinstance(rows, list):
                raise MalformedFrame("a candles event without a candles list")
            for row in rows:
                candle = read_candle(row)
                product = row.get("product_id")
                if not isinstance(product, str):
                    raise MalformedFrame("a streamed candle without product_id")
                out.candles.append((product, candle, event_ms))
        return out

    def rest_request(
        self, rest_base: str, symbol: str, interval: str, *, limit: int, end_ms: int | None = None, now_ms: int = 0
    ) -> HttpRequest:
        # Coinbase wants a time range, not a count: the `limit` buckets ending at `end`
        # (the clock is read here only when the codec asks for "now").
        step = GRANULARITY_SECONDS[interval]
        end = (now_ms if end_ms is None else end_ms) // 1000
        start = end - limit * step + 1
        params = (
            ("start", str(max(0, start))),
            ("end", str(end)),
            ("granularity", interval),
            ("limit", str(min(limit, REST_LIMIT))),
        )
        return HttpRequest("GET", http_url(rest_base, CANDLES_PATH.format(product_id=symbol)), params)

    def parse_rest(self, body: bytes) -> list[Candle]:
        doc = _loads(body)
        rows = doc.get("candles") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            raise MalformedFrame("a candles answer without a candles list")
        return [read_candle(row) for row in rows]


EXCHANGE = CoinbaseExchange()

INFO = candles.provider_info(
    EXCHANGE,
    ws_path=WS_PATH,
    pair="BTC-USD",
    examples=(
        "feedcli stream coinbase --pair BTC-USD --pair ETH-USD --interval 5m",
        "feedcli stream coinbase --pair BTC-USD --interval 1m --backfill 60",
    ),
)


#: Coinbase's public REST limit: 10 requests a second per IP (Advanced Trade's "REST API rate
#: limits", https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits), counted by
#: a token bucket with bursts of up to 15 (as the Exchange API's "REST Rate Limits Overview",
#: https://docs.cdp.coinbase.com/exchange/rest-api/rate-limits, describes it); 429 past it
REST_LIMITS = RestLimits(
    pools=(Pool("ip", 10, 1.0, burst=15),),
    over_status=429,
    source="https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits",
)

PROVIDER = candles.provider(
    EXCHANGE,
    INFO,
    "feedcli.simulators.coinbase:CoinbaseSimulator",
    port=8444,
    help_text="Coinbase Advanced Trade: 5-minute candles, heartbeats channel, REST candles.",
    rest_limits=REST_LIMITS,
)
#: the record's own `prepare`, by the module's name (tests)
prepare = PROVIDER.prepare
