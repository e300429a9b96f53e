"""The engine's one retry policy: how long to wait before the next attempt, and what a
`Retry-After` means. Used for reconnects and for every HTTP call alike (login included).

Pure: the random draw is injected (tests pin it), and the clock only reaches
`retry_after_seconds` as an argument.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

#: the longest Retry-After honoured as given (seconds); a longer one is read as this
MAX_RETRY_AFTER = 900.0
#: 2 ** this is the largest factor the exponential grows to: far past any cap, and never
#: an overflow after a week of failed attempts
_MAX_EXPONENT = 60


def is_throttle(status: int) -> bool:
    """An HTTP status that means "not now": 429 or 418 (Binance's ban) or a 5xx."""
    return status in (418, 429) or status >= 500


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A `Retry-After` header in seconds: a number of seconds or an HTTP date (None if neither)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may come without a zone
        from datetime import timezone

        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class Backoff:
    """Capped full-jitter exponential backoff, and Retry-After honoured within a bound.

    Full jitter (a uniform draw between 0 and the capped exponential) keeps many clients
    that lost the same server from coming back in step; the cap keeps a long outage from
    growing the wait to hours.
    """

    base: float = 0.5
    cap: float = 30.0
    #: a server's Retry-After longer than this is read as this
    max_retry_after: float = MAX_RETRY_AFTER
    #: the random draw `uniform(low, high)`; tests give their own
    uniform: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def ceiling(self, attempt: int) -> float:
        """The longest wait before the `attempt`-th attempt (1-based)."""
        return min(self.cap, self.base * 2.0 ** min(max(attempt - 1, 0), _MAX_EXPONENT))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the `attempt`-th attempt; at least `retry_after`, within bounds."""
        wait = self.uniform(0.0, self.ceiling(attempt))
        if retry_after is not None:
            # the server said when: honour it (a rate limit ignored turns into a ban), within reason
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait
