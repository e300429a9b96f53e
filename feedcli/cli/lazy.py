"""The command tree, loaded one branch at a time, and the help every command shares.

Why lazy: `feedcli --help` used to import every command module, every provider, the
network stack and Rich (about 300 ms); a user typing `--help` waits for none of that now.
The root group knows its commands by name and one-line summary; a command's module is
imported when that command runs or shows its own help, and `stream tse --help` builds the
tse subcommand alone (`ProviderGroup`).

Every command built here is also "polished" once, in one place:

- help is Click's plain formatter, not Rich (Rich costs ~50 ms to import), with examples
  kept line by line after the options, as gh shows them;
- no library wording: value placeholders are words (`N`, `DURATION`, `auto|ndjson|view`),
  never `<bool>` or `<float range>`; flags show as flags; ranges are said in the help text;
- `-q/--quiet` and `-v/--verbose` are accepted by every command, before or after the
  subcommand (`feedcli.cli.verbosity`).
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Callable
from typing import Any

import typer
import typer.core

from feedcli.cli import verbosity

#: name → ("module:attribute", one-line summary), in the order `feedcli --help` lists them.
#: The attribute is a Typer app, a Click command, a function (a one-command app), or a
#: function named `command` returning a Click command (the provider groups).
COMMANDS: dict[str, tuple[str, str]] = {
    "stream": ("feedcli.cli.stream:command", "Stream live data as NDJSON (piped) or a live view (terminal)."),
    "record": (
        "feedcli.cli.record:command",
        "Record a stream to NDJSON files: rotated, compressed, synced.",
    ),
    "replay": ("feedcli.cli.replay:replay", "Play recordings back, paced by their receive times, or serve them."),
    "export": ("feedcli.cli.export:export", "Export recordings to one Parquet or CSV table of one kind of data."),
    "search": ("feedcli.cli.search:search", "Search a provider's instruments by name, ticker or ISIN."),
    "providers": ("feedcli.cli.providers_cmd:providers", "List the providers, their selectors, channels and paths."),
    "demo": ("feedcli.cli.demo:demo", "Watch a simulated market live: no account, no network, no set-up."),
    "simulate": ("feedcli.cli.simulate:app", "Serve a provider's real protocol on loopback with simulated data."),
    "login": ("feedcli.cli.login:login", "Log in and store the credentials for a profile (mode 0600)."),
    "logout": ("feedcli.cli.login:logout", "Forget stored credentials: every host's, or one host's with --url."),
    "auth": ("feedcli.cli.auth_cmd:app", "Log in and out, see where you are logged in, print a token."),
    "completion": ("feedcli.cli.completion:completion", "Print the shell completion script for bash, zsh or fish."),
}

EXAMPLES = "Examples:"


def load(target: str, name: str) -> Any:
    """The Click command behind `module:attribute`, named `name`."""
    module, _, attribute = target.partition(":")
    obj = getattr(importlib.import_module(module), attribute)
    if isinstance(obj, typer.Typer):
        cmd = typer.main.get_command(obj)
    elif attribute == "command" and callable(obj):
        cmd = obj()
    elif callable(obj) and not hasattr(obj, "main"):
        cmd = from_function(obj, name)
    else:
        cmd = obj
    cmd.name = name
    return cmd


def from_function(function: Callable[..., Any], name: str, **settings: Any) -> Any:
    """A Click command from a Typer-annotated function (a one-command Typer app)."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command(name, **settings)(function)
    return typer.main.get_command(app)


class PlainHelp:
    """Help as gh lays it out: usage, what it does, the options, then the examples verbatim."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)  # type: ignore[attr-defined]
        prose, examples = split_examples(self.help or "")  # type: ignore[attr-defined]
        if prose:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(prose)
        self.format_options(ctx, formatter)  # type: ignore[attr-defined]
        if examples:
            with formatter.section("Examples"):
                for line in examples:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
        self.format_epilog(ctx, formatter)  # type: ignore[attr-defined]


def split_examples(text: str) -> tuple[str, list[str]]:
    """The prose of a help text, and its example lines (after `Examples:`, blank lines dropped)."""
    text = inspect.cleandoc(text).partition("\f")[0]
    prose, found, rest = text.partition(EXAMPLES)
    lines = [line.strip() for line in rest.splitlines() if line.strip()] if found else []
    return prose.strip(), lines


class FeedCommand(PlainHelp, typer.core.TyperCommand):
    pass


class FeedGroup(PlainHelp, typer.core.TyperGroup):
    pass


class LazyGroup(FeedGroup):
    """A group whose commands are built on first use: `feedcli` itself, and `stream`/`record`.

    `names()` lists the commands without importing them, `build(name)` makes one, and
    `summary(name)` is its line in the group's help.
    """

    def __init__(
        self,
        *,
        names: Callable[[], list[str]],
        build: Callable[[str], Any],
        summary: Callable[[str], str],
        **attrs: Any,
    ) -> None:
        super().__init__(**attrs)
        self._names = names
        self._build = build
        self._summary = summary

    def list_commands(self, ctx: Any) -> list[str]:
        return self._names()

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self.commands.get(cmd_name) is None and cmd_name in self._names():
            self.commands[cmd_name] = polish(self._build(cmd_name))
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in self._names():
            self.get_command(ctx, args[0])
        missing = [name for name in self._names() if name not in self.commands]
        for name in missing:  # suggestions ("did you mean ...") need the names, not the modules
            self.commands[name] = None  # type: ignore[assignment]
        try:
            return super().resolve_command(ctx, args)
        finally:
            for name in missing:
                if self.commands.get(name) is None:
                    self.commands.pop(name, None)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, self._summary(name)) for name in self._names()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _cheap_flags() -> None:
    """Typer 0.29 checks every parameter value with a pydantic TypeAdapter, built on first use:
    importing pydantic costs 100-250 ms, which `stream tse --help` paid only to learn that the
    parent groups' unset `--help` and `-q` flags are None or False. A flag's value is already
    a bool or None: it gets a plain check, and pydantic is imported only when a command
    really has values to check. If Typer's internals change, this does nothing.
    """
    from typer import _coercion
    from typer.core import _TyperParameter

    base = getattr(_coercion, "RuntimeParam", None)
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if base is None or original is None or getattr(original, "_feedcli", False):
        return

    class FlagRuntimeParam(base):  # type: ignore[misc, valid-type]
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, bool):
                return value
            real = _coercion.build_runtime_param(param.type_descriptor)  # not a flag value after all
            return real.coerce(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None and getattr(self, "is_flag", False):
            desc = self.type_descriptor
            if desc.annotation is bool and desc.file_annotation is None:
                self._runtime_param = FlagRuntimeParam(annotation=bool, parameter_info=desc.parameter_info)
        return original(self)

    get_runtime_param._feedcli = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]


_cheap_flags()

_PLACEHOLDERS = {int: "N", float: "NUMBER", str: "TEXT"}


def polish(cmd: Any) -> Any:
    """Plain help, words for placeholders, -q and -v: on `cmd` and every command already under it."""
    if not isinstance(cmd, PlainHelp):  # built by Typer: give it the plain layout
        cmd.format_help = types.MethodType(PlainHelp.format_help, cmd)
    cmd.rich_markup_mode = None
    names = {opt for param in cmd.params for opt in getattr(param, "opts", ())}
    for param in cmd.params:
        _placeholder(param)
    cmd.params.extend(p for p in verbosity.options() if not names & set(p.opts))
    for sub in list(getattr(cmd, "commands", {}).values()):
        if sub is not None:
            polish(sub)
    return cmd


def _placeholder(param: Any) -> None:
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return
    if param.param_type_name == "argument":
        param.display_type_rich = lambda ctx: None  # the name says it: `FILE...`, not `FILE <list[str]>`
        # the usage line as Click and gh write it: `FILE...`, `[PROVIDER]`, not Typer's `{FILE}...`
        param._usage_display_name = lambda p=param: (
            ((p.metavar or (p.name or "").upper()) if p.required else f"[{p.metavar or (p.name or '').upper()}]")
            + ("..." if p.nargs != 1 else "")
        )
    if hasattr(param, "_get_number_range_help_str"):
        param._get_number_range_help_str = lambda: None  # each option's help says its range in words
    if param.metavar is not None:
        return
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return
    if desc.is_choice and desc.choices:
        param.metavar = "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    elif param.param_type_name == "argument":
        param.metavar = (param.name or "VALUE").upper()
    else:
        param.metavar = _PLACEHOLDERS.get(desc.annotation, (param.name or "VALUE").upper())


def root(help_text: str, epilog: str | None = None) -> LazyGroup:
    """The `feedcli` group: every command by name, none imported."""
    group = LazyGroup(
        name="feedcli",
        names=lambda: list(COMMANDS),
        build=lambda name: load(COMMANDS[name][0], name),
        summary=lambda name: COMMANDS[name][1],
        help=help_text,
        epilog=epilog,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )
    group.params.extend(verbosity.options(version=True))
    return group
