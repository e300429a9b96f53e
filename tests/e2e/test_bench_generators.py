"""The benchmark's load generator (bench/loadgen.py) serves what feedcli reads.

`make bench` measures feedcli against this generator, not against the simulators; if a
change to feedcli (or to the generator) made them disagree, the bench would lose its HT or
Binance row without a test saying so. A few hundred messages each, nothing timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import ROOT, feedcli_env, lines, run

pytestmark = pytest.mark.e2e
LOADGEN = ROOT / "bench" / "loadgen.py"


@contextmanager
def loadgen(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The generator in its own process; yields its base URL (http://127.0.0.1:PORT)."""
    proc = subprocess.Popen(
        [sys.executable, str(LOADGEN), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["event"] == "listening", first
        yield f"http://127.0.0.1:{first['port']}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_ht_site_streams_best_limit_lines(tmp_path: Path) -> None:
    with loadgen("--count", "300") as (url, _):
        result = run(
            ["stream", "tse", "--url", url, "--isin", "IRO1FOLD0001", "--channel", "best-limit", "--limit", "300"],
            feedcli_env(tmp_path, FEEDCLI_TOKEN="bench-token"),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 300
    assert {(o["provider"], o["channel"], o["symbol"]) for o in out} == {("tse", "best-limit", "IRO1FOLD0001")}
    assert all(isinstance(o["data"]["1"]["buy_price"], int) for o in out)


@pytest.mark.parametrize("frames", ["combined", "native"])
def test_binance_site_backfill_then_stream(tmp_path: Path, frames: str) -> None:
    """exchangeInfo (the preflight), klines (the backfill), /ws with SUBSCRIBE, kline events."""
    with loadgen("--site", "binance", "--count", "300", "--binance-frames", frames) as (url, _):
        result = run(
            ["stream", "binance", "--url", url, "--pair", "BTC-USDT", "--backfill", "2", "--limit", "302"],
            feedcli_env(tmp_path),
        )
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 302
    assert {(o["provider"], o["channel"], o["symbol"]) for o in out} == {("binance", "candles", "BTC-USDT")}
    backfill, streamed = out[:2], out[2:]
    assert [o["data"]["timestamp"] for o in backfill] == ["2025-11-14T11:58:00.000000Z", "2025-11-14T11:59:00.000000Z"]
    assert all(o["data"]["closed"] is True for o in backfill)
    # every streamed event updates the same open bar, so none is dropped as a repeat
    assert {o["data"]["timestamp"] for o in streamed} == {"2025-11-14T12:00:00.000000Z"}
    assert all(o["data"]["closed"] is False and o["ts"].startswith("2025-11-14T12:00:") for o in streamed)


def test_binance_site_refuses_an_unknown_symbol(tmp_path: Path) -> None:
    with loadgen("--site", "binance", "--count", "10") as (url, _):
        result = run(["stream", "binance", "--url", url, "--pair", "NOPE-USDT", "--limit", "1"], feedcli_env(tmp_path))
    assert result.returncode == 4, result.stderr
    assert "NOPEUSDT" in result.stderr
