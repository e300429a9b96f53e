"""End to end: kind, seq, UTC ts and `--normalize` on stream, record and replay, for tse, ime, datafye, moex."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from feedcli import market, providers, vocabulary
from feedcli.simulators.ht_market import IME_UNIVERSE, TSE_UNIVERSE
from tests.support.cli import Simulator, feedcli_env, lines, login, run

pytestmark = pytest.mark.e2e
UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"
SHAPES = {kind: list(empty) for kind, empty in vocabulary.EMPTY.items() if empty}


def check_normalized(objs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every data line in its kind's common shape; the (channel, kind) pairs seen."""
    import re

    seen = set()
    for o in objs:
        if "channel" not in o:
            continue
        record = providers.find(o["provider"])
        assert record is not None
        kind = record.kinds[o["channel"]]
        assert o["kind"] == kind, o
        assert o["ts"] is None or re.match(UTC, o["ts"]), o["ts"]
        data = o["data"]
        if kind in SHAPES:
            assert list(data) == SHAPES[kind], (o["channel"], data)
        else:  # stats and info: the provider's fields, flat
            assert isinstance(data, dict) and not any(isinstance(v, dict) for v in data.values()), data
        if kind == "book":
            assert all(len(level) in (2, 3) for side in ("bids", "asks") for level in data[side])
            bids = [level[0] for level in data["bids"]]
            assert bids == sorted(bids, reverse=True)
        if kind == "candle":
            assert data["timestamp"] is None or re.match(UTC, data["timestamp"])
        seen.add((o["channel"], kind))
    return seen


@pytest.fixture(scope="module")
def ht_sim():
    with Simulator("tse", "--rate", "400", "--seed", "4") as sim:
        yield sim


def test_tse_every_channel_normalized_and_not(ht_sim, tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    login(ht_sim, env)
    args = ["stream", "tse", "--url", ht_sim.url, "--isin", TSE_UNIVERSE[0].isin, "--isin", TSE_UNIVERSE[1].isin]
    normal = run([*args, "--normalize", "--limit", "120"], env)
    assert normal.returncode == 0, normal.stderr
    seen = check_normalized(lines(normal.stdout))
    assert {c for c, _ in seen} >= {"best-limit", "order-book", "aggregate", "institutional-vs-individual"}
    plain = run([*args, "--limit", "40", "--channel", "best-limit"], env)
    objs = lines(plain.stdout)
    # without --normalize: the provider's own object, with kind beside it and ts in UTC
    assert all(o["kind"] == "book" and set(o["data"]) <= {"1", "2", "3", "4", "5"} for o in objs)
    assert all(o["ts"].endswith("Z") for o in objs)


def test_ime_normalized_stats_are_the_message_flat(ht_sim, tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    login(ht_sim, env)
    args = ["stream", "ime", "--url", ht_sim.url, "--contract-id", IME_UNIVERSE[0].contract_id, "--limit", "10"]
    normal, plain = run([*args, "--normalize"], env), run(args, env)
    assert normal.returncode == 0 and plain.returncode == 0, normal.stderr + plain.stderr
    assert check_normalized(lines(normal.stdout)) == {("IME Stream", "stats")}
    for o in lines(plain.stdout):
        assert "Aggregate" in o["data"] and o["kind"] == "stats"
        assert vocabulary.normalize_object(o)["data"] == market.flat(o["data"])  # type: ignore[index]


def test_datafye_every_channel(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    with Simulator("datafye", "--rate", "300", "--seed", "3") as sim:
        args = ["stream", "datafye", "--url", sim.url, "--symbol", "AAPL", "--frequency", "Second"]
        for channel in ("quotes", "trades", "aggregates", "sma", "ema"):
            args += ["-c", channel]
        result = run([*args, "--normalize", "--limit", "150"], env, timeout=90)
    assert result.returncode == 0, result.stderr
    seen = check_normalized(lines(result.stdout))
    assert {("quotes", "quote"), ("trades", "trade")} <= seen


def test_moex_every_stream_with_seq_recorded_normalized_and_replayed(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "moex.ndjson.gz"
    raw = tmp_path / "raw.ndjson"
    with Simulator("moex", "--rate", "200") as sim:
        args = ["moex", "--url", sim.url, "--ticker", "MXSE.TQBR.SBER"]
        for stream in ("securities", "orderbooks", "candles"):
            args += ["--stream", stream]
        recorded = run(["record", *args, "--normalize", "-o", str(rec), "--compress", "gzip", "--limit", "80"], env)
        plain = run(["record", *args, "-o", str(raw), "--limit", "80"], env)
    assert recorded.returncode == 0 and plain.returncode == 0, recorded.stderr + plain.stderr
    replayed = lines(run(["replay", "--speed", "0", str(rec)], env).stdout)
    assert replayed[0]["event"] == "recording" and replayed[0]["normalized"] is True
    assert check_normalized(replayed) == {("securities", "stats"), ("orderbooks", "book"), ("candles", "candle")}
    data = [o for o in replayed if "channel" in o]
    assert all(isinstance(o["seq"], int) for o in data)
    # replay --normalize of the plain recording: each data line as vocabulary.normalize_object
    # makes it, control lines byte for byte; a normalized recording is left as it is
    raw_lines = raw.read_bytes().splitlines()
    again = run(["replay", "--speed", "0", "--normalize", str(raw)], env).stdout.encode().splitlines()
    assert len(again) == len(raw_lines)
    for before, after in zip(raw_lines, again, strict=True):
        obj = orjson.loads(before)
        if "channel" in obj:
            assert orjson.loads(after) == vocabulary.normalize_object(obj)
        else:
            assert after == before
    twice = run(["replay", "--speed", "0", "--normalize", str(rec)], env).stdout
    assert lines(twice) == replayed
    # its data is no longer MOEX's: it cannot stand in for MOEX
    served = run(["replay", str(rec), "--serve", "127.0.0.1:0"], env)
    assert served.returncode == 2 and "recorded with --normalize" in served.stderr
