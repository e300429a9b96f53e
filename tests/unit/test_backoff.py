"""The engine's one retry policy: jittered capped backoff and Retry-After in both its forms."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from feedcli.backoff import MAX_RETRY_AFTER, Backoff, is_throttle, retry_after_seconds

NOW = 1_763_109_000.0  # 2025-11-14T08:30:00Z


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1", 1.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),  # a date in the past or a negative number: no wait, never a negative one
        (format_datetime(datetime.fromtimestamp(NOW + 90, tz=timezone.utc), usegmt=True), 90.0),
        ("Fri, 14 Nov 2025 08:31:00 GMT", 60.0),
        ("Friday, 14-Nov-25 08:30:30 GMT", 30.0),  # RFC 850, which RFC 9110 still asks readers to accept
        ("Fri Nov 14 08:30:45 2025", 45.0),  # asctime, without a zone: GMT
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "Fri, 99 Nov 2025 08:31:00 GMT"])
def test_retry_after_that_means_nothing_is_none(value: str | None) -> None:
    assert retry_after_seconds(value, NOW) is None


@pytest.mark.parametrize(("status", "throttle"), [(429, True), (418, True), (500, True), (503, True), (404, False)])
def test_throttle_statuses(status: int, throttle: bool) -> None:
    assert is_throttle(status) is throttle


def test_the_draw_is_uniform_between_zero_and_the_capped_exponential() -> None:
    asked: list[tuple[float, float]] = []

    def draw(low: float, high: float) -> float:
        asked.append((low, high))
        return high * 0.25

    policy = Backoff(base=0.5, cap=3.0, uniform=draw)
    delays = [policy.delay(n) for n in range(1, 7)]
    assert asked == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0), (0.0, 3.0), (0.0, 3.0)]
    assert delays == [0.125, 0.25, 0.5, 0.75, 0.75, 0.75]


def test_retry_after_is_honoured_within_its_bound() -> None:
    policy = Backoff(base=0.5, cap=30.0, max_retry_after=30.0, uniform=lambda low, high: low)
    assert policy.delay(1, 7.0) == 7.0
    assert policy.delay(1, 600.0) == 30.0  # a longer one is read as the bound
    assert Backoff(uniform=lambda low, high: low).delay(1, 10_000.0) == MAX_RETRY_AFTER
    # a server that says "now" does not cut the jittered wait short
    assert Backoff(base=1.0, uniform=lambda low, high: high).delay(3, 0.0) == 4.0


def test_a_week_of_failed_attempts_still_waits_the_cap() -> None:
    # 2 ** 1024 does not fit a float: an uncapped exponent would end the stream with OverflowError
    policy = Backoff(base=0.5, cap=30.0, uniform=lambda low, high: high)
    assert policy.delay(5000) == 30.0
    assert policy.delay(10**9) == 30.0


def test_a_date_without_a_zone_is_gmt_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 9110's obsolete forms carry no zone and mean GMT, not the machine's local time
    (a machine in Tehran must not wait three and a half hours more)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tehran")
    time.tzset()
    try:
        assert retry_after_seconds("Fri Nov 14 08:30:45 2025", NOW) == pytest.approx(45.0)
    finally:
        monkeypatch.undo()
        time.tzset()
