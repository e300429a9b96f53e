"""A provider's wall-clock timestamps as UTC: `2025-11-14T12:00:00.000000` in Tehran → `…08:30:00.000000Z`.

HT Data Engine writes Tehran wall time without an offset; a line's `ts` is UTC with `Z` for
every provider (CONTRACT.md). The conversion runs once per message, so it is cached by the
minute: every zone's offset is a whole number of minutes (Tehran's +03:30, +04:30 in summer
before 2023), so the seconds and their fraction carry over unchanged, and only the first
message of each minute pays for the zone database. A one-entry cache is enough: messages come
in time order, and all of a minute's messages share the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone, tzinfo

#: a second's two digits, as the fast paths check them (one character each: `in` is a search)
_TENS = "012345"
_UNITS = "0123456789"


class ToUtc:
    """Converts a provider's timestamps to ISO 8601 UTC with `Z`; `zone` is the zone of those
    without an offset (called once, when first needed, so a record can point at it cheaply)."""

    __slots__ = ("_minute", "_utc_minute", "_zone", "_zone_of")

    def __init__(self, zone: Callable[[], tzinfo]) -> None:
        self._zone_of = zone
        self._zone: tzinfo | None = None
        self._minute = ""
        self._utc_minute = ""

    def __call__(self, ts: str) -> str | None:
        """`ts` in UTC with `Z`; text already ending in `Z` as it is; None for what is not a time."""
        # the hottest path: HT's own form, `YYYY-MM-DDTHH:MM:SS.ffffff`, in the cached minute
        # (the seconds below 60, as `datetime` reads them: `_slow` refuses a leap second's 60)
        if (
            ts[:16] == self._minute
            and len(ts) == 26
            and ts[16] == ":"
            and ts[17] in _TENS
            and ts[18] in _UNITS
            and ts[19] == "."
            and ts[20:].isdigit()
        ):
            return f"{self._utc_minute}{ts[16:]}Z"
        if ts[-1:] == "Z":
            return ts
        # the hot path: naive "YYYY-MM-DDTHH:MM:SS[.ffffff]" (a space for the T allowed)
        minute, rest = ts[:16], ts[16:]
        if len(ts) >= 19 and rest[0] == ":" and rest[1] in _TENS and rest[2] in _UNITS and _plain_fraction(rest[3:]):
            if minute == self._minute:
                return f"{self._utc_minute}{rest}Z"
            try:
                local = datetime.strptime(minute.replace(" ", "T"), "%Y-%m-%dT%H:%M")
            except ValueError:
                return self._slow(ts)
            if self._zone is None:
                self._zone = self._zone_of()
            try:
                utc = local.replace(tzinfo=self._zone).astimezone(timezone.utc)
            except (OverflowError, ValueError):  # the first or last hours of year 1 or 9999
                return None
            self._minute, self._utc_minute = minute, utc.strftime("%Y-%m-%dT%H:%M")
            return f"{self._utc_minute}{rest}Z"
        return self._slow(ts)

    def _slow(self, ts: str) -> str | None:
        """Anything else ISO 8601 reads (an offset, a date alone), with microseconds."""
        moment = read_moment(ts, None)
        if moment is None:
            return None
        if moment.tzinfo is None:
            if self._zone is None:
                self._zone = self._zone_of()
            moment = moment.replace(tzinfo=self._zone)
        try:
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        except (OverflowError, ValueError):
            return None


def _plain_fraction(text: str) -> bool:
    """Nothing, or `.` and digits: no offset follows the seconds."""
    return not text or (text[0] == "." and text[1:].isdigit())


def utc_of(ts: str | None, zone: tzinfo) -> str | None:
    """One timestamp, uncached (a recording's line, a test)."""
    if not ts:
        return None
    return ToUtc(lambda: zone)(ts)


def utc_moment(ts: object) -> datetime | None:
    """A line's `ts` (ISO 8601, `Z` or an offset; naive read as UTC) as an aware time; None if it is none.

    The replay simulators turn recorded times back into a venue's epoch numbers with it; each
    keeps its own rounding to milliseconds (its wire format's).
    """
    if not isinstance(ts, str) or not ts:
        return None
    return read_moment(ts)


def read_moment(text: str, zone: tzinfo | None = timezone.utc) -> datetime | None:
    """ISO 8601 text as a datetime: `Z` (or `z`) is UTC, an offset is kept, and a time without
    one is read in `zone` (None: left naive, for a caller that looks its zone up only then);
    None for text ISO 8601 does not read."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    return moment
