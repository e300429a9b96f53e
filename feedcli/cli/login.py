"""`feedcli login` and `feedcli logout`: like `gh auth login`, a hidden prompt or stdin."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Optional

import typer

from feedcli.cli import options as o
from feedcli.errors import UsageError


class Family(str, Enum):
    ht = "ht"
    moex = "moex"


def _say(message: str) -> None:
    from feedcli.safe_text import printable

    sys.stderr.write(printable(message) + "\n")  # the account name comes from the server's token


def _humanize(delta_seconds: float) -> str:
    minutes = int(delta_seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def login(
    family: Annotated[
        Family, typer.Argument(help="Which provider family: ht serves tse and ime; moex is MOEX ISS+.")
    ] = Family.ht,
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
    """Fetch a token (ht), or check an ISS+ passport login (moex), and store it for the profile (mode 0600).

    Examples:
      feedcli login -u alice
      pass show ht | feedcli login -u alice --password-stdin
      feedcli login --url http://127.0.0.1:8765 -u demo   # a local simulator
      feedcli login moex -u alice@example.com             # MOEX passport (ALGOPACK); without it: guest
    """
    from feedcli import auth, config
    from feedcli.providers import ht, moex

    default = moex.PRODUCTION_URL if family is Family.moex else ht.PRODUCTION_URL
    base = o.base_url(url, family.value, default)
    config.load(profile, family.value)  # a bad profile name or store fails before the password is sent
    interactive = sys.stdin.isatty()
    if not user:
        if password_stdin or not interactive:
            raise UsageError("give the user name with -u USER (standard input is not a terminal)")
        user = typer.prompt("MOEX passport login" if family is Family.moex else "User name or e-mail").strip()
    if not user:
        raise UsageError("the user name must not be empty")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
    else:
        if not interactive:
            raise UsageError("no terminal to ask for the password: pipe it in with --password-stdin")
        password = typer.prompt("Passcode" if family is Family.moex else "Password", hide_input=True)

    if family is Family.moex:
        cred = moex.credentials(user, password)
        auth.moex_check(base, cred)
        path = auth.store_moex(profile, base, cred)
        _say(f"✓ Logged in to MOEX ISS+ at {base} as {user} (domain {cred.domain}, profile {profile}).")
        _say(f"  Stored in {path}")
        return

    token = auth.login(base, user, password, note=_say)
    path = auth.store(profile, base, token)
    who = token.account or user
    if token.expires is not None:
        left = (token.expires - datetime.now(timezone.utc)).total_seconds()
        when = f"expires {token.expires:%Y-%m-%d %H:%M} UTC (in {_humanize(left)})"
    else:
        when = "expiry unknown (the token carries no exp claim)"
    _say(f"✓ Logged in to {base} as {who} (profile {profile}); the token {when}.")
    _say(f"  Stored in {path}")


def logout(
    family: Annotated[Family, typer.Argument(help="Which provider family.")] = Family.ht,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
) -> None:
    """Forget the stored token(s) (ht) or ISS+ login(s) (moex) of a profile."""
    from feedcli import config

    if config.remove(profile, family.value):
        _say(f"✓ Logged out of {family.value} (profile {profile}).")
    else:
        _say(f"Not logged in to {family.value} (profile {profile}); nothing to do.")
