"""The `recv` time: its one format, reading `--from`/`--to`, and turning it into seconds for pacing.

`recv` is always `YYYY-MM-DDTHH:MM:SS.ffffffZ` (events.RecvClock): fixed width, so string
order is time order, and a replay sorts, filters and merges on the strings themselves
without building a datetime per line.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

from feedcli.errors import UsageError

#: the one `recv` format (events.RecvClock): fixed width, so string order is time order
RECV = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)
RECV_BYTES = re.compile(RECV.pattern.encode(), re.ASCII)

_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)


def parse_time(text: str, flag: str = "--from") -> str:
    """An ISO 8601 time (`2025-11-14`, `2025-11-14T08:30`, `...:00.5Z`, `...+03:30`) as a `recv` string.

    No zone means UTC, like `recv` itself: a recording is compared in the time it was
    stamped in, whatever the zone of the machine replaying it.
    """
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"{flag}: cannot read {text!r} as a time; give ISO 8601, e.g. 2025-11-14T08:30:00Z")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            # past what an offset can be: timezone() would raise, and not as a usage error
            raise UsageError(f"{flag}: {text!r} has a UTC offset out of range (-23:59 to +23:59)")
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
        )
        # the offset can take a time at either end of the calendar past year 1 or 9999
        utc = moment.astimezone(timezone.utc)
    except ValueError as exc:
        raise UsageError(f"{flag}: {text!r} is not a valid time ({exc})") from None
    except OverflowError:
        raise UsageError(f"{flag}: {text!r} is out of range (UTC must fall in the years 1 to 9999)") from None
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RecvSeconds:
    """Epoch seconds of a (validated) `recv` string; the date part is converted once per second."""

    __slots__ = ("_base", "_prefix")

    def __init__(self) -> None:
        self._prefix = ""
        self._base = 0

    def __call__(self, recv: str) -> float:
        prefix = recv[:19]
        if prefix != self._prefix:
            self._prefix = prefix
            self._base = calendar.timegm(
                (int(recv[0:4]), int(recv[5:7]), int(recv[8:10]), int(recv[11:13]), int(recv[14:16]), int(recv[17:19]))
            )
        return self._base + int(recv[20:26]) * 1e-6
