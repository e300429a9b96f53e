"""Static shell completion scripts (bash, zsh, fish) generated from the Click command tree.

Why static: Typer's and Click's own completion scripts are dynamic. Every TAB starts
Python and imports the app to ask it what to complete, which is slow (a Python start-up
per key press) and leaves nothing to compare, so nothing can tell a stale script from a
current one. The scripts made here hold the whole command tree as data, so completing
costs nothing, they can be committed, and a test can regenerate them and compare
(``tests/e2e/test_completions.py``).

Regenerate the committed scripts after changing a command, option or choice::

    python -m feedcli.completion_scripts            # writes feedcli/completions/
    python -m feedcli.completion_scripts --check    # exits 1 if they are stale

All three scripts complete the same way, so they share one model (:func:`collect`):

* the words before the cursor are walked from the left to find the (sub)command path,
  skipping the values of options that take them (``-o FILE``, ``--opt=value``, and
  ``--opt = value`` as bash splits it) and treating every word after ``--`` as positional;
* a word starting with ``-`` completes the options of that (sub)command (``--help``
  included); otherwise a group completes its subcommands and a command its positional
  argument at that index, where it has choices or is a path;
* the value of an option completes its choices (Enum / Literal / ``click.Choice``), file
  or directory names (``Path``, ``click.Path``, ``click.File``, or a ``str`` option whose
  metavar is ``FILE``/``PATH``/``DIR``), or nothing for free text (no pointless file list).

It works with both Typer's vendored Click (Typer >= 0.2x, where parameter types live in a
``type_descriptor``) and real Click (older Typer, or a plain Click app), by reading the
attributes both have and duck-typing the rest, since ``pyproject.toml`` allows either.

About 880 lines and one module on purpose: most of it is the three scripts' templates, each
the same model written in one shell's language, and they change together with `collect`.
"""

from __future__ import annotations

import argparse
import enum
import pathlib
import re
import shlex
import sys
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "REGENERATE",
    "SHELLS",
    "ArgumentSpec",
    "CommandSpec",
    "OptionSpec",
    "check_scripts",
    "collect",
    "generate",
    "main",
    "render_all",
    "script_filename",
    "write_scripts",
]

#: The one command that rewrites the committed scripts; printed in every script's header.
REGENERATE = "python -m feedcli.completion_scripts"
SHELLS: tuple[str, ...] = ("bash", "zsh", "fish")
#: The package's completions/ folder: package data, so installed wheels carry the scripts.
DEFAULT_DIR = Path(__file__).resolve().parent / "completions"

#: Metavars that say a plain ``str`` option names a file or directory, for apps that declare
#: ``--output FILE`` as ``str`` rather than ``Path``.
_FILE_METAVARS = frozenset({"FILE", "FILENAME", "PATH"})
_DIR_METAVARS = frozenset({"DIR", "DIRECTORY"})


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class OptionSpec:
    """One visible option of one (sub)command, as the shells need it."""

    names: tuple[str, ...]
    """Every spelling: ``-o``, ``--output``, and a boolean's ``--no-x``."""
    help: str
    nargs: int
    """How many words follow the option: 0 for a flag or a counter."""
    kind: str
    """What its value completes to: ``choice``, ``file``, ``dir`` or ``any`` (nothing)."""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArgumentSpec:
    """One positional argument; hidden ones stay here (as ``any``) to keep indices right."""

    name: str
    nargs: int
    """Words it takes; -1 for any number (the remaining positional words)."""
    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommandSpec:
    """One (sub)command: the words that select it and what can follow them."""

    path: tuple[str, ...]
    """Subcommand names after the program name; () for the program itself."""
    help: str
    options: tuple[OptionSpec, ...]
    arguments: tuple[ArgumentSpec, ...]
    subcommands: tuple[tuple[str, str], ...]
    """(name, short help) of each visible subcommand, in the order ``--help`` lists them."""

    @property
    def key(self) -> str:
        """The path as the scripts spell it: names joined by one space, '' for the root."""
        return " ".join(self.path)


def collect(command: Any, prog: str = "feedcli") -> list[CommandSpec]:
    """Walk the Click tree depth-first (help order) into one spec per visible (sub)command."""
    specs: list[CommandSpec] = []
    root_ctx = _make_context(command, prog, None)
    _walk(command, (), root_ctx, specs)
    return specs


def _make_context(command: Any, name: str, parent: Any) -> Any:
    """A context like the one Click builds when it runs the command.

    It is needed because the help option (``-h/--help`` or just ``--help``) comes from the
    context settings, which subcommands inherit from their parent.
    """
    settings = dict(getattr(command, "context_settings", None) or {})
    return command.context_class(command, info_name=name, parent=parent, **settings)


def _is_group(command: Any) -> bool:
    """Duck-typed: Typer's ``TyperGroup`` is no subclass of ``click.Group`` when Typer vendors Click."""
    return isinstance(getattr(command, "commands", None), Mapping) and hasattr(command, "list_commands")


def _walk(command: Any, path: tuple[str, ...], ctx: Any, out: list[CommandSpec]) -> None:
    """Append the spec of ``command`` and then of its visible subcommands, recursively.

    A group's own positional arguments are dropped: its positional slot is where the
    subcommand name goes, and that is what the scripts complete there.
    """
    options: list[OptionSpec] = []
    arguments: list[ArgumentSpec] = []
    for param in command.get_params(ctx):
        if _is_option(param):
            if getattr(param, "hidden", False):
                continue
            options.append(_option_spec(param))
        else:
            arguments.append(_argument_spec(param))

    children: list[tuple[str, Any]] = []
    if _is_group(command):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            children.append((name, sub))

    out.append(
        CommandSpec(
            path=path,
            help=_one_line(command.get_short_help_str(limit=60)),
            options=tuple(options),
            arguments=() if children else tuple(arguments),
            subcommands=tuple((name, _one_line(sub.get_short_help_str(limit=60))) for name, sub in children),
        )
    )
    for name, sub in children:
        _walk(sub, (*path, name), _make_context(sub, name, ctx), out)


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _option_spec(param: Any) -> OptionSpec:
    # Names inside one option are sorted (short before long) because Click builds the help
    # option's names from a set, whose order changes from run to run.
    def order(names: Iterable[str]) -> list[str]:
        return sorted(names, key=lambda n: (n.startswith("--"), n))

    names = tuple(order(param.opts) + order(param.secondary_opts))
    takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    nargs = max(int(param.nargs), 1) if takes_value else 0
    kind, choices = _value_kind(param) if takes_value else ("any", ())
    return OptionSpec(
        names=names, help=_one_line(getattr(param, "help", None) or ""), nargs=nargs, kind=kind, choices=choices
    )


def _argument_spec(param: Any) -> ArgumentSpec:
    kind, choices = ("any", ()) if getattr(param, "hidden", False) else _value_kind(param)
    return ArgumentSpec(name=str(param.name), nargs=int(param.nargs), kind=kind, choices=choices)


def _value_kind(param: Any) -> tuple[str, tuple[str, ...]]:
    """What a value of ``param`` completes to, for either flavour of Click."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:  # Typer's vendored Click: the annotation says it all
        kind, choices = _kind_from_descriptor(descriptor)
    else:  # real Click: a ParamType instance
        kind, choices = _kind_from_click_type(getattr(param, "type", None))
    if kind == "any":
        metavar = (getattr(param, "metavar", None) or "").upper()
        if metavar in _FILE_METAVARS:
            kind = "file"
        elif metavar in _DIR_METAVARS:
            kind = "dir"
    return kind, choices


def _kind_from_descriptor(descriptor: Any) -> tuple[str, tuple[str, ...]]:
    choices = descriptor.choices
    if choices:
        return "choice", tuple(_choice_str(c) for c in choices)
    if descriptor.is_file:
        return "file", ()
    if descriptor.is_path:
        return ("dir" if descriptor.path_type == "dir" else "file"), ()
    # ``list[Path]`` (a repeated path option) is not ``is_path`` to Typer; look inside.
    annotation = descriptor.annotation
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (None,)
        if isinstance(item, type) and issubclass(item, pathlib.PurePath):
            return ("dir" if descriptor.path_type == "dir" else "file"), ()
    return "any", ()


def _kind_from_click_type(ptype: Any) -> tuple[str, tuple[str, ...]]:
    # By class name, not isinstance: importing click would fail where Typer vendors it.
    classes = {cls.__name__ for cls in type(ptype).__mro__}
    choices = getattr(ptype, "choices", None)
    if "Choice" in classes and choices:
        # Click (8.2+) matches an Enum choice by its name.
        return "choice", tuple(c.name if isinstance(c, enum.Enum) else str(c) for c in choices)
    if "Path" in classes:
        only_dirs = getattr(ptype, "dir_okay", True) and not getattr(ptype, "file_okay", True)
        return ("dir" if only_dirs else "file"), ()
    if "File" in classes:
        return "file", ()
    return "any", ()


def _choice_str(choice: Any) -> str:
    """Typer matches an Enum choice by its value."""
    return str(choice.value) if isinstance(choice, enum.Enum) else str(choice)


def _one_line(text: str, limit: int = 80) -> str:
    """First paragraph of a help text on one line, cut at ``limit`` characters."""
    text = " ".join(text.split("\n\n", 1)[0].split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def _completable_arguments(spec: CommandSpec) -> list[tuple[int, int, ArgumentSpec]]:
    """(first index, last index or -1 for "and on", argument) for each positional argument.

    Arguments after a variadic one (Click's ``cp SRC... DST``) cannot be told apart by
    position from the left, so they are left out.
    """
    out: list[tuple[int, int, ArgumentSpec]] = []
    index = 0
    for arg in spec.arguments:
        if arg.nargs < 0:
            out.append((index, -1, arg))
            break
        out.append((index, index + arg.nargs - 1, arg))
        index += arg.nargs
    return out


def _argument_cases(specs: list[CommandSpec], quote: Any) -> list[tuple[str, ArgumentSpec | None]]:
    """``case`` patterns on "PATH|INDEX" for positional arguments, with what each completes.

    An argument that completes nothing gets a pattern (with None) only when a variadic
    argument follows, so that the variadic one's catch-all ``PATH|*`` does not claim it.
    """
    cases: list[tuple[str, ArgumentSpec | None]] = []
    for spec in specs:
        ranges = _completable_arguments(spec)
        variadic = any(last < 0 for _, last, _ in ranges)
        for first, last, arg in ranges:
            if last < 0:
                pats = quote(f"{spec.key}|") + "*"
            else:
                pats = "|".join(quote(f"{spec.key}|{i}") for i in range(first, last + 1))
            if arg.kind != "any":
                cases.append((pats, arg))
            elif variadic and last >= 0:
                cases.append((pats, None))
    return cases


def _header(shell: str, prog: str, install: Sequence[str]) -> list[str]:
    return [
        f"# Static {shell} completion for {prog}.",
        f"# GENERATED from the {prog} command tree by feedcli/completion_scripts.py: do not edit.",
        f"# Regenerate: {REGENERATE}   (tests/e2e/test_completions.py fails while this is stale)",
        *(f"# {line}" for line in install),
        "",
    ]


def _ident(prog: str) -> str:
    return re.sub(r"\W", "_", prog)


def _case(arm: Callable[[str, str], str], name: str, doc: str, args: str, arms: list[str], default: str) -> list[str]:
    """A shell function that is one ``case`` on `args`, with `default` for anything else; `arm`
    writes one arm (bash ``pat) body ;;``, zsh ``(pat) body ;;``)."""
    return [f"# {doc}", f"{name}() {{", f'    case "{args}" in', *arms, arm("*", default), "    esac", "}", ""]


def _value_functions(
    specs: list[CommandSpec],
    f: str,
    arm: Callable[[str, str], str],
    complete_value: Callable[[str, Sequence[str]], str],
    completes: str,
    nothing: str,
) -> list[str]:
    """The ``_arity``, ``_value`` and ``_argument`` functions, which bash and zsh write alike but for
    an arm's form, how a value is completed (`complete_value(kind, choices)`), the words that
    say what is completed (`completes`) and the command that completes nothing (`nothing`)."""
    q = shlex.quote

    def pattern(spec: CommandSpec, names: Iterable[str]) -> str:
        return "|".join(q(f"{spec.key}|{n}") for n in names)

    return [
        *_case(
            arm,
            f"{f}_arity",
            "Set REPLY to how many words follow option $2 of command path $1 (0: a flag or unknown).",
            "$1|$2",
            [arm(pattern(s, o.names), f"REPLY={o.nargs}") for s in specs for o in s.options if o.nargs],
            "REPLY=0",
        ),
        *_case(
            arm,
            f"{f}_value",
            f"{completes} a value of option $2 of command path $1 (free text completes nothing).",
            "$1|$2",
            [
                arm(pattern(s, o.names), complete_value(o.kind, o.choices))
                for s in specs
                for o in s.options
                if o.kind != "any"
            ],
            nothing,
        ),
        *_case(
            arm,
            f"{f}_argument",
            f"{completes} the positional argument at index $2 (from 0) of command path $1.",
            "$1|$2",
            [
                arm(pats, complete_value(arg.kind, arg.choices) if arg else nothing)
                for pats, arg in _argument_cases(specs, q)
            ],
            nothing,
        ),
    ]


# --------------------------------------------------------------------------- bash


def _bash(specs: list[CommandSpec], prog: str) -> str:
    q = shlex.quote
    f = f"__{_ident(prog)}"
    lines = _header(
        "bash",
        prog,
        [
            f"Use: source this file, or copy it to ~/.local/share/bash-completion/completions/{prog}",
            "Needs bash 4 or later; bash-completion is not needed.",
        ],
    )

    def arm(pats: str, body: str) -> str:
        return f"        {pats}) {body} ;;"

    def case(name: str, doc: str, args: str, body: list[str], default: str) -> None:
        lines.extend(_case(arm, name, doc, args, body, default))

    def complete_value(kind: str, choices: Sequence[str]) -> str:
        if kind == "choice":
            return f'{f}_add "$3" {" ".join(q(c) for c in choices)}'
        return f'{f}_files {"-d" if kind == "dir" else "-f"} "$3"'

    lines.extend(
        [
            "# Add to COMPREPLY each word after the first argument that starts with the first argument.",
            f"{f}_add() {{",
            '    local cur="$1" word',
            "    shift",
            '    for word in "$@"; do',
            '        [[ "$word" == "$cur"* ]] && COMPREPLY+=("$word")',
            "    done",
            "    return 0",
            "}",
            "",
            "# Add file (-f) or directory (-d) names starting with $2; names with spaces survive.",
            f"{f}_files() {{",
            "    local line",
            "    type compopt &>/dev/null && compopt -o filenames 2>/dev/null",
            '    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen "$1" -- "$2")',
            "}",
            "",
        ]
    )
    case(
        f"{f}_commands",
        f"Set {f}_reply to the subcommands of the command path $1 ('' is {prog} itself).",
        "$1",
        [
            f"        {q(s.key)}) {f}_reply=({' '.join(q(n) for n, _ in s.subcommands)}) ;;"
            for s in specs
            if s.subcommands
        ],
        f"{f}_reply=()",
    )
    case(
        f"{f}_options",
        f"Set {f}_reply to the options of the command path $1.",
        "$1",
        [
            f"        {q(s.key)}) {f}_reply=({' '.join(q(n) for o in s.options for n in o.names)}) ;;"
            for s in specs
            if s.options
        ],
        f"{f}_reply=()",
    )
    lines.extend(_value_functions(specs, f, arm, complete_value, "Complete $3 as", ":"))
    lines.extend(
        [
            "# The completion function: find the subcommand path in COMP_WORDS, then complete there.",
            f"_{_ident(prog)}() {{",
            '    local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath="" word',
            "    local i=1 npos=0 ddash=0 REPLY",
            f"    local -a {f}_reply=()",
            "    COMPREPLY=()",
            "    while (( i < COMP_CWORD )); do",
            '        word="${COMP_WORDS[i]}"',
            "        if (( ddash )); then",
            "            npos=$((npos + 1))  # after --, every word is positional",
            "        else",
            '            case "$word" in',
            "                --) ddash=1 ;;",
            "                -*=*) ;;  # --opt=value in one word",
            "                -?*)",
            f'                    {f}_arity "$cmdpath" "$word"',
            "                    if (( REPLY > 0 )); then",
            '                        # With "=" in COMP_WORDBREAKS (the default), --opt=value is three words.',
            '                        [[ "${COMP_WORDS[i+1]-}" == "=" ]] && i=$((i + 1))',
            "                        if (( i + REPLY >= COMP_CWORD )); then  # the cursor is on its value",
            '                            [[ "$cur" == "=" ]] && cur=""',
            f'                            {f}_value "$cmdpath" "$word" "$cur"',
            "                            return 0",
            "                        fi",
            "                        i=$((i + REPLY))",
            "                    fi",
            "                    ;;",
            "                *)",
            f'                    {f}_commands "$cmdpath"',
            f"                    if (( ${{#{f}_reply[@]}} == 0 )); then",
            "                        npos=$((npos + 1))",
            f'                    elif [[ " ${{{f}_reply[*]}} " == *" $word "* ]]; then',
            '                        cmdpath="${cmdpath:+$cmdpath }$word"',
            "                        npos=0",
            "                    else",
            "                        return 0  # not a subcommand: nothing sensible to complete",
            "                    fi",
            "                    ;;",
            "            esac",
            "        fi",
            "        i=$((i + 1))",
            "    done",
            "    if (( ! ddash )); then",
            '        if [[ "$cur" == -*=* ]]; then  # --opt=va when "=" is not a word break',
            '            local opt="${cur%%=*}"',
            f'            {f}_value "$cmdpath" "$opt" "${{cur#*=}}"',
            '            COMPREPLY=("${COMPREPLY[@]/#/$opt=}")',
            "            return 0",
            "        fi",
            '        if [[ "$cur" == -* ]]; then',
            f'            {f}_options "$cmdpath"',
            f'            {f}_add "$cur" "${{{f}_reply[@]}}"',
            "            return 0",
            "        fi",
            "    fi",
            f'    {f}_commands "$cmdpath"',
            f"    if (( ${{#{f}_reply[@]}} )); then",
            f'        {f}_add "$cur" "${{{f}_reply[@]}}"',
            "    else",
            f'        {f}_argument "$cmdpath" "$npos" "$cur"',
            "    fi",
            "    return 0",
            "}",
            "",
            f"complete -F _{_ident(prog)} {q(prog)}",
        ]
    )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- zsh


def _zsh(specs: list[CommandSpec], prog: str) -> str:
    q = shlex.quote
    f = f"__{_ident(prog)}"
    main_fn = f"_{_ident(prog)}"
    lines = [f"#compdef {prog}"]
    lines += _header(
        "zsh",
        prog,
        [
            "Use: put this file (named _" + prog + ") in a directory on $fpath before compinit runs,",
            "or source it after compinit.",
        ],
    )

    def arm(pats: str, body: str) -> str:
        return f"        ({pats}) {body} ;;"

    def case(name: str, doc: str, args: str, body: list[str], default: str) -> None:
        lines.extend(_case(arm, name, doc, args, body, default))

    def described(name: str, help_text: str) -> str:
        name = name.replace("\\", "\\\\").replace(":", "\\:")
        return q(f"{name}:{help_text}" if help_text else name)

    def complete_value(kind: str, choices: Sequence[str]) -> str:
        if kind == "choice":
            return f"compadd -- {' '.join(q(c) for c in choices)}"
        return "_files -/" if kind == "dir" else "_files"

    case(
        f"{f}_commands",
        f"Set {f}_list to name:description of each subcommand of command path $1 ('' is {prog}).",
        "$1",
        [
            f"        ({q(s.key)}) {f}_list=({' '.join(described(n, h) for n, h in s.subcommands)}) ;;"
            for s in specs
            if s.subcommands
        ],
        f"{f}_list=()",
    )
    case(
        f"{f}_options",
        f"Set {f}_list to option:description of each option of command path $1.",
        "$1",
        [
            f"        ({q(s.key)}) {f}_list=({' '.join(described(n, o.help) for o in s.options for n in o.names)}) ;;"
            for s in specs
            if s.options
        ],
        f"{f}_list=()",
    )
    lines.extend(_value_functions(specs, f, arm, complete_value, "Complete", "return 1"))
    lines.extend(
        [
            "# The completion function: find the subcommand path in $words, then complete there.",
            f"{main_fn}() {{",
            "    local cur=${words[CURRENT]} cmdpath= word REPLY",
            f"    local -a {f}_list names",
            "    local -i i=2 npos=0 ddash=0",
            "    while (( i < CURRENT )); do",
            "        word=${words[i]}",
            "        if (( ddash )); then",
            "            npos=$((npos + 1))  # after --, every word is positional",
            "        else",
            "            case $word in",
            "                (--) ddash=1 ;;",
            "                (-*=*) ;;  # --opt=value in one word",
            "                (-?*)",
            f'                    {f}_arity "$cmdpath" "$word"',
            "                    if (( REPLY > 0 )); then",
            "                        if (( i + REPLY >= CURRENT )); then  # the cursor is on its value",
            f'                            {f}_value "$cmdpath" "$word"',
            "                            return",
            "                        fi",
            "                        i=$((i + REPLY))",
            "                    fi",
            "                    ;;",
            "                (*)",
            f'                    {f}_commands "$cmdpath"',
            f"                    if (( ! ${{#{f}_list}} )); then",
            "                        npos=$((npos + 1))",
            f"                    elif names=(${{{f}_list%%:*}}); (( ${{names[(Ie)$word]}} )); then",
            '                        cmdpath="${cmdpath:+$cmdpath }$word"',
            "                        npos=0",
            "                    else",
            "                        return 1  # not a subcommand: nothing sensible to complete",
            "                    fi",
            "                    ;;",
            "            esac",
            "        fi",
            "        i=$((i + 1))",
            "    done",
            "    if (( ! ddash )); then",
            "        if [[ $cur == -*=* ]]; then",
            "            compset -P '*='",
            f'            {f}_value "$cmdpath" "${{cur%%=*}}"',
            "            return",
            "        fi",
            "        if [[ $cur == -* ]]; then",
            f'            {f}_options "$cmdpath"',
            f"            _describe -t options 'option' {f}_list",
            "            return",
            "        fi",
            "    fi",
            f'    {f}_commands "$cmdpath"',
            f"    if (( ${{#{f}_list}} )); then",
            f"        _describe -t commands 'command' {f}_list",
            "    else",
            f'        {f}_argument "$cmdpath" "$npos"',
            "    fi",
            "}",
            "",
            "# Autoloaded from $fpath, this file is the body of the first call: define, then complete.",
            f'if [[ "${{funcstack[1]-}}" == {main_fn} ]]; then',
            f'    {main_fn} "$@"',
            "else",
            f"    compdef {main_fn} {q(prog)}",
            "fi",
        ]
    )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- fish


def _fish_quote(text: str) -> str:
    """Quote for fish unless plainly safe (fish's single quotes escape only \\ and ')."""
    if text and re.fullmatch(r"[\w@%+=:,./-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(specs: list[CommandSpec], prog: str) -> str:
    fq = _fish_quote
    f = f"__{_ident(prog)}"
    lines = _header(
        "fish",
        prog,
        [f"Use: copy this file to ~/.config/fish/completions/{prog}.fish"],
    )

    def switch(name: str, doc: str, value: str, arms: list[tuple[str, str]], default: str | None) -> None:
        lines.extend([f"function {name} --description {fq(doc)}", f"    switch {value}"])
        for pats, body in arms:
            lines.extend([f"        case {pats}", f"            {body}"])
        if default is not None:
            lines.extend(["        case '*'", f"            {default}"])
        lines.extend(["    end", "end", ""])

    def pattern(spec: CommandSpec, names: Iterable[str]) -> str:
        return " ".join(fq(f"{spec.key}|{n}") for n in names)

    lines.append(f"complete -c {fq(prog)} -f  # no file names unless an option or argument wants them")
    lines.append("")
    switch(
        f"{f}_commands",
        "Print the subcommands of a command path",
        "$argv[1]",
        [(fq(s.key), "printf '%s\\n' " + " ".join(fq(n) for n, _ in s.subcommands)) for s in specs if s.subcommands],
        None,
    )
    switch(
        f"{f}_arity",
        "Print how many words follow an option of a command path",
        '"$argv[1]|$argv[2]"',
        [(pattern(s, o.names), f"echo {o.nargs}") for s in specs for o in s.options if o.nargs],
        "echo 0",
    )
    lines.extend(
        [
            "# Print how many positional words the command line before the cursor has, then its",
            "# subcommand path (nothing for the program itself; '!' after a word that is no subcommand).",
            f"function {f}_state --description 'Print the positional count and the subcommand path'",
            "    set -l cmdpath",
            "    set -l npos 0",
            "    set -l skip 0",
            "    set -l ddash 0",
            "    for word in (commandline -opc)[2..-1]",
            "        if test $skip -gt 0",
            "            set skip (math $skip - 1)",
            "        else if test $ddash -eq 1",
            "            set npos (math $npos + 1)",
            "        else",
            "            switch $word",
            "                case --",
            "                    set ddash 1",
            "                case '-*=*'",
            "                case '-?*'",
            f'                    set skip ({f}_arity "$cmdpath" $word)',
            "                case '*'",
            f'                    set -l subcommands ({f}_commands "$cmdpath")',
            "                    if test (count $subcommands) -eq 0",
            "                        set npos (math $npos + 1)",
            "                    else if contains -- $word $subcommands",
            "                        set -a cmdpath $word",
            "                        set npos 0",
            "                    else",
            "                        printf '%s\\n' $npos '!'",
            "                        return",
            "                    end",
            "            end",
            "        end",
            "    end",
            "    echo $npos",
            "    string join ' ' -- $cmdpath",
            "end",
            "",
            f"function {f}_at --description 'True when the subcommand path before the cursor is argv'",
            f"    set -l state ({f}_state)",
            '    test "$state[2..-1]" = "$argv"',
            "end",
            "",
            f"function {f}_arg --description 'True at positional index argv[1] (N, or N+: N and on) of path argv[2..]'",
            f"    set -l state ({f}_state)",
            '    test "$state[2..-1]" = "$argv[2..-1]"; or return 1',
            "    set -l first (string trim -r -c + -- $argv[1])",
            "    if string match -q -- '*+' $argv[1]",
            "        test $state[1] -ge $first",
            "    else",
            "        test $state[1] -eq $first",
            "    end",
            "end",
            "",
        ]
    )

    def cond(*words: str) -> str:
        return fq(" ".join(words))

    for s in specs:
        at = cond(f"{f}_at", *(fq(w) for w in s.path))
        lines.append(f"# {prog} {s.key}".rstrip())
        for name, help_text in s.subcommands:
            desc = f" -d {fq(help_text)}" if help_text else ""
            lines.append(f"complete -c {fq(prog)} -n {at} -a {fq(name)}{desc}")
        for o in s.options:
            spell = []
            for n in o.names:
                if n.startswith("--") and len(n) > 2:
                    spell.append(f"-l {fq(n[2:])}")
                elif n.startswith("-") and len(n) == 2:
                    spell.append(f"-s {fq(n[1:])}")
                elif n.startswith("-") and len(n) > 2:
                    spell.append(f"-o {fq(n[1:])}")
            if not spell:
                continue
            value = ""
            if o.nargs:
                if o.kind == "choice":
                    value = " -x -a " + fq(" ".join(fq(c) for c in o.choices))
                elif o.kind in ("file", "dir"):
                    value = " -r -F" if o.kind == "file" else " -x -a '(__fish_complete_directories (commandline -ct))'"
                else:
                    value = " -x"
            desc = f" -d {fq(o.help)}" if o.help else ""
            lines.append(f"complete -c {fq(prog)} -n {at} {' '.join(spell)}{value}{desc}")
        for first, last, arg in _completable_arguments(s):
            if arg.kind == "any":
                continue
            indices = [f"{first}+"] if last < 0 else [str(i) for i in range(first, last + 1)]
            for index in indices:
                arg_cond = cond(f"{f}_arg", index, *(fq(w) for w in s.path))
                if arg.kind == "choice":
                    what = "-a " + fq(" ".join(fq(c) for c in arg.choices))
                elif arg.kind == "dir":
                    what = "-a '(__fish_complete_directories (commandline -ct))'"
                else:
                    what = "-F"
                lines.append(f"complete -c {fq(prog)} -n {arg_cond} {what}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- API

_RENDERERS = {"bash": _bash, "zsh": _zsh, "fish": _fish}


def generate(shell: str, command: Any, prog: str = "feedcli") -> str:
    """The static completion script for ``shell`` (bash, zsh or fish) of a Click command tree.

    ``command`` is a Click command or group: ``typer.main.get_command(app)`` for a Typer
    app. The text is deterministic (help order, sorted option spellings), so it can be
    committed and compared.
    """
    try:
        render = _RENDERERS[shell]
    except KeyError:
        raise ValueError(f"unknown shell {shell!r}; expected one of {', '.join(SHELLS)}") from None
    return render(collect(command, prog), prog)


def script_filename(shell: str, prog: str = "feedcli") -> str:
    """The file name each shell looks for: ``feedcli.bash``, ``_feedcli`` (zsh), ``feedcli.fish``."""
    return {"bash": f"{prog}.bash", "zsh": f"_{prog}", "fish": f"{prog}.fish"}[shell]


def render_all(command: Any, prog: str = "feedcli") -> dict[str, str]:
    """File name → script text, for every shell."""
    return {script_filename(shell, prog): generate(shell, command, prog) for shell in SHELLS}


def write_scripts(directory: Path, command: Any, prog: str = "feedcli") -> list[Path]:
    """Write every shell's script into ``directory`` (created if missing); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all(command, prog).items():
        target = directory / name
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(target)
    return written


def check_scripts(directory: Path, command: Any, prog: str = "feedcli") -> list[str]:
    """Names of the scripts in ``directory`` that are missing or differ from a fresh generation."""
    stale = []
    for name, text in render_all(command, prog).items():
        target = directory / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def _app_command() -> Any:
    from feedcli.cli.app import command

    return command()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m feedcli.completion_scripts [--check] [DIR]``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m feedcli.completion_scripts",
        description="Write the static bash, zsh and fish completion scripts of feedcli.",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any script is stale")
    parser.add_argument(
        "directory", nargs="?", type=Path, default=DEFAULT_DIR, help=f"where the scripts go (default: {DEFAULT_DIR})"
    )
    args = parser.parse_args(argv)
    command = _app_command()
    if args.check:
        stale = check_scripts(args.directory, command)
        if stale:
            for name in stale:
                print(f"stale or missing: {args.directory / name}", file=sys.stderr)
            print(f"regenerate with: {REGENERATE}", file=sys.stderr)
            return 1
        print(f"completion scripts in {args.directory} are up to date")
        return 0
    for path in write_scripts(args.directory, command):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
