"""Sizes and durations as the command line takes them (feedcli.units)."""

from __future__ import annotations

import pytest

from feedcli.errors import UsageError
from feedcli.units import parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1000", 1000),
        ("1", 1),
        ("512k", 512 * 1024),
        ("512K", 512 * 1024),
        ("4KiB", 4096),
        ("4kB", 4000),
        ("100MB", 100_000_000),
        ("100M", 100 * 1024**2),
        ("1GiB", 1024**3),
        ("1.5G", int(1.5 * 1024**3)),
        (" 2 mb ", 2_000_000),
        ("10b", 10),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "0k", "-1", "abc", "10 parsecs", "1e6", "MB", "1..5M", "0.0001k"])
def test_parse_size_refuses_junk(text: str) -> None:
    with pytest.raises(UsageError):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("0.5", 0.5),
        ("30s", 30.0),
        ("15m", 900.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("1w", 604800.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("2 min", 120.0),
        ("1H", 3600.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "0", "0s", "-5", "soon", "1h30", "5 fortnights", "inf", "nan", "h"])
def test_parse_duration_refuses_junk(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)
