"""The provider registry and its records: consistent, complete, and cheap to reach."""

from __future__ import annotations

import subprocess
import sys

import pytest

from feedcli import providers
from feedcli.errors import UsageError
from feedcli.providers.record import Provider

#: CONTRACT.md, "Kinds by channel" (datafye's sma/ema, which the contract does not list, are stats)
CONTRACT_KINDS = {
    ("tse", "best-limit"): "book",
    ("tse", "order-book"): "book",
    ("tse", "ohlcv-last-1m"): "candle",
    ("tse", "aggregate"): "stats",
    ("tse", "institutional-vs-individual"): "stats",
    ("tse", "contract-info"): "info",
    ("tse", "fund-info"): "info",
    ("ime", "IME Stream"): "stats",
    ("datafye", "quotes"): "quote",
    ("datafye", "trades"): "trade",
    ("datafye", "aggregates"): "candle",
    ("datafye", "sma"): "stats",
    ("datafye", "ema"): "stats",
    ("moex", "orderbooks"): "book",
    ("moex", "securities"): "stats",
    ("moex", "candles"): "candle",
    **{(exchange, "candles"): "candle" for exchange in ("binance", "okx", "coinbase", "bybit", "kucoin", "gate")},
}
#: crypto `trades` trade, `book` book, `ticker` quote, for the exchanges wired so far
CRYPTO_KINDS = {"trades": "trade", "book": "book", "ticker": "quote"}
WIRED = {r.name for r in providers.records() if "book" in r.info.channels}
CONTRACT_KINDS.update({(e, c): k for e in WIRED for c, k in CRYPTO_KINDS.items()})


@pytest.mark.parametrize("name", providers.names())
def test_every_record_is_consistent(name: str) -> None:
    record = providers.get(name)
    assert isinstance(record, Provider) and record.name == name
    assert record.problems() == []


def test_channel_kinds_are_the_contracts() -> None:
    declared = {(r.name, c.name): c.kind for r in providers.records() for c in r.channels}
    assert declared == CONTRACT_KINDS


def test_unknown_provider_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown provider 'nowhere'"):
        providers.get("nowhere")
    assert providers.find("nowhere") is None


def test_one_credential_kind_per_family() -> None:
    families = providers.families()
    assert list(families) == ["ht", "moex"]
    assert providers.get("tse").credentials is providers.get("ime").credentials is families["ht"]


def test_simulator_options_cover_what_the_factory_reads() -> None:
    for record in providers.records():
        spec = record.simulator
        if spec is None:
            continue
        values = spec.values()
        assert values["seed"] == 1 and values["rate"] > 0
        flags = [o.flag for o in spec.options]
        assert len(flags) == len(set(flags)) and "--host" not in flags and "--port" not in flags


def test_version_imports_no_provider() -> None:
    code = (
        "import sys\n"
        "from feedcli.cli.entry import main\n"
        "main(['--version'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('feedcli.providers', 'feedcli.market'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_codecs_read_no_clock_no_environment_and_open_no_socket() -> None:
    """DESIGN.md: provider codecs are pure; the engine passes `now`, the CLI passes the knobs."""
    from pathlib import Path

    import feedcli.providers

    forbidden = ("os.environ", "getenv", "time.time", "monotonic", "datetime.now", "utcnow", "import asyncio")
    forbidden += ("import socket", "itertools.count")
    for path in Path(feedcli.providers.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = [word for word in forbidden if word in source]
        assert not found, f"{path.name}: {found}"


def test_test_knobs_reach_the_codecs_through_prepare(monkeypatch: pytest.MonkeyPatch) -> None:
    from feedcli.cli.provider_commands import tuning

    for name in ("okx", "bybit", "gate"):
        record = providers.get(name)
        (knob,) = record.knobs
        monkeypatch.setenv(knob.env, "0.25")
        (codec,) = record.prepare({"pair": ["BTC-USDT"]}, tuning(record))("http://127.0.0.1:1", None)
        assert codec.timer_interval == 0.25  # type: ignore[attr-defined]
        monkeypatch.delenv(knob.env)
        (codec,) = record.prepare({"pair": ["BTC-USDT"]}, tuning(record))("http://127.0.0.1:1", None)
        assert codec.timer_interval is not None and codec.timer_interval > 1  # type: ignore[attr-defined]
