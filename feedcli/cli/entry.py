"""The console-script entry point.

`feedcli --version` is answered before Typer, Rich and the network stack are imported:
scripts call it to check the tool is there, and it should cost milliseconds, not a second.
Every FeedError becomes one line on stderr and its documented exit code.
"""

from __future__ import annotations

import os
import re
import sys

#: the code Typer gives a KeyboardInterrupt (128 + SIGINT)
INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from feedcli import __version__

        sys.stdout.write(f"feedcli {__version__}\n")
        return 0

    import typer

    from feedcli.cli import verbosity
    from feedcli.cli.app import command

    try:
        code = command().main(args=args, prog_name="feedcli", standalone_mode=False)
        if code == INTERRUPTED:
            # Typer turns a Ctrl-C outside a run (while a command starts) into exit 130 and,
            # not standalone, returns it; feedcli never exits 130 itself, and an interruption
            # by the user is exit 0 (CONTRACT.md), as it is once the run has started
            verbosity.restore().write("\nfeedcli: interrupted\n")
            return 0
        if isinstance(code, int):  # a typer.Exit(N) inside a command comes back as its code
            return code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # Typer's (vendored Click's) usage errors: exit 2
        quiet = verbosity.quiet()
        err = verbosity.restore()
        if hasattr(exc, "message"):
            exc.message = plain_words(exc.message)
        show = getattr(exc, "show", None)
        if quiet and hasattr(exc, "format_message"):
            err.write(f"feedcli: {exc.format_message()}\n")  # -q: the error line alone
        elif show is not None:
            show()
        else:
            sys.stderr.write(f"feedcli: {exc}\n")
        return getattr(exc, "exit_code", 2)
    except typer.Abort:
        verbosity.restore().write("\nfeedcli: interrupted\n")
        return 0
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        # the reader went away (`feedcli providers | head -1`): not an error of ours
        _silence_stdout()
        return 0
    except Exception as exc:  # the one place errors are caught, for a one-line message
        from feedcli.errors import FeedError
        from feedcli.safe_text import printable

        verbose = verbosity.verbose()
        err = verbosity.restore()
        if isinstance(exc, FeedError):
            if verbose:
                import traceback

                traceback.print_exc(file=err)
            err.write(f"feedcli: {printable(str(exc))}\n")  # may quote a server: no raw escapes
            return exc.exit_code
        if verbose:
            import traceback

            traceback.print_exc(file=err)
        detail = printable(f"{exc.__class__.__name__}: {exc}")
        err.write(f"feedcli: unexpected error: {detail} (run with -v for details)\n")
        return 1
    return 0


#: the validation library's phrases in Typer's errors, and ours in their place
_PHRASES = (
    (re.compile(r"^Value error, "), ""),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be less than \1"),
    (re.compile(r"Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"Input should be a valid number.*"), "must be a number"),
    (re.compile(r"Input should be a valid boolean.*"), "must be true or false"),
    (re.compile(r"Input should be "), "must be "),
)


def plain_words(message: str) -> str:
    """A usage error as a person would say it: no "Value error," or "Input should be"."""
    for pattern, replacement in _PHRASES:
        message = pattern.sub(replacement, message)
    return message


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
