"""`feedcli demo` in a real terminal: tmux at 80×24, the screen read back with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from feedcli.simulators.ht_market import TSE_UNIVERSE
from tests.support.cli import ROOT, wait_for

pytestmark = pytest.mark.tmux


@pytest.fixture
def tmux():
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing: scripts/install-system-packages installs it")
        pytest.skip("tmux is not installed (scripts/install-system-packages installs it)")
    socket = f"feedcli-test-{uuid.uuid4().hex[:8]}"

    def tmux_cmd(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10, check=False
        ).stdout

    yield tmux_cmd
    tmux_cmd("kill-server")


def test_demo_draws_every_symbol_in_80x24_and_exits_0_on_ctrl_c(tmux, tmp_path) -> None:
    command = (
        f"cd {ROOT} && env TERM=xterm-256color FEEDCLI_CONFIG_DIR={tmp_path} "
        f"{sys.executable} -m feedcli demo --seed 3 --rate 200; echo EXIT=$?; sleep 60"
    )
    tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", command)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "demo")

    names = [i.name for i in TSE_UNIVERSE]
    assert wait_for(lambda: all(n in screen() for n in names) and "connected" in screen(), timeout=20), screen()
    shown = screen()
    rows = shown.splitlines()
    assert len(rows) <= 24 and all(len(r) <= 80 for r in rows)
    assert "msg/s" in shown and "Bid" in shown and "Ask" in shown
    status = next(r for r in rows if "connected" in r)
    assert "tse" in status
    assert "Traceback" not in shown

    tmux("send-keys", "-t", "demo", "C-c")
    assert wait_for(lambda: "EXIT=" in screen(), timeout=15), screen()
    assert "EXIT=0" in screen()


def test_keys_move_the_focus_filter_list_and_quit(tmux, tmp_path) -> None:
    """One run under tmux: the keys arrive through a real terminal (send-keys), read back with
    capture-pane. The frames themselves are tested as text in tests/unit/views/test_keys.py."""
    command = (
        f"cd {ROOT} && env -u COLUMNS -u LINES TERM=xterm-256color FEEDCLI_CONFIG_DIR={tmp_path} "
        f"{sys.executable} -m feedcli demo --seed 3 --rate 200 --tz Asia/Tehran; echo EXIT=$?; sleep 60"
    )
    tmux("new-session", "-d", "-s", "keys", "-x", "130", "-y", "30", command)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "keys")

    def focused() -> list[str]:
        """The focus panel's symbol, from one capture (none while a frame is half drawn)."""
        title = next((line for line in screen().splitlines() if line.startswith("╭")), "")
        return title.split()[1:2]

    names = [i.name for i in TSE_UNIVERSE]
    assert wait_for(lambda: all(n in screen() for n in names) and focused(), timeout=20), screen()
    # the status clock says its zone (once the status bar has its full width)
    assert wait_for(lambda: screen().rstrip().splitlines()[-1].rstrip().endswith("+0330"), timeout=10), screen()
    first = focused()
    assert first, screen()
    tmux("send-keys", "-t", "keys", "j")
    assert wait_for(lambda: focused() not in ([], first), timeout=10), screen()
    tmux("send-keys", "-t", "keys", "Up")
    assert wait_for(lambda: focused() == first, timeout=10), screen()

    wanted = names[-1]
    tmux("send-keys", "-t", "keys", "/", *wanted[:3])
    assert wait_for(lambda: f"/{wanted[:3]}" in screen(), timeout=10), screen()
    tmux("send-keys", "-t", "keys", "Enter")
    filtered = lambda: "filter " in screen() and names[0] not in screen().replace(wanted, "")  # noqa: E731
    assert wait_for(filtered, timeout=10), screen()
    tmux("send-keys", "-t", "keys", "?")
    assert wait_for(lambda: "filter the symbols" in screen(), timeout=10), screen()
    tmux("send-keys", "-t", "keys", "x")  # any key closes the list
    assert wait_for(lambda: "filter the symbols" not in screen(), timeout=10), screen()
    tmux("send-keys", "-t", "keys", "q")
    assert wait_for(lambda: "EXIT=" in screen(), timeout=15), screen()
    assert "EXIT=0" in screen()
