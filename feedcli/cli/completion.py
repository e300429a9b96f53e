"""`feedcli completion bash|zsh|fish`: print the shell's completion script.

The scripts are generated from the command tree (`feedcli.completion_scripts`) and ship
inside the package, so this only reads a file: no command module is imported.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.", show_default=False)]) -> None:
    """Print the completion script of a shell on stdout. The scripts are static: completing
    costs no Python start-up per key press.

    Examples:

      source <(feedcli completion bash)                              # bash, this shell only

      feedcli completion bash > ~/.local/share/bash-completion/completions/feedcli

      feedcli completion zsh > ~/.zfunc/_feedcli   # with fpath+=(~/.zfunc) before compinit in ~/.zshrc

      feedcli completion fish > ~/.config/fish/completions/feedcli.fish
    """
    from importlib import resources

    from feedcli.completion_scripts import script_filename

    text = resources.files("feedcli").joinpath("completions", script_filename(shell.value)).read_text(encoding="utf-8")
    sys.stdout.write(text)
    sys.stdout.flush()
