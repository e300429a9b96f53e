"""The console-script entry point.

`feedcli --version` is answered before Typer, Rich and the network stack are imported:
scripts call it to check the tool is there, and it should cost milliseconds, not a second.
Every FeedError becomes one line on stderr and its documented exit code.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from feedcli import __version__

        sys.stdout.write(f"feedcli {__version__}\n")
        return 0
    leading = args[: next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))]
    verbose = "-v" in leading or "--verbose" in leading or os.environ.get("FEEDCLI_DEBUG") == "1"

    import typer

    from feedcli.cli.app import command
    from feedcli.errors import FeedError
    from feedcli.safe_text import printable

    try:
        code = command().main(args=args, prog_name="feedcli", standalone_mode=False)
        if isinstance(code, int):  # a typer.Exit(N) inside a command comes back as its code
            return code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # Typer's (vendored Click's) usage errors: exit 2
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"feedcli: {exc}\n")
        return getattr(exc, "exit_code", 2)
    except typer.Abort:
        sys.stderr.write("\nfeedcli: interrupted\n")
        return 0
    except FeedError as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"feedcli: {printable(str(exc))}\n")  # may quote a server: no raw escapes
        return exc.exit_code
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        # the reader went away (`feedcli providers | head -1`): not an error of ours
        _silence_stdout()
        return 0
    except Exception as exc:  # the one place unexpected errors are caught, for a one-line message
        if verbose:
            import traceback

            traceback.print_exc()
        detail = printable(f"{exc.__class__.__name__}: {exc}")
        sys.stderr.write(f"feedcli: unexpected error: {detail} (run with -v for details)\n")
        return 1
    return 0


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
