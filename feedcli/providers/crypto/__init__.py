"""Trades, order books and tickers of the six crypto exchanges: the pure core.

- `model`: the neutral objects (`Trade`, `Ticker`, `BookSnapshot`, `BookDelta`) every exchange
  module parses into and encodes from, and the actions a book sync machine answers with
  (`EmitBook`, `FetchSnapshot`, `Resubscribe`, `Gap`).
- `book`: `L2Book`, the local book (price → size per side, top N, the horizon of a truncated
  snapshot).
- `sync`: the two ways the exchanges document keeping a book in sync (`RangeSync` for a REST
  snapshot and ranged update ids, `ChainSync` for a WebSocket snapshot and chained updates).
- one module per exchange (`binance`, `okx`, `bybit`, `coinbase`, `kucoin`, `gate`): its wire
  format both ways (`parse`, `encode_*`), its book machine with every rule and its source, and
  its REST snapshot call with its documented weight.

Everything here is sans-I/O (no sockets, no clock, no environment, no asyncio), like every
provider codec (DESIGN.md).
"""
