"""Fixtures shared by every test folder; the helpers they use live in tests/support/."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedcli import terminal
from tests.support.cli import Simulator, feedcli_env


def _hangup_ignored_here(signum: int, frame: object) -> None:
    """SIGHUP in a test process started by `nohup make test` (or a CI runner that ignores it)."""


# nohup's SIG_IGN would be inherited by every feedcli the tests start (an ignored signal outlives
# exec), so the tests of hangups would test nohup instead; a handler of our own keeps this
# process alive through a hangup as nohup meant, and exec gives every child SIGHUP's default
if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
    signal.signal(signal.SIGHUP, _hangup_ignored_here)

#: the stop signals' dispositions this process runs its tests with, put back after each test
_STARTED_WITH = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}


@pytest.fixture(autouse=True)
def _default_signal_dispositions() -> Iterator[None]:
    """Undo what an in-process run leaves behind: feedcli ignores SIGINT/SIGTERM/SIGHUP once a
    run has flushed (runner._StopSignals.remove), and an ignored signal is inherited by every
    process started later. A broker started after that would shrug off SIGTERM. Each goes back
    to what the process started with."""
    yield
    for sig, started in _STARTED_WITH.items():
        if signal.getsignal(sig) != started and started is not None:
            signal.signal(sig, started)
    terminal.reset()  # a test that lost its (pretend) terminal does not lose the next test's


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    return path


@pytest.fixture
def env(config_dir: Path) -> dict[str, str]:
    return feedcli_env(config_dir)


@pytest.fixture(scope="module")
def ht_sim() -> Iterator[Simulator]:
    """One well-behaved HT simulator shared by a module's tests (fast rate)."""
    with Simulator("tse", "--rate", "400", "--seed", "7") as sim:
        yield sim


@pytest.fixture(params=["picows", "aiohttp"])
def each_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test over each WebSocket client the engine has: picows (when installed) and aiohttp."""
    if request.param == "picows":
        pytest.importorskip("picows")
        monkeypatch.delenv("FEEDCLI_TRANSPORT", raising=False)
    else:
        monkeypatch.setenv("FEEDCLI_TRANSPORT", "aiohttp")
    return str(request.param)
