"""Logging in to HT Data Engine, and finding the token to stream with.

The token is a secret: it is stored with mode 0600, sent only in the Authorization header,
and never written to stdout, stderr, logs or recordings. Its expiry is read from the JWT
itself (without verifying the signature: only the server can, and we only want the date).
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feedcli import USER_AGENT, config
from feedcli.errors import AuthError, FeedError, ProviderError
from feedcli.providers import ht
from feedcli.providers.base import http_url, is_loopback

#: attempts for 429 and 5xx answers, and the longest wait between two of them
LOGIN_ATTEMPTS = 5
MAX_WAIT = 30.0
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


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text else response.reason_phrase
    if isinstance(body, dict) and body.get("detail"):
        detail = body["detail"]
        return detail if isinstance(detail, str) else str(detail)
    return response.reason_phrase


def login(
    base_url: str,
    user: str,
    password: str,
    *,
    note: Callable[[str], None] = lambda _m: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Token:
    """POST the form to the token endpoint, retrying what is worth retrying."""
    import httpx

    url = http_url(base_url, ht.LOGIN_PATH)
    form = ht.login_form(user, password)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    # Proxies from the environment are honoured, as by the WebSocket, except for loopback.
    trust_env = not is_loopback(base_url)
    with httpx.Client(timeout=httpx.Timeout(15.0, connect=10.0), headers=headers, trust_env=trust_env) as client:
        for attempt in range(1, LOGIN_ATTEMPTS + 1):
            try:
                response = client.post(url, data=form)
            except httpx.TimeoutException:
                raise FeedError(f"login: {url} did not answer in time") from None
            except httpx.HTTPError as exc:
                raise FeedError(f"login: cannot reach {url}: {_reason(exc)}") from None
            status = response.status_code
            if 200 <= status < 300:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                token = ht.token_from_login(body)
                if token is None:
                    raise ProviderError(f"login: HTTP {status} without an Authorization token in the body")
                return describe_token(token, user)
            if status in (401, 403):
                raise AuthError(f"login refused (HTTP {status}): {_detail(response)}")
            if status == 429 or status >= 500:
                if attempt == LOGIN_ATTEMPTS:
                    raise FeedError(f"login: the server still answers HTTP {status} after {attempt - 1} retries")
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = min(MAX_WAIT, 2.0 ** (attempt - 1))
                wait = min(wait, MAX_WAIT)
                note(f"feedcli: login: HTTP {status} ({_detail(response)}); retrying in {wait:g}s")
                sleep(wait)
                continue
            raise FeedError(f"login failed (HTTP {status}): {_detail(response)}")
    raise AssertionError("unreachable")


def _reason(exc: Exception) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(cause or exc) or exc.__class__.__name__
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return text


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
        return _checked(env, "FEEDCLI_TOKEN")
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
