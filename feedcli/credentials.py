"""Credential kinds: how a provider family's credentials are loaded, checked at login and stored.

A provider's record names its kind (`Provider.credentials`); `login`, `logout`, `stream`,
`record`, `search` and `demo` ask the kind and never branch on a family. Two kinds exist:

- `TokenLogin`: a token issued by a login form (HT Data Engine: `feedcli.auth`), kept per
  profile and base URL; an environment variable overrides the stored one.
- `PasscodeLogin`: a login and passcode that travel with every connection (MOEX ISS+'s
  STOMP CONNECT), checked at login by a codec that finishes once they are accepted; without
  any, the provider's guest account. `FEEDCLI_<FAMILY>_LOGIN` and `_PASSCODE` override the
  stored ones, piece by piece.

The provider module declares an instance (cheap: this module imports nothing heavy); the
network, the config store and the environment are touched only when a method is called.
Secrets are never printed: messages name the account, never the token or passcode.
"""

from __future__ import annotations

import dataclasses
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from feedcli.errors import AuthError, FeedError

Say = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class StoredLogin:
    """What `auth status` shows of one stored login: never the secret itself."""

    family: str
    base_url: str
    account: str | None
    #: when the token expires; None when it carries no expiry or the kind has none (a passcode)
    expires: datetime | None
    #: whether a token has an expiry to speak of at all
    has_expiry: bool


@dataclasses.dataclass(frozen=True)
class EnvLogin:
    """Credentials the environment sets: they override every stored login of the family, for
    every profile and host, so `auth status` must say so (a user who sees a stored login
    would otherwise believe it is what connections send)."""

    family: str
    #: the variables that are set (`FEEDCLI_TOKEN`; MOEX's login and passcode, one or both)
    variables: tuple[str, ...]
    account: str | None
    expires: datetime | None
    has_expiry: bool
    #: why a connection would refuse to send it (expired, not a valid token); None if it would
    problem: str | None = None


class CredentialKind(ABC):
    """One provider family's credentials, named as the config store names them."""

    #: the family's name: `feedcli login FAMILY`, and the file in the profile's folder
    family: str
    #: what the service is called in messages ("MOEX ISS+")
    title: str
    #: the production base URL the credentials are for, without --url
    default_url: str
    #: what `feedcli login FAMILY` does, for its --help
    what: str
    #: the prompts of an interactive login
    user_prompt: str = "User name or e-mail"
    secret_prompt: str = "Password"

    @abstractmethod
    def load(self, profile: str, base_url: str) -> Any:
        """What a connection to `base_url` is made with; AuthError (exit 3) if it cannot be."""

    @abstractmethod
    def login(self, base_url: str, user: str, secret: str, profile: str, say: Say) -> None:
        """Check the credentials with the server, store them for the profile, and say so."""

    @abstractmethod
    def demo_credential(self, base_url: str, simulator: Any) -> Any:
        """What `feedcli demo` connects to a running simulator with (blocking; run in a thread)."""

    @abstractmethod
    def stored(self, profile: str) -> list[StoredLogin]:
        """The logins kept for the profile, one per base URL, in the order they were stored."""

    @abstractmethod
    def secret(self, profile: str, base_url: str) -> str:
        """The secret a connection to `base_url` would send (`auth token`); AuthError if none."""

    def environment(self) -> EnvLogin | None:
        """What the environment sets for this family, which wins over anything stored; None
        when it sets nothing. Never the secret itself."""
        return None

    def forget(self, profile: str, base_url: str | None) -> bool:
        """Forget one host's login (or, with None, every host's); False when there was none."""
        from feedcli import config

        if base_url is None:
            return config.remove(profile, self.family)
        data = config.load(profile, self.family)
        if data.pop(config.base_key(base_url), None) is None:
            return False
        if data:
            config.save(profile, self.family, data)
        else:
            config.remove(profile, self.family)
        return True


def humanize(delta_seconds: float) -> str:
    minutes = int(delta_seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


class TokenLogin(CredentialKind):
    """A token from a login form (`feedcli.auth.login`), stored per profile and base URL."""

    what = "fetch a token"

    def __init__(self, family: str, title: str, default_url: str) -> None:
        self.family = family
        self.title = title
        self.default_url = default_url

    def load(self, profile: str, base_url: str) -> str:
        from feedcli import auth

        return auth.token_for(profile, base_url)

    def login(self, base_url: str, user: str, secret: str, profile: str, say: Say) -> None:
        from feedcli import auth

        token = auth.login(base_url, user, secret, note=say)
        path = auth.store(profile, base_url, token)
        who = token.account or user
        if token.expires is not None:
            left = (token.expires - datetime.now(timezone.utc)).total_seconds()
            when = f"expires {token.expires:%Y-%m-%d %H:%M} UTC (in {humanize(left)})"
        else:
            when = "expiry unknown (the token carries no exp claim)"
        say(f"✓ Logged in to {base_url} as {who} (profile {profile}); the token {when}.")
        say(f"  Stored in {path}")

    def demo_credential(self, base_url: str, simulator: Any) -> str:
        from feedcli import auth

        return auth.login(base_url, simulator.user, simulator.password).token

    def stored(self, profile: str) -> list[StoredLogin]:
        from feedcli import auth, config

        out = []
        for base, entry in config.load(profile, self.family).items():
            if not isinstance(entry, dict) or not entry.get("token"):
                continue
            token = auth.describe_token(str(entry["token"]), entry.get("account"))  # the JWT's own claims
            out.append(StoredLogin(self.family, base, token.account, token.expires, True))
        return out

    def secret(self, profile: str, base_url: str) -> str:
        from feedcli import auth

        return auth.token_for(profile, base_url)  # FEEDCLI_TOKEN first, as a connection would

    def environment(self) -> EnvLogin | None:
        from feedcli import auth

        token, problem = auth.env_token()
        if token is None:
            return None
        return EnvLogin(self.family, (auth.ENV_TOKEN,), token.account, token.expires, True, problem)


class PasscodeLogin(CredentialKind):
    """A login and passcode sent with every connection; the guest's when none is known.

    `make(login, passcode)` builds the credential (a dataclass; UsageError for what cannot
    be sent), `guest` is used when there is none, `check(base_url, credential)` is a codec
    that finishes once the server accepted the login (its refusal is the codec's error),
    `detail(credential)` adds to the login message (the domain it landed in).
    """

    what = "check a login and passcode with the server (without one: the guest)"

    def __init__(
        self,
        family: str,
        title: str,
        default_url: str,
        *,
        make: Callable[[str, str], Any],
        guest: Any,
        check: Callable[[str, Any], Any],
        detail: Callable[[Any], str] = lambda _c: "",
        user_prompt: str = "Login",
        secret_prompt: str = "Passcode",
    ) -> None:
        self.family = family
        self.title = title
        self.default_url = default_url
        self.user_prompt = user_prompt
        self.secret_prompt = secret_prompt
        self._make = make
        self._guest = guest
        self._check = check
        self._detail = detail

    @property
    def env_login(self) -> str:
        return f"FEEDCLI_{self.family.upper()}_LOGIN"

    @property
    def env_passcode(self) -> str:
        return f"FEEDCLI_{self.family.upper()}_PASSCODE"

    def load(self, profile: str, base_url: str) -> Any:
        """The environment's login/passcode, else the stored ones, else the guest.

        The environment overrides the store piece by piece; a login from the environment is
        never paired with a passcode stored for another login (AuthError, exit 3, instead).
        """
        from feedcli import config

        env_login = (os.environ.get(self.env_login) or "").strip()
        env_passcode = os.environ.get(self.env_passcode) or ""
        entry = config.load(profile, self.family).get(config.base_key(base_url))
        stored = entry if isinstance(entry, dict) and entry.get("login") and entry.get("passcode") else None
        if env_login and env_passcode:
            return self._make(env_login, env_passcode)
        if env_login:
            if stored is not None and stored["login"] == env_login:
                return self._make(env_login, str(stored["passcode"]))
            raise AuthError(f"{self.env_login} is set without {self.env_passcode} (and no passcode is stored for it)")
        if env_passcode:
            if stored is None:
                raise AuthError(f"{self.env_passcode} is set without {self.env_login} (and no login is stored)")
            return self._make(str(stored["login"]), env_passcode)
        if stored is not None:
            return self._make(str(stored["login"]), str(stored["passcode"]))
        return self._guest

    def login(self, base_url: str, user: str, secret: str, profile: str, say: Say) -> None:
        cred = self._make(user, secret)
        self.verify(base_url, cred)
        path = self.store(profile, base_url, cred)
        detail = self._detail(cred)
        say(
            f"✓ Logged in to {self.title} at {base_url} as {user} ({detail + ', ' if detail else ''}profile {profile})."
        )
        say(f"  Stored in {path}")

    def verify(self, base_url: str, cred: Any, *, timeout: float = 20.0) -> None:
        """Log in once through the session engine (no retries, no watchdog) and leave.

        AuthError (exit 3) for a refusal; FeedError (exit 1) when the server cannot be
        reached or closes before accepting.
        """
        from feedcli.session import run_once

        codec = run_once(
            lambda: self._check(base_url, cred),
            lambda _event: None,
            base_url=base_url,
            timeout=timeout,
            what=f"login {self.family}",
        )
        if not codec.finished:
            raise FeedError(
                f"login {self.family}: {codec.handshake.describe()} closed the connection before accepting the login"
            )

    def store(self, profile: str, base_url: str, cred: Any) -> str:
        """Keep the login per profile and base URL, as tokens are kept (mode 0600)."""
        from feedcli import config

        data = config.load(profile, self.family)
        data[config.base_key(base_url)] = dataclasses.asdict(cred)
        return str(config.save(profile, self.family, data))

    def demo_credential(self, base_url: str, simulator: Any) -> Any:
        return self._guest  # as `stream` would connect without a login

    def stored(self, profile: str) -> list[StoredLogin]:
        from feedcli import config

        out = []
        for base, entry in config.load(profile, self.family).items():
            if isinstance(entry, dict) and entry.get("login") and entry.get("passcode"):
                out.append(StoredLogin(self.family, base, str(entry["login"]), None, False))
        return out

    def secret(self, profile: str, base_url: str) -> str:
        cred = self.load(profile, base_url)
        if cred is self._guest:
            raise AuthError(
                f"not logged in to {self.title} at {base_url} (profile {profile}): it connects as the guest"
            )
        return str(dataclasses.asdict(cred)["passcode"])

    def environment(self) -> EnvLogin | None:
        """The environment's login/passcode, with the problem `load` would raise for every
        profile and host: one of the two alone is paired only with a stored login (the same
        login for FEEDCLI_<FAMILY>_LOGIN, any for _PASSCODE)."""
        from feedcli import config

        login = (os.environ.get(self.env_login) or "").strip()
        passcode = os.environ.get(self.env_passcode) or ""
        variables = tuple(name for name, value in ((self.env_login, login), (self.env_passcode, passcode)) if value)
        if not variables:
            return None
        problem = None
        if not (login and passcode):
            logins = {entry.account for profile in config.profiles() for entry in self.stored(profile)}
            if login and login not in logins:
                problem = (
                    f"{self.env_login} is set without {self.env_passcode} (and no passcode is stored for it): "
                    "connections are refused"
                )
            elif not login and not logins:
                problem = (
                    f"{self.env_passcode} is set without {self.env_login} (and no login is stored): "
                    "connections are refused"
                )
        return EnvLogin(self.family, variables, login or None, None, False, problem)
