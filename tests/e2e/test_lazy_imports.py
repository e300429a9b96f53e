"""What commands do not import: `--version` and `--help` no sink client (redis-py, nats-py); a stream
into a pipe neither Rich nor PyJWT (5 and 12 MB of RSS: the memory goal of issue 13)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from feedcli.simulators.ht_market import TSE_UNIVERSE
from tests.support.cli import Simulator, login, run


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["stream", "--help"]])
def test_help_and_version_do_not_import_sink_clients(args: list[str]) -> None:
    imported = packages_imported(args)
    assert "redis" not in imported and "nats" not in imported


def packages_imported(args: list[str], env: dict[str, str] | None = None, rc: int = 0) -> set[str]:
    command = [sys.executable, "-X", "importtime", "-m", "feedcli", *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == rc, out.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in out.stderr.splitlines() if "|" in line}


def test_a_stream_into_a_pipe_imports_neither_rich_nor_pyjwt(ht_sim: Simulator, env: dict[str, str]) -> None:
    """Rich draws nothing here (no view, no progress line off a terminal without -v), and the
    stored token's expiry was read by PyJWT at login; FEEDCLI_TOKEN that is no JWT needs none."""
    stream = ["stream", "tse", "--url", ht_sim.url, "--isin", TSE_UNIVERSE[1].isin, "--limit", "2"]
    login(ht_sim, env)
    assert not {"rich", "jwt"} & packages_imported(stream, env)
    # a token that is no JWT: the simulator refuses it (exit 3), and nothing tried to decode it
    assert not {"rich", "jwt"} & packages_imported(stream, {**env, "FEEDCLI_TOKEN": "opaque-token"}, rc=3)
    assert "rich" in packages_imported([*stream, "-v"], env)  # -v: the progress notes (the test can fail)
    jwt_token = run(["auth", "token", "--url", ht_sim.url], env).stdout.strip()
    assert jwt_token.count(".") == 2
    assert "jwt" in packages_imported(stream, {**env, "FEEDCLI_TOKEN": jwt_token})  # read where it was not stored
