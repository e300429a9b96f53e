"""Micro-benchmarks of the per-message work, today's code beside candidate changes (issue 13).

    PYTHONPATH=. bench/.venv/bin/python bench/hot_path_experiments.py [--seconds 0.3]

No sockets and no event loop: each candidate is timed on the generator's own messages
(bench/loadgen.py's HT corpus, bench/binance_site.py's kline corpus), as µs per message,
best of 5 repeats of about `--seconds` of this process's CPU time each (`time.process_time`,
which other work on the machine disturbs less than a wall clock), all in one process. It
runs on bench/.venv (msgspec is there, not in feedcli's dependencies) with feedcli's source
on PYTHONPATH. It changes no feedcli code: the variants are written here, as small as the
measurement needs, to size each change before making it; each variant's lines are checked
byte for byte against today's before anything is timed. bench/README.md ("Where the time
goes") has the figures and what they mean.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import msgspec  # bench/.venv only: a candidate, not a feedcli dependency
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
# sibling scripts, not an installed package
from binance_site import BinanceSite
from loadgen import Corpus

from feedcli.events import RecvClock, epoch_iso
from feedcli.providers import binance, candles, ht, tse

RECV = "2025-11-14T12:00:01.123456Z"


def payloads(corpus: Corpus) -> list[bytes]:
    """The messages of a corpus without their WebSocket framing."""
    out = []
    for frame in corpus.frames:
        n = frame[1] & 0x7F
        out.append(frame[2:] if n < 126 else frame[4:] if n == 126 else frame[10:])
    return out


def per_message(fn: Callable[[list[bytes]], object], messages: list[bytes], seconds: float) -> float:
    """Best µs per message over 5 repeats of about `seconds` each."""
    rounds = 1
    t0 = time.process_time()
    fn(messages)
    one = max(1e-6, time.process_time() - t0)
    rounds = max(1, int(seconds / one))
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(rounds):
            fn(messages)
        best = min(best, (time.process_time() - t0) / (rounds * len(messages)))
    return best * 1e6


#: a line maker: (the provider's message, the recv stamp) → the NDJSON line(s), newline included
LineMaker = Callable[[bytes, str], bytes]


def over(make: LineMaker) -> Callable[[list[bytes]], object]:
    """Run a line maker over a list of messages into one buffer, as the writer gathers lines."""

    def run(messages: list[bytes]) -> object:
        buf = bytearray()
        for m in messages:
            buf += make(m, RECV)
        return buf

    return run


def orjson_loads_only(messages: list[bytes]) -> object:
    loads = orjson.loads
    for m in messages:
        loads(m)
    return None


# ====================================================================== HT
def ht_codec() -> ht.EnvelopeCodec:
    """The codec `feedcli stream tse --isin ... --channel best-limit` uses."""
    codec = tse.prepare({"isin": ["IRO1FOLD0001"], "channel": ["best-limit"]})("http://127.0.0.1:1", "token")[0]
    assert isinstance(codec, ht.EnvelopeCodec)
    return codec


def codec_lines(codec: ht.EnvelopeCodec | candles.CandleCodec) -> LineMaker:
    """Today: the codec's parse, then the writer's encoding (to_dict + orjson.dumps)."""
    dumps, nl = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    parse = codec.parse

    def make(message: bytes, recv: str) -> bytes:
        events = parse(message, recv)
        if len(events) == 1:  # the rule; the writer appends each event's line as this does
            return dumps(events[0].to_dict(), option=nl)
        return b"".join([dumps(ev.to_dict(), option=nl) for ev in events])

    return make


def ht_parse_only(codec: ht.EnvelopeCodec) -> Callable[[list[bytes]], object]:
    def run(messages: list[bytes]) -> object:
        parse = codec.parse
        for m in messages:
            parse(m, RECV)
        return None

    return run


class _Envelope(msgspec.Struct):
    """HT's envelope with `data` left undecoded: msgspec skips over it (checking it is JSON)."""

    channel: str
    data: msgspec.Raw
    symbolIsin: str | None = None
    timestamp: str | None = None


class _Line(msgspec.Struct):
    provider: str
    channel: str
    symbol: str
    ts: str | None
    recv: str
    data: msgspec.Raw


def ht_msgspec_raw() -> LineMaker:
    """The envelope decoded with `data` as msgspec.Raw; the line encoded by msgspec with the
    provider's `data` bytes spliced in as they came."""
    decode = msgspec.json.Decoder(_Envelope).decode
    encode = msgspec.json.Encoder().encode

    def make(message: bytes, recv: str) -> bytes:
        e = decode(message)
        return encode(_Line("tse", e.channel, e.symbolIsin or "", e.timestamp, recv, e.data)) + b"\n"

    return make


def ht_msgspec_splice() -> LineMaker:
    """As above, but the line concatenated by hand: only the strings go through an encoder."""
    decode = msgspec.json.Decoder(_Envelope).decode
    dumps = orjson.dumps

    def make(message: bytes, recv: str) -> bytes:
        e = decode(message)
        ts = e.timestamp
        return b"".join(
            (
                b'{"provider":"tse","channel":',
                dumps(e.channel),
                b',"symbol":',
                dumps(e.symbolIsin),
                b',"ts":',
                dumps(ts) if ts is not None else b"null",
                b',"recv":',
                dumps(recv),
                b',"data":',
                bytes(e.data),
                b"}\n",
            )
        )

    return make


# ====================================================================== Binance
def binance_codec() -> candles.CandleCodec:
    """The codec `feedcli stream binance --pair BTC-USDT --interval 1m --backfill 0` uses."""
    codec = binance.prepare({"pair": ["BTC-USDT"], "interval": "1m", "backfill": "0"})("ws://127.0.0.1:1", None)[0]
    assert isinstance(codec, candles.CandleCodec)
    return codec


@functools.lru_cache(maxsize=1024)
def _second_prefix(second: int) -> str:
    return datetime.fromtimestamp(second, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")


def epoch_iso_cached(value: float) -> str | None:
    """epoch_iso with the `YYYY-MM-DDTHH:MM:SS.` prefix cached per second, as RecvClock does."""
    magnitude = abs(value)
    if magnitude >= 1e17:
        seconds = value / 1e9
    elif magnitude >= 1e14:
        seconds = value / 1e6
    elif magnitude >= 1e11:
        seconds = value / 1e3
    else:
        seconds = float(value)
    whole = int(seconds // 1)
    try:
        prefix = _second_prefix(whole)
    except (OverflowError, OSError, ValueError):
        return None
    return f"{prefix}{round((seconds - whole) * 1e6):06d}Z" if seconds - whole < 0.9999995 else epoch_iso(value)


def epoch_iso_ms_cached(ms: int) -> str | None:
    """The same for integer milliseconds (Binance's times): integer arithmetic, exact."""
    whole, rest = divmod(ms, 1000)
    try:
        prefix = _second_prefix(whole)
    except (OverflowError, OSError, ValueError):
        return None
    return f"{prefix}{rest:03d}000Z"


def binance_with(fn: Callable[[float], str | None]) -> LineMaker:
    """Today's Binance path with `epoch_iso` replaced where the candle codec and Candle.record call it."""
    make_today = codec_lines(binance_codec())

    def make(message: bytes, recv: str) -> bytes:
        saved = candles.epoch_iso
        candles.epoch_iso = fn  # type: ignore[assignment]
        try:
            return make_today(message, recv)
        finally:
            candles.epoch_iso = saved

    return make


class _Kline(msgspec.Struct):
    t: int
    s: str
    o: float
    h: float
    l: float  # noqa: E741 (Binance's name)
    c: float
    v: float
    q: float
    n: int
    x: bool


class _KlineEvent(msgspec.Struct):
    E: int
    s: str
    k: _Kline


class _Combined(msgspec.Struct):
    stream: str
    data: _KlineEvent


def binance_msgspec() -> LineMaker:
    """Decode only what the line needs, typed: msgspec's lax mode turns Binance's number
    strings into floats; times through the integer-ms cache; the line through orjson."""
    decode = msgspec.json.Decoder(_Combined, strict=False).decode
    dumps, nl = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    iso = epoch_iso_ms_cached

    def make(message: bytes, recv: str) -> bytes:
        e = decode(message).data
        k = e.k
        line = {
            "provider": "binance",
            "channel": "candles",
            "symbol": "BTC-USDT",
            "ts": iso(e.E),
            "recv": recv,
            "data": {
                "timestamp": iso(k.t),
                "open": k.o,
                "high": k.h,
                "low": k.l,
                "close": k.c,
                "volume": k.v,
                "quote_volume": k.q,
                "trades": k.n,
                "closed": k.x,
            },
        }
        return dumps(line, option=nl)

    return make


#: the line makers a sketch client (picows_sketch.py) can run, by name
MAKERS: dict[str, dict[str, Callable[[], LineMaker]]] = {
    "ht": {"today": lambda: codec_lines(ht_codec()), "msgspec": ht_msgspec_raw},
    "binance": {
        "today": lambda: codec_lines(binance_codec()),
        "cached-times": lambda: binance_with(epoch_iso_cached),
        "msgspec": binance_msgspec,
    },
}


def check_epoch_variants() -> None:
    """The cached variants must write what epoch_iso writes (the contract's timestamps)."""
    for ms in (1_763_121_600_000, 1_763_121_601_050, 1_763_121_659_999, 0, 1_000, 999):
        assert epoch_iso_cached(ms) == epoch_iso(ms), (ms, epoch_iso_cached(ms), epoch_iso(ms))
        assert epoch_iso_ms_cached(ms) == epoch_iso(ms / 1000), (ms, epoch_iso_ms_cached(ms))


# ====================================================================== common
def recv_per_message(messages: list[bytes]) -> object:
    fmt, now = RecvClock().format, time.time
    for _ in messages:
        fmt(now())
    return None


def recv_per_batch(messages: list[bytes], batch: int = 32) -> object:
    fmt, now = RecvClock().format, time.time
    for _ in range(0, len(messages), batch):
        fmt(now())
    return None


def calls(fn: Callable[[int], object]) -> Callable[[list[bytes]], object]:
    """One call of `fn` per message, on a Binance event time (ms)."""

    def run(messages: list[bytes]) -> object:
        for _ in messages:
            fn(1_763_121_645_123)
        return None

    return run


def lines_appended(messages: list[bytes]) -> object:
    buf = bytearray()
    for m in messages:
        buf += m
    return bytes(buf)


def lines_joined(messages: list[bytes]) -> object:
    return b"".join(messages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    s = args.seconds
    check_epoch_variants()
    ht_msgs = payloads(Corpus.build())
    bn_msgs = payloads(BinanceSite(1000).corpus("btcusdt@kline_1m", True))  # type: ignore[union-attr]
    codec = ht_codec()
    today = over(codec_lines(codec))
    # every variant must write today's lines, byte for byte
    for make in (ht_msgspec_raw(), ht_msgspec_splice()):
        assert over(make)(ht_msgs[:100]) == today(ht_msgs[:100]), "an HT variant writes other lines"
    today_b = over(codec_lines(binance_codec()))
    for make in (binance_with(epoch_iso_cached), binance_msgspec()):
        assert over(make)(bn_msgs[:100]) == today_b(bn_msgs[:100]), "a Binance variant writes other lines"
    rows: list[tuple[str, str, float]] = [
        ("HT", "orjson.loads alone", per_message(orjson_loads_only, ht_msgs, s)),
        ("HT", "EnvelopeCodec.parse (today)", per_message(ht_parse_only(codec), ht_msgs, s)),
        ("HT", "parse + encode the line (today)", per_message(today, ht_msgs, s)),
        ("HT", "msgspec envelope, data Raw, msgspec line", per_message(over(ht_msgspec_raw()), ht_msgs, s)),
        ("HT", "msgspec envelope, data Raw, spliced line", per_message(over(ht_msgspec_splice()), ht_msgs, s)),
        ("Binance", "orjson.loads alone", per_message(orjson_loads_only, bn_msgs, s)),
        ("Binance", "CandleCodec.parse + encode the line (today)", per_message(today_b, bn_msgs, s)),
        ("Binance", "  with epoch_iso cached", per_message(over(binance_with(epoch_iso_cached)), bn_msgs, s)),
        ("Binance", "msgspec typed decode + cached times + line", per_message(over(binance_msgspec()), bn_msgs, s)),
        ("Binance", "epoch_iso (today), one call", per_message(calls(epoch_iso), bn_msgs, s)),
        ("Binance", "epoch_iso cached per second, one call", per_message(calls(epoch_iso_cached), bn_msgs, s)),
        ("Binance", "integer-ms variant, one call", per_message(calls(epoch_iso_ms_cached), bn_msgs, s)),
        ("both", "RecvClock.format(time.time()) per message", per_message(recv_per_message, ht_msgs, s)),
        ("both", "the same once per batch of 32", per_message(recv_per_batch, ht_msgs, s)),
        ("both", "lines: bytearray += per line", per_message(lines_appended, ht_msgs, s)),
        ("both", "lines: one b''.join per batch", per_message(lines_joined, ht_msgs, s)),
    ]
    sys.stdout.write(f"\nper message, best of 5 × {s:g} s (Python {sys.version.split()[0]})\n")
    for stream, what, us in rows:
        sys.stdout.write(f"  {stream:<8}{what:<50}{us:>8.3f} µs\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
