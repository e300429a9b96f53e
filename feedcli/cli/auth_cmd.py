"""`feedcli auth status|token|login|logout`: gh's `auth` family, over the credential kinds.

`status` shows what is stored, per profile and host, and never a secret; `token` prints
the one secret a connection would send, for scripts. Neither knows any provider: the
registry's credential kinds answer for their families.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from feedcli.cli import login as login_cmd
from feedcli.cli import options as o
from feedcli.errors import AuthError, FeedError

if TYPE_CHECKING:
    from feedcli.credentials import EnvLogin, StoredLogin

app = typer.Typer(
    name="auth",
    help="Log in and out, see where you are logged in, print a token for scripts.\n\n"
    "Examples:\n\n"
    "  feedcli auth login -u alice\n\n"
    "  feedcli auth status\n\n"
    "  feedcli auth token --url http://127.0.0.1:8765\n\n"
    "  feedcli auth logout --url http://127.0.0.1:8765",
    no_args_is_help=True,
)


def _expiry(entry: StoredLogin | EnvLogin, now: datetime) -> str:
    from feedcli.credentials import humanize

    if not entry.has_expiry:
        return "no expiry"
    if entry.expires is None:
        return "expiry unknown"
    left = (entry.expires - now).total_seconds()
    stamp = f"{entry.expires:%Y-%m-%d %H:%M} UTC"
    return f"expired {stamp}" if left <= 0 else f"expires {stamp} (in {humanize(left)})"


def status(
    json: Annotated[bool, typer.Option("--json", help="Print JSON (even on a terminal).")] = False,
) -> None:
    """Show, per profile, where you are logged in: provider family, base URL, account and token
    expiry; first what the environment sets (FEEDCLI_TOKEN, FEEDCLI_MOEX_LOGIN/_PASSCODE), which
    overrides every stored login of its family. Never prints a token or passcode. Exit 1 when
    logged in nowhere (nothing stored, and nothing in the environment a connection would send).

    Examples:

      feedcli auth status

      feedcli auth status --json | jq -r '.[] | select(.expired) | .base_url'
    """
    from feedcli import config, providers

    kinds = providers.families()
    users: dict[str, list[str]] = {}
    for record in providers.records():
        if record.credentials is not None:
            users.setdefault(record.credentials.family, []).append(record.name)
    now = datetime.now(timezone.utc)
    found: list[tuple[str, StoredLogin]] = []
    for profile in config.profiles():
        for kind in kinds.values():
            found += [(profile, entry) for entry in kind.stored(profile)]
    # what the environment sets wins over every stored login of its family (FEEDCLI_TOKEN)
    env = {family: e for family, kind in kinds.items() if (e := kind.environment()) is not None}

    def when(expires: datetime | None) -> str | None:
        return expires.isoformat().replace("+00:00", "Z") if expires else None

    if json:
        import orjson

        rows = [
            {
                "profile": None,
                "family": e.family,
                "providers": users.get(e.family, []),
                "base_url": None,
                "account": e.account,
                "expires": when(e.expires),
                "expired": e.expires is not None and e.expires <= now,
                "source": "environment",
                "variables": list(e.variables),
                "problem": e.problem,
                "overridden_by": None,
            }
            for e in env.values()
        ] + [
            {
                "profile": profile,
                "family": entry.family,
                "providers": users.get(entry.family, []),
                "base_url": entry.base_url,
                "account": entry.account,
                "expires": when(entry.expires),
                "expired": entry.expires is not None and entry.expires <= now,
                "source": "stored",
                "variables": [],
                "problem": None,
                "overridden_by": list(env[entry.family].variables) if entry.family in env else None,
            }
            for profile, entry in found
        ]
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        sys.stdout.flush()
    else:
        from feedcli.safe_text import printable

        out: list[str] = []
        if env:
            out.append("environment (overrides every stored login of its family, for every profile and host)")
            for e in env.values():
                serves = " and ".join(users.get(e.family, [])) or e.family
                out.append(f"  {e.family} ({serves}) from {' and '.join(e.variables)}")
                who = e.account or "an unnamed account"
                if e.problem is not None:
                    out.append(f"    ✗ {who}: {e.problem}")
                else:
                    out.append(f"    ✓ connections log in as {who}; {_expiry(e, now)}")
        for profile in dict.fromkeys(p for p, _ in found):
            out.append(f"profile {profile}")
            for _, entry in (item for item in found if item[0] == profile):
                serves = " and ".join(users.get(entry.family, [])) or entry.family
                who = entry.account or "an unnamed account"
                out.append(f"  {entry.family} ({serves}) at {entry.base_url}")
                out.append(f"    ✓ logged in as {who}; {_expiry(entry, now)}")
                if entry.family in env:
                    names = " and ".join(env[entry.family].variables)
                    out.append(f"    ! not used while {names} is set")
        sys.stdout.write("".join(printable(line) + "\n" for line in out))
        sys.stdout.flush()
    # FEEDCLI_TOKEN alone is a login (as GH_TOKEN is for gh); a variable every connection refuses is not
    if not found and all(e.problem is not None for e in env.values()):
        where = config.config_dir() / "profiles"
        why = "; connections refuse what the environment sets" if env else ""
        sys.stderr.write(f"feedcli: not logged in anywhere (nothing stored in {where}{why}); run `feedcli login`\n")
        raise typer.Exit(1)


def token(
    family: Annotated[login_cmd.Family, typer.Argument(help="Which provider family.")] = login_cmd.DEFAULT,  # type: ignore[valid-type]
    url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--url",
            metavar="BASE",
            help="The host whose token to print (default: as `stream` finds it: FEEDCLI_*_URL, else production).",
            show_default=False,
        ),
    ] = None,
    profile: o.Profile = o.DEFAULT_PROFILE_NAME,
) -> None:
    """Print the stored token (a passcode for a family without tokens) on stdout, for scripts.
    FEEDCLI_TOKEN, when set, is what a connection sends, so it is what is printed (and stderr
    says so). Exit 1 when there is none.

    Examples:

      feedcli auth token

      curl -H "Authorization: $(feedcli auth token --url http://127.0.0.1:8765)" ...
    """
    kind = login_cmd._kind(family)
    base, _source = o.family_base_url(login_cmd.http_only(url), kind.family, kind.default_url)
    try:
        secret = kind.secret(profile, base)
    except AuthError as exc:
        raise FeedError(str(exc)) from None  # nothing was refused: there is just nothing to print
    env = kind.environment()
    if env is not None:
        # stdout stays the secret alone; stderr says it is not the stored one (-q silences it)
        from feedcli import config

        names = " and ".join(env.variables)
        verb = "is" if len(env.variables) == 1 else "are"
        key = config.base_key(base)
        if any(entry.base_url == key for entry in kind.stored(profile)):
            beside = f", not what is stored for {base} (the environment overrides that)"
        else:
            beside = f" (nothing is stored for {base} in profile {profile})"
        sys.stderr.write(f"feedcli: {names} {verb} set: printing what a connection sends with it{beside}\n")
    sys.stdout.write(secret + "\n")
    sys.stdout.flush()


app.command("status")(status)
app.command("token")(token)
app.command("login")(login_cmd.login)
app.command("logout")(login_cmd.logout)
