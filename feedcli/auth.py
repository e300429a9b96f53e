"""Logging in to HT Data Engine and MOEX ISS+, and finding what to stream with.

The token is a secret: it is stored with mode 0600, sent only in the Authorization header,
and never written to stdout, stderr, logs or recordings. Its expiry is read from the JWT
itself (without verifying the signature: only the server can, and we only want the date).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feedcli import config
from feedcli.errors import AuthError, FeedError, ProviderError
from feedcli.providers import ht
from feedcli.providers.base import http_url

#: attempts for 429 and 5xx answers, and the longest wait between two of them
LOGIN_ATTEMPTS = 5
MAX_WAIT = 30.0
#: how long a login may take in all, its waits included
LOGIN_TIMEOUT = 180.0
FAMILY = "ht"


@dataclass(frozen=True)
class Token:
    token: str
    account: str | None
    expires: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(timezone.utc)


def read_claims(token: str) -> dict[str, Any]:
    """The JWT's claims, unverified; empty if the token is not a JWT."""
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def describe_token(token: str, fallback_account: str | None = None) -> Token:
    claims = read_claims(token)
    account = None
    for key in ("username", "UserName", "preferred_username", "email", "sub", "user_id"):
        if claims.get(key):
            account = str(claims[key])
            break
    expires = None
    exp = claims.get("exp")
    if isinstance(exp, int | float):
        expires = datetime.fromtimestamp(exp, tz=timezone.utc)
    return Token(token, account or fallback_account, expires)


def login(
    base_url: str,
    user: str,
    password: str,
    *,
    note: Callable[[str], None] = lambda _m: None,
    timeout: float = LOGIN_TIMEOUT,
) -> Token:
    """POST the login form through the session engine and read the token from the answer.

    The engine makes the call (proxies, User-Agent, timeouts, TLS) and waits out 429 and
    5xx answers with its one retry policy (LOGIN_ATTEMPTS in all, each wait at most
    MAX_WAIT seconds, every wait noted through `note`); a refusal is AuthError (exit 3),
    a host that cannot be reached FeedError (exit 1).
    """
    from feedcli.session import run_once

    codec = run_once(
        lambda: ht.LoginCodec(base_url, user, password),
        lambda _event: None,
        base_url=http_url(base_url, ht.LOGIN_PATH),
        timeout=timeout,
        what="login",
        note=note,
        throttle_retries=LOGIN_ATTEMPTS - 1,
        max_retry_after=MAX_WAIT,
    )
    if codec.token is None:
        raise ProviderError(f"login: {base_url} closed the exchange without an answer")
    return describe_token(codec.token, user)


def store(profile: str, base_url: str, token: Token) -> str:
    data = config.load(profile, FAMILY)
    data[config.base_key(base_url)] = {
        "token": token.token,
        "account": token.account,
        "expires": token.expires.isoformat() if token.expires else None,
    }
    return str(config.save(profile, FAMILY, data))


def token_for(profile: str, base_url: str) -> str:
    """`FEEDCLI_TOKEN` if set, else the token stored for this base URL; AuthError if none."""
    env = (os.environ.get("FEEDCLI_TOKEN") or "").strip()
    if env:
        token = describe_token(_checked(env, "FEEDCLI_TOKEN"))
        if token.expired:  # refused as a stored one is: sending it would only earn a 1008
            raise AuthError(
                f"the token in FEEDCLI_TOKEN expired at {token.expires:%Y-%m-%d %H:%M} UTC: "
                "set a fresh one, or unset it and run `feedcli login`"
            )
        return token.token
    entry = config.load(profile, FAMILY).get(config.base_key(base_url))
    if not isinstance(entry, dict) or not entry.get("token"):
        hint = "" if base_url == ht.PRODUCTION_URL else f" --url {base_url}"
        raise AuthError(
            f"not logged in to {base_url} (profile {profile}): run `feedcli login{hint}` or set FEEDCLI_TOKEN"
        )
    token = describe_token(_checked(str(entry["token"]), "the stored token"))
    if token.expired:
        hint = "" if base_url == ht.PRODUCTION_URL else f" --url {base_url}"
        raise AuthError(
            f"the token for {base_url} (profile {profile}) expired at {token.expires:%Y-%m-%d %H:%M} UTC: "
            f"run `feedcli login{hint}` again"
        )
    return token.token


def _checked(token: str, where: str) -> str:
    """A token goes into an HTTP header: no spaces or control characters (never printed)."""
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in token):
        raise AuthError(f"{where} is not a valid token: it contains spaces or control characters")
    return token


def credential_for(family: str | None, profile: str, base_url: str) -> Any:
    """What a provider family connects with: HT's token, MOEX's login (or the guest), nothing for public data."""
    if family is None:
        return None
    if family == FAMILY:
        return token_for(profile, base_url)
    if family == MOEX:
        return moex_credentials(profile, base_url)
    raise AssertionError(f"no credentials known for the {family} family")


# ----------------------------------------------------------------------------- MOEX ISS+

MOEX = "moex"


def moex_credentials(profile: str, base_url: str) -> Any:
    """What `moex` connects with: FEEDCLI_MOEX_LOGIN/_PASSCODE, else the stored login, else the guest.

    The environment overrides the store piece by piece; a login from the environment is
    never paired with a passcode stored for another login (AuthError, exit 3, instead).
    """
    from feedcli.providers import moex

    env_login = (os.environ.get("FEEDCLI_MOEX_LOGIN") or "").strip()
    env_passcode = os.environ.get("FEEDCLI_MOEX_PASSCODE") or ""
    entry = config.load(profile, MOEX).get(config.base_key(base_url))
    stored = entry if isinstance(entry, dict) and entry.get("login") and entry.get("passcode") else None
    if env_login and env_passcode:
        return moex.credentials(env_login, env_passcode)
    if env_login:
        if stored is not None and stored["login"] == env_login:
            return moex.credentials(env_login, str(stored["passcode"]))
        raise AuthError("FEEDCLI_MOEX_LOGIN is set without FEEDCLI_MOEX_PASSCODE (and no passcode is stored for it)")
    if env_passcode:
        if stored is None:
            raise AuthError("FEEDCLI_MOEX_PASSCODE is set without FEEDCLI_MOEX_LOGIN (and no login is stored)")
        return moex.credentials(str(stored["login"]), env_passcode)
    if stored is not None:
        return moex.credentials(str(stored["login"]), str(stored["passcode"]))
    return moex.GUEST


def moex_check(base_url: str, cred: Any, *, timeout: float = 20.0) -> None:
    """Log in to ISS+ once (a STOMP CONNECT over the WebSocket) and leave: raise unless CONNECTED.

    The exchange runs through the session engine (the only place sockets are opened), with
    a codec that is finished at CONNECTED, no retries and no watchdog: AuthError (exit 3)
    for `gateway.access-denied`, FeedError (exit 1) when the gateway cannot be reached or
    fails.
    """
    from feedcli.providers import moex
    from feedcli.session import run_once

    codec = run_once(
        lambda: moex.LoginCodec(base_url, cred),
        lambda _event: None,
        base_url=base_url,
        timeout=timeout,
        what="login moex",
    )
    if not codec.connected:
        raise FeedError(f"login moex: {codec.handshake.describe()} closed the connection without CONNECTED")


def store_moex(profile: str, base_url: str, cred: Any) -> str:
    """Keep an ISS+ login per profile and base URL, as HT tokens are kept (mode 0600)."""
    data = config.load(profile, MOEX)
    data[config.base_key(base_url)] = {"domain": cred.domain, "login": cred.login, "passcode": cred.passcode}
    return str(config.save(profile, MOEX, data))
