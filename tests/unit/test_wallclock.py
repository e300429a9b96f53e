"""`read_moment`: the one reading of ISO 8601 times that the views, the replay simulators and
Datafye's history share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from feedcli.wallclock import ToUtc, read_moment, utc_moment

TEHRAN = timezone(timedelta(hours=3, minutes=30))


def test_z_of_either_case_is_utc_and_an_offset_is_kept() -> None:
    utc = datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    assert read_moment("2025-11-14T08:30:00Z") == utc
    assert read_moment("2025-11-14T08:30:00z") == utc
    assert read_moment("2025-11-14T12:00:00+03:30") == utc
    assert read_moment("2025-11-14T12:00:00+03:30", TEHRAN) == utc


def test_a_time_without_an_offset_is_in_the_zone_given_or_left_naive() -> None:
    assert read_moment("2025-11-14T12:00:00") == datetime(2025, 11, 14, 12, tzinfo=timezone.utc)
    assert read_moment("2025-11-14T12:00:00", TEHRAN) == datetime(2025, 11, 14, 8, 30, tzinfo=timezone.utc)
    naive = read_moment("2025-11-14T12:00:00", None)
    assert naive == datetime(2025, 11, 14, 12) and naive.tzinfo is None


def test_what_is_not_a_time_is_none() -> None:
    for text in ("", "Z", "yesterday", "2025-13-01T00:00:00Z"):
        assert read_moment(text) is None
    assert utc_moment(None) is None and utc_moment("") is None and utc_moment(5) is None


def test_seconds_past_59_are_no_time_on_every_path() -> None:
    """The cached paths check the seconds as `datetime` does: `…:99` is not a time (not
    `…08:30:99.000000Z`), whether or not its minute was converted just before."""
    to_utc = ToUtc(lambda: TEHRAN)
    assert to_utc("2025-11-14T12:00:00.000000") == "2025-11-14T08:30:00.000000Z"  # the minute cached
    for text in ("2025-11-14T12:00:99.000000", "2025-11-14T12:00:60.000000", "2025-11-14T12:00:6x.000000"):
        assert to_utc(text) is None, text
        assert ToUtc(lambda: TEHRAN)(text) is None, text  # uncached
        assert to_utc(text[:19]) is None, text  # no fraction
    assert to_utc("2025-11-14T12:00:59.999999") == "2025-11-14T08:30:59.999999Z"
