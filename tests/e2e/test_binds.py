"""Servers listen on loopback unless told `--public` (issue 12 item 5; CONTRACT.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedcli.binds import check_bind, is_loopback
from feedcli.errors import UsageError
from tests.support.cli import Simulator, run

RECORDING = (
    b'{"provider":"tse","channel":"aggregate","symbol":"IRO1FOLD0001","ts":null,'
    b'"recv":"2025-11-14T08:30:00.000000Z","data":{"n":1}}\n'
)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", ""])
def test_simulate_on_an_address_that_is_not_loopback_is_refused_without_public(host: str, env) -> None:
    result = run(["simulate", "tse", "--host", host, "--port", "0"], env, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--public" in result.stderr and "not a loopback address" in result.stderr


@pytest.mark.parametrize("address", ["0.0.0.0:0", "[::]:0", "192.0.2.10:0"])
def test_replay_serve_on_an_address_that_is_not_loopback_is_refused_without_public(
    address: str, tmp_path: Path, env
) -> None:
    path = tmp_path / "rec.ndjson"
    path.write_bytes(RECORDING)
    result = run(["replay", "--serve", address, str(path)], env, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--public" in result.stderr


def test_public_goes_with_serve(tmp_path: Path, env) -> None:
    path = tmp_path / "rec.ndjson"
    path.write_bytes(RECORDING)
    result = run(["replay", "--public", "--speed", "0", str(path)], env)
    assert result.returncode == 2
    assert "--public goes with --serve" in result.stderr


def test_loopback_addresses_need_no_public_and_get_no_warning(env) -> None:
    with Simulator("tse", "--host", "127.0.0.1", env=env) as sim:
        assert sim.proc.poll() is None
    assert not any("warning" in line for line in sim.rest), sim.rest


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "::1", "[::1]", "localhost"])
def test_loopback_names_and_addresses(host: str) -> None:
    assert is_loopback(host)
    assert check_bind(host, False, "x", "--host") is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.1", "192.0.2.10"])
def test_other_addresses_are_refused_or_warned_about(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(UsageError, match="--public"):
        check_bind(host, False, "the recording", "--serve")
    warning = check_bind(host, True, "the recording", "--serve")
    assert warning is not None and "warning" in warning and "the recording" in warning
