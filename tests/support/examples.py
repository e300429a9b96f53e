"""Running a provider document's own example client, as a user who copied it would.

The examples loop for ever and print what they receive, some as Python's `print(dict)`, some as
`json.dumps(..., indent=4)` over several lines; `run_example` runs one as a subprocess, reads the
messages back out of its output whichever way it prints them, and stops it once it has enough.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: a Python example in a document: from its imports to the `asyncio.run(...)` that starts it
#: (one pattern for a fenced block and for a document whose fences were lost in conversion)
EXAMPLE = re.compile(r"^import asyncio\n.*?^asyncio\.run\([^\n]*\)$", re.S | re.M)


def examples_in(text: str) -> list[str]:
    """The Python examples of a document, in order."""
    return EXAMPLE.findall(text)


@dataclass
class ExampleRun:
    """What an example printed: the messages it decoded, and every other line."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    stderr: str = ""


def _message(text: str) -> dict[str, Any] | None:
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def run_example(code: str, *, messages: int, timeout: float = 30.0, cwd: Path | None = None) -> ExampleRun:
    """Run `code` with this interpreter until it has printed `messages` messages (or `timeout`
    seconds have passed, or it ended), then stop it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
    )
    run = ExampleRun()
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        pending: list[str] = []
        for line in proc.stdout:
            pending.append(line.rstrip("\n"))
            message = _message("\n".join(pending))
            if message is not None:
                run.messages.append(message)
                pending = []
            elif not pending[0].startswith("{"):
                run.other.extend(pending)
                pending = []
            if len(run.messages) >= messages:
                break
        done.set()

    errors: list[str] = []

    def read_errors() -> None:
        assert proc.stderr is not None
        errors.extend(proc.stderr)

    threads = [threading.Thread(target=read, daemon=True), threading.Thread(target=read_errors, daemon=True)]
    for thread in threads:
        thread.start()
    done.wait(timeout)
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    for thread in threads:
        thread.join(5)
    run.stderr = "".join(errors)
    return run
