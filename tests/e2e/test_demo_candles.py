"""`feedcli demo <exchange>`: the zero-setup start for candles, history first."""

from __future__ import annotations

import pytest

from tests.support.cli import feedcli_env, lines, run


@pytest.mark.parametrize("exchange", ["binance", "kucoin"])
def test_demo_of_an_exchange_writes_backfilled_history_then_live_candles(tmp_path, exchange: str) -> None:
    result = run(["demo", exchange, "--limit", "200"], feedcli_env(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 200
    assert {o["provider"] for o in out} == {exchange}
    assert {o["symbol"] for o in out} == {"BTC-USDT", "ETH-USDT", "SOL-USDT"}
    first = [o for o in out if o["symbol"] == "BTC-USDT"]
    # an hour of 1m history comes first, in order, closed but for the forming bar
    stamps = [o["data"]["timestamp"] for o in first[:60]]
    assert stamps == sorted(set(stamps)) and len(stamps) == 60
    assert all(o["data"]["closed"] for o in first[:59])


def test_demo_moex_streams_books_and_quotes_as_the_guest(tmp_path) -> None:
    result = run(["demo", "moex", "--limit", "30"], feedcli_env(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 30 and {o["channel"] for o in out} == {"orderbooks", "securities"}
    book = next(o["data"] for o in out if o["channel"] == "orderbooks")
    assert book["bids"][0][0] < book["asks"][0][0]  # a sane book: best bid below best ask


def test_demo_channel_picks_the_providers_own_channel_option(tmp_path) -> None:
    """MOEX ISS+ calls its channels streams: `demo moex --channel orderbooks` streams books only."""
    env = feedcli_env(tmp_path)
    result = run(["demo", "moex", "--channel", "orderbooks", "--limit", "4", "--format", "ndjson"], env, timeout=60)
    assert result.returncode == 0, result.stderr
    data = [o for o in lines(result.stdout) if "channel" in o]
    assert len(data) == 4 and {o["channel"] for o in data} == {"orderbooks"}
    refused = run(["demo", "moex", "--channel", "trades", "--limit", "1", "--format", "ndjson"], env, timeout=60)
    assert refused.returncode == 2 and "trades" in refused.stderr
