"""End to end: `feedcli stream|login|search|record moex` as subprocesses against `feedcli simulate moex`,
an independent ISS+ gateway, and the MOEX document's own Python examples against the simulator."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.cli import Simulator, feedcli_env, lines, run
from tests.support.independent_moex import IndependentMoex

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

SBER = "MXSE.TQBR.SBER"
RECV = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture(scope="module")
def sim():
    with Simulator("moex", "--rate", "100", "--seed", "5") as s:
        yield s


def stream(url: str, *args: str) -> list[str]:
    return ["stream", "moex", "--url", url, *args]


def data_lines(stdout: str) -> list[dict]:
    return [o for o in lines(stdout) if "channel" in o]


def events(stdout: str) -> list[dict]:
    return [o for o in lines(stdout) if "event" in o]


# ----------------------------------------------------------------------------- streams


def test_banner_names_the_url_and_the_passport_account(sim) -> None:
    assert sim.first_line.startswith("feedcli simulate: serving MOEX ISS+ at http://127.0.0.1:")
    assert (sim.user, sim.password) == ("demo", "issplus")


def test_every_stream_on_one_connection_as_the_guest(sim, env) -> None:
    args = ["--ticker", SBER, "--ticker", "MXSE.TQBR.GAZP", "--stream", "securities", "--stream", "orderbooks"]
    args += ["--stream", "candles", "--interval", "M10", "--events", "--limit", "400"]
    result = run(stream(sim.url, *args), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    data = [o for o in out if "channel" in o]
    assert len(data) == 400
    assert {(o["channel"], o["symbol"]) for o in data} == {
        (c, t) for c in ("securities", "orderbooks", "candles") for t in (SBER, "MXSE.TQBR.GAZP")
    }
    kinds = Counter(o["event"] for o in out if "event" in o)
    assert kinds["connected"] == 1 and kinds["subscribed"] == 6 and not kinds["disconnected"]
    assert all(o["provider"] == "moex" and o["ts"].endswith("Z") and RECV.match(o["recv"]) for o in data)

    securities = [o["data"] for o in data if o["channel"] == "securities" and o["symbol"] == SBER]
    assert len(securities) > 2
    for row in securities:  # every line is the full merged row, typed
        assert row["TICKER"] == SBER and row["CAPTION"] == "Sberbank"
        assert isinstance(row["LAST"], float) and isinstance(row["NUMTRADES"], int)
        assert row["LOW"] <= row["LAST"] <= row["HIGH"] and row["NUMTRADES"] >= 0
        assert row["TRADINGSTATUS"] == "Trading session" and re.match(r"^\d\d:\d\d:\d\d$", row["TIME"])
        assert row["BID"] < row["OFFER"]
    assert len({(r["LAST"], r["NUMTRADES"], r["BIDDEPTHT"], r["OFFERDEPTHT"]) for r in securities}) > 1
    trades = [r["NUMTRADES"] for r in securities]
    assert trades == sorted(trades)  # the day's count of trades only grows

    books = [o["data"] for o in data if o["channel"] == "orderbooks"]
    for book in books:
        bids, asks = [p for p, _ in book["bids"]], [p for p, _ in book["asks"]]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
        assert len(bids) == len(asks) == 10

    candles = [o["data"] for o in data if o["channel"] == "candles" and o["symbol"] == SBER]
    assert len(candles) >= 120  # the snapshot's history, then the current bar's updates
    starts = [c["timestamp"] for c in candles[:120]]
    assert starts == sorted(starts) and len(set(starts)) == 120
    for c in candles:
        assert set(c) >= {"timestamp", "open", "high", "low", "close", "volume", "quote_volume", "till"}
        assert c["low"] <= min(c["open"], c["close"]) <= max(c["open"], c["close"]) <= c["high"]
        assert c["timestamp"].endswith("Z")


def test_limit_is_exact_and_no_control_lines_without_events(sim, env) -> None:
    result = run(stream(sim.url, "--ticker", SBER, "--stream", "orderbooks", "--limit", "7"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 7 and all(o["channel"] == "orderbooks" for o in out)


def test_a_seqnum_gap_writes_a_gap_line_and_resubscribes_for_a_fresh_snapshot(env) -> None:
    with Simulator("moex", "--rate", "100", "--gap-every", "6") as sim:
        result = run(stream(sim.url, "--ticker", SBER, "--events", "--limit", "14"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    gaps = [i for i, o in enumerate(out) if o.get("event") == "gap"]
    assert gaps, result.stdout
    gap = out[gaps[0]]
    assert gap["stream"] == "securities" and gap["symbol"] == SBER and gap["resubscribed"] is True
    assert gap["got"] == gap["expected"] + 1
    after = out[gaps[0] + 1 :]
    assert after[0]["event"] == "subscribed"  # the fresh subscription's receipt ...
    assert after[1]["channel"] == "securities" and len(after[1]["data"]) == 41  # ... and its full snapshot
    assert [o["event"] for o in out if "event" in o].count("connected") == 1  # no reconnect for a gap


def test_an_unknown_ticker_is_exit_4(sim, env) -> None:
    result = run(stream(sim.url, "--ticker", "MXSE.TQBR.NOPE"), env, timeout=30)
    assert result.returncode == 4, result.stderr
    assert "gateway.invalidrequest" in result.stderr and "MXSE.TQBR.NOPE" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--ticker", "SBER"],
        ["--ticker", 'MXSE.TQBR.SB"ER'],
        ["--ticker", SBER, "--interval", "M1"],
        ["--ticker", SBER, "--heartbeat", "soon"],
    ],
)
def test_malformed_options_are_exit_2_before_connecting(env, args) -> None:
    result = run(stream("http://127.0.0.1:9", *args), env)
    assert result.returncode == 2, result.stderr


def test_bad_credentials_are_exit_3(sim, config_dir) -> None:
    env = feedcli_env(config_dir, FEEDCLI_MOEX_LOGIN="demo", FEEDCLI_MOEX_PASSCODE="s3cr3t-Nope")
    result = run(stream(sim.url, "--ticker", SBER), env, timeout=30)
    assert result.returncode == 3, result.stderr
    assert "gateway.access-denied" in result.stderr and "s3cr3t-Nope" not in result.stderr


@pytest.mark.parametrize("code", ["gateway.timeout", "gateway.transport", "gateway.exception"])
def test_gateway_errors_reconnect_with_backoff(env, code) -> None:
    with Simulator("moex", "--rate", "200", "--error-after", "2", "--error-code", code) as sim:
        result = run(stream(sim.url, "--ticker", SBER, "--events", "--limit", "4"), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    drops = [o for o in out if o.get("event") == "disconnected"]
    assert drops and code in drops[0]["reason"]
    kinds = Counter(o["event"] for o in out if "event" in o)
    assert kinds["reconnected"] >= 1 and kinds["subscribed"] == kinds["reconnected"] + 1
    assert sum(1 for o in out if "channel" in o) == 4


def test_reconnects_and_subscribes_again_after_a_dropped_connection(env) -> None:
    with Simulator("moex", "--rate", "200", "--drop-after", "5") as sim:
        args = ["--ticker", SBER, "--stream", "securities", "--stream", "orderbooks", "--events", "--limit", "24"]
        result = run(stream(sim.url, *args), env)
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    kinds = Counter(o["event"] for o in out if "event" in o)
    assert kinds["reconnected"] >= 2
    assert kinds["subscribed"] >= 2 * (kinds["reconnected"] + 1) - 2  # both streams, on every connection
    data = [o for o in out if "channel" in o]
    assert len(data) == 24
    # after each reconnect the securities stream starts again from a full snapshot row
    assert all(len(o["data"]) == 41 for o in data if o["channel"] == "securities")


def test_heartbeats_keep_a_quiet_connection_alive(env) -> None:
    # the data stop after 2 messages; only STOMP heart-beats flow (WebSocket pings and the
    # data watchdog are off): the connection must stay up, both ways
    with Simulator("moex", "--rate", "50", "--stall-after", "2", "--heart-beat", "100") as sim:
        args = ["--ticker", SBER, "--heartbeat", "0.2", "--stale-after", "0", "--ping-interval", "0"]
        result = run(stream(sim.url, *args, "--events", "--duration", "1.6"), env)
    assert result.returncode == 0, result.stderr
    kinds = Counter(o["event"] for o in events(result.stdout))
    assert kinds["connected"] == 1 and not kinds["disconnected"], result.stdout
    assert len(data_lines(result.stdout)) == 2


def test_a_silent_server_is_detected_by_its_missing_heartbeats(env) -> None:
    with Simulator("moex", "--rate", "50", "--silent-after", "2", "--heart-beat", "100") as sim:
        args = ["--ticker", SBER, "--heartbeat", "0.2", "--stale-after", "0", "--ping-interval", "0"]
        started = time.monotonic()
        result = run(stream(sim.url, *args, "--events", "--limit", "3"), env)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 15
    out = events(result.stdout)
    drops = [o for o in out if o["event"] == "disconnected"]
    assert drops and all("no heart-beat from the server" in d["reason"] for d in drops)
    assert sum(1 for o in out if o["event"] == "reconnected") == len(drops)


# ----------------------------------------------------------------------------- login, search


def test_login_checks_with_connect_and_stores_per_profile_mode_0600(sim, config_dir) -> None:
    env = feedcli_env(config_dir)
    result = run(["login", "moex", "--url", sim.url, "-u", "demo", "--password-stdin"], env, input="issplus\n")
    assert result.returncode == 0, result.stderr
    assert "issplus" not in result.stdout + result.stderr
    path = config_dir / "profiles" / "default" / "moex.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "demo" in path.read_text()
    # the stored login is what stream uses: a wrong passcode from the environment pairs with it
    bad = run(stream(sim.url, "--ticker", SBER), feedcli_env(config_dir, FEEDCLI_MOEX_PASSCODE="nope"), timeout=30)
    assert bad.returncode == 3, bad.stderr
    good = run(stream(sim.url, "--ticker", SBER, "--limit", "2"), env)
    assert good.returncode == 0, good.stderr
    # logout: back to the guest, who is let in too
    out = run(["logout", "moex"], env)
    assert out.returncode == 0 and not path.exists()
    guest = run(stream(sim.url, "--ticker", SBER, "--limit", "1"), env)
    assert guest.returncode == 0, guest.stderr


def test_login_with_a_wrong_passcode_is_exit_3_and_stores_nothing(sim, config_dir) -> None:
    env = feedcli_env(config_dir)
    result = run(["login", "moex", "--url", sim.url, "-u", "demo", "--password-stdin"], env, input="wrong\n")
    assert result.returncode == 3, result.stderr
    assert "gateway.access-denied" in result.stderr
    assert not (config_dir / "profiles" / "default" / "moex.json").exists()


def test_environment_credentials_override_and_a_login_without_passcode_is_refused(sim, config_dir) -> None:
    env = feedcli_env(config_dir, FEEDCLI_MOEX_LOGIN="demo", FEEDCLI_MOEX_PASSCODE="issplus")
    assert run(stream(sim.url, "--ticker", SBER, "--limit", "1"), env).returncode == 0
    lonely = run(stream(sim.url, "--ticker", SBER), feedcli_env(config_dir, FEEDCLI_MOEX_LOGIN="demo"))
    assert lonely.returncode == 3 and "FEEDCLI_MOEX_PASSCODE" in lonely.stderr


def test_search_prints_ndjson_when_piped(sim, env) -> None:
    result = run(["search", "moex", "SBER*", "--url", sim.url], env)
    assert result.returncode == 0, result.stderr
    rows = lines(result.stdout)
    assert [r["ticker"] for r in rows] == [SBER, "MXSE.TQBR.SBERP"]
    assert rows[0]["isin"] == "RU0009029540" and rows[0]["secid"] == "SBER"
    none = run(["search", "moex", "NOSUCHTHING", "--url", sim.url], env)
    assert none.returncode == 0 and none.stdout == ""


def test_search_of_a_provider_without_one_is_exit_2(env) -> None:
    result = run(["search", "tse", "FOLD"], env)
    assert result.returncode == 2 and "no instrument search" in result.stderr


# ----------------------------------------------------------------------------- record and replay


def test_record_then_replay_gives_the_same_lines(sim, tmp_path, env) -> None:
    rec = tmp_path / "moex.ndjson.gz"
    args = ["record", "moex", "--url", sim.url, "--ticker", SBER, "--stream", "securities", "--stream", "orderbooks"]
    result = run([*args, "-o", str(rec), "--compress", "gzip", "--limit", "30"], env)
    assert result.returncode == 0, result.stderr
    replayed = run(["replay", str(rec), "--speed", "0"], env)
    assert replayed.returncode == 0, replayed.stderr
    out = lines(replayed.stdout)
    assert out[0]["event"] == "recording" and out[0]["provider"] == "moex"
    assert out[0]["subscription"]["ticker"] == [SBER]
    data = [o for o in out if "channel" in o]
    assert len(data) == 30 and {o["channel"] for o in data} == {"securities", "orderbooks"}
    assert "issplus" not in replayed.stdout and "guest" not in replayed.stdout


def test_a_recording_served_as_an_iss_gateway_streams_back_the_same_lines(sim, tmp_path, env) -> None:
    rec = tmp_path / "sec.ndjson"
    args = ["record", "moex", "--url", sim.url, "--ticker", SBER, "--ticker", "MXSE.TQBR.GAZP", "-o", str(rec)]
    result = run([*args, "--limit", "40"], env)
    assert result.returncode == 0, result.stderr
    recorded = [o for o in lines(rec.read_text()) if "channel" in o]
    serve = subprocess.Popen(
        [sys.executable, "-m", "feedcli", "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        banner = serve.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert found and "MOEX ISS+" in banner, banner
        # both tickers ride on one connection: the timeline starts at the first SUBSCRIBE
        streamed = run(stream(found.group(0), "--ticker", SBER, "--ticker", "MXSE.TQBR.GAZP"), env)
        assert streamed.returncode == 0, streamed.stderr  # the end of the recording ends the stream
        back = data_lines(streamed.stdout)
        key = lambda o: (o["symbol"], o["ts"], o["data"])  # noqa: E731
        assert [key(o) for o in back if o["symbol"] == SBER] == [key(o) for o in recorded if o["symbol"] == SBER]
        assert len(back) >= len(recorded) - 2  # GAZP's first line may be played before its SUBSCRIBE arrives
        assert serve.wait(10) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait(5)


# ----------------------------------------------------------------------------- an independent gateway


def test_stream_against_an_independent_gateway_types_every_column(tmp_path) -> None:
    env = feedcli_env(tmp_path)
    with IndependentMoex() as server:
        args = ["--ticker", SBER, "--stream", "securities", "--stream", "orderbooks", "--stream", "candles"]
        args += ["--interval", "D1", "--limit", "10"]
        result = run(stream(server.url, *args), env)
        received = list(server.received)
        subprotocols = list(server.subprotocols)
    assert result.returncode == 0, result.stderr
    assert subprotocols == ["STOMP"]
    connect = received[0]
    assert connect[0] == "CONNECT"
    assert (connect[1]["domain"], connect[1]["login"], connect[1]["passcode"]) == ("DEMO", "guest", "guest")
    subs = {h["destination"]: h for cmd, h in received if cmd == "SUBSCRIBE"}
    assert subs["MXSE.securities"]["selector"] == f'TICKER="{SBER}"'
    assert subs["MXSE.candles"]["selector"] == f'ticker="{SBER}" and interval="D1"'
    assert all(h["receipt"] == h["id"] for h in subs.values())

    out = data_lines(result.stdout)
    sec = [o["data"] for o in out if o["channel"] == "securities"]
    assert sec[0] == {
        "TICKER": SBER,
        "CAPTION": "Sberbank",
        "LAST": 306.13,
        "BID": 306.12,
        "OFFER": 306.13,
        "BIDDEPTHT": 1685771,
        "VOLTODAY": 1322700,
        "VALTODAY": 405375659,
        "NUMTRADES": 10774,
        "TRADINGSTATUS": "Trading session",
        "SETTLEDATE1": "2026-01-23",
        "TIME": "09:51:20",
        "FACEVALUE": 3,
    }
    assert sec[1] == {**sec[0], "LAST": 306.12, "VOLTODAY": 1322706, "NUMTRADES": 10775}
    assert [r["BIDDEPTHT"] for r in sec[2:4]] == [1685741, 1685739]
    assert sec[4] == {**sec[3], "removed": True}
    first = next(o for o in out if o["channel"] == "securities")
    assert first["ts"] == "2026-01-22T06:51:20.001000Z" and first["symbol"] == SBER

    books = [o["data"] for o in out if o["channel"] == "orderbooks"]
    assert books == [
        {"bids": [[306.12, 250], [306.11, 40]], "asks": [[306.13, 80], [306.14, 120]]},
        {"bids": [[306.12, 260], [306.1, 10]], "asks": [[306.13, 75]]},
    ]
    candles = [o["data"] for o in out if o["channel"] == "candles"]
    assert candles[0] == {
        "timestamp": "2026-01-20T21:00:00.000000Z",
        "open": 305.0,
        "high": 307.5,
        "low": 304.2,
        "close": 306.49,
        "volume": 29700000,
        "quote_volume": 9.1e9,
        "till": "2026-01-21T20:59:59.000000Z",
    }
    assert candles[2]["timestamp"] == candles[1]["timestamp"] and candles[2]["close"] == 306.12


def test_an_unknown_destination_at_an_independent_gateway_is_exit_4(tmp_path) -> None:
    env = feedcli_env(tmp_path)
    with IndependentMoex() as server:
        result = run(stream(server.url, "--ticker", "MXSE.TQBR.GAZP"), env, timeout=30)
    assert result.returncode == 4, result.stderr


# ----------------------------------------------------------------------------- the document's own examples

#: the document's two Python examples, kept verbatim in a fixture so they run in any checkout
_DOC_BLOCKS = re.findall(
    r"``` python\n(.*?)```",
    (Path(__file__).resolve().parents[1] / "fixtures" / "moex_doc_examples.md").read_text(),
    re.S,
)
SEED_CONNECT_EXAMPLE, SEED_SUBSCRIBE_EXAMPLE = _DOC_BLOCKS


def _seed_example(source: str, ws_url: str, account: tuple[str, str] | None) -> str:
    """The document's example with its URL pointed at the simulator (and, if given, the
    placeholder credentials 'login'/'password' filled in with the simulator's account)."""
    adapted, count = re.subn(r"url = '[^']*'", f"url = '{ws_url}'", source)
    assert count == 1
    if account is not None:
        adapted = adapted.replace("'login': 'login'", f"'login': '{account[0]}'")
        adapted = adapted.replace("'passcode': 'password'", f"'passcode': '{account[1]}'")
        adapted = adapted.replace("login = 'login'", f"login = '{account[0]}'")
        adapted = adapted.replace("passcode = 'password'", f"passcode = '{account[1]}'")
    return adapted


def _run_example(code: str, *, stop_after: int | None = None, timeout: float = 20) -> list[str]:
    """Run an example; with `stop_after`, stop it once it printed that many lines (it loops forever)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    out: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line.rstrip("\n"))
            if stop_after is not None and len(out) >= stop_after:
                break
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done.wait(timeout)
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)
    return out


def test_the_documents_connect_example_prints_connected_and_the_metadata(sim) -> None:
    ws_url = sim.url.replace("http://", "ws://") + "/infocx/v3/websocket"
    out = _run_example(_seed_example(SEED_CONNECT_EXAMPLE, ws_url, (sim.user, sim.password)))
    assert out[0].startswith("Received frame CONNECTED {"), out
    assert out[1].startswith("Received Data: {'version': {") and "'structure': {'MXSE': {'enums': [" in out[1]
    assert "'name': 'orderbooks'" in out[1]


def test_the_documents_connect_example_with_its_placeholder_login_is_refused(sim) -> None:
    ws_url = sim.url.replace("http://", "ws://") + "/infocx/v3/websocket"
    out = _run_example(_seed_example(SEED_CONNECT_EXAMPLE, ws_url, None))
    assert out[0].startswith("Received frame ERROR {") and "'message': 'gateway.access-denied'" in out[0], out


def test_the_documents_subscribe_example_prints_order_book_packets(sim) -> None:
    ws_url = sim.url.replace("http://", "ws://") + "/infocx/v3/websocket"
    out = _run_example(_seed_example(SEED_SUBSCRIBE_EXAMPLE, ws_url, (sim.user, sim.password)), stop_after=6)
    assert out[0].startswith("Connected with metadata: {'MXSE': {") or out[0].startswith(
        "Connected with metadata: {'version'"
    ), out
    assert out[1] == "Subscription successful"
    packets = out[2:6]
    assert len(packets) == 4, out
    assert all(p.startswith("{'properties': {'type': 'snapshot', 'seqnum': ") for p in packets)
    assert all("'columns': ['BUYSELL', 'PRICE', 'QUANTITY', 'REPOVALUE']" in p for p in packets)
    seqnums = [int(re.search(r"'seqnum': (\d+)", p).group(1)) for p in packets]
    assert seqnums == list(range(seqnums[0], seqnums[0] + 4))


def test_the_documents_subscribe_example_with_its_placeholder_login_is_refused(sim) -> None:
    ws_url = sim.url.replace("http://", "ws://") + "/infocx/v3/websocket"
    out = _run_example(_seed_example(SEED_SUBSCRIBE_EXAMPLE, ws_url, None))
    assert out == ["An error occurred: STOMP authentication failed; gateway.access-denied"]


def test_the_examples_are_the_documents_verbatim() -> None:
    """Guard against the fixture drifting from the document (checked where the document is; the
    examples themselves run from the fixture in every checkout)."""
    seed = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "moex-issplus-stomp.md"
    if not seed.exists():
        pytest.skip(f"../shared is absent: the source document is not at {seed} (the fixture's examples still ran)")
    text = seed.read_text()
    blocks = re.findall(r"``` python\n(.*?)(?:```|\Z)", text, re.S)
    assert len(blocks) == 2
    for block, copy in zip(blocks, (SEED_CONNECT_EXAMPLE, SEED_SUBSCRIBE_EXAMPLE), strict=True):
        assert block.strip() == copy.strip()
