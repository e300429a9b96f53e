"""End to end: the edges of the command line a gh user meets (issue 17).

-q/-v anywhere, completion scripts that ship, --json, durations with units, help with
examples and no library wording, errors in plain words.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from feedcli.completion_scripts import SHELLS, script_filename
from tests.support.cli import ROOT, Simulator, lines, run

pytestmark = pytest.mark.e2e

REFUSED = ["stream", "tse", "--isin", "IRO1FOLD0001", "--url", "http://127.0.0.1:9", "--max-retries", "1"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_leaves_only_the_final_error_line(env, where: str) -> None:
    noisy = run(REFUSED, {**env, "FEEDCLI_TOKEN": "a.b.c"})
    assert noisy.returncode == 5 and "retrying" in noisy.stderr  # there is something to silence
    args = ["-q", *REFUSED] if where == "before" else [*REFUSED, "-q"]
    quiet = run(args, {**env, "FEEDCLI_TOKEN": "a.b.c"})
    assert quiet.returncode == 5
    assert quiet.stderr.splitlines() == [noisy.stderr.splitlines()[-1]]


@pytest.mark.parametrize(
    "args", [["-q", "stream", "tse", "--limit", "0"], ["stream", "tse", "--limit", "0", "--quiet"]]
)
def test_quiet_usage_error_is_one_line(env, args: list[str]) -> None:
    result = run(args, env)
    assert result.returncode == 2
    assert result.stderr == "feedcli: Invalid value for '--limit': must be at least 1\n"


@pytest.mark.parametrize("args", [["-v", "stream", "tse", "--isin", "X"], ["stream", "tse", "--isin", "X", "-v"]])
def test_verbose_before_or_after_the_subcommand_shows_the_traceback(env, args: list[str]) -> None:
    plain = run(["stream", "tse", "--isin", "X"], env)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    result = run(args, env)
    assert result.returncode == 2
    assert "Traceback" in result.stderr and result.stderr.endswith(plain.stderr)


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_the_shipped_script(env, shell: str) -> None:
    result = run(["completion", shell], env)
    assert result.returncode == 0
    shipped = ROOT / "feedcli" / "completions" / script_filename(shell)
    assert result.stdout == shipped.read_text(encoding="utf-8")
    assert "feedcli" in result.stdout and "auth" in result.stdout  # the current tree, auth included


def test_completion_refuses_other_shells(env) -> None:
    result = run(["completion", "tcsh"], env)
    assert result.returncode == 2 and "tcsh" in result.stderr


def test_the_wheel_carries_the_completion_scripts(tmp_path: Path) -> None:
    # built from a clean copy of the tracked files: an in-tree build/ would hide a missing declaration
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in tracked.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr[-300:]}")
    (wheel,) = (tmp_path / "dist").glob("feedcli-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shell in SHELLS:
        assert f"feedcli/completions/{script_filename(shell)}" in names


def test_providers_json_is_an_array_even_when_piped(env) -> None:
    rows = json.loads(run(["providers", "--json"], env).stdout)
    assert [row["name"] for row in rows] == [row["name"] for row in lines(run(["providers"], env).stdout)]
    assert {"tse", "moex", "binance"} <= {row["name"] for row in rows}


def test_search_json_is_one_array(env) -> None:
    with Simulator("moex", "--rate", "50") as sim:
        ndjson = lines(run(["search", "moex", "SBER", "--url", sim.url], env).stdout)
        array = json.loads(run(["search", "moex", "SBER", "--url", sim.url, "--json"], env).stdout)
    assert ndjson and array == ndjson


def test_durations_take_units(env) -> None:
    with Simulator("binance", "--rate", "50") as sim:
        args = ["stream", "binance", "--url", sim.url, "--pair", "BTC-USDT", "--backfill", "0"]
        result = run([*args, "--duration", "0.02m", "--stale-after", "1m", "--ping-interval", "0"], env)
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout)
    bad = run(["stream", "binance", "--pair", "BTC-USDT", "--duration", "1 fortnight"], env)
    assert bad.returncode == 2 and bad.stderr.startswith("feedcli: --duration: invalid duration '1 fortnight'")


LIBRARY_WORDING = re.compile(r"<bool>|<list|<str>|<int>|<float|range>|x>=|<=x|Value error|Input should be")


def _help_of_every_command() -> dict[str, str]:
    from feedcli.cli.app import command

    found: dict[str, str] = {}

    def walk(cmd, path: list[str], parent) -> None:
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent, **(cmd.context_settings or {}))
        found[" ".join(path)] = cmd.get_help(ctx)
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name], ctx)

    walk(command(), ["feedcli"], None)
    return found


def test_every_help_has_examples_and_no_library_wording() -> None:
    helps = _help_of_every_command()
    assert {"feedcli providers", "feedcli logout", "feedcli demo", "feedcli simulate tse", "feedcli record okx"} <= set(
        helps
    )
    for path, text in helps.items():
        examples = text.partition("\nExamples:\n")[2]
        assert "feedcli " in examples, f"{path} --help shows no example"
        assert not LIBRARY_WORDING.search(text), f"{path} --help: {LIBRARY_WORDING.search(text)}"


def test_each_exchange_lists_its_intervals_in_help() -> None:
    from feedcli import providers

    helps = _help_of_every_command()
    for record in providers.records():
        for option in record.options:
            if option.flag == "--interval" and option.choices:
                words = set(re.findall(r"[\w]+", helps[f"feedcli stream {record.name}"]))
                assert set(option.choices) <= words, record.name


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["stream", "binance", "--pair", "BTC-USDT", "--fps", "100"], "must be at most 60"),
        (["stream", "binance", "--pair", "BTC-USDT", "--format", "xml"], "'xml' is not one of"),
        (["stream", "binance", "--pair", "BTC-USDT", "--limit", "many"], "must be a whole number"),
    ],
)
def test_usage_errors_speak_plainly(env, args: list[str], wanted: str) -> None:
    result = run(args, env)
    assert result.returncode == 2 and wanted in result.stderr
    assert not LIBRARY_WORDING.search(result.stderr), result.stderr


def test_help_is_fast_because_it_imports_no_provider_rich_or_network_stack() -> None:
    """Not timed (speed is in bench/): what `--help` imports is what makes it slow."""
    from feedcli import providers

    provider_modules = set(providers._MODULES.values()) | {"ht", "crypto", "candles"}
    for args, allowed in ((["--help"], set()), (["stream", "tse", "--help"], {"tse", "ht"})):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "feedcli", *args], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr[-2000:]
        modules = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
        tops = {m.split(".")[0] for m in modules}
        assert not tops & {"rich", "pydantic", "asyncio", "httpx", "websockets", "aiohttp", "ssl", "stomp"}, args
        loaded = {m.split(".")[2] for m in modules if m.startswith("feedcli.providers.") and m.count(".") >= 2}
        assert not (loaded & provider_modules) - allowed, (args, loaded)


def test_backfill_progress_is_silent_when_stderr_is_not_a_terminal_unless_verbose(env) -> None:
    with Simulator("binance", "--rate", "50") as sim:
        args = ["stream", "binance", "--url", sim.url, "--pair", "BTC-USDT", "--backfill", "4000", "--limit", "4000"]
        quiet = run(args, env)
        verbose = run([*args, "-v"], env)
    assert quiet.returncode == 0 and verbose.returncode == 0, quiet.stderr + verbose.stderr
    assert len(lines(quiet.stdout)) == len(lines(verbose.stdout)) == 4000
    assert quiet.stderr == ""
    assert "feedcli: binance BTC-USDT backfill: 1,000/4,000 candles" in verbose.stderr.splitlines()


@pytest.mark.parametrize(
    ("exchange", "symbol", "status"),
    [
        ("binance", "BTCUSDT", "TRADING"),
        ("okx", "BTC-USDT", "live"),
        ("coinbase", "BTC-USDT", "online"),
        ("bybit", "BTCUSDT", "Trading"),
        ("kucoin", "BTC-USDT", "enabled"),
        ("gate", "BTC_USDT", "tradable"),
    ],
)
def test_search_a_crypto_exchange_through_its_instrument_list(env, exchange: str, symbol: str, status: str) -> None:
    with Simulator(exchange, "--rate", "5") as sim:
        found = lines(run(["search", exchange, "btc", "--url", sim.url], env).stdout)
        glob = json.loads(run(["search", exchange, "*-usdt", "--url", sim.url, "--json"], env).stdout)
        by_symbol = lines(run(["search", exchange, symbol.lower(), "--url", sim.url], env).stdout)
        none = run(["search", exchange, "zzz", "--url", sim.url], env)
    first = {"pair": "BTC-USDT", "symbol": symbol, "base": "BTC", "quote": "USDT", "status": status}
    assert found[0] == first  # the same five fields for every exchange, NDJSON and --json alike
    assert all("BTC" in (row["pair"]) for row in found) and len(found) >= 2
    assert glob and all(row["pair"].endswith("-USDT") for row in glob) and first in glob
    assert by_symbol[0] == first  # the exchange's own spelling finds it too
    assert none.returncode == 0 and none.stdout == ""


def test_search_waits_out_a_rate_limit_then_gives_up_with_one_line(env) -> None:
    # every REST call answered 429 with Retry-After: 1; the search waits a few times, saying so
    with Simulator("bybit", "--rest-429-every", "1") as sim:
        result = run(["search", "bybit", "btc", "--url", sim.url], env)
    assert result.returncode == 1 and result.stdout == ""
    notes = result.stderr.splitlines()
    assert [n for n in notes if "waiting (attempt" in n] == [
        f"feedcli: bybit: request call rate limited (HTTP 429, Retry-After 1s); waiting (attempt {i})"
        for i in (1, 2, 3)
    ]
    assert notes[-1].startswith("feedcli: search: ") and "(still after 3 retries)" in notes[-1]


def test_search_refuses_a_provider_without_an_instrument_list(env) -> None:
    result = run(["search", "ime", "gold"], env)
    assert result.returncode == 2 and "has no instrument search" in result.stderr
    assert "coinbase" in result.stderr and "gate" in result.stderr


def test_every_command_takes_quiet_and_verbose() -> None:
    from feedcli.cli.app import command

    def walk(cmd, path: list[str], parent) -> None:
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent, **(cmd.context_settings or {}))
        opts = {opt for param in cmd.params for opt in getattr(param, "opts", ())}
        assert {"-q", "--quiet", "-v", "--verbose"} <= opts, " ".join(path)
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name], ctx)

    walk(command(), ["feedcli"], None)
