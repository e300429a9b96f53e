"""`feedcli stream` and `record` against a hostile server: every fault, nothing lost or repeated.

The server numbers its messages across connections (`server.sent`); each test compares the
`n` of every data line feedcli wrote with that list. HT has no replay on reconnect, so the
promise is exact: every message that reached feedcli is written once, in order, whatever
happened to the connection around it (README, "Guarantees").
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from tests.faults.driver import Outcome, drive, tse_args
from tests.faults.server import TOKEN, WS_PATH, Attempt, FaultServer, deep_message, giant_message
from tests.support.cli import FEEDCLI

pytestmark = pytest.mark.e2e

#: retitles the terminal (OSC 0 … BEL), clears it (CSI 2J), rings the bell, forges a line
HOSTILE = "going\x1b]0;pwned\x07\x1b[2J\x07\nfeedcli: forged"
HOSTILE_ESCAPED = "going\\x1b]0;pwned\\x07\\x1b[2J\\x07\\nfeedcli: forged"


def assert_clean_stderr(stderr: str, *, lines: int | None = None) -> list[str]:
    """Every stderr line is feedcli's own, with no raw control character a terminal would obey."""
    raw = [ch for ch in stderr if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]
    assert raw == [], stderr
    found = stderr.splitlines()
    assert all(line.startswith("feedcli: ") for line in found), stderr
    if lines is not None:
        assert len(found) == lines, stderr
    return found


def assert_exactly_what_was_sent(outcome: Outcome, server: FaultServer, count: int) -> None:
    assert server.sent == list(range(1, count + 1))
    assert outcome.numbers == server.sent, outcome.stderr


def run_faulty(
    attempts: list[Attempt],
    env: dict[str, str],
    tmp_path: Path,
    command: str,
    *extra: str,
    release_at=(),
    total: int | None = None,
) -> tuple[Outcome, FaultServer]:
    out = tmp_path / "rec.ndjson" if command == "record" else None
    with FaultServer(attempts, total=total) as server:
        args = tse_args(server, command, *extra, *(["-o", str(out)] if out else ["--events"]))
        outcome = drive(server, args, env, release_at=release_at, output=out)
    return outcome, server


# --------------------------------------------------------------------------- a connection that ends


ENDINGS = {
    # FIN after the data, no close frame
    "drop": (Attempt(send=40, end="drop"), "connection lost without a close frame"),
    # FIN in the middle of a frame: the half message is never written
    "cut-mid-frame": (Attempt(send=40, end="cut"), "connection lost without a close frame"),
    # a reset: held until feedcli has written all 40, since a reset discards what is unread
    "rst": (Attempt(send=40, hold=True, end="rst"), "connection lost without a close frame"),
    "close-1001": (Attempt(send=40, end="close", close_code=1001, close_reason="restarting"), "restarting"),
    "escape-laden-reason": (Attempt(send=40, end="close", close_code=4000, close_reason=HOSTILE), HOSTILE_ESCAPED),
}


@pytest.mark.parametrize("command", ["stream", "record"])
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_connection_that_ends_loses_and_repeats_nothing(ending: str, command: str, env, tmp_path: Path) -> None:
    first, note = ENDINGS[ending]
    attempts = [first, Attempt(send=40)]
    outcome, server = run_faulty(attempts, env, tmp_path, command, "--limit", "80", release_at=(40,))
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 80)
    assert outcome.events == ["recording", "connected", "disconnected", "reconnected"][command == "stream" :]
    if command == "stream":  # one escaped note per reconnect
        [line] = assert_clean_stderr(outcome.stderr, lines=1)
        assert note in line and "reconnecting (attempt 1)" in line
    else:  # whether record is quiet off a terminal: the test below
        assert_clean_stderr(outcome.stderr)


def test_record_is_quiet_off_a_terminal_through_a_reconnect(env, tmp_path: Path) -> None:
    attempts = [Attempt(send=10, end="drop"), Attempt(send=10)]
    outcome, server = run_faulty(attempts, env, tmp_path, "record", "--limit", "20")
    assert outcome.returncode == 0
    assert_exactly_what_was_sent(outcome, server, 20)
    assert outcome.stderr == ""


def test_a_stalled_connection_is_dropped_by_the_watchdog_and_nothing_is_lost(env, tmp_path: Path) -> None:
    # pings are answered, data stops: the classic silent stall. Later connections send the
    # rest, so a watchdog that also fires on a loaded machine costs a reconnect, not lines.
    attempts = [Attempt(send=30, end="open")]
    outcome, server = run_faulty(attempts, env, tmp_path, "stream", "--limit", "60", "--stale-after", "0.5", total=60)
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 60)
    notes = assert_clean_stderr(outcome.stderr)
    assert "no data for 0.5s" in notes[0] and "reconnecting (attempt 1)" in notes[0]
    assert outcome.events[:3] == ["connected", "disconnected", "reconnected"]


def test_a_half_open_connection_is_dropped_by_the_keepalive_and_nothing_is_lost(env, tmp_path: Path) -> None:
    # the server reads nothing, sends nothing, answers no ping; the data watchdog is off
    attempts = [Attempt(send=30, end="half-open")]
    args = ("--limit", "60", "--stale-after", "0", "--ping-interval", "0.5")
    outcome, server = run_faulty(attempts, env, tmp_path, "stream", *args, total=60)
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 60)
    notes = assert_clean_stderr(outcome.stderr)
    assert "no pong within 0.5s" in notes[0] and "reconnecting (attempt 1)" in notes[0]
    assert outcome.events[:3] == ["connected", "disconnected", "reconnected"]


# --------------------------------------------------------------------------- frames feedcli cannot use

MALFORMED: list[bytes | str] = [
    "not json",
    b"\x00\xff\xfe binary garbage",
    '{"channel":"best-limit","symbolIsin":"IRO1FOLD0001"}',  # no data
    '{"channel":"best-limit","data":{}}',  # no identifier
    "[1,2,3]",
    deep_message(1100),  # past what orjson reads (1024) and msgspec checks
    '{"channel":"best-limit","symbolIsin":"IRO1FOLD0001","data":{"n":1e999',  # cut short
]

#: valid JSON that orjson cannot hold: the line path writes it as sent (it was skipped when
#: every message was decoded and encoded again)
PASSED_ON = [
    deep_message(300),  # orjson reads it, cannot write it
    '{"channel":"best-limit","symbolIsin":"IRO1FOLD0001","data":{"big":' + "9" * 5000 + "}}",  # past a double
]


@pytest.mark.parametrize("command", ["stream", "record"])
def test_malformed_and_too_deep_frames_are_skipped_and_every_good_one_is_kept(
    command: str, env, tmp_path: Path
) -> None:
    attempts = [Attempt(send=50, extras={i * 7: [frame] for i, frame in enumerate(MALFORMED)})]
    outcome, server = run_faulty(attempts, env, tmp_path, command, "--limit", "50")
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 50)
    if command == "stream":
        lines = assert_clean_stderr(outcome.stderr)
        assert lines[-1] == f"feedcli: {len(MALFORMED)} malformed frames skipped in all"


@pytest.mark.parametrize("command", ["stream", "record"])
def test_valid_json_orjson_cannot_hold_is_passed_on_as_sent(command: str, env, tmp_path: Path) -> None:
    out = tmp_path / "rec.ndjson"
    attempts = [Attempt(send=50, extras={10: [PASSED_ON[0]], 20: [PASSED_ON[1]]})]
    with FaultServer(attempts) as server:
        args = tse_args(server, command, "--limit", "52", *(["-o", str(out)] if command == "record" else []))
        run_env = {**env, "FEEDCLI_TOKEN": TOKEN}
        result = subprocess.run([*FEEDCLI, *args], env=run_env, capture_output=True, timeout=120)
        sent = list(server.sent)
    assert result.returncode == 0, result.stderr
    written = result.stdout if command == "stream" else out.read_bytes()
    data = [line for line in written.splitlines() if line.startswith(b'{"provider":"tse","channel"')]
    assert len(data) == 52
    numbered = [line for line in data if b'"n":' in line]
    assert [orjson.loads(line)["data"]["n"] for line in numbered] == sent == list(range(1, 51))
    passed = [line for line in data if b'"n":' not in line]
    assert [line.partition(b',"data":')[2] for line in passed] == [
        frame.encode().partition(b'"data":')[2].lstrip()
        for frame in PASSED_ON  # the envelope's } the line's
    ]
    assert b"malformed" not in result.stderr


def test_a_giant_frame_is_refused_unread_and_the_stream_goes_on(env, tmp_path: Path) -> None:
    # 20 MiB in one frame, past the 16 MiB a message may have: the connection is closed (1009)
    # and opened again; the numbered messages on either side of it all arrive
    attempts = [Attempt(send=30, extras={30: [giant_message(20 * 2**20)]}), Attempt(send=30)]
    outcome, server = run_faulty(attempts, env, tmp_path, "stream", "--limit", "60")
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 60)
    assert outcome.events == ["connected", "disconnected", "reconnected"]
    [line] = assert_clean_stderr(outcome.stderr, lines=1)
    # aiohttp says "exceeds limit 16777216", picows "exceeding max allowed size, ... > 16777216"
    assert "exceed" in line and "16777216" in line


# --------------------------------------------------------------------------- handshakes refused


def test_a_redirect_is_never_followed_and_counts_as_a_failed_attempt(env, tmp_path: Path) -> None:
    with FaultServer([Attempt(send=5)]) as elsewhere:
        location = elsewhere.url.replace("http", "ws") + WS_PATH
        attempts = [Attempt(status=302, headers={"Location": location}), Attempt(send=20)]
        outcome, server = run_faulty(attempts, env, tmp_path, "stream", "--limit", "20")
        assert elsewhere.requests == []  # not a byte went there
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 20)
    [line] = assert_clean_stderr(outcome.stderr, lines=1)
    assert f"redirected to {location} (HTTP 302); redirects are not followed" in line
    assert "retrying (attempt 1)" in line


def test_a_redirect_with_no_retries_left_is_exit_5_with_one_line(env, tmp_path: Path) -> None:
    attempts = [Attempt(status=302, headers={"Location": "ws://127.0.0.1:9/x"})]
    outcome, _ = run_faulty(attempts, env, tmp_path, "stream", "--max-retries", "0")
    assert outcome.returncode == 5, outcome.stderr
    [line] = assert_clean_stderr(outcome.stderr, lines=1)
    assert "redirected to ws://127.0.0.1:9/x" in line and "gave up reconnecting" in line


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_server_is_waited_out_and_nothing_is_lost(status: int, env, tmp_path: Path) -> None:
    busy = Attempt(status=status, headers={"Retry-After": "1"})
    outcome, server = run_faulty([busy, busy, Attempt(send=20)], env, tmp_path, "stream", "--limit", "20")
    assert outcome.returncode == 0, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 20)
    lines = assert_clean_stderr(outcome.stderr, lines=2)
    assert all(str(status) in line for line in lines), lines


@pytest.mark.parametrize("status", [429, 503])
def test_a_server_busy_past_max_retries_is_exit_5_with_one_line(status: int, env, tmp_path: Path) -> None:
    busy = Attempt(status=status, headers={"Retry-After": "1"})
    outcome, _ = run_faulty([busy, busy], env, tmp_path, "stream", "--max-retries", "1")
    assert outcome.returncode == 5, outcome.stderr
    lines = assert_clean_stderr(outcome.stderr, lines=2)  # one retry note, one final line
    assert "gave up reconnecting" in lines[-1] and str(status) in lines[-1]


@pytest.mark.parametrize("command", ["stream", "record"])
def test_a_final_refusal_with_an_escape_laden_reason_keeps_what_came_before(command: str, env, tmp_path: Path) -> None:
    attempts = [Attempt(send=25, end="close", close_code=1008, close_reason="Invalid token" + HOSTILE)]
    outcome, server = run_faulty(attempts, env, tmp_path, command)
    assert outcome.returncode == 3, outcome.stderr
    assert_exactly_what_was_sent(outcome, server, 25)
    [line] = assert_clean_stderr(outcome.stderr, lines=1)
    assert HOSTILE_ESCAPED in line


# --------------------------------------------------------------------------- a flood into a slow reader


def test_a_flood_into_a_reader_that_stops_is_held_back_by_tcp_and_fully_delivered(env) -> None:
    """The reader takes nothing until the server finds TCP pushing back (feedcli stopped
    reading the socket rather than buffering the flood), then everything: all of it, once."""
    import subprocess

    from tests.faults.server import TOKEN
    from tests.support.cli import FEEDCLI

    count = 20_000  # about 20 MB: far past what pipes and socket buffers hold
    with FaultServer([Attempt(end="flood", flood=count)]) as server:
        args = tse_args(server, "stream", "--limit", str(count))
        proc = subprocess.Popen(
            [*FEEDCLI, *args],
            env={**env, "FEEDCLI_TOKEN": TOKEN},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert server.pushed_back.wait(60), "the server never felt the reader's stop"
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        sent = list(server.sent)
    assert proc.returncode == 0, err
    assert err == b""  # no reconnect: the connection held through the stop
    numbers = [int(line.split(b'"n":', 1)[1].split(b",", 1)[0]) for line in out.splitlines()]
    assert numbers == sent == list(range(1, count + 1))
