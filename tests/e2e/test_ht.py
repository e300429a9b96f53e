"""End to end: `feedcli` as a subprocess against `feedcli simulate tse|ime` on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedcli.events import parse_recv
from feedcli.providers import tse
from feedcli.simulators.ht_market import IME_UNIVERSE, TSE_UNIVERSE
from tests.support.cli import FEEDCLI, Simulator, lines, login, run

pytestmark = pytest.mark.e2e

ISINS = [i.isin for i in TSE_UNIVERSE]
FUND = next(i for i in TSE_UNIVERSE if i.kind == "fund")
OPTION = next(i for i in TSE_UNIVERSE if i.kind == "option")


def stored_tokens(config_dir: Path) -> dict:
    return json.loads((config_dir / "profiles" / "default" / "ht.json").read_text())


# ---------------------------------------------------------------------------------- login


def test_simulator_first_stderr_line_names_url_and_credentials(ht_sim: Simulator) -> None:
    assert ht_sim.first_line.startswith("feedcli simulate: serving HT Data Engine at http://127.0.0.1:")
    assert f"user {ht_sim.user} password {ht_sim.password}" in ht_sim.first_line


def test_login_stores_token_privately_and_never_prints_it(ht_sim: Simulator, env, config_dir: Path) -> None:
    result = login(ht_sim, env)
    entry = stored_tokens(config_dir)[ht_sim.url]
    token = entry["token"]
    assert token.count(".") == 2  # a JWT
    assert token not in result.stdout and token not in result.stderr
    assert f"as {ht_sim.user}" in result.stderr and "expires" in result.stderr and " UTC " in result.stderr
    path = config_dir / "profiles" / "default" / "ht.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    # and the token is not in any other file either
    for other in config_dir.rglob("*"):
        if other.is_file() and other != path:
            assert token not in other.read_text(errors="replace")


def test_login_with_wrong_password_is_exit_3_with_the_servers_detail(ht_sim: Simulator, env, config_dir) -> None:
    result = run(["login", "--url", ht_sim.url, "-u", ht_sim.user, "--password-stdin"], env, input="nope\n")
    assert result.returncode == 3
    assert "Invalid username or password" in result.stderr
    note, error = result.stderr.strip().splitlines()  # where the password went, then one error line
    assert note.startswith(f"Logging in to HT Data Engine at {ht_sim.url}") and "Invalid" in error
    assert not (config_dir / "profiles" / "default" / "ht.json").exists()


def test_login_retries_429_and_5xx_honouring_retry_after(env) -> None:
    with Simulator("tse", "--login-errors", "429,503") as sim:
        started = time.monotonic()
        result = login(sim, env)
        elapsed = time.monotonic() - started
    assert "HTTP 429" in result.stderr and "HTTP 503" in result.stderr
    assert elapsed >= 1.8  # two Retry-After: 1 waits


def test_login_to_an_unreachable_host_is_one_line_and_exit_1(env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run(["login", "--url", f"http://127.0.0.1:{port}", "-u", "x", "--password-stdin"], env, input="y\n")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 2 and "connection refused" in result.stderr.splitlines()[1]
    assert "Traceback" not in result.stderr


def test_logout_forgets_the_token(ht_sim: Simulator, env, config_dir) -> None:
    login(ht_sim, env)
    assert run(["logout"], env).returncode == 0
    result = run(["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--limit", "1"], env)
    assert result.returncode == 3 and "feedcli login --url" in result.stderr


def test_feedcli_token_overrides_the_stored_one(ht_sim: Simulator, env) -> None:
    login(ht_sim, env)
    result = run(
        ["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--limit", "1"], {**env, "FEEDCLI_TOKEN": "x.y.z"}
    )
    assert result.returncode == 3 and "Invalid token" in result.stderr


# ---------------------------------------------------------------------------------- stream


@pytest.fixture
def logged_env(ht_sim: Simulator, env) -> dict[str, str]:
    login(ht_sim, env)
    return env


def test_tse_by_isin_delivers_all_seven_channels(ht_sim: Simulator, logged_env) -> None:
    args = ["stream", "tse", "--url", ht_sim.url, "--limit", "400"]
    for isin in ISINS:
        args += ["--isin", isin]
    result = run(args, logged_env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 400
    assert {o["channel"] for o in out} == set(tse.CHANNELS)
    assert {o["symbol"] for o in out} <= set(ISINS)
    assert {o["symbol"] for o in out if o["channel"] == "fund-info"} == {FUND.isin}
    assert {o["symbol"] for o in out if o["channel"] == "contract-info"} == {OPTION.isin}
    best = next(o for o in out if o["channel"] == "best-limit")["data"]
    assert best["1"]["buy_price"] < best["1"]["sell_price"]


def test_tse_by_name_uses_the_names_endpoint(ht_sim: Simulator, logged_env) -> None:
    names = [i.name for i in TSE_UNIVERSE[:3]]
    args = ["stream", "tse", "--url", ht_sim.url, "--channel", "aggregate", "--channel", "best-limit", "--limit", "30"]
    for name in names:
        args += ["--name", name]
    result = run(args, logged_env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert {o["symbol"] for o in out} <= set(names)
    assert {o["channel"] for o in out} <= {"aggregate", "best-limit"}


@pytest.mark.parametrize("by", ["id", "name"])
def test_ime_by_id_and_by_name(ht_sim: Simulator, logged_env, by: str) -> None:
    values = [c.contract_id if by == "id" else c.name for c in IME_UNIVERSE]
    args = ["stream", "ime", "--url", ht_sim.url, "--limit", "20"]
    for value in values:
        args += [f"--contract-{by}", value]
    result = run(args, logged_env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 20
    assert {o["channel"] for o in out} == {"IME Stream"}
    assert {o["symbol"] for o in out} <= set(values)
    for o in out:
        assert set(o["data"]) == {"BestLimit", "Aggregate", "AllowedPriceRange", "ContractInfo"}


@pytest.fixture(scope="module")
def strict_sim():
    """A simulator that serves its listed universe only, for refusals of well-formed unknowns."""
    with Simulator("tse", "--rate", "200", "--strict-universe") as sim:
        yield sim


@pytest.fixture
def strict_env(strict_sim: Simulator, env) -> dict[str, str]:
    login(strict_sim, env)
    return env


def test_unknown_symbol_is_exit_4_without_retry(strict_sim: Simulator, strict_env) -> None:
    result = run(["stream", "tse", "--url", strict_sim.url, "--isin", "IRO1ZZZZ0001", "--max-retries", "3"], strict_env)
    assert result.returncode == 4, result.stderr
    assert "IRO1ZZZZ0001" in result.stderr
    assert any("--strict-universe" in line for line in strict_sim.rest)  # the listing says so


def test_unknown_contract_is_exit_4(strict_sim: Simulator, strict_env) -> None:
    result = run(["stream", "ime", "--url", strict_sim.url, "--contract-id", "999999"], strict_env)
    assert result.returncode == 4, result.stderr


def test_the_documents_identifiers_stream_without_a_strict_universe(ht_sim: Simulator, logged_env) -> None:
    """The TSE document subscribes to IRT3SATF0001 and IRTKMOFD0001, the IME document to
    12345/67890 and ContractA/ContractB: the simulator serves them (a synthetic market each)."""
    args = ["stream", "tse", "--url", ht_sim.url, "--isin", "IRT3SATF0001", "--isin", "IRTKMOFD0001"]
    result = run([*args, "-c", "order-book", "-c", "best-limit", "--limit", "30"], logged_env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert {o["symbol"] for o in out} == {"IRT3SATF0001", "IRTKMOFD0001"}
    assert {o["channel"] for o in out} <= {"order-book", "best-limit"} and len(out) == 30
    for by, values in (("id", ["12345", "67890"]), ("name", ["ContractA", "ContractB"])):
        args = ["stream", "ime", "--url", ht_sim.url, "--limit", "12"]
        for value in values:
            args += [f"--contract-{by}", value]
        result = run(args, logged_env)
        assert result.returncode == 0, result.stderr
        got = lines(result.stdout)
        assert {o["symbol"] for o in got} == set(values) and all(o["channel"] == "IME Stream" for o in got)


def test_a_malformed_name_is_exit_4(ht_sim: Simulator, logged_env) -> None:
    result = run(["stream", "tse", "--url", ht_sim.url, "--name", "فولاد;DROP", "--max-retries", "3"], logged_env)
    assert result.returncode == 4, result.stderr
    assert "Invalid symbol" in result.stderr


@pytest.mark.parametrize(
    "selector",
    [["--isin", "IRO1FOLD001"], ["--isin", ""], ["--name", "  "], ["--isin", ISINS[0], "--channel", "trades"]],
)
def test_malformed_selectors_are_exit_2_before_connecting(selector, env) -> None:
    # nothing listens on port 9: had it tried to connect, it would say so
    result = run(["stream", "tse", "--url", "http://127.0.0.1:9", *selector], {**env, "FEEDCLI_TOKEN": "t"})
    assert result.returncode == 2
    assert "connect" not in result.stderr


def test_reconnects_after_the_server_drops_mid_stream_without_duplicates(env) -> None:
    with Simulator("tse", "--rate", "400", "--drop-after", "25") as sim:
        login(sim, env)
        args = ["stream", "tse", "--url", sim.url, "--events", "--limit", "80"]
        for isin in ISINS:
            args += ["--isin", isin]
        result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    events = [o for o in out if "event" in o]
    assert len(data) == 80
    kinds = Counter(e["event"] for e in events)
    assert kinds["connected"] == 1 and kinds["disconnected"] >= 2 and kinds["reconnected"] >= 2
    reconnected = next(e for e in events if e["event"] == "reconnected")
    assert reconnected["attempt"] >= 1
    disconnected = next(e for e in events if e["event"] == "disconnected")
    # --drop-after cuts the TCP connection without a close frame
    assert disconnected["reason"] == "connection lost without a close frame"
    assert disconnected["code"] is None and disconnected["url"].startswith(sim.url.replace("http", "ws"))
    keys = [(o["symbol"], o["channel"], o["ts"], json.dumps(o["data"], sort_keys=True)) for o in data]
    assert len(set(keys)) == len(keys), "a line was duplicated across the reconnect"


def test_watchdog_reconnects_a_silent_connection(env) -> None:
    with Simulator("tse", "--rate", "200", "--stall-after", "10") as sim:
        login(sim, env)
        args = ["stream", "tse", "--url", sim.url, "--events", "--limit", "25", "--stale-after", "1"]
        for isin in ISINS:
            args += ["--isin", isin]
        result = run(args, env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    stale = [o for o in out if o.get("event") == "disconnected"]
    assert stale and "no data for 1s" in stale[0]["reason"]
    assert any(o.get("event") == "reconnected" for o in out)


def test_gives_up_with_exit_5_when_retries_run_out(env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    result = run(
        ["stream", "tse", "--url", f"http://127.0.0.1:{port}", "--isin", ISINS[0], "--max-retries", "2"],
        {**env, "FEEDCLI_TOKEN": "t"},
    )
    assert result.returncode == 5, result.stderr
    assert "gave up reconnecting: connection refused (2 retries failed" in result.stderr
    assert result.stderr.count("retrying (attempt") == 2
    assert time.monotonic() - started < 20


def test_malformed_frames_from_the_simulator_are_skipped(env) -> None:
    with Simulator("tse", "--rate", "400", "--malformed-every", "4") as sim:
        login(sim, env)
        result = run(["stream", "tse", "--url", sim.url, "--isin", ISINS[0], "--isin", ISINS[1], "--limit", "40"], env)
    assert result.returncode == 0, result.stderr
    assert len(lines(result.stdout)) == 40
    assert "malformed frame" in result.stderr


def test_duration_output_file_and_sigint(ht_sim: Simulator, logged_env, tmp_path: Path) -> None:
    out_file = tmp_path / "out.ndjson"
    started = time.monotonic()
    result = run(
        ["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--duration", "1.5", "-o", str(out_file)],
        logged_env,
    )
    assert result.returncode == 0, result.stderr
    assert 1.4 <= time.monotonic() - started < 10
    assert result.stdout == ""
    written = lines(out_file.read_text())
    assert written, "nothing written in 1.5 s from a simulator sending 400 messages a second"
    assert all((o["provider"], o["symbol"]) == ("tse", ISINS[0]) and o["channel"] in tse.CHANNELS for o in written)
    recvs = [o["recv"] for o in written]
    assert recvs == sorted(recvs)
    span = parse_recv(recvs[-1]) - parse_recv(recvs[0])
    assert span <= 1.5  # nothing received after --duration ran out

    proc = subprocess.Popen(
        [*FEEDCLI, "stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--isin", ISINS[1]],
        env=logged_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # no read-ahead: lines read with readline must not vanish from communicate()
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # data is flowing
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert all(json.loads(line) for line in [first, *rest.splitlines()])  # every line complete


def test_expired_stored_token_is_refused_before_connecting(ht_sim: Simulator, env, config_dir) -> None:
    import jwt

    login(ht_sim, env)
    data = stored_tokens(config_dir)
    expired = int(time.time()) - 60
    data[ht_sim.url]["token"] = jwt.encode({"sub": "demo", "exp": expired}, "k" * 32, algorithm="HS256")
    # as login stores it: the expiry PyJWT read, beside the token (what a connection goes by)
    data[ht_sim.url]["expires"] = datetime.fromtimestamp(expired, tz=timezone.utc).isoformat()
    (config_dir / "profiles" / "default" / "ht.json").write_text(json.dumps(data))
    result = run(["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--limit", "1"], env)
    assert result.returncode == 3 and "expired" in result.stderr


def test_env_url_variable_points_at_the_simulator(ht_sim: Simulator, logged_env) -> None:
    result = run(["stream", "tse", "--isin", ISINS[0], "--limit", "2"], {**logged_env, "FEEDCLI_TSE_URL": ht_sim.url})
    assert result.returncode == 0, result.stderr
    assert len(lines(result.stdout)) == 2


def test_providers_lists_tse_and_ime_as_ndjson_when_piped(env) -> None:
    result = run(["providers"], env)
    assert result.returncode == 0
    names = [o["name"] for o in lines(result.stdout)]
    assert names[:2] == ["tse", "ime"]


def test_version_and_unknown_option(env) -> None:
    assert run(["--version"], env).stdout.startswith("feedcli ")
    assert run(["stream", "tse", "--nope"], env).returncode == 2


def test_demo_piped_writes_ndjson(env) -> None:
    result = run(["demo", "--limit", "5"], env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 5 and all(o["provider"] == "tse" for o in out)


def test_simulate_exits_0_on_sigterm(env) -> None:
    sim = Simulator("ime", env=env)
    assert sim.stop() == 0


def test_simulate_refuses_a_busy_port(env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [*FEEDCLI, "simulate", "tse", "--port", str(port)], env=env, capture_output=True, text=True, timeout=30
        )
    assert proc.returncode == 1 and "cannot listen" in proc.stderr


def test_no_token_in_environment_leaks_into_output(ht_sim: Simulator, logged_env) -> None:
    token = os.environ.get("FEEDCLI_TOKEN", "")
    result = run(["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--limit", "3", "--events"], logged_env)
    stored = stored_tokens(Path(logged_env["FEEDCLI_CONFIG_DIR"]))[ht_sim.url]["token"]
    assert stored not in result.stdout and stored not in result.stderr
    assert not token or token not in result.stdout


def test_forced_view_draws_a_final_frame_with_every_message(ht_sim: Simulator, logged_env) -> None:
    args = ["stream", "tse", "--url", ht_sim.url, "--isin", ISINS[0], "--format", "view", "--limit", "30"]
    result = run(args, {**logged_env, "COLUMNS": "100", "LINES": "30"})
    assert result.returncode == 0, result.stderr
    assert "30 msgs" in result.stdout
    assert ISINS[0] in result.stdout and "Bid" in result.stdout
