"""`feedcli login` and `feedcli logout`: like `gh auth login`, a hidden prompt or stdin.

The families (`login FAMILY`) and what each does are the providers' credential kinds
(`feedcli.credentials`), found in the registry: this module names none of them.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from feedcli import providers
from feedcli.cli import options as o
from feedcli.errors import UsageError

if TYPE_CHECKING:
    from feedcli.credentials import CredentialKind


def _families() -> dict[str, list[str]]:
    """family → the providers that use it, in the registry's order."""
    out: dict[str, list[str]] = {}
    for record in providers.records():
        if record.credentials is not None:
            out.setdefault(record.credentials.family, []).append(record.name)
    return out


_USERS = _families()
#: a Choice, so --help and shell completion offer the families
Family = Enum("Family", {name: name for name in _USERS}, type=str)  # type: ignore[misc]
#: the first family in the registry's order (HT Data Engine's, as the contract says)
DEFAULT = Family(next(iter(_USERS)))
_FAMILY_HELP = "Which provider family: " + "; ".join(
    f"{family} serves {' and '.join(names)}" for family, names in _USERS.items()
)


def _say(message: str) -> None:
    from feedcli.safe_text import printable

    sys.stderr.write(printable(message) + "\n")  # the account name comes from the server's token


def _kind(family: Enum) -> CredentialKind:
    return providers.families()[family.value]


def login(
    family: Annotated[Family, typer.Argument(help=_FAMILY_HELP + ".")] = DEFAULT,  # type: ignore[valid-type]
    url: o.Url = None,
    user: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--user", "-u", metavar="USER", help="User name or e-mail.", show_default=False),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
) -> None:
    from feedcli import config

    kind = _kind(family)
    base, source = o.family_base_url(http_only(url), kind.family, kind.default_url)
    config.load(profile, kind.family)  # a bad profile name or store fails before the password is sent
    # before any prompt: the user sees where the password goes before typing it
    _say(f"Logging in to {kind.title} at {base} ({'from ' if source != 'the default' else ''}{source}).")
    interactive = sys.stdin.isatty()
    if not user:
        if password_stdin or not interactive:
            raise UsageError("give the user name with -u USER (standard input is not a terminal)")
        user = typer.prompt(kind.user_prompt).strip()
    if not user:
        raise UsageError("the user name must not be empty")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
    else:
        if not interactive:
            raise UsageError("no terminal to ask for the password: pipe it in with --password-stdin")
        password = typer.prompt(kind.secret_prompt, hide_input=True)
    kind.login(base, user, password, profile, _say)


def http_only(url: str | None) -> str | None:
    """A password or token goes to an http(s) form only: `--url ws://...` is refused (exit 2)."""
    from urllib.parse import urlsplit

    if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
        from feedcli.safe_text import redact_url

        raise UsageError(f"--url must start with http:// or https://, not {redact_url(url)!r}")
    return url


def logout(
    family: Annotated[Family, typer.Argument(help="Which provider family.")] = DEFAULT,  # type: ignore[valid-type]
    url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--url", metavar="BASE", help="Forget this host's login only.", show_default=False),
    ] = None,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
) -> None:
    """Forget the stored credentials of a family (tokens, or logins and passcodes) in a profile:
    every host's, or with --url one host's.

    Examples:

      feedcli logout

      feedcli logout --url http://127.0.0.1:8765   # the simulator's token only

      feedcli logout moex --profile work
    """
    kind = _kind(family)
    base = o.base_url(http_only(url), kind.family, kind.default_url) if url is not None else None
    where = f"{kind.family} at {base}" if base is not None else kind.family
    if kind.forget(profile, base):
        _say(f"✓ Logged out of {where} (profile {profile}).")
    else:
        _say(f"Not logged in to {where} (profile {profile}); nothing to do.")


def _login_doc() -> str:
    kinds = providers.families()
    lines = [
        "feedcli login -u alice",
        "pass show feedcli | feedcli login -u alice --password-stdin",
        "feedcli login --url http://127.0.0.1:8765 -u demo   # a local simulator",
    ]
    lines += [
        f"feedcli login {family} -u alice@example.com   # {kinds[family].title}"
        for family in kinds
        if family != DEFAULT.value
    ]
    what = "; ".join(f"{family}: {kind.what}" for family, kind in kinds.items())
    shown = "\n".join(f"  {line}" for line in lines)
    return f"Log in, and store the credentials for the profile (mode 0600). {what}.\n\nExamples:\n{shown}\n"


login.__doc__ = _login_doc()
