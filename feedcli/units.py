"""Sizes and durations as people type them on a command line: `100MB`, `1GiB`, `90`, `1h30m`.

Kept apart from any command or sink because several options take them (`--rotate-size`,
`--rotate-interval`, and every duration option once they all accept units); a bad value is
a UsageError (exit 2) with one line that shows what would have been accepted.
"""

from __future__ import annotations

import math
import re

from feedcli.errors import UsageError

_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*")
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
    "tb": 1000**4,
}


def parse_size(text: str) -> int:
    """`--rotate-size`: a byte count such as `1000`, `512k`, `100MB`, `1GiB`, `1.5G`.

    The units follow GNU coreutils (`split -b`, `head -c`), which is what people type them
    from: a bare letter or an `iB` suffix is binary (`k` = `KiB` = 1024), a `B` suffix is
    decimal (`kB` = 1000, `MB` = 10^6). Case does not matter. A UsageError (exit 2) for
    anything else, and for sizes under one byte.
    """
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _SIZE_UNITS:
        raise UsageError(f"invalid size {text!r}: use a number of bytes, or e.g. 512k, 100MB, 1GiB")
    size = int(float(match.group(1)) * _SIZE_UNITS[unit])
    if size < 1:
        raise UsageError(f"invalid size {text!r}: it must be at least one byte")
    return size


_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_DURATION_PART = re.compile(rf"({_NUMBER})\s*(ms|sec|min|hr|s|m|h|d|w)")
_DURATION = re.compile(rf"\s*(?:{_NUMBER}\s*(?:ms|sec|min|hr|s|m|h|d|w)\s*)+")


def parse_duration(text: str) -> float:
    """A duration: seconds as `90`, or with units: `30s`, `1.5m`, `15m`, `1h`, `1d`, `1h30m`, `500ms`.

    A bare number is seconds, like `--duration`. A UsageError (exit 2) for anything else
    and for durations that are not positive.
    """
    lowered = text.strip().lower()
    if re.fullmatch(_NUMBER, lowered):
        seconds = float(lowered)
    elif _DURATION.fullmatch(lowered):
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(lowered))
    else:
        raise UsageError(f"invalid duration {text!r}: use seconds, or e.g. 30s, 15m, 1h, 1d")
    if not seconds > 0 or math.isinf(seconds):
        raise UsageError(f"invalid duration {text!r}: it must be more than zero")
    return seconds
