"""The Typer application: commands assembled from one module each."""

from __future__ import annotations

from typing import Annotated

import typer

from feedcli import __version__
from feedcli.cli import auth_cmd, demo, login, providers_cmd, record, replay, search, simulate, stream

app = typer.Typer(
    name="feedcli",
    help="Real-time market data on the command line: log in, stream, record, replay, simulate.\n\n"
    "Start with `feedcli demo`. Output is NDJSON when piped, a live view on a terminal.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"feedcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected errors.")] = False,
) -> None:
    """feedcli: real-time market data on the command line."""


app.command("login")(login.login)
app.command("logout")(login.logout)
app.add_typer(auth_cmd.app)
app.add_typer(stream.app)
app.add_typer(record.app)
app.command("replay")(replay.replay)
app.add_typer(simulate.app)
app.command("demo")(demo.demo)
app.command("providers")(providers_cmd.providers)
app.command("search")(search.search)


def command() -> typer.core.TyperGroup:
    """The Click command behind the app (for the entry point and the completion generator)."""
    return typer.main.get_command(app)
