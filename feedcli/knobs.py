"""Test knobs: environment variables that shorten a protocol's timers in tests.

Read only by the CLI (which hands them to codecs through `prepare`'s `tuning`) and by the
simulators; a codec never reads the environment. Each knob is documented where its provider
is, in the README.
"""

from __future__ import annotations

import os
from typing import overload


@overload
def env_seconds(name: str) -> float | None: ...


@overload
def env_seconds(name: str, default: float) -> float: ...


def env_seconds(name: str, default: float | None = None) -> float | None:
    """A positive number of seconds from the environment variable `name`, else `default`."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default
