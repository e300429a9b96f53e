"""The error hierarchy, one class per documented exit code.

Every failure a user can meet is raised as one of these, so the CLI layer maps an
exception to CONTRACT.md's exit code in one place and prints one line, never a traceback.
"""

from __future__ import annotations


class FeedError(Exception):
    """Base class: an error with a one-line message and an exit code."""

    exit_code = 1


class UsageError(FeedError):
    """Bad usage: unknown option, malformed selector, unreadable file (exit 2)."""

    exit_code = 2


class AuthError(FeedError):
    """The provider refused our credentials (exit 3)."""

    exit_code = 3


class SubscriptionError(FeedError):
    """The provider refused what we asked for: a symbol, contract or channel (exit 4)."""

    exit_code = 4


class RetriesExhausted(FeedError):
    """`--max-retries` attempts in a row failed (exit 5).

    `reason` is why the last attempt failed, `retries` how many retries were made, and
    `answered` whether the server did answer (a rate limit, a 5xx) rather than not at all:
    what a one-shot exchange (`login`, `search`) needs to word its own message.
    """

    exit_code = 5

    def __init__(self, message: str, *, reason: str = "", retries: int = 0, answered: bool = False) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.retries = retries
        self.answered = answered


class MalformedFrame(Exception):
    """A frame the codec cannot read. Counted and reported, never fatal."""


class ProviderError(FeedError):
    """The provider's server misbehaved in a way retrying will not fix (exit 1)."""
