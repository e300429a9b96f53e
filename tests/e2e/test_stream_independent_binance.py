"""`feedcli stream binance` against an independent, documentation-only Binance server."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.cli import feedcli_env, lines, run
from tests.support.independent_binance import IndependentBinance

pytestmark = pytest.mark.e2e


def as_candle(k: dict) -> dict:
    """What CONTRACT.md says a kline becomes in the NDJSON `data` (numbers as floats)."""
    return {
        "open": float(k["o"]),
        "high": float(k["h"]),
        "low": float(k["l"]),
        "close": float(k["c"]),
        "volume": float(k["v"]),
        "quote_volume": float(k["q"]),
        "trades": k["n"],
    }


def test_backfill_and_stream_match_what_the_server_sent(tmp_path) -> None:
    # a pong timeout far above any stall of a busy machine; the answers are checked by count
    with IndependentBinance(ping_interval=0.5, ping_timeout=10.0) as server:
        args = ["stream", "binance", "--url", server.url, "--pair", "BTC-USDT", "--pair", "ETH-USDT"]
        result = run(
            [*args, "--interval", "1s", "--backfill", "3", "--events", "--duration", "3"], feedcli_env(tmp_path)
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    events = Counter(o["event"] for o in out if "event" in o)
    # pongs answered the server's pings (all but one in flight at the end): one connection
    assert server.pings >= 3 and server.pongs >= server.pings - 1, (server.pings, server.pongs)
    assert server.connections == 1 and events["connected"] == 1 and events["reconnected"] == 0
    # the symbols were checked first, then 3 candles fetched per pair, then the documented SUBSCRIBE
    assert server.requests[0].startswith("/api/v3/exchangeInfo?symbols=")
    klines = [r for r in server.requests if r.startswith("/api/v3/klines?")]
    # the backfill of each pair; any later call is a top-up of a bar that closed between the
    # REST answer and the stream's first update (likely with 1s bars on a busy machine)
    assert len(klines) >= 2 and all("limit=3" in r for r in klines[:2])
    assert server.received[0] == {
        "method": "SUBSCRIBE",
        "params": ["btcusdt@kline_1s", "ethusdt@kline_1s"],
        "id": server.received[0]["id"],
    }
    data = [o for o in out if "channel" in o]
    backfill = data[:6]
    assert all(o["ts"] is None for o in backfill)  # the REST candles come first
    rest_lines = [o for o in data if o["ts"] is None]  # the backfill, and any top-up
    for line in rest_lines:
        symbol = line["symbol"].replace("-", "")
        row = next(r for s, r in server.rest_rows if s == symbol and line["data"]["timestamp"] == _iso(r[0]))
        assert {k: line["data"][k] for k in ("open", "high", "low", "close", "volume")} == {
            "open": float(row[1]),
            "high": float(row[2]),
            "low": float(row[3]),
            "close": float(row[4]),
            "volume": float(row[5]),
        }
    live = [o for o in data[6:] if o["ts"] is not None]
    assert len(live) >= 10
    sent = {(e["s"], e["E"], e["k"]["t"], e["k"]["x"]): e for e in server.sent_events}
    for line in live:
        symbol = line["symbol"].replace("-", "")
        match = [e for (s, _, t, x), e in sent.items() if s == symbol and _iso(t) == line["data"]["timestamp"]]
        assert match, line
        event = next(e for e in match if e["k"]["x"] == line["data"]["closed"])
        assert {k: line["data"][k] for k in as_candle(event["k"])} == as_candle(event["k"])
    for pair in ("BTC-USDT", "ETH-USDT"):
        closed = [o["data"]["timestamp"] for o in data if o["symbol"] == pair and o["data"]["closed"]]
        assert len(closed) == len(set(closed))  # no bar closed twice
        seconds = sorted(int(_ms(t) // 1000) for t in closed)
        assert seconds == list(range(seconds[0], seconds[0] + len(seconds))), closed  # and none missing


def test_unknown_symbol_is_refused_by_exchange_info(tmp_path) -> None:
    with IndependentBinance() as server:
        args = ["stream", "binance", "--url", server.url, "--pair", "DOGE-XYZ", "--limit", "1"]
        result = run(args, feedcli_env(tmp_path))
    assert result.returncode == 4, result.stderr
    assert "DOGEXYZ" in result.stderr and "Invalid symbol." in result.stderr
    assert server.connections == 0


def _ms(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
