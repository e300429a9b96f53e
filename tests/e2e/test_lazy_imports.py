"""`feedcli --version` and `--help` never import the sink clients (redis-py, nats-py)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["stream", "--help"]])
def test_help_and_version_do_not_import_sink_clients(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "feedcli", *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in out.stderr.splitlines() if "|" in line}
    assert "redis" not in imported and "nats" not in imported
