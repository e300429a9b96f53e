"""`feedcli replay --serve` of recorded crypto order books (issue 18 item 4, issue 15 item 5):
record an exchange simulator's books (or write a recording), serve it over the exchange's own
protocol, stream it back with `feedcli stream --channel book --url`, and find every recorded
book line again, book by book."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from feedcli.simulators.crypto_replay_books import FILL_LIMIT
from tests.e2e.test_crypto_replay_serve import serving
from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

EXCHANGES = ("binance", "okx", "bybit", "gate", "kucoin", "coinbase")
PAIRS = {"coinbase": ("BTC-USD", "ETH-BTC")}
DEPTH = "5"


def book_args(provider: str) -> list[str]:
    pairs = PAIRS.get(provider, ("BTC-USDT", "ETH-USDT"))
    return [*(a for p in pairs for a in ("--pair", p)), "--channel", "book", "--depth", DEPTH]


def data_lines(text: str) -> list[dict[str, Any]]:
    return [line for line in lines(text) if "channel" in line and "event" not in line]


def stream_back(provider: str, recording: Path, env: dict[str, str], *serve: str) -> list[dict[str, Any]]:
    with serving(recording, env, *serve) as (url, server):
        result = run(["stream", provider, "--url", url, *book_args(provider)], env, timeout=90)
        assert server.wait(60) == 0  # the whole recording was played
    assert result.returncode == 0, result.stderr  # ended by the server's "end of recording"
    return data_lines(result.stdout)


def same(provider: str, streamed: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> None:
    """Book by book: the pair, the levels and the recorded time; the recorded seq too, but on
    Coinbase for the lines the recorder got before its heartbeats subscription was answered
    (its seq is the connection's message number, and the replay sends the first book after it):
    how many those are depends on when the simulator answered (two, or more on a busy machine),
    so the seqs agree from a few lines in, to the end."""
    assert [(o["symbol"], o["ts"], o["data"]) for o in streamed] == [
        (o["symbol"], o["ts"], o["data"]) for o in recorded
    ]
    got, want = [o["seq"] for o in streamed], [o["seq"] for o in recorded]
    skip = 0
    if provider == "coinbase":
        skip = max((i + 1 for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b), default=0)
        assert skip <= 6, (got, want)  # the lines before the subscription was answered, no more
        assert got[:skip] == sorted(set(got[:skip]))  # still the connection's rising numbers
    assert got[skip:] == want[skip:]


#: the simulators' book faults, so that a recording holds gaps and resyncs
FAULTS = {
    "binance": ("--skip-update-every", "6", "--snapshot-lag", "2"),
    "okx": ("--bad-checksum-every", "5"),
    "bybit": ("--skip-update-every", "6"),
    "gate": ("--skip-update-every", "6"),
    "kucoin": ("--skip-update-every", "6"),
    "coinbase": ("--skip-update-every", "6"),
}


@pytest.mark.parametrize("faults", [False, True], ids=["clean", "faults"])
@pytest.mark.parametrize("provider", EXCHANGES)
def test_a_simulators_books_recorded_stream_back_line_for_line(provider: str, faults: bool, tmp_path: Path) -> None:
    """With the simulator's faults the recording holds `gap` lines and the books after each
    resync: the same lines come back, without the gaps."""
    env = feedcli_env(tmp_path)
    with Simulator(provider, "--rate", "20", *(FAULTS[provider] if faults else ()), env=env) as sim:
        args = ["record", provider, "--url", sim.url, *book_args(provider), "--limit", "40"]
        result = run([*args, "-o", str(tmp_path / "rec.ndjson")], env)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "rec.ndjson").read_text()
    recorded = data_lines(text)
    assert len(recorded) == 40 and {o["channel"] for o in recorded} == {"book"}
    assert any(o.get("event") == "gap" for o in lines(text)) == faults
    same(provider, stream_back(provider, tmp_path / "rec.ndjson", env), recorded)


def written_recording(provider: str) -> list[dict[str, Any]]:
    """A recording with what a simulator seldom gives: a gap (then a resync far ahead), a
    reconnect (then a line without a time), a book equal to the one before, a side that thins
    out, a jump too far for Bybit's empty updates, and two pairs interleaved."""
    first, second = PAIRS.get(provider, ("BTC-USDT", "ETH-USDT"))
    recv = iter(f"2026-11-30T10:00:{s // 10:02d}.{s % 10}00000Z" for s in range(60))  # 0.1 s apart
    out: list[dict[str, Any]] = [
        {"provider": provider, "event": "recording", "recv": next(recv), "feedcli": "0.1.0"},
        {"provider": provider, "event": "connected", "recv": next(recv), "url": "ws://example"},
    ]

    def book(pair: str, seq: int, ms: int | None, bids: list[list[float]], asks: list[list[float]]) -> None:
        ts = None if ms is None else f"2026-11-30T09:59:{ms // 1000:02d}.{ms % 1000:03d}000Z"
        data = {"bids": bids, "asks": asks}
        out.append(
            {"provider": provider, "channel": "book", "symbol": pair, "ts": ts, "recv": next(recv)}
            | {"kind": "book", "seq": seq, "data": data}
        )

    def control(event: str, **fields: Any) -> None:
        out.append({"provider": provider, "event": event, "recv": next(recv), **fields})

    bids = [[100.5, 1.0], [100.4, 2.0], [100.2, 0.5]]
    asks = [[100.7, 1.5], [100.9, 0.25], [101.0, 3.0]]
    book(first, 1000, 100, bids, asks)
    book(second, 77, 150, [[20.1, 4.0]], [[20.3, 1.0], [20.4, 2.0]])
    book(first, 1003, 200, [[100.5, 1.25], *bids[1:]], [[100.6, 0.1], *asks])
    book(first, 1004, 250, [[100.5, 1.25], *bids[1:]], [[100.6, 0.1], *asks])  # the same again
    control("gap", stream="book", symbol=first, reason="2 update(s) missed")
    book(first, 1010, 400, [[100.4, 2.0]], [[100.8, 1.0], [100.9, 0.25]])  # resynced, thinner
    book(second, 78, 420, [[20.1, 3.5], [20.0, 1.0]], [[20.3, 1.0]])
    control("disconnected", reason="dropped", code=None, attempt=1)
    control("connected", url="ws://example")
    # no time: the recorder's new book, made from a REST snapshot alone
    book(first, 1012, None, [[100.45, 0.75], [100.4, 2.0]], [[100.8, 1.0]])
    book(first, 9000, 700, [[100.45, 0.75], [100.3, 9.0]], [[100.8, 1.0], [101.5, 2.0]])  # a far jump
    book(second, 80, 800, [[20.2, 1.0], [20.1, 3.5], [20.0, 1.0]], [[20.3, 1.0]])
    book(first, 9001, 900, [[100.45, 0.5], [100.3, 9.0]], [[100.8, 1.0], [101.5, 2.0]])
    return out


@pytest.mark.parametrize("provider", EXCHANGES)
def test_a_written_recording_with_a_gap_and_a_reconnect_streams_back(provider: str, tmp_path: Path) -> None:
    """Each book line again, without the recorded gap: the served updates stay in sync."""
    env = feedcli_env(tmp_path)
    recording = written_recording(provider)
    path = tmp_path / "rec.ndjson"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in recording))
    recorded = [line for line in recording if "channel" in line]
    streamed = stream_back(provider, path, env)
    if provider == "coinbase":
        # the connection's message number: after the two subscription acks (0, 1), the recorded
        # seq where it is ahead (heartbeats fill the numbers between), else the next number
        count, want = 2, []
        for line in recorded:
            count = line["seq"] if count < line["seq"] <= count + FILL_LIMIT else count
            want.append(count)
            count += 1
        assert [o["seq"] for o in streamed] == want
        for o in [*streamed, *recorded]:
            o["seq"] = None
    same(provider, streamed, recorded)


def test_books_stream_back_at_the_recorded_pace_too(tmp_path: Path) -> None:
    """At --speed 1 (real time) as at --speed 0: the timeline waits for each new client's REST
    snapshot either way."""
    env = feedcli_env(tmp_path)
    recording = written_recording("binance")
    path = tmp_path / "rec.ndjson"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in recording))
    streamed = stream_back("binance", path, env, "--speed", "1")
    same("binance", streamed, [line for line in recording if "channel" in line])


@pytest.mark.parametrize("provider", ["binance", "okx"])
def test_ccxt_pro_rebuilds_a_recorded_book_from_the_replay(provider: str, tmp_path: Path) -> None:
    """A third-party client's own sync ends on the recorded book: ccxt's Binance fetches its
        REST snapshot as it subscribes, before any update, and checks each update's `U` against the
        last `u`; its OKX checks each update's `prevSeqId` against the last `seqId` (it does not check
    OKX's checksum: feedcli's own OKX client does, above)."""
    ccxt_pro = pytest.importorskip("ccxt.pro")
    import asyncio

    env = feedcli_env(tmp_path)
    recording = written_recording(provider)
    path = tmp_path / "rec.ndjson"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in recording))
    books: list[tuple[int, list[list[float]], list[list[float]]]] = []
    ended: list[BaseException] = []

    async def watch(url: str) -> None:
        exchange = getattr(ccxt_pro, provider)()
        if provider == "binance":
            for key, api in list(exchange.urls["api"].items()):
                if isinstance(api, str) and api.startswith("https://api.binance.com"):
                    exchange.urls["api"][key] = api.replace("https://api.binance.com", url)
            exchange.urls["api"]["ws"]["spot"] = url.replace("http://", "ws://") + "/ws"
        else:
            exchange.urls["api"]["rest"] = url
            exchange.urls["api"]["ws"] = url.replace("http://", "ws://") + "/ws/v5"
        exchange.options["fetchMarkets"] = {"types": ["spot"]}
        try:
            await exchange.load_markets()
            while True:  # until the server ends the recording (ccxt raises on the close)
                book = await asyncio.wait_for(exchange.watch_order_book("BTC/USDT"), 30)
                books.append((book["nonce"], book["bids"][:5], book["asks"][:5]))
        except ccxt_pro.BaseError as exc:
            ended.append(exc)
            # ccxt hands a book out only to a watch already waiting: updates that came while this
            # loop was busy, just before the close, are in its book but were never handed out
            book = exchange.orderbooks.get("BTC/USDT")
            if book is not None:
                books.append((book["nonce"], book["bids"][:5], book["asks"][:5]))
        finally:
            await exchange.close()

    with serving(path, env) as (url, server):
        asyncio.run(watch(url))
        assert server.wait(30) == 0
    # the end of the recording, not a sync failure (a broken U/u chain is a ChecksumError)
    assert [type(exc).__name__ for exc in ended] == ["NetworkError"], ended
    last = [line for line in recording if line.get("symbol") == "BTC-USDT"][-1]
    assert books[-1] == (last["seq"], last["data"]["bids"], last["data"]["asks"])


def test_two_rest_clients_started_together_each_get_every_book_line(tmp_path: Path) -> None:
    """--wait-clients 2 on KuCoin: both get their first update together, the timeline waits for
    both snapshots, and each writes every recorded line."""
    env = feedcli_env(tmp_path)
    recording = written_recording("kucoin")
    path = tmp_path / "rec.ndjson"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in recording))
    recorded = [line for line in recording if "channel" in line]
    with serving(path, env, "--wait-clients", "2") as (url, server):
        args = [*FEEDCLI, "stream", "kucoin", "--url", url, *book_args("kucoin")]
        clients = [
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
        ]
        try:
            outs = [client.communicate(timeout=90) for client in clients]
        finally:
            for client in clients:
                if client.poll() is None:
                    client.kill()
                    client.wait(10)
        assert server.wait(30) == 0
    for client, (stdout, stderr) in zip(clients, outs, strict=True):
        assert client.returncode == 0, stderr
        same("kucoin", data_lines(stdout), recorded)


def test_coinbase_books_beside_tickers_and_trades_come_back_and_nothing_is_invented(tmp_path: Path) -> None:
    """A client of level2, ticker and market_trades together: the book lines come back, and the
    subscription snapshots of the simulator's generated market are not sent (every ticker or
    trade line the client writes is a recorded one)."""
    env = feedcli_env(tmp_path)
    channels = ["--channel", "ticker", "--channel", "trades"]
    with Simulator("coinbase", "--rate", "20", env=env) as sim:
        args = ["record", "coinbase", "--url", sim.url, *book_args("coinbase"), *channels, "--limit", "40"]
        result = run([*args, "-o", str(tmp_path / "rec.ndjson")], env)
    assert result.returncode == 0, result.stderr
    recorded = data_lines((tmp_path / "rec.ndjson").read_text())
    with serving(tmp_path / "rec.ndjson", env) as (url, server):
        result = run(["stream", "coinbase", "--url", url, *book_args("coinbase"), *channels], env, timeout=90)
        assert server.wait(60) == 0
    assert result.returncode == 0, result.stderr
    streamed = data_lines(result.stdout)
    books = [o for o in recorded if o["channel"] == "book"]
    assert books
    fields = ("symbol", "ts", "data")
    streamed_books = [o for o in streamed if o["channel"] == "book"]
    assert [[o[f] for f in fields] for o in streamed_books] == [[o[f] for f in fields] for o in books]
    others = [[o[f] for f in ("channel", *fields)] for o in recorded if o["channel"] != "book"]
    assert all([o[f] for f in ("channel", *fields)] in others for o in streamed if o["channel"] != "book")
