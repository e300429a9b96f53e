"""The static completion scripts: drift against the real app, and behaviour in real shells.

The behaviour tests run against a small Typer app of the same shape as feedcli's (a
group with ``login``, ``stream tse``/``stream ime``, ``simulate tse``, ``providers``,
``demo``) so that they pin the generator, not whatever the real app declares today. The
real app only enters the drift test, which is what makes a forgotten regeneration fail.

bash is always here. zsh, fish and tmux come from scripts/system-packages.txt; a test
for a missing one skips, saying which package to install.
"""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Literal

import pytest
import typer

from feedcli import completion_scripts as cs

ROOT = Path(__file__).resolve().parents[2]
COMPLETIONS = ROOT / "feedcli" / "completions"

# --------------------------------------------------------------------------- toy app

CHANNELS = (
    "best-limit",
    "order-book",
    "ohlcv-last-1m",
    "aggregate",
    "institutional-vs-individual",
    "contract-info",
    "fund-info",
)
Channel = enum.Enum("Channel", {c.replace("-", "_"): c for c in CHANNELS}, type=str)


class Format(str, enum.Enum):
    auto = "auto"
    ndjson = "ndjson"
    view = "view"


toy = typer.Typer(
    name="feedcli",
    help="Toy feedcli.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
toy_stream = typer.Typer(name="stream", help="Stream live data.")
toy_simulate = typer.Typer(name="simulate", help="Serve a provider's protocol on loopback.")
toy.add_typer(toy_stream)
toy.add_typer(toy_simulate)


@toy.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks.")] = False) -> None:
    """Toy feedcli."""


@toy.command()
def login(
    provider: Annotated[Literal["ht", "moex"], typer.Argument(help="Provider.")] = "ht",
    user: Annotated[str | None, typer.Option("-u", "--user", help="User name: yours [or e-mail].")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    profile: Annotated[str, typer.Option("--profile", help="Credentials profile.")] = "default",
    url: Annotated[str | None, typer.Option("--url", help="Base URL.")] = None,
    token: Annotated[str | None, typer.Option("--secret-token", hidden=True)] = None,
) -> None:
    """Log in to a provider's API."""


@toy_stream.command("tse")
def stream_tse(
    isin: Annotated[list[str] | None, typer.Option("--isin", help="Symbol by ISIN.")] = None,
    name: Annotated[list[str] | None, typer.Option("--name", help="Symbol by name.")] = None,
    channel: Annotated[list[Channel] | None, typer.Option("--channel", help="Channel.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.auto,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write NDJSON to FILE.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Stop after N lines.")] = None,
) -> None:
    """Tehran Stock Exchange."""


@toy_stream.command("ime")
def stream_ime(contracts: Annotated[list[str] | None, typer.Argument()] = None) -> None:
    """Iran Mercantile Exchange."""


@toy_simulate.command("tse")
def simulate_tse(
    port: Annotated[int, typer.Option("--port", help="Port.")] = 0,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", file_okay=False, help="Data.")] = None,
) -> None:
    """Simulated TSE."""


@toy.command()
def providers() -> None:
    """List the providers."""


@toy.command()
def demo() -> None:
    """Watch a simulated market."""


@toy.command(hidden=True)
def backstage() -> None:
    """Hidden: must not be completed."""


TOP = ["login", "providers", "demo", "stream", "simulate"]  # declaration order


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy app's three scripts, written as the CLI writes them."""
    directory = tmp_path_factory.mktemp("completions")
    cs.write_scripts(directory, typer.main.get_command(toy))
    return directory


def need(program: str, package: str | None = None) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed (Debian package {package or program}, in scripts/system-packages.txt)")
    return path


# --------------------------------------------------------------------------- drift


@pytest.mark.parametrize("shell", cs.SHELLS)
def test_committed_script_matches_the_app(shell: str) -> None:
    """The committed completions/ file is what the real app generates today."""
    from feedcli.cli.app import command

    expected = cs.generate(shell, command())
    target = COMPLETIONS / cs.script_filename(shell)
    assert target.is_file(), f"{target} is missing: run `{cs.REGENERATE}`"
    assert target.read_text(encoding="utf-8") == expected, (
        f"{target} is stale (the app's commands or options changed): run `{cs.REGENERATE}`"
    )


# --------------------------------------------------------------------------- generator


def test_model_of_the_toy_app() -> None:
    specs = {spec.key: spec for spec in cs.collect(typer.main.get_command(toy))}
    assert list(specs) == [
        "",
        "login",
        "providers",
        "demo",
        "stream",
        "stream tse",
        "stream ime",
        "simulate",
        "simulate tse",
    ]
    assert [name for name, _ in specs[""].subcommands] == TOP
    tse = {o.names: o for o in specs["stream tse"].options}
    assert tse[("--channel",)].kind == "choice" and tse[("--channel",)].choices == CHANNELS
    assert tse[("--format",)].choices == ("auto", "ndjson", "view")
    assert tse[("-o", "--output")].kind == "file"
    assert tse[("--limit",)].kind == "any" and tse[("--limit",)].nargs == 1
    assert tse[("-h", "--help")].nargs == 0
    login_opts = {o.names: o for o in specs["login"].options}
    assert login_opts[("--password-stdin",)].nargs == 0
    assert ("--secret-token",) not in login_opts
    assert specs["login"].arguments[0].choices == ("ht", "moex")
    assert specs["simulate tse"].options[1].kind == "dir"
    assert specs["stream ime"].arguments[0].nargs == -1


def test_hidden_things_are_left_out_and_choices_are_in() -> None:
    command = typer.main.get_command(toy)
    for shell in cs.SHELLS:
        text = cs.generate(shell, command)
        assert "secret-token" not in text, shell
        assert "backstage" not in text, shell
        for value in (*CHANNELS, "ndjson", "moex"):
            assert value in text, (shell, value)


def test_header_says_generated_and_how_to_regenerate() -> None:
    command = typer.main.get_command(toy)
    for shell in cs.SHELLS:
        text = cs.generate(shell, command)
        head = text.splitlines()[:4]
        assert all(line.startswith("#") for line in head), shell
        assert any("GENERATED" in line for line in head) and any(cs.REGENERATE in line for line in head), shell
    assert cs.generate("zsh", command).startswith("#compdef feedcli\n")
    with pytest.raises(ValueError, match="tcsh"):
        cs.generate("tcsh", command)


def test_output_is_deterministic_across_processes() -> None:
    """Click builds the help option's names from a set; hash seeds must not reorder them."""
    code = (
        "import typer, sys; from tests.e2e.test_completions import toy; from feedcli import completion_scripts as cs;"
        "sys.stdout.write(''.join(cs.generate(s, typer.main.get_command(toy)) for s in cs.SHELLS))"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
        )
        outputs.add(done.stdout)
    command = typer.main.get_command(toy)
    assert outputs == {"".join(cs.generate(s, command) for s in cs.SHELLS)}


def test_main_writes_then_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(cs, "_app_command", lambda: typer.main.get_command(toy))
    assert cs.main(["--check", str(tmp_path)]) == 1
    assert "_feedcli" in capsys.readouterr().err
    assert cs.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_feedcli", "feedcli.bash", "feedcli.fish"]
    assert cs.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "feedcli.fish").write_text("# edited by hand\n")
    assert cs.main(["--check", str(tmp_path)]) == 1
    assert "feedcli.fish" in capsys.readouterr().err


# --------------------------------------------------------------------------- bash

BASH_DRIVER = r"""
source "$1"; shift
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_feedcli
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(scripts: Path, *words: str) -> list[str]:
    """COMPREPLY for a command line whose last word (maybe '') is under the cursor."""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", str(scripts / "feedcli.bash"), *words],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


TSE_OPTIONS = ["--isin", "--name", "--channel", "--format", "-o", "--output", "--limit", "-h", "--help"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["feedcli", "st"], ["stream"]),
        (["feedcli", ""], TOP),
        (["feedcli", "-v", "stream", ""], ["tse", "ime"]),
        (["feedcli", "stream", "tse", "--ch"], ["--channel"]),
        (["feedcli", "stream", "tse", "--channel", ""], list(CHANNELS)),
        (["feedcli", "stream", "tse", "--channel", "o"], ["order-book", "ohlcv-last-1m"]),
        (["feedcli", "stream", "tse", "--channel", "best-limit", "--"], [o for o in TSE_OPTIONS if o.startswith("--")]),
        (["feedcli", "stream", "tse", "--isin", "IRO1FOLD0001", "-"], TSE_OPTIONS),
        (["feedcli", "stream", "tse", "--format", ""], ["auto", "ndjson", "view"]),
        # bash splits --channel=be at "=" (COMP_WORDBREAKS): three words
        (["feedcli", "stream", "tse", "--channel", "=", ""], list(CHANNELS)),
        (["feedcli", "stream", "tse", "--channel", "=", "fu"], ["fund-info"]),
        # ...unless "=" was taken out of COMP_WORDBREAKS: one word, completed whole
        (["feedcli", "stream", "tse", "--channel=fu"], ["--channel=fund-info"]),
        (["feedcli", "stream", "tse", "--limit", ""], []),  # free text: no file names
        (["feedcli", "simulate", "tse", "--"], ["--port", "--data-dir", "--help"]),
        (["feedcli", "login", ""], ["ht", "moex"]),
        (["feedcli", "login", "-u", "bob", "--profile", "p", ""], ["ht", "moex"]),
        (["feedcli", "login", "--password-stdin", "m"], ["moex"]),
        (["feedcli", "login", "ht", ""], []),
        (["feedcli", "login", "--"], ["--user", "--password-stdin", "--profile", "--url", "--help"]),
        (["feedcli", "nosuch", ""], []),
        (["feedcli", "stream", "tse", "--", "-"], []),  # after --, nothing is an option
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] == "feedcli" else None,
)
def test_bash(scripts: Path, words: list[str], expected: list[str]) -> None:
    assert bash_complete(scripts, *words) == expected


def test_bash_completes_files_and_directories(scripts: Path, tmp_path: Path) -> None:
    (tmp_path / "data.ndjson").write_text("")
    (tmp_path / "dumps").mkdir()
    prefix = f"{tmp_path}/d"
    assert sorted(bash_complete(scripts, "feedcli", "stream", "tse", "-o", prefix)) == [
        f"{tmp_path}/data.ndjson",
        f"{tmp_path}/dumps",
    ]
    assert bash_complete(scripts, "feedcli", "simulate", "tse", "--data-dir", prefix) == [f"{tmp_path}/dumps"]


def test_bash_registers_the_function(scripts: Path) -> None:
    done = subprocess.run(
        [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            'source "$1"; complete -p feedcli',
            "bash",
            str(scripts / "feedcli.bash"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.strip() == "complete -F _feedcli feedcli"


# --------------------------------------------------------------------------- fish


def fish_complete(scripts: Path, line: str) -> list[str]:
    fish = need("fish")
    done = subprocess.run(
        [fish, "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", str(scripts / "feedcli.fish"), line],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [entry.split("\t")[0] for entry in done.stdout.splitlines()]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("feedcli st", ["stream"]),
        ("feedcli ", sorted(TOP)),
        ("feedcli -v simulate ", ["tse"]),
        ("feedcli stream tse --ch", ["--channel"]),
        ("feedcli stream tse --channel ", sorted(CHANNELS)),
        ("feedcli stream tse --channel=o", ["--channel=ohlcv-last-1m", "--channel=order-book"]),
        (
            "feedcli stream tse --channel best-limit --",
            ["--channel", "--format", "--help", "--isin", "--limit", "--name", "--output"],
        ),
        ("feedcli stream tse --limit ", []),
        ("feedcli simulate tse --", ["--data-dir", "--help", "--port"]),
        ("feedcli login ", ["ht", "moex"]),
        ("feedcli login -u bob ", ["ht", "moex"]),
        ("feedcli login ht ", []),
        ("feedcli login --", ["--help", "--password-stdin", "--profile", "--url", "--user"]),
        ("feedcli nosuch ", []),
    ],
)
def test_fish(scripts: Path, line: str, expected: list[str]) -> None:
    assert fish_complete(scripts, line) == expected


def test_fish_completes_files(scripts: Path, tmp_path: Path) -> None:
    (tmp_path / "data.ndjson").write_text("")
    (tmp_path / "dumps").mkdir()
    assert fish_complete(scripts, f"feedcli stream tse -o {tmp_path}/da") == [f"{tmp_path}/data.ndjson"]
    assert fish_complete(scripts, f"feedcli simulate tse --data-dir {tmp_path}/d") == [f"{tmp_path}/dumps/"]


# --------------------------------------------------------------------------- zsh

# compadd, _describe, _files and compset only work inside a completion widget; these
# stand-ins print what the script asked for, so real zsh runs the script's own logic.
ZSH_DRIVER = r"""
compdef() { : }
compadd() { shift; print -rl -- "$@" }
_describe() { print -rl -- "${(@)${(@P)4}%%:*}" }
_files() { print -r -- "<files $*>" }
compset() { print -r -- "<compset $*>" }
source $1; shift
words=("$@")
CURRENT=$#words
_feedcli
"""


def zsh_complete(scripts: Path, *words: str) -> list[str]:
    zsh = need("zsh")
    done = subprocess.run(
        [zsh, "-f", "-c", ZSH_DRIVER, "zsh", str(scripts / "_feedcli"), *words],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert not done.stderr, done.stderr
    return done.stdout.splitlines()


def test_zsh_syntax(scripts: Path) -> None:
    zsh = need("zsh")
    done = subprocess.run([zsh, "-n", str(scripts / "_feedcli")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["feedcli", "st"], TOP),  # zsh filters by prefix itself
        (["feedcli", "-v", "stream", ""], ["tse", "ime"]),
        (["feedcli", "stream", "tse", "--ch"], TSE_OPTIONS),
        (["feedcli", "stream", "tse", "--channel", ""], list(CHANNELS)),
        (["feedcli", "stream", "tse", "--channel=o"], ["<compset -P *=>", *CHANNELS]),
        (["feedcli", "stream", "tse", "--channel", "best-limit", "--"], TSE_OPTIONS),
        (["feedcli", "stream", "tse", "-o", ""], ["<files >"]),
        (["feedcli", "simulate", "tse", "--data-dir", ""], ["<files -/>"]),
        (["feedcli", "login", "-u", "bob", ""], ["ht", "moex"]),
        (["feedcli", "login", "ht", ""], []),
        (["feedcli", "nosuch", ""], []),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] == "feedcli" else None,
)
def test_zsh_logic(scripts: Path, words: list[str], expected: list[str]) -> None:
    assert zsh_complete(scripts, *words) == expected


# --------------------------------------------------------------------------- interactive


class Tmux:
    """A shell in a private tmux server: type, press TAB, read the screen."""

    def __init__(self, command: str) -> None:
        self.socket = f"feedcli-completion-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-x", "160", "-y", "40", command)
        self.socket_path = self._tmux("display-message", "-p", "#{socket_path}").strip()

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def wait_for(self, *needles: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(n in screen for n in needles) or time.monotonic() > deadline:
                return screen
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")
        if self.socket_path:  # tmux may leave the socket file behind
            Path(self.socket_path).unlink(missing_ok=True)


@pytest.fixture
def clean_env(tmp_path: Path) -> str:
    """``env -i ...`` prefix: no rc files, no user completion setup."""
    return f"env -i HOME={tmp_path} ZDOTDIR={tmp_path} TERM=xterm-256color PATH=/usr/bin:/bin"


@pytest.mark.tmux
def test_zsh_interactive(scripts: Path, tmp_path: Path, clean_env: str) -> None:
    """TAB in a real interactive zsh with compinit, the script autoloaded from $fpath."""
    need("tmux")
    need("zsh")
    (tmp_path / ".zshrc").write_text(
        f"PS1='zsh> '\nfpath=({scripts} $fpath)\nautoload -Uz compinit && compinit -u -D\n", encoding="utf-8"
    )
    term = Tmux(f"{clean_env} zsh -i")
    try:
        assert "zsh>" in term.wait_for("zsh>")  # capture-pane drops trailing blanks
        term.send("feedcli stream tse --ch", "Tab")
        assert "feedcli stream tse --channel" in term.wait_for("--channel")
        term.send("Tab")
        screen = term.wait_for(*CHANNELS)
        assert all(c in screen for c in CHANNELS), screen
        term.send("C-c")
        term.send("feedcli stream tse --channel=ohlc", "Tab")
        assert "--channel=ohlcv-last-1m" in term.wait_for("--channel=ohlcv-last-1m"), term.screen()
    finally:
        term.close()


@pytest.mark.tmux
def test_bash_interactive(scripts: Path, clean_env: str) -> None:
    """TAB in a real interactive bash: readline's own word splitting around "="."""
    need("tmux")
    term = Tmux(f"{clean_env} bash --norc --noprofile -i")
    try:
        setup = f"bind 'set show-all-if-ambiguous on'; source {scripts / 'feedcli.bash'}; echo READY-$((6 * 7))"
        term.send(setup, "Enter")
        assert "READY-42" in term.wait_for("READY-42")  # the typed line says $((6 * 7)), not 42
        term.send("feedcli stream tse --channel=", "Tab")
        screen = term.wait_for(*CHANNELS)
        assert all(c in screen for c in CHANNELS), screen
        term.send("ohlc", "Tab")
        assert "feedcli stream tse --channel=ohlcv-last-1m" in term.wait_for("--channel=ohlcv-last-1m"), term.screen()
    finally:
        term.close()
