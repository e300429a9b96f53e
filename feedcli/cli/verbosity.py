"""`-q/--quiet` and `-v/--verbose`, which every command takes, before or after the subcommand.

- `-v` (or `FEEDCLI_DEBUG=1` in the environment): tracebacks of unexpected errors, and
  progress on stderr even when it is not a terminal.
- `-q`: nothing on stderr but the final error line, if any. Everything written to
  `sys.stderr` from then on is dropped; the entry point restores the real stream before it
  writes the error line.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

_real_stderr: Any = None
_verbose = False


class _Discard:
    """A text stream that swallows what it is given (stderr under -q)."""

    encoding = "utf-8"
    errors = "replace"

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("stderr is silenced by -q")


def verbose() -> bool:
    return _verbose or os.environ.get("FEEDCLI_DEBUG") == "1"


def quiet() -> bool:
    return _real_stderr is not None


def set_verbose(value: bool = True) -> None:
    global _verbose
    _verbose = _verbose or value


def set_quiet() -> None:
    global _real_stderr
    if _real_stderr is None:
        _real_stderr = sys.stderr
        sys.stderr = _Discard()  # type: ignore[assignment]


def restore() -> Any:
    """Give stderr back (for the final error line); the real stream."""
    global _real_stderr
    if _real_stderr is not None:
        sys.stderr = _real_stderr
        _real_stderr = None
    return sys.stderr


def _on_quiet(value: bool) -> None:
    if value:
        set_quiet()


def _on_verbose(value: bool) -> None:
    if value:
        set_verbose()


def _on_version(value: bool) -> None:
    if value:
        from feedcli import __version__

        sys.stdout.write(f"feedcli {__version__}\n")
        raise typer.Exit()


def _flags(
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            callback=_on_quiet,
            expose_value=False,
            is_eager=True,
            help="Print nothing on stderr but the final error, if any.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            callback=_on_verbose,
            expose_value=False,
            is_eager=True,
            help="Tracebacks of unexpected errors; progress even when stderr is not a terminal (also FEEDCLI_DEBUG=1).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_on_version,
            expose_value=False,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Only here for its parameters."""


_cache: list[Any] = []


def options(*, version: bool = False) -> list[Any]:
    """The Click options -q and -v (and --version for the root), shared by every command."""
    if not _cache:
        from feedcli.cli.lazy import from_function

        _cache.extend(from_function(_flags, "flags").params)
    return [p for p in _cache if version or "--version" not in p.opts]
