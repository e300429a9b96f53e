"""`epoch_iso` caches the second's text: it must say exactly what a datetime would say."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from feedcli.events import RecvClock, epoch_iso, epoch_ms_iso


def _reference(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(st.floats(min_value=-1e10, max_value=9e10, allow_nan=False))
def test_float_seconds_match_datetime_rounding(seconds: float) -> None:
    assert epoch_iso(seconds) == _reference(seconds)


@given(st.floats(min_value=1e11, max_value=9e13))
def test_float_milliseconds_match_datetime_rounding(ms: float) -> None:
    assert epoch_iso(ms) == _reference(ms / 1e3)


@given(st.integers(min_value=10**11, max_value=9 * 10**13))
def test_integer_milliseconds_are_exact(ms: int) -> None:
    sec, rest = divmod(ms, 1000)
    assert epoch_iso(ms) == _reference(sec)[:-7] + f"{rest:03d}000Z"


@given(st.integers(min_value=10**14, max_value=9 * 10**16))
def test_integer_microseconds_are_exact(us: int) -> None:
    sec, rest = divmod(us, 1_000_000)
    assert epoch_iso(us) == _reference(sec)[:-7] + f"{rest:06d}Z"


def test_integer_nanoseconds_are_cut_to_the_microsecond() -> None:
    assert epoch_iso(1_763_109_000_123_456_789) == "2025-11-14T08:30:00.123456Z"


def test_whole_seconds_and_the_cache_across_seconds() -> None:
    assert epoch_iso(1763109000) == "2025-11-14T08:30:00.000000Z"
    assert epoch_iso(1763109000999) == "2025-11-14T08:30:00.999000Z"
    assert epoch_iso(1763109001000) == "2025-11-14T08:30:01.000000Z"
    assert epoch_iso(1763109000.9999997) == "2025-11-14T08:30:01.000000Z"  # rounds into the next second
    assert epoch_iso(-1) == "1969-12-31T23:59:59.000000Z"
    assert epoch_iso(-1.5) == "1969-12-31T23:59:58.500000Z"


def test_out_of_range_and_not_a_number_are_none() -> None:
    assert epoch_iso(float("nan")) is None
    assert epoch_iso(float("inf")) is None
    assert epoch_iso(10**30) is None


def test_recv_clock_formats_like_datetime() -> None:
    clock = RecvClock()
    for t in (1763109000.0, 1763109000.5, 1763109001.25, 1763109000.000001):
        assert clock.format(t) == _reference(int(t))[:-7] + f"{int((t - int(t)) * 1_000_000):06d}Z"


@given(st.integers(min_value=-(2**63), max_value=2**64))
def test_epoch_ms_iso_is_epoch_iso_of_the_seconds(ms: int) -> None:
    assert epoch_ms_iso(ms) == epoch_iso(ms / 1000)


@given(st.integers(min_value=0, max_value=2**32 * 1000 + 10**6))
def test_epoch_ms_iso_in_and_around_its_exact_range(ms: int) -> None:
    assert epoch_ms_iso(ms) == epoch_iso(ms / 1000)


def test_epoch_ms_iso_edges() -> None:
    edge = 2**32 * 1000
    for ms in (0, 1, 999, 1000, 10**11 - 1, 10**11, 1672515782136, edge - 1, edge, edge + 1, -1, -1000, 10**14):
        assert epoch_ms_iso(ms) == epoch_iso(ms / 1000), ms
    assert epoch_ms_iso(1672515782136) == "2022-12-31T19:43:02.136000Z"
    assert epoch_ms_iso(True) == epoch_iso(True / 1000)  # not an int: epoch_iso's own reading
    assert epoch_ms_iso(1.5e12) == epoch_iso(1.5e12 / 1000)  # type: ignore[arg-type]
