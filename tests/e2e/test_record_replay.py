"""End to end: record from a server, replay the file, serve it, and stream it back."""

from __future__ import annotations

import gzip
import re
import subprocess
import time
from pathlib import Path

import orjson
import pytest

from feedcli.providers.ht import tehran
from feedcli.simulators.ht_market import TSE_UNIVERSE
from feedcli.wallclock import utc_of
from tests.support.cli import FEEDCLI, Simulator, feedcli_env, lines, login, run, wait_for
from tests.support.independent_ht import TOKEN, IndependentHT

pytestmark = pytest.mark.e2e
ISINS = [TSE_UNIVERSE[0].isin, TSE_UNIVERSE[1].isin]


def data_of(objs: list[dict]) -> list[tuple]:
    return [(o["symbol"], o["channel"], o["ts"], orjson.dumps(o["data"], option=orjson.OPT_SORT_KEYS)) for o in objs]


def test_record_writes_exactly_what_the_server_sent_with_a_header_and_no_token(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg", FEEDCLI_TOKEN=TOKEN)
    out = tmp_path / "rec.ndjson"
    with IndependentHT(count=30) as server:
        result = run(
            ["record", "tse", "--url", server.url, "--isin", "IRO1FOLD0001", "-o", str(out), "--limit", "30"], env
        )
    assert result.returncode == 0, result.stderr
    objs = lines(out.read_text())
    header = objs[0]
    assert header["event"] == "recording" and header["provider"] == "tse"
    assert header["subscription"]["isin"] == ["IRO1FOLD0001"] and header["feedcli"]
    assert objs[1]["event"] == "connected"
    data = [o for o in objs if "channel" in o]
    assert [(d["channel"], d["symbol"], d["ts"], d["data"]) for d in data] == [
        (m["channel"], m["symbolIsin"], utc_of(m["timestamp"], tehran()), m["data"]) for m in server.sent
    ]
    assert TOKEN not in out.read_text()


def test_record_replay_serve_stream_round_trip(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "rec.ndjson.gz"
    with Simulator("tse", "--rate", "300") as sim:
        login(sim, env)
        args = [
            "record",
            "tse",
            "--url",
            sim.url,
            "--isin",
            ISINS[0],
            "--isin",
            ISINS[1],
            "-o",
            str(rec),
            "--compress",
            "gzip",
            "--duration",
            "2",
        ]
        result = run(args, env)
    assert result.returncode == 0, result.stderr
    recorded = lines(gzip.decompress(rec.read_bytes()).decode())
    recorded_data = [o for o in recorded if "channel" in o]
    assert len(recorded_data) > 20

    # replay: the lines exactly as recorded
    replayed = run(["replay", str(rec), "--speed", "0"], env)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.encode() == gzip.decompress(rec.read_bytes())

    # serve: a live-looking HT server with the recording as its source
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        banner = serve.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert url, banner
        base = url.group(0)
        logged = run(["login", "--url", base, "-u", "demo", "--password-stdin"], env, input="demo\n")
        assert logged.returncode == 0, logged.stderr
        started = time.monotonic()
        streamed = run(["stream", "tse", "--url", base, "--isin", ISINS[0], "--isin", ISINS[1]], env, timeout=60)
        assert streamed.returncode == 0, streamed.stderr  # the end of the recording ends the stream
        assert data_of(lines(streamed.stdout)) == data_of(recorded_data)
        assert time.monotonic() - started < 10
        assert wait_for(lambda: serve.poll() is not None, timeout=10)
        assert serve.returncode == 0
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait(5)


def test_datafye_recording_served_and_streamed_back(tmp_path: Path) -> None:
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "df.ndjson.zst"
    with Simulator("datafye", "--rate", "200") as sim:
        result = run(
            [
                "record",
                "datafye",
                "--url",
                sim.url,
                "--symbol",
                "AAPL",
                "-c",
                "quotes",
                "-c",
                "trades",
                "-o",
                str(rec),
                "--compress",
                "zstd",
                "--limit",
                "60",
            ],
            env,
        )
    assert result.returncode == 0, result.stderr
    replayed = run(["replay", str(rec), "--speed", "0"], env)
    recorded_data = [o for o in lines(replayed.stdout) if "channel" in o]
    assert len(recorded_data) == 60
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "0", "--wait-clients", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", serve.stderr.readline()).group(0)  # type: ignore[union-attr]
        streamed = run(
            ["stream", "datafye", "--url", base, "--symbol", "AAPL", "-c", "quotes", "-c", "trades"], env, timeout=60
        )
        assert streamed.returncode == 0, streamed.stderr
        got = lines(streamed.stdout)
        for channel in ("quotes", "trades"):
            assert data_of([o for o in got if o["channel"] == channel]) == data_of(
                [o for o in recorded_data if o["channel"] == channel]
            )
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)


def test_a_datafye_history_recording_is_served_as_history(tmp_path: Path) -> None:
    """`record datafye --from --to` served and streamed back with the same --from/--to gives
    the same lines; the command ends once every recorded history has been asked for in full."""
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "history.ndjson.gz"
    history = ["-c", "aggregates", "--from", "2025-01-02T09:30:00", "--to", "2025-01-02T12:00:00"]
    with Simulator("datafye") as sim:
        args = ["record", "datafye", "--url", sim.url, "--symbol", "AAPL", "--symbol", "MSFT", *history]
        result = run([*args, "-o", str(rec), "--compress", "gzip"], env)
    assert result.returncode == 0, result.stderr
    recorded = [o for o in lines(run(["replay", str(rec), "--speed", "0"], env).stdout) if "channel" in o]
    assert len(recorded) == 2 * 150
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", serve.stderr.readline()).group(0)  # type: ignore[union-attr]
        listing = [serve.stderr.readline() for _ in range(4)]
        assert listing[1].startswith("History on request: AAPL Minute bars from 2025-01-02T09:30:00"), listing
        assert listing[3].startswith(f"Try: feedcli stream datafye --url {base} --symbol AAPL --channel aggregates")
        # one symbol at a time: the server waits for the other history to be asked for
        for symbol in ("AAPL", "MSFT"):
            streamed = run(["stream", "datafye", "--url", base, "--symbol", symbol, *history, "--events"], env)
            assert streamed.returncode == 0, streamed.stderr
            out = lines(streamed.stdout)
            key = lambda o: (o["channel"], o["symbol"], o["ts"], o["data"])  # noqa: E731
            assert [key(o) for o in out if "channel" in o] == [key(o) for o in recorded if o["symbol"] == symbol]
            assert [o["event"] for o in out if "event" in o] == ["connected", "stream_end", "disconnected"]
            if symbol == "AAPL":
                assert serve.poll() is None
        assert serve.wait(30) == 0
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)


def test_serve_refuses_a_bad_address_and_an_unreadable_file(tmp_path: Path, env) -> None:
    rec = tmp_path / "r.ndjson"
    rec.write_text("")
    assert run(["replay", str(rec), "--serve", "nope"], env).returncode == 2
    assert run(["replay", str(tmp_path / "missing.ndjson"), "--serve", "127.0.0.1:0"], env).returncode == 2
    assert run(["replay", str(rec), "--serve", "127.0.0.1:0"], env).returncode == 2  # no data line to serve


def test_wait_clients_gives_two_clients_started_together_the_same_lines(tmp_path: Path) -> None:
    """At --speed 0 the first subscriber would get the whole recording before the second
    connects; --wait-clients 2 holds the timeline until both have subscribed."""
    env = feedcli_env(tmp_path / "cfg")
    rec = tmp_path / "rec.ndjson"
    with Simulator("tse", "--rate", "300") as sim:
        login(sim, env)
        result = run(["record", "tse", "--url", sim.url, "--isin", ISINS[0], "-o", str(rec), "--limit", "200"], env)
    assert result.returncode == 0, result.stderr
    serve = subprocess.Popen(
        [*FEEDCLI, "replay", str(rec), "--serve", "127.0.0.1:0", "--speed", "0", "--wait-clients", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stderr is not None
        base = re.search(r"http://127\.0\.0\.1:\d+", serve.stderr.readline()).group(0)  # type: ignore[union-attr]
        assert "2 client connections have subscribed" in serve.stderr.readline()
        logged = run(["login", "--url", base, "-u", "demo", "--password-stdin"], env, input="demo\n")
        assert logged.returncode == 0, logged.stderr
        clients = [
            subprocess.Popen(
                [*FEEDCLI, "stream", "tse", "--url", base, "--isin", ISINS[0]],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [c.communicate(timeout=60) for c in clients]
        for client, (_out, err) in zip(clients, outputs, strict=True):
            assert client.returncode == 0, err
        first, second = (data_of(lines(out)) for out, _ in outputs)
        assert len(first) == 200 and first == second
        assert serve.wait(30) == 0
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)


def test_wait_clients_needs_serve(tmp_path: Path, env) -> None:
    rec = tmp_path / "r.ndjson"
    rec.write_text("")
    result = run(["replay", str(rec), "--wait-clients", "2"], env)
    assert result.returncode == 2 and "--wait-clients goes with --serve" in result.stderr
