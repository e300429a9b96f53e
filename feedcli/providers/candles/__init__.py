"""What the six candle exchanges share: pairs, intervals, the flat candle record, one codec.

Each exchange module (binance.py, okx.py, ...) describes only its own wire formats as an
`Exchange`: how a pair is spelt, which intervals its WebSocket and its REST API serve, the
subscription frames, how a message or a REST page becomes candles, its keepalive. The
`CandleCodec` here glues that to the session engine the same way for all six:

- `--backfill N` fetches the last N candles over REST before the WebSocket opens (paged
  when N exceeds what one call returns), and after a reconnect fetches what was missed;
- an interval the WebSocket does not serve is polled over REST just after each candle
  boundary (the source document's fallback);
- a `CandleFeed` shared by every connection of a run drops what was already written:
  a candle older than the newest one seen, or a closed candle closed again. That is the
  seam between REST and WebSocket, and between two connections: no gap, no duplicate.

Nothing here opens a socket or reads the clock: the engine passes `now`. Three modules:
`exchange` (what is shared on the wire, and `Exchange`), `codec` (the codec and the run's
shared state), `record` (the command line's options and each exchange's `Provider`); this
package names what the exchange modules, the simulators and the tests use.
"""

from __future__ import annotations

from feedcli.providers.candles.codec import (
    CandleCodec,
    CandleFeed,
)
from feedcli.providers.candles.exchange import (
    INTERVAL_SECONDS,
    MAX_MALFORMED,
    MAX_PAGES,
    POLL_LAG,
    SETTLE_MS,
    Candle,
    Exchange,
    Pair,
    Parsed,
    Request,
    bar_end_ms,
    excerpt,
    number,
    parse_pair,
)
from feedcli.providers.candles.record import (
    DEMO_BACKFILL,
    DEMO_PAIRS,
    SIM_OPTIONS,
    candle_object,
    default_interval,
    options,
    prepare_for,
    preparer,
    provider,
    provider_info,
    request_from,
)

__all__ = [
    "DEMO_BACKFILL",
    "DEMO_PAIRS",
    "INTERVAL_SECONDS",
    "MAX_MALFORMED",
    "MAX_PAGES",
    "POLL_LAG",
    "SETTLE_MS",
    "SIM_OPTIONS",
    "Candle",
    "CandleCodec",
    "CandleFeed",
    "Exchange",
    "Pair",
    "Parsed",
    "Request",
    "bar_end_ms",
    "candle_object",
    "default_interval",
    "excerpt",
    "number",
    "options",
    "parse_pair",
    "prepare_for",
    "preparer",
    "provider",
    "provider_info",
    "request_from",
]
