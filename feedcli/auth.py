"""Logging in to HT Data Engine, and finding the token to stream with.

The token is a secret: it is stored with mode 0600, sent only in the Authorization header,
and never written to stdout, stderr, logs or recordings. Its expiry is read from the JWT
itself (without verifying the signature: only the server can, and we only want the date).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feedcli import config
from feedcli.errors import AuthError, ProviderError
from feedcli.providers import ht
from feedcli.providers.base import http_url

#: attempts for 429 and 5xx answers, and the longest wait between two of them
LOGIN_ATTEMPTS = 5
MAX_WAIT = 30.0
#: how long a login may take in all, its waits included
LOGIN_TIMEOUT = 180.0
FAMILY = "ht"
#: the environment variable whose token overrides every stored one
ENV_TOKEN = "FEEDCLI_TOKEN"


@dataclass(frozen=True)
class Token:
    token: str
    account: str | None
    expires: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(timezone.utc)


def read_claims(token: str) -> dict[str, Any]:
    """The JWT's claims, unverified; empty if the token is not a JWT.

    A token that is not three dot-separated parts is no JWT, and PyJWT is then not imported:
    it loads the `cryptography` package when that is installed (12 MB of RSS for a stream).
    """
    if token.count(".") != 2:
        return {}
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
    env, problem = env_token()
    if env is not None:
        if problem is not None:  # refused as a stored one is: sending it would only earn a 1008
            raise AuthError(problem)
        return env.token
    entry = config.load(profile, FAMILY).get(config.base_key(base_url))
    if not isinstance(entry, dict) or not entry.get("token"):
        hint = "" if base_url == ht.PRODUCTION_URL else f" --url {base_url}"
        raise AuthError(
            f"not logged in to {base_url} (profile {profile}): run `feedcli login{hint}` or set FEEDCLI_TOKEN"
        )
    token = _stored(entry)
    if token.expired:
        hint = "" if base_url == ht.PRODUCTION_URL else f" --url {base_url}"
        raise AuthError(
            f"the token for {base_url} (profile {profile}) expired at {token.expires:%Y-%m-%d %H:%M} UTC: "
            f"run `feedcli login{hint}` again"
        )
    return token.token


def _stored(entry: dict[str, Any]) -> Token:
    """A stored token with the expiry PyJWT read from it at login (`save`), so that a stream
    need not decode it again (nor import PyJWT); read from the token when the entry lacks it."""
    token = _checked(str(entry["token"]), "the stored token")
    if "expires" not in entry:
        return describe_token(token)
    expires = None
    if isinstance(entry["expires"], str):
        with contextlib.suppress(ValueError):
            expires = datetime.fromisoformat(entry["expires"])
        if expires is None or expires.tzinfo is None:  # not what `save` writes: ask the token
            return describe_token(token)
    return Token(token, entry.get("account"), expires)


def env_token() -> tuple[Token | None, str | None]:
    """`FEEDCLI_TOKEN` as a connection reads it, and why a connection would refuse to send it.

    (None, None) when unset or blank. `token_for` raises the problem; `auth status` shows it
    beside the row, so both say the same thing about the same token.
    """
    env = (os.environ.get(ENV_TOKEN) or "").strip()
    if not env:
        return None, None
    try:
        _checked(env, ENV_TOKEN)
    except AuthError as exc:
        return Token(env, None, None), str(exc)
    token = describe_token(env)
    if token.expired:
        return token, (
            f"the token in FEEDCLI_TOKEN expired at {token.expires:%Y-%m-%d %H:%M} UTC: "
            "set a fresh one, or unset it and run `feedcli login`"
        )
    return token, None


def _checked(token: str, where: str) -> str:
    """A token goes into an HTTP header: no spaces or control characters (never printed)."""
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in token):
        raise AuthError(f"{where} is not a valid token: it contains spaces or control characters")
    return token
