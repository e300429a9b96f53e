"""`python -m feedcli` behaves as the `feedcli` command."""

from feedcli.cli.entry import run

run()
